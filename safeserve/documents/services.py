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
from safeserve.documents.workflows import DOCUMENT, is_signatory
from safeserve.providers.models import Expert
from safeserve.providers.numbering import REPORT as REPORT_NUMBERS
from safeserve.providers.numbering import next_number

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


def follow_the_lead(task: Any, lead: Any) -> None:
    """A notice is signed by its task's lead expert (R11): when the team changes, every
    unsigned lead's signature on the task's notices waits on the new lead instead (an expert
    who left, or was replaced, is not waited on). Called by task_assign, in its
    transaction; the assignment's own audit event records the change."""
    if lead.user_id is None:
        return
    DocumentSignature.objects.filter(
        document__notice__task=task,
        document__status=DocumentStatus.SIGNING,
        role=SignatureRole.EXPERT,
        signed_at__isnull=True,
    ).exclude(signer_id=lead.user_id).update(signer_id=lead.user_id, signer_name=lead.name)


def _confirm_identity(actor: Any, password: str, code: str) -> None:
    """The signer proves it is them now: the password again, and the second factor where
    they must use one. Wrong passwords are counted per person and hour, and once used up
    even the right one is refused until the hour ends (so guessing cannot go on)."""
    key = f"sign-password:{actor.pk}"
    if ratelimit.spent(key, limit=PASSWORD_TRIES, window_seconds=3600):
        raise ApplicationError(
            "too_many_tries",
            _("Too many wrong passwords: signing is locked for this hour."),
            status=429,
        )
    if not actor.check_password(password or ""):
        ratelimit.hit(key, limit=PASSWORD_TRIES, window_seconds=3600)
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


def document_of(pk: int) -> SignedDocument:
    """A document with what its verb table and signing read."""
    return (
        SignedDocument.objects.select_related(*DOCUMENT_RELATED)
        .prefetch_related("signatures")
        .get(pk=pk)
    )


# What the verb table and signing read of a document.
DOCUMENT_RELATED = (
    "provider",
    "county",
    "notice__contract__provider",
    "report__contract__provider",
    "report__task",
)


def _render(document: SignedDocument, site_url: str) -> tuple[bytes, int]:
    if document.kind == DocumentKind.NOTICE:
        from safeserve.documents.notices import render_notice

        return render_notice(document, site_url)
    raise ValueError(document.kind)


def _content(document: SignedDocument, site_url: str) -> tuple[bytes, int]:
    """What the next signature goes over: the stored file, or the first rendering."""
    if not document.file:
        return _render(document, site_url)
    with document.file.open("rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise ApplicationError(
            "file_changed",
            _("The stored file no longer matches its record; nothing was signed."),
            status=409,
        )
    return content, document.pages


def _refuse_done(verb: str, actor: Any, document: SignedDocument) -> None:
    """Signing twice is a conflict with what happened (409), not a question of role."""
    slots = [s for s in document.signatures.all() if s.role == verb_role(verb)]
    if verb == "sign":
        slots = [s for s in slots if s.signer_id == actor.pk]
    elif not is_signatory(actor, document):
        return
    if slots and all(s.signed_at is not None for s in slots):
        raise ApplicationError(
            "already_signed",
            _("Already signed: %(number)s has this signature.") % {"number": document.number},
        )


def verb_role(verb: str) -> str:
    return SignatureRole.SEAL if verb == "seal" else SignatureRole.EXPERT


def _rect(document: SignedDocument, slot: DocumentSignature) -> tuple[int, int, int, int]:
    """Where the slot's visible block goes: a notice's signature band, a report's signature
    page (the seal over the last expert's block)."""
    if document.kind != DocumentKind.REPORT:
        return signing.box(slot.position - 1)
    if slot.role == SignatureRole.SEAL:
        experts = sum(1 for s in document.signatures.all() if s.role == SignatureRole.EXPERT)
        return signing.report_seal_box(experts)
    return signing.report_box(slot.position - 1)


def _long_term(document: SignedDocument, slot: DocumentSignature) -> signing.LongTerm | None:
    """The last signature a document needs embeds the validation data of them all (PAdES
    B-LT): the county CA's revocation list of this moment, and the roots they chain to."""
    if any(s.signed_at is None and s.pk != slot.pk for s in document.signatures.all()):
        return None
    return signing.LongTerm(
        roots_pem=[
            ca.authority_for(document.county).certificate_pem,
            *ca.licensed_roots(),
            *ca.tsa_roots(),
        ],
        crls_der=[ca.revocation_list(document.county)],
    )


def _slot_and_holder(
    verb: str, actor: Any, document: SignedDocument, number: str = ""
) -> tuple[DocumentSignature, ca.Holder, signing.Appearance]:
    if verb == "seal":
        slot = next(
            s
            for s in document.signatures.all()
            if s.role == SignatureRole.SEAL and s.signed_at is None
        )
        provider = document.provider
        holder = ca.Holder(provider.name, provider.name, provider=provider)
        if document.kind == DocumentKind.REPORT:
            appearance = signing.Appearance(
                _("Technical report seal"),
                provider.name,
                _("Time sealed"),
                seal=True,
                round=True,
                number=number,
            )
        else:
            appearance = signing.Appearance(
                _("Provider's seal"), provider.name, _("Time sealed"), seal=True
            )
        return slot, holder, appearance
    slot = next(
        s
        for s in document.signatures.all()
        if s.role == SignatureRole.EXPERT and s.signer_id == actor.pk and s.signed_at is None
    )
    # The certificate names the person and their own employer (an engaged expert's too).
    expert = Expert.objects.filter(user=actor).select_related("employer").first()
    employer = expert.employer.name if expert and expert.employer else document.provider.name
    holder = ca.Holder(actor.full_name or actor.get_username(), employer, user=actor)
    appearance = signing.Appearance(_("Expert's signature"), holder.common_name, _("Time signed"))
    return slot, holder, appearance


