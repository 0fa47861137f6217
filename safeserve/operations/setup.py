"""Installing a county: its region, its work-safety office and the office's first admin.

The platform administrator does it on a page or through the API; on a new server the
operator does it once from the command line (``manage.py create_county``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from safeserve.accounts.models import User
from safeserve.accounts.services import user_insert
from safeserve.audit.services import audit_record
from safeserve.common.access import require
from safeserve.common.exceptions import ApplicationError
from safeserve.common.validation import clean_model
from safeserve.organizations.models import Organization, OrganizationKind, Region, RegionLevel, Role
from safeserve.organizations.permissions import can_create_counties
from safeserve.organizations.services import organization_snapshot

COMMAND_LINE = "manage.py create_county"
PHONE = re.compile(r"^[0-9+\-]{5,20}$")


@dataclass(frozen=True)
class CountyCreated:
    county: Region
    office: Organization
    admin: User
    temporary_password: str


def county_code(raw: object) -> str:
    """A county-level GB/T 2260 code: six digits, below province level."""
    code = unicodedata.normalize("NFKC", str(raw or "")).strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit() or code.endswith("0000"):
        raise ApplicationError(
            "invalid_county_code",
            _(
                "The county code must be the six-digit GB/T 2260 code of a county or district, "
                "e.g. 330106; a province's code (ending in 0000) is not a county."
            ),
            errors={"code": [_("Enter six digits.")]},
            status=400,
        )
    return code


def _field_required(name: str, value: str, message: str) -> str:
    value = value.strip()
    if not value:
        raise ApplicationError(
            f"{name}_required", message, errors={name: [_("This field is required.")]}, status=400
        )
    return value


@transaction.atomic
def county_create(
    *,
    actor: User | None,
    code: object,
    name: str,
    admin_username: str,
    admin_full_name: str,
    office_name: str = "",
    admin_phone: str = "",
    admin_email: str = "",
) -> CountyCreated:
    """Without ``actor`` the caller is the command line: whoever runs it controls the server
    already. The first admin gets a temporary password to change at first login."""
    if actor is not None:
        require(can_create_counties(actor))
    code = county_code(code)
    name = _field_required("name", name, _("Enter the county's name, e.g. 安平县."))
    admin_full_name = _field_required(
        "admin_full_name", admin_full_name, _("Enter the name of the county office's admin.")
    )
    admin_phone = admin_phone.strip()
    if admin_phone and not PHONE.match(admin_phone):
        raise ApplicationError(
            "invalid_phone",
            _("Write the phone number with digits, e.g. 13812345678 or 0570-1234567."),
            errors={"admin_phone": [_("Digits only.")]},
            status=400,
        )
    if Region.objects.filter(code=code).exists():
        raise ApplicationError(
            "duplicate_region_code",
            _("The region code %(code)s is already in use.") % {"code": code},
            errors={"code": [_("Each county has its own code.")]},
            status=400,
        )
    # GB/T 2260: the city's code is the county's first four digits, the province's two.
    parent = (
        Region.objects.filter(
            code__in=[code[:4] + "00", code[:2] + "0000"],
            level__in=[RegionLevel.CITY, RegionLevel.PROVINCE],
        )
        .exclude(code=code)
        .order_by("-code")
        .first()
    )
    county = Region(code=code, name=name, level=RegionLevel.COUNTY, parent=parent)
    clean_model(county)
    county.save()
    office = Organization(
        name=office_name.strip() or f"{name}安全生产委员会办公室",
        kind=OrganizationKind.COUNTY_OFFICE,
        county=county,
        region=county,
    )
    clean_model(office)
    office.save()
    who = actor if actor is not None else COMMAND_LINE
    audit_record(
        action="county.created",
        actor=who,
        obj=county,
        county_id=county.pk,
        organization_id=office.pk if actor is None else None,
        after={"code": code, "name": name},
    )
    audit_record(
        action="organization.created",
        actor=who,
        obj=office,
        organization_id=office.pk if actor is None else None,
        after=organization_snapshot(office),
    )
    admin, temporary = user_insert(
        actor=who,
        organization=office,
        username=admin_username,
        full_name=admin_full_name,
        role=Role.ADMIN,
        phone=admin_phone,
        email=admin_email,
    )
    assert temporary is not None
    return CountyCreated(county, office, admin, temporary)
