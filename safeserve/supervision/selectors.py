"""Figures for each organization kind's landing page, from the data that user can see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.accounts.models import LoginLog, LoginResult, User
from safeserve.audit.models import AuditEvent
from safeserve.enterprises.models import Enterprise
from safeserve.enterprises.selectors import ANY_HIGH_RISK
from safeserve.organizations.models import Organization, OrganizationKind, Role
from safeserve.organizations.permissions import can_manage_any_users


@dataclass(frozen=True)
class Figure:
    label: Any
    value: int
    url: str | None = None
    tone: str = "primary"


def _today_start() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def landing_figures(user: User) -> list[Figure]:
    org = user.organization
    orgs = Organization.objects.visible_to(user).aggregate(
        townships=Count("pk", filter=Q(kind=OrganizationKind.TOWNSHIP, is_active=True)),
        departments=Count("pk", filter=Q(kind=OrganizationKind.DEPARTMENT, is_active=True)),
        providers=Count("pk", filter=Q(kind=OrganizationKind.PROVIDER, is_active=True)),
        enterprises=Count("pk", filter=Q(kind=OrganizationKind.ENTERPRISE, is_active=True)),
        evaluators=Count("pk", filter=Q(kind=OrganizationKind.EVALUATOR, is_active=True)),
    )
    own_users = (
        User.objects.filter(organization=org).aggregate(
            active=Count("pk", filter=Q(is_active=True)),
            experts=Count("pk", filter=Q(is_active=True, role=Role.EXPERT)),
        )
        if org
        else {"active": 0, "experts": 0}
    )
    org_list = reverse("organizations:list")
    figures: list[Figure] = []
    kind = org.kind if org else None
    directory: list[Figure] = []
    if user.is_superuser or kind in (
        OrganizationKind.COUNTY_OFFICE,
        OrganizationKind.TOWNSHIP,
        OrganizationKind.DEPARTMENT,
    ):
        # The county (never empty), not the id: the (county, sector, is_key) index alone
        # then answers, where the platform's count read every enterprise row (27 → 11 ms).
        enterprises = Enterprise.objects.visible_to(user).aggregate(
            total=Count("county"),
            key=Count("county", filter=Q(is_key=True)),
            high_risk=Count("county", filter=~Q(sector="")),
        )
        listing = reverse("enterprises:list")
        directory = [
            Figure(_("Enterprises in the directory"), enterprises["total"], listing),
            Figure(_("Key enterprises"), enterprises["key"], f"{listing}?is_key=1", "warning"),
            Figure(
                _("High-risk enterprises"),
                enterprises["high_risk"],
                f"{listing}?sector={ANY_HIGH_RISK}",
                "danger",
            ),
        ]

    if user.is_superuser or kind == OrganizationKind.COUNTY_OFFICE:
        today = _today_start()
        logins = (
            LoginLog.objects.visible_to(user)
            .filter(created_at__gte=today)
            .aggregate(
                ok=Count("pk", filter=Q(result=LoginResult.SUCCESS)),
                failed=Count("pk", filter=Q(result=LoginResult.FAILED)),
            )
        )
        county_users = User.objects.visible_to(user).filter(is_active=True).count()
        events = AuditEvent.objects.visible_to(user).filter(created_at__gte=today).count()
        day = timezone.localdate().isoformat()
        today_only = f"date_from={day}&date_to={day}"  # what "today" counts, on the list
        figures += directory
        figures += [
            Figure(_("Townships"), orgs["townships"], f"{org_list}?kind=township"),
            Figure(_("County departments"), orgs["departments"], f"{org_list}?kind=department"),
            Figure(_("Service providers"), orgs["providers"], f"{org_list}?kind=provider"),
            Figure(
                _("Enterprises with accounts"), orgs["enterprises"], f"{org_list}?kind=enterprise"
            ),
            Figure(_("Third-party evaluators"), orgs["evaluators"], f"{org_list}?kind=evaluator"),
            Figure(
                _("Active users in the county"),
                county_users,
                reverse("accounts:user_list") + "?is_active=1"
                if can_manage_any_users(user)
                else None,
            ),
            Figure(
                _("Successful logins today"),
                logins["ok"],
                reverse("accounts:login_log") + f"?result=success&{today_only}",
                "success",
            ),
            Figure(
                _("Failed logins today"),
                logins["failed"],
                reverse("accounts:login_log") + f"?result=failed&{today_only}",
                "danger" if logins["failed"] else "secondary",
            ),
            Figure(
                _("Audited actions today"),
                events,
                reverse("audit:list") + f"?{today_only}",
                "secondary",
            ),
        ]
    elif kind in (OrganizationKind.TOWNSHIP, OrganizationKind.DEPARTMENT):
        figures += directory
        figures += [
            Figure(
                _("Active users of my organization"),
                own_users["active"],
                reverse("accounts:user_list") + "?is_active=1" if user.role == Role.ADMIN else None,
            ),
            Figure(_("County departments"), orgs["departments"], f"{org_list}?kind=department"),
            Figure(_("Service providers"), orgs["providers"], f"{org_list}?kind=provider"),
        ]
        if kind == OrganizationKind.TOWNSHIP:
            figures.append(
                Figure(
                    _("Enterprises with accounts in my jurisdiction"),
                    orgs["enterprises"],
                    f"{org_list}?kind=enterprise",
                )
            )
    elif kind == OrganizationKind.PROVIDER:
        figures += [
            Figure(
                _("Active users of my organization"),
                own_users["active"],
                reverse("accounts:user_list") + "?is_active=1" if user.role == Role.ADMIN else None,
            ),
            Figure(_("Experts with accounts"), own_users["experts"]),
        ]
    else:
        figures.append(
            Figure(
                _("Active users of my organization"),
                own_users["active"],
                reverse("accounts:user_list") + "?is_active=1" if user.role == Role.ADMIN else None,
            )
        )
    if user.is_superuser or (kind and kind != OrganizationKind.EVALUATOR):
        figures += _fieldwork_figures(user)
    figures += _employer_change_figures(user)
    return figures


def _employer_change_figures(user: User) -> list[Figure]:
    """Employer changes the county office decides, or the provider waits on."""
    from safeserve.providers.models import EmployerChange, EmployerChangeStatus
    from safeserve.providers.permissions import is_county_office_actor, reads_employer_changes

    if user.is_superuser or not reads_employer_changes(user):
        return []
    waiting = (
        EmployerChange.objects.visible_to(user)
        .filter(status=EmployerChangeStatus.REQUESTED)
        .count()
    )
    label = (
        _("Employer changes to decide")
        if is_county_office_actor(user)
        else _("Employer changes waiting for the county office")
    )
    url = reverse("providers:employer_changes") + "?status=requested"
    return [Figure(label, waiting, url, "warning" if waiting else "secondary")]


def _fieldwork_figures(user: User) -> list[Figure]:
    """Tasks and hazards within the user's scope (R11: overdue hazards are flagged)."""
    from safeserve.fieldwork.selectors import my_week_counts
    from safeserve.hazards.selectors import hazard_figures

    figures: list[Figure] = []
    if user.role == Role.EXPERT:
        today = timezone.localdate()
        week = my_week_counts(user, today)
        week_end = today + timedelta(days=6 - today.weekday())
        tasks = reverse("fieldwork:list") + "?mine=1"
        figures += [
            Figure(
                _("My tasks on site now"),
                week["on_site"],
                f"{tasks}&status=on_site",
                "success",
            ),
            Figure(
                _("My tasks today"),
                week["today"] + week["late"],
                f"{tasks}&status=planned&date_to={today.isoformat()}",
            ),
            Figure(
                _("My tasks later this week"),
                week["week"],
                f"{tasks}&status=planned&date_from={(today + timedelta(days=1)).isoformat()}"
                f"&date_to={week_end.isoformat()}",
                "secondary",
            ),
        ]
    hazards = hazard_figures(user)
    listing = reverse("hazards:list")
    figures += [
        Figure(_("Open hazards"), hazards["open"], f"{listing}?open=1", "warning"),
        Figure(
            _("Overdue hazards"),
            hazards["overdue"],
            f"{listing}?overdue=1",
            "danger" if hazards["overdue"] else "secondary",
        ),
        Figure(
            _("Open major hazards"), hazards["major"], f"{listing}?level=major&open=1", "danger"
        ),
        Figure(
            _("Rectifications waiting for verification"),
            hazards["submitted"],
            f"{listing}?status=submitted",
        ),
    ]
    return figures


LATE_SHOWN = 5


def late_major_reports(user: User) -> dict[str, Any]:
    """R12: major-hazard reports not sent by their due hour, in the viewer's scope — what a
    county officer must see first. The first few, the oldest first, and how many in all."""
    from safeserve.hazards.models import MajorHazardReport, ReportStatus
    from safeserve.organizations.models import GOVERNMENT_KINDS

    org = user.organization
    if not (user.is_superuser or (org is not None and org.kind in GOVERNMENT_KINDS)):
        return {"reports": [], "count": 0}
    late = (
        MajorHazardReport.objects.visible_to(user)
        .filter(status=ReportStatus.DRAFT, due_at__lt=timezone.now())
        .select_related("hazard__enterprise", "hazard__contract__provider")
        .order_by("due_at", "pk")
    )
    return {"reports": list(late[:LATE_SHOWN]), "count": late.count()}
