"""The national major-hazard criteria shipped as checklist templates (data/checklists.json,
transcribed from ../shared/domain/criteria.md with standard, article, item number and source
confidence). Loading is idempotent: templates are matched by code and their items replaced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError

DATA = Path(__file__).parent / "data" / "checklists.json"


def shipped_templates() -> list[dict[str, Any]]:
    return list(json.loads(DATA.read_text(encoding="utf-8"))["templates"])


def load_shipped(template_model: Any, item_model: Any, answer_model: Any = None) -> int:
    """Creates or updates every shipped template; takes the model classes so a migration can
    pass its historical ones. A template whose items inspections have already answered keeps
    its items as they were answered (a corrected text ships as a new template code), so no
    past answer changes meaning. Returns the number of items loaded."""
    loaded = 0
    for data in shipped_templates():
        template, _created = template_model.objects.update_or_create(
            code=data["code"],
            defaults={
                "county": None,
                "name": data["name"],
                "kind": data["kind"],
                "standard": data["standard"],
                "standard_title": data.get("standard_title") or "",
                "effective_from": data.get("effective_from"),
                "superseded": bool(data.get("superseded")),
                "sectors": data.get("sectors") or [],
                "industry_prefixes": data.get("industry_prefixes") or [],
                "special_flag": data.get("special_flag") or "",
                "applies_to_all": bool(data.get("applies_to_all")),
            },
        )
        if (
            answer_model is not None
            and answer_model.objects.filter(item__template=template).exists()
        ):
            continue
        existing = {item.position: item for item in item_model.objects.filter(template=template)}
        for position, item in enumerate(data["items"], start=1):
            values = {
                "article": item.get("article") or "",
                "item_no": item.get("item_no") or "",
                "text": item["text"],
                "sub_cases": item.get("sub_cases") or [],
                "confidence": item.get("confidence") or "V",
                "truncated": bool(item.get("truncated")),
                "is_major": bool(item.get("is_major")),
            }
            row = existing.pop(position, None)
            if row is None:
                item_model.objects.create(template=template, position=position, **values)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                row.save()
            loaded += 1
        # Items answered on past inspections are protected; extra ones are left in place.
        for row in existing.values():
            try:
                with transaction.atomic():
                    row.delete()
            except ProtectedError:
                continue
    return loaded
