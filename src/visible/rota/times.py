"""UK wall-clock times as the rota is written, and the instants they are.

A rota says "17:00 on Friday to 09:00 on Monday" in the time the clocks show. Twice a year that
is not one-to-one: on the last Sunday of March the clocks go from 01:00 to 02:00, so 01:30 does
not happen (refused, with the times that do); on the last Sunday of October they go from 02:00
back to 01:00, so 01:30 happens twice (the first, while summer time lasts, as a handover at
01:30 would be read by the person starting then). Pure: no clock of its own.
"""

from __future__ import annotations

import datetime as dt

from visible.dates import UK_TIME


class NotOnTheClock(ValueError):
    """A time the UK's clocks skip that day."""


def uk_moment(day: dt.date, time: dt.time) -> dt.datetime:
    """The instant (aware, UTC) the UK's clocks show ``time`` on ``day``; the first of two on
    the night they go back. NotOnTheClock for a time they skip."""
    naive = dt.datetime.combine(day, time)
    first = naive.replace(tzinfo=UK_TIME, fold=0)
    instant = first.astimezone(dt.UTC)
    if instant.astimezone(UK_TIME).replace(tzinfo=None) != naive:
        skipped_from = _changeover(day)
        raise NotOnTheClock(
            f"There is no {time:%H:%M} on {day:%-d %B %Y} in the UK: the clocks go forward "
            f"from {skipped_from:%H:%M} to {(skipped_from + dt.timedelta(hours=1)):%H:%M}. "
            f"Enter a time before {skipped_from:%H:%M} or from "
            f"{(skipped_from + dt.timedelta(hours=1)):%H:%M}"
        )
    return instant


def _changeover(day: dt.date) -> dt.datetime:
    """The first wall-clock time the clocks skip on ``day`` (01:00 in the UK)."""
    for minutes in range(0, 24 * 60, 15):
        wall = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=minutes)
        there = wall.replace(tzinfo=UK_TIME).astimezone(dt.UTC).astimezone(UK_TIME)
        if there.replace(tzinfo=None) != wall:
            return wall
    return dt.datetime.combine(day, dt.time(1))  # pragma: no cover - called only on that day


def uk_wall(instant: dt.datetime) -> dt.datetime:
    """The instant as the UK's clocks show it."""
    return instant.astimezone(UK_TIME)


def shown(instant: dt.datetime) -> str:
    """'17:00 on Friday 26 March 2027', in UK time."""
    local = uk_wall(instant)
    return f"{local:%H:%M} on {local:%A %-d %B %Y}"
