"""The risk engine: facts about a child in, a proposed grade with its reasons, markers,
prompts and alerts out.

Pure by design, so that "why was she graded high on 3 March?" can be answered by running it
again: no clock reads (the caller passes ``at``), no randomness, no I/O, and inputs are sorted
before use so the order the caller listed them in cannot change the answer.

The engine looks at the world as it stood at ``at``: a flag, referral, police report or
interview recorded with a later date is ignored. Within an open episode the proposed grade
can only stay or rise as ``at`` moves on: whether the person is a child is judged when the
episode began (R-18), and everything else that can lower risk is left to a professional's
written override.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from visible.dates import (
    CALENDAR_VERSION,
    UK_TIME,
    add_working_days,
    age_on,
    eighteenth_birthday,
    uk_date,
    uk_midnight,
)
from visible.risk.arrival import checklist
from visible.risk.factors import FACTORS
from visible.risk.facts import (
    AGE_DISPUTED,
    AGE_IN_DOUBT,
    AT_RISK_OF_TRAFFICKING,
    CCE,
    CRIMINALISED,
    CSE,
    FLAG_LABELS,
    GANG,
    MISSING,
    SEPARATED,
    TRAFFICKED_IDENTIFIED,
    TRAFFICKED_SUSPECTED,
    TRAFFICKING_FLAGS,
    UASC,
    UNACCOMPANIED,
    ChildFacts,
    EpisodeFact,
)
from visible.risk.grades import Grade
from visible.risk.nrm import PANEL_DECISION_DAYS, PILOT_PANEL
from visible.risk.rules import RULES
from visible.risk.settings import DEFAULTS, RiskSettings
from visible.risk.words import check_text

# Bump when a rule changes meaning, so a stored assessment says which rules produced it.
ENGINE_VERSION = "1"

# Markers an assessment can carry.
POTENTIAL_TRAFFICKING_VICTIM = "potential_trafficking_victim"
REPEAT_MISSING = "repeat_missing"
TURNED_18_WHILE_MISSING = "turned_18_while_missing"
LONG_MISSING = "long_missing"
MARKERS = frozenset(
    {POTENTIAL_TRAFFICKING_VICTIM, REPEAT_MISSING, TURNED_18_WHILE_MISSING, LONG_MISSING}
)

# Alert codes, each with the rule it comes from.
ALERT_RULES = {
    "potential_trafficking_victim": "R-EARLY",
    "nrm_rg_overdue": "R-NRM-RG",
    "duty_to_notify": "R-DTN",
    "return_interview_overdue": "R-RETURN",
    "no_police_report": "R-POLICE",
    "approaching_18": "R-APPROACHING-18",
    "turned_18_while_missing": "R-APPROACHING-18",
    "long_missing": "R-LONG",
    "forbidden_label": "R-WORDS",
    "arrival_item_overdue": "R-ARRIVAL",
}

PROMPT_NRM_REFERRAL = "Make an NRM referral"
PROMPT_STRATEGY_DISCUSSION = "Hold a multi-agency strategy discussion"
PROMPT_NEW_RISK_ASSESSMENT = "Carry out a new risk assessment"

_HIGH_SCOPE = (TRAFFICKED_IDENTIFIED, TRAFFICKED_SUSPECTED, UASC, UNACCOMPANIED, SEPARATED)
_EARLY_SCOPE = frozenset({UASC, UNACCOMPANIED})
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


@dataclass(frozen=True)
class Reason:
    """One rule that applied, in plain words, with where it comes from."""

    rule_id: str
    text: str
    effect: str
    citation: str
    source: str
    floor: Grade | None = None  # the grade this reason holds the proposal at or above
    binding: bool = False  # True if no override may go below ``floor``

    def __str__(self) -> str:
        return f"{self.text} ({self.citation})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "text": self.text,
            "effect": self.effect,
            "citation": self.citation,
            "source": self.source,
            "floor": self.floor.value if self.floor else None,
            "binding": self.binding,
        }


@dataclass(frozen=True)
class Alert:
    """Something someone must act on, from a given moment. ``key`` is the same every time
    the same situation is found, so storing alerts by key never duplicates one."""

    key: str
    code: str
    rule_id: str
    child_id: str
    episode_id: str | None
    due_at: dt.datetime
    text: str
    citation: str
    source: str

    def __str__(self) -> str:
        return f"{self.text} ({self.citation})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "code": self.code,
            "rule_id": self.rule_id,
            "child_id": self.child_id,
            "episode_id": self.episode_id,
            "due_at": self.due_at.isoformat(),
            "text": self.text,
            "citation": self.citation,
            "source": self.source,
        }


@dataclass(frozen=True)
class Assessment:
    child_id: str
    episode_id: str
    at: dt.datetime
    grade: Grade  # proposed
    floor: Grade  # no override may go below this
    score: int
    reasons: tuple[Reason, ...]
    markers: frozenset[str]
    prompts: tuple[str, ...]
    alerts: tuple[Alert, ...]
    flags_to_raise: tuple[str, ...]
    still_missing: bool
    settings_fingerprint: str
    engine_version: str = ENGINE_VERSION
    calendar_version: str = CALENDAR_VERSION

    @property
    def headline(self) -> str:
        """The grade and the reason that set it, e.g. 'High: UASC child missing (...)'."""
        deciding = next((r for r in self.reasons if r.floor == self.grade), None)
        if deciding is None:
            return f"{self.grade.label}: no rule or risk factor applies"
        return f"{self.grade.label}: {deciding}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, in a fixed order (markers sorted): what the caller stores with the
        grading, and what a replay is compared with."""
        return {
            "child_id": self.child_id,
            "episode_id": self.episode_id,
            "at": self.at.isoformat(),
            "grade": self.grade.value,
            "floor": self.floor.value,
            "score": self.score,
            "headline": self.headline,
            "reasons": [r.as_dict() for r in self.reasons],
            "markers": sorted(self.markers),
            "prompts": list(self.prompts),
            "alerts": [a.as_dict() for a in self.alerts],
            "flags_to_raise": list(self.flags_to_raise),
            "still_missing": self.still_missing,
            "settings_fingerprint": self.settings_fingerprint,
            "engine_version": self.engine_version,
            "calendar_version": self.calendar_version,
        }


