"""Backups, restores and the restore drill, on the vendor of the test database (the suite
runs on SQLite and on PostgreSQL). Transactional, so pg_dump and the restore processes see
the data. Refusals are asserted on their stable codes and on the names they must mention,
not on the wording, which is translated."""

from __future__ import annotations

import datetime as dt
import json
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.operations import backups, drill
from safeserve.operations.backups import (
    DATABASE_FILES,
    MANIFEST,
    BackupResult,
    backup_create,
    backups_in,
    sha256_file,
)
from safeserve.operations.keys import fingerprint, key_fingerprints, unmatched_keys
from safeserve.operations.restores import backup_restore
from safeserve.organizations.tests.factories import UserFactory

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> Any:
    """Storage and backup directory of this test only."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    return default_storage


@pytest.fixture
def data(storage: Any) -> None:
    """Two users in two counties, events on three chains, two uploaded files — and nothing
    else: the suite's seeded world is flushed first, so the backup holds only these."""
    call_command("flush", "--noinput", verbosity=0)
    officer, other = UserFactory(), UserFactory()
    for n in range(3):
        audit_record(action="test.event", actor=officer, after={"n": n})
    audit_record(action="test.event", actor=other, reason="另一个县")
    audit_record(action="test.platform")
    storage.save("notices/2026/notice-1.pdf", ContentFile(b"%PDF-1.7 notice"))
    storage.save("reports/report.txt", ContentFile("技术报告".encode()))


@pytest.fixture
def backup(data: None) -> BackupResult:
    with time_machine.travel(NOW, tick=False):
        return backup_create()


