"""The signing of a document (WORKFLOWS.md "Technical report" for reports; a notice follows
the same two verbs): each named expert signs for themselves, then — when the document needs
it — an admin or leader of the issuing provider seals it, once every expert has signed.
Services check this table; pages and allowed_actions read it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.common.workflow import VerbTable, verb
from safeserve.contracts.services.engagements import experts_allowed
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


def _still_allowed(user: Any, document: SignedDocument) -> bool:
    """R7 at the moment of signing: the expert may still work on the contract (its
    provider's active expert, or engaged for it). One who left signs nothing more."""
    cache = document.__dict__.setdefault("_allowed", {})
    if user.pk not in cache:
        notice = document.notice
        cache[user.pk] = bool(
            notice is not None
            and experts_allowed(notice.contract, timezone.localdate())
            .filter(user_id=user.pk, is_active=True)
            .exists()
        )
    return bool(cache[user.pk])


def signs_next(user: Any, document: SignedDocument) -> bool:
    """An expert named on the document who has not signed yet, for themselves only, and
    still allowed on the contract."""
    return bool(
        getattr(user, "is_authenticated", False)
        and any(s.signer_id == user.pk for s in _pending(document, SignatureRole.EXPERT))
        and _still_allowed(user, document)
    )


def is_signatory(user: Any, document: SignedDocument) -> bool:
    """An admin or leader of the issuing provider (who applies its seal)."""
    org = acting_org(user)
    return bool(
        org
        and org.kind == OrganizationKind.PROVIDER
        and org.pk == document.provider.organization_id
        and user.role in (Role.ADMIN, Role.LEADER)
    )


def seals(user: Any, document: SignedDocument) -> bool:
    """A signatory of the issuing provider, on a document that still needs its seal."""
    return is_signatory(user, document) and bool(_pending(document, SignatureRole.SEAL))


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
