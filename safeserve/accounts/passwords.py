"""Password rules beyond Django's: character classes, no repeated runs, and expiry by county
policy. GB/T 22239-2019 8.1.4.1 a): 身份鉴别信息具有复杂度要求并定期更换."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safeserve.common.models import policy_for

CLASSES = (
    ("lower", lambda c: c.isascii() and c.islower()),
    ("upper", lambda c: c.isascii() and c.isupper()),
    ("digit", lambda c: c.isdigit()),
    ("other", lambda c: not (c.isascii() and c.isalnum())),
)


class CharacterClassValidator:
    """At least ``min_classes`` of: lower-case letters, capitals, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        found = sum(1 for _name, test in CLASSES if any(test(c) for c in password))
        if found < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_plain")

    def get_help_text(self) -> str:
        return _(
            "The password must mix at least %(n)d of: lower-case letters, capitals, digits, "
            "symbols."
        ) % {"n": self.min_classes}


class RepeatedRunValidator:
    """No character ``max_repeat`` + 1 times in a row, and no chunk of three or more characters
    repeated at once ("zzzz", "expert2expert2")."""

    def __init__(self, max_repeat: int = 3) -> None:
        self.max_repeat = max_repeat

    def validate(self, password: str, user: Any = None) -> None:
        same = re.search(r"(.)\1{" + str(self.max_repeat) + ",}", password)
        chunk = re.search(r"(.{3,})\1", password)
        if same or chunk:
            raise ValidationError(self.get_help_text(), code="password_repeated")

    def get_help_text(self) -> str:
        return ngettext(
            "The password may not repeat a character more than %(n)d time in a row, nor "
            "repeat a group of characters.",
            "The password may not repeat a character more than %(n)d times in a row, nor "
            "repeat a group of characters.",
            self.max_repeat,
        ) % {"n": self.max_repeat}


def password_max_age(user: Any) -> dt.timedelta | None:
    """How long the user's password lasts under the county policy; None when it never
    expires (the county set 0)."""
    organization = getattr(user, "organization", None)
    days = policy_for(organization.county_id if organization else None).password_max_age_days
    return dt.timedelta(days=days) if days else None


def password_expired(user: Any) -> bool:
    max_age = password_max_age(user)
    return max_age is not None and timezone.now() - user.password_changed_at >= max_age
