"""System checks ``manage.py check --deploy`` runs besides Django's own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

PLACEHOLDER = "change-me"


@register(Tags.security, deploy=True)
def placeholder_keys(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """The env file's example keys contain "change-me": still there means nothing is secret."""
    keys = {
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
        "SIGNING_KEY": getattr(settings, "SIGNING_KEY", ""),
    }
    return [
        Warning(
            f"{name} is still the example's placeholder; generate a random key.",
            id="safeserve.W001",
        )
        for name, value in keys.items()
        if PLACEHOLDER in value
    ]
