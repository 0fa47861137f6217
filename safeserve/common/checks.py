"""System checks ``manage.py check --deploy`` runs besides Django's own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

PLACEHOLDER = "change-me"


KEY_LENGTH = 32


def missing_keys() -> list[str]:
    """The encryption settings production lacks (个人信息保护法 第51条: personal numbers are
    encrypted at rest, so nothing that reads or writes them may run without the keys)."""
    problems = []
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys or any(len(key) < KEY_LENGTH for key in keys):
        problems.append("FIELD_ENCRYPTION_KEYS")
    if len(settings.BLIND_INDEX_KEY) < KEY_LENGTH:
        problems.append("BLIND_INDEX_KEY")
    return problems


@register(Tags.security)
def encryption_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    return [
        Error(
            f"{name} must be set, each key 32+ random characters; see "
            "deploy/safeserve.env.example.",
            id="safeserve.E001",
        )
        for name in missing_keys()
    ]


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


@register(Tags.security)
def trusted_cas(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Each CA root configured for uploaded signing certificates or the time-stamping
    service must be a readable PEM file (read as documents/ca.load_pem_bundle reads it): a
    typo would otherwise refuse every upload or fail every sealing."""
    from cryptography import x509

    problems = []
    for setting in ("SIGNING_TRUSTED_CAS", "SIGNING_TSA_CAS"):
        for path in getattr(settings, setting, []):
            try:
                with open(path, "rb") as handle:
                    if not x509.load_pem_x509_certificates(handle.read()):
                        raise ValueError(path)
            except (OSError, ValueError):
                problems.append(
                    Error(
                        f"{setting}: {path} is not a readable PEM file of CA certificates.",
                        id="safeserve.E002",
                    )
                )
    return problems