# ---------------------------------------------------------------------------------------
# Public API


def assess_episode(
    facts: ChildFacts, episode_id: str, at: dt.datetime, settings: RiskSettings = DEFAULTS
) -> Assessment:
    """The grade the engine proposes for one missing or away episode, as things stood at ``at``."""
    _require_instant(at)
    episode = facts.episode(episode_id)
    if at < episode.started_at:
        raise ValueError(
            f"Cannot assess episode {episode_id} at {at.isoformat()}: it began at {episode.started_at.isoformat()}"
        )
    view = _View(facts, at)
    start_day = uk_date(episode.started_at)
    kinds = view.flag_kinds_between(start_day, view.at_day)

    reasons: list[Reason] = []
    markers: set[str] = set()
    flags_to_raise: list[str] = []
    extra_alerts: list[Alert] = []

    age_at_start = age_on(facts.date_of_birth, start_day)
    under_18 = age_at_start < 18
    age_in_doubt = facts.age_assessment_status in AGE_IN_DOUBT or AGE_DISPUTED in kinds
    is_child = under_18 or age_in_doubt
    graded_as_missing = episode.category == MISSING or settings.treat_away_as_missing
    where = "missing" if episode.category == MISSING else "away from placement"

    # R-HIGH
    scope = [k for k in _HIGH_SCOPE if k in kinds]
    if settings.at_risk_in_high_scope and AT_RISK_OF_TRAFFICKING in kinds:
        scope.append(AT_RISK_OF_TRAFFICKING)
    if is_child and scope and graded_as_missing:
        who = " and ".join(FLAG_LABELS[k] for k in scope)
        reasons.append(
            _reason(
                "R-HIGH",
                f"{_capitalise(who)} child {where}",
                "Sets the grade to High",
                floor=Grade.HIGH,
                binding=True,
            )
        )

    # R-AGE
    if not under_18 and age_in_doubt:
        status = (
            facts.age_assessment_status
            if facts.age_assessment_status in AGE_IN_DOUBT
            else "disputed"
        )
        reasons.append(
            _reason(
                "R-AGE",
                f"Recorded as aged {age_at_start} but age assessment {status}: treated as a child",
                "The rules for children apply",
            )
        )

    # R-MIN-CHILD
    if settings.min_child_grade_medium and is_child:
        reasons.append(
            _reason(
                "R-MIN-CHILD",
                "A child is never graded below medium",
                "Sets the grade to at least Medium",
                floor=Grade.MEDIUM,
                binding=True,
            )
        )

    # R-EARLY
    days_looked_after = (start_day - facts.looked_after_from).days
    early = (
        is_child
        and graded_as_missing
        and bool(kinds & _EARLY_SCOPE)
        and 0 <= days_looked_after <= settings.early_missing_days
    )
    if early:
        when = (
            "on the day they became looked after"
            if days_looked_after == 0
            else f"{_days(days_looked_after)} after becoming looked after"
        )
        text = f"Potential trafficking victim: went {where} {when}"
        reasons.append(
            _reason(
                "R-EARLY",
                text,
                "Sets the grade to High; marks a potential trafficking victim",
                floor=Grade.HIGH,
                binding=True,
            )
        )
        markers.add(POTENTIAL_TRAFFICKING_VICTIM)
        if not kinds & TRAFFICKING_FLAGS:
            flags_to_raise.append(TRAFFICKED_SUSPECTED)
            reasons.append(
                _reason(
                    "R-EARLY",
                    "No trafficking flag yet",
                    "Proposes a 'trafficked (suspected)' flag, pending confirmation",
                )
            )
        extra_alerts.append(
            _alert(
                "potential_trafficking_victim",
                facts,
                episode.id,
                episode.started_at,
                f"{text}: confirm the suspected-trafficking flag and make an NRM referral",
            )
        )

    # R-REPEAT
    window_start = start_day - dt.timedelta(days=settings.repeat_window_days - 1)
    in_window = [
        e
        for e in view.episodes
        if e.started_at <= episode.started_at and window_start <= uk_date(e.started_at) <= start_day
    ]
    if len(in_window) >= settings.repeat_episodes:
        reasons.append(
            _reason(
                "R-REPEAT",
                f"Repeat missing: {len(in_window)} episodes in {settings.repeat_window_days} days",
                "Marks repeat missing; prompts a strategy discussion and a new risk assessment",
            )
        )
        markers.add(REPEAT_MISSING)

    #
    eighteenth = eighteenth_birthday(facts.date_of_birth)
    last_day_missing = (
        view.at_day
        if episode.ended_at is None or episode.ended_at > at
        else uk_date(episode.ended_at)
    )
    if under_18 and start_day < eighteenth <= last_day_missing:
        reasons.append(
            _reason(
                "R-18",
                f"Turned 18 on {_day(eighteenth)} while missing: the risk does not drop",
                "Keeps the grade; marks 'turned 18 while missing'",
            )
        )
        markers.add(TURNED_18_WHILE_MISSING)

    # R-LONG
    still_missing = episode.is_open_at(at)
    # assess_episode refuses an `at` before the start, so an episode not open at `at` has ended.
    lasted_until = at if still_missing or episode.ended_at is None else episode.ended_at
    lasted = lasted_until - episode.started_at
    if lasted >= dt.timedelta(days=settings.long_missing_days):
        state = "Missing" if still_missing else "Was missing"
        reasons.append(
            _reason(
                "R-LONG",
                f"{state} for {_days(settings.long_missing_days)} or more",
                "Marks long missing"
                + ("; prompts a review of the risk assessment" if still_missing else ""),
            )
        )
        markers.add(LONG_MISSING)

    # R-SCORE
    # A factor an authority weighted 0 is switched off: not scored, not listed.
    found = _factors_present(facts, view, episode, start_day, kinds, settings)
    present = [c for c in found if settings.weight(c)]
    score = 0
    for code in present:
        weight = settings.weight(code)
        score += weight
        reasons.append(_reason("R-SCORE", FACTORS[code].label, f"Adds {weight} to the risk score"))
    score_grade = _score_grade(score, settings)
    if score_grade is not None:
        reasons.append(
            _reason(
                "R-SCORE",
                f"Risk factors score {score}",
                f"Raises the grade to at least {score_grade.label}",
                floor=score_grade,
            )
        )

    # R-NATIONALITY: a prompt, never a floor.
    pattern = settings.nationality_patterns.get(facts.nationality)
    if pattern:
        reasons.append(
            _reason(
                "R-NATIONALITY",
                f"Nationality {facts.nationality}: known exploitation pattern ({pattern})",
                "Prompts professional judgement only; does not change the grade",
            )
        )

    # R-WORDS
    labels = sorted(
        {
            finding.word.lower()
            for note in episode.notes
            for finding in check_text(note)
            if finding.certain
        }
    )
    if labels:
        reasons.append(
            _reason(
                "R-WORDS",
                f"The notes call the child {_quoted(labels)}",
                "Prompts removing the label",
            )
        )

    grade = max([Grade.NO_APPARENT_RISK] + [r.floor for r in reasons if r.floor is not None])
    floor = max(
        [Grade.NO_APPARENT_RISK] + [r.floor for r in reasons if r.floor is not None and r.binding]
    )

    # Prompts: what to do now, so they follow the facts at ``at`` (unlike the grade they may
    # disappear once done).
    prompts: list[str] = []
    referred = view.referred_by(view.at_day)
    trafficking_concern = (
        early or bool(kinds & TRAFFICKING_FLAGS) or "trafficking_indicators_not_referred" in found
    )
    if trafficking_concern and not referred:
        prompts.append(PROMPT_NRM_REFERRAL)
        if not early:
            reasons.append(
                _reason(
                    "R-DTN",
                    "Trafficking concern and no NRM referral yet",
                    f"Prompts: {PROMPT_NRM_REFERRAL}",
                )
            )
    if REPEAT_MISSING in markers:
        prompts += [PROMPT_STRATEGY_DISCUSSION, PROMPT_NEW_RISK_ASSESSMENT]
    if LONG_MISSING in markers and still_missing:
        prompts.append(
            f"Review the risk assessment: missing {_days(settings.long_missing_days)} or more"
        )
    if present and grade < Grade.HIGH:
        prompts.append(
            "Professional judgement: do the risk factors listed call for a higher grade?"
        )
    if pattern:
        prompts.append(
            f"Professional judgement: nationality-linked exploitation pattern ({pattern})"
        )
    if labels:
        prompts.append(f"Remove {_quoted(labels)} from the notes and describe the child as missing")

    alerts = {a.key: a for a in extra_alerts}
    for alert in sweep(facts, at, settings):
        if alert.episode_id in (None, episode.id):
            alerts.setdefault(alert.key, alert)

    return Assessment(
        child_id=facts.child_id,
        episode_id=episode.id,
        at=at,
        grade=grade,
        floor=floor,
        score=score,
        reasons=tuple(reasons),
        markers=frozenset(markers),
        prompts=tuple(dict.fromkeys(prompts)),
        alerts=_in_order(alerts.values()),
        flags_to_raise=tuple(flags_to_raise),
        still_missing=still_missing,
        settings_fingerprint=settings.fingerprint(),
    )


