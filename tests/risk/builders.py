"""Small builders for risk-engine facts, so each test states only what matters to it."""

from __future__ import annotations

import datetime as dt

from visible.risk import ChildFacts, EpisodeFact, FlagFact

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def episode(episode_id: str = "e1", started_at: dt.datetime | None = None, **fields) -> EpisodeFact:
    return EpisodeFact(
        id=episode_id,
        category=fields.pop("category", "M"),
        started_at=started_at or at(2024, 6, 1),
        **fields,
    )


def flag(kind: str, start: dt.date = dt.date(2024, 1, 1), end: dt.date | None = None) -> FlagFact:
    return FlagFact(kind, start, end)


def child(**fields) -> ChildFacts:
    """A 15-year-old, looked after since January 2024, in England, with a guardian and no
    flags, placements, referrals or episodes unless given."""
    values = {
        "child_id": "child-1",
        "date_of_birth": dt.date(2009, 3, 15),
        "looked_after_from": dt.date(2024, 1, 2),
        "nationality": "GBR",
        "nation": "England",
        "has_guardian": True,
    }
    values.update(fields)
    return ChildFacts(**values)
