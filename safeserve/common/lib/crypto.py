"""Personal numbers encrypted at rest (个人信息保护法 第51条; GB/T 22239-2019 8.1.4.8
数据保密性): authenticated encryption (AES-256-GCM) under FIELD_ENCRYPTION_KEYS, the newest
first so older keys can still be read while ``manage.py reencrypt_fields`` moves every value
to the newest; exact look-ups and uniqueness through a keyed blind index (HMAC-SHA256 under
BLIND_INDEX_KEY). A dump of the database alone reveals neither."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"


class UnreadableValue(Exception):
    """A stored value no configured key opens (a key missing from FIELD_ENCRYPTION_KEYS)."""


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


@functools.lru_cache(maxsize=8)
def _ciphers(keys: tuple[str, ...]) -> list[tuple[str, AESGCM]]:
    result = []
    for key in keys:
        material = _derive(key, b"safeserve field encryption")
        key_id = hashlib.sha256(material).hexdigest()[:8]
        result.append((key_id, AESGCM(material)))
    return result


def _configured() -> list[tuple[str, AESGCM]]:
    if not settings.FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set: personal numbers cannot be read."
        )
    return _ciphers(tuple(settings.FIELD_ENCRYPTION_KEYS))


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX + ":")


def encrypt(text: str) -> str:
    key_id, cipher = _configured()[0]
    nonce = secrets.token_bytes(12)
    sealed = cipher.encrypt(nonce, text.encode("utf-8"), PREFIX.encode())
    return f"{PREFIX}:{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str) -> str:
    _prefix, key_id, body = stored.split(":", 2)
    raw = base64.b64decode(body)
    for candidate_id, cipher in _configured():
        if candidate_id == key_id:
            try:
                return cipher.decrypt(raw[:12], raw[12:], PREFIX.encode()).decode("utf-8")
            except InvalidTag:
                break
    raise UnreadableValue(f"no configured key opens a value sealed with key {key_id}")


def under_newest_key(stored: str) -> bool:
    return is_encrypted(stored) and stored.split(":", 2)[1] == _configured()[0][0]


@functools.lru_cache(maxsize=4)
def _index_key(secret: str) -> bytes:
    return _derive(secret, b"safeserve blind index")


def blind_index(value: str) -> str:
    """The same value always gives the same index; without the key, the index says nothing."""
    if not settings.BLIND_INDEX_KEY:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is not set: experts cannot be looked up.")
    key = _index_key(settings.BLIND_INDEX_KEY)
    return hmac.new(key, value.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()
