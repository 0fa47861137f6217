"""A row's address reversed once per process is the address Django reverses, for every
page the list templates link that way, and under a script prefix too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse, set_script_prefix

from safeserve.common.addresses import address, address_of

USED = re.compile(r"\|address:[\"']([a-z_]+:[a-z_]+)[\"']")


def _names_the_templates_use() -> set[str]:
    root = Path(settings.BASE_DIR) / "safeserve"
    return {name for path in root.rglob("*.html") for name in USED.findall(path.read_text())}


def test_the_templates_use_it() -> None:
    assert {"hazards:detail", "fieldwork:detail", "enterprises:detail"} <= (
        _names_the_templates_use()
    )


@pytest.mark.parametrize("name", sorted(_names_the_templates_use()))
@pytest.mark.parametrize("prefix", ["/", "/anping/"])
def test_it_is_what_django_reverses(name: str, prefix: str) -> None:
    set_script_prefix(prefix)
    try:
        for pk in (1, 7, 918273645, 10**12):
            assert address_of(name, pk) == reverse(name, args=[pk])
        assert address_of(name, "42") == reverse(name, args=[42])  # a key read from text
        assert address("home") == reverse("home") == prefix
    finally:
        set_script_prefix("/")


def test_a_page_without_a_key_is_refused() -> None:
    with pytest.raises(Exception):  # noqa: B017 — Django's NoReverseMatch or ours
        address_of("home", 1)
    assert address("home") == reverse("home")
