"""The technical report as an A4 PDF, from its frozen content (documents/report_content.py):
a cover, the four sections around the compiled facts, every hazard with its photos, and a
signature page whose lower part the experts' blocks and the seal fill (signing.report_box)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import translation

from safeserve.documents import pdf
from safeserve.documents.models import TechnicalReport
from safeserve.hazards.models import HazardFile


def _images(content: dict[str, Any]) -> dict[int, str]:
    """Each photo the report shows, as the small picture made at upload (or now, for a file
    uploaded before thumbnails were kept)."""
    ids = [pk for h in content.get("hazards", []) for pk in h.get("photos", [])]
    out = {}
    for file in HazardFile.objects.filter(pk__in=ids):
        out[file.pk] = pdf.thumbnail(file.file, file.thumbnail)
    return out


def render_report(
    report: TechnicalReport, site_url: str, progress: Callable[[int], None] = lambda p: None
) -> tuple[bytes, int]:
    content = report.content
    images = _images(content)
    progress(30)
    hazards = [
        {**h, "images": [images[pk] for pk in h.get("photos", []) if images.get(pk)]}
        for h in content.get("hazards", [])
    ]
    with translation.override("zh-hans"):  # an official document, in Chinese
        verify_url = site_url.rstrip("/") + reverse("public_verify") if site_url else ""
        result = pdf.render(
            "documents/report.html",
            {
                "report": report,
                "document": report.document,
                "c": content,
                "hazards": hazards,
                "verify_url": verify_url,
            },
        )
    progress(90)
    return result
