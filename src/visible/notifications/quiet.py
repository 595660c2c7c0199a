"""Quiet hours: when a person has asked not to be told of anything but a high-risk alert.

Pure: the moment is passed in (timezone-aware), as is the zone the hours are in, so the tests
can ask about any moment, the clock changes of the last Sundays of March and October included.

A window is given by the local time it starts and the local time it ends, the start included
and the end not: 22:00-07:00 is quiet from 22:00 to 06:59:59 the next morning; 13:00-14:00 an
hour at lunch. The hours are wall-clock hours, kept when the clocks change: quiet until 07:00
means until 07:00 as the clocks read that morning, whichever offset they are on. A time the
clocks skip (01:30 on the last Sunday of March) is the moment they would have read it, an hour
late; a time they read twice (01:30 on the last Sunday of October), the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    starts: dt.time
    ends: dt.time
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.starts == self.ends:
            raise ValueError("quiet hours must start and end at different times")

    def until(self, at: dt.datetime) -> dt.datetime | None:
        """If ``at`` falls in the quiet hours, the moment they end (aware, in the zone);
        otherwise None."""
        if at.tzinfo is None:
            raise ValueError(f"at must be timezone-aware; got the naive value {at.isoformat()}")
        day = at.astimezone(self.zone).date()
        # The window that began the day before (overnight hours) or today, as real moments:
        # so the hour the clocks repeat or skip is placed where it truly falls.
        for start_day in (day - dt.timedelta(days=1), day):
            starts = self._at(start_day, self.starts)
            end_day = start_day if self.starts < self.ends else start_day + dt.timedelta(days=1)
            ends = self._at(end_day, self.ends)
            if starts <= at < ends:
                return ends
        return None

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        # zoneinfo reads a skipped wall time with the offset in force before the change (fold
        # 0): 01:30 on the morning the clocks go forward is 02:30 by the new clocks. Normalising
        # through UTC gives that real moment.
        moment = dt.datetime.combine(day, time, tzinfo=self.zone)
        return moment.astimezone(dt.UTC).astimezone(self.zone)


def deliver_at(
    at: dt.datetime, quiet: QuietHours | None, *, high_risk: bool
) -> tuple[dt.datetime, bool]:
    """When a message asked for at ``at`` is to be sent, and whether quiet hours held it back.
    Quiet hours never hold back a high-risk alert."""
    if quiet is None or high_risk:
        return at, False
    ends = quiet.until(at)
    if ends is None:
        return at, False
    return ends.astimezone(dt.UTC), True


def parse_time(text: str) -> dt.time:
    """A time of day as people type it on a 24-hour clock: 22:00, 22.00, 2200, 7:00, 07:00.
    ValueError if it is not one."""
    cleaned = text.strip().replace(".", ":")
    if ":" not in cleaned and cleaned.isdigit() and len(cleaned) in (3, 4):
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    hours, _, minutes = cleaned.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(text)
    hour, minute = int(hours), int(minutes)
    if hour > 23 or minute > 59:
        raise ValueError(text)
    return dt.time(hour, minute)
