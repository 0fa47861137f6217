"""Answer a checklist item and raise its hazard in the same step (R10).

The expert's phone card and ``POST /api/v1/inspections/{id}/answer/`` both come here: the
answer, its photos and the hazard are kept together or not at all, so a refused hazard never
leaves a half-recorded finding behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.validation import required_text
from safeserve.fieldwork.models import Answer, ChecklistItem, Inspection, InspectionAnswer
from safeserve.fieldwork.services import answer_record
from safeserve.hazards.models import Hazard, HazardLevel
from safeserve.hazards.services.hazards import hazard_raise

if TYPE_CHECKING:
    from safeserve.accounts.models import User


@transaction.atomic
def answer_and_raise(
    *,
    actor: User,
    inspection: Inspection,
    item: ChecklistItem,
    answer: str,
    description: str = "",
    photos: Sequence[Any] = (),
    raise_hazard: bool = False,
    level: str = HazardLevel.GENERAL,
    location: str = "",
    advice: str = "",
    deadline: dt.date | None = None,
    responsible_person: str = "",
) -> tuple[InspectionAnswer, Hazard | None]:
    """Record 是否存在问题 for one item; with ``raise_hazard`` the problem found becomes a
    hazard at once (major when the item is a 判定标准 criterion)."""
    if raise_hazard:
        # Checked before anything is stored, so a refusal leaves no photo behind.
        if answer != Answer.YES:
            raise ApplicationError(
                "no_problem",
                _("Only an item answered 'problem found' raises a hazard."),
                errors={"answer": [_("Answer 'problem found' to raise a hazard.")]},
                status=400,
            )
        required_text(location, "location", _("location"))
        required_text(advice, "advice", _("rectification advice"))
    row = answer_record(
        actor=actor,
        inspection=inspection,
        item=item,
        answer=answer,
        description=description,
        photos=photos,
    )
    if not raise_hazard:
        return row, None
    for photo in photos:  # the answer's copies were read; the hazard keeps its own
        photo.seek(0)
    hazard = hazard_raise(
        actor=actor,
        task=inspection.task,
        answer=row,
        level=level or HazardLevel.GENERAL,
        description=row.description,
        location=location,
        advice=advice,
        deadline=deadline,
        responsible_person=responsible_person,
        photos=photos,
    )
    return row, hazard
