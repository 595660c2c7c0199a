"""Properties of Visible's one dates module: birthdays and ages agree with each other for every
date of birth, a child born on 29 February reaches an age on 1 March in a common year, and the
DfE's variant differs from that only on 29 February. No database: visible.dates is pure."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from visible.dates import (
    age_on,
    birthday,
    collection_period,
    collection_year,
    collection_year_start,
    eighteenth_birthday,
    eighteenth_birthday_dfe,
    reporting_period,
    reporting_year,
    uk_date,
    uk_midnight,
    years_after,
    years_before,
)

PROPERTY = settings(max_examples=500, deadline=None, database=None)
ONE_DAY = dt.timedelta(days=1)

days = st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))
ages = st.integers(0, 120)
# Leap days drawn often: they are where the rules could part.
leap_days = st.sampled_from(
    [dt.date(y, 2, 29) for y in range(1904, 2200, 4) if y % 100 or y % 400 == 0]
)
dates_of_birth = st.one_of(days, leap_days)


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@PROPERTY
@given(dates_of_birth, ages)
@example(dt.date(2008, 2, 29), 18)
def test_a_person_is_that_age_on_the_birthday_and_a_year_younger_the_day_before(dob, n):
    reached = birthday(dob, n)
    assert age_on(dob, reached) == n
    assert age_on(dob, reached - ONE_DAY) == n - 1


@PROPERTY
@given(dates_of_birth, days, days)
def test_ages_never_go_down_and_rise_by_at_most_one_a_day(dob, a, b):
    early, late = sorted((a, b))
    assert age_on(dob, early) <= age_on(dob, late)
    assert age_on(dob, late + ONE_DAY) - age_on(dob, late) in (0, 1)


@PROPERTY
@given(dates_of_birth, days, ages)
def test_being_at_least_an_age_means_the_birthday_has_come_and_the_birth_was_early_enough(
    dob, day, n
):
    old_enough = age_on(dob, day) >= n
    assert old_enough == (birthday(dob, n) <= day)
    assert old_enough == (dob <= years_before(day, n))


@PROPERTY
@given(days, ages)
@example(dt.date(2028, 2, 29), 18)
def test_years_before_gives_the_youngest_person_of_that_age(day, n):
    latest = years_before(day, n)
    assert age_on(latest, day) == n
    assert age_on(latest + ONE_DAY, day) == n - 1


@PROPERTY
@given(days, ages)
def test_years_after_and_years_before_go_back_to_the_same_day_unless_it_is_a_leap_day(day, n):
    assert years_before(years_after(day, n), n) == day or (day.month, day.day) == (2, 29)
    assert years_after(years_before(day, n), n) == day or (day.month, day.day) == (2, 29)
    assert years_after(day, n).year == day.year + n
    assert years_before(day, n).year == day.year - n


@PROPERTY
@given(leap_days, ages)
def test_someone_born_on_29_february_is_a_year_older_on_1_march_in_a_common_year(dob, n):
    year = dob.year + n
    if is_leap(year):
        assert birthday(dob, n) == dt.date(year, 2, 29)
    else:
        assert birthday(dob, n) == dt.date(year, 3, 1)
        assert age_on(dob, dt.date(year, 2, 28)) == n - 1
        assert age_on(dob, dt.date(year, 3, 1)) == n


def test_the_29_february_rule_by_example():
    dob = dt.date(2008, 2, 29)
    assert eighteenth_birthday(dob) == dt.date(2026, 3, 1)  # 2026 has no 29 February
    assert age_on(dob, dt.date(2026, 2, 28)) == 17
    assert age_on(dob, dt.date(2026, 3, 1)) == 18
    assert birthday(dob, 16) == dt.date(2024, 2, 29)  # 2024 has one
    # The latest date of birth of an 18-year-old on 29 February 2028: 28 February 2010, as
    # someone born on 1 March 2010 turns 18 on 1 March 2028.
    assert years_before(dt.date(2028, 2, 29), 18) == dt.date(2010, 2, 28)


@PROPERTY
@given(dates_of_birth)
def test_the_dfe_eighteenth_birthday_differs_only_for_29_february_and_then_by_one_day(dob):
    ours, dfe = eighteenth_birthday(dob), eighteenth_birthday_dfe(dob)
    if (dob.month, dob.day) == (2, 29) and not is_leap(dob.year + 18):
        assert (dfe, ours) == (dt.date(dob.year + 18, 2, 28), dt.date(dob.year + 18, 3, 1))
    else:
        assert dfe == ours


@pytest.mark.parametrize(
    "day, year",
    [
        (dt.date(2025, 3, 31), 2024),
        (dt.date(2025, 4, 1), 2025),
        (dt.date(2026, 3, 31), 2025),
        (dt.date(2028, 2, 29), 2027),
        (dt.date(2025, 1, 1), 2024),
        (dt.date(2025, 12, 31), 2025),
    ],
)
def test_a_collection_year_runs_from_1_april_to_31_march(day, year):
    assert collection_year(day) == year
    assert collection_period(year) == (dt.date(year, 4, 1), dt.date(year + 1, 3, 31))
    assert collection_year_start(day) == dt.date(year, 4, 1)


@PROPERTY
@given(days, st.integers(1, 12))
def test_every_day_falls_in_exactly_the_reporting_year_whose_bounds_hold_it(day, month):
    year = reporting_year(day, month)
    first, last = reporting_period(year, month)
    assert first <= day <= last
    assert first.day == 1 and first.month == month
    assert reporting_period(year + 1, month)[0] == last + ONE_DAY  # no gap, no overlap
    if month == 4:
        assert (year, (first, last)) == (collection_year(day), collection_period(year))


def test_uk_days_follow_british_summer_time():
    # 00:30 on 2 March 2025 in London is 00:30 UTC (winter); 00:30 BST on 1 June is 23:30 UTC.
    assert uk_date(dt.datetime(2025, 3, 2, 0, 30, tzinfo=dt.UTC)) == dt.date(2025, 3, 2)
    assert uk_date(dt.datetime(2025, 5, 31, 23, 30, tzinfo=dt.UTC)) == dt.date(2025, 6, 1)
    assert uk_midnight(dt.date(2025, 6, 1)) == dt.datetime(2025, 5, 31, 23, 0, tzinfo=dt.UTC)
    assert uk_midnight(dt.date(2025, 1, 1)) == dt.datetime(2025, 1, 1, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("now", "year"),
    [
        ("2027-03-31T22:59:00+00:00", 2026),  # 23:59 BST on 31 March: the last minute of 2026/27
        ("2027-03-31T23:00:00+00:00", 2027),  # 00:00 BST on 1 April, still 31 March in UTC
        ("2028-03-31T23:59:00+00:00", 2028),  # 00:59 BST on 1 April 2028
    ],
)
def test_the_collection_year_turns_at_midnight_in_london_not_in_utc(now, year):
    """The pages' "this collection year" (the 903 upload's, the returns' last full year) is
    read from Django's clock in London time."""
    from django.utils import timezone
    from freezegun import freeze_time

    with freeze_time(now):
        assert collection_year(timezone.localdate()) == year


@PROPERTY
@given(days)
def test_a_uk_day_starts_at_its_uk_midnight(day):
    midnight = uk_midnight(day)
    assert uk_date(midnight) == day
    assert uk_date(midnight - dt.timedelta(microseconds=1)) == day - ONE_DAY