def check_override(proposed: Assessment, chosen: Grade | str, reason: str) -> list[str]:
    """What is wrong with a professional's chosen grade, in plain words; empty if nothing.

    Upward (or the same grade) is always allowed. Downward needs a written reason and can
    never go below the binding floor (R-HIGH, R-EARLY, R-MIN-CHILD)."""
    try:
        grade = Grade.parse(chosen)
    except ValueError as error:
        return [str(error)]
    if grade >= proposed.grade:
        return []
    errors: list[str] = []
    if not (reason or "").strip():
        errors.append(
            f"Write down why the grade should be {grade.label} rather than the proposed "
            f"{proposed.grade.label}: a lower grade needs a written reason."
        )
    if grade < proposed.floor:
        binding = [
            (r.floor, r)
            for r in proposed.reasons
            if r.binding and r.floor is not None and grade < r.floor
        ]
        because = "; ".join(f"{floor.label}: {r}" for floor, r in binding)
        errors.append(
            f"The grade cannot be lower than {proposed.floor.label} for this child ({because})."
        )
    return errors


def sweep(
    facts: ChildFacts, at: dt.datetime, settings: RiskSettings = DEFAULTS
) -> tuple[Alert, ...]:
    """Every time-based alert due for one child at ``at``, ordered by when each fell due."""
    _require_instant(at)
    view = _View(facts, at)
    alerts: list[Alert] = []
    alerts += _nrm_overdue(facts, view, settings)
    alerts += _duty_to_notify(facts, view)
    alerts += _arrival_overdue(facts, view)
    for episode in view.episodes:
        if episode.is_open_at(at):
            alerts += _open_episode_alerts(facts, view, episode, settings)
        else:
            alerts += _return_interview_alerts(facts, view, episode, settings)
        labels = sorted(
            {x.word.lower() for note in episode.notes for x in check_text(note) if x.certain}
        )
        if labels:
            alerts.append(
                _alert(
                    "forbidden_label",
                    facts,
                    episode.id,
                    episode.started_at,
                    f"The notes for this episode call the child {_quoted(labels)}: remove the label "
                    "and describe them as missing",
                )
            )
    return _in_order({a.key: a for a in alerts}.values())


