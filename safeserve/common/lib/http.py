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


def serve_file(stored: Any, *, attachment: bool = False) -> FileResponse:
    """A stored file through the view that checked the viewer's scope; media is never
    served directly, so a file's address alone reveals nothing."""
    name = (stored.name or "file").rsplit("/", 1)[-1]
    response = FileResponse(stored.open("rb"), as_attachment=attachment, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
