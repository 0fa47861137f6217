"""The signing of a document (WORKFLOWS.md "Technical report" for reports; a notice follows
the same two verbs): each named expert signs for themselves, then — when the document needs
it — an admin or leader of the issuing provider seals it, once every expert has signed.
Services check this table; pages and allowed_actions read it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.workflow import VerbTable, verb
from safeserve.documents.models import (
    DocumentStatus,
    SignatureRole,
    SignedDocument,
)
from safeserve.organizations.models import OrganizationKind, Role
from safeserve.organizations.permissions import acting_org


def _refuse(document: SignedDocument) -> ApplicationError:
    return ApplicationError(
        "wrong_state",
        _("Not possible while the document is %(s)s.") % {"s": document.get_status_display()},
    )


def _pending(document: SignedDocument, role: str) -> list[Any]:
    return [s for s in document.signatures.all() if s.role == role and s.signed_at is None]


def signs_next(user: Any, document: SignedDocument) -> bool:
    """An expert named on the document, for themselves only: while it is being signed, one
    who has not signed yet (so a finished document says "already signed", not "not yours")."""
    if not getattr(user, "is_authenticated", False):
        return False
    mine = [
        s
        for s in document.signatures.all()
        if s.role == SignatureRole.EXPERT and s.signer_id == user.pk
    ]
    if document.status != DocumentStatus.SIGNING:
        return bool(mine)
    return any(s.signed_at is None for s in mine)


def seals(user: Any, document: SignedDocument) -> bool:
    """An admin or leader of the issuing provider, on a document that needs its seal."""
    org = acting_org(user)
    return bool(
        org
        and org.kind == OrganizationKind.PROVIDER
        and org.pk == document.provider.organization_id
        and user.role in (Role.ADMIN, Role.LEADER)
        and _pending(document, SignatureRole.SEAL)
    )


def experts_signed(document: SignedDocument) -> ApplicationError | None:
    """The seal comes last: over every expert's signature."""
    if not _pending(document, SignatureRole.EXPERT):
        return None
    return ApplicationError(
        "experts_not_signed",
        _("The seal goes on last: every named expert must sign first."),
    )


DOCUMENT = VerbTable(
    model=SignedDocument,
    verbs=[
        verb("sign", [DocumentStatus.SIGNING], signs_next),
        verb("seal", [DocumentStatus.SIGNING], seals, experts_signed),
    ],
    refuse_state=_refuse,
)
