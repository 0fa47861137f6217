"""Checks on uploaded scans (certificates, signed attestations): size and real content type."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_SCAN_BYTES = 10 * 1024 * 1024
_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
}


def validate_scan(upload: Any) -> Any:
    """A PDF, PNG or JPEG of at most 10 MB, judged by content rather than by file name."""
    if upload is None:
        return upload
    if upload.size > MAX_SCAN_BYTES:
        raise ValidationError(
            _("The scan is larger than 10 MB; scan at a lower resolution."), code="scan_too_large"
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in _SIGNATURES):
        raise ValidationError(_("Upload the scan as PDF, PNG or JPEG."), code="scan_format")
    return upload
