"""统一社会信用代码 (USCC) per GB 32100-2015, with the embedded organization code checked per
GB 11714-1997.

python-stdnum's ``cn.uscc.validate`` requires the first eight characters to be digits and so
rejects valid codes whose registration authority is A (中央军委改革和编制办公室), N (农业) or
Y (其他); this wrapper accepts them and reports each fault in words a county officer can act on.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _
from stdnum.cn import uscc as stdnum_uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
REGISTRATION_AUTHORITIES = frozenset("123456789ANY")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class USCCError(ValueError):
    """A USCC is malformed; ``code`` says which check failed, ``str()`` says it in Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def normalise(value: object) -> str:
    """Full-width to half-width, upper case, spaces and dashes removed; always text."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def _org_code_check(body: str) -> str:
    total = sum(int(ch, 36) * weight for ch, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate(value: object) -> str:
    """Returns the normalised code or raises USCCError."""
    code = normalise(value)
    if not code:
        raise USCCError("uscc_missing", _("The unified social credit code is missing."))
    if len(code) != 18:
        raise USCCError(
            "uscc_length",
            _("The unified social credit code must have 18 characters; this one has %(n)d.")
            % {"n": len(code)},
        )
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise USCCError(
            "uscc_characters",
            _(
                "The unified social credit code contains %(chars)s; only digits and capital "
                "letters other than I, O, Z, S, V are used."
            )
            % {"chars": "、".join(bad)},
        )
    if code[0] not in REGISTRATION_AUTHORITIES:
        raise USCCError(
            "uscc_authority",
            _("The first character (registration authority) %(c)s does not exist.")
            % {"c": code[0]},
        )
    if not code[1].isdigit() or not code[2:8].isdigit():
        raise USCCError(
            "uscc_structure",
            _("Characters 2 to 8 (entity type and region code) must be digits."),
        )
    if code[16] not in "0123456789X" or _org_code_check(code[8:16]) != code[16]:
        raise USCCError(
            "uscc_org_code",
            _(
                "Characters 9 to 17 are not a valid organization code (its check digit is wrong). "
                "Check the code on the business licence."
            ),
        )
    # stdnum computes the GB 32100 check digit; its validate() is not used (see above).
    if stdnum_uscc.calc_check_digit(code[:17]) != code[17]:
        raise USCCError(
            "uscc_checksum",
            _("The last character (check digit) is wrong. Check the code on the business licence."),
        )
    return code


def complete(first17: str) -> str:
    """The full code for 17 valid characters (used to make demo data)."""
    return first17 + stdnum_uscc.calc_check_digit(first17)


def make(authority: str, entity_type: str, region: str, org_body: str) -> str:
    """A valid code from its parts; ``org_body`` is the 8-character organization code body."""
    first17 = authority + entity_type + region + org_body + _org_code_check(org_body)
    return validate(complete(first17))
