"""The dashboards (数据看板, issue 16): for each kind of user, the figures and charts of what
they supervise or do, each number a link to the filtered list that counts it.

A figure is counted through the very list it links to — the list's own FilterSet over the
list's own queryset, with the link's query — so the list shows the same number by
construction. A chart's points are counted by one grouped query per series (well-indexed:
found_at, closed_at and deadline per scope); each point links to the list with the filters
that select the rows it counts, and a test holds the two together for every point."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Min, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from safeserve.common.filters import ListFilterSet
from safeserve.contracts.filters import ContractFilter
from safeserve.contracts.models import ContractStatus
from safeserve.contracts.selectors import budget_execution, contract_list, coverage_counts
from safeserve.documents.filters import TechnicalReportFilter
from safeserve.documents.selectors import report_list as technical_report_list
from safeserve.evaluations import rankings
from safeserve.evaluations.filters import (
    AnnualSubmissionFilter,
    EvaluationFilter,
    ExpertRankingFilter,
    ProviderRankingFilter,
)
from safeserve.evaluations.selectors import evaluation_list, submission_list
from safeserve.fieldwork.filters import TaskFilter
from safeserve.fieldwork.models import ServiceTask
from safeserve.fieldwork.selectors import task_list
from safeserve.hazards.filters import NOT_SUPERVISED, HazardFilter, NoticeFilter, ReportFilter
from safeserve.hazards.models import (
    Hazard,
    HazardMonthTally,
    HazardStatus,
    MajorHazardReport,
    SupervisionLevel,
)
from safeserve.hazards.selectors import hazard_list, notice_list
from safeserve.hazards.selectors import report_list as major_report_list
from safeserve.organizations.models import GOVERNMENT_KINDS, OrganizationKind, Role

MONTHS = 12
WEEK = 7
BLUE, GREEN, RED, ORANGE, GREY = "#0d6efd", "#198754", "#dc3545", "#fd7e14", "#adb5bd"


@dataclass(frozen=True)
class ListSource:
    url_name: str
    filters: type[ListFilterSet]
    rows: Callable[[Any], QuerySet[Any]]


def _county(user: Any) -> int | None:
    org = getattr(user, "organization", None)
    return org.county_id if org else None


LISTS: dict[str, ListSource] = {
    "hazards": ListSource(
        "hazards:list", HazardFilter, lambda u: hazard_list(viewer=u, details=False)
    ),
    "major_reports": ListSource(
        "hazards:reports", ReportFilter, lambda u: major_report_list(viewer=u)
    ),
    "notices": ListSource("hazards:notices", NoticeFilter, lambda u: notice_list(viewer=u)),
    "tasks": ListSource("fieldwork:list", TaskFilter, lambda u: task_list(viewer=u)),
    "technical_reports": ListSource(
        "documents:reports", TechnicalReportFilter, lambda u: technical_report_list(viewer=u)
    ),
    "submissions": ListSource(
        "evaluations:submissions", AnnualSubmissionFilter, lambda u: submission_list(viewer=u)
    ),
    "contracts": ListSource("contracts:list", ContractFilter, lambda u: contract_list(viewer=u)),
    "evaluations": ListSource(
        "evaluations:list", EvaluationFilter, lambda u: evaluation_list(viewer=u)
    ),
    "provider_rankings": ListSource(
        "evaluations:provider_rankings",
        ProviderRankingFilter,
        lambda u: rankings.provider_rankings(_county(u)),
    ),
    "expert_rankings": ListSource(
        "evaluations:expert_rankings",
        ExpertRankingFilter,
        lambda u: rankings.expert_rankings(_county(u)),
    ),
}


def list_url(name: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    url = reverse(LISTS[name].url_name)
    return f"{url}?{query}" if query else url


def list_count(user: Any, name: str, **params: Any) -> int:
    """How many rows the list shows for these filters: its FilterSet over its rows."""
    source = LISTS[name]
    data = {k: str(v) for k, v in params.items() if v not in (None, "")}
    request: Any = _Request(user)
    filters = source.filters(data, queryset=source.rows(user), request=request)
    return filters.qs.order_by().count()


@dataclass
class _Request:
    """What a FilterSet reads of the request: its user (``mine``, a county's policy)."""

    user: Any


@dataclass
class Figure:
    label: str
    value: int
    url: str
    tone: str = "primary"
    list: str = ""  # the list it counts (LISTS); empty for a report page
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "url": self.url, "tone": self.tone}


