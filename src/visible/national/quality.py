"""Data-quality rules for a return: numbers that cannot all be true, or that need a question.
Each finding names its rule and says why; nothing is corrected (a correction comes as a new
version of the return)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from visible.returns.foi import DURATION_BANDS, GROUPS

GROUP_LABELS = {g.code: g.label for g in GROUPS}
SUDDEN_CHANGE_RATIO = 0.5  # a change of more than half on the previous period...
SUDDEN_CHANGE_MIN = 10  # ...and of at least this many children
PERCENT_TOLERANCE = 1.0  # percentage points between a stated percentage and the counts


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str


RULES = {
    "DQ1": "More children missing or away than in care",
    "DQ2": "Fewer incidents than children who went missing or away",
    "DQ3": "More children still missing than went missing or away",
    "DQ4": "Parts that do not add up to their total",
    "DQ5": "A stated percentage that does not match the counts",
    "DQ6": "A sudden change from the previous period",
    "DQ7": "A group smaller than a group inside it",
}


def _day(iso: str) -> str:
    """A period's date in a return (ISO, as the format holds it) as people read it."""
    try:
        return dt.date.fromisoformat(iso).strftime("%-d %B %Y")
    except (TypeError, ValueError):
        return str(iso)


def _n(counts: dict[str, Any], measure: str) -> int | None:
    value = counts.get(measure)
    return value if isinstance(value, int) else None


def check(
    document: dict[str, Any],
    previous: dict[str, Any] | None = None,
    stated_percentages: dict[str, float] | None = None,
) -> list[Finding]:
    from .ingest import edition_of

    if edition_of(document) == "2024":
        return check_2024(document, previous)
    findings: list[Finding] = []
    counts = document["counts"]

    def add(rule: str, message: str) -> None:
        findings.append(Finding(rule, message))

    for group in GROUPS:
        c = counts[group.code]
        label = group.label
        children, went, incidents = (
            _n(c, "children"),
            _n(c, "children_missing_or_away"),
            _n(c, "incidents"),
        )
        still, turned = _n(c, "children_still_missing"), _n(c, "children_still_missing_turned_18")
        if children is not None and went is not None and went > children:
            add("DQ1", f"{label}: {went} went missing or away but only {children} were in care")
        for part in ("children_missing", "children_away"):
            n = _n(c, part)
            if n is not None and went is not None and n > went:
                add(
                    "DQ4",
                    f"{label}: {n} {part.replace('_', ' ')} is more than the {went} who went missing or away",
                )
        if went is not None and incidents is not None and incidents < went:
            add(
                "DQ2",
                f"{label}: {incidents} incidents for {went} children who went missing or away "
                "(each child who went missing had at least one)",
            )
        if still is not None and went is not None and still > went:
            add("DQ3", f"{label}: {still} still missing but only {went} went missing or away")
        if still is not None and turned is not None and turned > still:
            add(
                "DQ4",
                f"{label}: {turned} turned 18 while missing, more than the {still} still missing",
            )
        if incidents is not None:
            for parts, what in (
                (("incidents_missing", "incidents_away"), "missing (M) and away (A) incidents"),
                (
                    tuple(f"incidents_{b}" for b, _ in DURATION_BANDS),
                    "incidents in the duration bands",
                ),
                (
                    ("incidents_returned_themselves", "incidents_found", "incidents_still_missing"),
                    "incidents by outcome",
                ),
            ):
                values = [_n(c, p) for p in parts]
                if all(v is not None for v in values) and sum(values) != incidents:
                    add(
                        "DQ4",
                        f"{label}: {what} add up to {sum(values)}, not the {incidents} incidents given",
                    )
    # Identified + suspected = trafficked; a group is never smaller than one inside it.
    ident, susp, traff = (
        _n(counts[g], "children")
        for g in ("trafficked_identified", "trafficked_suspected", "trafficked")
    )
    if None not in (ident, susp, traff) and ident + susp != traff:
        add(
            "DQ4",
            f"Identified ({ident}) and suspected ({susp}) trafficked children add up to {ident + susp}, "
            f"not the {traff} identified or suspected",
        )
    for whole, parts in (
        ("uasc_or_separated", ("uasc", "separated", "unaccompanied")),
        ("any", ("trafficked", "uasc_or_separated")),
    ):
        for measure in ("children", "children_missing_or_away"):
            total = _n(counts[whole], measure)
            for part in parts:
                n = _n(counts[part], measure)
                if total is not None and n is not None and n > total:
                    add(
                        "DQ7",
                        f"{GROUP_LABELS[part]} ({n}) is more than {GROUP_LABELS[whole]} ({total}), "
                        f"which includes them ({measure.replace('_', ' ')})",
                    )
    # Breakdowns that do not sum to the figure they break down.
    for table in document.get("breakdowns", []):
        total = counts[table["group"]].get(table["measure"])
        summed = sum(r["total"] for r in table["rows"] if isinstance(r["total"], int))
        if (
            isinstance(total, int)
            and all(isinstance(r["total"], int) for r in table["rows"])
            and summed != total
        ):
            add(
                "DQ4",
                f"{GROUP_LABELS[table['group']]}: the breakdown by {table['by'].replace('_', ' ')} of "
                f"{table['measure'].replace('_', ' ')} adds up to {summed}, not {total}",
            )
        for row in table["rows"]:
            genders = [v for v in row["values"].values() if isinstance(v, int)]
            if (
                isinstance(row["total"], int)
                and len(genders) == len(row["values"])
                and sum(genders) != row["total"]
            ):
                add(
                    "DQ4",
                    f"{GROUP_LABELS[table['group']]}, {row['label']}: boys, girls and others add up to "
                    f"{sum(genders)}, not {row['total']}",
                )
    for group, stated in (stated_percentages or {}).items():
        children, went = (
            _n(counts[group], "children"),
            _n(counts[group], "children_missing_or_away"),
        )
        if children and went is not None:
            actual = 100 * went / children
            if abs(actual - stated) > PERCENT_TOLERANCE:
                add(
                    "DQ5",
                    f"{GROUP_LABELS[group]}: the return states {stated:g}% went missing or away, but "
                    f"{went} of {children} is {actual:.1f}%",
                )
    if previous is not None:
        for group in ("trafficked", "uasc_or_separated"):
            before, now = _n(previous["counts"][group], "children"), _n(counts[group], "children")
            if (
                before is not None
                and now is not None
                and abs(now - before) >= SUDDEN_CHANGE_MIN
                and abs(now - before) > SUDDEN_CHANGE_RATIO * max(before, 1)
            ):
                add(
                    "DQ6",
                    f"{GROUP_LABELS[group]}: {now} children, against {before} in the previous period "
                    f"({_day(previous['period']['from'])} to {_day(previous['period']['to'])})",
                )
    # One finding per message, in rule order.
    unique = {(f.rule, f.message): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.rule, f.message))


