"""Registers for the pseudonymisation tests, built through the same actions the pages use.
Period P is 1 April 2024 to 31 March 2025."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests.factories import create_child, missing_episode, record_flag, record_placement

LONDON = ZoneInfo("Europe/London")
P_START = dt.date(2024, 4, 1)
P_END = dt.date(2025, 3, 31)
CROYDON = "E09000008"
KENT = "E10000016"
KEY = b"test-national-key-0123456789abcdef-not-a-real-one"
OTHER_KEY = b"another-national-key-0123456789abcdef-not-real"


def at(year, month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def add_child(user, fake, given, family, *, flags=(), placement=None, **values):
    """A child with flags (kind, start) and optionally a placement (postcode, authority code)."""
    child = create_child(user, fake, given_names=given, family_name=family, **values)
    for kind, start in flags:
        record_flag(user, child, kind, start, f"{kind} (synthetic evidence)")
    if placement:
        postcode, code = placement
        record_placement(user, child, code, child.looked_after_from, postcode=postcode, provider="")
    return child


def add_episode(user, child, category, seen, returned=None, found_by="police"):
    return missing_episode(
        user, child, category=category, last_seen_at=seen, returned_at=returned, found_by=found_by
    )
