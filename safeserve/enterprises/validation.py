"""Field checks shared by the forms, the API serializers and the spreadsheet import, so the
same bad value gets the same Chinese message everywhere."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from safeserve.common.lib import uscc as uscc_lib
from safeserve.enterprises.industry import IndustryCodeError, parse_industry_code
from safeserve.enterprises.models import EnterpriseStatus

PHONE = re.compile(r"^[0-9+\-()（） ]{5,30}$")
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", ""}
STATUS_WORDS = {
    "": EnterpriseStatus.OPERATING,
    "在营": EnterpriseStatus.OPERATING,
    "营业": EnterpriseStatus.OPERATING,
    "正常": EnterpriseStatus.OPERATING,
    "存续": EnterpriseStatus.OPERATING,
    "开业": EnterpriseStatus.OPERATING,
    "operating": EnterpriseStatus.OPERATING,
    "停产": EnterpriseStatus.SUSPENDED,
    "停业": EnterpriseStatus.SUSPENDED,
    "停产停业": EnterpriseStatus.SUSPENDED,
    "suspended": EnterpriseStatus.SUSPENDED,
    "关闭": EnterpriseStatus.CLOSED,
    "注销": EnterpriseStatus.CLOSED,
    "吊销": EnterpriseStatus.CLOSED,
    "closed": EnterpriseStatus.CLOSED,
}


def text(value: Any) -> str:
    """A cell or field as normalised text: full-width to half-width, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def validate_uscc(value: Any) -> str:
    try:
        return uscc_lib.validate(value)
    except uscc_lib.USCCError as exc:
        raise ValidationError(str(exc), code=exc.code) from None


def validate_industry_code(value: Any, divisions: dict[str, str] | None = None) -> str:
    try:
        return str(parse_industry_code(value, divisions))
    except IndustryCodeError as exc:
        raise ValidationError(str(exc), code="industry_code") from None


def validate_phone(value: Any) -> str:
    phone = text(value)
    if phone and not PHONE.match(phone):
        raise ValidationError(
            _("Write the phone number with digits, e.g. 13812345678 or 0570-1234567."), code="phone"
        )
    return phone


def parse_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValidationError(_("Write 是 or 否."), code="yes_no")


def parse_status(value: Any) -> str:
    word = text(value).lower()
    if word in STATUS_WORDS:
        return STATUS_WORDS[word]
    raise ValidationError(_("Write 在营, 停产 or 关闭."), code="status")


def parse_employees(value: Any) -> int | None:
    if value is None or text(value) == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(_("Write a whole number of people."), code="employees")
    try:
        number = float(text(value))
    except ValueError:
        raise ValidationError(_("Write a whole number of people."), code="employees") from None
    if not number.is_integer() or number < 0 or number > 10_000_000:
        raise ValidationError(_("Write a whole number of people."), code="employees")
    return int(number)


def limit(value: str, max_length: int) -> str:
    if len(value) > max_length:
        raise ValidationError(
            _("At most %(max)d characters; this has %(n)d.") % {"max": max_length, "n": len(value)},
            code="too_long",
        )
    return value
