"""Backups of the database and the uploaded files, and restores from them.

A backup is one directory, ``safeserve-YYYYmmddTHHMMSSZ/``::

    manifest.json        what the backup holds and what it needs (see ``Manifest``)
    database.sqlite3     SQLite: a page copy made with the online backup API
    database.pgdump      PostgreSQL: ``pg_dump --format=custom``
    media/<name>         every file of the default storage, under its storage name

It is written under a hidden temporary name and renamed when complete, so a directory with
the final name is always a whole backup. The database file, the row counts, the applied
migrations and the audit summary all come from one read snapshot, so they describe the same
data even while the site keeps writing. The files are copied after the snapshot: a file
uploaded during the backup may be present without its row, never the other way round.

A restore goes into an empty database and empty storage only, after checking the whole
backup (checksums, database vendor, schema version, keys); it never overwrites anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any, NotRequired, TypedDict

import psycopg
from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.digests import digests_issue, latest_digests
from safeserve.audit.verification import verify_all
from safeserve.common.exceptions import ApplicationError
from safeserve.operations.keys import key_fingerprints

MANIFEST = "manifest.json"
FORMAT = 1
MEDIA_DIR = "media"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
BACKUP_NAME = re.compile(r"^safeserve-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d+))?$")
CHUNK = 1024 * 1024


class AuditSummary(TypedDict):
    events: int
    ok: bool


class DatabaseInfo(TypedDict):
    vendor: str
    file: str


class Manifest(TypedDict):
    format: int
    created_at: str
    app_version: str
    database: DatabaseInfo
    migrations: list[str]  # applied, as app_label.name
    row_counts: dict[str, int]
    audit: dict[str, AuditSummary]
    # The newest signed digest of every audit chain (audit/digests.py): a restored copy, or
    # the live database later, is checked against them with verify_audit --against.
    audit_digests: NotRequired[list[dict[str, Any]]]
    keys: dict[str, str]
    files: dict[str, str]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    removed: list[Path]


# --- Small helpers ----------------------------------------------------------------------


def sha256_stream(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    with path.open("rb") as stream:
        return sha256_stream(stream)


def _fsync(path: Path) -> None:
    """Flush a file or directory to disk: a backup that only lived in the page cache is lost
    with the machine it was meant to outlive."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def storage_files(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in a storage, sorted, walked through the Storage API (not the file
    system) so S3-compatible storage works the same way."""
    try:
        dirs, files = storage.listdir(directory)
    except FileNotFoundError:  # a local MEDIA_ROOT that was never created holds no files
        return
    prefix = f"{directory}/" if directory else ""
    for name in sorted(files):
        yield prefix + name
    for sub in sorted(dirs):
        yield from storage_files(storage, prefix + sub)


def _quote(name: str) -> str:
    # The same identifier quoting works on both vendors; names come from the catalogue.
    return '"' + name.replace('"', '""') + '"'


def table_names(cursor: Any, vendor: str) -> list[str]:
    """Every table of the database (any DB-API cursor), not only Django's models, so a restore
    that lost a table the code does not know about is still noticed."""
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name"
        )
    else:
        cursor.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY c.relname"
        )
    return [row[0] for row in cursor.fetchall()]


def row_counts(cursor: Any, vendor: str) -> dict[str, int]:
    counts = {}
    for table in table_names(cursor, vendor):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (catalogue names)
        counts[table] = int(cursor.fetchone()[0])
    return counts


def database_vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise ApplicationError(
            "backup_vendor_unsupported",
            _("Backups of %(vendor)s databases are not supported (only PostgreSQL and SQLite).")
            % {"vendor": connection.vendor},
        )
    return connection.vendor


def app_version() -> str:
    try:
        return metadata.version("safeserve")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- PostgreSQL client programs ---------------------------------------------------------


def pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """Connection parameters for pg_dump / pg_restore through libpq's environment variables:
    the password must never appear on a command line, where any local user can read it."""
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    env["PGAPPNAME"] = "safeserve-backup"
    return env


def run_tool(arguments: list[str], env: dict[str, str]) -> None:
    tool = arguments[0]
    try:
        # Arguments are a list (no shell); the programs come from PATH like psql's.
        result = subprocess.run(  # noqa: S603
            arguments, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise ApplicationError(
            "backup_tool_missing",
            _("%(tool)s was not found: install the PostgreSQL client programs.") % {"tool": tool},
        ) from None
    if result.returncode != 0:
        error = " ".join(result.stderr.split())[:500]
        raise ApplicationError(
            "backup_tool_failed",
            _("%(tool)s failed (exit code %(code)d): %(error)s")
            % {"tool": tool, "code": result.returncode, "error": error},
        )


# --- Backup -----------------------------------------------------------------------------


@contextmanager
def _read_snapshot(vendor: str) -> Iterator[str | None]:
    """One transaction whose reads all see the same data; yields PostgreSQL's exported
    snapshot id so pg_dump reads that same data too."""
    connection.ensure_connection()
    if vendor == "sqlite":
        # In WAL mode a deferred transaction reads one snapshot without blocking writers.
        # Our default, IMMEDIATE, takes the write lock, and the online backup API then reports
        # its own source as busy forever.
        previous = connection.transaction_mode  # type: ignore[attr-defined]
        connection.transaction_mode = "DEFERRED"  # type: ignore[attr-defined]
        try:
            with transaction.atomic():
                connection.transaction_mode = previous  # type: ignore[attr-defined]
                with connection.cursor() as cursor:  # the first read pins the snapshot
                    cursor.execute("SELECT COUNT(*) FROM sqlite_master")
                yield None
        finally:
            connection.transaction_mode = previous  # type: ignore[attr-defined]
        return
    if connection.in_atomic_block:
        raise RuntimeError("A PostgreSQL backup must start its own transaction.")
    # Set on the driver connection rather than with SET TRANSACTION, so it also holds if
    # Django runs a health-check query first in the transaction.
    raw = connection.connection
    previous_level, previous_read_only = raw.isolation_level, raw.read_only
    raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    raw.read_only = True
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            yield str(cursor.fetchone()[0])
    finally:
        if connection.connection is raw and not raw.closed:
            raw.isolation_level, raw.read_only = previous_level, previous_read_only


def _dump_database(vendor: str, target: Path, snapshot: str | None) -> None:
    if vendor == "sqlite":
        # Django's own connection, so this also copies the in-memory test database.
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
            # A copy of a WAL database is in WAL mode too; opening it later would create
            # -wal/-shm files beside it. Rollback-journal mode keeps the backup one file.
            destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()
    else:
        arguments = ["pg_dump", "--no-password", "--format=custom", f"--file={target}"]
        if snapshot:
            arguments.append(f"--snapshot={snapshot}")
        arguments.append(str(connection.settings_dict["NAME"]))
        run_tool(arguments, pg_environment(connection.settings_dict))
    _fsync(target)


def _audit_summary(tables: list[str]) -> dict[str, AuditSummary]:
    """Each audit chain's event count and whether it verifies, read in the backup's snapshot:
    what a restored copy must show again."""
    if "audit_auditchain" not in tables:
        return {}
    return {r.key: {"events": r.events, "ok": r.ok} for r in verify_all()}


def _copy_media(storage: Storage, target: Path) -> dict[str, str]:
    checksums = {}
    for name in storage_files(storage):
        destination = target / MEDIA_DIR / PurePosixPath(name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        try:
            source = storage.open(name, "rb")
        except FileNotFoundError:
            # Deleted since it was listed (a readiness probe's file, a checked upload): it is
            # not in the backup, as if listed a moment later.
            continue
        with source, destination.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        checksums[f"{MEDIA_DIR}/{name}"] = digest.hexdigest()
    return checksums


def _final_name(directory: Path, stamp: str, n: int) -> Path:
    return directory / (f"safeserve-{stamp}" if n == 0 else f"safeserve-{stamp}-{n}")


def backup_create(*, directory: Path | None = None, keep: int | None = None) -> BackupResult:
    """Write a complete backup into ``directory`` (BACKUP_DIR), then keep the newest ``keep``
    (BACKUP_KEEP) backups there."""
    directory = Path(directory or settings.BACKUP_DIR)
    keep = settings.BACKUP_KEEP if keep is None else keep
    vendor = database_vendor()
    now = timezone.now().astimezone(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        work = directory / f".partial-safeserve-{stamp}-{secrets.token_hex(4)}"
        work.mkdir()
    except OSError as exc:
        raise _unwritable(directory, exc) from None
    try:
        database_file = DATABASE_FILES[vendor]
        if "audit_auditdigest" in connection.introspection.table_names():
            digests_issue()  # the backup carries digests up to this moment
        with _read_snapshot(vendor) as snapshot, connection.cursor() as cursor:
            _dump_database(vendor, work / database_file, snapshot)
            counts = row_counts(cursor, vendor)
            migrations: list[str] = []
            if "django_migrations" in counts:
                cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
                migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
            audit = _audit_summary(list(counts))
            digests = latest_digests() if "audit_auditdigest" in counts else []
        files = {database_file: sha256_file(work / database_file)}
        files.update(_copy_media(default_storage, work))
        manifest: Manifest = {
            "format": FORMAT,
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "app_version": app_version(),
            "database": {"vendor": vendor, "file": database_file},
            "migrations": migrations,
            "row_counts": counts,
            "audit": audit,
            "audit_digests": digests,
            "keys": key_fingerprints(),
            "files": files,
        }
        with (work / MANIFEST).open("w", encoding="utf-8") as out:
            json.dump(manifest, out, ensure_ascii=False, indent=2, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        final = _rename_into_place(work, directory, stamp)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError):  # a full disk or a lost mount: say so, no traceback
            raise _unwritable(directory, exc) from exc
        raise
    return BackupResult(path=final, manifest=manifest, removed=backups_prune(directory, keep))


def _rename_into_place(work: Path, directory: Path, stamp: str) -> Path:
    # Two backups in the same second (or a concurrent one) get a numbered suffix.
    for n in range(100):
        final = _final_name(directory, stamp, n)
        if final.exists():
            continue
        try:
            work.rename(final)
        except OSError:
            continue
        _fsync(directory)
        return final
    raise _unwritable(directory, FileExistsError(stamp))


def _unwritable(directory: Path, exc: OSError) -> ApplicationError:
    return ApplicationError(
        "backup_unwritable",
        _("Cannot write the backup to %(path)s: %(error)s.") % {"path": directory, "error": exc},
    )


def backups_in(directory: Path) -> list[Path]:
    """The complete backups in a directory, newest first (half-written ones have another
    name and are not listed)."""
    found = []
    for path in directory.iterdir() if directory.is_dir() else []:
        match = BACKUP_NAME.match(path.name)
        if match and path.is_dir() and (path / MANIFEST).is_file():
            found.append((match["stamp"], int(match["n"] or 0), path))
    return [path for _stamp, _n, path in sorted(found, reverse=True)]


def backups_prune(directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups, and what backups killed half-way left
    behind; returns the removed ones."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    removed = backups_in(directory)[keep:]
    # A day old, it is no longer being written by a backup still running.
    stale = time.time() - 24 * 3600
    removed += [
        path
        for path in sorted(directory.glob(".partial-safeserve-*"))
        if path.is_dir() and path.stat().st_mtime < stale
    ]
    for path in removed:
        shutil.rmtree(path)
    return removed
