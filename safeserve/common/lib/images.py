"""Small JPEG copies of photos, made once at upload so that documents which show many photos
(a technical report with sixty hazards) need not decode the originals when they render."""

from __future__ import annotations

import contextlib
import io
from typing import Any

THUMBNAIL_SIZE = 360  # pixels on the long side: sharp at the 36 mm a report prints


def thumbnail_jpeg(file: Any, size: int = THUMBNAIL_SIZE) -> bytes | None:
    """The photo as a JPEG at most ``size`` pixels on its long side, or None when the file
    is not an image that opens. The file is read from its start and left open at its start."""
    from PIL import Image, UnidentifiedImageError

    try:
        file.seek(0)
        with Image.open(file) as image:
            image.draft("RGB", (size * 2, size * 2))  # JPEG: decode at a reduced scale
            image.thumbnail((size, size))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    finally:
        with contextlib.suppress(OSError, ValueError):
            file.seek(0)
    return out.getvalue()