def figure(user: Any, label: Any, name: str, tone: str = "primary", **params: Any) -> Figure:
    return Figure(
        str(label), list_count(user, name, **params), list_url(name, **params), tone, name, params
    )


@dataclass
class Point:
    value: int | float
    url: str
    list: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Series:
    name: str
    points: list[Point]
    stack: str = ""
    color: str = ""  # what it means: red for what is late or missing


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # bar, line, pie
    categories: list[str]
    series: list[Series]
    unit: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "unit": self.unit,
            "note": self.note,
            "categories": self.categories,
            "series": [
                {
                    "name": s.name,
                    "stack": s.stack,
                    "color": s.color,
                    "data": [{"value": p.value, "url": p.url} for p in s.points],
                }
                for s in self.series
            ],
        }


@dataclass
class Dashboard:
    view: str
    title: str
    figures: list[Figure]
    charts: list[Chart]

    def as_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "title": self.title,
            "figures": [f.as_dict() for f in self.figures],
            "charts": [c.as_dict() for c in self.charts],
        }


VIEWS = {
    "county": gettext_lazy("County office"),
    "township": gettext_lazy("Township"),
    "department": gettext_lazy("Department"),
    "provider": gettext_lazy("Service provider"),
    "expert": gettext_lazy("Expert"),
    "enterprise": gettext_lazy("Enterprise"),
}


def view_of(user: Any) -> str | None:
    """Which dashboard is the user's (None: the platform administrator and evaluators)."""
    org = getattr(user, "organization", None)
    if org is None or not org.is_active:
        return None
    if org.kind == OrganizationKind.COUNTY_OFFICE:
        return "county"
    if org.kind in (OrganizationKind.TOWNSHIP, OrganizationKind.DEPARTMENT):
        return str(org.kind)
    if org.kind == OrganizationKind.PROVIDER:
        return "expert" if user.role == Role.EXPERT else "provider"
    if org.kind == OrganizationKind.ENTERPRISE:
        return "enterprise"
    return None


def dashboard_for(user: Any) -> Dashboard | None:
    view = view_of(user)
    if view is None:
        return None
    build = {
        "county": _government,
        "township": _government,
        "department": _government,
        "provider": _provider,
        "expert": _expert,
        "enterprise": _enterprise,
    }[view]
    figures, charts = build(user, view)
    return Dashboard(view, str(VIEWS[view]), figures, charts)


# --- the parts ---------------------------------------------------------------------------


