"""Uploaded files: checked before anything is stored (size, real content type, image
dimensions read from the header without decoding, names without hidden characters) and
stored under names the server makes up, the uploaded name kept only as a label."""

from __future__ import annotations

import re
import uuid
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# Bidirectional overrides and isolates (a "gpj.exe" shown as "exe.jpg"), zero-width
# characters, Unicode tag characters and control characters: nothing a real file name needs.
HIDDEN_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\U000e0000-\U000e007f]"
)
# A 48-megapixel phone photo fits; a decompression bomb (100000 × 100000) does not.
MAX_IMAGE_PIXELS = 60_000_000
STORED_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".webp", ".xlsx"}
LABEL_LENGTH = 200


@deconstructible
class UploadPath:
    """``upload_to`` for every file field: ``<prefix>/<year>/<month>/<random>.<suffix>``. The
    uploaded name never reaches the file system or a URL (ASVS 5.0 V5.3.2)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, instance: Any, filename: str) -> str:
        suffix = PurePosixPath(filename).suffix.lower()
        suffix = suffix if suffix in STORED_SUFFIXES else ""
        return f"{self.prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadPath) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


def upload_label(upload: Any) -> str:
    """The uploaded name as a label: its last part, at most 200 characters."""
    name = PurePosixPath(str(getattr(upload, "name", "") or "").replace("\\", "/")).name
    name = HIDDEN_CHARACTERS.sub("", name)
    if len(name) > LABEL_LENGTH:
        stem, suffix = name[: LABEL_LENGTH - 10], PurePosixPath(name).suffix[:10]
        name = stem + suffix
    return name


def validate_name(upload: Any) -> None:
    name = str(getattr(upload, "name", "") or "")
    if HIDDEN_CHARACTERS.search(name):
        raise ValidationError(
            _(
                "The file name %(name)s contains hidden direction, tag or control characters; "
                "rename the file and upload it again."
            )
            % {"name": HIDDEN_CHARACTERS.sub("", name)},
            code="file_name",
        )


def validate_pixels(upload: Any) -> None:
    """An image's dimensions, from its header only: nothing is decoded before the size is
    known to be sane."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        width, height = MAX_IMAGE_PIXELS, 2
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("The image %(name)s is damaged or incomplete; take or save it again.")
            % {"name": upload_label(upload)},
            code="image_damaged",
        ) from None
    finally:
        upload.seek(0)
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(
            _(
                "The image %(name)s has more than %(mp)d million pixels; save it at a lower "
                "resolution."
            )
            % {"name": upload_label(upload), "mp": MAX_IMAGE_PIXELS // 1_000_000},
            code="image_too_large",
        )


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
    validate_name(upload)
    if upload.size > MAX_SCAN_BYTES:
        raise ValidationError(
            _("The scan is larger than 10 MB; scan at a lower resolution."), code="scan_too_large"
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in _SIGNATURES):
        raise ValidationError(_("Upload the scan as PDF, PNG or JPEG."), code="scan_format")
    if not head.startswith(b"%PDF-"):
        validate_pixels(upload)
    return upload


MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9


def validate_photo(upload: Any) -> Any:
    """A JPEG, PNG or WebP photo (as phones send them) of at most 10 MB, judged by content."""
    validate_name(upload)
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
    validate_pixels(upload)
    return upload


def is_image(upload: Any) -> bool:
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    return not head.startswith(b"%PDF-")


STATUS_BY_CODE = {
    "photo_too_large": 413,
    "scan_too_large": 413,
    "image_too_large": 413,
    "file_name": 400,
    "image_damaged": 400,
}


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
            status = STATUS_BY_CODE.get(exc.code or "", 415)
            named = f"{upload_label(upload)}: {exc.messages[0]}"
            raise ApplicationError(
                exc.code or "bad_upload",
                named,
                errors={field: [named]},
                status=status,
            ) from None
    return uploads
