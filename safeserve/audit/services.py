"""Writing to the audit trail. Every other service calls ``audit_record`` inside its own
transaction, so an action and its audit event commit or roll back together."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from safeserve.audit.models import GENESIS_HASH, PLATFORM_CHAIN, AuditChain, AuditEvent
from safeserve.common.lib.masking import mask_mapping
from safeserve.common.middleware import current_request_context


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, set | frozenset):
        return sorted(value)
    if hasattr(value, "__str__"):
        return str(value)  # lazy translation strings and enums
    raise TypeError(f"Cannot put {type(value)!r} into an audit event")


def format_time(value: dt.datetime) -> str:
    """Fixed UTC format with microseconds, so the text is the same on every database."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalise(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Masked, JSON-clean copy of before/after data (Decimals and times become text)."""
    if data is None:
        return None
    masked = mask_mapping(data)
    result: dict[str, Any] = json.loads(json.dumps(masked, default=_json_default))
    return result


def canonical_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def chain_key_for_county(county_id: int | None) -> str:
    return f"county:{county_id}" if county_id else PLATFORM_CHAIN


@dataclass(frozen=True)
class ObjectRef:
    """Identifies what an event is about when there is no model instance at hand."""

    type: str
    id: str
    repr: str = ""


def object_ref(obj: models.Model) -> ObjectRef:
    return ObjectRef(type=obj._meta.label_lower, id=str(obj.pk), repr=str(obj)[:200])


def _payload_from_event(event: AuditEvent) -> dict[str, Any]:
    return {
        "chain": event.chain_id,
        "seq": event.seq,
        "prev_hash": event.prev_hash,
        "time": format_time(event.created_at),
        "actor_id": event.actor_id,
        "actor": event.actor_name,
        "organization_id": event.organization_id,
        "county_id": event.county_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "ip": event.ip,
        "user_agent": event.user_agent,
    }


@transaction.atomic
def audit_record(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | ObjectRef | None = None,
    county_id: int | None = None,
    organization_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain of ``county_id`` (the platform chain when None).

    When ``county_id`` is not given it is taken from the object (``county_id`` attribute)
    or the actor's organization.
    """
    ref = object_ref(obj) if isinstance(obj, models.Model) else obj
    actor_org = getattr(actor, "organization", None) if actor is not None else None
    if county_id is None:
        county_id = getattr(obj, "county_id", None) if isinstance(obj, models.Model) else None
    if county_id is None and actor_org is not None:
        county_id = actor_org.county_id
    if organization_id is None and actor_org is not None:
        organization_id = actor_org.pk
    key = chain_key_for_county(county_id)

    AuditChain.objects.get_or_create(key=key, defaults={"county_id": county_id})
    # The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before we read
    # the head, so two writers can never compute the same sequence number.
    AuditChain.objects.filter(key=key).update(last_seq=F("last_seq") + 1)
    head = AuditChain.objects.select_for_update().get(key=key)

    context = current_request_context()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        chain_id=key,
        seq=head.last_seq,
        created_at=timezone.now(),
        actor_id=actor.pk if is_user else None,
        actor_name=(actor.get_username() if is_user else str(actor or ""))[:150],
        organization_id=organization_id,
        county_id=county_id,
        action=action,
        object_type=ref.type if ref else "",
        object_id=ref.id if ref else "",
        object_repr=ref.repr[:200] if ref else "",
        before=normalise(before),
        after=normalise(after),
        reason=reason or "",
        ip=context.ip if context else None,
        user_agent=context.user_agent if context else "",
        prev_hash=head.last_hash or GENESIS_HASH,
    )
    event.canonical = canonical_text(_payload_from_event(event))
    event.hash = chain_hash(event.prev_hash, event.canonical)
    event.save(force_insert=True)
    AuditChain.objects.filter(key=key).update(last_hash=event.hash)
    return event


def audit_bulk_load(
    *,
    action: str,
    actor: Any,
    county_id: int | None,
    count: int,
    checksum: str,
    description: str = "",
) -> AuditEvent:
    """One event for a whole batch (seeding, imports): its size and content checksum."""
    return audit_record(
        action=action,
        actor=actor,
        county_id=county_id,
        after={"count": count, "sha256": checksum, "description": description},
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, for compact before/after records."""
    changed = {k for k in after if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in sorted(changed)}, {k: after[k] for k in sorted(changed)}