def _months(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The last twelve months, this one included: (first day, last day)."""
    months = []
    year, month = today.year, today.month
    for _i in range(MONTHS):
        first = dt.date(year, month, 1)
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        months.append((first, following - dt.timedelta(days=1)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def _by_month(
    rows: QuerySet[Any], stamp: str, since: dt.datetime, **counts: Any
) -> dict[str, dict[dt.date, int]]:
    """Each of ``counts`` (name: a Count) per month of ``stamp``, in one grouped query."""
    counted = (
        rows.filter(**{f"{stamp}__gte": since})
        .annotate(month=TruncMonth(stamp))
        .order_by()
        .values("month")
        .annotate(**counts)
    )
    result: dict[str, dict[dt.date, int]] = {name: {} for name in counts}
    for row in counted:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        for name in counts:
            result[name][month.replace(day=1)] = row[name]
    return result


def _tallied_by_month(
    user: Any, since: dt.date
) -> tuple[dict[dt.date, int], dict[dt.date, int]] | None:
    """Hazards found and closed per month since ``since``, summed from the month tally
    (hazards.HazardMonthTally): a few hundred rows instead of a county's year of hazards.
    None where the tally does not follow the user's scope (experts, enterprises)."""
    tallies = HazardMonthTally.objects.visible_to(user)
    if tallies is None:
        return None
    found = tallies.filter(found_month__gte=since).order_by().values("found_month")
    closed = tallies.filter(closed_month__gte=since).order_by().values("closed_month")
    return (
        {row["found_month"]: row["n"] for row in found.annotate(n=Sum("n"))},
        {row["closed_month"]: row["n"] for row in closed.annotate(n=Sum("n"))},
    )


def hazards_by_month(user: Any, today: dt.date) -> Chart:
    months = _months(today)
    since = timezone.make_aware(dt.datetime.combine(months[0][0], dt.time.min))
    scoped = Hazard.objects.visible_to(user)
    # Overdue changes with the day, so no tally holds it: it is counted over the open
    # hazards past their deadline (the partial indexes of open hazards).
    late = scoped.exclude(status=HazardStatus.CLOSED).filter(deadline__lt=today)
    # COUNT(*), so that the index alone answers it
    overdue = _by_month(late, "found_at", since, overdue=Count("*"))["overdue"]
    tallied = _tallied_by_month(user, months[0][0])
    if tallied is not None:
        found, closed = tallied
    else:
        found = _by_month(scoped, "found_at", since, found=Count("pk"))["found"]
        closed = _by_month(
            scoped.filter(status=HazardStatus.CLOSED), "closed_at", since, closed=Count("pk")
        )["closed"]

    def series(name: Any, counts: dict[dt.date, int], color: str, **filters: Any) -> Series:
        points = []
        for first, last in months:
            params = {k: v.format(first=first, last=last) for k, v in filters.items()}
            points.append(
                Point(counts.get(first, 0), list_url("hazards", **params), "hazards", params)
            )
        return Series(str(name), points, color=color)

    return Chart(
        "hazards_by_month",
        _("Hazards found, closed and overdue by month"),
        "bar",
        [f"{first:%Y-%m}" for first, _last in months],
        [
            series(_("Found"), found, BLUE, found_from="{first}", found_to="{last}"),
            series(
                pgettext("hazards", "Closed"),
                closed,
                GREEN,
                closed_from="{first}",
                closed_to="{last}",
            ),
            series(
                _("Overdue now (by month found)"),
                overdue,
                RED,
                overdue="1",
                found_from="{first}",
                found_to="{last}",
            ),
        ],
        note=_("Overdue: past the deadline and not closed, counted by the month it was found."),
    )


LEVELS = [
    (NOT_SUPERVISED, gettext_lazy("Not listed"), GREY),
    (SupervisionLevel.COUNTY, SupervisionLevel.COUNTY.label, BLUE),
    (SupervisionLevel.CITY, SupervisionLevel.CITY.label, ORANGE),
    (SupervisionLevel.PROVINCE, SupervisionLevel.PROVINCE.label, RED),
]


def open_majors(user: Any) -> Chart:
    """Open major hazards by responsible department and supervision level, with the longest
    open of each department in its label."""
    rows = (
        MajorHazardReport.objects.visible_to(user)
        .exclude(hazard__status=HazardStatus.CLOSED)
        .order_by()
        .values("department_id", "department__name", "supervision_level")
        .annotate(n=Count("pk"), oldest=Min("hazard__found_at"))
    )
    departments: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = departments.setdefault(
            row["department_id"],
            {"name": row["department__name"], "oldest": row["oldest"], "levels": {}},
        )
        entry["oldest"] = min(entry["oldest"], row["oldest"])
        entry["levels"][row["supervision_level"] or NOT_SUPERVISED] = row["n"]
    now = timezone.now()
    ordered = sorted(departments.items(), key=lambda item: item[1]["name"])
    categories = [
        _("%(name)s (longest open %(days)d days)")
        % {"name": entry["name"], "days": (now - entry["oldest"]).days}
        for _pk, entry in ordered
    ]
    series = []
    for level, label, color in LEVELS:
        points = []
        for pk, entry in ordered:
            params = {"open": "1", "department": pk, "supervision_level": level}
            points.append(
                Point(
                    entry["levels"].get(level, 0),
                    list_url("major_reports", **params),
                    "major_reports",
                    params,
                )
            )
        series.append(Series(str(label), points, stack="levels", color=color))
    return Chart(
        "open_majors",
        _("Open major hazards by department and supervision level"),
        "hbar",
        categories,
        series,
    )


def coverage(user: Any, year: int) -> Chart:
    rows = coverage_counts(viewer=user, year=year)
    url = reverse("contracts:coverage") + f"?year={year}"
    names = [row.name for row in rows]
    return Chart(
        "coverage",
        _("Key enterprises covered by %(year)d contracts") % {"year": year},
        "hbar",
        names,
        [
            Series(str(_("Covered")), [Point(r.covered, url) for r in rows], "coverage", GREEN),
            Series(
                str(_("Not covered")),
                [Point(r.total - r.covered, url) for r in rows],
                "coverage",
                RED,
            ),
        ],
        note=_("The gaps are listed on the coverage page, enterprise by enterprise."),
    )


def budget(user: Any, year: int) -> Chart:
    items = budget_execution(viewer=user, year=year)
    purchasers: dict[str, list[Decimal]] = {}
    for item in items:
        sums = purchasers.setdefault(item.plan.purchaser.name, [Decimal(0)] * 4)
        values = (item.budget, item.contracted, item.paid, item.deducted)
        for i, value in enumerate(values):
            sums[i] += value or 0
    url = reverse("contracts:budget") + f"?year={year}"
    names = sorted(purchasers)
    wan = Decimal(10000)
    labels = [_("Planned"), _("Contracted"), _("Paid"), _("Deducted")]
    return Chart(
        "budget",
        _("Budget of %(year)d by purchaser (10,000 yuan)") % {"year": year},
        "bar",
        names,
        [
            Series(
                str(label),
                [
                    Point(float((purchasers[n][i] / wan).quantize(Decimal("0.01"))), url)
                    for n in names
                ],
            )
            for i, label in enumerate(labels)
        ],
        unit=_("10,000 yuan"),
    )


def tiers(user: Any, name: str, title: Any) -> Chart:
    rows = LISTS[name].rows(user)
    counted = {
        row["tier"]: row["n"] for row in rows.order_by().values("tier").annotate(n=Count("pk"))
    }
    categories = [str(label) for _tier, label in rankings.Tier.CHOICES]
    points = [
        Point(counted.get(tier, 0), list_url(name, tier=tier), name, {"tier": tier})
        for tier, _label in rankings.Tier.CHOICES
    ]
    return Chart(f"{name}_tiers", str(title), "pie", categories, [Series(str(title), points)])


def _government(user: Any, view: str) -> tuple[list[Figure], list[Chart]]:
    today = timezone.localdate()
    week_end = (today + dt.timedelta(days=WEEK - 1)).isoformat()
    figures = [
        figure(user, _("Open hazards"), "hazards", "warning", open=1),
        figure(user, _("Overdue hazards"), "hazards", "danger", overdue=1),
        figure(user, _("Open major hazards"), "hazards", "danger", open=1, level="major"),
        figure(
            user, _("Major-hazard reports not sent in time"), "major_reports", "danger", overdue=1
        ),
        figure(user, _("Major-hazard reports sent late"), "major_reports", "warning", late=1),
        figure(user, _("Technical reports late"), "technical_reports", "warning", late=1),
        figure(user, _("Annual submissions sent late"), "submissions", "warning", late=1),
    ]
    if view != "county":
        figures[:0] = [
            figure(
                user,
                _("Hazard deadlines this week"),
                "hazards",
                "warning",
                open=1,
                due_from=today.isoformat(),
                due_to=week_end,
            ),
            figure(
                user,
                _("Tasks this week"),
                "tasks",
                "primary",
                date_from=today.isoformat(),
                date_to=week_end,
            ),
            figure(
                user,
                _("Hazard deadlines today"),
                "hazards",
                "danger",
                open=1,
                due_from=today.isoformat(),
                due_to=today.isoformat(),
            ),
        ]
    charts = [
        hazards_by_month(user, today),
        open_majors(user),
        coverage(user, today.year),
        budget(user, today.year),
        tiers(user, "provider_rankings", _("Provider tiers")),
        tiers(user, "expert_rankings", _("Expert tiers")),
    ]
    return figures, charts


def _provider(user: Any, view: str) -> tuple[list[Figure], list[Chart]]:
    today = timezone.localdate()
    figures = [
        figure(
            user,
            _("Contracts in service"),
            "contracts",
            "primary",
            status=ContractStatus.IN_SERVICE,
        ),
        figure(user, _("Overdue hazards"), "hazards", "danger", overdue=1),
        figure(user, _("Tasks past their date"), "tasks", "danger", timeliness="overdue"),
        figure(
            user, _("Major-hazard reports not sent in time"), "major_reports", "danger", overdue=1
        ),
        figure(user, _("Technical reports late"), "technical_reports", "warning", late=1),
        figure(user, _("Final evaluations"), "evaluations", "primary", status="final"),
        figure(user, _("Evaluations failed"), "evaluations", "danger", status="final", passed=0),
    ]
    return figures, [week_per_expert(user, today), hazards_by_month(user, today)]


def week_per_expert(user: Any, today: dt.date) -> Chart:
    """This week's tasks per expert of the provider."""
    week_end = today + dt.timedelta(days=WEEK - 1)
    rows = (
        ServiceTask.objects.visible_to(user)
        .filter(planned_date__range=(today, week_end), assignments__expert__isnull=False)
        .order_by()
        .values("assignments__expert_id", "assignments__expert__name")
        .annotate(n=Count("pk", distinct=True))
    )
    experts = sorted(
        rows, key=lambda r: (r["assignments__expert__name"], r["assignments__expert_id"])
    )
    points = []
    for row in experts:
        params = {
            "expert": row["assignments__expert_id"],
            "date_from": today.isoformat(),
            "date_to": week_end.isoformat(),
        }
        points.append(Point(row["n"], list_url("tasks", **params), "tasks", params))
    return Chart(
        "week_per_expert",
        _("This week's tasks per expert"),
        "hbar",
        [r["assignments__expert__name"] for r in experts],
        [Series(str(_("Tasks")), points)],
    )


def _expert(user: Any, view: str) -> tuple[list[Figure], list[Chart]]:
    today = timezone.localdate()
    week_end = (today + dt.timedelta(days=WEEK - 1)).isoformat()
    figures = [
        figure(
            user,
            _("My tasks today"),
            "tasks",
            "primary",
            mine=1,
            date_from=today.isoformat(),
            date_to=today.isoformat(),
        ),
        figure(
            user,
            _("My tasks this week"),
            "tasks",
            "primary",
            mine=1,
            date_from=today.isoformat(),
            date_to=week_end,
        ),
        figure(
            user,
            _("Hazards awaiting verification"),
            "hazards",
            "warning",
            status=HazardStatus.SUBMITTED,
        ),
        figure(user, _("Overdue hazards"), "hazards", "danger", overdue=1),
    ]
    return figures, [hazards_by_month(user, today)]


def _enterprise(user: Any, view: str) -> tuple[list[Figure], list[Chart]]:
    today = timezone.localdate()
    figures = [
        figure(user, _("Open hazards"), "hazards", "warning", open=1),
        figure(user, _("Overdue hazards"), "hazards", "danger", overdue=1),
        figure(
            user,
            _("Deadlines in the next 7 days"),
            "hazards",
            "warning",
            open=1,
            due_from=today.isoformat(),
            due_to=(today + dt.timedelta(days=WEEK)).isoformat(),
        ),
        figure(user, _("Notices waiting for acknowledgement"), "notices", "danger", waiting=1),
    ]
    by_status = Hazard.objects.visible_to(user).order_by().values("status").annotate(n=Count("pk"))
    counted = {row["status"]: row["n"] for row in by_status}
    states = [s for s in HazardStatus if s != HazardStatus.FOUND]
    chart = Chart(
        "hazards_by_status",
        _("Hazards by status"),
        "pie",
        [str(s.label) for s in states],
        [
            Series(
                str(_("Hazards")),
                [
                    Point(
                        counted.get(s.value, 0),
                        list_url("hazards", status=s.value),
                        "hazards",
                        {"status": s.value},
                    )
                    for s in states
                ],
            )
        ],
    )
    return figures, [chart]


def government(user: Any) -> bool:
    org = getattr(user, "organization", None)
    return bool(org and org.kind in GOVERNMENT_KINDS)
