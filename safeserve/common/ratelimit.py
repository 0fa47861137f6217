"""Rate limits that every process and server share: counted in Redis when REDIS_URL is set,
otherwise in the database — never in a per-process cache, which each gunicorn worker would
keep for itself."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from safeserve.common.models import RateCounter

# Counters of windows that ended this long ago are deleted as new windows start.
KEEP = dt.timedelta(hours=1)


def hit(key: str, *, limit: int, window_seconds: int = 60) -> bool:
    """Counts one request for ``key``; False once more than ``limit`` came in this window."""
    start = _window(window_seconds)
    if settings.REDIS_URL:
        name = f"rate:{key}:{int(start.timestamp())}"
        cache.add(name, 0, timeout=window_seconds * 2)
        return int(cache.incr(name)) <= limit
    return _count_in_database(key, start) <= limit


def spent(key: str, *, limit: int, window_seconds: int = 60) -> bool:
    """Whether ``key`` has used up its ``limit`` in this window already (counts nothing):
    for a limit on failures, checked before the attempt so that a success cannot get round
    it."""
    start = _window(window_seconds)
    if settings.REDIS_URL:
        return int(cache.get(f"rate:{key}:{int(start.timestamp())}") or 0) >= limit
    found = RateCounter.objects.filter(key=key, window_start=start).values_list("count", flat=True)
    return (found.first() or 0) >= limit


def _window(window_seconds: int) -> dt.datetime:
    now = timezone.now()
    return dt.datetime.fromtimestamp(
        int(now.timestamp()) // window_seconds * window_seconds, tz=dt.UTC
    )


def _count_in_database(key: str, start: dt.datetime) -> int:
    counters = RateCounter.objects.filter(key=key, window_start=start)
    if not counters.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateCounter.objects.create(key=key, window_start=start, count=1)
            RateCounter.objects.filter(window_start__lt=start - KEEP).delete()
            return 1
        except IntegrityError:  # another process started the window first
            counters.update(count=F("count") + 1)
    return counters.values_list("count", flat=True).first() or 0
