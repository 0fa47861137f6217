"""Every write to the enterprise directory, with its audit event."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from safeserve.audit.services import ObjectRef, audit_record, diff
from safeserve.common.access import require
from safeserve.common.choices import HighRiskSector
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.pinyin import initials_index
from safeserve.common.validation import clean_model
from safeserve.enterprises.industry import SectorResolver, parse_industry_code
from safeserve.enterprises.models import Enterprise, SectorRule
from safeserve.enterprises.permissions import (
    can_create_enterprise,
    can_edit_enterprise,
    can_edit_sector_mapping,
    can_override_sector,
    department_sectors,
)
from safeserve.organizations.models import Organization, OrganizationKind, Region, RegionLevel
from safeserve.organizations.permissions import can_manage_organizations

if TYPE_CHECKING:
    from safeserve.accounts.models import User


@dataclass
class EnterpriseData:
    """The editable fields of an enterprise, already parsed (forms, API, import)."""

    name: str
    uscc: str
    township: Region
    industry_code: str
    legal_representative: str = ""
    address: str = ""
    is_key: bool = False
    dust_explosion: bool = False
    ammonia_refrigeration: bool = False
    confined_space: bool = False
    employees: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    status: str = "operating"


def enterprise_snapshot(enterprise: Enterprise) -> dict[str, Any]:
    return {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "township_id": enterprise.township_id,
        "industry_code": enterprise.industry_code,
        "sector": enterprise.sector,
        "legal_representative": enterprise.legal_representative,
        "address": enterprise.address,
        "is_key": enterprise.is_key,
        "dust_explosion": enterprise.dust_explosion,
        "ammonia_refrigeration": enterprise.ammonia_refrigeration,
        "confined_space": enterprise.confined_space,
        "employees": enterprise.employees,
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
        "status": enterprise.status,
    }


def actor_county(actor: User) -> Region:
    org = actor.organization
    if org is None or org.county is None:
        raise ApplicationError(
            "no_county", _("Only a county's users keep its directory."), status=403
        )
    return org.county


def check_township(actor: User, township: Region, county: Region) -> None:
    """The township must be in the county; a township may only use its own."""
    if township.level != RegionLevel.TOWNSHIP or township.parent_id != county.pk:
        raise ApplicationError(
            "township_outside_county",
            _("Choose a township of this county."),
            errors={"township": [_("Choose a township of this county.")]},
            status=400,
        )
    org = actor.organization
    if org is not None and org.kind == OrganizationKind.TOWNSHIP and township.pk != org.region_id:
        raise ApplicationError(
            "township_not_own",
            _("A township registers only the enterprises of its own jurisdiction."),
            errors={"township": [_("Choose your own township.")]},
        )


def check_department_sector(actor: User, sector: str) -> None:
    org = actor.organization
    if (
        org is not None
        and org.kind == OrganizationKind.DEPARTMENT
        and sector not in (department_sectors(actor))
    ):
        raise ApplicationError(
            "sector_not_supervised",
            _(
                "This industry code is not in a sector your department supervises; the "
                "enterprise would leave your scope."
            ),
            errors={"industry_code": [_("Check the industry code.")]},
        )


def uscc_taken_error(existing: Enterprise | None, actor: User) -> ApplicationError:
    """Names the existing enterprise only to someone who may see it (R14); to anyone else
    neither the code nor the message says what exists, or where: the county office, which
    sees the whole county, resolves a true duplicate."""
    if (
        existing is not None
        and Enterprise.objects.visible_to(actor).filter(pk=existing.pk).exists()
    ):
        message = _("This code is already registered for %(name)s.") % {"name": existing.name}
        return ApplicationError("duplicate_uscc", message, errors={"uscc": [message]}, status=400)
    message = _(
        "This code cannot be registered here; check it, or ask the county work-safety office."
    )
    return ApplicationError("uscc_unavailable", message, errors={"uscc": [message]}, status=400)


def _apply(enterprise: Enterprise, data: EnterpriseData, resolver: SectorResolver) -> None:
    for field, value in asdict(data).items():
        if field == "township":
            continue
        setattr(enterprise, field, value.strip() if isinstance(value, str) else value)
    enterprise.township = data.township
    enterprise.industry_code = str(parse_industry_code(data.industry_code))
    if not enterprise.sector_overridden:
        enterprise.sector = resolver.sector_for(enterprise.industry_code)
    enterprise.pinyin_initials = initials_index(enterprise.name)


@transaction.atomic
def enterprise_create(*, actor: User, data: EnterpriseData) -> Enterprise:
    require(can_create_enterprise(actor))
    county = actor_county(actor)
    check_township(actor, data.township, county)
    existing = Enterprise.objects.filter(uscc=data.uscc).first()
    if existing is not None:
        raise uscc_taken_error(existing, actor)
    enterprise = Enterprise(county=county)
    _apply(enterprise, data, SectorResolver(county.pk))
    check_department_sector(actor, enterprise.sector)
    clean_model(enterprise)
    enterprise.save()
    audit_record(
        action="enterprise.created",
        actor=actor,
        obj=enterprise,
        after=enterprise_snapshot(enterprise),
    )
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: User, enterprise: Enterprise, data: EnterpriseData) -> Enterprise:
    target = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    require(can_edit_enterprise(actor, target))
    check_township(actor, data.township, target.county)
    if data.uscc != target.uscc:
        existing = Enterprise.objects.filter(uscc=data.uscc).exclude(pk=target.pk).first()
        if existing is not None:
            raise uscc_taken_error(existing, actor)
    before = enterprise_snapshot(target)
    _apply(target, data, SectorResolver(target.county_id))
    check_department_sector(actor, target.sector)
    clean_model(target)
    target.save()
    old, new = diff(before, enterprise_snapshot(target))
    if new:
        audit_record(action="enterprise.updated", actor=actor, obj=target, before=old, after=new)
    return target


@transaction.atomic
def enterprise_override_sector(
    *, actor: User, enterprise: Enterprise, sector: str | None, reason: str
) -> Enterprise:
    """Sets the sector by hand (``sector`` may be "" for not high-risk), or with ``None``
    returns it to the county mapping. County office only; a reason is required to set."""
    require(can_override_sector(actor))
    target = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    require(actor.is_superuser or target.county_id == actor_county(actor).pk)
    before = {"sector": target.sector, "sector_overridden": target.sector_overridden}
    if sector is None:
        target.sector_overridden = False
        target.sector_override_reason = ""
        target.sector = SectorResolver(target.county_id).sector_for(target.industry_code)
        action = "enterprise.sector_override_cleared"
    else:
        if sector and sector not in HighRiskSector.values:
            raise ApplicationError(
                "invalid_sector",
                _("Unknown sector."),
                errors={"sector": [_("Unknown sector.")]},
                status=400,
            )
        if not reason.strip():
            raise ApplicationError(
                "reason_required",
                _("Please give a reason."),
                errors={"reason": [_("This field is required.")]},
                status=400,
            )
        target.sector = sector
        target.sector_overridden = True
        target.sector_override_reason = reason.strip()[:200]
        action = "enterprise.sector_overridden"
    target.save(
        update_fields=["sector", "sector_overridden", "sector_override_reason", "updated_at"]
    )
    audit_record(
        action=action,
        actor=actor,
        obj=target,
        before=before,
        after={"sector": target.sector, "sector_overridden": target.sector_overridden},
        reason=reason.strip(),
    )
    return target


@transaction.atomic
def enterprise_open_account(*, actor: User, enterprise: Enterprise) -> Organization:
    """Creates the enterprise's login organization so its staff can get accounts: the
    county office's admin, who creates every organization and its users."""
    target = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    require(can_manage_organizations(actor) and can_edit_enterprise(actor, target))
    if target.organization_id is not None:
        raise ApplicationError(
            "account_exists", _("This enterprise already has its login organization.")
        )
    name = target.name
    if Organization.objects.filter(county_id=target.county_id, name=name).exists():
        name = f"{target.name}（{target.uscc[-6:]}）"
    org = Organization.objects.create(
        name=name,
        kind=OrganizationKind.ENTERPRISE,
        county_id=target.county_id,
        region_id=target.township_id,
        address=target.address,
        contact_phone=target.contact_phone,
    )
    target.organization = org
    target.save(update_fields=["organization", "updated_at"])
    audit_record(
        action="organization.created",
        actor=actor,
        obj=org,
        after={"name": org.name, "kind": org.kind, "enterprise_id": target.pk},
    )
    audit_record(
        action="enterprise.account_opened",
        actor=actor,
        obj=target,
        after={"organization_id": org.pk},
    )
    return org


