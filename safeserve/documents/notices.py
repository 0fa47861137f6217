"""The rectification notice as an A4 PDF (整改通知书, R11): every hazard it lists with basis,
location, a photo, advice and deadline; the experts; and the enterprise's no-account link as
a QR code with its address in text."""

from __future__ import annotations

from typing import Any

import segno
from django.urls import reverse
from django.utils import translation

from safeserve.documents import pdf
from safeserve.documents.models import SignedDocument
from safeserve.fieldwork.models import AssignmentRole
from safeserve.hazards.links import notice_token
from safeserve.hazards.models import Hazard, PhotoStage


def notice_link(notice: Any, site_url: str) -> str:
    path = reverse("notice_link", args=[notice.pk, notice_token(notice)])
    return site_url.rstrip("/") + path


def qr_svg(text: str) -> str:
    return pdf.data_uri(
        segno.make(text, error="m").svg_inline(scale=3, border=2).encode(), "image/svg+xml"
    )


def render_notice(document: SignedDocument, site_url: str) -> tuple[bytes, int]:
    notice = document.notice
    assert notice is not None
    hazards = list(
        Hazard.objects.filter(notice=notice)
        .select_related("enterprise")
        .prefetch_related("files")
        .order_by("pk")
    )
    rows = []
    for hazard in hazards:
        photo = next(
            (f for f in hazard.files.all() if f.is_image and f.stage == PhotoStage.FINDING),
            None,
        )
        rows.append(
            {"hazard": hazard, "photo": pdf.thumbnail(photo.file, photo.thumbnail) if photo else ""}
        )
    assignments = list(
        notice.task.assignments.select_related("expert").order_by("-role", "expert__name")
    )
    link = notice_link(notice, site_url)
    with translation.override("zh-hans"):  # an official document, in Chinese
        verify_url = site_url.rstrip("/") + reverse("public_verify")
        return _render(document, notice, rows, assignments, link, verify_url)


def _render(
    document: SignedDocument,
    notice: Any,
    rows: list[Any],
    assignments: list[Any],
    link: str,
    verify_url: str,
) -> tuple[bytes, int]:
    return pdf.render(
        "documents/notice.html",
        {
            "document": document,
            "notice": notice,
            "enterprise": notice.enterprise,
            "contract": notice.contract,
            "provider": notice.contract.provider,
            "purchaser": notice.contract.purchaser,
            "rows": rows,
            "lead": next((a.expert for a in assignments if a.role == AssignmentRole.LEAD), None),
            "experts": [a.expert for a in assignments],
            "link": link,
            "qr": qr_svg(link),
            "verify_url": verify_url,
        },
    )
