"""The report's data request (Heading back to harm, Appendix 1 Q1-Q5), answered from the
register for any authority (or several: a partnership area) and any period.

The definitions, precisely (docs/foi-return.md says the same in words):

- **Period**: whole days from ``start`` to ``end`` inclusive, in Europe/London; everything is
  counted *as at the end of the period* (midnight after ``end``), so a return recorded later
  does not change the answer for a closed period.
- **In care during the period**: the authority is responsible for the child, the child
  became looked after on or before the period's last day, and was under 18 on at least one
  day of it, or went missing before their 18th birthday in an incident still open in the
  period (Rec 5.iii: turning 18 while missing changes nothing); and, for a child with periods
  of care on the register (``CarePeriod``: from the SSDA903 episodes' DECOM, DEC and REC, or
  recorded in Visible), looked after on at least one day of the period: a child whose care
  ended before the period is not counted in it, unless missing since before it ended and still
  missing. Only a child with no period of care recorded is taken to be in care from
  ``looked_after_from`` to the 18th birthday. Incidents count only if they began while the
  child was looked after.
- **Groups** (Q1): a child is in a group when a flag of the group's kinds was in force on at
  least one day of the period (a flag ended before the period, or started after it, does not
  count). "Suspected" excludes children identified in the same period (Q1b "if not included
  in a"), so identified + suspected = trafficked. UASC, separated and unaccompanied overlap:
  a child may be in all three, and is counted once in "UASC or separated".
- **Incidents** (Q3): missing (M) and away (A) episodes of those children during which the
  child was missing or away at any time in the period (started before the period's end, not
  returned before its start), that started before the child's 18th birthday. Those that
  started before the period are counted too, and shown separately.
- **Children who went missing or away** (Q2): children with at least one such incident.
- **Still missing** (Q4): an incident open at the end of the period; "turned 18 while
  missing" when the 18th birthday fell after the child was last seen and on or before the
  period's last day.
- **Length** (Q5): last seen to returned; for an incident still open at the end, the time so
  far, in the band "still missing". An incident whose source gave days, not times (an SSDA903
  return's missing periods: ``Episode.day_only``) is measured in whole days, so a clock change
  inside it does not move it to another band. Bands (rulebook section 2): under 24 hours; 24 hours to
  7 days; more than 7 days; still missing.

Counting is a handful of queries (the councils, then flags, children and incidents), one row
per child in scope and per incident, summed in Python: each child's groups need all of their flags, and the request asks
for the length of every incident anyway. The page, the CLI, the downloads and the partnership
report all call ``count_return``.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property, wraps
from operator import attrgetter

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import CarePeriod, Child, Flag, FlagKind, Gender
from visible.dates import eighteenth_birthday, measured_length
from visible.db.rows import RowReader
from visible.missing.models import Category, Episode, FoundBy
from visible.reference.models import Authority

from . import disclosure
from .policy import can_make_foi_return

# --- what is counted ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    code: str
    label: str
    questions: tuple[str, ...]
    kinds: tuple[str, ...]
    definition: str
    unless: tuple[str, ...] = ()  # not counted here when in force for these kinds too


GROUPS: tuple[Group, ...] = (
    Group(
        "trafficked_identified",
        "Identified as trafficked",
        ("Q1a",),
        (FlagKind.TRAFFICKED_IDENTIFIED,),
        "A 'trafficked (identified)' flag in force on a day of the period",
    ),
    Group(
        "trafficked_suspected",
        "Suspected of having been trafficked (not identified)",
        ("Q1b",),
        (FlagKind.TRAFFICKED_SUSPECTED,),
        "A 'trafficked (suspected)' flag in force in the period, and no 'identified' flag in force in it",
        unless=(FlagKind.TRAFFICKED_IDENTIFIED,),
    ),
    Group(
        "trafficked",
        "Identified or suspected as trafficked",
        ("Q2a", "Q3a"),
        (FlagKind.TRAFFICKED_IDENTIFIED, FlagKind.TRAFFICKED_SUSPECTED),
        "Either trafficking flag in force in the period (identified + suspected)",
    ),
    Group(
        "uasc",
        "Unaccompanied asylum-seeking child (UASC)",
        ("Q1c",),
        (FlagKind.UASC,),
        "A 'UASC' flag in force in the period",
    ),
    Group(
        "separated",
        "Separated child",
        ("Q1c",),
        (FlagKind.SEPARATED,),
        "A 'separated' flag in force in the period",
    ),
    Group(
        "unaccompanied",
        "Unaccompanied child",
        ("Q1c",),
        (FlagKind.UNACCOMPANIED,),
        "An 'unaccompanied' flag in force in the period",
    ),
    Group(
        "uasc_or_separated",
        "UASC or separated (including unaccompanied)",
        ("Q1c", "Q2b", "Q3b"),
        (FlagKind.UASC, FlagKind.SEPARATED, FlagKind.UNACCOMPANIED),
        "Any of the UASC, separated or unaccompanied flags in force in the period; each child once",
    ),
    Group(
        "any",
        "Trafficked, suspected, UASC or separated",
        ("Q4",),
        (
            FlagKind.TRAFFICKED_IDENTIFIED,
            FlagKind.TRAFFICKED_SUSPECTED,
            FlagKind.UASC,
            FlagKind.SEPARATED,
            FlagKind.UNACCOMPANIED,
        ),
        "Any of the groups above; each child once",
    ),
)
GROUPS_BY_CODE = {g.code: g for g in GROUPS}
FLAG_KINDS = sorted({k for g in GROUPS for k in g.kinds})
# Disjoint groups whose counts add up to another group's (a sum relation for disclosure control).
ADDITIVE_GROUPS = (("trafficked", ("trafficked_identified", "trafficked_suspected")),)


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    question: str
    unit: str  # "children" or "incidents"


MEASURES: tuple[Measure, ...] = (
    Measure("children", "Children in care in the period", "Q1", "children"),
    Measure("children_missing_or_away", "Children who went missing or away", "Q2", "children"),
    Measure("children_missing", "Children who went missing (M)", "Q2", "children"),
    Measure("children_away", "Children who were away without authorisation (A)", "Q2", "children"),
    Measure("incidents", "Incidents of missing or away", "Q3", "incidents"),
    Measure("incidents_missing", "Incidents of missing (M)", "Q3", "incidents"),
    Measure("incidents_away", "Incidents of away without authorisation (A)", "Q3", "incidents"),
    Measure(
        "incidents_started_before", "Incidents that started before the period", "Q3", "incidents"
    ),
    Measure("incidents_under_24_hours", "Incidents: under 24 hours", "Q5", "incidents"),
    Measure("incidents_1_to_7_days", "Incidents: 24 hours to 7 days", "Q5", "incidents"),
    Measure("incidents_over_7_days", "Incidents: more than 7 days", "Q5", "incidents"),
    Measure(
        "incidents_still_missing",
        "Incidents: still missing at the end of the period",
        "Q5",
        "incidents",
    ),
    Measure(
        "incidents_returned_themselves",
        "Incidents ended: came back by themselves",
        "Q3",
        "incidents",
    ),
    Measure("incidents_found", "Incidents ended: found (police, carer, others)", "Q3", "incidents"),
    Measure(
        "children_still_missing",
        "Children still missing at the end of the period",
        "Q4",
        "children",
    ),
    Measure(
        "children_still_missing_turned_18", "Of whom turned 18 while missing", "Q4", "children"
    ),
)
MEASURES_BY_CODE = {m.code: m for m in MEASURES}
# The measures Q5 asks to break down by gender and nationality (one for each of Q1-Q4).
BREAKDOWN_MEASURES = ("children", "children_missing_or_away", "incidents", "children_still_missing")

DURATION_BANDS = (
    ("under_24_hours", "Under 24 hours"),
    ("1_to_7_days", "24 hours to 7 days"),
    ("over_7_days", "More than 7 days"),
    ("still_missing", "Still missing at the end of the period"),
)
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)

GENDERS = tuple(Gender.choices)
GENDER_CODES = tuple(code for code, _ in GENDERS)

# Q5: "if identification is a concern ... specify whether the child is British / EU / non EU".
# EU member states as in 2026 (ISO alpha-3); the United Kingdom is counted as British.
EU_MEMBERS = frozenset(
    {
        "AUT",
        "BEL",
        "BGR",
        "HRV",
        "CYP",
        "CZE",
        "DNK",
        "EST",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "HUN",
        "IRL",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "MLT",
        "NLD",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "ESP",
        "SWE",
    }
)
NATIONALITY_GROUPS = (
    ("british", "British"),
    ("eu", "EU"),
    ("non_eu", "Non-EU"),
    ("stateless", "Stateless"),
    ("not_known", "Not known"),
)


def nationality_group(code: str) -> str:
    if code == "GBR":
        return "british"
    if code in EU_MEMBERS:
        return "eu"
    if code == "XXA":
        return "stateless"
    if code in ("", "XXX"):
        return "not_known"
    return "non_eu"


def _overlaps(period: tuple[dt.date, dt.date | None], start: dt.date, end: dt.date) -> bool:
    began, ceased = period
    return began <= end and (ceased is None or ceased >= start)


def _in_care_on(periods: list[tuple[dt.date, dt.date | None]], day: dt.date) -> bool:
    return any(_overlaps(p, day, day) for p in periods)


def duration_band(length: dt.timedelta, still_missing: bool) -> str:
    if still_missing:
        return "still_missing"
    if length < DAY:
        return "under_24_hours"
    if length <= WEEK:
        return "1_to_7_days"
    return "over_7_days"


# --- the answer --------------------------------------------------------------------------------


@dataclass(slots=True)
class ChildInScope:
    child_id: int
    groups: frozenset[str]
    gender: str
    nationality: str
    turns_18_on: dt.date
    authority_id: int | None = None


@dataclass(slots=True)
class Incident:
    episode_id: int
    child_id: int
    groups: frozenset[str]
    category: str
    last_seen_at: dt.datetime
    returned_at: dt.datetime | None  # as at the end of the period: None if still open then
    length: dt.timedelta  # to the return, or to the end of the period
    band: str
    started_before: bool
    turned_18_while_missing: bool
    found_by: str

    @property
    def still_missing(self) -> bool:
        return self.returned_at is None

    @property
    def hours(self) -> float:
        return round(self.length.total_seconds() / 3600, 1)


@dataclass
class FoiReturn:
    authorities: list[Authority]
    start: dt.date
    end: dt.date
    period_start: dt.datetime
    period_end: dt.datetime
    children: dict[int, ChildInScope]
    incidents: list[Incident]
    generated_at: dt.datetime = field(default_factory=timezone.now)

    def __post_init__(self) -> None:
        # In the order they began: the incident list and the children's numbers follow it.
        self.incidents.sort(key=attrgetter("last_seen_at", "episode_id"))

    @property
    def authority(self) -> Authority:
        return self.authorities[0]

    @property
    def is_complete(self) -> bool:
        """False while the period has not ended: the numbers are so far."""
        return self.period_end <= self.generated_at

    # Child and incident sets behind each count, so a page can list them and the
    # partnership report can ask further questions about the same children.
    def children_in(self, group: str) -> list[ChildInScope]:
        return [c for c in self.children.values() if group in c.groups]

    def incidents_in(self, group: str) -> list[Incident]:
        return [i for i in self.incidents if group in i.groups]

    @staticmethod
    def _incident_measures(i: Incident) -> tuple[str, ...]:
        """The incident measures one incident counts under."""
        measures = [
            "incidents",
            "incidents_missing" if i.category == Category.MISSING else "incidents_away",
            f"incidents_{i.band}",
        ]
        if i.started_before:
            measures.append("incidents_started_before")
        if i.returned_at is not None:
            measures.append(
                "incidents_returned_themselves" if i.found_by == FoundBy.SELF else "incidents_found"
            )
        return tuple(measures)

    @cached_property
    def _incident_counts(self) -> tuple[Counter, Counter]:
        """(group, measure) -> incidents, and (group, person's row) -> incidents. Incidents
        are first counted by what they share (their groups, measures and the child's row),
        which Counter does at C speed, then spread over the groups: ten years of incidents
        have a few hundred distinct signatures."""
        rows_of = self._rows_of
        signatures = Counter(
            (i.groups, self._incident_measures(i), rows_of[i.child_id]) for i in self.incidents
        )
        by_measure: Counter = Counter()
        by_row: Counter = Counter()
        for (groups, measures, row), n in signatures.items():
            for g in groups:
                by_row[g, row] += n
                for m in measures:
                    by_measure[g, m] += n
        return by_measure, by_row

    @cached_property
    def _went(self) -> dict[int, tuple[str, ...]]:
        """child id -> the child measures their incidents meet (went missing, still missing...)."""
        went: dict[int, set[str]] = defaultdict(set)
        for i in self.incidents:
            marks = went[i.child_id]
            marks.add("children_missing_or_away")
            marks.add("children_missing" if i.category == Category.MISSING else "children_away")
            if i.returned_at is None:
                marks.add("children_still_missing")
                if i.turned_18_while_missing:
                    marks.add("children_still_missing_turned_18")
        return {child_id: tuple(sorted(marks)) for child_id, marks in went.items()}

    @cached_property
    def _child_counts(self) -> tuple[Counter, Counter]:
        """(group, measure) -> children, and (group, measure, person's row) -> children,
        counted by signature as the incidents are."""
        rows_of, went = self._rows_of, self._went
        signatures = Counter(
            (c.groups, went.get(c.child_id, ()), rows_of[c.child_id])
            for c in self.children.values()
        )
        by_measure: Counter = Counter()
        by_row: Counter = Counter()
        for (groups, measures, row), n in signatures.items():
            for g in groups:
                for m in ("children", *measures):
                    by_measure[g, m] += n
                    by_row[g, m, row] += n
        return by_measure, by_row

    def members(self, group: str, measure: str) -> list:
        """The children or incidents behind a count (worked out when asked for)."""
        if MEASURES_BY_CODE[measure].unit == "children":
            went = self._went
            return [
                c
                for c in sorted(self.children.values(), key=lambda c: c.child_id)
                if group in c.groups
                and (measure == "children" or measure in went.get(c.child_id, ()))
            ]
        return [
            i for i in self.incidents if group in i.groups and measure in self._incident_measures(i)
        ]

    def count(self, group: str, measure: str) -> int:
        if MEASURES_BY_CODE[measure].unit == "children":
            return self._child_counts[0][group, measure]
        return self._incident_counts[0][group, measure]

    @cached_property
    def _rows_of(self) -> dict[int, tuple[str, str, str]]:
        """child id -> (nationality, nationality group, gender): the breakdowns' keys."""
        return {
            c.child_id: (c.nationality, nationality_group(c.nationality), c.gender)
            for c in self.children.values()
        }

    @cached_property
    def _breakdowns(self) -> dict[tuple, Counter]:
        return {}

    def _by_person(self, group: str, measure: str) -> Counter:
        """(nationality, nationality group, gender) -> count, worked out once per measure."""
        key = (group, measure)
        if key not in self._breakdowns:
            if MEASURES_BY_CODE[measure].unit == "children":
                counts = Counter(
                    {
                        row: n
                        for (g, m, row), n in self._child_counts[1].items()
                        if g == group and m == measure
                    }
                )
            elif measure == "incidents":
                counts = Counter(
                    {row: n for (g, row), n in self._incident_counts[1].items() if g == group}
                )
            else:
                counts = Counter(self._rows_of[i.child_id] for i in self.members(group, measure))
            self._breakdowns[key] = counts
        return self._breakdowns[key]

    def breakdown(
        self, group: str, measure: str, by: str = "nationality"
    ) -> dict[tuple[str, str], int]:
        """(nationality or nationality group, gender) -> count."""
        key = (group, measure, by)
        if key not in self._breakdowns:
            column = 0 if by == "nationality" else 1
            counts: Counter = Counter()
            for row, n in self._by_person(group, measure).items():
                counts[row[column], row[2]] += n
            self._breakdowns[key] = counts
        return dict(self._breakdowns[key])

    def breakdown_rows(self, group: str, measure: str, by: str = "nationality") -> list[str]:
        if by == "nationality_group":
            return [code for code, _ in NATIONALITY_GROUPS]
        totals: Counter = Counter()
        for (row, _), n in self.breakdown(group, measure, by).items():
            totals[row] += n
        return [row for row, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]

    def child_numbers(self) -> dict[int, int]:
        """A number for each child with an incident, in order of their first incident: lets a
        reader count incidents per child without any identifier leaving the register."""
        numbers: dict[int, int] = {}
        for incident in self.incidents:  # in the order they began (see __post_init__)
            numbers.setdefault(incident.child_id, len(numbers) + 1)
        return numbers

    # --- disclosure control over the whole return at once ---------------------------------

    def cell_values(self) -> tuple[dict, list[disclosure.SumRelation]]:
        """Every published count of the return, keyed, and the sums between them. One table,
        so a cell suppressed in one place is suppressed wherever the same number appears."""
        values: dict = {}
        relations: list[disclosure.SumRelation] = []
        T = disclosure.TOTAL
        for group in GROUPS:
            g = group.code
            for measure in MEASURES:
                values[g, measure.code] = self.count(g, measure.code)
            relations.append(
                disclosure.SumRelation(
                    (g, "incidents"), ((g, "incidents_missing"), (g, "incidents_away"))
                )
            )
            relations.append(
                disclosure.SumRelation(
                    (g, "incidents"), tuple((g, f"incidents_{b}") for b, _ in DURATION_BANDS)
                )
            )
            relations.append(
                disclosure.SumRelation(
                    (g, "incidents"),
                    (
                        (g, "incidents_returned_themselves"),
                        (g, "incidents_found"),
                        (g, "incidents_still_missing"),
                    ),
                )
            )
            for m in BREAKDOWN_MEASURES:
                for by in ("nationality", "nationality_group"):
                    counts = self.breakdown(g, m, by)
                    rows = self.breakdown_rows(g, m, by)
                    for r in rows:
                        for c in GENDER_CODES:
                            values[g, m, by, r, c] = counts.get((r, c), 0)
                        values[g, m, by, r, T] = sum(values[g, m, by, r, c] for c in GENDER_CODES)
                        relations.append(
                            disclosure.SumRelation(
                                (g, m, by, r, T), tuple((g, m, by, r, c) for c in GENDER_CODES)
                            )
                        )
                    for c in GENDER_CODES:
                        values[g, m, "gender", c] = sum(counts.get((r, c), 0) for r in rows)
                        relations.append(
                            disclosure.SumRelation(
                                (g, m, "gender", c), tuple((g, m, by, r, c) for r in rows)
                            )
                        )
                    relations.append(
                        disclosure.SumRelation((g, m), tuple((g, m, by, r, T) for r in rows))
                    )
                relations.append(
                    disclosure.SumRelation((g, m), tuple((g, m, "gender", c) for c in GENDER_CODES))
                )
        for whole, parts in ADDITIVE_GROUPS:
            for key in [k for k in values if k[0] == whole]:
                part_keys = tuple((p, *key[1:]) for p in parts)
                for p in part_keys:
                    values.setdefault(p, 0)  # a nationality one part has and the other has not
                relations.append(disclosure.SumRelation(key, part_keys))
        return values, relations

    def protected(self, round_totals: bool = False) -> disclosure.ProtectedTable:
        values, relations = self.cell_values()
        return disclosure.protect(values, relations, round_totals=round_totals)


# --- counting ----------------------------------------------------------------------------------


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Midnight at the start of ``start`` and midnight after ``end``, Europe/London."""
    tz = timezone.get_default_timezone()
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    finish = timezone.make_aware(dt.datetime.combine(end + DAY, dt.time.min), tz)
    return begin, finish


def check_period(start: dt.date | None, end: dt.date | None) -> None:
    if start is None or end is None:
        raise ValueError("Give both dates of the period: --from and --to, as YYYY-MM-DD")
    if end < start:
        raise ValueError(
            f"--from ({start:%Y-%m-%d}) is after --to ({end:%Y-%m-%d}): "
            "the period must end on or after the day it starts"
        )


def organisations_for(authorities: list[Authority]) -> list[Organisation]:
    return list(Organisation.objects.filter(authority__in=authorities))


def collector_paused(function):
    """Pause Python's cyclic garbage collector while the function runs. Counting ten years
    makes tens of thousands of small objects (incidents, tuples) and no reference cycles; the
    collector's passes over them were a third of the time. Reference counting still frees
    everything as usual, and the collector is back on (if it was on) however the call ends."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper


@collector_paused
def count_return(authorities: list[Authority], start: dt.date, end: dt.date) -> FoiReturn:
    """The answers for these authorities' children for the period [start, end] (whole days).
    No access check and no audit: callers (``foi_return_for``, the partnership report) do both."""
    check_period(start, end)
    period_start, period_end = period_bounds(start, end)
    organisations = organisations_for(authorities)
    in_force = Flag.objects.filter(
        child__responsible_organisation__in=organisations, kind__in=FLAG_KINDS
    ).active_between(start, end)
    flags_by_child: dict[int, set[str]] = defaultdict(set)
    for child_id, kind in in_force.values_list("child_id", "kind"):
        flags_by_child[child_id].add(kind)
    flagged = in_force.values("child_id")

    people = {
        pk: (gender, nationality, eighteenth_birthday(dob), authority_id)
        for pk, gender, nationality, dob, authority_id in Child.objects.filter(
            pk__in=flagged, looked_after_from__lte=end
        ).values_list(
            "pk", "gender", "nationality", "date_of_birth", "responsible_organisation__authority_id"
        )
    }
    # Periods of care: a child with any is looked after only during them (a child whose care
    # ended before the period is not counted in it); a child with none recorded (not known
    # when care ended) is taken to be looked after from looked_after_from to 18, as before.
    care: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for child_id, began, ceased in CarePeriod.objects.filter(child_id__in=flagged).values_list(
        "child_id", "start_date", "end_date"
    ):
        care[child_id].append((began, ceased))
    episodes = Episode.objects.filter(child_id__in=flagged, last_seen_at__lt=period_end).filter(
        Q(returned_at__isnull=True) | Q(returned_at__gt=period_start)
    )
    # Read straight from the cursor: Django's datetime converters were most of the time for
    # ten years of incidents (see visible.db.rows).
    readers = RowReader()
    tz = timezone.get_default_timezone()
    adult_from: dict[int, dt.datetime] = {}  # midnight starting each 18th birthday, Europe/London
    raw_incidents = []
    missing_at_18: set[int] = (
        set()
    )  # children missing since before their 18th birthday, in the period
    # children missing since they were in care, still missing at the period's end: counted
    # even if their care ended before the period (as turning 18 while missing changes nothing)
    missing_from_care: set[int] = set()
    for pk, child_id, category, seen, returned, found_by, day_only in readers.rows(
        episodes,
        "pk",
        "child_id",
        "category",
        "last_seen_at:t",
        "returned_at:t",
        "found_by",
        "day_only",
    ):
        person = people.get(child_id)
        if person is None:
            continue
        adult = adult_from.get(child_id)
        if adult is None:
            adult = adult_from[child_id] = timezone.make_aware(
                dt.datetime.combine(person[2], dt.time.min), tz
            )
        seen = readers.datetime(seen)
        assert seen is not None  # last_seen_at is required
        if seen >= adult:
            continue  # a young person of 18 or over is no longer a looked-after child
        if child_id in care and not _in_care_on(care[child_id], seen.astimezone(tz).date()):
            continue  # not looked after when they went: not a child missing from care
        returned = readers.datetime(returned)
        ended = None if returned is None or returned >= period_end else returned
        turned_18 = adult <= ended if ended is not None else adult < period_end
        if turned_18 and adult <= period_start:
            missing_at_18.add(child_id)
        raw_incidents.append(
            (pk, child_id, category, seen, ended, turned_18, found_by, bool(day_only))
        )
        if ended is None and child_id in care:
            missing_from_care.add(child_id)

    children: dict[int, ChildInScope] = {}
    groups_of: dict[
        frozenset[str], frozenset[str]
    ] = {}  # a few combinations of flags cover every child
    for child_id, (gender, nationality, turns_18, authority_id) in people.items():
        if turns_18 <= start and child_id not in missing_at_18:
            continue  # 18 before the period began, and not missing since before then
        if (
            child_id in care
            and not any(_overlaps(p, start, end) for p in care[child_id])
            and child_id not in missing_from_care
        ):
            continue  # not looked after on any day of the period: care ended before it
        kinds = frozenset(flags_by_child[child_id])
        groups = groups_of.get(kinds)
        if groups is None:
            groups = groups_of[kinds] = frozenset(
                g.code
                for g in GROUPS
                if kinds.intersection(g.kinds) and not kinds.intersection(g.unless)
            )
        if groups:
            children[child_id] = ChildInScope(
                child_id, groups, gender, nationality, turns_18, authority_id
            )

    incidents = []
    for pk, child_id, category, seen, ended, turned_18, found_by, day_only in raw_incidents:
        person = children.get(child_id)
        if person is None:
            continue
        # an incident its source gave in days (an SSDA903 return) is measured in days; one
        # still open is measured to the end of the period, as any other
        length = measured_length(seen, ended, day_only) if ended is not None else period_end - seen
        # Positional: the field order of Incident (ten years are tens of thousands of these).
        incidents.append(
            Incident(
                pk,
                child_id,
                person.groups,
                category,
                seen,
                ended,
                length,
                duration_band(length, ended is None),
                seen < period_start,
                turned_18,
                found_by or "",
            )
        )
    return FoiReturn(list(authorities), start, end, period_start, period_end, children, incidents)


# --- who may ask, and the audit ----------------------------------------------------------------


def authority_by_code(code: str) -> Authority:
    authority = Authority.objects.filter(code=(code or "").strip().upper()).first()
    if authority is None:
        raise ValueError(
            f"--authority: no authority has the GSS code '{code}'; give the authority's ONS GSS "
            "code, for example E09000008 for Croydon"
        )
    if not Organisation.objects.filter(authority=authority).exists():
        raise ValueError(
            f"--authority: {authority.name} ({authority.code}) has no children's services "
            "on Visible, so there is no register to count"
        )
    return authority


def foi_return_for(
    viewer: Viewer, authority: Authority, start: dt.date, end: dt.date, purpose: str = "FOI return"
) -> FoiReturn:
    """The return, if this viewer may make it; the count (or the refusal) is audited."""
    if not can_make_foi_return(viewer, authority):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="foi_return",
            object_id=authority.code,
            summary=f"Tried to make the FOI return for {authority.name}",
            purpose=purpose,
        )
        raise PermissionDenied(
            "Only a senior manager, missing coordinator or analyst of the authority's own "
            "council can make its FOI return"
        )
    result = count_return([authority], start, end)
    record(
        viewer,
        AuditAction.COUNT,
        object_type="foi_return",
        object_id=authority.code,
        purpose=purpose,
        summary=f"Made the FOI return for {authority.name}, {start:%d/%m/%Y} to {end:%d/%m/%Y}: "
        f"{len(result.children)} children in scope, {len(result.incidents)} incidents",
        detail={
            "authority": authority.code,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "children": len(result.children),
            "incidents": len(result.incidents),
        },
    )
    return result
