"""The first days in care (issue 17): of the children in each of the return's groups who arrived
in the period (an arrival checklist's clock started in it), how many then went missing or away in
the period, and how many first did so within 48 hours and within 7 days of arriving.

*Heading back to harm* found most of the trafficked children who went missing did so within a
week of coming into care, many within 48 hours, and could not say how many: no authority
recorded the moment of arrival. Counted here from the same children as the rest of the return
(``FoiReturn.children``), so the section sits beside the counts in the FOI return's JSON, CSV
and spreadsheet (returns/formats.py), in the partnership report, and in the national tables,
which add it up across authorities (each child is one authority's, so group by group the sums
are honest). A median is not additive, so it is given only for one return, in the unsuppressed
JSON and the partnership report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass

from visible.children.models import Arrival
from visible.missing.models import Episode

from . import disclosure
from .foi import ADDITIVE_GROUPS, GROUPS, FoiReturn

HOURS_48 = 48
DAYS_7_HOURS = 7 * 24

# The section's rows, in order: each a count of children.
MEASURES: tuple[tuple[str, str], ...] = (
    ("arrived", "Arrived in the period (an arrival checklist's clock started)"),
    ("went_missing_or_away", "Then went missing or away in the period"),
    ("within_48_hours", "First went missing or away within 48 hours of arriving"),
    ("within_7_days", "First went missing or away within 7 days of arriving"),
)
MEASURE_CODES = tuple(code for code, _ in MEASURES)


@dataclass(frozen=True)
class FirstDays:
    counts: dict[str, dict[str, int]]  # group code -> measure code -> children
    median_hours: dict[str, int | None]  # group code -> median hours to the first time


def _median(values: list[float]) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return round(value)


def first_days(result: FoiReturn) -> FirstDays:
    """Each group's first days, from the return's own children and period."""
    arrived: dict[int, dt.datetime] = {}
    for child_id, at in Arrival.objects.filter(
        child_id__in=list(result.children),
        arrived_at__gte=result.period_start,
        arrived_at__lt=result.period_end,
    ).values_list("child_id", "arrived_at"):
        arrived[child_id] = min(at, arrived.get(child_id, at))
    hours_to_first: dict[int, float] = {}
    for child_id, seen in Episode.objects.filter(
        child_id__in=list(arrived), last_seen_at__lt=result.period_end
    ).values_list("child_id", "last_seen_at"):
        if seen >= arrived[child_id]:
            hours = (seen - arrived[child_id]).total_seconds() / 3600
            hours_to_first[child_id] = min(hours, hours_to_first.get(child_id, hours))
    counts: dict[str, dict[str, int]] = {}
    medians: dict[str, int | None] = {}
    for group in GROUPS:
        members = [c for c in arrived if group.code in result.children[c].groups]
        gaps = [hours_to_first[c] for c in members if c in hours_to_first]
        counts[group.code] = {
            "arrived": len(members),
            "went_missing_or_away": len(gaps),
            "within_48_hours": sum(1 for h in gaps if h <= HOURS_48),
            "within_7_days": sum(1 for h in gaps if h <= DAYS_7_HOURS),
        }
        medians[group.code] = _median(gaps)
    return FirstDays(counts, medians)


def protected(section: FirstDays) -> disclosure.ProtectedTable:
    """The section for publication: counts from 1 to 5 as ``c``, and, where one group is the sum
    of two others (trafficked = identified + suspected), a second cell hidden so that none can
    be worked out by subtraction. The measures are not parts of one another (a child who went
    within 48 hours also went within 7 days), so they make no relation of their own."""
    values: dict[Hashable, int | str | None] = {
        (group, code): n for group, row in section.counts.items() for code, n in row.items()
    }
    relations = [
        disclosure.SumRelation((total, code), tuple((part, code) for part in parts))
        for total, parts in ADDITIVE_GROUPS
        for code in MEASURE_CODES
        if (total, code) in values
    ]
    return disclosure.protect(values, relations)
