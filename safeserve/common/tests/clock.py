"""The suite's fixed "today" (DESIGN: tests never depend on the date they run).

Every test runs with the clock travelled to ``FROZEN_AT`` (ticking from there, so durations
still pass); constants computed at import time use ``TODAY``. ``make test-dates`` runs the
suite again at awkward moments by setting ``SAFESERVE_TEST_NOW``: a Sunday, 29 February and
New Year's Eve late at night.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday in June: mid-week, mid-year, far from any boundary a test might straddle.
DEFAULT_NOW = "2026-06-10T10:00:00+08:00"


def _frozen_at() -> dt.datetime:
    value = os.environ.get("SAFESERVE_TEST_NOW") or DEFAULT_NOW
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


FROZEN_AT = _frozen_at()
TODAY = FROZEN_AT.astimezone(SHANGHAI).date()
