"""Every write to providers, qualifications, the county register and the expert pool."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record, diff
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib import idnumber
from safeserve.common.lib import uscc as uscc_lib
from safeserve.common.lib.crypto import blind_index
from safeserve.common.validation import clean_model
from safeserve.organizations.models import Organization, OrganizationKind
from safeserve.organizations.permissions import can_manage_organizations
from safeserve.providers.models import (
    AdmissionStatus,
    EmployerChange,
    EmployerChangeStatus,
    Expert,
    ExpertCertificate,
    ExpertPoolMembership,
    ExpertSpecialty,
    LegalEntityKind,
    PoolStatus,
    Provider,
    ProviderAdmission,
    ProviderEquipment,
    Qualification,
    ViolationRecord,
)
from safeserve.providers.permissions import (
    can_edit_expert,
    can_edit_provider,
    can_register_provider,
    is_county_office_actor,
)
from safeserve.providers.workflows import ADMISSION, EMPLOYER_CHANGE

if TYPE_CHECKING:
    from safeserve.accounts.models import User


def _field_error(code: str, field_name: str, message: str, status: int = 400) -> ApplicationError:
    return ApplicationError(code, message, errors={field_name: [message]}, status=status)


def _county_id(actor: User) -> int:
    org = actor.organization
    if org is None or org.county_id is None:
        raise ApplicationError("no_county", _("Only a county office keeps a register."), status=403)
    return org.county_id


# --- Provider profile ---------------------------------------------------------------------


@dataclass
class ProviderData:
    name: str
    uscc: str
    legal_entity_kind: str
    is_independent_legal_person: bool = True
    legal_representative: str = ""
    premises_address: str = ""
    premises_area: Decimal | None = None
    contact_name: str = ""
    contact_phone: str = ""
    report_prefix: str = ""
    notice_prefix: str = ""
    attestation_statement: str = ""
    attestation_signer: str = ""
    attestation_date: dt.date | None = None


def provider_snapshot(provider: Provider) -> dict[str, Any]:
    data = {key: getattr(provider, key) for key in ProviderData.__dataclass_fields__}
    data["attestation_file"] = provider.attestation_file.name or ""
    return data


def _apply_provider(
    provider: Provider, data: ProviderData, attestation_file: UploadedFile | None
) -> None:
    try:
        code = uscc_lib.validate(data.uscc)
    except uscc_lib.USCCError as exc:
        raise _field_error(exc.code, "uscc", str(exc)) from None
    clash = Provider.objects.filter(uscc=code)
    if provider.pk:
        clash = clash.exclude(pk=provider.pk)
    if clash.exists():
        raise _field_error(
            "duplicate_uscc", "uscc", _("Another provider is registered with this code.")
        )
    for key, value in asdict(data).items():
        setattr(provider, key, value.strip() if isinstance(value, str) else value)
    provider.uscc = code
    if attestation_file is not None:
        provider.attestation_file = attestation_file


@transaction.atomic
def provider_register(
    *, actor: User, data: ProviderData, attestation_file: UploadedFile | None = None
) -> Provider:
    require(can_register_provider(actor))
    org = actor.organization
    assert org is not None
    if Provider.objects.filter(organization=org).exists():
        raise ApplicationError(
            "already_registered", _("Your organization already has its profile; edit it instead.")
        )
    provider = Provider(organization=org)
    _apply_provider(provider, data, attestation_file)
    clean_model(provider)
    provider.save()
    admission_open(provider=provider, county_id=org.county_id)
    audit_record(
        action="provider.registered",
        actor=actor,
        obj=provider,
        county_id=org.county_id,
        after=provider_snapshot(provider),
    )
    return provider


@transaction.atomic
def provider_enrol(*, actor: User, organization: Organization, uscc: str) -> Provider:
    """The county office's admin opens a provider's profile with its name and code when it
    sets up the county's roster; the provider's own staff complete the rest."""
    require(can_manage_organizations(actor))
    if organization.kind != OrganizationKind.PROVIDER:
        raise _field_error(
            "not_a_provider", "kind", _("Only a provider organization has a provider profile.")
        )
    if Provider.objects.filter(organization=organization).exists():
        raise ApplicationError(
            "already_registered", _("This organization already has its provider profile.")
        )
    provider = Provider(organization=organization)
    _apply_provider(
        provider,
        ProviderData(
            name=organization.name, uscc=uscc, legal_entity_kind=LegalEntityKind.ENTERPRISE
        ),
        None,
    )
    clean_model(provider)
    provider.save()
    admission_open(provider=provider, county_id=organization.county_id)
    audit_record(
        action="provider.registered",
        actor=actor,
        obj=provider,
        county_id=organization.county_id,
        after=provider_snapshot(provider),
    )
    return provider


@transaction.atomic
def provider_update(
    *,
    actor: User,
    provider: Provider,
    data: ProviderData,
    attestation_file: UploadedFile | None = None,
) -> Provider:
    target = Provider.objects.select_for_update().get(pk=provider.pk)
    require(can_edit_provider(actor, target))
    before = provider_snapshot(target)
    _apply_provider(target, data, attestation_file)
    clean_model(target)
    target.save()
    old, new = diff(before, provider_snapshot(target))
    if new:
        audit_record(action="provider.updated", actor=actor, obj=target, before=old, after=new)
    return target


@transaction.atomic
def provider_set_equipment(
    *, actor: User, provider: Provider, items: list[dict[str, Any]]
) -> list[ProviderEquipment]:
    """Replaces the equipment list (R1 condition 3 looks at it)."""
    require(can_edit_provider(actor, provider))
    before = [f"{e.name} {e.model} ×{e.quantity}" for e in provider.equipment.all()]
    provider.equipment.all().delete()
    created = ProviderEquipment.objects.bulk_create(
        ProviderEquipment(provider=provider, **item) for item in items if item.get("name")
    )
    after = [f"{e.name} {e.model} ×{e.quantity}" for e in created]
    if before != after:
        audit_record(
            action="provider.equipment_changed",
            actor=actor,
            obj=provider,
            before={"equipment": before},
            after={"equipment": after},
        )
    return created


# --- Qualifications -----------------------------------------------------------------------


@dataclass
class QualificationData:
    type: str
    certificate_no: str
    issuer: str
    valid_from: dt.date
    valid_to: dt.date
    scope: str = ""


def _check_qualification(
    provider: Provider, data: QualificationData, exclude_pk: int | None = None
) -> None:
    if data.valid_to < data.valid_from:
        raise _field_error(
            "period_reversed", "valid_to", _("The end date must not be before the start date.")
        )
    clash = Qualification.objects.filter(type=data.type, certificate_no=data.certificate_no.strip())
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise _field_error(
            "duplicate_certificate",
            "certificate_no",
            _("A qualification of this type with this number is already registered."),
        )


@transaction.atomic
def qualification_add(
    *, actor: User, provider: Provider, data: QualificationData, scan: UploadedFile | None = None
) -> Qualification:
    require(can_edit_provider(actor, provider))
    _check_qualification(provider, data)
    qualification = Qualification(
        provider=provider,
        **{k: v.strip() if isinstance(v, str) else v for k, v in asdict(data).items()},
    )
    if scan is not None:
        qualification.scan = scan
    clean_model(qualification)
    qualification.save()
    audit_record(
        action="qualification.added",
        actor=actor,
        obj=qualification,
        after={**asdict(data), "provider_id": provider.pk},
    )
    return qualification


@transaction.atomic
def qualification_update(
    *,
    actor: User,
    qualification: Qualification,
    data: QualificationData,
    scan: UploadedFile | None = None,
) -> Qualification:
    target = Qualification.objects.select_for_update().get(pk=qualification.pk)
    require(can_edit_provider(actor, target.provider))
    _check_qualification(target.provider, data, exclude_pk=target.pk)
    before = {k: getattr(target, k) for k in QualificationData.__dataclass_fields__}
    for key, value in asdict(data).items():
        setattr(target, key, value.strip() if isinstance(value, str) else value)
    if scan is not None:
        target.scan = scan
    clean_model(target)
    target.save()
    old, new = diff(before, {k: getattr(target, k) for k in QualificationData.__dataclass_fields__})
    if new or scan is not None:
        audit_record(
            action="qualification.updated",
            actor=actor,
            obj=target,
            before=old,
            after={**new, **({"scan": target.scan.name} if scan else {})},
        )
    return target


@transaction.atomic
def qualification_delete(*, actor: User, qualification: Qualification) -> None:
    require(can_edit_provider(actor, qualification.provider))
    from safeserve.audit.services import ObjectRef

    ref = ObjectRef("providers.qualification", str(qualification.pk), str(qualification))
    provider = qualification.provider
    qualification.delete()
    audit_record(
        action="qualification.deleted",
        actor=actor,
        obj=ref,
        county_id=provider.organization.county_id,
        before={"provider_id": provider.pk, "certificate": ref.repr},
    )


# --- County register (准入) and violations ------------------------------------------------


def admission_open(*, provider: Provider, county_id: int | None) -> None:
    """A provider registered in a county applies to its register (no audit event of its own:
    the registration that opens it is recorded)."""
    if county_id is not None:
        ProviderAdmission.objects.get_or_create(
            county_id=county_id, provider=provider, defaults={"status": AdmissionStatus.APPLYING}
        )


@transaction.atomic
def provider_set_admission(
    *, actor: User, provider: Provider, admit: bool, reason: str = ""
) -> ProviderAdmission:
    """准入: the county office admits the provider to its register or removes it (reason
    required), through the register's verb table. A provider of the county without an entry
    (registered before applications were recorded) is taken as having applied."""
    require(is_county_office_actor(actor))
    county_id = _county_id(actor)
    if provider.organization.county_id == county_id:  # a provider of the county has applied
        admission_open(provider=provider, county_id=county_id)
    admission = (
        ProviderAdmission.objects.select_for_update()
        .filter(county_id=county_id, provider=provider)
        .first()
    )
    if admission is None:
        raise ApplicationError(
            "not_applied", _("This provider has not applied to the county's register."), status=409
        )
    return _admission_change(actor, provider, admission, "admit" if admit else "remove", reason)


_ADMISSION_VERBS = {
    # verb: (new status, audit action, reason required)
    "admit": (AdmissionStatus.ADMITTED, "provider.admitted", False),
    "remove": (AdmissionStatus.REMOVED, "provider.removed", True),
    "suspend": (AdmissionStatus.SUSPENDED, "provider.suspended", True),
    "reinstate": (AdmissionStatus.ADMITTED, "provider.reinstated", False),
}


@transaction.atomic
def provider_suspension(
    *, actor: User, provider: Provider, suspend: bool, reason: str = ""
) -> ProviderAdmission:
    """R10 动态调整: the county office suspends an admitted provider with a reason — it fails
    eligibility and cannot sign while suspended; its contracts in force continue — or
    reinstates it."""
    require(is_county_office_actor(actor))
    county_id = _county_id(actor)
    admission = (
        ProviderAdmission.objects.select_for_update()
        .filter(county_id=county_id, provider=provider)
        .first()
    )
    if admission is None:
        raise ApplicationError(
            "not_applied", _("This provider is not in the county's register."), status=409
        )
    return _admission_change(
        actor, provider, admission, "suspend" if suspend else "reinstate", reason
    )


def _admission_change(
    actor: User, provider: Provider, admission: ProviderAdmission, verb: str, reason: str
) -> ProviderAdmission:
    ADMISSION.check(verb, actor, admission)
    status, action, needs_reason = _ADMISSION_VERBS[verb]
    if needs_reason and not reason.strip():
        raise _field_error("reason_required", "reason", _("Please give a reason."))
    county_id = admission.county_id
    before = {"admission": admission.status}
    admission.status = status
    admission.decided_at = timezone.now()
    admission.decided_by = actor
    admission.reason = reason.strip()[:300]
    admission.save()
    audit_record(
        action=action,
        actor=actor,
        obj=provider,
        county_id=county_id,
        before=before,
        after={"admission": status},
        reason=reason.strip(),
    )
    return admission


@transaction.atomic
def violation_record(
    *, actor: User, provider: Provider, occurred_on: dt.date, source: str, description: str
) -> ViolationRecord:
    require(is_county_office_actor(actor))
    county_id = _county_id(actor)
    if occurred_on > timezone.localdate():
        raise _field_error("date_in_future", "occurred_on", _("The date cannot be in the future."))
    if not description.strip():
        raise _field_error("description_required", "description", _("Describe the violation."))
    record = ViolationRecord.objects.create(
        county_id=county_id,
        provider=provider,
        occurred_on=occurred_on,
        source=source,
        description=description.strip(),
        recorded_by=actor,
    )
    audit_record(
        action="provider.violation_recorded",
        actor=actor,
        obj=provider,
        county_id=county_id,
        after={"occurred_on": occurred_on, "source": source, "description": description.strip()},
    )
    return record


# --- Experts ------------------------------------------------------------------------------


@dataclass
class ExpertData:
    name: str
    id_number: str
    phone: str = ""
    title: str = ""
    is_active: bool = True
    specialties: list[str] = field(default_factory=list)
    certificates: list[dict[str, Any]] = field(default_factory=list)
    user: Any = None


def validate_id_number(value: str) -> str:
    number = uscc_lib.normalise(value)
    if not idnumber.is_valid(number):
        raise _field_error(
            "invalid_id_number",
            "id_number",
            _(
                "This is not a valid resident ID number (18 characters, with a valid "
                "birth date and check digit)."
            ),
        )
    return number


def expert_snapshot(expert: Expert) -> dict[str, Any]:
    return {
        "name": expert.name,
        "id_number": expert.id_number,
        "phone": expert.phone,
        "title": expert.title,
        "employer_id": expert.employer_id,
        "user_id": expert.user_id,
        "is_active": expert.is_active,
        "specialties": sorted(expert.specialty_values),
        "certificates": [f"{c.kind}:{c.number}" for c in expert.certificates.all()],
    }


def _apply_expert(expert: Expert, data: ExpertData, provider: Provider, actor: User) -> None:
    number = validate_id_number(data.id_number)
    clash = Expert.objects.filter(id_number_index=blind_index(number))
    if expert.pk:
        clash = clash.exclude(pk=expert.pk)
    if clash.exists():
        # An expert is one person across providers. Only someone who may see the other record
        # hears that it exists; to anyone else the refusal says nothing of who or where.
        if Expert.objects.visible_to(actor).filter(pk__in=clash.values("pk")).exists():
            raise _field_error(
                "duplicate_id_number",
                "id_number",
                _("An expert with this ID number is already registered; edit that record."),
            )
        raise _field_error(
            "id_number_unavailable",
            "id_number",
            _(
                "This ID number cannot be registered here. If the expert has joined you from "
                "another provider, file an employer-change request for the county office to "
                "approve."
            ),
        )
    if data.user is not None:
        if data.user.organization_id != provider.organization_id or data.user.role != "expert":
            raise _field_error(
                "invalid_user", "user", _("Choose an expert account of your own organization.")
            )
        if Expert.objects.filter(user=data.user).exclude(pk=expert.pk or 0).exists():
            raise _field_error(
                "user_taken", "user", _("This account already belongs to another expert.")
            )
    expert.name = data.name.strip()
    expert.id_number = number
    expert.phone = data.phone.strip()
    expert.title = data.title.strip()
    expert.is_active = data.is_active
    expert.user = data.user


def _save_expert_children(expert: Expert, data: ExpertData) -> None:
    expert.specialties.all().delete()
    ExpertSpecialty.objects.bulk_create(
        ExpertSpecialty(expert=expert, specialty=s) for s in sorted(set(data.specialties))
    )
    expert.certificates.all().delete()
    ExpertCertificate.objects.bulk_create(
        ExpertCertificate(expert=expert, **c) for c in data.certificates if c.get("number")
    )


@transaction.atomic
def expert_create(*, actor: User, provider: Provider, data: ExpertData) -> Expert:
    require(can_edit_provider(actor, provider))
    expert = Expert(employer=provider)
    _apply_expert(expert, data, provider, actor)
    clean_model(expert)
    expert.save()
    _save_expert_children(expert, data)
    audit_record(
        action="expert.created",
        actor=actor,
        obj=expert,
        county_id=provider.organization.county_id,
        after=expert_snapshot(expert),
    )
    return expert


_EXPERT_LEFT: list[Callable[[Expert, str], Any]] = []


def register_expert_left(callback: Callable[[Expert, str], Any]) -> None:
    """What a later app does when an expert leaves a provider (documents: the certificate
    naming the provider signs nothing more, R13), registered in its AppConfig.ready."""
    if callback not in _EXPERT_LEFT:
        _EXPERT_LEFT.append(callback)


def _left(expert: Expert, why: str) -> None:
    for callback in _EXPERT_LEFT:
        callback(expert, why)


@transaction.atomic
def expert_update(*, actor: User, expert: Expert, data: ExpertData) -> Expert:
    target = (
        Expert.objects.select_for_update(of=("self",)).select_related("employer").get(pk=expert.pk)
    )
    require(can_edit_expert(actor, target))
    assert target.employer is not None
    before = expert_snapshot(target)
    _apply_expert(target, data, target.employer, actor)
    clean_model(target)
    target.save()
    _save_expert_children(target, data)
    if before.get("is_active") and not target.is_active:
        _left(target, "left the provider")
    old, new = diff(before, expert_snapshot(target))
    if new:
        audit_record(
            action="expert.updated",
            actor=actor,
            obj=target,
            county_id=target.employer.organization.county_id,
            before=old,
            after=new,
        )
    return target


_POOL_ACTIONS = {
    "admit": ("expert.pool_admitted", PoolStatus.ADMITTED),
    "suspend": ("expert.pool_suspended", PoolStatus.SUSPENDED),
    "reinstate": ("expert.pool_reinstated", PoolStatus.ADMITTED),
}


@transaction.atomic
def expert_pool_change(
    *, actor: User, expert: Expert, verb: str, reason: str = ""
) -> ExpertPoolMembership:
    """admit → in the pool; suspend (reason required) → suspended; reinstate → back."""
    require(is_county_office_actor(actor))
    county_id = _county_id(actor)
    action, status = _POOL_ACTIONS[verb]
    membership = (
        ExpertPoolMembership.objects.select_for_update()
        .filter(county_id=county_id, expert=expert)
        .first()
    )
    current = membership.status if membership else None
    allowed = {
        "admit": current is None,
        "suspend": current == PoolStatus.ADMITTED,
        "reinstate": current == PoolStatus.SUSPENDED,
    }
    if not allowed[verb]:
        state = PoolStatus(current).label if current else _("not in the pool")
        raise ApplicationError(
            "pool_transition_refused",
            _("Not possible while the expert is %(state)s.") % {"state": state},
        )
    if verb == "suspend" and not reason.strip():
        raise _field_error("reason_required", "reason", _("Please give a reason."))
    if membership is None:
        membership = ExpertPoolMembership(county_id=county_id, expert=expert)
    membership.status = status
    membership.reason = reason.strip()[:300]
    membership.decided_by = actor
    membership.save()
    audit_record(
        action=action,
        actor=actor,
        obj=expert,
        county_id=county_id,
        before={"pool_status": current},
        after={"pool_status": status},
        reason=reason.strip(),
    )
    return membership


# --- Employer change (变更执业单位) -----------------------------------------------------------


@transaction.atomic
def employer_change_request(
    *,
    actor: User,
    provider: Provider,
    name: str,
    id_number: str,
    statement: str,
    evidence: UploadedFile | None = None,
) -> EmployerChange:
    """The new provider asks to take over an expert registered with another provider. It
    names the person by ID number, which it cannot look up: the request says nothing of who
    holds the record or where (the county office sees that when it decides)."""
    from safeserve.common.lib.uploads import upload_label, validate_uploads
    from safeserve.common.validation import required_text

    require(can_edit_provider(actor, provider))
    county_id = _county_id(actor)  # the county office of the new employer's county decides
    given_name = required_text(name, "name", _("Full name"))
    number = validate_id_number(id_number)
    text = required_text(statement, "statement", _("statement"))
    if evidence is not None:
        validate_uploads([evidence], photos_only=False, field="evidence")
    expert = Expert.objects.select_for_update().filter(id_number_index=blind_index(number)).first()
    if expert is None:
        raise _field_error(
            "no_such_expert",
            "id_number",
            _("No expert is registered with this ID number; register the expert directly."),
        )
    if expert.employer_id == provider.pk:
        raise _field_error(
            "already_employed", "id_number", _("This expert is already one of your experts.")
        )
    if EmployerChange.objects.filter(
        expert=expert, to_provider=provider, status=EmployerChangeStatus.REQUESTED
    ).exists():
        raise _field_error(
            "already_requested",
            "id_number",
            _("A request for this expert is already waiting for the county office."),
        )
    change = EmployerChange(
        county_id=county_id,
        to_provider=provider,
        expert=expert,
        from_provider_id=expert.employer_id,
        name=given_name[:40],
        id_number=number,
        statement=text,
        requested_by=actor,
    )
    if evidence is not None:
        change.evidence = evidence
        change.original_name = upload_label(evidence)
    change.save()
    audit_record(
        action="employer_change.requested",
        actor=actor,
        obj=change,
        county_id=county_id,
        after={"name": change.name, "id_number": number, "statement": text},
    )
    return change


def _locked_change(change: EmployerChange) -> EmployerChange:
    return (
        EmployerChange.objects.select_for_update(of=("self",))
        .select_related("expert", "to_provider", "to_provider__organization")
        .get(pk=change.pk)
    )


def _decided(
    locked: EmployerChange, actor: User, status: str, note: str, action: str
) -> EmployerChange:
    locked.status = status
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.decision_note = note
    locked.save(
        update_fields=[
            *("status", "decided_by", "decided_at", "decision_note"),
            *("from_provider", "updated_at"),
        ]
    )
    audit_record(
        action=action,
        actor=actor,
        obj=locked,
        county_id=locked.county_id,
        before={"status": EmployerChangeStatus.REQUESTED},
        after={"status": status},
        reason=note,
    )
    return locked


@transaction.atomic
def employer_change_approve(
    *, actor: User, change: EmployerChange, note: str = ""
) -> EmployerChange:
    """The county office approves: the same expert record moves to the new employer with
    everything it carries, and the expert's login account moves with the person (its
    sessions end, so the next sign-in sees the new employer's work)."""

    locked = _locked_change(change)
    EMPLOYER_CHANGE.check("approve", actor, locked)
    expert = Expert.objects.select_for_update(of=("self",)).get(pk=locked.expert_id)
    if expert.employer_id == locked.to_provider_id:
        raise ApplicationError(
            "already_employed", _("The expert already works for this provider."), status=409
        )
    former = expert.employer
    expert.employer = locked.to_provider
    expert.save(update_fields=["employer", "updated_at"])
    _left(expert, "changed employer")
    audit_record(
        action="expert.employer_changed",
        actor=actor,
        obj=expert,
        county_id=locked.county_id,
        before={"employer": former.name if former else ""},
        after={"employer": locked.to_provider.name},
        reason=note.strip(),
    )
    if expert.user_id is not None:
        _move_login(actor, expert, former, locked)
    locked.from_provider = former
    return _decided(
        locked, actor, EmployerChangeStatus.APPROVED, note.strip(), "employer_change.approved"
    )


