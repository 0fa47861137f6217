"""GB/T 4754-2017 industry codes and the county's code → high-risk sector mapping (§5b)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from safeserve.enterprises.models import IndustryDivision, SectorRule

_CODE = re.compile(r"^([A-T])?(\d{2,4})$")


class IndustryCodeError(ValueError):
    pass


@dataclass(frozen=True)
class IndustryCode:
    section: str
    digits: str

    def __str__(self) -> str:
        return f"{self.section}{self.digits}"


def parse_industry_code(value: object, divisions: dict[str, str] | None = None) -> IndustryCode:
    """Any well-formed code (section letter optional) whose division exists.

    ``divisions`` maps division → section; passing it avoids a query per row in imports.
    """
    text = unicodedata.normalize("NFKC", str(value or "")).strip().upper().replace(" ", "")
    if not text:
        raise IndustryCodeError(_("The industry code is missing."))
    match = _CODE.match(text)
    if match is None:
        raise IndustryCodeError(
            _(
                "%(code)s is not a GB/T 4754-2017 code: write 2 to 4 digits, optionally after "
                "the section letter, e.g. C2614 or 2614."
            )
            % {"code": text}
        )
    letter, digits = match.groups()
    if divisions is None:
        divisions = division_sections()
    section = divisions.get(digits[:2])
    if section is None:
        raise IndustryCodeError(
            _("Division %(division)s does not exist in GB/T 4754-2017.") % {"division": digits[:2]}
        )
    if letter and letter != section:
        raise IndustryCodeError(
            _("Division %(division)s belongs to section %(section)s, not %(letter)s.")
            % {"division": digits[:2], "section": section, "letter": letter}
        )
    return IndustryCode(section, digits)


def division_sections() -> dict[str, str]:
    return dict(IndustryDivision.objects.values_list("code", "section"))


class SectorResolver:
    """Longest-prefix lookup over the default rules and one county's overrides, loaded once."""

    def __init__(self, county_id: int | None) -> None:
        rules: dict[str, tuple[bool, str]] = {}
        for rule in SectorRule.objects.for_county(county_id).only("prefix", "sector", "county_id"):
            is_county = rule.county_id is not None
            current = rules.get(rule.prefix)
            if current is None or (is_county and not current[0]):
                rules[rule.prefix] = (is_county, rule.sector)
        self._rules = {prefix: sector for prefix, (_c, sector) in rules.items()}

    def sector_for(self, code: IndustryCode | str) -> str:
        digits = (
            code.digits
            if isinstance(code, IndustryCode)
            else str(code).lstrip("ABCDEFGHIJKLMNOPQRST")
        )
        for length in range(len(digits), 1, -1):
            sector = self._rules.get(digits[:length])
            if sector is not None:
                return sector
        return ""
