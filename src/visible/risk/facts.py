"""What the engine knows about a child: plain, frozen values with no database behind them.

The caller (an action in the missing/children apps, or a replay from the audit log) copies
the register into these classes; the engine reads nothing else. Dates are ``datetime.date``;
instants are timezone-aware ``datetime.datetime`` (UTC in storage, but any aware value
compares correctly). The vocabulary below copies the register's codes as plain strings
because this package must not import Django.

Values are checked on construction so that a typo in a code fails where it was made, not as
a silently missing rule later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from visible.risk.factors import FACTOR_CODES

# Flag kinds (children.models.FlagKind values).
TRAFFICKED_IDENTIFIED = "trafficked_identified"
TRAFFICKED_SUSPECTED = "trafficked_suspected"
AT_RISK_OF_TRAFFICKING = "at_risk_of_trafficking"
UASC = "uasc"
SEPARATED = "separated"
UNACCOMPANIED = "unaccompanied"
CSE = "cse"
CCE = "cce"
GANG = "gang"
CRIMINALISED = "criminalised"
AGE_DISPUTED = "age_disputed"

FLAG_KINDS = frozenset(
    {
        TRAFFICKED_IDENTIFIED,
        TRAFFICKED_SUSPECTED,
        AT_RISK_OF_TRAFFICKING,
        UASC,
        SEPARATED,
        UNACCOMPANIED,
        CSE,
        CCE,
        GANG,
        CRIMINALISED,
        AGE_DISPUTED,
    }
)
TRAFFICKING_FLAGS = frozenset({TRAFFICKED_IDENTIFIED, TRAFFICKED_SUSPECTED})

FLAG_LABELS = {
    TRAFFICKED_IDENTIFIED: "identified as trafficked",
    TRAFFICKED_SUSPECTED: "suspected trafficked",
    AT_RISK_OF_TRAFFICKING: "at risk of trafficking",
    UASC: "UASC",
    SEPARATED: "separated",
    UNACCOMPANIED: "unaccompanied",
    CSE: "CSE",
    CCE: "CCE",
    GANG: "gang involvement",
    CRIMINALISED: "criminalised",
    AGE_DISPUTED: "age disputed",
}

# Episode categories (SSDA903 MISSING): there is deliberately no police 'absent'.
MISSING = "M"
AWAY = "A"
CATEGORIES = frozenset({MISSING, AWAY})

NATIONS = frozenset({"England", "Wales", "Scotland", "Northern Ireland"})
NRM_DECISIONS = frozenset({"pending", "positive", "negative"})
NRM_DECIDERS = frozenset({"home_office", "pilot_panel"})
RETURN_INTERVIEW_OUTCOMES = frozenset({"offered", "accepted", "declined", "done", ""})
AGE_ASSESSMENT_STATUSES = frozenset({"none", "pending", "disputed", "concluded", "challenged"})
AGE_IN_DOUBT = frozenset({"pending", "disputed", "challenged"})


def _require_aware(value: dt.datetime | None, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{where} must be a datetime (got {type(value).__name__})")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{where} must be timezone-aware (UTC); got the naive value {value.isoformat()}"
        )


def _require_date(value: dt.date | None, where: str) -> None:
    # A datetime is a date subclass; accepting one would silently compare instants with days.
    if value is None:
        return
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{where} must be a date, not {type(value).__name__}")


def _require_choice(value: str, choices: frozenset[str], where: str) -> None:
    if value not in choices:
        raise ValueError(f"{where} {value!r} is not one of: {', '.join(sorted(choices))}")


def _require_order(start: dt.date, end: dt.date | None, where: str) -> None:
    if end is not None and end < start:
        raise ValueError(
            f"{where}: the end ({end.isoformat()}) is before the start ({start.isoformat()})"
        )


@dataclass(frozen=True)
class FlagFact:
    kind: str
    start: dt.date
    end: dt.date | None = None

    def __post_init__(self) -> None:
        _require_choice(self.kind, FLAG_KINDS, "Flag kind")
        _require_date(self.start, "Flag start")
        _require_date(self.end, "Flag end")
        _require_order(self.start, self.end, f"Flag {self.kind}")

    def active_between(self, first: dt.date, last: dt.date) -> bool:
        """True if the flag was in force on any day from first to last inclusive."""
        return self.start <= last and (self.end is None or self.end >= first)


@dataclass(frozen=True)
class PlacementFact:
    place_code: str
    detail: str
    start: dt.date
    end: dt.date | None = None
    # Recorded as an unregulated setting (or a hotel) where the PLACE code cannot say so.
    unregulated: bool = False

    def __post_init__(self) -> None:
        _require_date(self.start, "Placement start")
        _require_date(self.end, "Placement end")
        _require_order(self.start, self.end, f"Placement {self.place_code}")

    def current_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


@dataclass(frozen=True)
class NrmFact:
    referred_on: dt.date
    rg_decision: str = "pending"
    rg_decided_on: dt.date | None = None
    cg_decision: str = "pending"
    cg_decided_on: dt.date | None = None
    stayed: bool = False
    # Who makes the reasonable grounds decision (risk/nrm.py): "home_office" or "pilot_panel".
    decided_by: str = "home_office"

    def __post_init__(self) -> None:
        _require_date(self.referred_on, "NRM referral date")
        _require_date(self.rg_decided_on, "NRM reasonable grounds decision date")
        _require_date(self.cg_decided_on, "NRM conclusive grounds decision date")
        _require_choice(self.rg_decision, NRM_DECISIONS, "NRM reasonable grounds decision")
        _require_choice(self.cg_decision, NRM_DECISIONS, "NRM conclusive grounds decision")
        _require_order(self.referred_on, self.rg_decided_on, "NRM reasonable grounds decision")
        _require_choice(self.decided_by, NRM_DECIDERS, "NRM decision maker")


@dataclass(frozen=True)
class ReturnInterviewFact:
    offered_at: dt.datetime | None = None
    outcome: str = ""
    done_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.offered_at, "Return interview offered_at")
        _require_aware(self.done_at, "Return interview done_at")
        _require_choice(self.outcome, RETURN_INTERVIEW_OUTCOMES, "Return interview outcome")


@dataclass(frozen=True)
class EpisodeFact:
    id: str
    category: str
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    police_reported_at: dt.datetime | None = None
    return_interview: ReturnInterviewFact | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("Episode id must not be empty: alerts are keyed on it")
        _require_choice(self.category, CATEGORIES, f"Episode {self.id} category")
        _require_aware(self.started_at, f"Episode {self.id} started_at")
        _require_aware(self.ended_at, f"Episode {self.id} ended_at")
        _require_aware(self.police_reported_at, f"Episode {self.id} police_reported_at")
        _require_order(self.started_at, self.ended_at, f"Episode {self.id}")

    def is_open_at(self, at: dt.datetime) -> bool:
        return self.started_at <= at and (self.ended_at is None or self.ended_at > at)


# The arrival checklist's items (risk/arrival.py ARRIVAL_ITEMS, which says when each is due).
ARRIVAL_ITEM_CODES = frozenset(
    {
        "grab_pack",
        "placement_check",
        "safety_plan",
        "phones",
        "guardian_referral",
        "nrm_decision",
        "references",
    }
)


@dataclass(frozen=True)
class ArrivalFact:
    """When the child arrived, and each item done with when (item code, moment)."""

    arrived_at: dt.datetime
    done: tuple[tuple[str, dt.datetime], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.arrived_at, dt.datetime) or self.arrived_at.utcoffset() is None:
            raise ValueError("Arrival arrived_at must be a timezone-aware datetime")
        object.__setattr__(self, "done", tuple(sorted(tuple(d) for d in self.done)))
        for code, when in self.done:
            if code not in ARRIVAL_ITEM_CODES:
                raise ValueError(
                    f"Arrival item {code!r} is not one of: {', '.join(sorted(ARRIVAL_ITEM_CODES))}"
                )
            if not isinstance(when, dt.datetime) or when.utcoffset() is None:
                raise ValueError(f"Arrival item {code} done_at must be timezone-aware")

    def done_at(self, code: str, at: dt.datetime) -> dt.datetime | None:
        """When the item was first done, as known at ``at`` (a later record is not yet known)."""
        moments = [when for item, when in self.done if item == code and when <= at]
        return min(moments) if moments else None


@dataclass(frozen=True)
class ChildFacts:
    child_id: str
    date_of_birth: dt.date
    looked_after_from: dt.date
    nationality: str
    nation: str
    flags: tuple[FlagFact, ...] = ()
    placements: tuple[PlacementFact, ...] = ()
    nrm_referrals: tuple[NrmFact, ...] = ()
    episodes: tuple[EpisodeFact, ...] = ()
    has_guardian: bool = False
    age_assessment_status: str = "none"
    factors: frozenset[str] = field(default_factory=frozenset)
    # The arrival checklist (risk/arrival.py), if one was opened for the child.
    arrival: ArrivalFact | None = None

    def __post_init__(self) -> None:
        if not self.child_id:
            raise ValueError("child_id must not be empty: alerts are keyed on it")
        _require_date(self.date_of_birth, "Date of birth")
        _require_date(self.looked_after_from, "Date became looked after")
        _require_choice(self.nation, NATIONS, "Nation")
        if not (
            len(self.nationality) == 3
            and self.nationality.isascii()
            and self.nationality.isalpha()
            and self.nationality.isupper()
        ):
            raise ValueError(
                f"Nationality {self.nationality!r} must be an ISO 3166-1 alpha-3 code such as VNM "
                "(XXA stateless, XXX not known)"
            )
        _require_choice(
            self.age_assessment_status, AGE_ASSESSMENT_STATUSES, "Age assessment status"
        )
        # Lists and sets are accepted for convenience and frozen here, so a ChildFacts stays
        # hashable and cannot change under the engine.
        for name in ("flags", "placements", "nrm_referrals", "episodes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "factors", frozenset(self.factors))
        unknown = sorted(self.factors - FACTOR_CODES)
        if unknown:
            raise ValueError(
                f"Unknown risk factor code(s) {', '.join(unknown)}; known codes: {', '.join(sorted(FACTOR_CODES))}"
            )
        if self.arrival is not None and not isinstance(self.arrival, ArrivalFact):
            raise TypeError(f"arrival must be an ArrivalFact (got {type(self.arrival).__name__})")
        ids = [e.id for e in self.episodes]
        if len(ids) != len(set(ids)):
            raise ValueError(f"Episode ids must be unique for child {self.child_id}")

    def episode(self, episode_id: str) -> EpisodeFact:
        for episode in self.episodes:
            if episode.id == episode_id:
                return episode
        raise KeyError(f"Child {self.child_id} has no episode {episode_id!r}")
