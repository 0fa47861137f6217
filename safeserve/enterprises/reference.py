"""Loads the GB/T 4754-2017 divisions and the default industry → sector mapping shipped in
``data/`` (copied from shared/domain). Used by the data migration, with its historical models,
and by tests whose transactional flush emptied the tables."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def load_gbt4754(division_model: Any, rule_model: Any) -> None:
    with open(DATA / "gbt4754_2017_divisions.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            division_model.objects.update_or_create(
                code=row["division"],
                defaults={
                    "section": row["section"],
                    "section_name": row["section_name"],
                    "name": row["division_name"],
                },
            )
            if row["suggested_high_risk_sector"]:
                rule_model.objects.update_or_create(
                    county=None,
                    prefix=row["division"],
                    defaults={
                        "sector": row["suggested_high_risk_sector"],
                        "name": row["division_name"],
                    },
                )
    with open(DATA / "gbt4754_2017_classes.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rule_model.objects.update_or_create(
                county=None,
                prefix=row["code"][1:],
                defaults={
                    "sector": row["suggested_high_risk_sector"],
                    "name": row["name"],
                    "note": row["note"][:200],
                },
            )


def ensure_gbt4754() -> None:
    from safeserve.enterprises.models import IndustryDivision, SectorRule

    if not IndustryDivision.objects.exists():
        load_gbt4754(IndustryDivision, SectorRule)
