"""A small register with known answers to the report's data request, built through the same
actions the pages use. Period P (1 April 2024 to 31 March 2025) is the one the numbers below
are worked out for, by hand, in tests/returns/test_foi_counts.py.

| child | flags (in force in P?) | episodes |
| --- | --- | --- |
| Ann, girl, VNM | identified (yes) | M 10 hours, found by police; A 48 hours, came back herself |
| Ben, boy, ALB, 18 on 1/9/2025 | suspected (yes) | M from 20/3/2025, still open (turns 18 while missing, after P) |
| Cara, girl, GBR | suspected and identified (both in P: counted as identified) | none |
| Dan, boy, AFG, 18 on 15/1/2025 | UASC, separated | M from 20/12/2024, still open: turned 18 while missing in P |
| Eve, girl, ERI | UASC ended 1/3/2024 (before P) | M in P: not counted |
| Fay, girl, ERI | UASC | M 25/3/2024 to 5/4/2024 (spans P's start, 263 hours over the clocks change); A 30/3/2025 to 3/4/2025 (open at P's end) |
| Gus, boy, VNM, 18 on 1/2/2024 | separated | M from 10/1/2024, still open: turned 18 while missing before P, still counted |
| Hal, boy, 18 in 2023 | unaccompanied | none: not in care in P |
| Ivy, girl | UASC from 1/6/2025 | looked after from 1/6/2025: after P |
| Jon, boy | identified from 1/5/2025 (after P) | none |
| Kit, boy | at risk of trafficking only | M in P: not in the request's groups |
| Kent's child, boy | UASC | M in P: another authority's child |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tests.factories import create_child, missing_episode, record_flag

LONDON = ZoneInfo("Europe/London")
P_START = dt.date(2024, 4, 1)
P_END = dt.date(2025, 3, 31)


def at(year, month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


@dataclass
class KnownRegister:
    children: dict


def _child(user, fake, name, **values):
    return create_child(user, fake, given_names=name, family_name="Synthetic", **values)


def _flag(user, child, kind, start, end=None):
    return record_flag(
        user,
        child,
        kind,
        start,
        f"{kind} (synthetic evidence)",
        ended=end,
        end_reason="Ended (synthetic)",
    )


def _episode(user, child, category, seen, returned=None, found_by="police"):
    return missing_episode(
        user, child, category=category, last_seen_at=seen, returned_at=returned, found_by=found_by
    )


def build(sw, fake, other_council_user=None) -> KnownRegister:
    kids = {}
    kids["ann"] = c = _child(
        sw,
        fake,
        "Ann",
        sex="F",
        gender="girl",
        nationality="VNM",
        date_of_birth=dt.date(2008, 5, 1),
        looked_after_from=dt.date(2022, 6, 1),
    )
    _flag(sw, c, "trafficked_identified", dt.date(2023, 1, 1))
    _episode(sw, c, "M", at(2024, 5, 1, 10), at(2024, 5, 1, 20), found_by="police")
    _episode(sw, c, "A", at(2024, 6, 10, 12), at(2024, 6, 12, 12), found_by="self")

    kids["ben"] = c = _child(
        sw,
        fake,
        "Ben",
        nationality="ALB",
        date_of_birth=dt.date(2007, 9, 1),
        looked_after_from=dt.date(2023, 6, 1),
    )
    _flag(sw, c, "trafficked_suspected", dt.date(2024, 1, 1))
    _episode(sw, c, "M", at(2025, 3, 20, 10))

    kids["cara"] = c = _child(
        sw,
        fake,
        "Cara",
        sex="F",
        gender="girl",
        nationality="GBR",
        date_of_birth=dt.date(2009, 2, 2),
        looked_after_from=dt.date(2024, 4, 20),
    )
    _flag(sw, c, "trafficked_suspected", dt.date(2024, 5, 1))
    _flag(sw, c, "trafficked_identified", dt.date(2024, 9, 1))

    kids["dan"] = c = _child(
        sw,
        fake,
        "Dan",
        nationality="AFG",
        date_of_birth=dt.date(2007, 1, 15),
        looked_after_from=dt.date(2023, 3, 1),
    )
    _flag(sw, c, "uasc", dt.date(2023, 3, 1))
    _flag(sw, c, "separated", dt.date(2023, 3, 1))
    _episode(sw, c, "M", at(2024, 12, 20, 18))

    kids["eve"] = c = _child(
        sw,
        fake,
        "Eve",
        sex="F",
        gender="girl",
        nationality="ERI",
        date_of_birth=dt.date(2008, 3, 3),
        looked_after_from=dt.date(2023, 1, 1),
    )
    _flag(sw, c, "uasc", dt.date(2023, 1, 1), end=dt.date(2024, 3, 1))
    _episode(sw, c, "M", at(2024, 7, 1), at(2024, 7, 2))

    kids["fay"] = c = _child(
        sw,
        fake,
        "Fay",
        sex="F",
        gender="girl",
        nationality="ERI",
        date_of_birth=dt.date(2008, 8, 8),
        looked_after_from=dt.date(2024, 1, 20),
    )
    _flag(sw, c, "uasc", dt.date(2024, 2, 1))
    _episode(sw, c, "M", at(2024, 3, 25, 12), at(2024, 4, 5, 12), found_by="carer")
    _episode(sw, c, "A", at(2025, 3, 30, 12), at(2025, 4, 3, 12), found_by="self")

    kids["gus"] = c = _child(
        sw,
        fake,
        "Gus",
        nationality="VNM",
        date_of_birth=dt.date(2006, 2, 1),
        looked_after_from=dt.date(2022, 5, 1),
    )
    _flag(sw, c, "separated", dt.date(2023, 1, 1))
    _episode(sw, c, "M", at(2024, 1, 10, 9))

    kids["hal"] = c = _child(
        sw,
        fake,
        "Hal",
        nationality="SYR",
        date_of_birth=dt.date(2005, 1, 1),
        looked_after_from=dt.date(2021, 1, 1),
    )
    _flag(sw, c, "unaccompanied", dt.date(2021, 1, 1))

    kids["ivy"] = c = _child(
        sw,
        fake,
        "Ivy",
        sex="F",
        gender="girl",
        nationality="SDN",
        date_of_birth=dt.date(2009, 9, 9),
        looked_after_from=dt.date(2025, 6, 1),
    )
    _flag(sw, c, "uasc", dt.date(2025, 6, 1))

    kids["jon"] = c = _child(
        sw,
        fake,
        "Jon",
        nationality="GBR",
        date_of_birth=dt.date(2009, 1, 1),
        looked_after_from=dt.date(2023, 1, 1),
    )
    _flag(sw, c, "trafficked_identified", dt.date(2025, 5, 1))

    kids["kit"] = c = _child(
        sw,
        fake,
        "Kit",
        nationality="GBR",
        date_of_birth=dt.date(2009, 1, 1),
        looked_after_from=dt.date(2023, 1, 1),
    )
    _flag(sw, c, "at_risk_of_trafficking", dt.date(2023, 6, 1))
    _episode(sw, c, "M", at(2024, 8, 1), at(2024, 8, 3))

    if other_council_user is not None:
        kids["kent"] = c = _child(
            other_council_user,
            fake,
            "Kentish",
            nationality="ERI",
            date_of_birth=dt.date(2008, 1, 1),
            looked_after_from=dt.date(2023, 1, 1),
        )
        _flag(other_council_user, c, "uasc", dt.date(2023, 1, 1))
        _episode(other_council_user, c, "M", at(2024, 9, 1), at(2024, 9, 4), found_by="police")
    return KnownRegister(kids)
