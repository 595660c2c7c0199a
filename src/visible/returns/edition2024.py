"""The data request as it is asked today: the 2024 edition (docs/foi-return.md, "The 2024
edition"; ADR 0024).

The same charities have repeated the 2016 request (Heading back to harm, Appendix 1) for
children in care in 2017, 2020 and 2024. The 2024 request asks for each calendar year plus the
part of the current year, and adds a category: unaccompanied or separated children who are
also trafficked. Visible answers it beside the 2016 shape, from the same count
(``foi.count_return``, once per period), so the two can never disagree about who is in care,
in which group, or which incidents fall in a period.

- **Periods**: the request's periods as given: from ``start`` to ``end``, cut at each
  1 January, so every whole calendar year is one period and a period that does not run to
  31 December (or begin on 1 January) is a part year. ``request_periods`` says which is which.
- **Groups**: trafficked (identified or suspected); unaccompanied or separated (UASC,
  separated or unaccompanied); the overlap, a child in both groups in the period (not
  necessarily on the same day); and, so that the overlap can be published with disclosure
  control, the two groups without it and all three together. Each child counts once in each.
- **"Missing or absent"**: the exact wording of the 2024 request was not available to us (see
  docs/foi-return.md), so how it is counted is a named choice, recorded in every file:
  ``missing_or_away`` (default: SSDA903 M and A, as the 2016 request's "missing or absent" was
  counted, and as the DfE's statutory guidance names the two) or ``missing_only`` (M).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from visible.reference.models import Authority

from . import disclosure
from .foi import FoiReturn, check_period, count_return

EDITION = "2024"
SCHEMA_VERSION = "2.0.0"
RETURN_TYPE = "visible-foi-return-2024"


@dataclass(frozen=True)
class MissingDefinition:
    code: str
    label: str
    categories: frozenset[str]
    definition: str


MISSING_DEFINITIONS = {
    d.code: d
    for d in (
        MissingDefinition(
            "missing_or_away",
            "Missing or away from placement without authorisation (SSDA903 M and A)",
            frozenset({"M", "A"}),
            "An incident is missing (whereabouts not known, M) or away from placement without "
            "authorisation (whereabouts known, A), as the DfE's statutory guidance on children "
            "who run away or go missing from care names them; the 2016 request's 'missing or "
            "absent' is counted the same way.",
        ),
        MissingDefinition(
            "missing_only",
            "Missing only (SSDA903 M)",
            frozenset({"M"}),
            "Only incidents in which the child's whereabouts were not known (M); away from "
            "placement (A) is left out.",
        ),
    )
}
DEFAULT_DEFINITION = "missing_or_away"

GROUPS_2024: tuple[tuple[str, str], ...] = (
    ("trafficked", "Identified or suspected as trafficked"),
    ("uasc_or_separated", "Unaccompanied or separated (UASC, separated or unaccompanied)"),
    ("overlap", "Unaccompanied or separated and also trafficked"),
    ("trafficked_only", "Trafficked, not unaccompanied or separated"),
    ("uasc_or_separated_only", "Unaccompanied or separated, not trafficked"),
    ("any", "Trafficked, unaccompanied or separated"),
)
GROUP_CODES_2024 = tuple(code for code, _ in GROUPS_2024)
MEASURES_2024: tuple[tuple[str, str], ...] = (
    ("children", "Children in care in the period"),
    ("children_missing_or_absent", "Children who went missing or absent"),
    ("incidents_missing_or_absent", "Incidents of going missing or absent"),
    ("children_still_missing", "Children still missing or absent at the end of the period"),
)
MEASURE_CODES_2024 = tuple(code for code, _ in MEASURES_2024)
# The disjoint parts: trafficked = trafficked only + overlap, and so on (for disclosure control).
PARTS = (
    ("trafficked", ("trafficked_only", "overlap")),
    ("uasc_or_separated", ("uasc_or_separated_only", "overlap")),
    ("any", ("trafficked_only", "uasc_or_separated_only", "overlap")),
)


def groups_2024(groups_2016: frozenset[str]) -> tuple[str, ...]:
    """A child's 2024 groups from the 2016 count's groups."""
    trafficked = "trafficked" in groups_2016
    unaccompanied = "uasc_or_separated" in groups_2016
    found = []
    if trafficked:
        found.append("trafficked")
    if unaccompanied:
        found.append("uasc_or_separated")
    if trafficked and unaccompanied:
        found.append("overlap")
    elif trafficked:
        found.append("trafficked_only")
    elif unaccompanied:
        found.append("uasc_or_separated_only")
    if found:
        found.append("any")
    return tuple(found)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def part_year(self) -> bool:
        return not (
            self.start == dt.date(self.start.year, 1, 1)
            and self.end == dt.date(self.start.year, 12, 31)
        )

    @property
    def label(self) -> str:
        if not self.part_year:
            return str(self.start.year)
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def request_periods(start: dt.date, end: dt.date) -> list[Period]:
    """The request's periods: ``start`` to ``end`` cut at every 1 January."""
    check_period(start, end)
    periods = []
    begin = start
    while begin <= end:
        year_end = dt.date(begin.year, 12, 31)
        periods.append(Period(begin, min(year_end, end)))
        begin = year_end + dt.timedelta(days=1)
    return periods


