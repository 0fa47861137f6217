"""Enterprise import jobs: upload → background validation of every row → all-or-nothing write.

Nothing is written unless every row is valid; a refused import leaves a row report (row,
column, value, reason) and the directory exactly as it was.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from safeserve.audit.services import audit_bulk_load
from safeserve.common.access import require
from safeserve.common.choices import ImportStatus
from safeserve.common.db.bulk import insert_select
from safeserve.common.exceptions import ApplicationError
from safeserve.common.lib.masking import mask_phone, mask_value
from safeserve.common.lib.pinyin import initials_index
from safeserve.enterprises import validation as v
from safeserve.enterprises.industry import SectorResolver, division_sections
from safeserve.enterprises.models import Enterprise, ImportJob
from safeserve.enterprises.permissions import can_import_enterprises
from safeserve.enterprises.spreadsheets import (
    HEADERS,
    REQUIRED,
    check_upload,
    save_as_xlsx_error,
)
from safeserve.organizations.models import OrganizationKind, Region, RegionLevel

if TYPE_CHECKING:
    from safeserve.accounts.models import User

logger = logging.getLogger(__name__)
Row = tuple[int, dict[str, Any]]  # the sheet's row number and its cells by field
PROGRESS_EVERY = 100
MAX_REPORTED_ERRORS = 2000
FIELD_LABELS = {key: header for header, key in HEADERS.items()}
WRITE_FIELDS = [
    "name",
    "township",
    "industry_code",
    "sector",
    "legal_representative",
    "address",
    "is_key",
    "dust_explosion",
    "ammonia_refrigeration",
    "confined_space",
    "employees",
    "contact_name",
    "contact_phone",
    "status",
    "pinyin_initials",
]
PHONE = Enterprise._meta.get_field("contact_phone")
MAX_LENGTHS = {"name": 120, "legal_representative": 40, "address": 200, "contact_name": 40}


@transaction.atomic
def import_job_create(*, actor: User, upload: IO[bytes], filename: str, size: int) -> ImportJob:
    """Checks the file (size, format, zip bomb) and queues it. The caller enqueues the task."""
    require(can_import_enterprises(actor))
    check_upload(upload, size)
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(65536), b""):
        digest.update(chunk)
    upload.seek(0)
    org = actor.organization
    assert org is not None and org.county_id is not None
    job = ImportJob(
        county_id=org.county_id,
        organization=org,
        created_by=actor,
        filename=filename[:200],
        size=size,
        sha256=digest.hexdigest(),
    )
    job.file.save(f"enterprises-{digest.hexdigest()[:16]}.xlsx", File(upload), save=False)
    job.save()
    return job


@dataclass
class RowReport:
    errors: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, row: int, column: str, value: Any, reason: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            shown = "" if value is None else str(value)
            self.errors.append(
                {"row": row, "column": column, "value": shown[:100], "reason": reason}
            )


class _Context:
    """What validating one row needs, loaded once per job."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        org = job.organization
        townships = Region.objects.filter(parent_id=job.county_id, level=RegionLevel.TOWNSHIP)
        self.townships_by_key: dict[str, Region] = {}
        for township in townships:
            self.townships_by_key[township.name] = township
            self.townships_by_key[township.code] = township
        self.own_township_id = org.region_id if org.kind == OrganizationKind.TOWNSHIP else None
        self.divisions = division_sections()
        self.resolver = SectorResolver(job.county_id)
        self.seen: dict[str, int] = {}


class MaskedPhone(str):
    """A phone cell as exports write it (138****5678)."""


