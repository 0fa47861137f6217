"""R1: whether a provider may be awarded a project on a given date, condition by condition,
each with a reason a county officer can read. The result is stored with the award."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from safeserve.common.choices import ServiceCategory
from safeserve.common.lib import uscc as uscc_lib
from safeserve.common.models import policy_for
from safeserve.procurement.models import PurchaseProject
from safeserve.providers.models import (
    AdmissionStatus,
    Debarment,
    Provider,
    ProviderAdmission,
    QualificationType,
    ViolationRecord,
)
from safeserve.providers.selectors import lookback_start, serving_experts

Q_ = QualificationType
TECHNICAL = {Q_.SAFETY_EVALUATION, Q_.TESTING, Q_.OTHER_TECHNICAL}
# R1 (2): which qualification types each service category accepts.
ACCEPTED_QUALIFICATIONS: dict[str, set[QualificationType]] = {
    ServiceCategory.OCCUPATIONAL: {Q_.OCCUPATIONAL},
    ServiceCategory.INSPECTION: TECHNICAL,
    ServiceCategory.STANDARDIZATION: TECHNICAL,
    ServiceCategory.EMERGENCY: TECHNICAL | {Q_.OCCUPATIONAL, Q_.RESEARCH, Q_.EDUCATION},
    ServiceCategory.TRAINING: TECHNICAL | {Q_.OCCUPATIONAL, Q_.RESEARCH, Q_.EDUCATION},
    ServiceCategory.OTHER: TECHNICAL | {Q_.OCCUPATIONAL, Q_.RESEARCH, Q_.EDUCATION},
}


@dataclass
class Condition:
    code: str
    title: str
    passed: bool
    reasons: list[str] = field(default_factory=list)
    # Shown for the purchaser to weigh, never failing the check (e.g. a D-tier provider).
    warning: bool = False


ExtraCheck = Callable[[Provider, int, dt.date], "Condition | None"]
_EXTRA_CHECKS: list[ExtraCheck] = []


def register_eligibility_check(check: ExtraCheck) -> None:
    """A later app's condition (evaluations: the provider's tier, R10), registered in its
    AppConfig.ready; it returns None when it has nothing to say."""
    if check not in _EXTRA_CHECKS:
        _EXTRA_CHECKS.append(check)


@dataclass
class EligibilityResult:
    provider_id: int
    provider_name: str
    project_id: int
    on_date: str
    conditions: list[Condition]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.conditions)

    @property
    def failures(self) -> list[Condition]:
        return [c for c in self.conditions if not c.passed]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        return data


def _date(value: dt.date) -> str:
    return value.strftime("%Y-%m-%d")


def check_eligibility(
    provider: Provider,
    project: PurchaseProject,
    on_date: dt.date,
    confirmed: list[str] | None = None,
) -> EligibilityResult:
    """``confirmed`` lists the project's extra requirements the purchaser confirms as met."""
    county_id = project.county_id
    category = project.item.category
    conditions: list[Condition] = []

    # (1) An independent legal person with a valid USCC, admitted to this county's register.
    reasons = []
    if not provider.is_independent_legal_person:
        reasons.append(_("Not an independent legal person."))
    try:
        uscc_lib.validate(provider.uscc)
    except uscc_lib.USCCError as exc:
        reasons.append(_("Unified social credit code: %(e)s") % {"e": exc})
    admission = ProviderAdmission.objects.filter(county_id=county_id, provider=provider).first()
    if admission is not None and admission.status == AdmissionStatus.SUSPENDED:
        # R10 动态调整: a suspended provider takes nothing new while suspended
        reasons.append(
            _("Suspended by the county office: %(reason)s") % {"reason": admission.reason}
        )
    elif admission is None or admission.status != AdmissionStatus.ADMITTED:
        reasons.append(_("Not admitted to this county's provider register."))
    elif admission.decided_at.date() > on_date:
        reasons.append(
            _("Admitted to the register only on %(d)s.") % {"d": _date(admission.decided_at.date())}
        )
    conditions.append(
        Condition("legal_person", _("Legal person, code and county register"), not reasons, reasons)
    )

    # (2) A qualification of an accepted type, valid on the date.
    accepted = ACCEPTED_QUALIFICATIONS[category]
    relevant = [q for q in provider.qualifications.all() if q.type in accepted]
    valid = [q for q in relevant if q.valid_from <= on_date <= q.valid_to]
    if valid:
        reasons = []
    elif relevant:
        reasons = []
        for q in relevant:
            if q.valid_to < on_date:
                reasons.append(
                    _("Qualification《%(type)s》(%(no)s) expired on %(d)s.")
                    % {"type": q.get_type_display(), "no": q.certificate_no, "d": _date(q.valid_to)}
                )
            else:
                reasons.append(
                    _("Qualification《%(type)s》(%(no)s) is valid only from %(d)s.")
                    % {
                        "type": q.get_type_display(),
                        "no": q.certificate_no,
                        "d": _date(q.valid_from),
                    }
                )
    else:
        names = "、".join(sorted(str(QualificationType(t).label) for t in accepted))
        reasons = [
            _("No qualification of a type this service needs (%(types)s).") % {"types": names}
        ]
    conditions.append(
        Condition(
            "qualification", _("Qualification for the service category"), not reasons, reasons
        )
    )

    # (3) Premises, equipment and enough employed (not engaged) experts of the specialties.
    reasons = []
    if not provider.premises_address or not provider.premises_area:
        reasons.append(_("Premises address and area are not declared."))
    elif project.min_premises_area and provider.premises_area < project.min_premises_area:
        reasons.append(
            _("Premises of %(a)s m² are smaller than the %(m)s m² required.")
            % {"a": provider.premises_area, "m": project.min_premises_area}
        )
    if not provider.equipment.exists():
        reasons.append(_("No equipment declared."))
    # Suspended or never admitted to the county's pool, an expert does not count (R1).
    experts = serving_experts(county_id).filter(employer=provider)
    wanted = set(project.required_specialties or [])
    if wanted:
        experts = experts.filter(specialties__specialty__in=wanted).distinct()
    matching = experts.count()
    if matching < project.required_experts:
        reasons.append(
            _(
                "%(n)d employed experts in the county's pool, not suspended, with the required "
                "specialties; the project needs %(need)d."
            )
            % {"n": matching, "need": project.required_experts}
        )
    conditions.append(
        Condition("capability", _("Premises, equipment and experts"), not reasons, reasons)
    )

    # (4) No violation record in this county within the look-back (政府采购法 第22条).
    since = lookback_start(county_id, on_date)
    recent = ViolationRecord.objects.filter(
        county_id=county_id, provider=provider, occurred_on__gt=since, occurred_on__lte=on_date
    )
    reasons = [
        _("Violation on %(d)s: %(text)s") % {"d": _date(v.occurred_on), "text": v.description[:80]}
        for v in recent.order_by("-occurred_on")
    ]
    years = policy_for(county_id).violation_lookback_years
    conditions.append(
        Condition(
            "no_violation",
            _("No violation in this county in the last %(n)d years") % {"n": years},
            not reasons,
            reasons,
        )
    )

    # Not debarred in this county on the date (R17).
    bans = Debarment.objects.in_force(on_date).filter(county_id=county_id, provider=provider)
    reasons = [
        _("Debarred from %(a)s to %(b)s: %(why)s")
        % {"a": _date(b.starts_on), "b": _date(b.ends_on), "why": b.reason[:80]}
        for b in bans
    ]
    conditions.append(
        Condition("not_debarred", _("Not debarred in this county"), not reasons, reasons)
    )

    # (5) Every extra requirement the purchaser set, confirmed by the purchaser.
    confirmed_set = set(confirmed or [])
    missing = [r for r in (project.extra_requirements or []) if r not in confirmed_set]
    reasons = [_("Not confirmed: %(r)s") % {"r": r} for r in missing]
    conditions.append(
        Condition("extra_requirements", _("The project's own requirements"), not reasons, reasons)
    )

    # (6) The provider's signed attestation of the other legal conditions.
    reasons = []
    if not provider.attestation_complete:
        reasons.append(
            _("The signed attestation is incomplete (statement, signer, date and scan).")
        )
    elif provider.attestation_date and provider.attestation_date > on_date:
        reasons.append(_("The attestation is dated after the award date."))
    conditions.append(Condition("attestation", _("Signed attestation"), not reasons, reasons))

    for check in _EXTRA_CHECKS:
        extra = check(provider, county_id, on_date)
        if extra is not None:
            conditions.append(extra)

    return EligibilityResult(provider.pk, provider.name, project.pk, _date(on_date), conditions)
