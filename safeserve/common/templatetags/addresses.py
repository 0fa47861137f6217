"""``{{ row.pk|address:"hazards:detail" }}``: a row's page in a list, as ``{% url %}`` gives
it, without reversing the pattern for every row (safeserve/common/addresses.py)."""

from __future__ import annotations

from django import template

from safeserve.common.addresses import address_of

register = template.Library()


@register.filter
def address(pk: int, url_name: str) -> str:
    return address_of(url_name, pk)
