"""Removing audit events past the retention period — the only way they leave (the database
triggers refuse any younger deletion: safeserve/common/db/retention.py). Each chain loses a
prefix, never a gap; the chain remembers where it now starts, and the removal is itself an
audit event of that chain. 网络安全法 第21条: logs kept no less than six months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from safeserve.audit.models import AuditChain, AuditEvent
from safeserve.audit.services import audit_record
from safeserve.common.models import policy_for


@dataclass(frozen=True)
class Pruned:
    chain: str
    retention_days: int
    through_seq: int
    removed: int


@transaction.atomic
def audit_prune(*, dry_run: bool = False) -> list[Pruned]:
    """Per chain, removes the events older than its county's retention period."""
    results = []
    now = timezone.now()
    for chain in AuditChain.objects.select_for_update().order_by("key"):
        days = policy_for(chain.county_id).audit_retention_days
        after_pruned = AuditEvent.objects.filter(chain=chain, seq__gt=chain.pruned_seq)
        # A prefix only: the chain is cut before its first event still inside retention.
        young = (
            after_pruned.filter(created_at__gte=now - dt.timedelta(days=days))
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        through = young - 1 if young is not None else chain.last_seq
        last = after_pruned.filter(seq=through).only("seq", "hash").first()
        if last is None:
            continue
        prefix = AuditEvent.objects.filter(chain=chain, seq__gt=chain.pruned_seq, seq__lte=last.seq)
        removed = prefix.count()
        results.append(Pruned(chain.key, days, last.seq, removed))
        if dry_run:
            continue
        prefix.delete()
        chain.pruned_seq, chain.pruned_hash = last.seq, last.hash
        chain.save(update_fields=["pruned_seq", "pruned_hash"])
        audit_record(
            action="audit.pruned",
            county_id=chain.county_id,
            after={"through_seq": last.seq, "removed": removed, "retention_days": days},
        )
    return results
