"""Roster jobs: upload, background check, all-or-nothing write, and the one-time download
of the new users' temporary passwords."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from datetime import timedelta
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.accounts.models import User
from safeserve.accounts.services import TemporaryPassword, user_create
from safeserve.audit.services import audit_bulk_load, audit_record
from safeserve.common.access import require
from safeserve.common.choices import ImportStatus
from safeserve.common.exceptions import ApplicationError
from safeserve.enterprises import validation as v
from safeserve.enterprises.services import enterprise_open_account
from safeserve.enterprises.spreadsheets import check_upload
from safeserve.operations.models import RosterImport
from safeserve.operations.roster.checks import Checker
from safeserve.operations.roster.sheets import (
    KIND_WORDS,
    ORG_SHEET,
    OrgRow,
    RowReport,
    UserRow,
    read_workbook,
)
from safeserve.organizations.models import (
    Organization,
    OrganizationKind,
    Role,
)
from safeserve.organizations.permissions import can_manage_organizations
from safeserve.organizations.services import (
    organization_create,
    township_create,
    township_region_name,
)
from safeserve.providers.services import provider_enrol

logger = logging.getLogger(__name__)


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
        job.stop_on_internal_error(sheet="")
        return job
    finally:
        if job.file:
            job.file.delete(save=False)
            RosterImport.objects.filter(pk=job.pk).update(file="")


def _run(job: RosterImport) -> RosterImport:
    job.set_progress(status=ImportStatus.VALIDATING)
    report = RowReport()
    with job.file.open("rb") as handle:
        org_rows, user_rows = read_workbook(handle, report)
    job.set_progress(total_rows=len(org_rows) + len(user_rows))
    if not report.count and not org_rows and not user_rows:
        report.add(ORG_SHEET, 2, "", "", _("Both sheets are empty."))
    checker = Checker(job.county, report)
    organizations = checker.organizations(org_rows)
    job.set_progress(processed_rows=len(org_rows))
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
    job.set_progress(processed_rows=job.total_rows)
    if report.count:
        return _refused(job, report)
    # Hashed before the write, outside its transaction: a third of a second each would hold
    # the county's audit chain for minutes on a large roster.
    passwords = [TemporaryPassword.new() for _user in users]
    try:
        credentials = _write(job, organizations, users, passwords)
    except ApplicationError as exc:  # changed since it was checked (e.g. a name taken meanwhile)
        report.add("", "", "", "", str(exc.message))
        return _refused(job, report)
    except IntegrityError:  # the same, caught by the database (two imports at once)
        report.add(
            "",
            "",
            "",
            "",
            _(
                "Organizations or users of this roster were created meanwhile by someone else; "
                "nothing was imported. Upload the roster again to see which."
            ),
        )
        return _refused(job, report)
    now = timezone.now()
    job.set_progress(
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


def _refused(job: RosterImport, report: RowReport) -> RosterImport:
    job.set_progress(
        status=ImportStatus.FAILED,
        errors=report.errors,
        error_count=report.count,
        finished_at=timezone.now(),
    )
    return job


@transaction.atomic
def _write(
    job: RosterImport,
    organizations: list[OrgRow],
    users: list[UserRow],
    passwords: list[TemporaryPassword],
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
    for user_row, password in zip(users, passwords, strict=True):
        org = created.get(user_row.organization) or existing[user_row.organization]
        user, temporary = user_create(
            actor=actor,
            organization=org,
            username=user_row.username,
            full_name=user_row.full_name,
            role=user_row.role,
            phone=user_row.phone,
            email=user_row.email,
            temporary=password,
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
    job.set_progress(**fields)


def roster_credentials_purge() -> int:
    """Erases every pending download past its ten minutes (``run_daily`` and each page
    visit call it), so nothing outlives its window even if never fetched."""
    return RosterImport.objects.filter(
        credentials__isnull=False, credentials_expire_at__lte=timezone.now()
    ).update(credentials=None)


def roster_jobs_tidy(*, stale_after: timedelta = timedelta(days=1)) -> int:
    """What run_daily clears: passwords past their ten minutes, and jobs a crashed worker
    left half-way (marked as stopped, their upload — people's phones — deleted). Returns
    the number of jobs closed."""
    roster_credentials_purge()
    stale = RosterImport.objects.filter(
        status__in=[ImportStatus.QUEUED, ImportStatus.VALIDATING],
        created_at__lt=timezone.now() - stale_after,
    )
    closed = 0
    for job in stale:
        if job.file:
            job.file.delete(save=False)
        job.set_progress(
            file="",
            status=ImportStatus.ERROR,
            finished_at=timezone.now(),
            errors=[
                {
                    "sheet": "",
                    "row": "",
                    "column": "",
                    "value": "",
                    "reason": _(
                        "The check never finished (the background worker stopped); nothing was "
                        "imported. Upload the roster again."
                    ),
                }
            ],
            error_count=1,
        )
        closed += 1
    return closed
