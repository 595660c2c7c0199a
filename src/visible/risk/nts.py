"""The National Transfer Scheme's clock and the long-term missing case: pure, like the rest of
the engine (no Django, no clock, no I/O). The caller passes the day or the instant to judge at.

- **R-NTS**: a child referred under the National Transfer Scheme is expected to arrive in the
  receiving council within 10 working days of the referral (the receiving council's nation's
  bank holidays skipped). From the 8th working day without an arrival the transfer is at risk
  and an alert is raised to the sending council; from the 11th it is overdue. A referral the
  receiving council declines, or the sending council withdraws, stops the clock: no alert.
- **R-LONG-TERM**: an episode open 28 days becomes a long-term missing case, with a
  multi-agency review every 28 days after that, a prompt to refer to the UK Missing Persons
  Unit, and no end at the 18th birthday: only the child's return closes it.

docs/transfers.md describes both; docs/sources.md cites the protocol and the UKMPU guidance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from visible.dates import add_working_days, is_working_day, uk_date, uk_midnight
from visible.risk.engine import Alert
from visible.risk.rules import RULES

NTS_WORKING_DAYS = 10  # NTS protocol v7.0: the transfer within 10 working days of referral
NTS_AT_RISK_WORKING_DAY = 8  # the alert on the 8th working day with no arrival
LONG_TERM_DAYS = 28  # an episode open this long is a long-term missing case
REVIEW_EVERY_DAYS = 28  # the long-term case's multi-agency review, every this many days

NTS_AT_RISK = "nts_transfer_at_risk"
NTS_OVERDUE = "nts_transfer_overdue"
LONG_TERM_REVIEW = "long_term_missing_review"
ALERT_RULES = {NTS_AT_RISK: "R-NTS", NTS_OVERDUE: "R-NTS", LONG_TERM_REVIEW: "R-LONG-TERM"}


class TransferState:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    ARRIVED_IN_TIME = "arrived_in_time"
    ARRIVED_LATE = "arrived_late"
    DECLINED = "declined"  # by the receiving council: the child will not arrive
    WITHDRAWN = "withdrawn"  # by the sending council


ENDED_STATES = (TransferState.DECLINED, TransferState.WITHDRAWN)


STATE_WORDS = {
    TransferState.ON_TRACK: "On track",
    TransferState.AT_RISK: "At risk",
    TransferState.OVERDUE: "Overdue",
    TransferState.ARRIVED_IN_TIME: "Arrived in time",
    TransferState.ARRIVED_LATE: "Arrived late",
    TransferState.DECLINED: "Declined",
    TransferState.WITHDRAWN: "Withdrawn",
}


@dataclass(frozen=True)
class TransferClock:
    referred_on: dt.date
    at_risk_on: dt.date  # the 8th working day after referral
    due_on: dt.date  # the 10th working day after referral: the last day in time
    day: dt.date  # the day judged at (or the arrival, or the day it ended)
    working_days: int  # working days from the referral to ``day``
    state: str

    @property
    def words(self) -> str:
        return STATE_WORDS[self.state]

    @property
    def arrived(self) -> bool:
        return self.state in (TransferState.ARRIVED_IN_TIME, TransferState.ARRIVED_LATE)

    @property
    def ended(self) -> bool:
        """Declined or withdrawn: stopped without the child arriving."""
        return self.state in ENDED_STATES


def working_days_between(first: dt.date, last: dt.date, nation: str) -> int:
    """Working days after ``first`` up to and including ``last`` (0 if ``last`` <= ``first``)."""
    count = 0
    current = first
    while current < last:
        current += dt.timedelta(days=1)
        if is_working_day(current, nation):
            count += 1
    return count


def transfer_clock(
    referred_on: dt.date,
    nation: str,
    day: dt.date,
    arrived_on: dt.date | None = None,
    *,
    ended_on: dt.date | None = None,
    outcome: str = "",
) -> TransferClock:
    """Where the 10-working-day clock stands on ``day``; once arrived (``arrived_on`` on or
    before ``day``), stopped at the arrival; once declined or withdrawn (``ended_on`` on or
    before ``day``, ``outcome`` one of ENDED_STATES), stopped on that day."""
    due_on = add_working_days(referred_on, NTS_WORKING_DAYS, nation)
    at_risk_on = add_working_days(referred_on, NTS_AT_RISK_WORKING_DAY, nation)
    if ended_on is not None and ended_on <= day:
        if outcome not in ENDED_STATES:
            raise ValueError(f"a transfer ends declined or withdrawn, not {outcome!r}")
        return TransferClock(
            referred_on,
            at_risk_on,
            due_on,
            ended_on,
            working_days_between(referred_on, ended_on, nation),
            outcome,
        )
    if arrived_on is not None and arrived_on <= day:
        state = (
            TransferState.ARRIVED_IN_TIME if arrived_on <= due_on else TransferState.ARRIVED_LATE
        )
        return TransferClock(
            referred_on,
            at_risk_on,
            due_on,
            arrived_on,
            working_days_between(referred_on, arrived_on, nation),
            state,
        )
    if day > due_on:
        state = TransferState.OVERDUE
    elif day >= at_risk_on:
        state = TransferState.AT_RISK
    else:
        state = TransferState.ON_TRACK
    return TransferClock(
        referred_on,
        at_risk_on,
        due_on,
        day,
        working_days_between(referred_on, day, nation),
        state,
    )


def _alert(code: str, child_id: str, subject: str, due_at: dt.datetime, text: str) -> Alert:
    rule = RULES[ALERT_RULES[code]]
    return Alert(
        f"{subject}/{code}",
        code,
        rule.id,
        child_id,
        None,
        due_at.astimezone(dt.UTC),
        text,
        rule.citation,
        rule.source,
    )


def _start_of(day: dt.date) -> dt.datetime:
    return uk_midnight(day)


def transfer_alerts(
    child_id: str,
    transfer_id: str,
    referred_on: dt.date,
    nation: str,
    at: dt.datetime,
    arrived_on: dt.date | None = None,
    receiving: str = "the receiving council",
    *,
    ended_on: dt.date | None = None,
    outcome: str = "",
) -> tuple[Alert, ...]:
    """The alert due at ``at`` for one transfer: none while on track, once arrived or once
    declined or withdrawn; 'at risk' from the 8th working day; 'overdue' after the 10th. Keys
    are stable, so storing by key never duplicates one."""
    if at.tzinfo is None:
        raise ValueError(f"at must be timezone-aware; got the naive value {at.isoformat()}")
    clock = transfer_clock(
        referred_on, nation, uk_date(at), arrived_on, ended_on=ended_on, outcome=outcome
    )
    subject = f"nts/{transfer_id}"
    if clock.state == TransferState.AT_RISK:
        return (
            _alert(
                NTS_AT_RISK,
                child_id,
                subject,
                _start_of(clock.at_risk_on),
                f"National Transfer Scheme transfer to {receiving} at risk: "
                f"{clock.working_days} working days since the referral and the child has not "
                f"arrived; the transfer is due by {_day(clock.due_on)}",
            ),
        )
    if clock.state == TransferState.OVERDUE:
        return (
            _alert(
                NTS_OVERDUE,
                child_id,
                subject,
                _start_of(clock.due_on + dt.timedelta(days=1)),
                f"National Transfer Scheme transfer to {receiving} overdue: not arrived "
                f"{clock.working_days} working days after the referral (due by "
                f"{_day(clock.due_on)})",
            ),
        )
    return ()


# --- long-term missing -------------------------------------------------------------------


@dataclass(frozen=True)
class LongTermCase:
    became_long_term_at: dt.datetime  # 28 days after the child was last seen
    days_missing: int
    reviews_due: tuple[dt.date, ...]  # every review date up to ``at``'s day, oldest first
    next_review_on: dt.date  # the next review date after the last one held

    @property
    def last_review_due(self) -> dt.date:
        return self.reviews_due[-1]


def days_missing(last_seen_at: dt.datetime, day: dt.date) -> int:
    """Whole UK days from the day the child was last seen to ``day``."""
    return max(0, (day - uk_date(last_seen_at)).days)


def long_term_case(
    last_seen_at: dt.datetime,
    at: dt.datetime,
    returned_at: dt.datetime | None = None,
    last_review_on: dt.date | None = None,
) -> LongTermCase | None:
    """The long-term missing case of an episode at ``at``: None if the child was back (or the
    episode was not yet 28 days old) then. The child's age plays no part: turning 18 never
    ends the case; only the return does."""
    if at.tzinfo is None or last_seen_at.tzinfo is None:
        raise ValueError("last_seen_at and at must be timezone-aware")
    if returned_at is not None and returned_at <= at:
        return None
    start_day = uk_date(last_seen_at)
    became = start_day + dt.timedelta(days=LONG_TERM_DAYS)
    today = uk_date(at)
    if today < became:
        return None
    reviews = []
    review = became
    while review <= today:
        reviews.append(review)
        review += dt.timedelta(days=REVIEW_EVERY_DAYS)
    next_review = became
    if last_review_on is not None:
        while next_review <= last_review_on:
            next_review += dt.timedelta(days=REVIEW_EVERY_DAYS)
    return LongTermCase(_start_of(became), (today - start_day).days, tuple(reviews), next_review)


def long_term_alerts(
    child_id: str,
    episode_id: str,
    last_seen_at: dt.datetime,
    at: dt.datetime,
    returned_at: dt.datetime | None = None,
    last_review_on: dt.date | None = None,
) -> tuple[Alert, ...]:
    """The review alert due at ``at``: one per review date not yet held (keyed by the date)."""
    case = long_term_case(last_seen_at, at, returned_at, last_review_on)
    if case is None or case.next_review_on > uk_date(at):
        return ()
    due = case.next_review_on
    rule = RULES["R-LONG-TERM"]
    return (
        Alert(
            f"{child_id}/{LONG_TERM_REVIEW}/{episode_id}/{due.isoformat()}",
            LONG_TERM_REVIEW,
            rule.id,
            child_id,
            episode_id,
            _start_of(due).astimezone(dt.UTC),
            f"Missing {case.days_missing} days: a long-term missing case. Hold the "
            f"multi-agency review due on {_day(due)} and refer to the UK Missing Persons Unit "
            "if not done",
            rule.citation,
            rule.source,
        ),
    )


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _day(day: dt.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
