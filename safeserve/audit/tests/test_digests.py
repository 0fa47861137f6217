"""Signed digests anchor each chain outside the database: an attacker with the database who
cuts the newest events and fixes the head, or rewrites an event and recomputes every hash,
passes ``verify_audit`` alone but not ``verify_audit --against`` a digest kept elsewhere.
Old events leave only through ``audit_prune``, recorded in the chain."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from safeserve.audit.digests import check_digest, digests_issue, latest_digests
from safeserve.audit.models import AuditChain, AuditDigest, AuditEvent
from safeserve.audit.retention import audit_prune
from safeserve.audit.services import audit_record, canonical_text, chain_hash
from safeserve.audit.tests.test_chain import _tamper
from safeserve.audit.verification import verify_all
from safeserve.common.models import CountyPolicy
from safeserve.organizations.models import Region, RegionLevel


@pytest.fixture
def chain(world) -> AuditChain:
    officer = world["county_officer"]
    for n in range(5):
        audit_record(action="test.event", actor=officer, after={"n": n})
    return AuditChain.objects.get(key=f"county:{officer.organization.county_id}")


def _digest_file(tmp_path: Path, documents: list) -> str:
    path = tmp_path / "digests.json"
    path.write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _mine(chain: AuditChain) -> dict:
    return next(d for d in latest_digests() if d["chain"] == chain.key)


def test_a_digest_signs_every_chain_that_moved_and_verifies(chain, tmp_path, capsys):
    issued = digests_issue()
    assert chain.key in {d.chain_id for d in issued}
    assert digests_issue() == []  # nothing moved since (its own record included)
    event = AuditEvent.objects.get(action="audit.digests_issued")
    assert chain.key in event.after["chains"]
    document = _mine(chain)
    chain.refresh_from_db()
    assert (document["seq"], document["hash"]) == (chain.last_seq, chain.last_hash)
    assert document["county"] == chain.county.code and document["signature"]
    call_command("verify_audit", "--against", _digest_file(tmp_path, latest_digests()))
    assert f"DIGEST  {chain.key}: matches at seq {chain.last_seq}" in capsys.readouterr().out


def test_cutting_the_newest_events_and_fixing_the_head_is_found(chain, tmp_path):
    digests_issue()
    document = _mine(chain)
    chain.refresh_from_db()
    cut = chain.last_seq - 2
    _tamper("DELETE FROM audit_auditevent WHERE chain_id = %s AND seq > %s", [chain.key, cut])
    kept = AuditEvent.objects.get(chain=chain, seq=cut)
    AuditChain.objects.filter(pk=chain.pk).update(last_seq=cut, last_hash=kept.hash)
    assert all(result.ok for result in verify_all())  # the chain alone cannot tell
    check = check_digest(document)
    assert not check.ok and "truncated" in check.problem
    with pytest.raises(CommandError):
        call_command("verify_audit", "--against", _digest_file(tmp_path, [document]))


def test_rewriting_an_event_and_every_hash_after_it_is_found(chain, tmp_path):
    digests_issue()
    document = _mine(chain)
    events = list(AuditEvent.objects.filter(chain=chain).order_by("seq"))
    target = events[-3]
    prev = target.prev_hash
    for event in events[events.index(target) :]:
        payload = json.loads(event.canonical)
        payload["prev_hash"] = prev
        if event.pk == target.pk:
            payload["after"] = {"n": 7}
            _tamper("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 7}', event.pk])
        canonical = canonical_text(payload)
        new_hash = chain_hash(prev, canonical)
        _tamper(
            "UPDATE audit_auditevent SET canonical = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [canonical, prev, new_hash, event.pk],
        )
        prev = new_hash
    AuditChain.objects.filter(pk=chain.pk).update(last_hash=prev)
    assert [r.problem for r in verify_all() if not r.ok] == []  # self-consistent again
    check = check_digest(document)
    assert not check.ok and "rewritten" in check.problem


def test_a_forged_digest_is_refused(chain):
    digests_issue()
    document = _mine(chain)
    assert check_digest(document).ok
    assert not check_digest({**document, "seq": document["seq"] - 1}).ok
    assert "signature" in check_digest({**document, "signature": "AAAA"}).problem


def test_the_county_office_downloads_its_own_digests_only(chain, world, login):
    digests_issue()
    client = login(world["county_officer"])
    page = client.get(reverse("audit:digests"))
    assert page.status_code == 200
    assert {d.chain_id for d in page.context["page"].object_list} == {chain.key}
    latest = json.loads(client.get(reverse("audit:digests_latest")).content)
    assert [d["chain"] for d in latest] == [chain.key]
    own = AuditDigest.objects.get(chain=chain)
    assert client.get(reverse("audit:digest", args=[own.pk])).status_code == 200
    other = login(world["other_county_officer"])
    assert other.get(reverse("audit:digest", args=[own.pk])).status_code == 404
    assert login(world["township_officer"]).get(reverse("audit:digests")).status_code == 403
    export = login(world["county_officer"]).get(reverse("audit:digests_export"))
    assert export.status_code == 200


def test_the_daily_job_issues_the_digests(chain, capsys):
    call_command("run_daily")
    assert AuditDigest.objects.filter(chain=chain).exists()


def test_only_audit_prune_removes_old_events_and_the_chain_still_verifies(world):
    city = Region.objects.get(code="990100")
    county = Region.objects.create(
        code="990199", name="测试县", level=RegionLevel.COUNTY, parent=city
    )
    CountyPolicy.objects.create(county=county, audit_retention_days=180)
    # Stamped long before any date the database's clock can show: old on any day; then two
    # stamped far ahead: young on any day.
    with time_machine.travel(dt.datetime(2020, 1, 1, tzinfo=dt.UTC)):
        for n in range(3):
            audit_record(action="test.old", county_id=county.pk, after={"n": n})
    digests_issue()
    document = next(d for d in latest_digests() if d["chain"] == f"county:{county.pk}")
    with time_machine.travel(dt.datetime(2099, 1, 1, tzinfo=dt.UTC)):
        for n in range(2):
            audit_record(action="test.young", county_id=county.pk, after={"n": n})
    key = f"county:{county.pk}"
    dry = {r.chain: r for r in audit_prune(dry_run=True)}
    assert AuditEvent.objects.filter(chain_id=key).count() == 5
    results = {r.chain: r for r in audit_prune()}
    assert results[key] == dry[key]
    assert (results[key].through_seq, results[key].removed) == (3, 3)
    assert not AuditEvent.objects.filter(action="test.old").exists()
    assert AuditEvent.objects.filter(action="test.young").count() == 2
    chain = AuditChain.objects.get(key=key)
    assert chain.pruned_seq == 3
    assert all(result.ok for result in verify_all())
    pruned = AuditEvent.objects.get(chain_id=key, action="audit.pruned")
    assert pruned.after == {"through_seq": 3, "removed": 3, "retention_days": 180}
    assert check_digest(document).ok  # what it covers is past retention, not tampered


def test_a_flush_still_empties_the_database(transactional_db, world):
    """Django's flush (the test runner's, or an operator's) is not stopped by the triggers."""
    audit_record(action="test.event", actor=world["county_officer"])
    call_command("flush", "--noinput")
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("content", ["[1, 2]", '{"chain": "county:1", "seq": "many"}', "{oops"])
def test_a_malformed_digest_file_is_a_clear_refusal(chain, tmp_path, content):
    path = tmp_path / "digests.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("verify_audit", "--against", str(path))
    assert "digest" in str(refused.value)
