"""Turning the register and episodes into the risk engine's plain facts.

This is the one bridge between the Django models and the engine (which imports no Django).
The facts are also stored with every grading, as JSON, so a grading can be replayed exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Prefetch

from visible.children.models import Child
from visible.dates import uk_date
from visible.risk import (
    ChildFacts,
    EpisodeFact,
    FlagFact,
    NrmFact,
    PlacementFact,
    ReturnInterviewFact,
)
from visible.risk.factors import FACTORS
from visible.risk.facts import ArrivalFact

from .models import Episode, LogEntry


def _interview(episode: Episode) -> ReturnInterviewFact | None:
    interview = getattr(episode, "return_interview", None)
    if interview is None:
        return None
    return ReturnInterviewFact(
        offered_at=interview.offered_at, outcome=interview.outcome, done_at=interview.done_at
    )


def facts_for(child: Child, at: dt.datetime) -> ChildFacts:
    """Everything the engine may use about this child, as recorded now."""
    # Only what had been written by `at`: a log entry recorded later was not known then.
    written = LogEntry.objects.filter(recorded_at__lte=at)
    episodes = list(
        Episode.objects.filter(child=child)
        .select_related("return_interview")
        .prefetch_related(Prefetch("log", queryset=written))
    )
    factors: set[str] = set()
    episode_facts = []
    for episode in episodes:
        factors.update(code for code in episode.factors if code in FACTORS)
        notes = tuple(entry.text for entry in episode.log.all()) + (
            (episode.circumstances,) if episode.circumstances else ()
        )
        episode_facts.append(
            EpisodeFact(
                id=str(episode.pk),
                category=episode.category,
                started_at=episode.last_seen_at,
                ended_at=episode.returned_at,
                police_reported_at=episode.police_reported_at,
                return_interview=_interview(episode),
                notes=notes,
            )
        )
    today = uk_date(at)  # the guardian in place on the UK calendar day of `at`
    assessment = child.age_assessments.order_by("-status_from", "-pk").first()
    authority = child.responsible_organisation.authority
    return ChildFacts(
        child_id=str(child.pk),
        date_of_birth=child.date_of_birth,
        looked_after_from=child.looked_after_from,
        nationality=child.nationality,
        nation=authority.nation if authority else "England",
        flags=tuple(
            FlagFact(kind=f.kind, start=f.start_date, end=f.end_date) for f in child.flags.all()
        ),
        placements=tuple(
            PlacementFact(
                place_code=p.place_code,
                detail=p.detail or "",
                start=p.start_date,
                end=p.end_date,
                unregulated=p.unregulated,
            )
            for p in child.placements.all()
        ),
        nrm_referrals=tuple(
            NrmFact(
                referred_on=r.referred_on,
                rg_decision=r.rg_decision,
                rg_decided_on=r.rg_decided_on,
                cg_decision=r.cg_decision,
                cg_decided_on=r.cg_decided_on,
                stayed=r.stayed,
                decided_by=r.decided_by,
            )
            for r in child.nrm_referrals.all()
        ),
        episodes=tuple(episode_facts),
        has_guardian=any(g.is_active_on(today) for g in child.guardians.all()),
        age_assessment_status=assessment.status if assessment else "none",
        factors=frozenset(factors),
        arrival=arrival_fact(child),
    )


def arrival_fact(child: Child) -> ArrivalFact | None:
    """The child's latest arrival checklist, with each item done and when."""
    arrival = child.arrivals.order_by("-arrived_at").prefetch_related("items_done").first()
    if arrival is None:
        return None
    return ArrivalFact(
        arrived_at=arrival.arrived_at,
        done=tuple((d.item, d.done_at) for d in arrival.items_done.all()),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def facts_to_json(facts: ChildFacts) -> dict[str, Any]:
    return _plain(facts)


def _revive(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "datetime" in value:
            return dt.datetime.fromisoformat(value["datetime"])
        if "date" in value:
            return dt.date.fromisoformat(value["date"])
    return value


def facts_from_json(data: dict[str, Any]) -> ChildFacts:
    """The exact facts a grading was made from, rebuilt for replay."""

    def build(cls, raw: dict[str, Any]):
        return cls(**{k: _revive(v) for k, v in raw.items()})

    episodes = []
    for raw in data["episodes"]:
        raw = dict(raw)
        interview = raw.pop("return_interview")
        episodes.append(
            build(
                EpisodeFact,
                {
                    **raw,
                    "notes": tuple(raw["notes"]),
                    "return_interview": build(ReturnInterviewFact, interview)
                    if interview
                    else None,
                },
            )
        )
    return ChildFacts(
        child_id=data["child_id"],
        date_of_birth=_revive(data["date_of_birth"]),
        looked_after_from=_revive(data["looked_after_from"]),
        nationality=data["nationality"],
        nation=data["nation"],
        flags=tuple(build(FlagFact, f) for f in data["flags"]),
        placements=tuple(build(PlacementFact, p) for p in data["placements"]),
        nrm_referrals=tuple(build(NrmFact, n) for n in data["nrm_referrals"]),
        episodes=tuple(episodes),
        has_guardian=data["has_guardian"],
        age_assessment_status=data["age_assessment_status"],
        factors=frozenset(data["factors"]),
        arrival=_arrival_from_json(data.get("arrival")),
    )


def _arrival_from_json(raw: dict[str, Any] | None) -> ArrivalFact | None:
    # Facts stored before the arrival checklist have no "arrival": none then.
    if not raw:
        return None
    return ArrivalFact(
        arrived_at=_revive(raw["arrived_at"]),
        done=tuple((code, _revive(when)) for code, when in raw["done"]),
    )
