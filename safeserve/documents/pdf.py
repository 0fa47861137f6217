"""PDFs from HTML templates (WeasyPrint) with the OS's CJK font, and the fonts the signature
appearances use. Images travel inside the HTML as data URIs: rendering fetches nothing."""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from safeserve.common.lib.images import thumbnail_jpeg

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


def thumbnail(file: Any, small: Any = None) -> str:
    """A photo as a small JPEG data URI: the copy made at upload when there is one, else
    made now; "" when the file is not an image that opens."""
    source = small if small else file
    try:
        source.open("rb")
        data = source.read() if small else thumbnail_jpeg(source)
    except (OSError, ValueError):
        return ""
    finally:
        source.close()
    return data_uri(data, "image/jpeg") if data else ""


@functools.lru_cache(maxsize=8)
def font(size: int) -> Any:
    """The installed CJK font at ``size`` pixels, for pictures drawn with Pillow."""
    from PIL import ImageFont

    for source in CJK_FONTS:
        if source.exists():
            return ImageFont.truetype(str(source), size=size, index=0)
    raise FontMissing("no CJK font: install fonts-wqy-zenhei or fonts-noto-cjk")
