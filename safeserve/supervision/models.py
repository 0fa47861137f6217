"""Statutory hazard statistics (隐患排查治理统计, issue 16): each township and department sends
its figures of a quarter or a year to the county office by the policy's due date; the county
office receives them, or returns them with reasons and the unit submits again."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safeserve.common.models import CountySubmission, SubmissionStatus
from safeserve.evaluations.models import CountySubmissionQuerySet
from safeserve.organizations.models import Organization

# The statistics go through the same states as every submission to the county office.
StatisticsStatus = SubmissionStatus


class StatisticsSubmissionQuerySet(CountySubmissionQuerySet):
    unit_field = "organization_id"  # the township or department that sends the figures


class StatisticsSubmission(CountySubmission):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reporting unit"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), default=0)  # 0: the whole year
    # The table as submitted ({"rows": [...], "total": {...}}): what the county office got.
    figures = models.JSONField(_("figures"), default=dict, blank=True)

    objects = StatisticsSubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter", "organization__name", "-pk"]
        verbose_name = _("hazard statistics submission")
        verbose_name_plural = _("hazard statistics submissions")
        constraints = [
            # one at a time per unit and period; a returned one is followed by a new one
            models.UniqueConstraint(
                fields=["organization", "year", "quarter"],
                condition=~Q(status="returned"),
                name="statistics_one_open",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=0, quarter__lte=4), name="statistics_quarter_range"
            ),
        ]
        indexes = [
            models.Index(fields=["county", "year", "quarter"], name="statistics_county_period")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period_label}"

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.quarter)


def period_label(year: int, quarter: int) -> str:
    if quarter:
        return str(_("%(year)d Q%(quarter)d") % {"year": year, "quarter": quarter})
    return str(_("%(year)d (whole year)") % {"year": year})
