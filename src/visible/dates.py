"""The dates Visible counts in: UK days, birthdays and ages, collection years, working days.

Every piece of date arithmetic more than one part of Visible needs lives here, once. The
module is pure: plain Python, no Django, no clock and no I/O (``tests/risk/test_purity.py``
checks it), so the risk engine can use it and a replay gives the same answer. Callers pass
the day or the moment in.

**29 February.** Someone born on 29 February reaches an age on **1 March** in a common year,
everywhere in Visible: a child stays a child until the end of 28 February. The Age of Legal
Capacity (Scotland) Act 1991 s.6(2) says so in terms; the Family Law Reform Act 1969 s.9
(England and Wales) and the Age of Majority Act (Northern Ireland) 1969 s.5 put the age at
"the commencement of the relevant anniversary" without naming the day, and 1 March is the
reading that never ends a protection early. Sources and reasoning: ``docs/dates.md``.

The one exception is :func:`eighteenth_birthday_dfe`, used only where an SSDA903 return must
agree with the DfE's validator, which counts 28 February (see that function).

Days are UK days (Europe/London): a child who goes missing at 00:30 on 2 March British
Summer Time went missing on 2 March, although it was still 1 March in UTC.

Working days skip weekends and the bank holidays of the child's nation, from the pinned
``holidays`` package: England and Wales share a calendar; Scotland (no Easter Monday,
2 January, St Andrew's Day) and Northern Ireland (St Patrick's Day, Battle of the Boyne) have
their own. A new release of that package can add a one-off bank holiday, so a replay is exact
for the same package version (``CALENDAR_VERSION``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from holidays.version import __version__ as holidays_version

UK_TIME = ZoneInfo("Europe/London")
ADULT_AGE = 18
APRIL = 4  # the first month of a collection year and of a council's financial year
CALENDAR_VERSION = f"holidays {holidays_version}"

_SUBDIVISIONS = {"England": "ENG", "Wales": "WLS", "Scotland": "SCT", "Northern Ireland": "NIR"}


# --- UK days ---------------------------------------------------------------------------------


def uk_date(instant: dt.datetime) -> dt.date:
    """The day in the UK on which an aware instant fell."""
    return instant.astimezone(UK_TIME).date()


def measured_length(start: dt.datetime, end: dt.datetime, day_only: bool) -> dt.timedelta:
    """How long from start to end: elapsed time, or, when the source gave days and not times
    (an SSDA903 return: Visible stores both ends at noon), whole days of the UK calendar, so
    that 24 to 31 October is 7 days although the clocks going back in between make it 7 days
    and an hour of elapsed time, and 28 to 29 March one day, not 23 hours."""
    if day_only:
        return uk_date(end) - uk_date(start)
    return end - start


def uk_midnight(day: dt.date) -> dt.datetime:
    """The first instant of a UK day, as an aware datetime in UTC."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=UK_TIME).astimezone(dt.UTC)


# --- birthdays and ages ----------------------------------------------------------------------


def years_after(day: dt.date, years: int) -> dt.date:
    """The ``years``-th anniversary of ``day``: the same day and month, ``years`` later.

    29 February falls on 1 March in a common year (the rule in the module's docstring).
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a common year
        return dt.date(day.year + years, 3, 1)


def birthday(date_of_birth: dt.date, age: int) -> dt.date:
    """The day a person born on ``date_of_birth`` reaches ``age``."""
    return years_after(date_of_birth, age)


def eighteenth_birthday(date_of_birth: dt.date) -> dt.date:
    """The day a person stops being a child: 1 March for someone born on 29 February whose
    eighteenth birthday falls in a common year."""
    return birthday(date_of_birth, ADULT_AGE)


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day`` (negative before the date of birth).

    Comparing (month, day) pairs is the 1 March rule: on 28 February in a common year someone
    born on 29 February has not reached the pair (2, 29); on 1 March they have.
    """
    not_yet = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - not_yet


def years_before(day: dt.date, years: int) -> dt.date:
    """The latest date of birth of someone at least ``years`` old on ``day``.

    The inverse of :func:`birthday`: ``age_on(dob, day) >= years`` exactly when
    ``dob <= years_before(day, years)``. It is the same day and month, ``years`` earlier; for
    29 February in a year that has none, 28 February, because someone born on 1 March that
    year is not yet ``years`` old (and someone born on 28 February is).
    """
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, and the year `years` earlier is a common year
        return dt.date(day.year - years, 2, 28)


def eighteenth_birthday_dfe(date_of_birth: dt.date) -> dt.date:
    """The 18th birthday as the DfE's SSDA903 validator counts it: 28 February, not 1 March,
    for someone born on 29 February whose eighteenth birthday falls in a common year.

    The validator (PyPI ``csc-validator-be-903``) adds ``pandas.DateOffset(years=18)`` to the
    date of birth, which clips 29 February to the end of February. Its rule 304 rejects a
    date UASC status ceased (DUC) after that day, and rules 205B and 205C want last year's
    DUC equal to it. Use this only where an SSDA903 file must agree with those rules (the DUC
    Visible writes, and the check its importer makes on a DUC it reads); everything else
    uses :func:`eighteenth_birthday`. Every other date of birth gives the same day.
    """
    try:
        return date_of_birth.replace(year=date_of_birth.year + ADULT_AGE)
    except ValueError:  # 29 February: pandas' DateOffset gives the last day of February
        return dt.date(date_of_birth.year + ADULT_AGE, 2, 28)


# --- years that start on the first of a month: collection and financial years --------------


def reporting_year(day: dt.date, start_month: int = APRIL) -> int:
    """The year, named by the calendar year it starts in, of a reporting year that starts on
    the first of ``start_month`` and holds ``day``: 2024 for 31 March 2025 with April."""
    return day.year if day.month >= start_month else day.year - 1


def reporting_period(year: int, start_month: int = APRIL) -> tuple[dt.date, dt.date]:
    """The first and last day of the reporting year that starts in ``year``."""
    start = dt.date(year, start_month, 1)
    return start, dt.date(year + 1, start_month, 1) - dt.timedelta(days=1)


def collection_year(day: dt.date) -> int:
    """The SSDA903 collection year (1 April to 31 March, also a council's financial year) a
    day falls in, named by the year it starts: 2024 is 2024/25."""
    return reporting_year(day, APRIL)


def collection_period(year: int) -> tuple[dt.date, dt.date]:
    """1 April to 31 March of the collection year named by the year it starts."""
    return reporting_period(year, APRIL)


def collection_year_start(day: dt.date) -> dt.date:
    """1 April of the collection year ``day`` falls in."""
    return dt.date(collection_year(day), APRIL, 1)


# --- working days --------------------------------------------------------------------------


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
