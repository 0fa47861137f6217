"""Recomputes each chain and reports the first broken link (``manage.py verify_audit``)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.utils import timezone

from safeserve.audit.models import GENESIS_HASH, AuditChain, AuditEvent
from safeserve.audit.services import _payload_from_event, chain_hash


@dataclass(frozen=True)
class ChainResult:
    key: str
    events: int
    problem: str | None = None
    seq: int | None = None
    event_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(chain: AuditChain) -> ChainResult:
    expected_seq = chain.pruned_seq + 1
    prev = chain.pruned_hash if chain.pruned_seq else GENESIS_HASH
    count = chain.pruned_seq
    events = AuditEvent.objects.filter(chain=chain).order_by("seq").iterator(chunk_size=2000)
    for event in events:
        count += 1

        def broken(problem: str, event: AuditEvent = event, count: int = count) -> ChainResult:
            return ChainResult(chain.key, count, problem, event.seq, event.pk)

        if event.seq != expected_seq:
            return broken(f"sequence gap: expected {expected_seq}, found {event.seq}")
        if event.prev_hash != prev:
            return broken("prev_hash does not match the previous event's hash")
        if chain_hash(event.prev_hash, event.canonical) != event.hash:
            return broken("hash does not match the stored canonical text")
        try:
            stored = json.loads(event.canonical)
        except ValueError:
            return broken("canonical text is not valid JSON")
        columns = json.loads(json.dumps(_payload_from_event(event)))
        for field, value in columns.items():
            if stored.get(field) != value:
                return broken(f"column {field!r} differs from the hashed canonical text")
        prev = event.hash
        expected_seq += 1
    if chain.last_seq != count or chain.last_hash != prev:
        return ChainResult(
            chain.key,
            count,
            f"chain head says {chain.last_seq} events ending in {chain.last_hash[:12]}…, "
            f"found {count} ending in {prev[:12]}… (events removed from the end?)",
        )
    return ChainResult(chain.key, count)


def verify_all() -> list[ChainResult]:
    """Every chain recomputed; writes nothing (a backup verifies inside its read-only
    snapshot)."""
    return [verify_chain(chain) for chain in AuditChain.objects.order_by("key")]


def verify_and_record() -> list[ChainResult]:
    """Every chain recomputed, each recording when and with what result, for the audit trail
    page (the daily job and verify_audit). A verification changes no event, so it leaves no
    audit event."""
    results = verify_all()
    for result in results:
        AuditChain.objects.filter(key=result.key).update(
            verified_at=timezone.now(),
            verified_events=result.events,
            verified_problem=result.problem or "",
        )
    return results