# ---------------------------------------------------------------------------------------
# The facts as they stood at ``at``, in a fixed order.


class _View:
    def __init__(self, facts: ChildFacts, at: dt.datetime):
        self.at = at
        self.at_day = uk_date(at)
        self.flags = sorted(
            (x for x in facts.flags if x.start <= self.at_day),
            key=lambda x: (x.start, _late(x.end), x.kind),
        )
        self.placements = sorted(
            (p for p in facts.placements if p.start <= self.at_day),
            key=lambda p: (p.start, _late(p.end), p.place_code, p.detail),
        )
        # Every field is in the key: two referrals on one day must still sort the same way
        # whatever order they came in.
        self.referrals = sorted(
            (r for r in facts.nrm_referrals if r.referred_on <= self.at_day),
            key=lambda r: (
                r.referred_on,
                r.rg_decision,
                _late(r.rg_decided_on),
                r.cg_decision,
                _late(r.cg_decided_on),
                r.stayed,
            ),
        )
        self.episodes = sorted(
            (e for e in facts.episodes if e.started_at <= at), key=lambda e: (e.started_at, e.id)
        )

    def flag_kinds_between(self, first: dt.date, last: dt.date) -> frozenset[str]:
        return frozenset(x.kind for x in self.flags if x.active_between(first, last))

    def referred_by(self, day: dt.date) -> bool:
        return any(r.referred_on <= day for r in self.referrals)


