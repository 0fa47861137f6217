"""A provider's document numbers, per kind and year (〔2026〕某安技字第0012号): the next one is
taken under the counter row's lock inside the caller's transaction, so a rolled-back use
gives its number back and the numbers have no gaps."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from safeserve.providers.models import DocumentCounter, Provider

REPORT = "report"
NOTICE = "notice"


def _next(provider: Provider, kind: str, year: int) -> int:
    assert transaction.get_connection().in_atomic_block, "take numbers inside a transaction"
    updated = DocumentCounter.objects.filter(provider=provider, year=year, kind=kind).update(
        last=F("last") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                DocumentCounter.objects.create(provider=provider, year=year, kind=kind, last=1)
            return 1
        except IntegrityError:  # another transaction created the row first: count on it
            DocumentCounter.objects.filter(provider=provider, year=year, kind=kind).update(
                last=F("last") + 1
            )
    return DocumentCounter.objects.get(provider=provider, year=year, kind=kind).last


def next_number(provider: Provider, kind: str) -> str:
    """The provider's next number of ``kind`` this year, as printed."""
    year = timezone.localdate().year
    word = provider.report_word if kind == REPORT else provider.notice_word
    return f"〔{year}〕{word}第{_next(provider, kind, year):04d}号"