def _signing(
    verb: str, actor: Any, document: SignedDocument, password: str, code: str, site_url: str
) -> SignedDocument:
    """The verb's role and state, then the password, then the slow part — rendering and
    signing — outside any transaction (a wrong password still counts; nobody waits on a
    lock meanwhile); then, under the document's lock, the verb checked again and the file
    saved if nothing was signed in between (else the signature is made again over the new
    file)."""
    if verb == "seal" and document.kind == DocumentKind.REPORT:
        current = document_of(document.pk)
        _refuse_done(verb, actor, current)
        DOCUMENT.check(verb, actor, current)
        _confirm_identity(actor, password, code)
        return _seal_report(actor, document)
    for _attempt in range(3):
        current = document_of(document.pk)
        _refuse_done(verb, actor, current)
        DOCUMENT.check(verb, actor, current)
        if _attempt == 0:
            _confirm_identity(actor, password, code)
        slot, holder, appearance = _slot_and_holder(verb, actor, current)
        content, pages = _content(current, site_url)
        credential = ca.credential_for(holder, current.county)
        signed = signing.sign(
            content,
            credential=credential,
            authority=ca.authority_for(current.county),
            field_name=slot.field_name,
            rect=_rect(current, slot),
            appearance=appearance,
            long_term=_long_term(current, slot),
        )
        with transaction.atomic():
            locked = _locked(document)
            if locked.sha256 != current.sha256:
                continue  # another signature landed meanwhile: sign over the new file
            _refuse_done(verb, actor, locked)
            DOCUMENT.check(verb, actor, locked)
            slot = next(s for s in locked.signatures.all() if s.pk == slot.pk)
            locked.pages = pages
            return _store(locked, slot, actor, holder, credential, signed)
    raise ApplicationError(
        "busy", _("Others are signing this document right now; try again in a moment.")
    )


def _locked(document: SignedDocument) -> SignedDocument:
    return (
        SignedDocument.objects.select_for_update(of=("self",))
        .select_related(*DOCUMENT_RELATED)
        .prefetch_related("signatures")
        .get(pk=document.pk)
    )


@transaction.atomic
def _seal_report(actor: Any, document: SignedDocument) -> SignedDocument:
    """A report's seal takes the provider's next report number (R13), printed in the seal:
    the number, the signature and the report's new state are one transaction, under the
    document's and the counter's locks, so a failed seal gives its number back and the
    numbers have no gaps. (Sealing is rare; holding the provider's counter while the
    signature is made is cheap.)"""
    from safeserve.documents.report_services import report_sealed

    locked = _locked(document)
    _refuse_done("seal", actor, locked)
    DOCUMENT.check("seal", actor, locked)
    number = next_number(locked.provider, REPORT_NUMBERS)
    slot, holder, appearance = _slot_and_holder("seal", actor, locked, number)
    content, pages = _content(locked, "")
    credential = ca.credential_for(holder, locked.county)
    signed = signing.sign(
        content,
        credential=credential,
        authority=ca.authority_for(locked.county),
        field_name=slot.field_name,
        rect=_rect(locked, slot),
        appearance=appearance,
        long_term=_long_term(locked, slot),
    )
    locked.number = number
    locked.pages = pages
    stored = _store(locked, slot, actor, holder, credential, signed)
    try:
        report_sealed(actor=actor, document=stored)
    except Exception:  # the transaction rolls back: so goes the file it wrote
        stored.file.storage.delete(stored.file.name or "")
        raise
    return stored


def _store(
    document: SignedDocument,
    slot: DocumentSignature,
    actor: Any,
    holder: ca.Holder,
    credential: Any,
    signed: bytes,
) -> SignedDocument:
    previous = document.file.name if document.file else ""
    document.file.save(document.file_name, ContentFile(signed), save=False)
    storage, written = document.file.storage, document.file.name or ""
    # The superseded file goes once this commits; the new one goes if saving fails below.
    if previous:
        transaction.on_commit(lambda: storage.delete(previous))
    document.sha256 = hashlib.sha256(signed).hexdigest()
    now = timezone.now()
    slot.signed_at, slot.signed_by, slot.credential = now, actor, credential
    slot.signer_name = holder.common_name
    slot.save(update_fields=["signed_at", "signed_by", "credential", "signer_name"])
    if all(s.signed_at is not None for s in document.signatures.all()):
        document.status = DocumentStatus.COMPLETE
        document.completed_at = now
    try:
        document.save()
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
    except Exception:
        storage.delete(written)
        raise
    return document


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


# The signing verbs as the page and the API name them.
SIGNING_VERBS = {"sign": document_sign, "seal": document_seal}
