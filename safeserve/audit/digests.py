"""Signed digests of the audit chains' heads, kept outside the database.

The hash chain shows an event edited in place, but someone with the database could delete the
newest events and fix the chain head, or rewrite an event and recompute every hash after it;
the chain would still verify. A digest anchors a chain at one moment: its sequence number and
head hash, signed with an Ed25519 key the database does not hold. The county office downloads
its county's digests and backups carry them; ``manage.py verify_audit --against FILE`` then
finds any truncation or rewrite of the events the digest covers.
GB/T 22239-2019 8.1.4.3 c): 应对审计记录进行保护……避免受到未预期的删除、修改或覆盖.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from safeserve.audit.models import AuditChain, AuditDigest, AuditEvent
from safeserve.audit.services import audit_record

FORMAT = "safeserve-audit-digest/1"
SIGNED_FIELDS = ("format", "chain", "county", "seq", "hash", "issued_at", "key")


def _private_key() -> Ed25519PrivateKey:
    """Derived from SIGNING_KEY (or, without one, SECRET_KEY): neither is in the database."""
    secret = (getattr(settings, "SIGNING_KEY", "") or settings.SECRET_KEY).encode()
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"safeserve audit digest"
    ).derive(secret)
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_bytes() -> bytes:
    return _private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id() -> str:
    return hashlib.sha256(public_key_bytes()).hexdigest()[:16]


def _signed_text(document: dict[str, Any]) -> bytes:
    fields = {name: document.get(name) for name in SIGNED_FIELDS}
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest_document(digest: AuditDigest) -> dict[str, Any]:
    """The digest as the county office keeps it: readable JSON, verifiable with any Ed25519
    tool and the public key it names."""
    return json.loads(digest.document)


def latest_digests(county_id: int | None = None) -> list[dict[str, Any]]:
    """The newest digest of every chain (of one county's chain when ``county_id`` is given)."""
    newest = AuditDigest.objects.values("chain").annotate(last=models.Max("pk")).values("last")
    found = AuditDigest.objects.filter(pk__in=newest).order_by("chain_id")
    if county_id is not None:
        found = found.filter(county_id=county_id)
    return [digest_document(d) for d in found]


@transaction.atomic
def digests_issue() -> list[AuditDigest]:
    """One signed digest for every chain whose head moved since its last digest (the daily
    job runs this). The issuing is recorded first, in the platform chain, so the platform's
    digest covers its own record and an unchanged day signs nothing."""
    newest = AuditDigest.objects.values("chain").annotate(last=models.Max("pk")).values("last")
    latest = {d.chain_id: d.seq for d in AuditDigest.objects.filter(pk__in=newest)}
    moved = [
        chain.key
        for chain in AuditChain.objects.order_by("key")
        if chain.last_seq and latest.get(chain.key) != chain.last_seq
    ]
    if not moved:
        return []
    event = audit_record(action="audit.digests_issued", after={"chains": moved, "key": key_id()})
    keys = {*moved, event.chain_id}
    private = _private_key()
    now = timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    issued = []
    for chain in AuditChain.objects.filter(key__in=keys).select_related("county").order_by("key"):
        document: dict[str, Any] = {
            "format": FORMAT,
            "chain": chain.key,
            "county": chain.county.code if chain.county else None,
            "seq": chain.last_seq,
            "hash": chain.last_hash,
            "issued_at": now,
            "key": key_id(),
        }
        signature = private.sign(_signed_text(document))
        document["public_key"] = base64.b64encode(public_key_bytes()).decode()
        document["signature"] = base64.b64encode(signature).decode()
        issued.append(
            AuditDigest.objects.create(
                chain=chain,
                county=chain.county,
                seq=chain.last_seq,
                hash=chain.last_hash,
                document=json.dumps(document, ensure_ascii=False, sort_keys=True),
            )
        )
    return issued


@dataclass(frozen=True)
class DigestCheck:
    chain: str
    seq: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def read_digests(text: str) -> list[dict[str, Any]]:
    """A file of digests: one JSON object, a JSON list, or one object per line."""
    text = text.strip()
    if not text:
        return []
    try:
        loaded = json.loads(text)
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return loaded if isinstance(loaded, list) else [loaded]


def check_digest(document: dict[str, Any]) -> DigestCheck:
    """Is the chain, as the database holds it now, still what the digest signed?"""
    if not isinstance(document, dict):
        return DigestCheck("?", 0, "not a digest (expected a JSON object)")
    chain_key = str(document.get("chain", ""))
    try:
        seq = int(document.get("seq") or 0)
    except (TypeError, ValueError):
        return DigestCheck(chain_key, 0, "the digest's seq is not a number")
    try:
        signature = base64.b64decode(str(document.get("signature", "")), validate=True)
        Ed25519PublicKey.from_public_bytes(public_key_bytes()).verify(
            signature, _signed_text(document)
        )
    except (InvalidSignature, ValueError):
        return DigestCheck(chain_key, seq, "the digest's signature is not valid under this key")
    chain = AuditChain.objects.filter(key=chain_key).first()
    if chain is None:
        return DigestCheck(chain_key, seq, "the chain is missing (all its events removed?)")
    if chain.last_seq < seq:
        return DigestCheck(
            chain_key,
            seq,
            f"truncated: the digest covers {seq} events, the chain now has {chain.last_seq}",
        )
    if seq < chain.pruned_seq:
        return DigestCheck(chain_key, seq)  # the events it covers are past retention, pruned
    if seq == chain.pruned_seq:
        matches = chain.pruned_hash == document.get("hash")
        return DigestCheck(chain_key, seq, None if matches else f"rewritten: event {seq}")
    event = AuditEvent.objects.filter(chain=chain, seq=seq).only("hash").first()
    if event is None:
        return DigestCheck(chain_key, seq, f"event {seq} the digest covers is missing")
    if event.hash != document.get("hash"):
        return DigestCheck(
            chain_key, seq, f"rewritten: event {seq} no longer has the hash the digest signed"
        )
    return DigestCheck(chain_key, seq)
