"""Checklists on site: which templates fit an enterprise, adding one to a task, answering it
item by item, and the records of the other kinds of task (drills, training, testing)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.uploads import upload_label, validate_uploads
from safeserve.common.validation import clean_model, required_text
from safeserve.fieldwork.models import (
    Answer,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    ServiceTask,
    TaskRecord,
    TestingResult,
)
from safeserve.fieldwork.services.tasks import lock_task
from safeserve.fieldwork.workflows import TASK

if TYPE_CHECKING:
    from safeserve.accounts.models import User
    from safeserve.enterprises.models import Enterprise


def _matches(template: ChecklistTemplate, enterprise: Enterprise | None) -> bool:
    if template.applies_to_all:
        return True
    if enterprise is None:
        return False
    if template.special_flag:
        return bool(getattr(enterprise, template.special_flag, False))
    if template.industry_prefixes:
        digits = (enterprise.industry_code or "").upper().lstrip(_SECTIONS)
        return bool(digits) and any(
            digits.startswith(prefix.lstrip(_SECTIONS)) for prefix in template.industry_prefixes
        )
    return bool(enterprise.sector) and enterprise.sector in template.sectors


_SECTIONS = "ABCDEFGHIJKLMNOPQRST"


def available_templates(county_id: int) -> list[ChecklistTemplate]:
    """Every checklist a task of the county may use: the shipped ones and the county's."""
    return list(
        ChecklistTemplate.objects.filter(is_active=True)
        .filter(Q(county__isnull=True) | Q(county_id=county_id))
        .order_by("superseded", "kind", "code")
    )


def suggested_templates(
    task: ServiceTask, templates: list[ChecklistTemplate] | None = None
) -> tuple[list[ChecklistTemplate], list[ChecklistTemplate]]:
    """The checklists matching the task's enterprise — its industry code, special flags and
    the ordinary list for everyone — in force, then superseded ones (for areas the current
    criteria's transcription does not cover yet). When no industry criteria match the code
    (an unusual code, a sector set by hand), the criteria of the enterprise's high-risk
    sector are suggested instead. One query, none when given ``available_templates``."""
    if templates is None:
        templates = available_templates(task.county_id)
    enterprise = task.enterprise

    def suggest(pool: list[ChecklistTemplate]) -> list[ChecklistTemplate]:
        chosen = [t for t in pool if _matches(t, enterprise)]
        by_industry = [t for t in chosen if t.industry_prefixes]
        if enterprise is not None and enterprise.sector and not by_industry:
            chosen += [t for t in pool if enterprise.sector in t.sectors and t not in chosen]
        return chosen

    current = suggest([t for t in templates if not t.superseded])
    older = suggest([t for t in templates if t.superseded])
    return current, older


@transaction.atomic
def inspection_add(*, actor: User, task: ServiceTask, template: ChecklistTemplate) -> Inspection:
    locked = lock_task(task)
    TASK.check("checklists", actor, locked)
    if template.county_id not in (None, locked.county_id) or not template.is_active:
        raise ApplicationError("template_unavailable", _("This checklist is not available."))
    inspection, created = Inspection.objects.get_or_create(
        task=locked, template=template, defaults={"added_by": actor}
    )
    if created:
        audit_record(
            action="task.checklist_added",
            actor=actor,
            obj=locked,
            after={"checklist": template.name},
        )
    return inspection


@transaction.atomic
def answers_remaining_no(*, actor: User, inspection: Inspection) -> int:
    """Answers 否 (no problem) to every item of the checklist not yet answered, in one step
    the expert confirms on the page first ("all remaining items: no problem"); items already
    answered keep their answers. One audit event naming the items; returns how many."""
    task = lock_task(inspection.task)
    TASK.check("answer", actor, task)
    answered = set(
        InspectionAnswer.objects.filter(inspection=inspection).values_list("item_id", flat=True)
    )
    remaining = [item for item in inspection.template.items.all() if item.pk not in answered]
    if not remaining:
        raise ApplicationError(
            "nothing_remaining", _("Every item of this checklist is answered already.")
        )
    InspectionAnswer.objects.bulk_create(
        InspectionAnswer(inspection=inspection, item=item, answer=Answer.NO, answered_by=actor)
        for item in remaining
    )
    audit_record(
        action="task.items_answered_no",
        actor=actor,
        obj=task,
        after={
            "checklist": inspection.template.name,
            "items": [item.reference for item in remaining],
            "answer": Answer.NO,
            "count": len(remaining),
        },
    )
    return len(remaining)