def _parse_row(
    ctx: _Context, number: int, raw: dict[str, Any], report: RowReport
) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    before = report.count

    def fail(key: str, value: Any, reason: str) -> None:
        # The report is shown on pages, in the API and in a download: phones leave masked.
        report.add(number, FIELD_LABELS[key], mask_value(key, value), reason)

    for key in ("name", "legal_representative", "address", "contact_name"):
        try:
            values[key] = v.limit(v.text(raw.get(key)), MAX_LENGTHS[key])
        except ValidationError as exc:
            fail(key, raw.get(key), exc.messages[0])
    if values.get("name") == "":
        fail("name", raw.get("name"), _("The enterprise name is missing."))

    cell = raw.get("uscc")
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        fail(
            "uscc",
            cell,
            _(
                "Excel stored this code as a number and lost digits; set the "
                "column to Text and type the code again."
            ),
        )
    else:
        try:
            values["uscc"] = v.validate_uscc(cell)
        except ValidationError as exc:
            fail("uscc", cell, exc.messages[0])
        else:
            first = ctx.seen.get(values["uscc"])
            if first is not None:
                fail("uscc", cell, _("Same code as row %(row)d.") % {"row": first})
            else:
                ctx.seen[values["uscc"]] = number

    township_key = v.text(raw.get("township"))
    township = ctx.townships_by_key.get(township_key)
    if not township_key:
        fail("township", township_key, _("The township is missing."))
    elif township is None:
        fail("township", township_key, _("No township of this county has this name or code."))
    elif ctx.own_township_id is not None and township.pk != ctx.own_township_id:
        fail(
            "township",
            township_key,
            _("A township imports only the enterprises of its own jurisdiction."),
        )
    else:
        values["township"] = township

    try:
        values["industry_code"] = v.validate_industry_code(raw.get("industry_code"), ctx.divisions)
    except ValidationError as exc:
        fail("industry_code", raw.get("industry_code"), exc.messages[0])

    for key in ("is_key", "dust_explosion", "ammonia_refrigeration", "confined_space"):
        try:
            values[key] = v.parse_yes_no(raw.get(key))
        except ValidationError as exc:
            fail(key, raw.get(key), exc.messages[0])
    try:
        values["employees"] = v.parse_employees(raw.get("employees"))
    except ValidationError as exc:
        fail("employees", raw.get("employees"), exc.messages[0])
    phone = raw.get("contact_phone")
    if "*" in str(phone or ""):
        # As every export writes it: kept as the stored number if it is that number's mask
        # (checked once the existing enterprises are read, in _keep_masked_phones).
        values["contact_phone"] = MaskedPhone(str(phone).strip())
    else:
        try:
            values["contact_phone"] = v.validate_phone(phone)
        except ValidationError as exc:
            fail("contact_phone", phone, exc.messages[0])
    try:
        values["status"] = v.parse_status(raw.get("status"))
    except ValidationError as exc:
        fail("status", raw.get("status"), exc.messages[0])
    return values if report.count == before else None


