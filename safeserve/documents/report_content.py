"""What a technical report says, compiled from the task's data (R13), never retyped: the
enterprise, the contract, the experts who took part, the checklist results, every hazard
with its photos, the major hazards with their reports, and the records of the other kinds
of service. The result is plain data (JSON), frozen on the report when signatures are
requested, so that what the experts sign does not move when the data later does."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone, translation

from safeserve.common.validation import label
from safeserve.fieldwork.models import (
    RECORD_FIELDS,
    Answer,
    AssignmentRole,
    Inspection,
    ServiceTask,
    TaskRecord,
)
from safeserve.hazards.models import Hazard, HazardFile, PhotoStage
from safeserve.providers.models import Expert

# Photos a hazard shows in the report (the rest stay on the hazard's page).
PHOTOS_PER_HAZARD = 2


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _experts(task: ServiceTask) -> list[dict[str, Any]]:
    assignments = task.assignments.select_related("expert").prefetch_related(
        "expert__specialties", "expert__certificates"
    )
    rows = sorted(assignments, key=lambda a: (a.role != AssignmentRole.LEAD, a.expert.name))
    out = []
    for a in rows:
        expert: Expert = a.expert
        out.append(
            {
                "id": expert.pk,
                "user_id": expert.user_id,
                "name": expert.name,
                "role": str(a.get_role_display()),
                "title": expert.title,
                "specialties": "、".join(expert.specialty_labels()),
                "certificates": "；".join(
                    f"{c.get_kind_display()} {c.number}" for c in expert.certificates.all()
                ),
            }
        )
    return out


def _checklists(task: ServiceTask) -> list[dict[str, Any]]:
    inspections = Inspection.objects.filter(task=task).select_related("template")
    inspections = inspections.prefetch_related("answers", "template__items").order_by("pk")
    out = []
    for inspection in inspections:
        counts = Counter(a.answer for a in inspection.answers.all())
        out.append(
            {
                "name": inspection.template.name,
                "standard": inspection.template.standard,
                "items": len(inspection.template.items.all()),
                "checked": sum(counts.values()),
                "compliant": counts[Answer.NO],
                "problems": counts[Answer.YES],
                "not_applicable": counts[Answer.NOT_APPLICABLE],
            }
        )
    return out


def _hazards(task: ServiceTask) -> list[dict[str, Any]]:
    photos = HazardFile.objects.filter(stage=PhotoStage.FINDING, is_image=True).order_by("pk")
    hazards = (
        Hazard.objects.filter(task=task)
        .select_related("major_report")
        .prefetch_related(Prefetch("files", queryset=photos, to_attr="finding_photos"))
        .order_by("pk")
    )
    out = []
    for h in hazards:
        report = getattr(h, "major_report", None)
        out.append(
            {
                "id": h.pk,
                "number": h.number,
                "level": h.level,
                "level_label": str(h.get_level_display()),
                "description": h.description,
                "location": h.location,
                "basis": h.basis,
                "advice": h.advice,
                "deadline": _date(h.deadline),
                "responsible_person": h.responsible_person,
                "status": str(h.get_status_display()),
                "photos": [f.pk for f in h.finding_photos[:PHOTOS_PER_HAZARD]],
                "major_report": (
                    {
                        "status": str(report.get_status_display()),
                        "department": report.department.name if report.department_id else "",
                        "due_at": _date(report.due_at),
                        "sent_at": _date(report.sent_at),
                        "sent_late": bool(report.sent_late),
                    }
                    if report is not None
                    else None
                ),
            }
        )
    return out


def _record(task: ServiceTask) -> list[dict[str, str]]:
    """The record a non-checklist task keeps, field by field, as label and value."""
    record = TaskRecord.objects.filter(task=task).first()
    if record is None:
        return []
    names = RECORD_FIELDS.get(task.kind) or ("summary",)
    extra = [n for n in ("summary", "problems_found") if n not in names]
    rows = []
    for name in (*names, *extra):
        value = getattr(record, name)
        if value in (None, ""):
            continue
        text = _number(value) if isinstance(value, Decimal) else str(value)
        rows.append({"label": label(TaskRecord, name), "value": text})
    if record.materials:
        rows.append(
            {
                "label": label(TaskRecord, "materials"),
                "value": (record.materials.name or "").rsplit("/", 1)[-1],
            }
        )
    return rows


def _tests(task: ServiceTask) -> list[dict[str, Any]]:
    return [
        {
            "factor": r.factor,
            "point": r.point,
            "measured": _number(r.measured_value),
            "limit": _number(r.limit_value),
            "unit": r.unit,
            "passed": r.passed,
        }
        for r in task.test_results.all().order_by("pk")
    ]


def compile_content(task: ServiceTask) -> dict[str, Any]:
    """The report's data as of now, in Chinese (an official document)."""
    task = ServiceTask.objects.select_related(
        "enterprise", "contract__provider", "contract__purchaser", "contract__project__item"
    ).get(pk=task.pk)
    contract = task.contract
    enterprise = task.enterprise
    with translation.override("zh-hans"):
        hazards = _hazards(task)
        return {
            "compiled_at": _date(timezone.now()),
            "enterprise": (
                {
                    "name": enterprise.name,
                    "uscc": enterprise.uscc,
                    "address": enterprise.address,
                    "sector": str(enterprise.get_sector_display()),
                }
                if enterprise is not None
                else None
            ),
            "contract": {
                "number": contract.number,
                "title": contract.project.title,
                "purchaser": contract.purchaser.name,
                "provider": contract.provider.name,
                "category": str(contract.project.item.get_category_display()),
                "period": f"{_date(contract.period_start)} — {_date(contract.period_end)}",
            },
            "task": {
                "kind": task.kind,
                "kind_label": str(task.get_kind_display()),
                "title": task.title,
                "planned_date": _date(task.planned_date),
                "checked_in_at": _date(task.checked_in_at),
                "findings_recorded_at": _date(task.findings_recorded_at),
                "uses_checklists": task.uses_checklists,
            },
            "experts": _experts(task),
            "checklists": _checklists(task),
            "hazards": hazards,
            "hazard_counts": {
                "total": len(hazards),
                "major": sum(1 for h in hazards if h["level"] == "major"),
            },
            "record": _record(task),
            "tests": _tests(task),
        }


def estimated_pages(content: dict[str, Any]) -> int:
    """A cheap guess of the page count, before rendering: what decides whether the PDF is
    made at once or by a background job."""
    hazards = content.get("hazards", [])
    photos = sum(len(h["photos"]) for h in hazards)
    return (
        3
        + (len(hazards) * 2 + photos) // 18
        + len(content.get("checklists", [])) // 25
        + len(content.get("tests", [])) // 30
    )