def _manifest(path: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    return result


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    (path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _refusal(path: Path) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        backup_restore(path)
    return caught.value


def _one_line_error(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        call_command(*args)
    message = str(caught.value)
    assert message and "\n" not in message and "Traceback" not in message
    return message


# --- Backup -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_writes_a_dated_backup_with_a_checksum_manifest(backup, settings):
    assert backup.path == settings.BACKUP_DIR / "safeserve-20260302T013000Z"
    assert backups_in(settings.BACKUP_DIR) == [backup.path]
    assert [p.name for p in settings.BACKUP_DIR.iterdir()] == [backup.path.name]  # no leftovers

    manifest = _manifest(backup.path)
    database_file = DATABASE_FILES[connection.vendor]
    assert manifest["created_at"] == "2026-03-02T01:30:00Z"
    assert manifest["database"] == {"vendor": connection.vendor, "file": database_file}
    assert set(manifest["files"]) == {
        database_file,
        "media/notices/2026/notice-1.pdf",
        "media/reports/report.txt",
    }
    for name, digest in manifest["files"].items():
        assert sha256_file(backup.path / name) == digest
    assert (backup.path / "media/reports/report.txt").read_text() == "技术报告"
    assert manifest["row_counts"]["accounts_user"] == 2
    # The five events, and the backup's own record of signing the chains' digests.
    assert manifest["row_counts"]["audit_auditevent"] == 6
    assert "audit.0002_append_only_triggers" in manifest["migrations"]
    assert manifest["app_version"]
    assert sorted(c["events"] for c in manifest["audit"].values()) == [1, 2, 3]
    digests = {d["chain"]: d["seq"] for d in manifest["audit_digests"]}
    assert sorted(digests.values()) == [1, 2, 3]  # every chain, up to the backup
    assert all(c["ok"] for c in manifest["audit"].values())


@pytest.mark.django_db(transaction=True)
def test_it_records_key_fingerprints_never_the_keys(backup, settings):
    manifest_text = (backup.path / MANIFEST).read_text(encoding="utf-8")
    assert _manifest(backup.path)["keys"] == {
        "SECRET_KEY": fingerprint(settings.SECRET_KEY),
        "BLIND_INDEX_KEY": fingerprint(settings.BLIND_INDEX_KEY),
        "FIELD_ENCRYPTION_KEYS[0]": fingerprint(settings.FIELD_ENCRYPTION_KEYS[0]),
    }
    for key in (settings.SECRET_KEY, settings.BLIND_INDEX_KEY, *settings.FIELD_ENCRYPTION_KEYS):
        assert key not in manifest_text


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_newest_backups(data, settings):
    settings.BACKUP_KEEP = 3
    made = []
    for day in range(4):
        with time_machine.travel(NOW + dt.timedelta(days=day), tick=False):
            made.append(backup_create().path)
    assert backups_in(settings.BACKUP_DIR) == made[:0:-1]  # the newest three, newest first

    with time_machine.travel(NOW + dt.timedelta(days=9), tick=False):
        call_command("backup", "--keep", "2", stdout=StringIO())
    kept = backups_in(settings.BACKUP_DIR)
    assert [p.name for p in kept] == ["safeserve-20260311T013000Z", made[3].name]

    other = settings.BACKUP_DIR.parent / "elsewhere"
    call_command("backup", "--dir", str(other), stdout=StringIO())
    assert len(backups_in(other)) == 1
    assert backups_in(settings.BACKUP_DIR) == kept


@pytest.mark.django_db(transaction=True)
def test_it_leaves_nothing_that_looks_like_a_backup_when_it_fails(data, settings, monkeypatch):
    def broken_copy(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(backups, "_copy_media", broken_copy)
    with pytest.raises(ApplicationError) as caught:
        backup_create()
    assert caught.value.code == "backup_unwritable" and "disk full" in str(caught.value.message)
    assert list(settings.BACKUP_DIR.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_it_clears_half_written_backups_a_day_old(data, settings):
    old = settings.BACKUP_DIR / ".partial-safeserve-20260228T013000Z-0000"
    recent = settings.BACKUP_DIR / ".partial-safeserve-20260302T012000Z-0000"
    for path, age in ((old, dt.timedelta(days=2)), (recent, dt.timedelta(minutes=10))):
        path.mkdir(parents=True)
        os.utime(path, ((NOW - age).timestamp(), (NOW - age).timestamp()))
    with time_machine.travel(NOW, tick=False):
        made = backup_create()
    assert sorted(settings.BACKUP_DIR.iterdir()) == [recent, made.path]


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_keep_below_one(storage):
    _one_line_error("backup", "--keep", "0")


# --- Restore refusals -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_restore_into_a_non_empty_database(backup):
    assert _refusal(backup.path).code == "restore_database_not_empty"
    _one_line_error("restore", str(backup.path))


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_restore_into_non_empty_storage(backup, tmp_path):
    media = tmp_path / "target-media"
    (media / "old").mkdir(parents=True)
    (media / "old" / "left-over.txt").write_text("x")
    with drill.fresh_database(tmp_path) as target:
        result = drill.manage_py(
            ["restore", str(backup.path)], database_url=target.url, media_root=media
        )
        assert result.returncode != 0
        assert "old/left-over.txt" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert target.count_rows() == {}  # nothing written


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("member", ["database", "media/reports/report.txt"])
def test_it_refuses_a_backup_with_a_changed_byte(backup, member):
    name = _manifest(backup.path)["database"]["file"] if member == "database" else member
    damaged = backup.path / name
    content = bytearray(damaged.read_bytes())
    content[len(content) // 2] ^= 0x01
    damaged.write_bytes(bytes(content))

    refusal = _refusal(backup.path)
    assert refusal.code == "backup_checksum_mismatch"
    assert name in str(refusal.message)
    assert name in _one_line_error("restore", str(backup.path))


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_backup_from_a_newer_schema(backup):
    manifest = _manifest(backup.path)
    manifest["migrations"].append("hazards.9999_from_the_future")
    _write_manifest(backup.path, manifest)

    refusal = _refusal(backup.path)
    assert refusal.code == "backup_schema_newer"
    assert "hazards.9999_from_the_future" in str(refusal.message)


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_backup_made_with_another_secret_key(backup, settings):
    settings.SECRET_KEY = "another-secret-key-" + "y" * 50

    refusal = _refusal(backup.path)
    assert refusal.code == "backup_key_mismatch"
    assert "SECRET_KEY" in str(refusal.message)
    assert "SECRET_KEY" in _one_line_error("restore", str(backup.path))


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_backup_of_another_database_vendor(backup):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest = _manifest(backup.path)
    current = manifest["database"]["file"]
    (backup.path / current).rename(backup.path / DATABASE_FILES[other])
    manifest["files"][DATABASE_FILES[other]] = manifest["files"].pop(current)
    manifest["database"] = {"vendor": other, "file": DATABASE_FILES[other]}
    _write_manifest(backup.path, manifest)

    assert _refusal(backup.path).code == "backup_vendor_mismatch"


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_missing_or_malformed_backup_path_in_one_line(backup, tmp_path):
    assert str(tmp_path / "nowhere") in _one_line_error("restore", str(tmp_path / "nowhere"))
    assert _refusal(tmp_path / "nowhere").code == "backup_not_found"

    (backup.path / MANIFEST).write_text("{not json", encoding="utf-8")
    assert _refusal(backup.path).code == "backup_malformed"
    _one_line_error("restore", str(backup.path))

    _write_manifest(backup.path, {"format": 1, "files": {"../../etc/passwd": "0" * 64}})
    assert _refusal(backup.path).code == "backup_malformed"


# --- The drill --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_passes_the_restore_drill(data):
    out = StringIO()
    call_command("restore_drill", stdout=out)
    summary = out.getvalue()
    assert "不一致" not in summary
    assert "3 条审计链完整，6 条事件" in summary  # with the backup's digest record
    assert "2 个文件：校验和与源文件一致" in summary
    assert "恢复演练通过。" in summary
    if connection.vendor == "postgresql":
        drills = f"{connection.settings_dict['NAME']}_drill_"
        with connection.cursor() as cursor:  # the drill database is gone
            cursor.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [drills]
            )
            assert cursor.fetchall() == []


@pytest.mark.django_db(transaction=True)
def test_it_fails_the_drill_when_the_copy_differs(data, monkeypatch):
    monkeypatch.setattr(drill, "_file_checksums", lambda location: {})
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("restore_drill", stdout=out)
    assert "文件：不一致，文件 media/reports/report.txt 没有恢复" in out.getvalue()
    assert "行数：" in out.getvalue() and "恢复演练通过" not in out.getvalue()


# --- Keys -------------------------------------------------------------------------------


def test_it_fingerprints_every_key_and_accepts_a_rotated_list(settings):
    settings.SECRET_KEY = "s" * 50
    settings.FIELD_ENCRYPTION_KEYS = ["old-key", "older-key"]
    settings.BLIND_INDEX_KEY = "blind"
    recorded = key_fingerprints()
    assert set(recorded) == {
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS[0]",
        "FIELD_ENCRYPTION_KEYS[1]",
        "BLIND_INDEX_KEY",
    }
    assert recorded["BLIND_INDEX_KEY"] == fingerprint("blind") != "blind"
    assert all(len(fp) == 16 for fp in recorded.values())

    settings.FIELD_ENCRYPTION_KEYS = ["new-key", "old-key", "older-key"]  # rotated
    assert unmatched_keys(recorded) == []
    settings.FIELD_ENCRYPTION_KEYS = ["new-key", "old-key"]
    settings.BLIND_INDEX_KEY = "another"
    assert unmatched_keys(recorded) == ["BLIND_INDEX_KEY", "FIELD_ENCRYPTION_KEYS[1]"]


@pytest.mark.django_db(transaction=True)
def test_it_drills_the_newest_backup_already_made(backup, settings):
    """--latest restores last night's backup (what the weekly timer runs), not a new one."""
    out = StringIO()
    call_command("restore_drill", "--latest", stdout=out)
    assert "恢复演练通过。" in out.getvalue()
    assert backups_in(settings.BACKUP_DIR) == [backup.path]  # nothing new was made


@pytest.mark.django_db(transaction=True)
def test_it_says_so_when_there_is_no_backup_to_drill(storage):
    with pytest.raises(CommandError, match=r"manage\.py backup"):
        call_command("restore_drill", "--latest")


@pytest.mark.django_db(transaction=True)
def test_it_skips_a_file_deleted_while_the_backup_runs(data, storage, monkeypatch):
    """A readiness probe's file or a checked upload may go between listing and copying."""
    from safeserve.operations import backups as module

    listed = module.storage_files

    def with_a_ghost(store, directory=""):
        yield from listed(store, directory)
        if directory == "":
            yield "readyz/gone.txt"

    monkeypatch.setattr(module, "storage_files", with_a_ghost)
    result = backup_create()
    assert "media/readyz/gone.txt" not in result.manifest["files"]
    assert "media/reports/report.txt" in result.manifest["files"]