@contextmanager
def _sheet(job: ImportJob, report: RowReport) -> Iterator[tuple[Iterator[Row], int]]:
    """The sheet's rows, read as values one at a time (openpyxl read-only mode, formulas
    not evaluated), and how many the sheet says it has; a missing column is reported and
    gives no rows. Nothing holds the whole sheet: an import of 30k rows once kept every
    raw row beside its parsed values (issue 15)."""
    job.file.open("rb")
    workbook = None
    try:
        try:
            workbook = load_workbook(job.file, read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header_row = next(rows, None) or ()
        except Exception:  # a damaged file: openpyxl raises XML, key or index errors
            report.add(1, "", "", str(save_as_xlsx_error().message))
            yield iter(()), 0
            return
        headers = [v.text(h) for h in header_row]
        missing = [h for h in REQUIRED if h not in headers]
        if missing:
            report.add(
                1,
                "、".join(missing),
                "",
                _("Missing columns: %(cols)s. Use the template.") % {"cols": "、".join(missing)},
            )
            yield iter(()), 0
            return
        index = {HEADERS[h]: i for i, h in enumerate(headers) if h in HEADERS}
        estimate = max(0, min((sheet.max_row or 1) - 1, settings.IMPORT_MAX_ROWS))
        yield _values(rows, index, report), estimate
    finally:
        if workbook is not None:
            workbook.close()
        job.file.close()


def _values(
    rows: Iterator[tuple[Any, ...]], index: dict[str, int], report: RowReport
) -> Iterator[Row]:
    kept = 0
    for number, row in enumerate(rows, start=2):
        if row is None or all(c is None or v.text(c) == "" for c in row):
            continue
        if kept >= settings.IMPORT_MAX_ROWS:
            report.add(
                number,
                "",
                "",
                _("More than %(n)d rows; split the file.") % {"n": settings.IMPORT_MAX_ROWS},
            )
            return
        kept += 1
        yield number, {key: row[i] if i < len(row) else None for key, i in index.items()}


def import_job_run(job_id: int) -> ImportJob:
    """Validates every row, then writes all of them in one short transaction — or none."""
    job = ImportJob.objects.select_related(
        "organization", "created_by", "created_by__organization"
    ).get(pk=job_id)
    if job.status != ImportStatus.QUEUED:
        return job
    try:
        return _run(job)
    except Exception:
        logger.exception("enterprise import %s failed", job.pk)
        job.stop_on_internal_error()
        return job


def _run(job: ImportJob) -> ImportJob:
    job.set_progress(status=ImportStatus.VALIDATING)
    report = RowReport()
    ctx = _Context(job)
    rows: _HeldRows | _StagedRows = (
        _StagedRows(job, ctx.resolver)
        if connection.vendor == "postgresql"
        else _HeldRows(job, ctx.resolver)
    )
    try:
        total = _parse_sheet(job, ctx, rows, report)
        if total == 0 and not report.count:
            report.add(2, "", "", _("The sheet has no enterprise rows."))
        # Codes already registered: update them if the importer may edit them, else refuse
        # the row without saying anything about the existing enterprise (R14); a masked
        # phone only against a record the importer may edit.
        rows.check(report)
        if report.count:
            job.set_progress(
                status=ImportStatus.FAILED,
                errors=sorted(report.errors, key=lambda error: error["row"]),
                error_count=report.count,
                finished_at=timezone.now(),
            )
            return job
        created, updated = _write(job, rows)
    finally:
        rows.close()
    job.set_progress(
        status=ImportStatus.SUCCEEDED,
        created_count=created,
        updated_count=updated,
        finished_at=timezone.now(),
    )
    return job


def _parse_sheet(
    job: ImportJob, ctx: _Context, rows: _HeldRows | _StagedRows, report: RowReport
) -> int:
    """Checks each row as it is read; the valid ones go to ``rows``. Returns how many."""
    total = 0
    try:
        with _sheet(job, report) as (sheet_rows, estimate):
            job.set_progress(total_rows=estimate)
            for total, (number, raw) in enumerate(sheet_rows, start=1):
                values = _parse_row(ctx, number, raw, report)
                if values is not None:
                    rows.add(number, values)
                if total % PROGRESS_EVERY == 0:
                    job.set_progress(processed_rows=min(total, estimate) if estimate else total)
    except Exception:  # a damaged workbook that passed the zip checks
        logger.info("unreadable workbook in import %s", job.pk, exc_info=True)
        total = 0
        rows.clear()
        report.add(
            1,
            "",
            "",
            _(
                "The file cannot be read as a spreadsheet. Save it again from "
                "Excel or WPS as .xlsx."
            ),
        )
    job.set_progress(total_rows=total, processed_rows=total)
    return total


def _refuse_taken(report: RowReport, number: int, uscc: str) -> None:
    report.add(
        number,
        FIELD_LABELS["uscc"],
        uscc,
        _(
            "This code is already registered by another unit; it cannot be "
            "imported here. Ask the county work-safety office."
        ),
    )


def _refuse_masked(report: RowReport, number: int, masked: str) -> None:
    """A masked phone keeps the enterprise's stored number when it is that number's mask, so
    an exported file re-imports unchanged; anything else cannot be told from a typo and is
    refused, naming the cell (masking stays as it is everywhere)."""
    report.add(
        number,
        FIELD_LABELS["contact_phone"],
        masked,
        _(
            "This phone number is masked and is not the one on record; type the full "
            "number, or leave the cell as exported to keep the stored one."
        ),
    )


def _columns(values: dict[str, Any], resolver: SectorResolver, overridden: bool) -> list[Any]:
    """The row's WRITE_FIELDS as stored (the phone sealed, the sector derived unless a person
    set it, the pinyin of the name). A masked phone is stored as NULL here: the check puts
    the enterprise's own sealed number in its place."""
    row = {**values}
    row["township"] = values["township"].pk
    row["sector"] = "" if overridden else resolver.sector_for(values["industry_code"])
    row["pinyin_initials"] = initials_index(values["name"])
    phone = values["contact_phone"]
    row["contact_phone"] = (
        None if isinstance(phone, MaskedPhone) else PHONE.get_db_prep_save(phone, connection)
    )
    return [row[name] for name in WRITE_FIELDS]


WRITE_COLUMNS = [Enterprise._meta.get_field(name).attname for name in WRITE_FIELDS]  # type: ignore[union-attr]


class _HeldRows:
    """The valid rows held in memory until the checks and the write (SQLite, for development
    and tests; PostgreSQL stages them: ``_StagedRows``)."""

    def __init__(self, job: ImportJob, resolver: SectorResolver) -> None:
        self.job, self.resolver = job, resolver
        self.parsed: list[Row] = []
        self.existing: dict[str, Enterprise] = {}

    def add(self, number: int, values: dict[str, Any]) -> None:
        self.parsed.append((number, values))

    def clear(self) -> None:
        self.parsed = []

    def close(self) -> None:
        self.parsed = []

    def check(self, report: RowReport) -> None:
        job = self.job
        codes = [values["uscc"] for _n, values in self.parsed]
        self.existing = {
            e.uscc: e
            for e in Enterprise.objects.filter(uscc__in=codes).only(
                "pk", "uscc", "county_id", "contact_phone", "sector", "sector_overridden"
            )
        }
        visible = set(
            Enterprise.objects.visible_to(job.created_by)
            .filter(uscc__in=codes)
            .values_list("uscc", flat=True)
        )
        for number, values in self.parsed:
            found = self.existing.get(values["uscc"])
            if found is not None and (
                found.uscc not in visible or found.county_id != job.county_id
            ):
                _refuse_taken(report, number, values["uscc"])
                continue
            masked = values.get("contact_phone")
            if not isinstance(masked, MaskedPhone):
                continue
            phone = found.contact_phone if found is not None else ""
            if phone and mask_phone(phone) == masked:
                values["contact_phone"] = phone
            else:
                _refuse_masked(report, number, str(masked))

    def write(self) -> tuple[int, int]:
        new: list[Enterprise] = []
        changed: list[Enterprise] = []
        for _number, values in self.parsed:
            enterprise = self.existing.get(values["uscc"]) or Enterprise(
                county_id=self.job.county_id, uscc=values["uscc"]
            )
            for key, value in values.items():
                if key != "uscc":
                    setattr(enterprise, key, value)
            if not enterprise.sector_overridden:
                enterprise.sector = self.resolver.sector_for(enterprise.industry_code)
            enterprise.pinyin_initials = initials_index(enterprise.name)
            (changed if enterprise.pk else new).append(enterprise)
        now = timezone.now()
        for enterprise in changed:
            enterprise.updated_at = now
        Enterprise.objects.bulk_create(new, batch_size=1000)
        Enterprise.objects.bulk_update(changed, [*WRITE_FIELDS, "updated_at"], batch_size=1000)
        return len(new), len(changed)


STAGE = "enterprise_import_stage"


class _StagedRows:
    """PostgreSQL: each valid row goes, as it is read, into a temporary table already in the
    form it is stored in (sealed phone, derived sector, pinyin); the checks are joins against
    the directory, and the write one ``INSERT … SELECT`` and one ``UPDATE … FROM``. Memory
    stays flat in the row count: nothing of a row is kept once it is staged (issue 15)."""

    BATCH = 1000

    def __init__(self, job: ImportJob, resolver: SectorResolver) -> None:
        self.job, self.resolver = job, resolver
        self.batch: list[list[Any]] = []
        quoted = ", ".join(connection.ops.quote_name(c) for c in WRITE_COLUMNS)
        self.columns = quoted
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            # identifiers from the model; the values travel by COPY
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE} AS SELECT 0 AS row_number, "  # noqa: S608
                f"'' AS masked_phone, uscc, {quoted} FROM enterprises_enterprise WITH NO DATA"
            )
            cursor.execute(f"CREATE UNIQUE INDEX ON {STAGE} (uscc)")

    def add(self, number: int, values: dict[str, Any]) -> None:
        phone = values["contact_phone"]
        masked = str(phone) if isinstance(phone, MaskedPhone) else ""
        self.batch.append([number, masked, values["uscc"], *_columns(values, self.resolver, False)])
        if len(self.batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.batch:
            return
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {STAGE} (row_number, masked_phone, uscc, {self.columns}) FROM STDIN"
            ) as copy,
        ):
            for row in self.batch:
                copy.write_row(row)
        self.batch = []

    def clear(self) -> None:
        self.batch = []
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {STAGE}")

    def close(self) -> None:
        self.batch = []
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")

    def check(self, report: RowReport) -> None:
        self._flush()
        job = self.job
        visible, params = (
            Enterprise.objects.visible_to(job.created_by).values("pk").query.sql_with_params()
        )
        with connection.cursor() as cursor:
            # identifiers ours; the scope's own SQL with its parameters
            cursor.execute(
                f"SELECT s.row_number, s.uscc FROM {STAGE} s "  # noqa: S608
                "JOIN enterprises_enterprise e ON e.uscc = s.uscc "
                f"WHERE e.county_id <> %s OR e.id NOT IN ({visible}) ORDER BY s.row_number",
                [job.county_id, *params],
            )
            taken = cursor.fetchall()
            for number, uscc in taken:
                _refuse_taken(report, number, uscc)
            refused = {number for number, _uscc in taken}
            cursor.execute(
                f"SELECT s.row_number, s.masked_phone, e.contact_phone FROM {STAGE} s "  # noqa: S608
                "LEFT JOIN enterprises_enterprise e ON e.uscc = s.uscc "
                "WHERE s.masked_phone <> '' ORDER BY s.row_number"
            )
            masked_rows = [row for row in cursor.fetchall() if row[0] not in refused]
            kept = []
            for number, masked, sealed in masked_rows:
                phone = PHONE.from_db_value(sealed, None, connection)
                if phone and mask_phone(phone) == masked:
                    kept.append((sealed, number))
                else:
                    _refuse_masked(report, number, masked)
            if kept:
                cursor.executemany(
                    f"UPDATE {STAGE} SET contact_phone = %s WHERE row_number = %s",  # noqa: S608
                    kept,
                )

    def write(self) -> tuple[int, int]:
        """The enterprises already registered first (a person's sector choice kept), then
        the new ones: the update does not see what the insert adds."""
        self._flush()
        quoted = self._quoted()
        assignments = ", ".join(
            f"{q} = CASE WHEN e.sector_overridden THEN e.sector ELSE s.sector END"
            if c == "sector"
            else f"{q} = s.{q}"
            for c, q in zip(WRITE_COLUMNS, quoted, strict=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE enterprises_enterprise e SET {assignments}, updated_at = %s "  # noqa: S608
                f"FROM {STAGE} s WHERE e.uscc = s.uscc",
                [timezone.now()],
            )
            updated = cursor.rowcount
        created = insert_select(
            Enterprise,
            ["county_id", "uscc", *WRITE_COLUMNS],
            f"SELECT CAST(%s AS bigint), s.uscc, {', '.join('s.' + q for q in quoted)} "  # noqa: S608
            f"FROM {STAGE} s WHERE NOT EXISTS "
            "(SELECT 1 FROM enterprises_enterprise e WHERE e.uscc = s.uscc) "
            "ORDER BY s.row_number",
            [self.job.county_id],
        )
        return created, updated

    def _quoted(self) -> list[str]:
        return [connection.ops.quote_name(c) for c in WRITE_COLUMNS]


@transaction.atomic
def _write(job: ImportJob, rows: _HeldRows | _StagedRows) -> tuple[int, int]:
    created, updated = rows.write()
    audit_bulk_load(
        action="enterprise.imported",
        actor=job.created_by,
        county_id=job.county_id,
        count=created + updated,
        checksum=job.sha256,
        description=f"import job {job.pk}: {created} created, {updated} updated",
    )
    return created, updated


def import_error(message: str) -> ApplicationError:
    return ApplicationError("invalid_upload", message, errors={"file": [message]}, status=400)
