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


MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9


def validate_photo(upload: Any) -> Any:
    """A JPEG, PNG or WebP photo (as phones send them) of at most 10 MB, judged by content."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("The photo %(name)s is larger than 10 MB; take it at a lower resolution.")
            % {"name": upload.name},
            code="photo_too_large",
        )
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    is_webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if not (is_webp or head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"))):
        raise ValidationError(
            _("%(name)s is not a photo: upload JPEG, PNG or WebP images.") % {"name": upload.name},
            code="photo_format",
        )
    return upload


def is_image(upload: Any) -> bool:
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    return not head.startswith(b"%PDF-")


def validate_uploads(uploads: list[Any], *, photos_only: bool, field: str) -> list[Any]:
    """Every file checked before anything is stored, so a bad file loses nothing else; the
    refusal names the field and the file."""
    from safeserve.common.exceptions import ApplicationError

    if len(uploads) > MAX_PHOTOS:
        raise ApplicationError(
            "too_many_files",
            _("At most %(n)d files at a time.") % {"n": MAX_PHOTOS},
            errors={field: [_("At most %(n)d files at a time.") % {"n": MAX_PHOTOS}]},
            status=400,
        )
    check = validate_photo if photos_only else validate_scan
    for upload in uploads:
        try:
            check(upload)
        except ValidationError as exc:
            status = 413 if exc.code in ("photo_too_large", "scan_too_large") else 415
            raise ApplicationError(
                exc.code or "bad_upload",
                f"{upload.name}: {exc.messages[0]}",
                errors={field: [f"{upload.name}: {exc.messages[0]}"]},
                status=status,
            ) from None
    return uploads