@transaction.atomic
def answer_record(
    *,
    actor: User,
    inspection: Inspection,
    item: ChecklistItem,
    answer: str,
    description: str = "",
    photos: Sequence[Any] = (),
) -> InspectionAnswer:
    """是否存在问题 for one item; photos are added to those already taken."""
    task = lock_task(inspection.task)
    TASK.check("answer", actor, task)
    if item.template_id != inspection.template_id:
        raise ApplicationError("wrong_item", _("This item is not on this checklist."), status=400)
    if answer not in Answer.values:
        raise ApplicationError(
            "bad_answer",
            _("Answer yes, no or not applicable."),
            errors={"answer": [_("Answer yes, no or not applicable.")]},
            status=400,
        )
    description = (description or "").strip()
    if answer == Answer.YES and not description:
        raise ApplicationError(
            "description_required",
            _("Describe the problem found."),
            errors={"description": [_("Describe the problem found.")]},
            status=400,
        )
    validate_uploads(list(photos), photos_only=True, field="photos")
    existing = (
        InspectionAnswer.objects.select_for_update()
        .filter(inspection=inspection, item=item)
        .first()
    )
    if existing and answer != Answer.YES and existing.hazards.exists():
        raise ApplicationError(
            "hazard_raised",
            _("A hazard was raised from this item; the answer stays 'problem found'."),
        )
    before = {"answer": existing.answer, "finding": existing.description} if existing else {}
    row = existing or InspectionAnswer(inspection=inspection, item=item, answered_by=actor)
    row.answer, row.description, row.answered_by = answer, description, actor
    row.save()
    for photo in photos:
        InspectionPhoto.objects.create(
            answer=row, file=photo, original_name=upload_label(photo), uploaded_by=actor
        )
    audit_record(
        action="task.item_answered",
        actor=actor,
        obj=task,
        before=before,
        after={
            "item": item.reference,
            "answer": answer,
            "finding": description,
            "photos": len(photos),
        },
    )
    return row


_RECORD_EDITABLE = (
    "summary",
    "scenario",
    "participants",
    "problems_found",
    "topic",
    "hours",
    "attendees",
)


@transaction.atomic
def record_save(
    *, actor: User, task: ServiceTask, data: dict[str, Any], materials: Any = None
) -> TaskRecord:
    locked = lock_task(task)
    TASK.check("record", actor, locked)
    record = TaskRecord.objects.filter(task=locked).first() or TaskRecord(
        task=locked, updated_by=actor
    )
    before = {f: getattr(record, f) for f in _RECORD_EDITABLE} if record.pk else {}
    for field in _RECORD_EDITABLE:
        if field in data:
            value = data[field]
            setattr(record, field, value.strip() if isinstance(value, str) else value)
    if materials is not None:
        validate_uploads([materials], photos_only=False, field="materials")
        record.materials = materials
    record.updated_by = actor
    clean_model(record, exclude=["task", "updated_by"])
    record.save()
    audit_record(
        action="task.record_saved",
        actor=actor,
        obj=locked,
        before=before,
        after={f: getattr(record, f) for f in _RECORD_EDITABLE},
    )
    return record


@transaction.atomic
def test_result_add(
    *,
    actor: User,
    task: ServiceTask,
    factor: str,
    point: str,
    measured_value: Decimal,
    limit_value: Decimal,
    unit: str = "",
) -> TestingResult:
    """A measurement; pass/fail follows from value against limit (GBZ 2 occupational limits
    are upper limits)."""
    locked = lock_task(task)
    TASK.check("test-results", actor, locked)
    for field, value in (("measured_value", measured_value), ("limit_value", limit_value)):
        if not Decimal(value).is_finite():
            raise ApplicationError(
                "not_a_number",
                _("Enter the measured value and the limit as numbers."),
                errors={field: [_("Enter a number.")]},
                status=400,
            )
    result = TestingResult(
        task=locked,
        factor=required_text(factor, "factor", _("hazard factor")),
        point=required_text(point, "point", _("measuring point")),
        measured_value=measured_value,
        limit_value=limit_value,
        unit=(unit or "").strip(),
        passed=measured_value <= limit_value,
        recorded_by=actor,
    )
    clean_model(result, exclude=["task", "recorded_by"])
    result.save()
    audit_record(
        action="task.test_result_added",
        actor=actor,
        obj=locked,
        after={
            "factor": result.factor,
            "point": result.point,
            "measured_value": result.measured_value,
            "limit_value": result.limit_value,
            "passed": result.passed,
        },
    )
    return result
