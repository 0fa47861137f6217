"""PDFs from HTML templates (WeasyPrint) with the OS's CJK font, and the fonts the signature
appearances use. Images travel inside the HTML as data URIs: rendering fetches nothing."""

from __future__ import annotations

import base64
import functools
import io
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

# WenQuanYi Zen Hei renders Chinese several times faster than Noto Sans CJK; either serves.
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
FONT_FAMILY = "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', sans-serif"


class FontMissing(RuntimeError):
    """No CJK font is installed (README: the apt prerequisites)."""


def render(template: str, context: dict[str, Any]) -> tuple[bytes, int]:
    """The template rendered to PDF, and its page count."""
    from weasyprint import HTML

    html = render_to_string(template, {**context, "font_family": FONT_FAMILY})
    document = HTML(string=html).render()
    return document.write_pdf(), len(document.pages)


def data_uri(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


def thumbnail(file: Any, size: int = 360) -> str:
    """A photo as a small JPEG data URI (at most ``size`` pixels on its long side), or ""
    when the file is not an image that opens."""
    from PIL import Image, UnidentifiedImageError

    try:
        file.open("rb")
        with Image.open(file) as image:
            image.thumbnail((size, size))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
    except (OSError, UnidentifiedImageError, ValueError):
        return ""
    finally:
        file.close()
    return data_uri(out.getvalue(), "image/jpeg")


@functools.lru_cache(maxsize=8)
def font(size: int) -> Any:
    """The installed CJK font at ``size`` pixels, for pictures drawn with Pillow."""
    from PIL import ImageFont

    for source in CJK_FONTS:
        if source.exists():
            return ImageFont.truetype(str(source), size=size, index=0)
    raise FontMissing("no CJK font: install fonts-wqy-zenhei or fonts-noto-cjk")
