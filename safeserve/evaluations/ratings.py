"""Expert ratings (R10): for each contract the purchaser rates each expert who worked on its
tasks — professional quality, diligence, integrity (1–5) with a comment — kept on the
expert, read by the rankings."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.contracts.models import Contract
from safeserve.contracts.permissions import is_purchaser
from safeserve.evaluations.models import ExpertRating
from safeserve.fieldwork.models import TaskStatus
from safeserve.providers.models import Expert

DIMENSIONS = ("quality", "diligence", "integrity")
COMMENT_LIMIT = 2000


def dimension_labels() -> list[tuple[str, str]]:
    from safeserve.common.validation import label

    return [(name, str(label(ExpertRating, name))) for name in DIMENSIONS]


def participants(contract: Contract) -> QuerySet[Expert]:
    """The experts assigned to any task of the contract not cancelled (R10: every task names
    them)."""
    return (
        Expert.objects.filter(
            assignments__task__contract=contract,
            assignments__task__status__in=[
                s for s in TaskStatus.values if s != TaskStatus.CANCELLED
            ],
        )
        .distinct()
        .order_by("name", "pk")
    )


def may_rate(user: Any, contract: Contract) -> bool:
    return is_purchaser(user, contract)


def _score(value: Any, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 5:
        message = _("Give 1 to 5.")
        raise ApplicationError(
            "invalid_rating",
            _("Each rating is a whole number from 1 to 5."),
            errors={field: [message]},
            status=400,
        )
    return number


@transaction.atomic
def expert_rate(
    *,
    actor: Any,
    contract: Contract,
    expert: Expert,
    quality: Any,
    diligence: Any,
    integrity: Any,
    comment: str = "",
) -> ExpertRating:
    """The purchaser's rating of one participating expert on its contract; a second one
    replaces the first, both in the audit trail."""
    require(may_rate(actor, contract))
    if not participants(contract).filter(pk=expert.pk).exists():
        raise ApplicationError(
            "not_participant",
            _("%(name)s has not worked on this contract's tasks.") % {"name": expert.name},
            errors={"expert": [_("Choose an expert of this contract's tasks.")]},
            status=400,
        )
    values = {
        "quality": _score(quality, "quality"),
        "diligence": _score(diligence, "diligence"),
        "integrity": _score(integrity, "integrity"),
    }
    text = (comment or "").strip()
    if len(text) > COMMENT_LIMIT:
        message = _("The comment is over %(n)d characters.") % {"n": COMMENT_LIMIT}
        raise ApplicationError("invalid", message, errors={"comment": [message]}, status=400)
    existing = (
        ExpertRating.objects.select_for_update().filter(contract=contract, expert=expert).first()
    )
    before = (
        {**{k: getattr(existing, k) for k in DIMENSIONS}, "comment": existing.comment}
        if existing
        else None
    )
    rating, _created = ExpertRating.objects.update_or_create(
        contract=contract,
        expert=expert,
        defaults={
            **values,
            "comment": text,
            "county_id": contract.county_id,
            "rated_by": actor,
        },
    )
    audit_record(
        action="expert.rated",
        actor=actor,
        obj=rating,
        before=before,
        after={**values, "comment": text, "expert": expert.name},
    )
    return rating
