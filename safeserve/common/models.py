from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Creation and modification times for every domain table."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class CountyPolicy(BaseModel):
    """Every number a regulation or the county scheme sets locally (DESIGN.md §3 "County
    policy"). One row per county; a county without a row uses these defaults. National hazard
    rules are being revised (2026 draft 隐患排查治理条例), so none of these is hard-coded."""

    county = models.OneToOneField(
        "organizations.Region",
        on_delete=models.PROTECT,
        related_name="policy",
        verbose_name=_("county"),
    )
    # 政府采购法 第22条: no major violation in the previous three years.
    violation_lookback_years = models.PositiveSmallIntegerField(
        _("violation look-back (years)"), default=3
    )
    qualification_warning_days = models.PositiveSmallIntegerField(
        _("warn of expiring qualifications (days ahead)"), default=30
    )

    class Meta:
        verbose_name = _("county policy")
        verbose_name_plural = _("county policies")

    def __str__(self) -> str:
        return f"policy of {self.county_id}"


def policy_for(county_id: int | None) -> CountyPolicy:
    """The county's policy, or the defaults (unsaved) when it has not set one."""
    if county_id is not None:
        policy = CountyPolicy.objects.filter(county_id=county_id).first()
        if policy is not None:
            return policy
    return CountyPolicy(county_id=county_id)  # type: ignore[misc]
