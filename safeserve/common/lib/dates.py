"""Calendar arithmetic the standard library leaves out."""

from __future__ import annotations

import datetime as dt


def years_from(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (or earlier, when negative); 29 February becomes
    28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
