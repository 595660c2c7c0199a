"""Quiet hours are wall-clock hours in the UK, whatever the clocks do: tested at midnight and at
both clock changes (the last Sundays of March and October), and never for a high-risk alert."""

from __future__ import annotations

import datetime as dt

import pytest

from visible.dates import UK_TIME
from visible.notifications.quiet import QuietHours, deliver_at, parse_time

NIGHT = QuietHours(dt.time(22, 0), dt.time(7, 0), UK_TIME)
LUNCH = QuietHours(dt.time(13, 0), dt.time(14, 0), UK_TIME)


def uk(year, month, day, hour, minute=0, fold=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UK_TIME, fold=fold)


def utc(year, month, day, hour, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("at", "until"),
    [
        (uk(2026, 6, 10, 21, 59), None),  # a minute before
        (uk(2026, 6, 10, 22, 0), uk(2026, 6, 11, 7, 0)),  # the start is quiet
        (uk(2026, 6, 10, 23, 59), uk(2026, 6, 11, 7, 0)),
        (uk(2026, 6, 11, 0, 0), uk(2026, 6, 11, 7, 0)),  # midnight: the same morning
        (uk(2026, 6, 11, 6, 59), uk(2026, 6, 11, 7, 0)),
        (uk(2026, 6, 11, 7, 0), None),  # the end is not
        (uk(2026, 12, 31, 23, 30), uk(2027, 1, 1, 7, 0)),  # across the year's end
    ],
)
def test_overnight_quiet_hours_around_midnight(at, until):
    assert NIGHT.until(at) == until


def test_quiet_hours_within_a_day():
    assert LUNCH.until(uk(2026, 6, 10, 12, 59)) is None
    assert LUNCH.until(uk(2026, 6, 10, 13, 30)) == uk(2026, 6, 10, 14, 0)
    assert LUNCH.until(uk(2026, 6, 10, 14, 0)) is None
    assert LUNCH.until(uk(2026, 6, 10, 23, 0)) is None


def test_the_night_the_clocks_go_forward_ends_at_seven_by_the_new_clocks():
    # Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST. The night is an hour shorter.
    at = utc(2026, 3, 28, 22, 30)  # 22:30 GMT on Saturday
    until = NIGHT.until(at)
    assert until == uk(2026, 3, 29, 7, 0)
    assert until.utcoffset() == dt.timedelta(hours=1)  # summer time by then
    assert until - at == dt.timedelta(hours=7, minutes=30)
    # In the hour after the change, still quiet, still until 07:00 BST = 06:00 UTC.
    assert NIGHT.until(utc(2026, 3, 29, 1, 30)) == utc(2026, 3, 29, 6, 0)


def test_the_night_the_clocks_go_back_ends_at_seven_by_the_new_clocks():
    # Sunday 25 October 2026: 02:00 BST becomes 01:00 GMT. The night is an hour longer.
    at = utc(2026, 10, 24, 21, 0)  # 22:00 BST on Saturday: quiet starts
    until = NIGHT.until(at)
    assert until == uk(2026, 10, 25, 7, 0)
    assert until.utcoffset() == dt.timedelta(0)
    assert until - at == dt.timedelta(hours=10)
    # 01:30 happens twice; both times are quiet until the same 07:00 GMT.
    first, second = utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)
    assert first.astimezone(UK_TIME).time() == second.astimezone(UK_TIME).time()
    assert NIGHT.until(first) == NIGHT.until(second) == utc(2026, 10, 25, 7, 0)


def test_quiet_hours_that_end_in_the_skipped_hour_end_when_the_clocks_would_have_read_it():
    # 00:00 to 01:30: at 01:00 GMT on 29 March 2026 the clocks jump to 02:00.
    short = QuietHours(dt.time(0, 0), dt.time(1, 30), UK_TIME)
    until = short.until(utc(2026, 3, 29, 0, 45))
    assert until == utc(
        2026, 3, 29, 1, 30
    )  # 02:30 BST: 01:30 "GMT" as if the clocks had not jumped
    assert until.astimezone(UK_TIME).hour == 2


def test_quiet_hours_starting_in_the_repeated_hour():
    # From 01:30: on 25 October 2026 the clocks read 01:30 twice; the first is quiet, and so
    # is everything after it until the end.
    late = QuietHours(dt.time(1, 30), dt.time(6, 0), UK_TIME)
    assert late.until(utc(2026, 10, 25, 0, 15)) is None  # 01:15 BST
    assert late.until(utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 25, 6, 0)  # 01:30 BST
    assert late.until(utc(2026, 10, 25, 1, 15)) == utc(2026, 10, 25, 6, 0)  # 01:15 GMT, after


def test_quiet_hours_never_hold_back_a_high_risk_alert():
    at = uk(2026, 6, 10, 23, 0)
    assert deliver_at(at, NIGHT, high_risk=True) == (at, False)
    held, was_held = deliver_at(at, NIGHT, high_risk=False)
    assert was_held and held == uk(2026, 6, 11, 7, 0)
    assert held.tzinfo == dt.UTC
    assert deliver_at(at, None, high_risk=False) == (at, False)


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        NIGHT.until(dt.datetime(2026, 6, 10, 23, 0))


def test_start_and_end_must_differ():
    with pytest.raises(ValueError, match="different times"):
        QuietHours(dt.time(7, 0), dt.time(7, 0), UK_TIME)


@pytest.mark.parametrize(
    ("typed", "time"),
    [("22:00", dt.time(22)), ("22.00", dt.time(22)), ("2200", dt.time(22)), ("7:05", dt.time(7, 5)),
     ("07:00", dt.time(7)), (" 0:00 ", dt.time(0))],
)  # fmt: skip
def test_times_as_people_type_them(typed, time):
    assert parse_time(typed) == time


@pytest.mark.parametrize("typed", ["24:00", "22:60", "10pm", "22", "", "22:0", "ab:cd"])
def test_what_is_not_a_time(typed):
    with pytest.raises(ValueError):
        parse_time(typed)
