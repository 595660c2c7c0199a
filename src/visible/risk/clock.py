"""Dates and clocks the rules count in: UK local days, birthdays, working days.

Nothing here reads the current time. Days are UK days (Europe/London), because a child who
goes missing at 00:30 on 2 March British Summer Time went missing on 2 March, although it
was still 1 March in UTC; birthdays and the "within 7 days of becoming looked after" rule
are counted in those days.

Working days skip weekends and the bank holidays of the child's nation, from the pinned
``holidays`` package: England and Wales share a calendar; Scotland (no Easter Monday, 2 January,
St Andrew's Day) and Northern Ireland (St Patrick's Day, Battle of the Boyne) have their own.
A new release of that package can add a one-off bank holiday, so a replay is exact for the
same package version (``CALENDAR_VERSION``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

UK_TIME = ZoneInfo("Europe/London")
CALENDAR_VERSION = f"holidays {holidays.__version__}"

_SUBDIVISIONS = {"England": "ENG", "Wales": "WLS", "Scotland": "SCT", "Northern Ireland": "NIR"}


def uk_date(instant: dt.datetime) -> dt.date:
    """The day in the UK on which an aware instant fell."""
    return instant.astimezone(UK_TIME).date()


def uk_midnight(day: dt.date) -> dt.datetime:
    """The first instant of a UK day, as an aware datetime in UTC."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=UK_TIME).astimezone(dt.UTC)


def birthday(date_of_birth: dt.date, age: int) -> dt.date:
    """The day a person reaches ``age``.

    Someone born on 29 February is taken to reach an age on 1 March in a common year, the
    usual UK reading of "the anniversary of the date of birth" (Family Law Reform Act 1969
    s.9); the later of the two candidate days, so no floor ends a day early.
    """
    year = date_of_birth.year + age
    try:
        return date_of_birth.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    years = day.year - date_of_birth.year
    return years if day >= birthday(date_of_birth, years) else years - 1


@lru_cache(maxsize=256)
def _bank_holidays(nation: str, year: int) -> frozenset[dt.date]:
    # Cached per nation and year: the calendar object is costly to build and a sweep over
    # many children asks for the same few years.
    try:
        subdivision = _SUBDIVISIONS[nation]
    except KeyError:
        raise ValueError(
            f"No bank holiday calendar for {nation!r}; use one of {', '.join(_SUBDIVISIONS)}"
        ) from None
    return frozenset(holidays.country_holidays("GB", subdiv=subdivision, years=year))


def is_working_day(day: dt.date, nation: str) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(nation, day.year)


def add_working_days(day: dt.date, count: int, nation: str) -> dt.date:
    """The ``count``-th working day after ``day`` (``day`` itself is day 0, whatever it is)."""
    current = day
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current, nation):
            remaining -= 1
    return current
