"""Fingerprints of the keys the stored data depends on.

A backup is worthless without the keys its data was written with: notice-link tokens are
HMACs of SECRET_KEY, and later issues add encrypted personal numbers (FIELD_ENCRYPTION_KEYS),
their blind index (BLIND_INDEX_KEY) and document signatures (SIGNING_KEY). A backup records a
short fingerprint of each key, never the value, so a restore can refuse to run under keys that
would leave the data unreadable, and the operator learns which key to fetch from where the keys
are kept (they are never in the backup).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from django.conf import settings

FINGERPRINT_MESSAGE = b"safeserve key fingerprint"
FINGERPRINT_LENGTH = 16

# Keys holding one value, and keys holding a list (a rotation: the newest first, the older
# ones kept so existing data can still be read).
SINGLE_KEYS = ("SECRET_KEY", "BLIND_INDEX_KEY", "SIGNING_KEY")
LIST_KEYS = ("FIELD_ENCRYPTION_KEYS",)


def fingerprint(value: str | bytes) -> str:
    """The first hex digits of HMAC-SHA256 keyed with the value: identifies a key without
    revealing anything that would help guess it."""
    key = value.encode() if isinstance(value, str) else value
    digest = hmac.new(key, FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()
    return digest[:FINGERPRINT_LENGTH]


def key_fingerprints() -> dict[str, str]:
    """Fingerprint of every key the running settings hold, by name; a list key gives one entry
    per element, named ``NAME[i]``. Keys that are absent or empty are left out."""
    result: dict[str, str] = {}
    for name in SINGLE_KEYS:
        value = getattr(settings, name, None)
        if value:
            result[name] = fingerprint(value)
    for name in LIST_KEYS:
        for index, value in enumerate(getattr(settings, name, None) or []):
            if value:
                result[f"{name}[{index}]"] = fingerprint(value)
    return result


def unmatched_keys(recorded: Mapping[str, str]) -> list[str]:
    """Names of the recorded keys that the running settings do not hold.

    A single key must be the same. An element of a list key may have moved (a rotation puts
    the new key first), so it only has to be somewhere in the running list.
    """
    running = key_fingerprints()
    missing = []
    for name, recorded_fingerprint in sorted(recorded.items()):
        list_name = name.partition("[")[0]
        if list_name in LIST_KEYS and name != list_name:
            in_list = {fp for key, fp in running.items() if key.startswith(f"{list_name}[")}
            if recorded_fingerprint not in in_list:
                missing.append(name)
        elif running.get(name) != recorded_fingerprint:
            missing.append(name)
    return missing