def period_counts(result: FoiReturn, definition: MissingDefinition) -> dict[tuple[str, str], int]:
    """(group, measure) -> count for one period's 2016 count, as the 2024 request asks."""
    went: set[int] = set()
    still: set[int] = set()
    incidents: Counter = Counter()
    for incident in result.incidents:
        if incident.category not in definition.categories:
            continue
        went.add(incident.child_id)
        incidents[incident.child_id] += 1
        if incident.still_missing:
            still.add(incident.child_id)
    counts: dict[tuple[str, str], int] = {
        (g, m): 0 for g in GROUP_CODES_2024 for m in MEASURE_CODES_2024
    }
    for child in result.children.values():
        for g in groups_2024(child.groups):
            counts[g, "children"] += 1
            counts[g, "children_missing_or_absent"] += child.child_id in went
            counts[g, "incidents_missing_or_absent"] += incidents[child.child_id]
            counts[g, "children_still_missing"] += child.child_id in still
    return counts


@dataclass
class Return2024:
    authorities: list[Authority]
    start: dt.date
    end: dt.date
    definition: MissingDefinition
    periods: list[tuple[Period, FoiReturn, dict[tuple[str, str], int]]]
    generated_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def authority(self) -> Authority:
        return self.authorities[0]

    def cell_values(self) -> tuple[dict, list[disclosure.SumRelation]]:
        """Every published count, keyed (period, group, measure), and the sums between them:
        within each period and measure, each group is the sum of its disjoint parts. Periods
        are not added up (a child in care in two years is in both)."""
        values: dict = {}
        relations = []
        for period, _, counts in self.periods:
            for (g, m), n in counts.items():
                values[period.key, g, m] = n
            for m in MEASURE_CODES_2024:
                for whole, parts in PARTS:
                    relations.append(
                        disclosure.SumRelation(
                            (period.key, whole, m), tuple((period.key, p, m) for p in parts)
                        )
                    )
        return values, relations


def count_2024(
    authorities: list[Authority],
    start: dt.date,
    end: dt.date,
    definition: str = DEFAULT_DEFINITION,
) -> Return2024:
    """The 2024 edition for these authorities: one count per period of the request. No
    access check and no audit: ``foi_return_2024_for`` does both."""
    chosen = MISSING_DEFINITIONS.get(definition)
    if chosen is None:
        known = ", ".join(MISSING_DEFINITIONS)
        raise ValueError(
            f"--missing-definition: '{definition}' is not one of the definitions Visible knows "
            f"({known})"
        )
    periods = []
    for period in request_periods(start, end):
        result = count_return(authorities, period.start, period.end)
        periods.append((period, result, period_counts(result, chosen)))
    return Return2024(list(authorities), start, end, chosen, periods)


