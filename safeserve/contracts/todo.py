"""What contracts and their amendments put in a person's 待办 (safeserve/common/todo.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from safeserve.common.todo import TodoNote, TodoRow, register_todo_notes, register_todo_rows
from safeserve.contracts.models import Amendment, Contract
from safeserve.contracts.workflows import AMENDMENT, CONTRACT


def _party(user: Any, prefix: str = "") -> Q:
    """Contracts the user's organization is a party to."""
    org_id = user.organization_id or 0
    return Q(**{f"{prefix}purchaser_id": org_id}) | Q(
        **{f"{prefix}provider__organization_id": org_id}
    )


def _contracts(user: Any) -> Any:
    return (
        Contract.objects.visible_to(user)
        .filter(_party(user))
        .select_related("purchaser", "provider", "project")
    )


def _url(contract: Contract) -> str:
    return reverse("contracts:detail", args=[contract.pk])


def _list(status: str) -> Any:
    return lambda user: reverse("contracts:list") + f"?status={status}"


def _title(contract: Contract) -> str:
    return f"{contract} · {contract.purchaser.name} — {contract.provider.name}"


register_todo_rows(
    [
        TodoRow(
            key="contract.draft",
            table=CONTRACT,
            verbs=("terms", "sign"),
            homework=True,
            label=_("Complete and sign the contract"),
            candidates=lambda user: _contracts(user).order_by("created_at", "pk"),
            title=_title,
            url=_url,
            list_url=_list("draft"),
        ),
        TodoRow(
            key="contract.start",
            table=CONTRACT,
            verbs=("start",),
            label=_("Start the service"),
            candidates=lambda user: _contracts(user).order_by("period_start", "pk"),
            title=_title,
            url=_url,
            since=lambda contract: contract.signed_on,
            due=lambda contract: contract.period_start,
            list_url=_list("signed"),
        ),
        TodoRow(
            key="contract.complete",
            table=CONTRACT,
            verbs=("complete",),
            label=_("Confirm the service is complete"),
            candidates=lambda user: (
                _contracts(user)
                .filter(period_end__lte=timezone.localdate())
                .order_by("period_end", "pk")
            ),
            title=_title,
            url=_url,
            since=lambda contract: contract.period_end,
            list_url=_list("in_service"),
        ),
        TodoRow(
            key="contract.close",
            table=CONTRACT,
            verbs=("close",),
            homework=True,
            label=_("Close the contract"),
            candidates=lambda user: _contracts(user).order_by("period_end", "pk"),
            title=_title,
            url=_url,
            since=lambda contract: contract.period_end,
            list_url=_list("evaluated"),
        ),
        TodoRow(
            key="amendment.decide",
            table=AMENDMENT,
            verbs=("agree", "decline"),
            label=_("Agree to or decline the amendment"),
            candidates=lambda user: (
                Amendment.objects.filter(
                    contract__in=Contract.objects.visible_to(user).filter(_party(user))
                )
                .select_related("contract__purchaser", "contract__provider")
                .order_by("created_at", "pk")
            ),
            title=lambda amendment: f"{amendment.contract} · {amendment.changes[:40]}",
            url=lambda amendment: _url(amendment.contract),
        ),
    ]
)


def coverage_gaps(user: Any) -> list[TodoNote]:
    """A township or department with key enterprises of its responsibility that no live
    contract of the year covers (R9: townships the non-high-risk ones, departments their
    sectors')."""
    from safeserve.contracts.selectors import coverage_gap_count
    from safeserve.procurement.permissions import is_purchaser_of

    org = getattr(user, "organization", None)
    if org is None or not is_purchaser_of(user, org.pk):
        return []
    today = timezone.localdate()
    gaps = coverage_gap_count(viewer=user, year=today.year)
    if not gaps:
        return []
    return [
        TodoNote(
            _("Coverage gap"),
            ngettext(
                "%(n)d key enterprise is not on a contract of %(year)d yet",
                "%(n)d key enterprises are not on a contract of %(year)d yet",
                gaps,
            )
            % {"n": gaps, "year": today.year},
            reverse("contracts:coverage"),
        )
    ]


register_todo_notes(coverage_gaps)