# --- the 2024 edition ----------------------------------------------------------------------------


def _whole_years(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """A 2024-edition return's whole calendar years: year -> that period."""
    return {int(p["from"][:4]): p for p in document["periods"] if not p["part_year"]}


def check_2024(document: dict[str, Any], previous: dict[str, Any] | None = None) -> list[Finding]:
    """The same rules on a 2024-edition return, period by period: DQ1 to DQ3 in each group;
    DQ4 each group against its disjoint parts (trafficked = trafficked only + overlap, and so
    on); DQ7 the overlap (or either group) bigger than a group that includes it; DQ6 a whole
    calendar year against the year before it (in this return, or the same authority's previous
    2024-edition return). Part years are not compared. DQ5 (stated percentages) has nothing
    to check: a 2024 return arrives as the JSON Visible writes."""
    from visible.returns.edition2024 import GROUPS_2024, PARTS

    labels = dict(GROUPS_2024)
    findings: list[Finding] = []

    def add(rule: str, message: str) -> None:
        findings.append(Finding(rule, message))

    for period in document["periods"]:
        when, counts = period["label"], period["counts"]
        for group, label in GROUPS_2024:
            c = counts[group]
            children, went = _n(c, "children"), _n(c, "children_missing_or_absent")
            incidents, still = _n(c, "incidents_missing_or_absent"), _n(c, "children_still_missing")
            if children is not None and went is not None and went > children:
                add(
                    "DQ1",
                    f"{when}, {label}: {went} went missing or absent but only {children} were "
                    "in care",
                )
            if went is not None and incidents is not None and incidents < went:
                add(
                    "DQ2",
                    f"{when}, {label}: {incidents} incidents for {went} children who went "
                    "missing or absent (each child who went missing had at least one)",
                )
            if still is not None and went is not None and still > went:
                add(
                    "DQ3",
                    f"{when}, {label}: {still} still missing but only {went} went missing or absent",
                )
        for measure in ("children", "children_missing_or_absent", "incidents_missing_or_absent"):
            words = measure.replace("_", " ")
            for whole, parts in PARTS:
                total = _n(counts[whole], measure)
                values = [v for v in (_n(counts[p], measure) for p in parts) if v is not None]
                if total is not None and len(values) == len(parts) and sum(values) != total:
                    add(
                        "DQ4",
                        f"{when}: {' and '.join(labels[p] for p in parts)} add up to "
                        f"{sum(values)}, not the {total} {labels[whole]} ({words})",
                    )
            for part, wholes in (
                ("overlap", ("trafficked", "uasc_or_separated")),
                ("trafficked", ("any",)),
                ("uasc_or_separated", ("any",)),
            ):
                n = _n(counts[part], measure)
                for whole in wholes:
                    total = _n(counts[whole], measure)
                    if n is not None and total is not None and n > total:
                        add(
                            "DQ7",
                            f"{when}: {labels[part]} ({n}) is more than {labels[whole]} "
                            f"({total}), which includes them ({words})",
                        )
    years = _whole_years(document)
    earlier = _whole_years(previous) if previous is not None else {}
    for year, period in sorted(years.items()):
        before = years.get(year - 1) or earlier.get(year - 1)
        if before is None:
            continue
        for group in ("trafficked", "uasc_or_separated"):
            was, now = (
                _n(before["counts"][group], "children"),
                _n(period["counts"][group], "children"),
            )
            if (
                was is not None
                and now is not None
                and abs(now - was) >= SUDDEN_CHANGE_MIN
                and abs(now - was) > SUDDEN_CHANGE_RATIO * max(was, 1)
            ):
                add(
                    "DQ6",
                    f"{labels[group]}: {now} children in {year}, against {was} in {year - 1}",
                )
    unique = {(f.rule, f.message): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.rule, f.message))