# --- The county's industry → sector mapping ------------------------------------------------


def _recompute_sectors(county_id: int, prefix: str) -> list[int]:
    """Re-derives the sector of the county's enterprises under ``prefix`` (not overridden);
    returns the ids of those whose sector changed."""
    resolver = SectorResolver(county_id)
    changed = []
    code_prefix = str(parse_industry_code(prefix))  # with its section letter, as stored
    candidates = Enterprise.objects.filter(
        county_id=county_id, sector_overridden=False, industry_code__startswith=code_prefix
    ).only("pk", "industry_code", "sector")
    for enterprise in candidates.iterator(chunk_size=2000):
        sector = resolver.sector_for(enterprise.industry_code)
        if sector != enterprise.sector:
            enterprise.sector = sector
            changed.append(enterprise)
    Enterprise.objects.bulk_update(changed, ["sector"], batch_size=1000)
    return [e.pk for e in changed]


def _clean_prefix(prefix: str) -> str:
    digits = prefix.strip().upper().lstrip("ABCDEFGHIJKLMNOPQRST")
    if not digits.isdigit() or not 2 <= len(digits) <= 4:
        raise ApplicationError(
            "invalid_prefix",
            _("Write 2 to 4 digits of the industry code."),
            errors={"prefix": [_("Write 2 to 4 digits, e.g. 54 or 5435.")]},
            status=400,
        )
    parse_industry_code(digits)  # the division must exist
    return digits


