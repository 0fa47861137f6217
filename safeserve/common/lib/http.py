from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting X-Forwarded-For only for the configured proxy hops."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:300]


_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniffed_type(head: bytes) -> str | None:
    """The content type a file's first bytes prove, among those uploads may have."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _TYPES if head.startswith(magic)), None)


def serve_file(stored: Any, *, attachment: bool = False, name: str = "") -> FileResponse:
    """A stored file through the view that checked the viewer's scope; media is never
    served directly, so a file's address alone reveals nothing. The content type comes from
    the file's bytes, never from its uploaded name: anything not a PDF or an image is sent as
    a download, so an uploaded page can never render inside the application."""
    handle = stored.open("rb")
    head = handle.read(12)
    handle.seek(0)
    kind = sniffed_type(head)
    name = name or (stored.name or "file").rsplit("/", 1)[-1]
    response = FileResponse(
        handle,
        as_attachment=attachment or kind is None,
        filename=name,
        content_type=kind or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
