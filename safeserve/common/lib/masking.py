"""Masking of personal data (ID numbers, phones) wherever it leaves the database.

个人信息保护法 第51条: personal information is protected by technical measures such as
de-identification; the system only shows full values to those who administer the person.
"""

from __future__ import annotations

from typing import Any

# Field names whose values are always masked in audit records, exports and API output
# unless a selector explicitly grants the full value.
MASKED_FIELDS = frozenset({"id_number", "phone", "mobile", "contact_phone"})


def mask_id_number(value: str | None) -> str:
    """110101199003074512 → 1101**********4512"""
    if not value:
        return ""
    text = str(value)
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_phone(value: str | None) -> str:
    """13812345678 → 138****5678; short numbers keep only their last two digits."""
    if not value:
        return ""
    text = str(value)
    if len(text) >= 11:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    if len(text) <= 2:
        return "*" * len(text)
    return "*" * (len(text) - 2) + text[-2:]


def mask_value(field: str, value: Any) -> Any:
    if value in (None, ""):
        return value
    if field == "id_number":
        return mask_id_number(str(value))
    if field in MASKED_FIELDS:
        return mask_phone(str(value))
    return value


def mask_mapping(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {key: mask_value(key, value) for key, value in data.items()}
