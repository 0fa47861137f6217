"""Checking every row of the roster against the county before anything is written."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.validators import ASCIIUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from safeserve.accounts.models import User
from safeserve.accounts.services import ROLES_BY_KIND
from safeserve.common.choices import HighRiskSector
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib import uscc as uscc_lib
from safeserve.common.lib.masking import mask_phone
from safeserve.enterprises import validation as v
from safeserve.enterprises.models import Enterprise
from safeserve.operations.roster.sheets import (
    KIND_CHOICES,
    KIND_WORDS,
    ORG_LABELS,
    ORG_SHEET,
    ROLE_ALIASES,
    SECTOR_ALIASES,
    SEPARATORS,
    USER_LABELS,
    USER_SHEET,
    OrgRow,
    RowReport,
    UserRow,
    zh_words,
)
from safeserve.organizations.models import (
    Organization,
    OrganizationKind,
    Region,
    Role,
    SupervisedSector,
)
from safeserve.organizations.services import (
    township_code,
    township_region_name,
)
from safeserve.providers.models import Provider


class Checker:
    """What checking the rows needs, loaded once per roster."""

    def __init__(self, county: Region, report: RowReport) -> None:
        self.county = county
        self.report = report
        self.sector_words = {**zh_words(HighRiskSector.choices), **SECTOR_ALIASES}
        self.role_words = {**zh_words(Role.choices), **ROLE_ALIASES}
        self.existing = {
            org.name: org for org in Organization.objects.filter(county=county, is_active=True)
        }
        self.taken_names = set(
            Organization.objects.filter(county=county).values_list("name", flat=True)
        )
        self.taken_sectors = {
            s.sector: s.organization.name
            for s in SupervisedSector.objects.filter(county=county).select_related("organization")
        }
        self.fallback = (
            Organization.objects.filter(county=county, is_fallback_department=True)
            .values_list("name", flat=True)
            .first()
        )

    def org_fail(self, number: int, key: str, value: Any, reason: str) -> None:
        self.report.add(ORG_SHEET, number, ORG_LABELS[key], value, reason)

    def user_fail(self, number: int, key: str, value: Any, reason: str) -> None:
        shown = mask_phone(v.text(value)) if key == "phone" else value
        self.report.add(USER_SHEET, number, USER_LABELS[key], shown, reason)

    # --- 单位 ---

    def organizations(self, rows: list[tuple[int, dict[str, Any]]]) -> list[OrgRow]:
        parsed: list[OrgRow] = []
        names: dict[str, int] = {}
        codes: dict[str, int] = {}
        usccs: dict[str, int] = {}
        sectors: dict[str, int] = {}
        fallback_row: int | None = None
        for number, raw in rows:
            before = self.report.count
            row = self._organization(number, raw)
            if row is None:
                continue
            for key, value, seen in (
                ("name", row.name, names),
                ("code", row.code, codes),
                ("uscc", row.uscc, usccs),
            ):
                if value and value in seen:
                    self.org_fail(
                        number, key, value, _("Same as row %(row)d.") % {"row": seen[value]}
                    )
                elif value:
                    seen[value] = number
            for sector in row.sectors:
                if sector in sectors:
                    self.org_fail(
                        number,
                        "sectors",
                        HighRiskSector(sector).label,
                        _("Row %(row)d already supervises this sector; each sector has one.")
                        % {"row": sectors[sector]},
                    )
                sectors.setdefault(sector, number)
            if row.fallback:
                if fallback_row is not None:
                    self.org_fail(
                        number,
                        "fallback",
                        "是",
                        _("Row %(row)d already receives them; only one department may.")
                        % {"row": fallback_row},
                    )
                fallback_row = fallback_row or number
            if self.report.count == before:
                parsed.append(row)
        return parsed

    def _organization(self, number: int, raw: dict[str, Any]) -> OrgRow | None:
        before = self.report.count
        try:
            name = v.limit(v.text(raw.get("name")), 120)
        except ValidationError as exc:
            self.org_fail(number, "name", raw.get("name"), exc.messages[0])
            name = ""
        if not name and self.report.count == before:
            self.org_fail(number, "name", "", _("The name is missing."))
        elif name in self.taken_names:
            self.org_fail(
                number,
                "name",
                name,
                _("An organization with this name already exists in the county."),
            )
        word = v.text(raw.get("kind"))
        kind = KIND_WORDS.get(word)
        if kind is None:
            self.org_fail(
                number,
                "kind",
                word,
                _("Write one of: %(kinds)s.") % {"kinds": "、".join(KIND_CHOICES)},
            )
            return None
        row = OrgRow(number=number, name=name, kind=kind, word=word)
        for key, length in (("address", 200), ("contact_phone", 30)):
            try:
                value = v.limit(v.text(raw.get(key)), length)
                if key == "contact_phone":
                    value = v.validate_phone(value)
                setattr(row, key, value)
            except ValidationError as exc:
                self.org_fail(number, key, raw.get(key), exc.messages[0])
        self._check_kind_columns(row, raw)
        return row if self.report.count == before else None

    def _check_kind_columns(self, row: OrgRow, raw: dict[str, Any]) -> None:
        number, kind = row.number, row.kind
        code = v.text(raw.get("code"))
        uscc = raw.get("uscc")
        sectors = v.text(raw.get("sectors"))
        fallback = v.text(raw.get("fallback"))
        if kind == OrganizationKind.TOWNSHIP:
            try:
                row.code = township_code(code, self.county)
            except ApplicationError as exc:
                self.org_fail(number, "code", code, str(exc.message))
            else:
                region_name = township_region_name(row.name, self.county)
                if Region.objects.filter(code=row.code).exists():
                    self.org_fail(number, "code", code, _("This region code is already in use."))
                elif Region.objects.filter(parent=self.county, name=region_name).exists():
                    self.org_fail(
                        number,
                        "name",
                        row.name,
                        _("The county already has a township named %(name)s.")
                        % {"name": region_name},
                    )
        elif code:
            self.org_fail(number, "code", code, _("Only a township or subdistrict has a code."))
        if kind in (OrganizationKind.PROVIDER, OrganizationKind.ENTERPRISE):
            self._check_uscc(row, uscc)
        elif v.text(uscc):
            self.org_fail(
                number,
                "uscc",
                uscc,
                _("Only providers and enterprises are listed with their credit code here."),
            )
        if kind == OrganizationKind.DEPARTMENT:
            self._check_sectors(row, sectors, fallback)
        elif sectors or fallback.lower() not in v.NO:
            self.org_fail(
                number,
                "sectors" if sectors else "fallback",
                sectors or fallback,
                _("Only a county department supervises sectors."),
            )

    def _check_uscc(self, row: OrgRow, cell: Any) -> None:
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            self.org_fail(
                row.number,
                "uscc",
                cell,
                _(
                    "Excel stored this code as a number and lost digits; set the "
                    "column to Text and type the code again."
                ),
            )
            return
        try:
            row.uscc = uscc_lib.validate(cell)
        except uscc_lib.USCCError as exc:
            self.org_fail(row.number, "uscc", cell, str(exc))
            return
        if row.kind == OrganizationKind.PROVIDER:
            # The provider register is public (DESIGN.md: public pages list providers).
            if Provider.objects.filter(uscc=row.uscc).exists():
                self.org_fail(
                    row.number,
                    "uscc",
                    row.uscc,
                    _(
                        "This provider is already registered on the platform; admit it to the "
                        "county's register on the Providers page instead of creating it again."
                    ),
                )
            return
        enterprise = Enterprise.objects.filter(county=self.county, uscc=row.uscc).first()
        if enterprise is None:
            self.org_fail(
                row.number,
                "uscc",
                row.uscc,
                _(
                    "No enterprise of the county's directory has this code; import the "
                    "enterprise directory first."
                ),
            )
        elif enterprise.organization_id is not None:
            self.org_fail(
                row.number,
                "uscc",
                row.uscc,
                _("This enterprise already has its login organization; add users to it."),
            )
        else:
            row.enterprise = enterprise

    def _check_sectors(self, row: OrgRow, sectors: str, fallback: str) -> None:
        for word in (w for w in SEPARATORS.split(sectors) if w):
            sector = self.sector_words.get(word) or self.sector_words.get(word.lower())
            if sector is None:
                self.org_fail(
                    row.number,
                    "sectors",
                    word,
                    _("Unknown sector; write some of: %(sectors)s.")
                    % {"sectors": "、".join(str(label) for _v, label in HighRiskSector.choices)},
                )
            elif sector in self.taken_sectors:
                self.org_fail(
                    row.number,
                    "sectors",
                    word,
                    _("%(org)s already supervises this sector.")
                    % {"org": self.taken_sectors[sector]},
                )
            elif sector not in row.sectors:
                row.sectors.append(sector)
        try:
            row.fallback = v.parse_yes_no(fallback)
        except ValidationError as exc:
            self.org_fail(row.number, "fallback", fallback, exc.messages[0])
            return
        if row.fallback and self.fallback:
            self.org_fail(
                row.number,
                "fallback",
                fallback,
                _("%(org)s already receives them; only one department may.")
                % {"org": self.fallback},
            )

    # --- 用户 ---

    def users(
        self, rows: list[tuple[int, dict[str, Any]]], new_orgs: dict[str, OrgRow]
    ) -> list[UserRow]:
        parsed: list[UserRow] = []
        seen: dict[str, int] = {}
        wanted = [v.text(raw.get("username")).lower() for _n, raw in rows]
        # Login names differing only in case are the same person to a clerk reading them out.
        taken = set(
            User.objects.annotate(lower=Lower("username"))
            .filter(lower__in=[u for u in wanted if u])
            .values_list("lower", flat=True)
        )
        for number, raw in rows:
            before = self.report.count
            username = v.text(raw.get("username"))
            if not username:
                self.user_fail(number, "username", "", _("The login name is missing."))
            else:
                try:
                    ASCIIUsernameValidator()(username)
                    v.limit(username, 60)
                except ValidationError as exc:
                    self.user_fail(number, "username", username, exc.messages[0])
                else:
                    if username.lower() in taken:
                        self.user_fail(
                            number, "username", username, _("This login name is already taken.")
                        )
                    elif username.lower() in seen:
                        self.user_fail(
                            number,
                            "username",
                            username,
                            _("Same as row %(row)d.") % {"row": seen[username.lower()]},
                        )
                    seen.setdefault(username.lower(), number)
            values: dict[str, str] = {}
            for key, length in (("full_name", 60), ("phone", 20), ("email", 254)):
                try:
                    values[key] = v.limit(v.text(raw.get(key)), length)
                except ValidationError as exc:
                    self.user_fail(number, key, raw.get(key), exc.messages[0])
                    values[key] = ""
            if not values["full_name"] and self.report.count == before:
                self.user_fail(number, "full_name", "", _("The name is missing."))
            if values["phone"]:
                try:
                    v.validate_phone(values["phone"])
                except ValidationError as exc:
                    self.user_fail(number, "phone", values["phone"], exc.messages[0])
            if values["email"]:
                try:
                    validate_email(values["email"])
                except ValidationError:
                    self.user_fail(
                        number, "email", values["email"], _("Enter a valid email address.")
                    )
            org_name = v.text(raw.get("organization"))
            kind = self._organization_kind(org_name, new_orgs)
            if not org_name:
                self.user_fail(number, "organization", "", _("The organization is missing."))
            elif kind is None:
                self.user_fail(
                    number,
                    "organization",
                    org_name,
                    _(
                        "No organization of the county has this name, and the sheet 单位 does "
                        "not list it. Write the name exactly as it is there."
                    ),
                )
            role_word = v.text(raw.get("role"))
            role = self.role_words.get(role_word) or self.role_words.get(role_word.lower())
            if role is None:
                self.user_fail(
                    number,
                    "role",
                    role_word,
                    _("Write one of: %(roles)s.") % {"roles": "、".join(self._labels(Role.values))},
                )
            elif kind is not None and role not in ROLES_BY_KIND.get(kind, []):
                self.user_fail(
                    number,
                    "role",
                    role_word,
                    _("A %(kind)s has no such role; its roles are %(roles)s.")
                    % {
                        "kind": OrganizationKind(kind).label,
                        "roles": "、".join(self._labels(ROLES_BY_KIND[kind])),
                    },
                )
            if self.report.count == before:
                parsed.append(
                    UserRow(
                        number=number,
                        username=username,
                        full_name=values["full_name"],
                        phone=values["phone"],
                        organization=org_name,
                        role=str(role),
                        email=values["email"],
                    )
                )
        return parsed

    def _organization_kind(self, name: str, new_orgs: dict[str, OrgRow]) -> str | None:
        if name in new_orgs:
            return new_orgs[name].kind
        existing = self.existing.get(name)
        return existing.kind if existing is not None else None

    @staticmethod
    def _labels(roles: list[str]) -> list[str]:
        return [str(Role(role).label) for role in roles]
