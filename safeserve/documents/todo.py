"""What documents put in a person's 待办 (safeserve/common/todo.py): a notice to sign for the
expert it names, a notice to seal for the provider's admin and leader."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safeserve.common.todo import TodoRow, register_todo_rows
from safeserve.documents.models import (
    DocumentSignature,
    DocumentStatus,
    SignatureRole,
    SignedDocument,
)
from safeserve.documents.workflows import DOCUMENT


def _waiting(user: Any, role: str, **mine: Any) -> Any:
    pending = DocumentSignature.objects.filter(
        document=OuterRef("pk"), role=role, signed_at__isnull=True, **mine
    )
    return (
        SignedDocument.objects.visible_to(user)
        .filter(status=DocumentStatus.SIGNING)
        .filter(Exists(pending))
        .select_related("provider", "notice__enterprise", "notice__contract")
        .prefetch_related("signatures")
        .order_by("created_at", "pk")
    )


def _title(document: SignedDocument) -> str:
    enterprise = document.notice.enterprise.name if document.notice else ""
    return f"{document.number} · {enterprise}"


def _url(document: SignedDocument) -> str:
    assert document.notice_id is not None
    return reverse("hazards:notice", args=[document.notice_id])


register_todo_rows(
    [
        TodoRow(
            key="document.sign",
            table=DOCUMENT,
            verbs=("sign",),
            label=_("Sign rectification notices"),
            candidates=lambda user: _waiting(user, SignatureRole.EXPERT, signer_id=user.pk),
            title=_title,
            url=_url,
        ),
        TodoRow(
            key="document.seal",
            table=DOCUMENT,
            verbs=("seal",),
            label=_("Seal rectification notices"),
            candidates=lambda user: _waiting(user, SignatureRole.SEAL).filter(
                provider__organization_id=user.organization_id or 0
            ),
            title=_title,
            url=_url,
            homework=False,
        ),
    ]
)
