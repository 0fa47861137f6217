"""Public verification (no login): a document's number with the check code printed on it, or
the PDF itself, says who signed it and when, whether the file is intact and whether it is the
current version — and nothing of its content (no hazard, no enterprise). An unknown number
and a wrong code get the same answer, so the page cannot be used to find documents."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from safeserve.common import ratelimit
from safeserve.documents import ca, signing
from safeserve.documents.models import (
    CredentialSource,
    DocumentKind,
    DocumentStatus,
    ReportStatus,
    SignedDocument,
    SigningAuthority,
    SigningCredential,
)

PDF_MAGIC = b"%PDF-"
MAX_UPLOAD_MB = 12  # what nginx lets through (deploy/nginx/safeserve.conf)
REQUESTS_PER_MINUTE = 20


@dataclass
class Verification:
    found: bool
    message: str
    kind: str = ""
    number: str = ""
    provider: str = ""
    complete: bool = False
    current: bool = False
    signatures: list[dict[str, Any]] = field(default_factory=list)
    # for an uploaded file: its signatures unchanged and trusted, and whether it is the very
    # file the system holds
    intact: bool | None = None
    registered: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "message": self.message,
            "kind": self.kind,
            "number": self.number,
            "provider": self.provider,
            "complete": self.complete,
            "current": self.current,
            "signatures": self.signatures,
            "intact": self.intact,
            "registered": self.registered,
        }


def _described(document: SignedDocument, message: str) -> Verification:
    return Verification(
        found=True,
        message=message,
        kind=str(document.get_kind_display()),
        number=document.number,
        provider=document.provider.name,
        complete=document.status == DocumentStatus.COMPLETE,
        current=_current(document),
        signatures=[
            {
                "role": str(s.get_role_display()),
                "signer": document.provider.name if s.role == "seal" else s.signer_name,
                "signed_at": s.signed_at,
            }
            for s in document.signatures.all()
        ],
    )


def _current(document: SignedDocument) -> bool:
    """A notice has one version; a report is current until a newer version supersedes it."""
    report = getattr(document, "report", None) if document.kind == DocumentKind.REPORT else None
    return report is None or report.status != ReportStatus.SUPERSEDED


def _signed_message(document: SignedDocument) -> str:
    if not _current(document):
        return _(
            "This document was signed and registered, but a newer version has superseded it: "
            "ask the provider for the current one."
        )
    return _("This document is signed and registered; the signatures are below.")


def not_found() -> Verification:
    return Verification(
        found=False,
        message=_(
            "No document matches this number and check code. Check both as printed on the "
            "document and try again."
        ),
    )


# Brackets people type for the printed 〔2026〕: all read as the printed ones.
BRACKETS = str.maketrans(
    {
        "(": "〔",
        "（": "〔",
        "[": "〔",
        "【": "〔",
        "［": "〔",
        ")": "〕",
        "）": "〕",
        "]": "〕",
        "】": "〕",
        "］": "〕",
    }
)


def normalised_number(number: str) -> str:
    return "".join((number or "").split()).translate(BRACKETS)[:60]


def by_code(number: str, code: str) -> Verification:
    candidates = (
        SignedDocument.objects.filter(number=normalised_number(number))
        .select_related("provider", "report")
        .prefetch_related("signatures")
    )
    given = (code or "").strip().upper().encode("utf-8", "replace")
    for document in candidates:
        if hmac.compare_digest(document.check_code.encode(), given):
            if document.status != DocumentStatus.COMPLETE:
                return _described(document, _("This document is not fully signed yet."))
            return _described(document, _signed_message(document))
    return not_found()


def by_file(content: bytes) -> Verification:
    """An uploaded PDF (the caller checked type and size): the very file the system holds, a
    file whose signatures are intact but that is not the registered final version, a file
    changed after signing, or one with no signature of ours."""
    digest = hashlib.sha256(content).hexdigest()
    document = (
        SignedDocument.objects.filter(sha256=digest)
        .select_related("provider", "report")
        .prefetch_related("signatures")
        .first()
    )
    checks = _checks(content)
    intact = bool(checks) and all(c.intact and c.trusted for c in checks)
    if document is not None and document.status == DocumentStatus.COMPLETE:
        message = _("The file is intact: it is exactly the signed document the system holds.")
        if not _current(document):
            message += " " + _signed_message(document)
        result = _described(document, message)
        result.intact, result.registered = intact, True
        return result
    if not checks:
        return Verification(
            found=False,
            message=_("The file carries no signature made in this system."),
            intact=False,
            registered=False,
        )
    if not intact:
        return Verification(
            found=False,
            message=_(
                "The file was changed after it was signed, or a signature is not one this "
                "system made: do not rely on it."
            ),
            intact=False,
            registered=False,
        )
    return Verification(
        found=False,
        message=_(
            "The signatures are intact, but this is not the final signed version the system "
            "holds (it may be a copy taken before every signature was on it)."
        ),
        signatures=[{"role": "", "signer": c.signer, "signed_at": c.signed_at} for c in checks],
        intact=True,
        registered=False,
    )


def _checks(content: bytes) -> list[signing.SignatureCheck]:
    """The file's signatures against the county CAs; a signature made with a certificate
    uploaded from a licensed CA counts only when it is one of ours (its serial number is a
    credential here) — a licensed CA's other certificates vouch for nothing in this system."""
    roots = ca.county_roots()
    checks = signing.validate(content, roots) if roots else []
    licensed = ca.licensed_roots()
    if not licensed or all(c.trusted for c in checks):
        return checks
    ours = set(
        SigningCredential.objects.filter(
            source=CredentialSource.PKCS12, serial__in=[c.serial for c in checks if c.serial]
        ).values_list("serial", flat=True)
    )
    by_licensed = {c.field: c for c in signing.validate(content, licensed)}
    return [
        by_licensed[c.field]
        if not c.trusted and c.field in by_licensed and by_licensed[c.field].serial in ours
        else c
        for c in checks
    ]


def authorities() -> list[dict[str, str]]:
    """Each county CA, for readers to trust: its name, the fingerprint to compare, and where
    its certificate and revocation list are published."""
    rows = SigningAuthority.objects.select_related("county").order_by("county__code")
    return [
        {
            "county": authority.county.name,
            "code": authority.county.code,
            "fingerprint": ca.fingerprint(ca.load_certificate(authority.certificate_pem)),
        }
        for authority in rows
    ]


def _upload_refusal(upload: Any) -> tuple[int, str] | None:
    """413 for a file over the limit, 415 for anything that is not a PDF."""
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        return 413, _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_MB}
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        return 415, _("Upload the document as a PDF file.")
    return None


def check(address: str | None, data: Any, files: Any) -> tuple[int, Verification | None, str]:
    """One verification request, as the page and the API both take it (number and check
    code, or a PDF), counted against the address's limit: the HTTP status, the answer, and
    when refused, why."""
    if not ratelimit.hit(f"verify:{address or '-'}", limit=REQUESTS_PER_MINUTE):
        return 429, None, _("Too many checks from this address; wait a minute and try again.")
    upload = files.get("file")
    if upload is not None:
        refusal = _upload_refusal(upload)
        if refusal is not None:
            return refusal[0], None, refusal[1]
        return 200, by_file(upload.read()), ""
    number, code = str(data.get("number") or ""), str(data.get("check_code") or "")
    if not number.strip() or not code.strip():
        return 400, None, _("Enter the document's number and the check code printed on it.")
    result = by_code(number, code)
    return (200 if result.found else 404), result, ""