def _late(day: dt.date | None) -> dt.date:
    # Open-ended (None) sorts after every real date.
    return dt.date.max if day is None else day


# ---------------------------------------------------------------------------------------
# Dynamic factors


def _factors_present(
    facts: ChildFacts,
    view: _View,
    episode: EpisodeFact,
    start_day: dt.date,
    kinds: frozenset[str],
    settings: RiskSettings,
) -> tuple[str, ...]:
    """Factor codes present for this episode, in the registry's order.

    Everything derived from the record is taken as it stood when the episode began, except
    flags, which count if in force at any time during the episode: a concern recorded while
    the child is missing raises the grade; one ending (UASC status at 18) does not lower it."""
    present = set(facts.factors)
    if kinds & TRAFFICKING_FLAGS and not view.referred_by(start_day):
        present.add("trafficking_indicators_not_referred")
    for kind, code in (
        (AT_RISK_OF_TRAFFICKING, "at_risk_of_trafficking"),
        (CSE, "cse"),
        (CCE, "cce"),
        (GANG, "gang"),
        (CRIMINALISED, "criminalised_or_on_bail"),
    ):
        if kind in kinds:
            present.add(code)

    current = [p for p in view.placements if p.current_on(start_day)]
    if current:
        placement = current[-1]  # the latest to start: the one the child left
        if (
            placement.place_code in settings.unsuitable_placement_codes
            or placement.detail in settings.unsuitable_placement_details
            or placement.unregulated
        ):
            present.add("unsuitable_placement")
    earliest = view.placements[0].start if view.placements else None
    recent_from = start_day - dt.timedelta(days=settings.recent_placement_change_days)
    if any(
        earliest is not None and p.start > earliest and recent_from <= p.start <= start_day
        for p in view.placements
    ):
        present.add("placement_change_recent")

    if not facts.has_guardian:
        present.add("no_guardian")
    if facts.age_assessment_status in AGE_IN_DOUBT or AGE_DISPUTED in kinds:
        present.add("age_in_dispute")
    if any(e.started_at < episode.started_at for e in view.episodes):
        present.add("previous_missing")
    return tuple(code for code in FACTORS if code in present)


