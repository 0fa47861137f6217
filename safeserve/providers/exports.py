"""What the register's lists export (safeserve/audit/exports.py): phones and ID numbers
masked, whoever exports (个人信息保护法 第51条)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.audit.exports import Column, ListExport
from safeserve.common.lib.masking import mask_id_number, mask_phone
from safeserve.providers.models import AdmissionStatus, PoolStatus, Provider


def _valid_qualifications(provider: Provider) -> str:
    today = timezone.localdate()  # the same rule as ProviderFilter's "valid qualification"
    return "、".join(
        str(q.get_type_display()) for q in provider.qualifications.all() if q.valid_to >= today
    )


def _admission(provider: Any) -> Any:
    status = provider.admission_status
    return AdmissionStatus(status).label if status else _("Not admitted")


def _pool(expert: Any) -> Any:
    status = expert.pool_status
    return PoolStatus(status).label if status else _("Not in the pool")


PROVIDERS = ListExport(
    name="providers",
    title=_("Provider register"),
    columns=[
        Column(_("name"), lambda p: p.name),
        Column(_("unified social credit code"), lambda p: p.uscc),
        Column(_("Valid qualification"), _valid_qualifications),
        Column(_("County register"), _admission),
        Column(_("Debarred"), lambda p: p.debarred),
        Column(_("Recent violations"), lambda p: p.recent_violations),
        Column(_("Active experts"), lambda p: p.expert_count),
        Column(_("contact person"), lambda p: p.contact_name),
        Column(_("contact phone"), lambda p: mask_phone(p.contact_phone)),
    ],
)

QUALIFICATIONS = ListExport(
    name="qualifications",
    title=_("Qualifications"),
    columns=[
        Column(_("provider"), lambda q: q.provider.name),
        Column(_("type"), lambda q: q.get_type_display()),
        Column(_("certificate number"), lambda q: q.certificate_no),
        Column(_("issued by"), lambda q: q.issuer),
        Column(_("valid from"), lambda q: q.valid_from),
        Column(_("valid until"), lambda q: q.valid_to),
        Column(_("scope"), lambda q: q.scope),
    ],
)

EXPERTS = ListExport(
    name="experts",
    title=_("Experts"),
    columns=[
        Column(_("Full name"), lambda e: e.name),
        Column(_("ID number"), lambda e: mask_id_number(e.id_number)),
        Column(_("phone"), lambda e: mask_phone(e.phone)),
        Column(_("professional title"), lambda e: e.title),
        Column(_("employing provider"), lambda e: e.employer.name if e.employer_id else ""),
        Column(_("Specialties"), lambda e: "、".join(e.specialty_labels())),
        Column(
            _("Certificates"),
            lambda e: "、".join(f"{c.get_kind_display()} {c.number}" for c in e.certificates.all()),
        ),
        Column(_("Pool"), _pool),
        Column(_("active"), lambda e: e.is_active),
    ],
)


EMPLOYER_CHANGES = ListExport(
    name="employer_changes",
    title=_("Employer changes"),
    columns=[
        Column(_("Requested on"), lambda c: timezone.localtime(c.created_at).date()),
        Column(_("Full name"), lambda c: c.name),
        Column(_("ID number"), lambda c: mask_id_number(c.id_number)),
        Column(_("former employer"), lambda c: c.former_employer or ""),
        Column(_("new employer"), lambda c: c.to_provider.name),
        Column(_("statement"), lambda c: c.statement),
        Column(_("status"), lambda c: c.get_status_display()),
        Column(
            _("decided at"),
            lambda c: timezone.localtime(c.decided_at).date() if c.decided_at else "",
        ),
        Column(_("decision"), lambda c: c.decision_note),
    ],
)
