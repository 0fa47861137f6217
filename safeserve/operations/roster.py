"""The county roster: one workbook of the county's organizations (sheet 单位) and their users
(sheet 用户), checked in the background and written all or nothing.

Every row is checked before anything is written; a refused roster leaves a row report
(sheet, row, column, value, reason) and the county exactly as it was. The new users'
temporary passwords are never stored in clear: they are encrypted with a key derived from
SECRET_KEY, downloadable once by the uploader for ten minutes, then erased.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from safeserve.accounts.models import User
from safeserve.accounts.services import ROLES_BY_KIND, user_create
from safeserve.audit.actions import register_actions
from safeserve.audit.services import audit_bulk_load, audit_record
from safeserve.common.choices import HighRiskSector
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib import uscc as uscc_lib
from safeserve.common.lib.masking import mask_phone
from safeserve.enterprises import validation as v
from safeserve.enterprises.models import Enterprise, ImportStatus
from safeserve.enterprises.services import enterprise_open_account
from safeserve.enterprises.spreadsheets import check_upload, save_as_xlsx_error
from safeserve.operations.models import RosterImport
from safeserve.organizations.access import require
from safeserve.organizations.models import (
    Organization,
    OrganizationKind,
    Region,
    Role,
    SupervisedSector,
)
from safeserve.organizations.permissions import can_manage_organizations
from safeserve.organizations.services import (
    organization_create,
    township_code,
    township_create,
    township_region_name,
)
from safeserve.providers.models import Provider
from safeserve.providers.services import provider_enrol

logger = logging.getLogger(__name__)

register_actions(
    {
        "roster.imported": gettext_lazy("Roster imported"),
        "roster.credentials_downloaded": gettext_lazy("Temporary passwords downloaded"),
    }
)

ORG_SHEET, USER_SHEET = "单位", "用户"
ORG_COLUMNS = [
    # header, key, required, width
    ("名称", "name", True, 36),
    ("类型", "kind", True, 14),
    ("统一社会信用代码", "uscc", False, 22),
    ("行政区划代码", "code", False, 14),
    ("监管行业", "sectors", False, 30),
    ("接收非高危行业重大隐患", "fallback", False, 12),
    ("地址", "address", False, 36),
    ("联系电话", "contact_phone", False, 16),
]
USER_COLUMNS = [
    ("登录名", "username", True, 18),
    ("姓名", "full_name", True, 12),
    ("手机", "phone", False, 16),
    ("单位名称", "organization", True, 36),
    ("角色", "role", True, 12),
    ("邮箱", "email", False, 26),
]
ORG_LABELS = {key: header for header, key, _r, _w in ORG_COLUMNS}
USER_LABELS = {key: header for header, key, _r, _w in USER_COLUMNS}

TOWNSHIP, SUBDISTRICT = "乡镇", "街道"
KIND_WORDS = {
    TOWNSHIP: OrganizationKind.TOWNSHIP,
    SUBDISTRICT: OrganizationKind.TOWNSHIP,
    "部门": OrganizationKind.DEPARTMENT,
    "服务机构": OrganizationKind.PROVIDER,
    "企业": OrganizationKind.ENTERPRISE,
    "第三方评估机构": OrganizationKind.EVALUATOR,
    "评估机构": OrganizationKind.EVALUATOR,
}
KIND_CHOICES = [TOWNSHIP, SUBDISTRICT, "部门", "服务机构", "企业", "第三方评估机构"]
SECTOR_ALIASES = {
    "非煤矿山": HighRiskSector.MINING,
    "煤矿": HighRiskSector.MINING,
    "工贸": HighRiskSector.METALLURGY_TRADE,
    "冶金工贸": HighRiskSector.METALLURGY_TRADE,
    "建筑": HighRiskSector.CONSTRUCTION,
    "交通运输": HighRiskSector.ROAD_TRANSPORT,
    "危险化学品": HighRiskSector.HAZARDOUS_GOODS,
    "危化品": HighRiskSector.HAZARDOUS_GOODS,
    "烟花爆竹": HighRiskSector.HAZARDOUS_GOODS,
}
ROLE_ALIASES = {"领导": Role.LEADER, "只读": Role.VIEWER, "工作人员": Role.OFFICER}
SEPARATORS = re.compile(r"[、,，;；/\s]+")
MAX_REPORTED_ERRORS = 2000
MAX_ROWS = 5000


def _zh_words(choices: Any) -> dict[str, str]:
    """Each choice by its value, its Chinese label and its English label."""
    words: dict[str, str] = {}
    for value, label in choices:
        words[value] = value
        words[str(label).lower()] = value
        with translation.override("zh-hans"):
            words[str(label)] = value
    return words


# --- Reading and checking -------------------------------------------------------------------


@dataclass
class RowReport:
    errors: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, sheet: str, row: int | str, column: str, value: Any, reason: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            shown = "" if value is None else str(value)
            self.errors.append(
                {
                    "sheet": sheet,
                    "row": row,
                    "column": column,
                    "value": shown[:100],
                    "reason": reason,
                }
            )


@dataclass
class OrgRow:
    number: int
    name: str
    kind: str
    word: str
    uscc: str = ""
    code: str = ""
    sectors: list[str] = field(default_factory=list)
    fallback: bool = False
    address: str = ""
    contact_phone: str = ""
    enterprise: Enterprise | None = None


@dataclass
class UserRow:
    number: int
    username: str
    full_name: str
    phone: str
    organization: str
    role: str
    email: str


def _sheet_rows(
    workbook: Any, sheet: str, columns: list[tuple[str, str, bool, int]], report: RowReport
) -> list[tuple[int, dict[str, Any]]]:
    if sheet not in workbook.sheetnames:
        report.add(
            sheet,
            "",
            "",
            "",
            _("The workbook has no sheet named %(sheet)s. Use the template.") % {"sheet": sheet},
        )
        return []
    rows = workbook[sheet].iter_rows(values_only=True)
    headers = [v.text(h) for h in next(rows, None) or ()]
    known = {header: key for header, key, _r, _w in columns}
    missing = [h for h, _k, required, _w in columns if required and h not in headers]
    if missing:
        report.add(
            sheet,
            1,
            "、".join(missing),
            "",
            _("Missing columns: %(cols)s. Use the template.") % {"cols": "、".join(missing)},
        )
        return []
    index = {known[h]: i for i, h in enumerate(headers) if h in known}
    result: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=2):
        if row is None or all(c is None or v.text(c) == "" for c in row):
            continue
        if len(result) >= MAX_ROWS:
            report.add(
                sheet, number, "", "", _("More than %(n)d rows; split the file.") % {"n": MAX_ROWS}
            )
            break
        result.append((number, {key: row[i] if i < len(row) else None for key, i in index.items()}))
    return result


def read_workbook(handle: IO[bytes], report: RowReport) -> tuple[list[Any], list[Any]]:
    """The raw rows of both sheets (values only; formulas are not evaluated)."""
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception:  # a damaged file: openpyxl raises XML, key or index errors
        report.add("", 1, "", "", str(save_as_xlsx_error().message))
        return [], []
    try:
        return (
            _sheet_rows(workbook, ORG_SHEET, ORG_COLUMNS, report),
            _sheet_rows(workbook, USER_SHEET, USER_COLUMNS, report),
        )
    finally:
        workbook.close()


class _Checker:
    """What checking the rows needs, loaded once per roster."""

    def __init__(self, county: Region, report: RowReport) -> None:
        self.county = county
        self.report = report
        self.sector_words = {**_zh_words(HighRiskSector.choices), **SECTOR_ALIASES}
        self.role_words = {**_zh_words(Role.choices), **ROLE_ALIASES}
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


# --- Jobs ---------------------------------------------------------------------------------


def _error(message: str) -> ApplicationError:
    return ApplicationError("invalid_upload", message, errors={"file": [message]}, status=400)


@transaction.atomic
def roster_import_create(
    *, actor: User, upload: IO[bytes], filename: str, size: int
) -> RosterImport:
    """Checks the file (size, format, zip bomb) and stores it; the caller enqueues the job."""
    require(can_manage_organizations(actor))
    org = actor.organization
    if org is None or org.county_id is None:
        raise _error(_("Only a county office imports its roster."))
    check_upload(upload, size)
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(65536), b""):
        digest.update(chunk)
    upload.seek(0)
    job = RosterImport(
        county_id=org.county_id,
        created_by=actor,
        filename=filename[:200],
        size=size,
        sha256=digest.hexdigest(),
    )
    job.file.save(f"roster-{digest.hexdigest()[:16]}.xlsx", File(upload), save=False)
    job.save()
    return job


def _set(job: RosterImport, **fields: Any) -> None:
    RosterImport.objects.filter(pk=job.pk).update(**fields)
    for key, value in fields.items():
        setattr(job, key, value)


def roster_import_run(job_id: int) -> RosterImport:
    """Checks every row of both sheets, then writes all of them in one transaction — or
    none. The uploaded file (people's phone numbers) is deleted either way."""
    job = RosterImport.objects.select_related("county", "created_by__organization").get(pk=job_id)
    if job.status != ImportStatus.QUEUED:
        return job
    try:
        return _run(job)
    except Exception:
        logger.exception("roster import %s failed", job.pk)
        _set(
            job,
            status=ImportStatus.ERROR,
            finished_at=timezone.now(),
            errors=[
                {
                    "sheet": "",
                    "row": "",
                    "column": "",
                    "value": "",
                    "reason": _(
                        "The import stopped on an internal error; nothing was imported. Try "
                        "again or tell the administrator."
                    ),
                }
            ],
            error_count=1,
        )
        return job
    finally:
        if job.file:
            job.file.delete(save=False)
            RosterImport.objects.filter(pk=job.pk).update(file="")


def _run(job: RosterImport) -> RosterImport:
    _set(job, status=ImportStatus.VALIDATING)
    report = RowReport()
    with job.file.open("rb") as handle:
        org_rows, user_rows = read_workbook(handle, report)
    _set(job, total_rows=len(org_rows) + len(user_rows))
    if not report.count and not org_rows and not user_rows:
        report.add(ORG_SHEET, 2, "", "", _("Both sheets are empty."))
    checker = _Checker(job.county, report)
    organizations = checker.organizations(org_rows)
    _set(job, processed_rows=len(org_rows))
    new_orgs = {row.name: row for row in organizations}
    # Rows refused above still name an organization users may be listed under: do not add a
    # second error for each of its users.
    for number, raw in org_rows:
        name = v.text(raw.get("name"))
        if name and name not in new_orgs and KIND_WORDS.get(v.text(raw.get("kind"))):
            new_orgs[name] = OrgRow(
                number=number, name=name, kind=KIND_WORDS[v.text(raw.get("kind"))], word=""
            )
    users = checker.users(user_rows, new_orgs)
    _set(job, processed_rows=job.total_rows)
    if report.count:
        _set(
            job,
            status=ImportStatus.FAILED,
            errors=report.errors,
            error_count=report.count,
            finished_at=timezone.now(),
        )
        return job
    try:
        credentials = _write(job, organizations, users)
    except ApplicationError as exc:  # changed since it was checked (e.g. a name taken meanwhile)
        report.add("", "", "", "", str(exc.message))
        _set(
            job,
            status=ImportStatus.FAILED,
            errors=report.errors,
            error_count=report.count,
            finished_at=timezone.now(),
        )
        return job
    now = timezone.now()
    _set(
        job,
        status=ImportStatus.SUCCEEDED,
        organizations_created=len(organizations),
        users_created=len(users),
        finished_at=now,
        credentials=_fernet().encrypt(json.dumps(credentials, ensure_ascii=False).encode())
        if credentials
        else None,
        credentials_expire_at=now + timedelta(minutes=RosterImport.CREDENTIALS_MINUTES)
        if credentials
        else None,
    )
    return job


@transaction.atomic
def _write(
    job: RosterImport, organizations: list[OrgRow], users: list[UserRow]
) -> list[dict[str, str]]:
    actor = job.created_by
    created: dict[str, Organization] = {}
    for row in organizations:
        if row.kind == OrganizationKind.TOWNSHIP:
            org = township_create(
                actor=actor,
                county=job.county,
                code=row.code,
                name=township_region_name(row.name, job.county),
                organization_name=row.name,
            )
        elif row.kind == OrganizationKind.ENTERPRISE:
            assert row.enterprise is not None
            org = enterprise_open_account(actor=actor, enterprise=row.enterprise)
        else:
            org = organization_create(
                actor=actor,
                name=row.name,
                kind=row.kind,
                county=job.county,
                sectors=row.sectors,
                is_fallback_department=row.fallback,
                address=row.address,
                contact_phone=row.contact_phone,
            )
            if row.kind == OrganizationKind.PROVIDER:
                provider_enrol(actor=actor, organization=org, uscc=row.uscc)
        created[row.name] = org
    existing = {o.name: o for o in Organization.objects.filter(county=job.county)}
    credentials: list[dict[str, str]] = []
    for user_row in users:
        org = created.get(user_row.organization) or existing[user_row.organization]
        user, temporary = user_create(
            actor=actor,
            organization=org,
            username=user_row.username,
            full_name=user_row.full_name,
            role=user_row.role,
            phone=user_row.phone,
            email=user_row.email,
        )
        assert temporary is not None
        credentials.append(
            {
                "username": user.username,
                "full_name": user.full_name,
                "organization": org.name,
                "role": str(Role(user.role).label),
                "password": temporary,
            }
        )
    audit_bulk_load(
        action="roster.imported",
        actor=actor,
        county_id=job.county_id,
        count=len(organizations) + len(users),
        checksum=job.sha256,
        description=f"roster {job.pk}: {len(organizations)} organizations, {len(users)} users",
    )
    return credentials


# --- The one-time download of temporary passwords ----------------------------------------


def _fernet() -> Fernet:
    """A key of its own, derived from SECRET_KEY: rotating SECRET_KEY makes pending
    downloads unreadable, which only means resetting those passwords."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"safeserve roster credentials"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def roster_credentials_take(*, actor: User, job: RosterImport) -> list[dict[str, str]]:
    """The temporary passwords, once, to the uploader, within the ten minutes; erased as
    they are handed out, or as soon as someone finds them expired."""
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=job.pk)
        if locked.created_by_id != actor.pk:
            raise ApplicationError(
                "not_uploader",
                _("Only the person who uploaded the roster can download its temporary passwords."),
                status=403,
            )
        rows = None
        if locked.credentials_available:
            try:
                rows = json.loads(_fernet().decrypt(bytes(locked.credentials or b"")))
            except InvalidToken:  # SECRET_KEY changed since: unreadable for good
                rows = None
        _erase(locked, downloaded=rows is not None)
        if rows is not None:
            audit_record(
                action="roster.credentials_downloaded",
                actor=actor,
                obj=locked,
                county_id=locked.county_id,
                after={"count": len(rows)},
            )
            return list(rows)
    # Outside the transaction, so the erasure above stays committed.
    raise ApplicationError(
        "credentials_gone",
        _(
            "The temporary passwords were already downloaded or their ten minutes have "
            "passed; reset the password of each user who still needs one."
        ),
        status=410,
    )


def _erase(job: RosterImport, downloaded: bool = False) -> None:
    fields: dict[str, Any] = {"credentials": None}
    if downloaded:
        fields["credentials_downloaded_at"] = timezone.now()
    _set(job, **fields)


def roster_credentials_purge() -> int:
    """Erases every pending download past its ten minutes (``run_daily`` and each page
    visit call it), so nothing outlives its window even if never fetched."""
    return RosterImport.objects.filter(
        credentials__isnull=False, credentials_expire_at__lte=timezone.now()
    ).update(credentials=None)


# --- The template ---------------------------------------------------------------------------


def template_workbook(county: Region) -> Workbook:
    workbook = Workbook()
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")

    def sheet_with(title: str, columns: list[tuple[str, str, bool, int]], first: bool) -> Any:
        sheet = workbook.active if first else workbook.create_sheet(title)
        sheet.title = title
        for index, (header, _key, required, width) in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=header)
            cell.font = bold
            if required:
                cell.fill = required_fill
            sheet.column_dimensions[cell.column_letter].width = width
            for row in range(2, 502):  # text, so codes keep their digits
                sheet.cell(row=row, column=index).number_format = "@"
        sheet.freeze_panes = "A2"
        return sheet

    orgs = sheet_with(ORG_SHEET, ORG_COLUMNS, True)
    kinds = DataValidation(type="list", formula1='"' + ",".join(KIND_CHOICES) + '"')
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    orgs.add_data_validation(kinds)
    orgs.add_data_validation(yes_no)
    kinds.add("B2:B501")
    yes_no.add("F2:F501")
    users = sheet_with(USER_SHEET, USER_COLUMNS, False)
    with translation.override("zh-hans"):
        role_labels = [str(label) for _v, label in Role.choices]
        sector_labels = [str(label) for _v, label in HighRiskSector.choices]
    roles = DataValidation(type="list", formula1='"' + ",".join(role_labels) + '"')
    users.add_data_validation(roles)
    roles.add("E2:E501")
    notes = workbook.create_sheet("填写说明")
    lines = [
        "黄色列为必填。“单位”表每行一个单位，“用户”表每行一个用户；只有全部行都正确时才会导入，"
        "有错误时一行也不写入，并给出逐行错误报告。",
        f"类型：{'、'.join(KIND_CHOICES)}。",
        f"乡镇、街道：填写 9 位统计用区划代码，以本县代码 {county.code} 开头"
        "（12 位且以 000 结尾的代码会自动截为 9 位）。",
        "服务机构、企业：填写 18 位统一社会信用代码（保持“文本”格式）；企业须已在企业名录中。",
        f"部门：监管行业填写以下一项或多项，用顿号分隔：{'、'.join(sector_labels)}；"
        "每个行业只能由一个部门监管。",
        "接收非高危行业重大隐患：全县只能有一个部门填“是”（通常为应急管理局）。",
        "用户的单位名称须与“单位”表或系统中已有单位的名称完全一致。",
        f"角色：{'、'.join(role_labels)}；专家只属于服务机构。",
        "导入成功后，新用户的临时密码可在 10 分钟内下载一次；每位用户首次登录时须修改密码。",
    ]
    for row, line in enumerate(lines, start=1):
        notes.cell(row=row, column=1, value=line)
    notes.column_dimensions["A"].width = 120
    return workbook


def credentials_rows(rows: list[dict[str, str]]) -> Iterator[list[str]]:
    for row in rows:
        yield [row["username"], row["full_name"], row["organization"], row["role"], row["password"]]


CREDENTIAL_HEADERS = ["登录名", "姓名", "单位", "角色", "临时密码"]
ERROR_HEADERS = ["工作表", "行号", "列", "填写的值", "原因"]