def _score_grade(score: int, settings: RiskSettings) -> Grade | None:
    if score >= settings.score_high:
        return Grade.HIGH
    if score >= settings.score_medium:
        return Grade.MEDIUM
    if score >= settings.score_low:
        return Grade.LOW
    return None


# ---------------------------------------------------------------------------------------
# Alerts


def _nrm_overdue(facts: ChildFacts, view: _View, settings: RiskSettings) -> list[Alert]:
    alerts = []
    for referral in view.referrals:
        decided = referral.rg_decision != "pending" and (
            referral.rg_decided_on is None or referral.rg_decided_on <= view.at_day
        )
        if decided:
            continue
        if referral.decided_by == PILOT_PANEL:
            due_day = referral.referred_on + dt.timedelta(days=PANEL_DECISION_DAYS)
            clock = f"{PANEL_DECISION_DAYS} days, the devolved decision-making panel"
        else:
            due_day = add_working_days(
                referral.referred_on, settings.rg_decision_working_days, facts.nation
            )
            clock = (
                f"{settings.rg_decision_working_days} working days, {facts.nation} bank holidays"
            )
        overdue_from = uk_midnight(due_day + dt.timedelta(days=1))
        if view.at < overdue_from:
            continue
        stayed = (
            " The decision is recorded as stayed while the child is missing."
            if referral.stayed
            else ""
        )
        alerts.append(
            _alert(
                "nrm_rg_overdue",
                facts,
                None,
                overdue_from,
                f"NRM reasonable grounds decision overdue: referred on {_day(referral.referred_on)}, "
                f"due by {_day(due_day)} ({clock}).{stayed}",
                subject=referral.referred_on.isoformat(),
            )
        )
    return alerts


def _duty_to_notify(facts: ChildFacts, view: _View) -> list[Alert]:
    active = [
        x
        for x in view.flags
        if x.kind in TRAFFICKING_FLAGS and x.active_between(view.at_day, view.at_day)
    ]
    if not active or view.referred_by(view.at_day):
        return []
    first = active[0]  # the flags are sorted by start, so the duty arose with this one
    return [
        _alert(
            "duty_to_notify",
            facts,
            None,
            uk_midnight(first.start),
            f"Recorded as {FLAG_LABELS[first.kind]} since {_day(first.start)} and not referred to "
            "the NRM: make a referral (for a child, consent is not needed)",
            subject=first.start.isoformat(),
        )
    ]


def _arrival_overdue(facts: ChildFacts, view: _View) -> list[Alert]:
    """Each arrival checklist item past its time and not done by ``at`` (R-ARRIVAL)."""
    if facts.arrival is None or view.at < facts.arrival.arrived_at:
        return []
    arrived = facts.arrival.arrived_at
    return [
        _alert(
            "arrival_item_overdue",
            facts,
            None,
            status.due_at,
            f"Arrival checklist: '{status.item.title}' was due by {_instant(status.due_at)}, "
            f"{_hours(status.item.hours)} after the child arrived at {_instant(arrived)}",
            subject=f"{arrived.astimezone(dt.UTC):%Y%m%dT%H%M}/{status.item.code}",
        )
        for status in checklist(facts.arrival, view.at)
        if status.overdue
    ]


