"""Signing documents: create what a document needs when its record is issued, then each
signature — the signer re-enters their password (and second factor where required), the PDF
is rendered at the first signature and every signature is added incrementally."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.accounts.otp import matching_device, otp_required
from safeserve.audit.services import audit_record
from safeserve.common import ratelimit
from safeserve.common.exceptions import ApplicationError
from safeserve.documents import ca, signing
from safeserve.documents.models import (
    DocumentKind,
    DocumentSignature,
    DocumentStatus,
    SignatureRole,
    SignedDocument,
)
from safeserve.documents.workflows import DOCUMENT

# Wrong passwords a signer may enter per hour before signing is refused for the hour: the
# sign form must not become a way round the login's lockout.
PASSWORD_TRIES = 5
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def check_code() -> str:
    return "".join(secrets.choice(CHECK_ALPHABET) for _ in range(8))


def notice_document_create(notice: Any, issuer: Any) -> SignedDocument:
    """What a rectification notice needs (R11): the task's lead expert signs it; when the
    provider's staff issued it, the provider seals it too. Called by notice_issue, in its
    transaction."""
    from safeserve.fieldwork.models import AssignmentRole

    task = notice.task
    lead = task.assignments.filter(role=AssignmentRole.LEAD).select_related("expert__user").first()
    document = SignedDocument.objects.create(
        county_id=notice.county_id,
        provider_id=notice.contract.provider_id,
        kind=DocumentKind.NOTICE,
        number=notice.number,
        check_code=check_code(),
        notice=notice,
    )
    rows: list[DocumentSignature] = []
    if lead is not None and lead.expert.user_id is not None:
        rows.append(
            DocumentSignature(
                document=document,
                position=len(rows) + 1,
                role=SignatureRole.EXPERT,
                signer_id=lead.expert.user_id,
                signer_name=lead.expert.name,
            )
        )
    if not rows or getattr(issuer, "role", "") != "expert":
        rows.append(
            DocumentSignature(document=document, position=len(rows) + 1, role=SignatureRole.SEAL)
        )
    DocumentSignature.objects.bulk_create(rows)
    return document


def _confirm_identity(actor: Any, password: str, code: str) -> None:
    """The signer proves it is them now: the password again, and the second factor where
    they must use one. Wrong tries are counted per person and hour."""
    key = f"sign-password:{actor.pk}"
    if not actor.check_password(password or ""):
        if not ratelimit.hit(key, limit=PASSWORD_TRIES, window_seconds=3600):
            raise ApplicationError(
                "too_many_tries",
                _("Too many wrong passwords: signing is locked for this hour."),
                status=429,
            )
        raise ApplicationError(
            "password_wrong",
            _("The password is not right: enter your login password to sign."),
            errors={"password": [_("Enter your login password.")]},
            status=400,
        )
    if otp_required(actor) and matching_device(actor, code or "") is None:
        raise ApplicationError(
            "otp_wrong",
            _("Enter the 6-digit code your authenticator app shows now to sign."),
            errors={"code": [_("Enter the current 6-digit code.")]},
            status=400,
        )


def _locked(document: SignedDocument) -> SignedDocument:
    return (
        SignedDocument.objects.select_for_update(of=("self",))
        .select_related("provider", "county", "notice")
        .prefetch_related("signatures")
        .get(pk=document.pk)
    )


def _render(document: SignedDocument, site_url: str) -> tuple[bytes, int]:
    if document.kind == DocumentKind.NOTICE:
        from safeserve.documents.notices import render_notice

        return render_notice(document, site_url)
    raise ValueError(document.kind)


def _apply(
    document: SignedDocument,
    slot: DocumentSignature,
    actor: Any,
    holder: ca.Holder,
    appearance: signing.Appearance,
    site_url: str,
) -> SignedDocument:
    if document.file:
        with document.file.open("rb") as handle:
            content = handle.read()
        if hashlib.sha256(content).hexdigest() != document.sha256:
            raise ApplicationError(
                "file_changed",
                _("The stored file no longer matches its record; nothing was signed."),
                status=409,
            )
    else:
        content, document.pages = _render(document, site_url)
    credential = ca.credential_for(holder, document.county)
    signed = signing.sign(
        content,
        credential=credential,
        authority=ca.authority_for(document.county),
        field_name=slot.field_name,
        index=slot.position - 1,
        appearance=appearance,
    )
    previous = document.file.name if document.file else ""
    document.file.save(f"{document.number}.pdf", ContentFile(signed), save=False)
    document.sha256 = hashlib.sha256(signed).hexdigest()
    now = timezone.now()
    slot.signed_at, slot.signed_by, slot.credential = now, actor, credential
    slot.signer_name = holder.common_name
    slot.save(update_fields=["signed_at", "signed_by", "credential", "signer_name"])
    if all(s.signed_at is not None for s in document.signatures.all()):
        document.status = DocumentStatus.COMPLETE
        document.completed_at = now
    document.save()
    if previous:
        storage = document.file.storage
        transaction.on_commit(lambda: storage.delete(previous))
    audit_record(
        action="document.signed",
        actor=actor,
        obj=document,
        before={"status": DocumentStatus.SIGNING},
        after={
            "status": document.status,
            "signature": slot.get_role_display(),
            "signer": holder.common_name,
            "certificate": credential.serial,
            "sha256": document.sha256,
        },
    )
    return document


def _signing(
    verb: str, actor: Any, document: SignedDocument, password: str, code: str, site_url: str
) -> SignedDocument:
    """The verb's role and state, then the password — before the transaction, so that a
    wrong password counts (ratelimit) though nothing else is written — then, on the locked
    document checked again, the signature."""
    DOCUMENT.check(verb, actor, document_of(document.pk))
    _confirm_identity(actor, password, code)
    with transaction.atomic():
        locked = _locked(document)
        DOCUMENT.check(verb, actor, locked)
        if verb == "seal":
            slot = next(
                s
                for s in locked.signatures.all()
                if s.role == SignatureRole.SEAL and s.signed_at is None
            )
            provider = locked.provider
            holder = ca.Holder(provider.name, provider.name, provider=provider)
            appearance = signing.Appearance(
                _("Provider's seal"), provider.name, _("Time sealed"), seal=True
            )
        else:
            slot = next(
                s
                for s in locked.signatures.all()
                if s.role == SignatureRole.EXPERT
                and s.signer_id == actor.pk
                and s.signed_at is None
            )
            holder = ca.Holder(
                actor.full_name or actor.get_username(), locked.provider.name, user=actor
            )
            appearance = signing.Appearance(
                _("Expert's signature"), holder.common_name, _("Time signed")
            )
        return _apply(locked, slot, actor, holder, appearance, site_url)


def document_sign(
    *, actor: Any, document: SignedDocument, password: str, code: str = "", site_url: str
) -> SignedDocument:
    """An expert signs for themselves (nobody signs for another)."""
    return _signing("sign", actor, document, password, code, site_url)


def document_seal(
    *, actor: Any, document: SignedDocument, password: str, code: str = "", site_url: str
) -> SignedDocument:
    """The provider's seal, over every expert's signature, by its admin or leader."""
    return _signing("seal", actor, document, password, code, site_url)


def document_of(pk: int) -> SignedDocument:
    """A document with what its verb table reads (provider, signatures)."""
    return (
        SignedDocument.objects.select_related("provider").prefetch_related("signatures").get(pk=pk)
    )
