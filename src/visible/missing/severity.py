"""How urgent each kind of alert is, and how soon someone must acknowledge it (docs/alerts.md).

Four levels, each with one question a duty manager can ask of any alert:

- **Critical**: a child is missing now and the next hours decide what happens to them (a
  high-risk child just reported missing, a child not yet reported to the police, a newly
  arrived child gone within days). Acknowledge within 15 minutes.
- **High**: a child is missing now and something has changed that needs a decision today
  (missing a week, turned 18 while missing), or someone outside the council is reading a
  child's record under emergency access. Acknowledge within 1 hour.
- **Medium**: a duty to a child who is not missing now is overdue (the return interview, a
  Duty to Notify referral), or the council has been told something it must act on (a child
  placed in or transferred to its area). Acknowledge within 1 day.
- **Low**: the record needs correcting or someone else is late (a forbidden label in the notes,
  the Home Office's overdue NRM decision). Acknowledge within 7 days.

Pure: no Django, no clock. An alert's severity is fixed by its kind (``code``) when it is raised
and stored on it, so the inbox orders by a database column. Its acknowledgement deadline is
counted from when it was raised, by its level's deadline: the national one, or an authority's
own, never longer than the national one (``deadlines``, the seam for per-authority settings).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    """Lower is more urgent: the inbox sorts ascending. Stored as this number."""

    CRITICAL = 1
    HIGH = 2
    MEDIUM = 3
    LOW = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def tag_colour(self) -> str:
        """The GOV.UK tag modifier the pages show it with."""
        return _TAG_COLOURS[self]

    @classmethod
    def parse(cls, value: Severity | int | str) -> Severity:
        if isinstance(value, Severity):
            return value
        if isinstance(value, int):
            return cls(value)
        text = str(value).strip().upper()
        if text in cls.__members__:
            return cls[text]
        known = ", ".join(s.key for s in cls)
        raise ValueError(f"Unknown alert severity {value!r}: use one of {known}")


_TAG_COLOURS = {
    Severity.CRITICAL: "red",
    Severity.HIGH: "orange",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "grey",
}

# Severity and above that interrupts whoever would see the alert: the banner on every page.
INTERRUPTS = (Severity.CRITICAL, Severity.HIGH)


@dataclass(frozen=True)
class Deadline:
    """A level's acknowledgement deadline: the national one, which is also the longest an
    authority may set (a national floor: an authority may give its staff less time to notice a
    missing child, never more), and the shortest, which keeps a deadline one a person can meet
    before escalation starts (ADR 0019)."""

    default: dt.timedelta
    shortest: dt.timedelta

    @property
    def longest(self) -> dt.timedelta:
        return self.default


MINUTE = dt.timedelta(minutes=1)
DEADLINES: Mapping[Severity, Deadline] = {
    # The figure for a high-risk child reported missing; no authority may lengthen it.
    Severity.CRITICAL: Deadline(15 * MINUTE, 5 * MINUTE),
    Severity.HIGH: Deadline(60 * MINUTE, 15 * MINUTE),
    Severity.MEDIUM: Deadline(24 * 60 * MINUTE, 60 * MINUTE),
    Severity.LOW: Deadline(7 * 24 * 60 * MINUTE, 24 * 60 * MINUTE),
}


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    severity: Severity
    why: str  # why this severity, in plain words (docs/alerts.md lists them)


HIGH_RISK_MISSING = "high_risk_missing"
# To a police force's trafficking SPOC: the force graded a child in scope below high (rule
# R-POLICE-GRADE, missing.actions.record_police_grade).
POLICE_GRADE_CHALLENGE = "police_grade_challenge"
# To the child's council: the force's trafficking SPOC answered the challenge by keeping the
# force's grade below high (missing.actions.answer_police_challenge); closed when the force
# regrades the child high.
POLICE_GRADE_KEPT = "police_grade_kept"
# A National Transfer Scheme transfer that ended without the child arriving
# (transfers.actions.decline, withdraw): to the sending council when the receiving council
# declines, to the receiving council and force when the sending council withdraws.
NTS_TRANSFER_DECLINED = "nts_transfer_declined"
NTS_TRANSFER_WITHDRAWN = "nts_transfer_withdrawn"

KINDS: Mapping[str, Kind] = {
    k.code: k
    for k in (
        Kind(
            HIGH_RISK_MISSING,
            "High-risk child missing",
            Severity.CRITICAL,
            "A child graded high risk has just been reported missing: most trafficked children "
            "who go missing do so within a week of arriving, many within 48 hours, and the "
            "first hours of the search matter most",
        ),
        Kind(
            "potential_trafficking_victim",
            "Potential trafficking victim",
            Severity.CRITICAL,
            "An unaccompanied child went missing within days of becoming looked after: the "
            "pattern of trafficking the report describes",
        ),
        Kind(
            "no_police_report",
            "No police report",
            Severity.CRITICAL,
            "A missing child not reported to the police: nobody with police powers is looking",
        ),
        Kind(
            "long_missing",
            "Missing a long time",
            Severity.HIGH,
            "Still missing after a week: the risk assessment and the search need reviewing today",
        ),
        Kind(
            "turned_18_while_missing",
            "Turned 18 while missing",
            Severity.HIGH,
            "Still missing on their 18th birthday: services must not drop them or relabel them",
        ),
        Kind(
            "break_glass",
            "Break-glass access",
            Severity.HIGH,
            "Someone outside the council is reading a child's record under emergency access, "
            "which lasts 4 hours: check it while it lasts",
        ),
        Kind(
            POLICE_GRADE_CHALLENGE,
            "Police grade challenged",
            Severity.HIGH,
            "The force graded a trafficked or unaccompanied child below high: the force's "
            "trafficking lead must answer today, while the grade decides how hard the police look",
        ),
        Kind(
            POLICE_GRADE_KEPT,
            "Police kept a grade below high",
            Severity.HIGH,
            "The force kept its grade below high for a trafficked or unaccompanied child after "
            "Visible's challenge: the council must decide today whether to take it further, "
            "while the grade decides how hard the police look",
        ),
        Kind(
            "approaching_18",
            "Approaching 18 while missing",
            Severity.MEDIUM,
            "Still missing and turning 18 within months: plan, but the birthday is not today",
        ),
        Kind(
            "return_interview_overdue",
            "Return interview overdue",
            Severity.MEDIUM,
            "The child is back; the independent return interview is a duty now overdue",
        ),
        Kind(
            "arrival_item_overdue",
            "Arrival checklist overdue",
            Severity.HIGH,
            "A protective step of a newly arrived child's first 72 hours is late, when they are "
            "most likely to go missing",
        ),
        Kind(
            "duty_to_notify",
            "Duty to Notify",
            Severity.MEDIUM,
            "A child recorded as trafficked and not referred to the NRM: a duty now overdue",
        ),
        Kind(
            "placed_in_your_area",
            "Placed in your area",
            Severity.MEDIUM,
            "Another council has placed a child in the area: the council should know who is "
            "there, not this hour",
        ),
        Kind(
            "transferred_in",
            "Transferred to you",
            Severity.MEDIUM,
            "A child is now the council's: someone must take the case on",
        ),
        Kind(
            "break_glass_by_staff",
            "Break-glass use by your staff",
            Severity.MEDIUM,
            "A member of staff used emergency access twice in a day: a manager should ask why",
        ),
        Kind(
            "nrm_rg_overdue",
            "NRM decision overdue",
            Severity.LOW,
            "The Home Office's decision is late: chase it, but nothing about the child changed "
            "today",
        ),
        Kind(
            "nts_transfer_at_risk",
            "Transfer at risk",
            Severity.MEDIUM,
            "A National Transfer Scheme transfer is near its 10 working days and the child has "
            "not arrived: chase it before it is late",
        ),
        Kind(
            "nts_transfer_overdue",
            "Transfer overdue",
            Severity.HIGH,
            "A child referred for transfer has not arrived after 10 working days: someone must "
            "find out where they are today",
        ),
        Kind(
            "long_term_missing_review",
            "Long-term missing review due",
            Severity.HIGH,
            "A child missing 28 days or more: the multi-agency review is due and the UK Missing "
            "Persons Unit should know",
        ),
        Kind(
            "nts_packet_sent",
            "Transfer packet to acknowledge",
            Severity.MEDIUM,
            "A child is being transferred to you (or into your force's area): acknowledge the "
            "transfer packet so the sending council knows it was received",
        ),
        Kind(
            NTS_TRANSFER_DECLINED,
            "Transfer declined",
            Severity.MEDIUM,
            "The receiving council declined a National Transfer Scheme transfer: the child is "
            "still the council's and still needs a transfer or a placement, so it must act, but "
            "the child is where they were this morning",
        ),
        Kind(
            NTS_TRANSFER_WITHDRAWN,
            "Transfer withdrawn",
            Severity.LOW,
            "The sending council withdrew a referral to you: nothing is asked of you about a "
            "child of yours, only to stand down what you were preparing",
        ),
        Kind(
            "forbidden_label",
            "Forbidden label",
            Severity.LOW,
            "The notes call the child 'absconder' or 'wanted': correct the record",
        ),
    )
}

# A kind Visible does not know (an alert stored by hand, or by a later version): medium, so it
# is neither lost at the bottom nor shouted on every page.
UNKNOWN = Severity.MEDIUM


def severity_of(code: str) -> Severity:
    kind = KINDS.get(code)
    return kind.severity if kind else UNKNOWN


def deadlines(settings: Mapping[str, int] | None = None) -> dict[Severity, dt.timedelta]:
    """Each level's acknowledgement deadline: the national defaults, or an authority's own in
    minutes by level name ({"critical": 10, "medium": 240}), each no longer than the national
    deadline and no shorter than the level's shortest.

    This is the seam for per-authority settings: a caller with an organisation's stored
    values passes them here. A value outside the limits is refused, naming the level, the value
    and the range, and nothing is used from the settings."""
    found = {level: limits.default for level, limits in DEADLINES.items()}
    if not settings:
        return found
    problems = []
    for name, minutes in settings.items():
        try:
            level = Severity.parse(name)
        except ValueError as error:
            problems.append(str(error))
            continue
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            problems.append(f"{level.key}: the deadline must be a whole number of minutes")
            continue
        problem = deadline_problem(level, minutes)
        if problem:
            problems.append(f"{level.key}: {problem}")
            continue
        wanted = dt.timedelta(minutes=minutes)
        found[level] = wanted
    if problems:
        raise ValueError("Invalid acknowledgement deadlines: " + "; ".join(problems))
    return found


def deadline_problem(level: Severity, minutes: int) -> str:
    """What is wrong with ``minutes`` as an authority's deadline for ``level``, in words that
    name the national floor; "" if nothing."""
    limits = DEADLINES[level]
    if minutes < 1:
        return "the deadline must be a whole number of minutes, 1 or more"
    wanted = dt.timedelta(minutes=minutes)
    if wanted > limits.longest:
        return (
            f"{describe(wanted)} is longer than the national deadline of "
            f"{_in_minutes_too(limits.longest)}: an authority may shorten it, never lengthen it"
        )
    if wanted < limits.shortest:
        return (
            f"{describe(wanted)} is shorter than the shortest allowed, "
            f"{_in_minutes_too(limits.shortest)}: nobody could acknowledge it before it escalated"
        )
    return ""


def deadline_for(code: str, settings: Mapping[str, int] | None = None) -> dt.timedelta:
    return deadlines(settings)[severity_of(code)]


def acknowledge_by(
    code: str, raised_at: dt.datetime, settings: Mapping[str, int] | None = None
) -> dt.datetime:
    """When an alert of this kind raised at ``raised_at`` must have been acknowledged."""
    return raised_at + deadline_for(code, settings)


def label_of(code: str) -> str:
    kind = KINDS.get(code)
    return kind.label if kind else code.replace("_", " ").capitalize()


def describe(delta: dt.timedelta) -> str:
    """'15 minutes', '1 hour', '1 day', '7 days'."""
    minutes = int(delta.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _in_minutes_too(delta: dt.timedelta) -> str:
    """'1 hour (60 minutes)', '15 minutes': the settings page asks in minutes."""
    words = describe(delta)
    return (
        words if words.endswith(("minute", "minutes")) else f"{words} ({_minutes(delta)} minutes)"
    )