def _open_episode_alerts(
    facts: ChildFacts, view: _View, episode: EpisodeFact, settings: RiskSettings
) -> list[Alert]:
    alerts = []
    at = view.at
    police_due = episode.started_at + dt.timedelta(hours=settings.police_report_within_hours)
    reported = episode.police_reported_at is not None and episode.police_reported_at <= at
    if episode.category == MISSING and not reported and at >= police_due:
        alerts.append(
            _alert(
                "no_police_report",
                facts,
                episode.id,
                police_due,
                f"Missing since {_instant(episode.started_at)} and not reported to the police "
                f"after {_hours(settings.police_report_within_hours)}",
            )
        )

    long_due = episode.started_at + dt.timedelta(days=settings.long_missing_days)
    if at >= long_due:
        alerts.append(
            _alert(
                "long_missing",
                facts,
                episode.id,
                long_due,
                f"{'Missing' if episode.category == MISSING else 'Away'} since {_instant(episode.started_at)}, "
                f"{_days(settings.long_missing_days)} or more: review the risk assessment and the search",
            )
        )

    start_day = uk_date(episode.started_at)
    if age_on(facts.date_of_birth, start_day) < 18:
        eighteenth = eighteenth_birthday(facts.date_of_birth)
        warn_from = max(
            uk_midnight(eighteenth - dt.timedelta(days=settings.approaching_18_days)),
            episode.started_at,
        )
        if view.at_day >= eighteenth:
            alerts.append(
                _alert(
                    "turned_18_while_missing",
                    facts,
                    episode.id,
                    max(uk_midnight(eighteenth), episode.started_at),
                    f"Turned 18 on {_day(eighteenth)} while still missing: the episode stays open and "
                    "the risk does not drop; never re-label them 'wanted'",
                )
            )
        elif at >= warn_from:
            alerts.append(
                _alert(
                    "approaching_18",
                    facts,
                    episode.id,
                    warn_from,
                    f"Still missing and turns 18 on {_day(eighteenth)}: keep them a priority",
                )
            )
    return alerts


def _return_interview_alerts(
    facts: ChildFacts, view: _View, episode: EpisodeFact, settings: RiskSettings
) -> list[Alert]:
    assert episode.ended_at is not None  # closed at ``at``
    due = episode.ended_at + dt.timedelta(hours=settings.return_interview_hours)
    if view.at < due:
        return []
    interview = episode.return_interview
    if interview is not None:
        done = (interview.done_at is not None and interview.done_at <= view.at) or (
            interview.outcome == "done" and interview.done_at is None
        )
        # The child may decline; the duty was to offer it.
        declined = interview.outcome == "declined" and (
            interview.offered_at is None or interview.offered_at <= view.at
        )
        if done or declined:
            return []
    return [
        _alert(
            "return_interview_overdue",
            facts,
            episode.id,
            due,
            f"Returned {_instant(episode.ended_at)} and no independent return interview done within "
            f"{_hours(settings.return_interview_hours)}",
        )
    ]


def _alert(
    code: str,
    facts: ChildFacts,
    episode_id: str | None,
    due_at: dt.datetime,
    text: str,
    subject: str = "",
) -> Alert:
    rule = RULES[ALERT_RULES[code]]
    key = "/".join(part for part in (facts.child_id, code, episode_id or "", subject) if part)
    return Alert(
        key,
        code,
        rule.id,
        facts.child_id,
        episode_id,
        due_at.astimezone(dt.UTC),
        text,
        rule.citation,
        rule.source,
    )


def _in_order(alerts: Iterable[Alert]) -> tuple[Alert, ...]:
    return tuple(sorted(alerts, key=lambda a: (a.due_at, a.key)))


# ---------------------------------------------------------------------------------------
# Small helpers


def _reason(
    rule_id: str, text: str, effect: str, floor: Grade | None = None, binding: bool = False
) -> Reason:
    rule = RULES[rule_id]
    return Reason(rule_id, text, effect, rule.citation, rule.source, floor, binding)


def _require_instant(at: dt.datetime) -> None:
    if not isinstance(at, dt.datetime):
        raise TypeError(f"at must be a datetime (got {type(at).__name__})")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at must be timezone-aware (UTC); got the naive value {at.isoformat()}")


def _capitalise(text: str) -> str:
    # Not str.capitalize(): it would lower-case 'UASC' and 'CSE'.
    return text[:1].upper() + text[1:]


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _hours(n: int) -> str:
    return f"{n} hour" if n == 1 else f"{n} hours"


def _day(day: dt.date) -> str:
    # Month names spelt out here, not by strftime, which follows the process locale.
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _instant(instant: dt.datetime) -> str:
    local = instant.astimezone(UK_TIME)
    return f"{local:%H:%M} on {_day(local.date())}"


def _quoted(words: list[str]) -> str:
    return " and ".join(f"'{w}'" for w in words)
