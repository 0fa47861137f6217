"""隐患排查治理统计 (issue 16): the figures a county forwards upward, for a quarter or a year,
over the hazards the viewer may see, by sector, township or enterprise.

For each row: 一般隐患 and 重大隐患 each with 排查数 (found in the period), 已整改数 (of those,
closed by the period's end) and 整改率; of the major ones, 列入治理计划数 (with a governance
plan), 五落实 (措施、责任、资金、时限、预案 all in place: the plan's methods, organisation,
funds as a sum, time limits and emergency measures), 落实治理资金（万元） and 挂牌督办 by level.
安全生产事故隐患排查治理暂行规定 第14条、第15条. One query per table, whatever its size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from safeserve.common.choices import HighRiskSector
from safeserve.hazards.models import Hazard, HazardLevel, HazardStatus, SupervisionLevel

BREAKDOWNS = {
    "sector": gettext_lazy("By sector"),
    "township": gettext_lazy("By township"),
    "enterprise": gettext_lazy("By enterprise"),
}
CENTS = Decimal("0.01")
# The first column's heading for each breakdown.
FIRST_COLUMN = {
    "sector": gettext_lazy("Sector"),
    "township": gettext_lazy("Township"),
    "enterprise": gettext_lazy("Enterprise"),
}
PAGE_ROWS = 300  # an enterprise breakdown past this is in the export, not on the page


@dataclass
class Figures:
    general_found: int = 0
    general_closed: int = 0
    major_found: int = 0
    major_closed: int = 0
    major_planned: int = 0
    major_five: int = 0
    funds: Decimal = Decimal("0.00")  # 万元
    supervised_province: int = 0
    supervised_city: int = 0
    supervised_county: int = 0

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @staticmethod
    def _rate(closed: int, found: int) -> Decimal | None:
        if not found:
            return None
        return (Decimal(closed) * 100 / found).quantize(Decimal("0.1"))

    @property
    def general_rate(self) -> Decimal | None:
        return self._rate(self.general_closed, self.general_found)

    @property
    def major_rate(self) -> Decimal | None:
        return self._rate(self.major_closed, self.major_found)

    def as_dict(self) -> dict[str, Any]:
        values: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        values["funds"] = str(self.funds)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Figures:
        known = {f.name for f in fields(cls)}
        kept: dict[str, Any] = {k: v for k, v in values.items() if k in known}
        kept["funds"] = Decimal(str(values.get("funds") or "0")).quantize(CENTS)
        return cls(**kept)

    def cells(self) -> list[Any]:
        """The row as the layout prints it (rates as percentages, blank without hazards)."""
        return [
            self.general_found,
            self.general_closed,
            _percent(self.general_rate),
            self.major_found,
            self.major_closed,
            _percent(self.major_rate),
            self.major_planned,
            self.major_five,
            self.funds,
            self.supervised_province,
            self.supervised_city,
            self.supervised_county,
        ]


def _percent(rate: Decimal | None) -> str:
    return f"{rate}%" if rate is not None else "—"


def headers() -> list[tuple[str, list[str]]]:
    """The layout's two header rows: the groups and their columns."""
    return [
        (
            _("General hazards"),
            [pgettext("statistics", "Found"), _("Rectified"), _("Rectification rate")],
        ),
        (
            _("Major hazards"),
            [
                pgettext("statistics", "Found"),
                _("Rectified"),
                _("Rectification rate"),
                _("In a governance plan"),
                _("Five in place"),
                _("Governance funds (10,000 yuan)"),
            ],
        ),
        (
            _("Listed for supervision"),
            [
                str(SupervisionLevel.PROVINCE.label),
                str(SupervisionLevel.CITY.label),
                str(SupervisionLevel.COUNTY.label),
            ],
        ),
    ]


def flat_headers(first: str) -> list[str]:
    out = [first]
    for group, columns in headers():
        out += [f"{group}·{column}" for column in columns]
    return out


@dataclass
class Row:
    key: Any
    label: str
    figures: Figures


@dataclass
class Table:
    year: int
    quarter: int
    by: str
    rows: list[Row] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "quarter": self.quarter,
            "by": self.by,
            "rows": [
                {"key": row.key, "label": row.label, **row.figures.as_dict()} for row in self.rows
            ],
            "total": self.total.as_dict(),
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Table:
        table = cls(int(values["year"]), int(values["quarter"]), str(values["by"]))
        for row in values.get("rows", []):
            table.rows.append(
                Row(row.get("key"), str(row.get("label", "")), Figures.from_dict(row))
            )
        table.total = Figures.from_dict(values.get("total", {}))
        return table


def period_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    """The period's first moment and the moment after its last, in the county's time."""
    if quarter:
        start = dt.date(year, quarter * 3 - 2, 1)
        end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, quarter * 3 + 1, 1)
    else:
        start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    aware = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=aware),
        dt.datetime.combine(end, dt.time.min, tzinfo=aware),
    )