@transaction.atomic
def sector_rule_save(
    *, actor: User, prefix: str, sector: str, note: str = "", rule: SectorRule | None = None
) -> tuple[SectorRule, int]:
    """Creates or changes one of the county's mapping rules; returns it and how many
    enterprises changed sector."""
    require(can_edit_sector_mapping(actor))
    county = actor_county(actor)
    try:
        digits = _clean_prefix(prefix)
    except ValueError as exc:  # IndustryCodeError: unknown division
        raise ApplicationError(
            "invalid_prefix", str(exc), errors={"prefix": [str(exc)]}, status=400
        ) from None
    if sector and sector not in HighRiskSector.values:
        raise ApplicationError(
            "invalid_sector",
            _("Unknown sector."),
            errors={"sector": [_("Unknown sector.")]},
            status=400,
        )
    if rule is not None and rule.county_id != county.pk:
        require(False)
    if rule is None:  # saving a prefix the county already has changes that rule
        rule = SectorRule.objects.filter(county=county, prefix=digits).first()
    clash = SectorRule.objects.filter(county=county, prefix=digits)
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        raise ApplicationError(
            "duplicate_prefix",
            _("This county already has a rule for %(p)s; edit it instead.") % {"p": digits},
            errors={"prefix": [_("Edit the existing rule.")]},
            status=400,
        )
    before = None
    old_prefix = digits
    if rule is None:
        rule = SectorRule(county=county)
    else:
        before = {"prefix": rule.prefix, "sector": rule.sector, "note": rule.note}
        old_prefix = rule.prefix
    rule.prefix, rule.sector, rule.note = digits, sector, note.strip()[:200]
    rule.name = rule.name or _division_name(digits)
    rule.save()
    changed_ids = _recompute_sectors(county.pk, digits)
    if old_prefix != digits:
        changed_ids += _recompute_sectors(county.pk, old_prefix)
    changed = len(changed_ids)
    audit_record(
        action="sector_rule.saved",
        actor=actor,
        obj=rule,
        county_id=county.pk,
        before=before,
        after={
            "prefix": digits,
            "sector": sector,
            "note": rule.note,
            "enterprises_changed": changed,
            "enterprise_ids": changed_ids[:1000],
        },
    )
    return rule, changed


@transaction.atomic
def sector_rule_delete(*, actor: User, rule: SectorRule) -> int:
    require(can_edit_sector_mapping(actor))
    county = actor_county(actor)
    require(rule.county_id == county.pk)  # the national default rows are not deleted
    ref = ObjectRef("enterprises.sectorrule", str(rule.pk), str(rule))
    prefix, sector = rule.prefix, rule.sector
    rule.delete()
    changed_ids = _recompute_sectors(county.pk, prefix)
    changed = len(changed_ids)
    audit_record(
        action="sector_rule.deleted",
        actor=actor,
        obj=ref,
        county_id=county.pk,
        before={"prefix": prefix, "sector": sector},
        after={"enterprises_changed": changed, "enterprise_ids": changed_ids[:1000]},
    )
    return changed


def _division_name(digits: str) -> str:
    from safeserve.enterprises.models import IndustryDivision

    division = IndustryDivision.objects.filter(code=digits[:2]).first()
    return division.name if division else ""