def _move_login(
    actor: User, expert: Expert, former: Provider | None, change: EmployerChange
) -> None:
    """The person keeps their login: an expert account of the former employer moves with
    them, as an expert account (whatever role it was given since), and must set a new
    password — whoever administered it there may know the old one. Any other account (not the
    former employer's, staff, platform) is not moved: it is unlinked and the new employer
    links an account of its own."""
    from safeserve.accounts.models import User as UserModel
    from safeserve.accounts.services import sessions_end_all
    from safeserve.organizations.models import Role

    account = (
        UserModel.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=expert.user_id or 0)
    )
    ended = sessions_end_all(user=account)
    movable = (
        former is not None
        and account.organization_id == former.organization_id
        and not account.is_superuser
        and not account.is_staff
    )
    if not movable:
        expert.user = None
        expert.save(update_fields=["user", "updated_at"])
        audit_record(
            action="expert.updated",
            actor=actor,
            obj=expert,
            county_id=change.county_id,
            before={"user_id": account.pk},
            after={"user_id": None},
            reason=_("The login belonged to another organization; it was not moved."),
        )
        return
    moved_from = account.organization.name if account.organization else ""
    before_role = account.role
    account.organization = change.to_provider.organization
    account.role = Role.EXPERT
    account.must_change_password = True
    account.save(update_fields=["organization", "role", "must_change_password"])
    audit_record(
        action="user.organization_changed",
        actor=actor,
        obj=account,
        county_id=change.county_id,
        before={"organization": moved_from, "role": before_role},
        after={
            "organization": account.organization.name,
            "role": Role.EXPERT,
            "must_change_password": True,
            "sessions_ended": ended,
        },
    )


@transaction.atomic
def employer_change_reject(*, actor: User, change: EmployerChange, reason: str) -> EmployerChange:
    locked = _locked_change(change)
    EMPLOYER_CHANGE.check("reject", actor, locked)
    if not reason.strip():
        raise _field_error("reason_required", "reason", _("Please give a reason."))
    return _decided(
        locked, actor, EmployerChangeStatus.REJECTED, reason.strip(), "employer_change.rejected"
    )


@transaction.atomic
def employer_change_withdraw(*, actor: User, change: EmployerChange) -> EmployerChange:
    locked = _locked_change(change)
    EMPLOYER_CHANGE.check("withdraw", actor, locked)
    return _decided(locked, actor, EmployerChangeStatus.WITHDRAWN, "", "employer_change.withdrawn")