def period_ended(year: int, quarter: int) -> bool:
    return timezone.now() >= period_bounds(year, quarter)[1]


def last_ended_quarter(today: dt.date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    quarter = (today.month - 1) // 3  # the one before the current quarter
    return (today.year - 1, 4) if quarter == 0 else (today.year, quarter)


# 五落实: measures, responsibility, funds, time limits and emergency plan all in place.
_PLAN = "major_report__governance_plan__"
FIVE_IN_PLACE = (
    Q(**{f"{_PLAN}isnull": False})
    & ~Q(**{f"{_PLAN}methods": ""})
    & ~Q(**{f"{_PLAN}organisation": ""})
    & Q(**{f"{_PLAN}funds_amount__gt": 0})
    & ~Q(**{f"{_PLAN}time_limits": ""})
    & ~Q(**{f"{_PLAN}safety_measures": ""})
)


def _aggregates(end: dt.datetime) -> dict[str, Any]:
    general, major = Q(level=HazardLevel.GENERAL), Q(level=HazardLevel.MAJOR)
    closed = Q(status=HazardStatus.CLOSED, closed_at__lt=end)
    level = "major_report__supervision_level"
    return {
        "general_found": Count("pk", filter=general),
        "general_closed": Count("pk", filter=general & closed),
        "major_found": Count("pk", filter=major),
        "major_closed": Count("pk", filter=major & closed),
        "major_planned": Count("pk", filter=major & Q(**{f"{_PLAN}isnull": False})),
        "major_five": Count("pk", filter=major & FIVE_IN_PLACE),
        "funds": Sum(f"{_PLAN}funds_amount", filter=major),
        "supervised_province": Count("pk", filter=major & Q(**{level: SupervisionLevel.PROVINCE})),
        "supervised_city": Count("pk", filter=major & Q(**{level: SupervisionLevel.CITY})),
        "supervised_county": Count("pk", filter=major & Q(**{level: SupervisionLevel.COUNTY})),
    }


_GROUPS = {
    "sector": ("enterprise__sector", "enterprise__sector"),
    "township": ("enterprise__township_id", "enterprise__township__name"),
    "enterprise": ("enterprise_id", "enterprise__name"),
}


def _label(by: str, key: Any, name: Any) -> str:
    if by == "sector":
        return str(HighRiskSector(key).label) if key else _("Other sectors (not high-risk)")
    return str(name or "—")


def hazard_statistics(*, viewer: Any, year: int, quarter: int, by: str = "sector") -> Table:
    """The table for the hazards ``viewer`` may see that were found in the period."""
    if by not in _GROUPS:
        by = "sector"
    start, end = period_bounds(year, quarter)
    key, name = _GROUPS[by]
    found = Hazard.objects.visible_to(viewer).filter(found_at__gte=start, found_at__lt=end)
    columns = [key] if key == name else [key, name]
    grouped = found.order_by().values(*columns).annotate(**_aggregates(end)).order_by(*columns)
    table = Table(year, quarter, by)
    for values in grouped:
        counts: dict[str, Any] = {f.name: values[f.name] or 0 for f in fields(Figures)}
        counts["funds"] = Decimal(values["funds"] or 0).quantize(CENTS)
        figures = Figures(**counts)
        table.rows.append(Row(values[key], _label(by, values[key], values[name]), figures))
        table.total.add(figures)
    if by == "sector":
        order = {sector: i for i, sector in enumerate(HighRiskSector.values)}
        table.rows.sort(key=lambda row: order.get(row.key, len(order)))
    return table


@dataclass
class UnitRow:
    organization: Any
    submission: Any  # the latest StatisticsSubmission of the period, or None
    due_on: dt.date

    @property
    def sent(self) -> bool:
        return self.submission is not None and self.submission.sent

    @property
    def late(self) -> bool:
        if self.sent:
            return bool(self.submission.late)
        return timezone.localdate() > self.due_on

    @property
    def total(self) -> Figures | None:
        if not self.sent:
            return None
        return Figures.from_dict(self.submission.figures.get("total", {}))


def unit_overview(*, viewer: Any, year: int, quarter: int) -> list[UnitRow]:
    """Each active township and department of the county office's county with its latest
    submission of the period: who has sent, who is late. Two queries."""
    from safeserve.common.models import statistics_due
    from safeserve.organizations.models import PURCHASER_KINDS, Organization
    from safeserve.supervision.models import StatisticsSubmission

    org = getattr(viewer, "organization", None)
    county_id = org.county_id if org else None
    due = statistics_due(county_id, year, quarter)
    latest: dict[int, Any] = {}
    submissions = StatisticsSubmission.objects.visible_to(viewer).filter(
        county_id=county_id, year=year, quarter=quarter
    )
    for submission in submissions.order_by("pk"):
        latest[submission.organization_id] = submission
    units = Organization.objects.filter(
        county_id=county_id, kind__in=PURCHASER_KINDS, is_active=True
    ).order_by("kind", "name")
    return [UnitRow(unit, latest.get(unit.pk), due) for unit in units]
