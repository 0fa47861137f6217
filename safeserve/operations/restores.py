"""Restores from a backup (see ``backups``): into an empty database and empty storage only,
after checking the whole backup first (checksums, database vendor, schema version, keys), so a
refusal has written nothing and a restore never overwrites anything.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.operations.backups import (
    DATABASE_FILES,
    FORMAT,
    MANIFEST,
    MEDIA_DIR,
    Manifest,
    database_vendor,
    pg_environment,
    run_tool,
    sha256_file,
    storage_files,
    table_names,
)
from safeserve.operations.keys import unmatched_keys

SHA256 = re.compile(r"[0-9a-f]{64}")


def _malformed(path: Path, field: str) -> ApplicationError:
    return ApplicationError(
        "backup_malformed",
        _("The backup manifest %(path)s is not valid (field %(field)s).")
        % {"path": path, "field": field},
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_map(value: Any, check: Callable[[Any], bool]) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and check(v) for k, v in value.items()
    )


def _is_member(name: str) -> bool:
    """A path inside the backup directory (relative, no '..'): a damaged or forged manifest
    must not make a restore read from elsewhere."""
    return all(part not in {"", ".", ".."} for part in name.split("/"))


def _invalid_field(data: dict[str, Any]) -> str | None:
    """The first field of a manifest that does not have the shape ``Manifest`` promises."""
    files = data.get("files")
    database = data.get("database")
    fields: dict[str, bool] = {
        "format": data.get("format") == FORMAT,
        "created_at": isinstance(data.get("created_at"), str),
        "app_version": isinstance(data.get("app_version"), str),
        "files": isinstance(files, dict)
        and all(
            _is_member(name) and isinstance(digest, str) and bool(SHA256.fullmatch(digest))
            for name, digest in files.items()
        ),
        "database": isinstance(database, dict)
        and isinstance(vendor := database.get("vendor"), str)
        and DATABASE_FILES.get(vendor) == database.get("file")
        and isinstance(files, dict)
        and database.get("file") in files,
        "migrations": isinstance(data.get("migrations"), list)
        and all(isinstance(m, str) and "." in m for m in data["migrations"]),
        "row_counts": _is_map(data.get("row_counts"), _is_int),
        "audit": _is_map(
            data.get("audit"),
            lambda a: (
                isinstance(a, dict) and _is_int(a.get("events")) and isinstance(a.get("ok"), bool)
            ),
        ),
        "keys": _is_map(data.get("keys"), lambda v: isinstance(v, str)),
    }
    return next((field for field, valid in fields.items() if not valid), None)


def manifest_load(path: Path) -> Manifest:
    """The manifest of the backup at ``path``, its shape checked so nothing later trips over a
    damaged or foreign file."""
    manifest_path = path / MANIFEST
    if not path.is_dir() or not manifest_path.is_file():
        raise ApplicationError(
            "backup_not_found",
            _("No backup at %(path)s: the directory or its manifest.json is missing.")
            % {"path": path},
        )
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise _malformed(manifest_path, "-") from None
    field = _invalid_field(data) if isinstance(data, dict) else "-"
    if field is not None:
        raise _malformed(manifest_path, field)
    manifest: Manifest = data  # its shape was checked just above
    return manifest


def backup_check(path: Path) -> Manifest:
    """Everything about the backup itself, checked before anything is written: the files are
    whole, and this code, database and keys can take its data."""
    manifest = manifest_load(path)
    for name, expected in sorted(manifest["files"].items()):
        member = path / PurePosixPath(name)
        if not member.is_file():
            raise ApplicationError(
                "backup_file_missing",
                _("The backup file %(name)s is missing.") % {"name": name},
            )
        if sha256_file(member) != expected:
            raise ApplicationError(
                "backup_checksum_mismatch",
                _(
                    "The checksum of the backup file %(name)s does not match the manifest: "
                    "the backup is damaged."
                )
                % {"name": name},
            )
    vendor = database_vendor()
    if manifest["database"]["vendor"] != vendor:
        raise ApplicationError(
            "backup_vendor_mismatch",
            _("The backup is of a %(backup)s database, but the target database is %(target)s.")
            % {"backup": manifest["database"]["vendor"], "target": vendor},
        )
    on_disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    for migration in manifest["migrations"]:
        if tuple(migration.split(".", 1)) not in on_disk:
            raise ApplicationError(
                "backup_schema_newer",
                _(
                    "The backup was made by a newer version (migration %(migration)s is not in "
                    "this code): update the code before restoring."
                )
                % {"migration": migration},
            )
    missing = unmatched_keys(manifest["keys"])
    if missing:
        raise ApplicationError(
            "backup_key_mismatch",
            _(
                "The key %(key)s is missing from the running settings or differs from the one "
                "the backup was made with: restore with the same keys."
            )
            % {"key": ", ".join(missing)},
        )
    return manifest


def restore_target_check(storage: Storage | None = None) -> None:
    """The configured database and storage must be empty: a restore never overwrites."""
    storage = storage or default_storage
    with connection.cursor() as cursor:
        tables = table_names(cursor, database_vendor())
    if tables:
        raise ApplicationError(
            "restore_database_not_empty",
            _(
                "The target database is not empty (it has %(count)d tables): restore only "
                "into an empty database."
            )
            % {"count": len(tables)},
        )
    first = next(storage_files(storage), None)
    if first is not None:
        raise ApplicationError(
            "restore_storage_not_empty",
            _(
                "The target file storage is not empty (for example %(name)s): restore only "
                "into empty storage."
            )
            % {"name": first},
        )


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    tables: int
    rows: int
    files: int


def backup_restore(path: Path) -> RestoreResult:
    """Restore the backup at ``path`` into the configured (empty) database and storage."""
    path = path.parent if path.name == MANIFEST else path
    manifest = backup_check(path)
    restore_target_check()
    database_file = path / manifest["database"]["file"]
    connection.ensure_connection()
    if manifest["database"]["vendor"] == "sqlite":
        # Read-only and immutable: opening the backup must not change a byte of it.
        source = sqlite3.connect(
            f"{database_file.resolve().as_uri()}?mode=ro&immutable=1", uri=True
        )
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        run_tool(
            [
                "pg_restore",
                "--no-password",
                "--no-owner",
                "--no-privileges",
                # All or nothing: a failed restore leaves the database empty, ready to retry.
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}",
                str(database_file),
            ],
            pg_environment(connection.settings_dict),
        )
    media = sorted(name for name in manifest["files"] if name.startswith(f"{MEDIA_DIR}/"))
    for name in media:
        storage_name = name.removeprefix(f"{MEDIA_DIR}/")
        with (path / PurePosixPath(name)).open("rb") as stream:
            saved = default_storage.save(storage_name, File(stream))
        if saved != storage_name:
            raise ApplicationError(
                "restore_file_renamed",
                _("The file %(name)s could not be restored to storage under the same name.")
                % {"name": storage_name},
            )
    counts = manifest["row_counts"]
    return RestoreResult(
        manifest=manifest, tables=len(counts), rows=sum(counts.values()), files=len(media)
    )
