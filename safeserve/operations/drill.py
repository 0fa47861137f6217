"""The restore drill: a backup is only as good as the last restore that worked.

The drill backs up the running database and storage, restores the backup into a fresh
database and a fresh storage directory by running ``manage.py restore`` in a separate process
(as an operator would after losing the server), then compares the copy with what the backup
says the source held: the row count of every table, the checksum of every file, and the audit
chains (``manage.py verify_audit`` on the copy: every chain intact, with as many events as the
source had). Everything it creates is removed afterwards.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.operations.backups import (
    MEDIA_DIR,
    BackupResult,
    backup_create,
    backups_in,
    database_vendor,
    row_counts,
    sha256_stream,
    storage_files,
)
from safeserve.operations.restores import manifest_load

# One line of `manage.py verify_audit`: "OK      county:3: 12 events" or "BROKEN  county:3: …".
TAMPERED_LINE = re.compile(r"^TAMPERED (?P<key>\S+): (?P<problem>.*)$")
VERIFY_LINE = re.compile(r"^(?P<status>OK|BROKEN)\s+(?P<key>\S+): (?:(?P<events>\d+) events)?")


def manage_py(
    arguments: list[str], *, database_url: str, media_root: Path
) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py`` in a separate process against another database and storage.

    The test settings pin MEDIA_ROOT and DEBUG, so the child uses the base settings, in DEBUG
    mode (no production-only requirements such as a 50-character key or HTTPS), with this
    process's SECRET_KEY: the backup's key fingerprints must match.
    """
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="true",
        SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        # The copy goes to the scratch folder, never to the live bucket uploads may be in.
        S3_BUCKET="",
    )
    manage = Path(settings.BASE_DIR) / "manage.py"
    # Our own interpreter and manage.py, arguments as a list: no shell involved.
    return subprocess.run(  # noqa: S603
        [sys.executable, str(manage), *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@dataclass
class DrillReport:
    backup: BackupResult
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def check(self, label: str, problems: list[str], summary: str) -> None:
        if problems:
            self.problems += problems
            self.lines += [
                _("%(label)s: MISMATCH %(problem)s") % {"label": label, "problem": problem}
                for problem in problems
            ]
        else:
            self.lines.append(f"{label}：{summary}")


@dataclass(frozen=True)
class DrillTarget:
    url: str  # DATABASE_URL for the restore process
    label: str  # the same without a password, for the summary
    count_rows: Callable[[], dict[str, int]]


@contextmanager
def fresh_database(work: Path) -> Iterator[DrillTarget]:
    """An empty database of the running vendor, removed afterwards."""
    if database_vendor() == "sqlite":
        path = work / "drill.sqlite3"

        def count_sqlite() -> dict[str, int]:
            target = sqlite3.connect(path)
            try:
                return row_counts(target.cursor(), "sqlite")
            finally:
                target.close()

        yield DrillTarget(f"sqlite:///{path}", str(path), count_sqlite)
        return

    source = connection.settings_dict
    # A new database beside the source on the same server, so the drill needs no other
    # server; its name says what it is in case a crash leaves it behind.
    name = f"{str(source['NAME'])[:40]}_drill_{secrets.token_hex(4)}"
    quoted = connection.ops.quote_name(name)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {quoted} TEMPLATE template0 ENCODING 'UTF8'")
    except Exception as exc:
        raise ApplicationError(
            "drill_database_failed",
            _("Cannot create the drill database %(name)s: %(error)s")
            % {"name": name, "error": " ".join(str(exc).split())},
        ) from None

    def count_postgresql() -> dict[str, int]:
        params = connection.get_connection_params()
        params["dbname"] = name
        target = connection.get_new_connection(params)
        try:
            target.autocommit = True
            with target.cursor() as cursor:
                return row_counts(cursor, "postgresql")
        finally:
            target.close()

    options = {k: v for k, v in (source.get("OPTIONS") or {}).items() if k == "sslmode"}
    credentials = quote(str(source.get("USER") or ""), safe="")
    if source.get("PASSWORD"):
        credentials += ":" + quote(str(source["PASSWORD"]), safe="")
    host = quote(str(source.get("HOST") or ""), safe="")
    port = f":{source['PORT']}" if source.get("PORT") else ""
    url = f"postgres://{credentials}@{host}{port}/{quote(name, safe='')}"
    if options:
        url += "?" + urlencode(options)
    try:
        yield DrillTarget(url, f"PostgreSQL database {name}", count_postgresql)
    finally:
        with connection.cursor() as cursor:
            # FORCE: a restore process that died may still hold a connection to it.
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def _file_checksums(location: Path) -> dict[str, str]:
    storage = FileSystemStorage(location=location)
    checksums = {}
    for name in storage_files(storage):
        with storage.open(name, "rb") as stream:
            checksums[f"{MEDIA_DIR}/{name}"] = sha256_stream(stream)
    return checksums


def _compare_rows(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    problems = []
    for table in sorted(expected.keys() | found.keys()):
        if table not in found:
            problems.append(_("table %(t)s is missing from the restored database") % {"t": table})
        elif table not in expected:
            problems.append(
                _("table %(t)s is in the restored database but not in the backup") % {"t": table}
            )
        elif expected[table] != found[table]:
            problems.append(
                _("table %(t)s: %(source)d rows in the source, %(found)d restored")
                % {"t": table, "source": expected[table], "found": found[table]}
            )
    return problems


def _compare_files(expected: dict[str, str], found: dict[str, str]) -> list[str]:
    problems = []
    for name in sorted(expected.keys() | found.keys()):
        if name not in found:
            problems.append(_("file %(name)s was not restored") % {"name": name})
        elif name not in expected:
            problems.append(
                _("file %(name)s was restored but is not in the backup") % {"name": name}
            )
        elif expected[name] != found[name]:
            problems.append(_("file %(name)s was restored with other content") % {"name": name})
    return problems


def _compare_audit(expected: dict[str, Any], verify: subprocess.CompletedProcess[str]) -> list[str]:
    """The chains as the source had them (recorded in the backup's snapshot) and as
    ``manage.py verify_audit`` finds them in the copy: all intact, with the same events."""
    problems = [
        _("audit chain %(key)s is broken in the source") % {"key": key}
        for key, s in expected.items()
        if not s["ok"]
    ]
    found: dict[str, int | None] = {}
    for line in verify.stdout.splitlines():
        match = VERIFY_LINE.match(line)
        if match and match["key"] != "no":  # "OK      no audit events yet"
            found[match["key"]] = int(match["events"]) if match["status"] == "OK" else None
    problems.extend(
        _("audit chain %(key)s does not match its signed digest: %(problem)s")
        % {"key": match["key"], "problem": match["problem"]}
        for match in map(TAMPERED_LINE.match, verify.stdout.splitlines())
        if match
    )
    if verify.returncode != 0 and None not in found.values() and not problems:
        error = " ".join(verify.stderr.split())[-500:]
        return [
            *problems,
            _("manage.py verify_audit exited %(code)d: %(error)s")
            % {"code": verify.returncode, "error": error},
        ]
    for key in sorted(expected.keys() | found.keys()):
        source = expected[key]["events"] if key in expected else None
        if key not in found:
            problems.append(
                _("audit chain %(key)s is missing from the restored database") % {"key": key}
            )
        elif found[key] is None:
            problems.append(
                _("audit chain %(key)s is broken in the restored database") % {"key": key}
            )
        elif key not in expected:
            problems.append(
                _("audit chain %(key)s is in the restored database but not in the backup")
                % {"key": key}
            )
        elif source != found[key]:
            problems.append(
                _("audit chain %(key)s: %(source)s events in the source, %(found)s restored")
                % {"key": key, "source": source, "found": found[key]}
            )
    return problems


def restore_drill(*, latest: bool = False) -> DrillReport:
    """Back up, restore into fresh targets in another process, compare; see the module.
    With ``latest``, the newest backup already in BACKUP_DIR is restored instead of a new
    one: the proof that last night's backup can bring the county back."""
    with tempfile.TemporaryDirectory(prefix="safeserve-drill-") as tmp:
        work = Path(tmp)
        if latest:
            found = backups_in(Path(settings.BACKUP_DIR))
            if not found:
                raise ApplicationError(
                    "no_backup",
                    _("No backup in %(path)s to restore; run manage.py backup first.")
                    % {"path": settings.BACKUP_DIR},
                )
            backup = BackupResult(path=found[0], manifest=manifest_load(found[0]), removed=[])
        else:
            backup = backup_create(directory=work / "backups", keep=1)
        manifest = backup.manifest
        report = DrillReport(backup=backup)
        rows = sum(manifest["row_counts"].values())
        media_files = {k: v for k, v in manifest["files"].items() if k.startswith(f"{MEDIA_DIR}/")}
        report.lines.append(
            _("Backup: %(vendor)s, %(tables)d tables, %(rows)d rows, %(files)d files")
            % {
                "vendor": manifest["database"]["vendor"],
                "tables": len(manifest["row_counts"]),
                "rows": rows,
                "files": len(media_files),
            }
        )
        media_root = work / "media"
        media_root.mkdir()
        with fresh_database(work) as target:
            started = time.monotonic()
            restore = manage_py(
                ["restore", str(backup.path)], database_url=target.url, media_root=media_root
            )
            took = time.monotonic() - started
            if restore.returncode != 0:
                error = " ".join((restore.stderr or restore.stdout).split())[-500:]
                report.check(
                    _("Restore"),
                    [
                        _("manage.py restore exited %(code)d: %(error)s")
                        % {"code": restore.returncode, "error": error}
                    ],
                    "",
                )
                return report
            report.lines.append(
                _("Restore: into %(target)s and %(media)s (%(seconds).1f s)")
                % {"target": target.label, "media": media_root, "seconds": took}
            )
            report.check(
                _("Rows"),
                _compare_rows(manifest["row_counts"], target.count_rows()),
                _("%(tables)d tables, %(rows)d rows: same as the source")
                % {"tables": len(manifest["row_counts"]), "rows": rows},
            )
            report.check(
                _("Files"),
                _compare_files(media_files, _file_checksums(media_root)),
                _("%(n)d files: same checksums as the source") % {"n": len(media_files)},
            )
            digests = work / "audit-digests.json"
            digests.write_text(
                json.dumps(manifest.get("audit_digests", []), ensure_ascii=False),
                encoding="utf-8",
            )
            verify = manage_py(
                ["verify_audit", "--against", str(digests)],
                database_url=target.url,
                media_root=media_root,
            )
            events = sum(chain["events"] for chain in manifest["audit"].values())
            report.check(
                _("Audit"),
                _compare_audit(manifest["audit"], verify),
                _("%(chains)d chains intact, %(events)d events: same as the source")
                % {"chains": len(manifest["audit"]), "events": events},
            )
        return report