def published(
    result: Return2024, *, suppress: bool = False, round_totals: bool = False
) -> dict[str, Any]:
    """The 2024 edition as a plain document (docs/foi-return-2024.schema.json)."""
    from .formats import _iso, _version

    round_totals = round_totals and suppress
    values, relations = result.cell_values()
    shown = (
        disclosure.protect(values, relations, round_totals=round_totals).published
        if suppress
        else values
    )
    authority = result.authority
    return {
        "schema_version": SCHEMA_VERSION,
        "return_type": RETURN_TYPE,
        "edition": EDITION,
        "authority": {
            "code": authority.code,
            "name": authority.name,
            "nation": authority.nation,
            "region": authority.region,
        },
        "requested": {"from": result.start.isoformat(), "to": result.end.isoformat()},
        "missing_or_absent": {
            "code": result.definition.code,
            "label": result.definition.label,
            "definition": result.definition.definition,
            "categories": sorted(result.definition.categories),
        },
        "generated_at": _iso(result.generated_at),
        "generated_by": f"Visible {_version()}",
        "disclosure_control": {
            "applied": suppress,
            "totals_rounded_to": disclosure.ROUNDING_BASE if round_totals else None,
            "markers": disclosure.MARKERS,
        },
        "groups": [{"code": c, "label": label} for c, label in GROUPS_2024],
        "measures": [{"code": c, "label": label} for c, label in MEASURES_2024],
        "periods": [
            {
                "label": period.label,
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "part_year": period.part_year,
                "as_at": _iso(foi_result.period_end),
                "complete": foi_result.is_complete,
                "counts": {
                    g: {m: shown[period.key, g, m] for m in MEASURE_CODES_2024}
                    for g in GROUP_CODES_2024
                },
            }
            for period, foi_result, _ in result.periods
        ],
    }


def tidy_rows(document: dict[str, Any]) -> list[tuple]:
    """One row per published figure, for the CSV."""
    rows = [
        (
            "authority_code",
            "period_label",
            "period_from",
            "period_to",
            "part_year",
            "group",
            "measure",
            "value",
        )
    ]
    code = document["authority"]["code"]
    for period in document["periods"]:
        for g, measures in period["counts"].items():
            for m, value in measures.items():
                rows.append(
                    (
                        code,
                        period["label"],
                        period["from"],
                        period["to"],
                        period["part_year"],
                        g,
                        m,
                        value,
                    )
                )
    return rows


def render(result: Return2024, fmt: str, *, suppress: bool = False, round_totals: bool = False):
    """The file: JSON (schema 2.0.0) or CSV (one row per figure, UTF-8 with a byte-order mark)."""
    import csv
    import io
    import json

    document = published(result, suppress=suppress, round_totals=round_totals)
    if fmt == "json":
        return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(tidy_rows(document))
        return buffer.getvalue().encode("utf-8-sig")
    raise ValueError(f"--format: the 2024 edition is written as json or csv, not '{fmt}'")


def foi_return_2024_for(
    viewer,
    authority: Authority,
    start: dt.date,
    end: dt.date,
    definition: str = DEFAULT_DEFINITION,
    purpose: str = "FOI return (2024 edition)",
) -> Return2024:
    """The 2024 edition, if this viewer may make the authority's FOI return; audited."""
    from django.core.exceptions import PermissionDenied

    from visible.audit.log import record
    from visible.audit.models import AuditAction

    from .policy import can_make_foi_return

    if not can_make_foi_return(viewer, authority):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="foi_return",
            object_id=authority.code,
            summary=f"Tried to make the FOI return (2024 edition) for {authority.name}",
            purpose=purpose,
        )
        raise PermissionDenied(
            "Only a senior manager, missing coordinator or analyst of the authority's own "
            "council can make its FOI return"
        )
    result = count_2024([authority], start, end, definition)
    record(
        viewer,
        AuditAction.COUNT,
        object_type="foi_return",
        object_id=authority.code,
        purpose=purpose,
        summary=f"Made the FOI return (2024 edition) for {authority.name}, "
        f"{start:%d/%m/%Y} to {end:%d/%m/%Y}, in {len(result.periods)} periods",
        detail={
            "edition": EDITION,
            "authority": authority.code,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "missing_or_absent": result.definition.code,
        },
    )
    return result
