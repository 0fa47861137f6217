"""The evaluation list as a spreadsheet (the list's own filters apply)."""

from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport
from safeserve.evaluations.rankings import Tier

EVALUATIONS = ListExport(
    name="evaluations",
    title=_("Performance evaluations"),
    columns=[
        Column(_("contract"), lambda e: e.contract.number),
        Column(_("purchaser"), lambda e: e.purchaser.name),
        Column(_("provider"), lambda e: e.provider.name),
        Column(_("period from"), lambda e: e.period_start),
        Column(_("period until"), lambda e: e.period_end),
        Column(_("Status"), lambda e: e.get_status_display()),
        Column(_("total score"), lambda e: e.total),
        Column(_("pass score"), lambda e: e.pass_score),
        Column(_("failed a veto criterion"), lambda e: _("yes") if e.vetoed else ""),
        Column(
            _("Result"),
            lambda e: "" if e.passed is None else (_("Passed") if e.passed else _("Did not pass")),
        ),
        Column(_("reply by"), lambda e: e.reply_due),
        Column(_("replied at"), lambda e: e.replied_at),
        Column(_("final at"), lambda e: e.finalised_at),
    ],
)

EXPERT_RATINGS = ListExport(
    name="expert_ratings",
    title=_("Expert ratings"),
    columns=[
        Column(_("expert"), lambda r: r.expert.name),
        Column(_("contract"), lambda r: r.contract.number),
        Column(_("professional quality"), lambda r: r.quality),
        Column(_("diligence"), lambda r: r.diligence),
        Column(_("integrity"), lambda r: r.integrity),
        Column(_("average"), lambda r: r.average),
        Column(_("comment"), lambda r: r.comment),
        Column(_("rated at"), lambda r: r.updated_at),
    ],
)


SANCTIONS = ListExport(
    name="sanctions",
    title=_("Sanctions"),
    columns=[
        Column(_("provider"), lambda s: s.provider.name),
        Column(_("contract"), lambda s: s.contract.number),
        Column(_("period from"), lambda s: s.evaluation.period_start),
        Column(_("period until"), lambda s: s.evaluation.period_end),
        Column(_("total score"), lambda s: s.evaluation.total),
        Column(_("pass score"), lambda s: s.evaluation.pass_score),
        Column(_("Status"), lambda s: s.get_status_display()),
        Column(_("deduction (yuan)"), lambda s: s.amount),
        Column(_("deducted (yuan)"), lambda s: s.deduction.amount if s.deduction else None),
        Column(
            _("to be recovered (yuan)"), lambda s: s.deduction.recoverable if s.deduction else None
        ),
        Column(_("banned from"), lambda s: s.debarment.starts_on if s.debarment else None),
        Column(_("banned until"), lambda s: s.debarment.ends_on if s.debarment else None),
        Column(_("lifted on"), lambda s: s.debarment.lifted_on if s.debarment else None),
        Column(_("decided at"), lambda s: s.decided_at),
        Column(_("reasons for the decision"), lambda s: s.decision_reason or s.basis),
        Column(_("reason for lifting"), lambda s: s.lift_reason),
    ],
)


ANNUAL_SUBMISSIONS = ListExport(
    name="annual_submissions",
    title=_("Annual submissions"),
    columns=[
        Column(_("purchaser"), lambda s: s.purchaser.name),
        Column(_("year"), lambda s: s.year),
        Column(_("Status"), lambda s: s.get_status_display()),
        Column(_("due by"), lambda s: s.due_on),
        Column(_("submitted at"), lambda s: s.submitted_at),
        Column(_("late"), lambda s: s.late),
        Column(_("received or returned at"), lambda s: s.decided_at),
        Column(_("reasons for returning"), lambda s: s.return_reason),
    ],
)


def _share(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else ""


PROVIDER_RANKINGS = ListExport(
    name="provider_rankings",
    title=_("Provider rankings"),
    columns=[
        Column(_("provider"), lambda p: p.name),
        Column(_("Tier"), lambda p: Tier.LABELS[p.tier]),
        Column(_("latest score"), lambda p: p.latest_score),
        Column(_("previous score"), lambda p: p.previous_score),
        Column(_("failed evaluations"), lambda p: p.failed_evaluations),
        Column(_("confirmed fee reports"), lambda p: p.fee_reports),
        Column(_("hazards past their deadline"), lambda p: p.hazards_due),
        Column(_("closed by the deadline"), lambda p: _share(p.hazards_on_time, p.hazards_due)),
        Column(_("late major-hazard reports"), lambda p: p.late_reports),
    ],
)

EXPERT_RANKINGS = ListExport(
    name="expert_rankings",
    title=_("Expert rankings"),
    columns=[
        Column(_("expert"), lambda e: e.name),
        Column(_("provider"), lambda e: e.employer.name if e.employer else ""),
        Column(_("Tier"), lambda e: Tier.LABELS[e.tier]),
        Column(_("rating score"), lambda e: round(e.rating, 1) if e.rating is not None else None),
        Column(_("ratings"), lambda e: e.ratings_count),
        Column(_("tasks done"), lambda e: e.tasks_done),
        Column(_("hazards confirmed"), lambda e: e.hazards_confirmed),
        Column(_("reports returned"), lambda e: e.report_returns),
    ],
)
