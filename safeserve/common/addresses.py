"""Addresses reversed once per process: the menu's entries, drawn on every page, and the
page of each row of a list. Django reverses a name by matching it against the URL patterns
each time; for a list of 50 rows that was 50 reversals (1.4 ms of each list page), the same
pattern around a different key."""

from __future__ import annotations

import functools
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse

# A key no path converter changes, to find where a pattern puts the key.
_MARKER = 918273645


def address(url_name: str) -> str:
    """The address of a page without arguments, e.g. ``address("hazards:list")``."""
    return _plain(url_name, get_script_prefix())


# ``script_prefix`` keys both caches: the same process may serve under another prefix.
@functools.cache
def _plain(url_name: str, script_prefix: str) -> str:
    return reverse(url_name)


@functools.cache
def _around_key(url_name: str, script_prefix: str) -> tuple[str, str]:
    head, marker, tail = reverse(url_name, args=[_MARKER]).rpartition(str(_MARKER))
    if not marker:
        raise ValueError(f"{url_name} does not take a whole-number key.")
    return head, tail


def address_of(url_name: str, pk: int) -> str:
    """One object's page, e.g. ``address_of("hazards:detail", 7)`` → ``/hazards/7/``: what
    ``reverse(url_name, args=[pk])`` answers for a whole-number key."""
    head, tail = _around_key(url_name, get_script_prefix())
    return f"{head}{int(pk)}{tail}"


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    """Another URL configuration (a test's override) reverses afresh."""
    if setting == "ROOT_URLCONF":
        _plain.cache_clear()
        _around_key.cache_clear()
