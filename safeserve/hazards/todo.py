"""What hazards, their extension requests and major-hazard reports put in a person's 待办
(safeserve/common/todo.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safeserve.common.todo import TodoRow, register_todo_rows
from safeserve.contracts.models import Contract, Engagement
from safeserve.hazards.models import ExtensionRequest, Hazard, MajorHazardReport
from safeserve.hazards.permissions import share_contract_experts
from safeserve.hazards.workflows import EXTENSION, HAZARD, REPORT
from safeserve.organizations.models import Role


def _org(user: Any) -> int:
    return user.organization_id or 0


def _hazards(user: Any) -> Any:
    return Hazard.objects.visible_to(user).select_related(
        "enterprise", "contract__provider", "task", "notice"
    )


def _with_reports(hazards: list[Hazard]) -> None:
    """What report_of() would fetch one hazard at a time, for all at once."""
    reports = {
        r.hazard_id: r
        for r in MajorHazardReport.objects.filter(hazard_id__in=[h.pk for h in hazards])
    }
    for hazard in hazards:
        hazard._report = reports.get(hazard.pk)  # type: ignore[attr-defined]


def _hazard_title(hazard: Hazard) -> str:
    return f"{hazard.number} · {hazard.enterprise.name}"


def _hazard_url(hazard: Hazard) -> str:
    return reverse("hazards:detail", args=[hazard.pk])


def _hazards_list(query: str) -> Any:
    return lambda user: reverse("hazards:list") + query


def _expert_contracts(user: Any) -> Q:
    """Contracts the user may work on as an expert: the employer's and those engaged for.
    Someone who is no expert has none, said without asking the database about every hazard
    in scope."""
    if user.role != Role.EXPERT:
        return Q(pk__in=[])
    engaged = Engagement.objects.filter(expert__user_id=user.pk).values("contract_id")
    employer = Contract.objects.filter(provider__experts__user_id=user.pk).values("pk")
    return Q(contract_id__in=employer) | Q(contract_id__in=engaged)


def _report_title(report: MajorHazardReport) -> str:
    return f"{report.hazard.number} · {report.hazard.enterprise.name}"


def _report_url(report: MajorHazardReport) -> str:
    return reverse("hazards:report", args=[report.pk])


def _reports(user: Any) -> Any:
    return MajorHazardReport.objects.visible_to(user).select_related(
        "hazard__enterprise", "hazard__contract__provider", "hazard__task", "department"
    )


def _with_own_reports(reports: list[MajorHazardReport]) -> None:
    for report in reports:
        report.hazard._report = report  # type: ignore[attr-defined]


register_todo_rows(
    [
        TodoRow(
            key="hazard.notify",
            table=HAZARD,
            verbs=("notify",),
            label=_("Issue the rectification notice"),
            candidates=lambda user: (
                _hazards(user)
                .filter(provider_org_id=_org(user))
                .prefetch_related("task__assignments")
                .order_by("found_at", "pk")
            ),
            title=_hazard_title,
            url=lambda hazard: reverse("fieldwork:detail", args=[hazard.task_id]),
            since=lambda hazard: hazard.found_at,
            list_url=_hazards_list("?status=found"),
        ),
        TodoRow(
            key="hazard.acknowledge",
            table=HAZARD,
            verbs=("acknowledge",),
            label=_("Sign for the rectification notice"),
            candidates=lambda user: (
                _hazards(user)
                .filter(enterprise__organization_id=_org(user))
                .order_by("deadline", "pk")
            ),
            title=lambda hazard: str(hazard.notice) if hazard.notice else _hazard_title(hazard),
            # One item per notice: signing it acknowledges all its hazards.
            url=lambda hazard: (
                reverse("hazards:notice", args=[hazard.notice_id])
                if hazard.notice_id
                else _hazard_url(hazard)
            ),
            since=lambda hazard: hazard.notice.created_at if hazard.notice else hazard.found_at,
            due=lambda hazard: hazard.deadline,
            list_url=_hazards_list("?status=notified"),
        ),
        TodoRow(
            key="hazard.submit",
            table=HAZARD,
            verbs=("submit",),
            label=_("Report the rectification"),
            candidates=lambda user: (
                _hazards(user)
                .filter(enterprise__organization_id=_org(user))
                .order_by("deadline", "pk")
            ),
            title=_hazard_title,
            url=_hazard_url,
            since=lambda hazard: hazard.acknowledged_at,
            due=lambda hazard: hazard.deadline,
            list_url=_hazards_list("?status=rectifying"),
        ),
        TodoRow(
            key="hazard.verify",
            table=HAZARD,
            verbs=("verify",),
            label=_("Verify the rectification"),
            candidates=lambda user: (
                _hazards(user)
                .filter(
                    pk__in=Hazard.objects.filter(_expert_contracts(user), level="general").values(
                        "pk"
                    )
                )
                .order_by("submitted_at", "pk")
            ),
            title=_hazard_title,
            url=_hazard_url,
            since=lambda hazard: hazard.submitted_at,
            list_url=_hazards_list("?status=submitted"),
            prepare=share_contract_experts,
        ),
        TodoRow(
            key="extension.decide",
            table=EXTENSION,
            verbs=("approve", "decline"),
            label=_("Decide the extension request"),
            candidates=lambda user: (
                # the contract's purchaser, or the department a sent report routed it to
                # (both within scope by definition; the verb table decides the rest)
                ExtensionRequest.objects.filter(
                    Q(hazard__purchaser_id=_org(user)) | Q(hazard__routed_department_id=_org(user))
                )
                .select_related("hazard__enterprise", "hazard__contract")
                .order_by("created_at", "pk")
            ),
            title=lambda extension: _hazard_title(extension.hazard),
            url=lambda extension: _hazard_url(extension.hazard),
            due=lambda extension: extension.current_deadline,
            prepare=lambda extensions, user: _with_reports([e.hazard for e in extensions]),
        ),
        TodoRow(
            key="report.send",
            table=REPORT,
            verbs=("send",),
            label=_("Send the major-hazard report"),
            candidates=lambda user: (
                _reports(user)
                .filter(provider_org_id=_org(user))
                .prefetch_related("hazard__task__assignments")
                .order_by("due_at", "pk")
            ),
            title=_report_title,
            url=_report_url,
            due=lambda report: report.due_at,
            list_url=lambda user: reverse("hazards:reports") + "?status=draft",
            prepare=lambda reports, user: _with_own_reports(reports),
        ),
        TodoRow(
            key="report.acknowledge",
            table=REPORT,
            verbs=("acknowledge",),
            label=_("Sign for the major-hazard report"),
            candidates=lambda user: (
                _reports(user).filter(department_id=_org(user)).order_by("sent_at", "pk")
            ),
            title=_report_title,
            url=_report_url,
            since=lambda report: report.sent_at,
            list_url=lambda user: reverse("hazards:reports") + "?status=sent",
        ),
        TodoRow(
            key="report.accept",
            table=REPORT,
            verbs=("accept",),
            label=_("Accept the rectification on site"),
            candidates=lambda user: (
                _reports(user)
                .filter(department_id=_org(user), hazard__status="submitted")
                .order_by("hazard__submitted_at", "pk")
            ),
            title=_report_title,
            url=_report_url,
            since=lambda report: report.hazard.submitted_at,
            due=lambda report: report.planned_completion,
        ),
    ]
)
