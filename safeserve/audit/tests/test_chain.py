from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from safeserve.accounts.services import user_create
from safeserve.audit.models import PLATFORM_CHAIN, AuditChain, AuditEvent
from safeserve.audit.services import audit_record
from safeserve.audit.verification import verify_all, verify_and_record


def _tamper(sql: str, params: list[str | int]) -> None:
    """Edit a stored event the way a database administrator could, past the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser session can switch triggers off; the hash chain must still notice.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_append_only")
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_retention")
            cursor.execute(sql, params)


@pytest.fixture
def events(world):
    officer = world["county_officer"]
    for n in range(3):
        audit_record(action="test.event", actor=officer, after={"n": n})
    return AuditEvent.objects.filter(action="test.event").order_by("seq")


def test_it_chains_each_event_to_the_previous_one(events):
    first, second, third = events
    assert second.seq == first.seq + 1 and third.seq == second.seq + 1
    assert second.prev_hash == first.hash
    expected = hashlib.sha256((first.prev_hash + first.canonical).encode()).hexdigest()
    assert first.hash == expected
    assert json.loads(first.canonical)["action"] == "test.event"


def test_it_keeps_one_chain_per_county_and_one_for_the_platform(world):
    officer, other = world["county_officer"], world["other_county_officer"]
    a = audit_record(action="test.event", actor=officer)
    b = audit_record(action="test.event", actor=other)
    c = audit_record(action="test.event", actor=None)
    assert a.chain_id == f"county:{officer.organization.county_id}"
    assert b.chain_id == f"county:{other.organization.county_id}"
    assert c.chain_id == PLATFORM_CHAIN
    assert len({a.chain_id, b.chain_id, c.chain_id}) == 3


def test_verify_reports_ok_for_untouched_chains(events):
    results = verify_all()
    assert results and all(r.ok for r in results)
    call_command("verify_audit")  # does not raise


def test_verify_catches_an_edited_column(events):
    target = events[1]
    _tamper("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["edited", target.pk])
    broken = [r for r in verify_all() if not r.ok]
    assert len(broken) == 1
    assert broken[0].seq == target.seq
    assert "reason" in broken[0].problem
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_verify_catches_an_edited_canonical_text(events):
    target = events[0]
    forged = target.canonical.replace('"n":0', '"n":9')
    _tamper("UPDATE audit_auditevent SET canonical = %s WHERE id = %s", [forged, target.pk])
    broken = [r for r in verify_all() if not r.ok]
    assert broken[0].seq == target.seq
    assert "hash" in broken[0].problem


def test_verify_catches_a_removed_event(events):
    target = events[1]
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    broken = [r for r in verify_all() if not r.ok]
    assert broken and "sequence gap" in broken[0].problem


def test_verify_catches_events_removed_from_the_end(events):
    last = events.last()
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    broken = [r for r in verify_all() if not r.ok]
    assert broken and "chain head" in broken[0].problem


def test_the_database_refuses_to_update_an_event(events):
    target = events[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=target.pk).update(reason="rewritten")
    target.refresh_from_db()
    assert target.reason == ""


def test_both_databases_refuse_to_delete_an_event_younger_than_the_retention(world):
    # The database's own clock judges the age; an event stamped in 2099 is young on any date.
    with time_machine.travel(dt.datetime(2099, 1, 1, tzinfo=dt.UTC)):
        event = audit_record(action="test.event", actor=world["county_officer"])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_masks_phones_and_id_numbers(world):
    officer = world["county_admin"]
    user, _ = user_create(
        actor=officer,
        organization=officer.organization,
        username="new_one",
        full_name="新用户",
        role="viewer",
        phone="13912345678",
    )
    event = AuditEvent.objects.get(action="user.created", object_id=str(user.pk))
    assert event.after["phone"] == "139****5678"
    assert "13912345678" not in event.canonical
    masked = audit_record(
        action="test.event", actor=officer, after={"id_number": "110101199003074512"}
    )
    assert masked.after["id_number"] == "1101**********4512"


def test_sequence_numbers_follow_the_chain_head(events):
    chain = AuditChain.objects.get(pk=events[0].chain_id)
    assert chain.last_seq == AuditEvent.objects.filter(chain=chain).count()
    assert chain.last_hash == AuditEvent.objects.filter(chain=chain).order_by("-seq").first().hash


def test_the_trail_page_says_in_words_when_and_how_it_was_last_checked(events, world, login):
    from django.urls import reverse

    client = login(world["county_officer"])
    never = client.get(reverse("audit:list")).content.decode()
    assert "尚未校验" in never and "manage.py" not in never
    verify_and_record()
    checked = client.get(reverse("audit:list")).content.decode()
    assert "最近一次校验" in checked and "完整" in checked and "alert-success" in checked
    first = events.first()
    _tamper("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["改过", first.pk])
    verify_and_record()
    broken = client.get(reverse("audit:list")).content.decode()
    assert "alert-danger" in broken and "平台管理员" in broken
    # Another county's page is not alarmed by this county's trail.
    other = login(world["other_county_officer"]).get(reverse("audit:list")).content.decode()
    assert "alert-danger" not in other
