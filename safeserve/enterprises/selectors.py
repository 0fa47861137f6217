from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from safeserve.common.choices import HighRiskSector
from safeserve.enterprises.models import Enterprise
from safeserve.organizations.models import OrganizationKind, Region, RegionLevel

if TYPE_CHECKING:
    from safeserve.accounts.models import User

NOT_HIGH_RISK = "none"
ANY_HIGH_RISK = "any"


def search_filter(term: str) -> Q:
    """Name substring, USCC prefix, or pinyin initials (every reading of polyphones)."""
    term = unicodedata.normalize("NFKC", term).strip()
    query = Q(name__contains=term)
    compact = term.replace(" ", "")
    if compact.isascii() and compact.isalnum():
        query |= Q(uscc__startswith=compact.upper()) | Q(pinyin_initials__contains=compact.lower())
    return query


def enterprise_list(*, viewer: User) -> QuerySet[Enterprise]:
    """The directory the viewer sees, by name; EnterpriseFilter narrows it."""
    return Enterprise.objects.visible_to(viewer).select_related("township").order_by("name", "pk")


# What a row of the list page shows: not the encrypted phone, the address or the contacts.
ENTERPRISE_ROW_FIELDS = (
    "name",
    "status",
    "uscc",
    "township",
    "township__name",
    "industry_code",
    "sector",
    "is_key",
    "dust_explosion",
    "ammonia_refrigeration",
    "confined_space",
)


def enterprise_rows(enterprises: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """The list page's rows: the columns it shows, so a page of 50 neither reads nor decrypts
    the rest (issue 15)."""
    return enterprises.only(*ENTERPRISE_ROW_FIELDS)


def townships_for(user: User) -> QuerySet[Region]:
    """The townships a user may pick: its own for a township, else its county's."""
    qs = Region.objects.filter(level=RegionLevel.TOWNSHIP).order_by("code")
    if user.is_superuser:
        return qs
    org = user.organization
    if org is None:
        return qs.none()
    if org.kind == OrganizationKind.TOWNSHIP:
        return qs.filter(pk=org.region_id or 0)
    return qs.filter(parent_id=org.county_id)


def export_rows(queryset: QuerySet[Enterprise]) -> Iterator[list[Any]]:
    """Rows for the spreadsheet, read in chunks so 100k enterprises never sit in memory."""
    from safeserve.enterprises.spreadsheets import export_row

    township_names = dict(
        Region.objects.filter(level=RegionLevel.TOWNSHIP).values_list("pk", "name")
    )
    sector_labels = {value: str(label) for value, label in HighRiskSector.choices}
    for enterprise in queryset.select_related(None).iterator(chunk_size=1000):
        yield export_row(enterprise, township_names, sector_labels)
