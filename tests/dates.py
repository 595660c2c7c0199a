"""Date arithmetic for building test data on any day, 29 February included."""

from __future__ import annotations

import datetime as dt


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier; 29 February becomes 28 February in a common year, so a
    child born then is the age the test wants on `day` (never a day younger)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
