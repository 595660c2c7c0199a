"""The pure rules (risk/nts.py): the National Transfer Scheme's 10-working-day clock (R-NTS)
and the long-term missing case (R-LONG-TERM), at awkward dates too."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visible.dates import UK_TIME, is_working_day
from visible.risk import RULES, nts


def uk(y, m, d, h=12, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=UK_TIME)


def test_the_clock_counts_ten_working_days_skipping_weekends_and_bank_holidays():
    # Referred on Thursday 17 December 2026: Christmas Day (Fri), Boxing Day substitute
    # (Mon 28) and New Year's Day (Fri 1 January) are skipped in England.
    clock = nts.transfer_clock(dt.date(2026, 12, 17), "England", dt.date(2026, 12, 17))
    assert clock.state == nts.TransferState.ON_TRACK
    assert clock.due_on == dt.date(2027, 1, 5)
    assert clock.at_risk_on == dt.date(2026, 12, 31)
    # Scotland's 2 January holiday (moved to Monday 4 January 2027) pushes its due date on.
    scottish = nts.transfer_clock(dt.date(2026, 12, 17), "Scotland", dt.date(2026, 12, 17))
    assert scottish.due_on > clock.due_on


def test_at_risk_from_the_eighth_working_day_and_overdue_after_the_tenth():
    referred = dt.date(2026, 3, 2)  # a Monday; no bank holidays in the next fortnight
    assert nts.transfer_clock(referred, "England", dt.date(2026, 3, 11)).state == "on_track"
    at_risk = nts.transfer_clock(referred, "England", dt.date(2026, 3, 12))
    assert (at_risk.state, at_risk.working_days) == ("at_risk", 8)
    assert nts.transfer_clock(referred, "England", dt.date(2026, 3, 16)).state == "at_risk"
    overdue = nts.transfer_clock(referred, "England", dt.date(2026, 3, 17))
    assert (overdue.state, overdue.words) == ("overdue", "Overdue")


def test_arrival_stops_the_clock():
    referred = dt.date(2026, 3, 2)
    on_time = nts.transfer_clock(referred, "England", dt.date(2026, 6, 1), dt.date(2026, 3, 16))
    assert (on_time.state, on_time.working_days) == ("arrived_in_time", 10)
    late = nts.transfer_clock(referred, "England", dt.date(2026, 6, 1), dt.date(2026, 3, 17))
    assert late.state == "arrived_late" and late.arrived


def test_the_alerts_carry_the_rule_and_a_stable_key():
    referred = dt.date(2026, 3, 2)
    assert nts.transfer_alerts("7", "3", referred, "England", uk(2026, 3, 11)) == ()
    (at_risk,) = nts.transfer_alerts("7", "3", referred, "England", uk(2026, 3, 12, 9))
    assert at_risk.code == "nts_transfer_at_risk" and at_risk.rule_id == "R-NTS"
    assert at_risk.key == "nts/3/nts_transfer_at_risk"
    assert at_risk.source == RULES["R-NTS"].source and "10 working days" in at_risk.source
    assert at_risk.due_at == uk(2026, 3, 12, 0).astimezone(dt.UTC)
    assert "due by 16 March 2026" in at_risk.text
    again = nts.transfer_alerts("7", "3", referred, "England", uk(2026, 3, 13, 15))
    assert again[0].key == at_risk.key and again[0].due_at == at_risk.due_at
    (overdue,) = nts.transfer_alerts("7", "3", referred, "England", uk(2026, 3, 17))
    assert overdue.code == "nts_transfer_overdue"
    arrived = nts.transfer_alerts(
        "7", "3", referred, "England", uk(2026, 3, 20), dt.date(2026, 3, 18)
    )
    assert arrived == ()


def test_a_declined_or_withdrawn_transfer_stops_the_clock_and_raises_no_alert():
    referred = dt.date(2026, 3, 2)
    declined = nts.transfer_clock(
        referred, "England", dt.date(2026, 6, 1), ended_on=dt.date(2026, 3, 13), outcome="declined"
    )
    assert (declined.state, declined.words, declined.working_days) == ("declined", "Declined", 9)
    assert declined.ended and not declined.arrived and declined.day == dt.date(2026, 3, 13)
    # Judged before the day it ended, the clock was still running.
    before = nts.transfer_clock(
        referred,
        "England",
        dt.date(2026, 3, 12),
        ended_on=dt.date(2026, 3, 13),
        outcome="withdrawn",
    )
    assert before.state == "at_risk"
    withdrawn = dict(ended_on=dt.date(2026, 3, 4), outcome="withdrawn")
    assert nts.transfer_alerts("7", "3", referred, "England", uk(2026, 3, 20), **withdrawn) == ()
    with pytest.raises(ValueError, match="declined or withdrawn"):
        nts.transfer_clock(referred, "England", dt.date(2026, 3, 5), ended_on=referred)


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        nts.transfer_alerts("1", "1", dt.date(2026, 1, 5), "England", dt.datetime(2026, 1, 6))


@given(
    referred=st.dates(dt.date(2024, 1, 1), dt.date(2040, 12, 31)),
    nation=st.sampled_from(["England", "Wales", "Scotland", "Northern Ireland"]),
    after=st.integers(0, 40),
)
def test_the_clock_never_runs_backwards_and_due_is_a_working_day(referred, nation, after):
    clock = nts.transfer_clock(referred, nation, referred + dt.timedelta(days=after))
    assert is_working_day(clock.due_on, nation) and is_working_day(clock.at_risk_on, nation)
    assert referred < clock.at_risk_on < clock.due_on
    assert nts.working_days_between(referred, clock.due_on, nation) == nts.NTS_WORKING_DAYS
    later = nts.transfer_clock(referred, nation, referred + dt.timedelta(days=after + 1))
    order = ["on_track", "at_risk", "overdue"]
    assert order.index(later.state) >= order.index(clock.state)
    assert later.working_days >= clock.working_days


# --- long-term missing -----------------------------------------------------------------------


def test_an_episode_becomes_long_term_on_day_28_with_reviews_every_28_days():
    seen = uk(2028, 2, 1, 22, 30)  # a leap year: 29 February is counted
    assert nts.long_term_case(seen, uk(2028, 2, 28, 23, 59)) is None
    case = nts.long_term_case(seen, uk(2028, 2, 29, 0, 1))
    assert case is not None and case.days_missing == 28
    assert case.reviews_due == (dt.date(2028, 2, 29),)
    assert case.next_review_on == dt.date(2028, 2, 29)
    later = nts.long_term_case(seen, uk(2028, 4, 30), last_review_on=dt.date(2028, 3, 1))
    assert later.reviews_due == (dt.date(2028, 2, 29), dt.date(2028, 3, 28), dt.date(2028, 4, 25))
    assert later.next_review_on == dt.date(2028, 3, 28)


def test_the_return_ends_the_case_and_its_review_alerts():
    seen = uk(2026, 1, 1)
    assert nts.long_term_case(seen, uk(2026, 3, 1), returned_at=uk(2026, 2, 20)) is None
    assert nts.long_term_alerts("4", "9", seen, uk(2026, 3, 1), uk(2026, 2, 20)) == ()
    (due,) = nts.long_term_alerts("4", "9", seen, uk(2026, 3, 1))
    assert due.code == "long_term_missing_review" and due.rule_id == "R-LONG-TERM"
    assert due.key == "4/long_term_missing_review/9/2026-01-29"
    assert "UK Missing Persons Unit" in due.text and "UK Missing Persons Unit" in due.source
    # Held: the next one is not due until 28 days on.
    assert nts.long_term_alerts("4", "9", seen, uk(2026, 2, 10), None, dt.date(2026, 1, 30)) == ()


def test_the_case_crosses_the_clock_change_and_the_year_end():
    seen = uk(2026, 10, 20, 23, 30)  # the clocks go back on 25 October
    case = nts.long_term_case(seen, uk(2027, 1, 2))
    assert case.days_missing == (dt.date(2027, 1, 2) - dt.date(2026, 10, 20)).days
    assert dt.date(2026, 11, 17) in case.reviews_due and dt.date(2026, 12, 15) in case.reviews_due


@given(
    seen_day=st.dates(dt.date(2020, 1, 1), dt.date(2040, 1, 1)),
    later=st.integers(28, 3000),
)
def test_no_birthday_closes_a_long_term_case(seen_day, later):
    # The rule takes no date of birth at all: only the return ends it. Whatever the day, an
    # open episode 28 days old or more is a case, and stays one the day after.
    seen = dt.datetime.combine(seen_day, dt.time(12), UK_TIME)
    at = seen + dt.timedelta(days=later)
    case = nts.long_term_case(seen, at)
    assert case is not None
    assert nts.long_term_case(seen, at + dt.timedelta(days=1)) is not None
    assert case.reviews_due[0] == seen_day + dt.timedelta(days=28)
    assert all(
        (b - a).days == nts.REVIEW_EVERY_DAYS for a, b in itertools.pairwise(case.reviews_due)
    )
