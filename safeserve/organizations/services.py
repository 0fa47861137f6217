"""Every write to regions and organizations goes through here, with its audit event."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record, diff
from safeserve.common.access import require
from safeserve.common.choices import HighRiskSector
from safeserve.common.exceptions import ApplicationError
from safeserve.common.validation import clean_model
from safeserve.organizations.models import (
    Organization,
    OrganizationKind,
    Region,
    RegionLevel,
    SupervisedSector,
)
from safeserve.organizations.permissions import can_manage_organizations

if TYPE_CHECKING:
    from safeserve.accounts.models import User


# Kinds a county office may create in its county; another county office only the platform.
COUNTY_CREATABLE_KINDS = [
    OrganizationKind.TOWNSHIP,
    OrganizationKind.DEPARTMENT,
    OrganizationKind.PROVIDER,
    OrganizationKind.ENTERPRISE,
    OrganizationKind.EVALUATOR,
]


def organization_snapshot(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name,
        "kind": org.kind,
        "county_id": org.county_id,
        "region_id": org.region_id,
        "is_fallback_department": org.is_fallback_department,
        "sectors": sorted(org.sector_values) if org.pk else [],
        "address": org.address,
        "contact_phone": org.contact_phone,
        "is_active": org.is_active,
    }


def _check_placement(
    *,
    kind: str,
    county: Region,
    region: Region | None,
    sectors: list[str],
    is_fallback_department: bool,
) -> None:
    errors: dict[str, list[str]] = {}
    if county.level != RegionLevel.COUNTY:
        errors["county"] = [_("Choose a county.")]
    if kind in (OrganizationKind.TOWNSHIP, OrganizationKind.ENTERPRISE):
        if region is None or region.level != RegionLevel.TOWNSHIP or region.parent_id != county.pk:
            errors["region"] = [_("Choose a township of this county as the jurisdiction.")]
    elif region is not None and region.pk != county.pk and region.parent_id != county.pk:
        errors["region"] = [_("The region must be this county or one of its townships.")]
    if kind != OrganizationKind.DEPARTMENT and (sectors or is_fallback_department):
        errors["sectors"] = [_("Only a county department supervises sectors.")]
    unknown = set(sectors) - set(HighRiskSector.values)
    if unknown:
        errors["sectors"] = [_("Unknown sector: %(s)s.") % {"s": ", ".join(sorted(unknown))}]
    if errors:
        raise ApplicationError(
            "invalid_organization",
            _("Please correct the marked fields."),
            errors=errors,
            status=400,
        )


def _assign_sectors(org: Organization, sectors: list[str]) -> None:
    taken = (
        SupervisedSector.objects.filter(county_id=org.county_id, sector__in=sectors)
        .exclude(organization=org)
        .select_related("organization")
    )
    for other in taken:
        raise ApplicationError(
            "sector_already_supervised",
            _("%(sector)s is already supervised by %(org)s; remove it there first.")
            % {"sector": other.get_sector_display(), "org": other.organization.name},
            errors={"sectors": [_("Each sector has one supervising department.")]},
        )
    SupervisedSector.objects.filter(organization=org).exclude(sector__in=sectors).delete()
    existing = set(org.supervised_sectors.values_list("sector", flat=True))
    SupervisedSector.objects.bulk_create(
        SupervisedSector(organization=org, county=org.county, sector=s)
        for s in sorted(set(sectors) - existing)
    )


def _check_fallback(org: Organization) -> None:
    if not org.is_fallback_department:
        return
    other = (
        Organization.objects.filter(county_id=org.county_id, is_fallback_department=True)
        .exclude(pk=org.pk)
        .first()
    )
    if other is not None:
        raise ApplicationError(
            "fallback_department_exists",
            _(
                "%(org)s already receives major hazards outside the high-risk sectors; "
                "clear it there first."
            )
            % {"org": other.name},
            errors={"is_fallback_department": [_("Only one department per county.")]},
        )


def _check_one_office(org: Organization) -> None:
    if org.kind != OrganizationKind.COUNTY_OFFICE:
        return
    if (
        Organization.objects.filter(county_id=org.county_id, kind=org.kind)
        .exclude(pk=org.pk)
        .exists()
    ):
        raise ApplicationError(
            "county_office_exists",
            _("This county already has its work-safety office."),
            errors={"kind": [_("Choose another kind.")]},
        )


def _check_name_free(org: Organization) -> None:
    clash = Organization.objects.filter(county_id=org.county_id, name=org.name)
    if org.pk:
        clash = clash.exclude(pk=org.pk)
    if clash.exists():
        raise ApplicationError(
            "duplicate_organization_name",
            _("An organization named %(name)s already exists in this county.") % {"name": org.name},
            errors={"name": [_("Choose another name.")]},
            status=400,
        )


@transaction.atomic
def organization_create(
    *,
    actor: User,
    name: str,
    kind: str,
    county: Region | None = None,
    region: Region | None = None,
    sectors: list[str] | None = None,
    is_fallback_department: bool = False,
    address: str = "",
    contact_phone: str = "",
) -> Organization:
    """A county office creates in its own county (``county`` may be left out); the platform
    administrator names the county."""
    require(can_manage_organizations(actor))
    sectors = sectors or []
    if county is None and not actor.is_superuser and actor.organization is not None:
        county = actor.organization.county
    if county is None:
        raise ApplicationError(
            "county_required",
            _("Choose the county the new organization belongs to."),
            errors={"county": [_("This field is required.")]},
            status=400,
        )
    if not actor.is_superuser:
        actor_org = actor.organization
        assert actor_org is not None
        if county.pk != actor_org.county_id:
            raise ApplicationError(
                "outside_county",
                _("You can only create organizations in your own county."),
                errors={"county": [_("Choose your own county.")]},
                status=400,
            )
        if kind not in COUNTY_CREATABLE_KINDS:
            raise ApplicationError(
                "kind_not_allowed",
                _("A county office cannot create this kind of organization."),
                errors={"kind": [_("Choose another kind.")]},
                status=400,
            )
    _check_placement(
        kind=kind,
        county=county,
        region=region,
        sectors=sectors,
        is_fallback_department=is_fallback_department,
    )
    org = Organization(
        name=name.strip(),
        kind=kind,
        county=county,
        region=region or county,
        is_fallback_department=is_fallback_department,
        address=address.strip(),
        contact_phone=contact_phone.strip(),
    )
    _check_name_free(org)
    _check_one_office(org)
    _check_fallback(org)
    clean_model(org)
    org.save()
    _assign_sectors(org, sectors)
    audit_record(
        action="organization.created", actor=actor, obj=org, after=organization_snapshot(org)
    )
    return org


@transaction.atomic
def organization_update(
    *,
    actor: User,
    organization: Organization,
    name: str,
    region: Region | None,
    sectors: list[str],
    is_fallback_department: bool,
    address: str,
    contact_phone: str,
) -> Organization:
    require(can_manage_organizations(actor))
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if org.county is None:
        raise ApplicationError(
            "platform_organization",
            _("The platform's own organization is not edited here; it has no county."),
            status=400,
        )
    before = organization_snapshot(org)
    _check_placement(
        kind=org.kind,
        county=org.county,
        region=region,
        sectors=sectors,
        is_fallback_department=is_fallback_department,
    )
    org.name = name.strip()
    org.region = region or org.county
    org.is_fallback_department = is_fallback_department
    org.address = address.strip()
    org.contact_phone = contact_phone.strip()
    _check_name_free(org)
    _check_fallback(org)
    clean_model(org)
    org.save(
        update_fields=[
            "name",
            "region",
            "is_fallback_department",
            "address",
            "contact_phone",
            "updated_at",
        ]
    )
    _assign_sectors(org, sectors)
    old, new = diff(before, organization_snapshot(org))
    if new:
        audit_record(action="organization.updated", actor=actor, obj=org, before=old, after=new)
    return org


@transaction.atomic
def organization_deactivate(
    *, actor: User, organization: Organization, reason: str
) -> Organization:
    """Its users can no longer log in and their sessions end at their next request: the
    authentication backend refuses every user of an inactive organization."""
    require(can_manage_organizations(actor))
    if not reason.strip():
        raise ApplicationError(
            "reason_required",
            _("Please give a reason."),
            errors={"reason": [_("This field is required.")]},
            status=400,
        )
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if actor.organization_id == org.pk:
        raise ApplicationError(
            "cannot_deactivate_own", _("You cannot deactivate your own organization.")
        )
    if not org.is_active:
        raise ApplicationError("already_inactive", _("This organization is already deactivated."))
    org.is_active = False
    org.deactivated_at = timezone.now()
    org.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    audit_record(
        action="organization.deactivated",
        actor=actor,
        obj=org,
        before={"is_active": True},
        after={"is_active": False},
        reason=reason.strip(),
    )
    return org


@transaction.atomic
def organization_reactivate(*, actor: User, organization: Organization) -> Organization:
    require(can_manage_organizations(actor))
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if org.is_active:
        raise ApplicationError("already_active", _("This organization is already active."))
    org.is_active = True
    org.deactivated_at = None
    org.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    audit_record(
        action="organization.reactivated",
        actor=actor,
        obj=org,
        before={"is_active": False},
        after={"is_active": True},
    )
    return org


# --- Townships (regions) -----------------------------------------------------------------


TOWNSHIP_NAME_SUFFIXES = ("人民政府", "办事处")


def township_code(raw: object, county: Region) -> str:
    """The 9-digit statistical code of a township (乡级统计用区划代码): the county's six
    digits and three of its own. A 12-digit village-level form ending in 000 is shortened."""
    code = unicodedata.normalize("NFKC", str(raw or "")).strip().replace(" ", "")
    if len(code) == 12 and code.isdigit() and code.endswith("000"):
        code = code[:9]
    if len(code) != 9 or not code.isdigit():
        raise ApplicationError(
            "invalid_region_code",
            _(
                "The region code must be the township's 9-digit statistical code (or 12 digits "
                "ending in 000), e.g. %(example)s."
            )
            % {"example": county.code + "100"},
            errors={"code": [_("Enter 9 digits.")]},
            status=400,
        )
    if not code.startswith(county.code):
        raise ApplicationError(
            "region_code_outside_county",
            _("A township of %(county)s has a code starting with %(prefix)s.")
            % {"county": county.name, "prefix": county.code},
            errors={"code": [_("Check the first six digits.")]},
            status=400,
        )
    return code


def township_region_name(organization_name: str, county: Region) -> str:
    """城关镇 from 安平县城关镇人民政府: the region's own name inside the organization's."""
    name = organization_name.strip()
    if name.startswith(county.name) and len(name) > len(county.name):
        name = name[len(county.name) :]
    for suffix in TOWNSHIP_NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


@transaction.atomic
def township_create(
    *,
    actor: User,
    county: Region,
    code: object,
    name: str,
    organization_name: str = "",
) -> Organization:
    """A township or subdistrict: its region (the jurisdiction enterprises belong to) and its
    government, which purchases services for the enterprises there (DESIGN.md §1)."""
    require(can_manage_organizations(actor))
    if not actor.is_superuser:
        actor_org = actor.organization
        if actor_org is None or actor_org.county_id != county.pk:
            raise ApplicationError(
                "outside_county",
                _("You can only add townships to your own county."),
                errors={"county": [_("Choose your own county.")]},
                status=400,
            )
    normalised = township_code(code, county)
    # 城南镇, whether typed so or as 安平县城南镇人民政府.
    name = township_region_name(name, county)
    if not name:
        raise ApplicationError(
            "name_required",
            _("Enter the township's name, e.g. 城关镇 or 东山街道."),
            errors={"name": [_("This field is required.")]},
            status=400,
        )
    if Region.objects.filter(code=normalised).exists():
        raise ApplicationError(
            "duplicate_region_code",
            _("The region code %(code)s is already in use.") % {"code": normalised},
            errors={"code": [_("Each township has its own code.")]},
            status=400,
        )
    if Region.objects.filter(parent=county, name=name).exists():
        raise ApplicationError(
            "duplicate_region_name",
            _("%(county)s already has a township named %(name)s.")
            % {"county": county.name, "name": name},
            errors={"name": [_("Choose another name.")]},
            status=400,
        )
    region = Region(code=normalised, name=name, level=RegionLevel.TOWNSHIP, parent=county)
    clean_model(region)
    region.save()
    audit_record(
        action="region.created",
        actor=actor,
        obj=region,
        county_id=county.pk,
        after={"code": region.code, "name": region.name},
    )
    suffix = "办事处" if name.endswith("街道") else "人民政府"
    return organization_create(
        actor=actor,
        name=organization_name.strip() or f"{county.name}{name}{suffix}",
        kind=OrganizationKind.TOWNSHIP,
        county=county,
        region=region,
    )
