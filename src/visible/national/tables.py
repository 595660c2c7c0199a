"""The national tables: at least every table of the report's Appendix 3, built from the latest
return of each authority in a collection. Each table says what it rests on (its coverage),
and can be published with disclosure control (returns/disclosure.py): counts of 1 to 5 as
``c`` with secondary suppression along every total the table shows, national and regional
totals rounded to the nearest 10, percentages worked out again from what is published.

A table is plain data (rows, columns, cells); pages, charts and exports all draw on it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum

from visible.dates import uk_midnight
from visible.missing.models import ChallengeOutcome, PoliceGradeChallenge
from visible.reference.nationalities import nationality_name
from visible.returns import disclosure
from visible.returns.disclosure import TOTAL, SumRelation
from visible.returns.first_days import MEASURES as FIRST_DAYS_MEASURES
from visible.returns.foi import ADDITIVE_GROUPS, DURATION_BANDS, GROUPS

from .models import (
    NO_INFORMATION,
    Collection,
    Grouping,
    NationalityFigure,
    RequestStatus,
    Submission,
)

_ONE_DAY = dt.timedelta(days=1)
ONS = "ons"  # the built-in grouping: ONS regions in England, the nation elsewhere
GROUP_LABELS = {g.code: g.label for g in GROUPS}
# The report's two headline groups: "children identified/suspected as trafficked" and
# "unaccompanied children" (here UASC, separated or unaccompanied).
HEADLINE = (
    ("trafficked", "Identified or suspected as trafficked"),
    ("uasc_or_separated", "Unaccompanied or separated"),
)
TOP_N = 10
PER_CHILD_BANDS = (
    ("1", "1 incident", 1, 1),
    ("2", "2 incidents", 2, 2),
    ("3_5", "3 to 5", 3, 5),
    ("6_10", "6 to 10", 6, 10),
    ("11_plus", "More than 10", 11, None),
)
GENDER_COLUMNS = (
    ("boy", "Boys"),
    ("girl", "Girls"),
    ("other", "Non-binary or other"),
    ("not_known", "Not known"),
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # count (of children or incidents), percent, number, authorities, text


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[tuple[Hashable, str]]
    values: dict[tuple[Hashable, str], Any]
    coverage: str
    relations: list[SumRelation] = field(default_factory=list)
    percents: dict[tuple[Hashable, str], tuple[tuple, tuple]] = field(default_factory=dict)
    rounded: set[tuple[Hashable, str]] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    chart: tuple[str, ...] = ()  # columns to chart as bars, if any
    count_rows: set | None = None  # where only some rows hold counts of children (None: every row)

    def count_keys(self) -> set:
        """The cells that count children or incidents: those disclosure control protects."""
        kinds = {c.key: c.kind for c in self.columns}
        return {
            k
            for k in self.values
            if kinds.get(k[1]) == "count" and (self.count_rows is None or k[0] in self.count_rows)
        }

    def published(self, suppress: bool = True) -> dict[tuple[Hashable, str], Any]:
        """Every cell as shown: with disclosure control, or as received (analysts only)."""
        shown = dict(self.values)
        if suppress:
            counts = {k: self.values[k] for k in self.count_keys()}
            protected = disclosure.protect(counts, self.relations, rounded=self.rounded)
            shown.update(protected.published)
            for key, (num, den) in self.percents.items():
                shown[key] = disclosure.percentage(
                    protected.published.get(num, self.values.get(num)),
                    protected.published.get(den, self.values.get(den)),
                )
        else:
            for key, (num, den) in self.percents.items():
                shown[key] = disclosure.percentage(self.values.get(num), self.values.get(den))
        return shown

    def grid(self, suppress: bool = True) -> list[list[Any]]:
        """Header row, then one row per table row: what the CSV and XLSX exports write."""
        shown = self.published(suppress)
        out = [["", *[c.label for c in self.columns]]]
        for key, label in self.rows:
            out.append([label, *[shown.get((key, c.key), "") for c in self.columns]])
        return out


@dataclass
class AuthorityReturn:
    code: str
    name: str
    region: str
    status: str
    counts: dict[str, dict[str, Any]] | None  # None: no numbers given
    document_id: int | None = None
    first_days: dict[str, dict[str, Any]] | None = None  # None: the return did not give them

    def figure(self, group: str, measure: str) -> int | None:
        if self.counts is None:
            return None
        value = self.counts[group].get(measure)
        return value if isinstance(value, int) else None


@dataclass
class Collected:
    collection: Collection
    returns: list[AuthorityReturn]
    grouping_name: str
    # (group, measure) -> ({(nationality, gender): children}, how many authorities gave that breakdown)
    nationality: dict[tuple[str, str], tuple[Counter, int]]
    per_child: dict[str, dict[str, int]]  # authority code -> incidents per child -> children

    @property
    def addressed(self) -> int:
        return len(self.returns)


def collect(
    collection: Collection, grouping: Grouping | None = None, with_detail: bool = True
) -> Collected:
    """The latest return of every authority addressed, in a few queries. Only what is kept
    beside each return (its counts, incidents per child, nationality figures) is read, never
    the whole document; the nationality figures are added up by the database."""
    requests = list(
        collection.requests.values_list(
            "pk",
            "status",
            "authority_id",
            "authority__code",
            "authority__name",
            "authority__region",
            "authority__nation",
        )
    )
    if grouping is None:
        regions = {r[2]: r[5] or r[6] for r in requests}
    else:
        members = dict(grouping.members.values_list("authority_id", "region"))
        regions = {r[2]: members.get(r[2], "Not in this grouping") for r in requests}
    fields = ["request_id", "pk", "counts"] + (["per_child", "first_days"] if with_detail else [])
    rows: dict[int, tuple] = {}
    for row in (
        Submission.objects.filter(request__collection=collection)
        .order_by("request_id", "-version")
        .values_list(*fields)
    ):
        rows.setdefault(row[0], row)  # the latest version of each
    returns, per_child = [], {}
    counted: dict[int, str] = {}
    for pk, status, authority_id, code, name, _, _ in requests:
        row = rows.get(pk)
        counts = (
            row[2] if row and status in (RequestStatus.PROVIDED, RequestStatus.PARTIAL) else None
        )
        returns.append(
            AuthorityReturn(
                code,
                name,
                regions[authority_id],
                status,
                counts,
                row[1] if row else None,
                (row[4] or None)
                if row is not None and with_detail and counts is not None
                else None,
            )
        )
        if counts is not None:
            counted[row[1]] = code
            if with_detail and row[3]:
                per_child[code] = row[3]
    nationality: dict[tuple[str, str], tuple[Counter, int]] = {}
    if with_detail and counted:
        figures = NationalityFigure.objects.filter(submission_id__in=list(counted))
        cells: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for group, measure, code, gender, value in (
            figures.values_list("group", "measure", "nationality", "gender")
            .annotate(n=Sum("value"))
            .order_by()
        ):
            cells[group, measure][code, gender] += value
        for group, measure, authorities in (
            figures.values_list("group", "measure")
            .annotate(a=Count("submission_id", distinct=True))
            .order_by()
        ):
            nationality[group, measure] = (cells[group, measure], authorities)
    return Collected(
        collection,
        sorted(returns, key=lambda r: r.name),
        grouping.name if grouping else "ONS regions and nations",
        nationality,
        per_child,
    )


def _coverage(data: Collected, with_figure: int, what: str = "") -> str:
    no_info = sum(1 for r in data.returns if r.status in NO_INFORMATION)
    return (
        f"Rests on {with_figure} of the {data.addressed} authorities asked{what}; "
        f"{no_info} provided no information."
    )


def _with(data: Collected, group: str, measure: str) -> list[AuthorityReturn]:
    return [
        r
        for r in data.returns
        if r.figure(group, measure) is not None or (r.status == RequestStatus.NO_SUCH_CHILDREN)
    ]


def _value(r: AuthorityReturn, group: str, measure: str) -> int:
    """An authority's figure, 0 for one that said it has no such children."""
    if r.status == RequestStatus.NO_SUCH_CHILDREN:
        return 0
    return r.figure(group, measure) or 0


# --- the tables ----------------------------------------------------------------------------------


def overall(data: Collected) -> Table:
    columns = [Column(g, label) for g, label in HEADLINE]
    rows = [
        ("children", "Number in care"),
        ("missing", "Number missing or away"),
        ("percent", "% missing or away"),
    ]
    values, percents, rounded, covered = {}, {}, set(), set()
    for g, _ in HEADLINE:
        both = [
            r
            for r in _with(data, g, "children")
            if r.figure(g, "children_missing_or_away") is not None
            or r.status == RequestStatus.NO_SUCH_CHILDREN
        ]
        covered.add(len(both))
        values["children", g] = sum(_value(r, g, "children") for r in both)
        values["missing", g] = sum(_value(r, g, "children_missing_or_away") for r in both)
        values["percent", g] = None
        percents["percent", g] = (("missing", g), ("children", g))
        rounded |= {("children", g), ("missing", g)}
    return Table(
        "overall",
        "Overall figures",
        columns,
        rows,
        values,
        _coverage(data, max(covered), " that gave both figures"),
        percents=percents,
        rounded=rounded,
        count_rows={"children", "missing"},
        notes=[
            "Percentages are of the children in care in the authorities that gave both figures."
        ],
    )


def per_authority(data: Collected) -> Table:
    """Appendix 3's summaries: totals, how many authorities had none, gave no information, had
    one; the average and the maximum per authority among those with any."""
    columns = [
        Column(f"{g}:{m}", f"{label}: {'children' if m == 'children' else 'went missing or away'}")
        for g, label in HEADLINE
        for m in ("children", "children_missing_or_away")
    ]
    rows = [
        ("total", "Total number of children"),
        ("none", "Authorities having no such children"),
        ("no_info", "Authorities providing no information"),
        ("average", "Average per authority having any"),
        ("one", "Authorities having only one"),
        ("max", "Maximum in one authority"),
    ]
    values, rounded = {}, set()
    no_info = sum(1 for r in data.returns if r.status in NO_INFORMATION)
    covered = 0
    for g, _ in HEADLINE:
        for m in ("children", "children_missing_or_away"):
            col = f"{g}:{m}"
            given = [_value(r, g, m) for r in _with(data, g, m)]
            covered = max(covered, len(given))
            having = [n for n in given if n > 0]
            values["total", col] = sum(given)
            values["none", col] = sum(1 for n in given if n == 0)
            values["no_info", col] = no_info + (data.addressed - no_info - len(given))
            values["average", col] = (
                round(sum(having) / len(having), 1) if having else disclosure.NOT_APPLICABLE
            )
            values["one", col] = sum(1 for n in having if n == 1)
            values["max", col] = max(having) if having else 0
            rounded.add(("total", col))
    # Only the total and the maximum count children; the other rows count authorities.
    return Table(
        "per_authority",
        "Children per authority",
        columns,
        rows,
        values,
        _coverage(data, covered),
        rounded=rounded,
        count_rows={"total", "max"},
        notes=[
            "'No information' counts authorities that refused, were over the cost limit, have not "
            "answered, or answered without this figure."
        ],
    )


def regional(data: Collected) -> Table:
    regions = sorted({r.region for r in data.returns})
    columns = []
    for g, label in HEADLINE:
        for m, word in (
            ("children", "children"),
            ("children_missing_or_away", "went missing or away"),
        ):
            columns += [
                Column(f"{g}:{m}", f"{label}: {word}"),
                Column(f"{g}:{m}:pct", "% of total", "percent"),
            ]
    rows = [(name, name) for name in regions] + [(TOTAL, "Total")]
    values, relations, percents, rounded = {}, [], {}, set()
    covered = 0
    for g, _ in HEADLINE:
        for m in ("children", "children_missing_or_away"):
            col = f"{g}:{m}"
            given = _with(data, g, m)
            covered = max(covered, len(given))
            by_region = Counter()
            for r in given:
                by_region[r.region] += _value(r, g, m)
            for name in regions:
                values[name, col] = by_region[name]
                percents[name, f"{col}:pct"] = ((name, col), (TOTAL, col))
                values[name, f"{col}:pct"] = None
            values[TOTAL, col] = sum(by_region.values())
            values[TOTAL, f"{col}:pct"] = None
            percents[TOTAL, f"{col}:pct"] = ((TOTAL, col), (TOTAL, col))
            relations.append(SumRelation((TOTAL, col), tuple((name, col) for name in regions)))
            rounded |= {(name, col) for name in regions} | {(TOTAL, col)}
    return Table(
        "regional",
        f"Regional breakdown ({data.grouping_name})",
        columns,
        rows,
        values,
        _coverage(data, covered),
        relations=relations,
        percents=percents,
        rounded=rounded,
        chart=("trafficked:children", "uasc_or_separated:children"),
    )


def top_authorities(data: Collected, group: str, n: int = TOP_N) -> Table:
    label = dict(HEADLINE)[group]
    given = [r for r in data.returns if r.figure(group, "children")]
    ranked = sorted(given, key=lambda r: (-r.figure(group, "children"), r.name))[:n]
    columns = [
        Column("children", "Children"),
        Column("missing", "Went missing or away"),
        Column("pct", "% went missing or away", "percent"),
    ]
    rows = [(r.code, f"{i}. {r.name}") for i, r in enumerate(ranked, start=1)]
    values, percents = {}, {}
    for r in ranked:
        values[r.code, "children"] = r.figure(group, "children")
        missing = r.figure(group, "children_missing_or_away")
        values[r.code, "missing"] = missing if missing is not None else disclosure.NOT_AVAILABLE
        values[r.code, "pct"] = None
        percents[r.code, "pct"] = ((r.code, "missing"), (r.code, "children"))
    return Table(
        f"top_{group}",
        f"The {n} authorities with most children {label.lower()}",
        columns,
        rows,
        values,
        _coverage(data, len(given), " with any such children"),
        percents=percents,
        chart=("children",),
    )


def nationality(data: Collected, group: str, measure: str, n: int = TOP_N) -> Table:
    """Nationality by gender, the n most common nationalities, then the rest."""
    given, authorities = data.nationality.get((group, measure), (Counter(), 0))
    counts: Counter = Counter()
    for (code, gender), value in given.items():
        counts[code, gender if gender in ("boy", "girl", "not_known") else "other"] += value
    totals = Counter()
    for (code, _), value in counts.items():
        totals[code] += value
    known = sorted(
        (c for c in totals if c != "XXX"), key=lambda c: (-totals[c], nationality_name(c))
    )
    top, rest = known[:n], set(known[n:])
    row_keys = [*top, "other", "XXX"]
    labels = {
        **{c: nationality_name(c) for c in top},
        "other": "Other nationalities",
        "XXX": "Not known",
    }
    merged: dict[tuple[str, str], int] = Counter()
    for (code, column), value in counts.items():
        merged["other" if code in rest else code, column] += value
    col_keys = [c for c, _ in GENDER_COLUMNS]
    values = disclosure.crosstab_values(merged, row_keys, col_keys)
    columns = [Column(c, label) for c, label in GENDER_COLUMNS] + [Column(TOTAL, "Total")]
    rows = [(k, labels[k]) for k in row_keys] + [(TOTAL, "Total")]
    what = {
        "children": "children",
        "children_missing_or_away": "children who went missing or away",
    }[measure]
    rounded = {(TOTAL, c) for c in [*col_keys, TOTAL]}
    return Table(
        f"nationality_{group}_{measure}",
        f"{dict(HEADLINE)[group]}: {what} by nationality and gender",
        columns,
        rows,
        values,
        _coverage(data, authorities, " that broke their figures down"),
        relations=disclosure.crosstab_relations(row_keys, col_keys),
        rounded=rounded,
        chart=(TOTAL,),
    )


def incidents_per_child(data: Collected) -> Table:
    per_band = Counter()
    for histogram in data.per_child.values():
        for times, children in histogram.items():
            for key, _, low, high in PER_CHILD_BANDS:
                if int(times) >= low and (high is None or int(times) <= high):
                    per_band[key] += children
    rows = [(key, label) for key, label, _, _ in PER_CHILD_BANDS] + [(TOTAL, "Total children")]
    values = {(key, "children"): per_band[key] for key, *_ in PER_CHILD_BANDS}
    values[TOTAL, "children"] = sum(per_band.values())
    return Table(
        "incidents_per_child",
        "Incidents per child who went missing or away",
        [Column("children", "Children")],
        rows,
        values,
        _coverage(data, len(data.per_child), " that listed their incidents"),
        relations=[
            SumRelation((TOTAL, "children"), tuple((k, "children") for k, *_ in PER_CHILD_BANDS))
        ],
        rounded={(TOTAL, "children")},
        chart=("children",),
    )


def durations(data: Collected) -> Table:
    groups = [*HEADLINE, ("any", "All in scope")]
    columns = [Column(g, label) for g, label in groups]
    rows = [(band, label) for band, label in DURATION_BANDS] + [(TOTAL, "All incidents")]
    values, relations, covered = {}, [], 0
    for g, _ in groups:
        given = [
            r
            for r in data.returns
            if all(r.figure(g, f"incidents_{b}") is not None for b, _ in DURATION_BANDS)
        ]
        covered = max(covered, len(given))
        for band, _ in DURATION_BANDS:
            values[band, g] = sum(r.figure(g, f"incidents_{band}") for r in given)
        values[TOTAL, g] = sum(values[band, g] for band, _ in DURATION_BANDS)
        relations.append(SumRelation((TOTAL, g), tuple((b, g) for b, _ in DURATION_BANDS)))
    return Table(
        "durations",
        "How long incidents lasted",
        columns,
        rows,
        values,
        _coverage(data, covered),
        relations=relations,
        rounded={(TOTAL, g) for g, _ in groups},
        chart=("any",),
    )


def still_missing(data: Collected) -> Table:
    given = [r for r in data.returns if r.figure("any", "children_still_missing") is not None]
    having = sorted(
        (r for r in given if r.figure("any", "children_still_missing")),
        key=lambda r: (-r.figure("any", "children_still_missing"), r.name),
    )
    columns = [
        Column("still", "Still missing at the end of the period"),
        Column("turned_18", "Of whom turned 18 while missing"),
    ]
    rows = [(r.code, r.name) for r in having] + [(TOTAL, "Total")]
    values = {}
    for r in having:
        values[r.code, "still"] = r.figure("any", "children_still_missing")
        turned = r.figure("any", "children_still_missing_turned_18")
        values[r.code, "turned_18"] = turned if turned is not None else disclosure.NOT_AVAILABLE
    values[TOTAL, "still"] = sum(r.figure("any", "children_still_missing") for r in given)
    values[TOTAL, "turned_18"] = sum(
        r.figure("any", "children_still_missing_turned_18") or 0 for r in given
    )
    relations = [SumRelation((TOTAL, "still"), tuple((r.code, "still") for r in having))]
    if all(isinstance(values[r.code, "turned_18"], int) for r in having):
        relations.append(
            SumRelation((TOTAL, "turned_18"), tuple((r.code, "turned_18") for r in having))
        )
    return Table(
        "still_missing",
        "Children still missing, by authority",
        columns,
        rows,
        values,
        _coverage(data, len(given)),
        relations=relations,
        rounded={(TOTAL, "still"), (TOTAL, "turned_18")},
        notes=["Authorities with none still missing are not listed."],
    )


def first_days(data: Collected) -> Table:
    """The first days in care (returns/first_days.py), added up group by group over the
    authorities whose return gives them (schema 1.1.0 on; each child is one authority's, so the
    sums are honest), with the share of arrivals who went within 7 days."""
    given = [
        r
        for r in data.returns
        if r.first_days
        and all(
            isinstance(r.first_days.get(g.code, {}).get(code), int)
            for g in GROUPS
            for code, _ in FIRST_DAYS_MEASURES
        )
    ]
    columns = [Column(code, label) for code, label in FIRST_DAYS_MEASURES] + [
        Column("percent_7_days", "% of arrivals who went within 7 days", "percent")
    ]
    rows: list[tuple[Hashable, str]] = [(g.code, g.label) for g in GROUPS]
    values: dict[tuple[Hashable, str], Any] = {}
    percents: dict[tuple[Hashable, str], tuple[tuple, tuple]] = {}
    for g in GROUPS:
        for code, _ in FIRST_DAYS_MEASURES:
            values[g.code, code] = sum((r.first_days or {})[g.code][code] for r in given)
        values[g.code, "percent_7_days"] = None
        percents[g.code, "percent_7_days"] = ((g.code, "within_7_days"), (g.code, "arrived"))
    relations = [
        SumRelation((whole, code), tuple((part, code) for part in parts))
        for whole, parts in ADDITIVE_GROUPS
        for code, _ in FIRST_DAYS_MEASURES
    ]
    return Table(
        "first_days",
        "The first days in care: arrivals, and how soon any went missing or away",
        columns,
        rows,
        values,
        _coverage(data, len(given), " that gave the first days in care"),
        relations=relations,
        percents=percents,
        rounded={k for k in values if k[1] != "percent_7_days"},
        notes=[
            "Children who arrived in the period (their arrival checklist's clock started in it), "
            "counted from the time each arrived. Only returns from Visible 1.1.0 on give these "
            "figures; the others are not in this table.",
        ],
    )


def statuses(data: Collected) -> Table:
    counted = Counter(r.status for r in data.returns)
    rows = [(code, label) for code, label in RequestStatus.choices] + [(TOTAL, "Authorities asked")]
    values = {(code, "authorities"): counted[code] for code, _ in RequestStatus.choices}
    values[TOTAL, "authorities"] = data.addressed
    return Table(
        "statuses",
        "Who answered",
        [Column("authorities", "Authorities", "authorities")],
        rows,
        values,
        f"All {data.addressed} authorities asked.",
    )


def all_tables(data: Collected) -> list[Table]:
    tables = [
        statuses(data),
        overall(data),
        per_authority(data),
        regional(data),
        top_authorities(data, "trafficked"),
        top_authorities(data, "uasc_or_separated"),
    ]
    for g, _ in HEADLINE:
        for m in ("children", "children_missing_or_away"):
            tables.append(nationality(data, g, m))
    tables += [incidents_per_child(data), durations(data), still_missing(data), first_days(data)]
    tables.append(police_challenges(data.collection.period_from, data.collection.period_to))
    return tables


# --- challenges to police grades (R-POLICE-GRADE) ------------------------------------------------

CHALLENGE_COLUMNS = (
    ("opened", "Challenges opened"),
    (ChallengeOutcome.REGRADED_HIGH.value, "Regraded high"),
    (ChallengeOutcome.REGRADED_BELOW_HIGH.value, "Regraded, still below high"),
    (ChallengeOutcome.KEPT.value, "Grade kept"),
    ("open", "Not answered by the end of the period"),
)


def police_challenges(period_from, period_to) -> Table:
    """Visible's challenges to police forces that graded a child in scope below high, by force:
    opened in the period (UK days), and each one's outcome as it stood at the end of the period
    (one answered later counts as not answered). Read from Visible's own records, not from the
    authorities' returns: the request never asked about police grades."""
    start, end = uk_midnight(period_from), uk_midnight(period_to + _ONE_DAY)
    found = list(
        PoliceGradeChallenge.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .values_list("force__name", "outcome", "answered_at")
        .order_by()
    )
    by_force: dict[str, Counter] = defaultdict(Counter)
    for force, outcome, answered_at in found:
        answered = bool(outcome) and answered_at is not None and answered_at < end
        by_force[force]["opened"] += 1
        by_force[force][outcome if answered else "open"] += 1
    forces = sorted(by_force)
    columns = [Column(key, label) for key, label in CHALLENGE_COLUMNS] + [
        Column("high_pct", "% regraded high", "percent")
    ]
    rows: list[tuple[Hashable, str]] = [(name, name) for name in forces]
    rows.append((TOTAL, "All forces"))
    values: dict[tuple[Hashable, str], Any] = {}
    relations: list[SumRelation] = []
    percents: dict[tuple[Hashable, str], tuple[tuple, tuple]] = {}
    parts = [key for key, _ in CHALLENGE_COLUMNS[1:]]
    for name in [*forces, TOTAL]:
        for key, _ in CHALLENGE_COLUMNS:
            values[name, key] = (
                by_force[name][key] if name != TOTAL else sum(by_force[f][key] for f in forces)
            )
        values[name, "high_pct"] = None
        percents[name, "high_pct"] = (
            (name, ChallengeOutcome.REGRADED_HIGH.value),
            (name, "opened"),
        )
        relations.append(SumRelation((name, "opened"), tuple((name, k) for k in parts)))
    for key, _ in CHALLENGE_COLUMNS:
        relations.append(SumRelation((TOTAL, key), tuple((f, key) for f in forces)))
    return Table(
        "police_challenges",
        "Challenges to police grades below high, by force",
        columns,
        rows,
        values,
        f"Visible's own records: {len(found)} challenge{'s' if len(found) != 1 else ''} to "
        f"{len(forces)} force{'s' if len(forces) != 1 else ''} opened in the period.",
        relations=relations,
        percents=percents,
        rounded={(TOTAL, key) for key, _ in CHALLENGE_COLUMNS},
        notes=[
            "A challenge is opened when a force grades a trafficked, unaccompanied or separated "
            "child below high; the force's trafficking single point of contact answers it. "
            "Forces with no challenge in the period are not listed."
        ],
    )


# --- change over time ----------------------------------------------------------------------------


def trend(collections: list[Collection], collected: dict[int, Collected] | None = None) -> Table:
    """National totals across collections, oldest first (from ``collected`` where a
    collection's returns have been read already). 2016-edition collections only: a 2024
    collection counts calendar years and 'missing or absent' (its trend is request_trend)."""
    collected = collected or {}
    ordered = sorted((c for c in collections if not c.is_2024), key=lambda c: c.period_to)
    columns = [
        Column(f"{g}:{m}", f"{label}: {'children' if m == 'children' else 'went missing or away'}")
        for g, label in HEADLINE
        for m in ("children", "children_missing_or_away")
    ]
    rows = [(c.pk, c.name) for c in ordered]
    values: dict = {}
    coverage = []
    for c in ordered:
        data = collected.get(c.pk) or collect(c, with_detail=False)
        for g, _ in HEADLINE:
            for m in ("children", "children_missing_or_away"):
                values[c.pk, f"{g}:{m}"] = sum(_value(r, g, m) for r in _with(data, g, m))
        coverage.append(
            f"{c.name}: {sum(1 for r in data.returns if r.counts is not None)} of {data.addressed}"
        )
    return Table(
        "trend",
        "National totals over time",
        columns,
        rows,
        values,
        "Authorities with figures: " + "; ".join(coverage) + ".",
        rounded=set(values),
        chart=tuple(col.key for col in columns),
    )


def period_label(collection: Collection) -> str:
    return f"{collection.period_from:%-d %B %Y} to {collection.period_to:%-d %B %Y}"


# --- the 2024 edition: the published shape, and the trend across every request ------------------

PUBLISHED_COLUMNS = (
    ("trafficked", "Identified or suspected as trafficked"),
    ("uasc_or_separated", "Unaccompanied or separated"),
    ("overlap", "Unaccompanied or separated and also trafficked"),
)
# What each request found nationally, as the charities published it: the trend's first rows.
# (label, {(group, measure): figure}, source). ":" where a report gave no such figure (the
# overlap was first asked in 2024). docs/sources.md cites each.
PUBLISHED_FINDINGS: tuple[tuple[str, dict[tuple[str, str], int], str], ...] = (
    (
        "1 September 2014 to 1 September 2015",
        {
            ("trafficked", "children"): 590,
            ("trafficked", "missing"): 167,
            ("uasc_or_separated", "children"): 4744,
            ("uasc_or_separated", "missing"): 593,
        },
        "Heading back to harm (ECPAT UK and Missing People, November 2016), Appendix 3",
    ),
    (
        "2017",
        {
            ("trafficked", "children"): 910,
            ("trafficked", "missing"): 244,
            ("uasc_or_separated", "children"): 4963,
            ("uasc_or_separated", "missing"): 742,
        },
        "Still in Harm's Way (ECPAT UK and Missing People, December 2018)",
    ),
    (
        "2020",
        {("trafficked", "children"): 1231, ("trafficked", "missing"): 378},
        "When Harm Remains (ECPAT UK and Missing People, April 2022)",
    ),
    (
        "2024",
        {
            ("trafficked", "children"): 2638,
            ("trafficked", "missing"): 864,
            ("uasc_or_separated", "children"): 12530,
            ("uasc_or_separated", "missing"): 1501,
        },
        "Until Harm Ends (ECPAT UK and Missing People, November 2025), as quoted in issue 18",
    ),
)


def add_2024_documents(documents: list[dict[str, Any]]) -> dict[str, dict[tuple[str, str], int]]:
    """Period label -> (group, measure) -> the sum over the authorities' unsuppressed 2024
    returns (schema 2.x). A suppressed file cannot be added up: refused, naming it."""
    for document in documents:
        name = document.get("authority", {}).get("name", "a return")
        if not str(document.get("schema_version", "")).startswith("2."):
            raise ValueError(
                f"{name}: not a 2024-edition return (schema_version "
                f"{document.get('schema_version')!r}); write it with --edition 2024"
            )
        if document["disclosure_control"]["applied"]:
            raise ValueError(
                f"{name}: the file has disclosure control applied, so its figures cannot be "
                "added up; send the unsuppressed file (it stays inside the national body)"
            )
    return add_2024_periods(period for document in documents for period in document["periods"])


def add_2024_periods(periods) -> dict[str, dict[tuple[str, str], int]]:
    """Period label -> (group, measure) -> the sum of these periods' counts (each a period of
    an unsuppressed 2024-edition return). A figure not available (:) adds nothing."""
    totals: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for period in periods:
        for group, measures in period["counts"].items():
            for measure, value in measures.items():
                if value != disclosure.NOT_AVAILABLE:
                    totals[period["label"]][group, measure] += int(value)
    return {label: dict(values) for label, values in totals.items()}


def published_shape(label: str, totals: dict[tuple[str, str], int], authorities: int) -> Table:
    """One period's national table in the shape the charities' reports publish: for each
    group, the children in care, those who went missing or absent (and the percentage), and
    those still missing (and the percentage of those who went missing). Counts of 1 to 5 are
    suppressed and every count rounded to the nearest 10, as for any national table;
    percentages are worked out again from what is published."""
    rows: list[tuple[Hashable, str]] = [
        ("children", "Number in care"),
        ("missing", "Number who went missing or absent"),
        ("missing_pct", "% who went missing or absent"),
        ("still", "Number still missing at the end of the period"),
        ("still_pct", "% of those who went missing still missing"),
    ]
    values: dict[tuple[Hashable, str], Any] = {}
    percents: dict[tuple[Hashable, str], tuple[tuple, tuple]] = {}
    for group, _ in PUBLISHED_COLUMNS:
        values["children", group] = totals.get((group, "children"), 0)
        values["missing", group] = totals.get((group, "children_missing_or_absent"), 0)
        values["still", group] = totals.get((group, "children_still_missing"), 0)
        values["missing_pct", group] = values["still_pct", group] = None
        percents["missing_pct", group] = (("missing", group), ("children", group))
        percents["still_pct", group] = (("still", group), ("missing", group))
    return Table(
        "published_shape",
        f"Children in care, missing and still missing: {label}",
        [Column(g, name) for g, name in PUBLISHED_COLUMNS],
        rows,
        values,
        f"Added up from {authorities} authorit{'y' if authorities == 1 else 'ies'}' 2024-edition "
        "returns.",
        percents=percents,
        rounded={k for k in values if k[0] in ("children", "missing", "still")},
        count_rows={"children", "missing", "still"},
        notes=[
            "A child in the overlap is in both of the other columns too: the columns are not "
            "added up."
        ],
    )


def request_trend(visible_rows: dict[str, dict[tuple[str, str], int]] | None = None) -> Table:
    """Every request's national findings, oldest first: what the charities published for each
    request's year, then each period Visible has added up from 2024-edition returns. ':' where
    a request did not ask (the overlap before 2024) or a report gave no figure."""
    columns = []
    for group, name in PUBLISHED_COLUMNS:
        columns += [
            Column(f"{group}:children", f"{name}: in care"),
            Column(f"{group}:missing", f"{name}: went missing or absent"),
            Column(f"{group}:pct", f"{name}: %", "percent"),
        ]
    rows: list[tuple[Hashable, str]] = []
    values: dict[tuple[Hashable, str], Any] = {}
    percents: dict[tuple[Hashable, str], tuple[tuple, tuple]] = {}
    notes = []
    entries = [
        (f"published:{label}", f"{label} (published)", found, source)
        for label, found, source in PUBLISHED_FINDINGS
    ]
    for label, totals in (visible_rows or {}).items():
        found = {}
        for group, _ in PUBLISHED_COLUMNS:
            found[group, "children"] = totals.get((group, "children"), 0)
            found[group, "missing"] = totals.get((group, "children_missing_or_absent"), 0)
        entries.append((f"visible:{label}", f"{label} (Visible)", found, ""))
    for key, label, found, source in entries:
        rows.append((key, label))
        for group, _ in PUBLISHED_COLUMNS:
            for measure in ("children", "missing"):
                values[key, f"{group}:{measure}"] = found.get(
                    (group, measure), disclosure.NOT_AVAILABLE
                )
            values[key, f"{group}:pct"] = None
            percents[key, f"{group}:pct"] = ((key, f"{group}:missing"), (key, f"{group}:children"))
        if source:
            notes.append(f"{label}: {source}.")
    return Table(
        "request_trend",
        "Every request's findings over time",
        columns,
        rows,
        values,
        "The charities' published national figures for each request, and Visible's own totals.",
        percents=percents,
        rounded={
            k for k in values if str(k[0]).startswith("visible:") and not k[1].endswith(":pct")
        },
        notes=notes,
    )


def tables_2024(data: Collected) -> list[Table]:
    """A 2024-edition collection's tables, from the latest return of each authority: who
    answered; for each of the collection's periods (its dates cut at each 1 January) the table
    in the reports' published shape; the trend across every request's years with this
    collection's totals; and the challenges to police grades in the collection's period."""
    from visible.returns.edition2024 import request_periods

    collection = data.collection
    given = [r for r in data.returns if r.counts is not None]
    totals = add_2024_periods(period for r in given for period in (r.counts or {})["periods"])
    covered = len(given) + sum(
        1 for r in data.returns if r.status == RequestStatus.NO_SUCH_CHILDREN
    )
    built = [statuses(data)]
    periods = request_periods(collection.period_from, collection.period_to)
    for period in periods:
        table = published_shape(period.label, totals.get(period.label, {}), len(given))
        table.key = f"period_{period.start:%Y%m%d}_{period.end:%Y%m%d}"
        table.coverage = _coverage(data, covered)
        built.append(table)
    built.append(request_trend({p.label: totals[p.label] for p in periods if p.label in totals}))
    built.append(police_challenges(collection.period_from, collection.period_to))
    return built


def collection_tables(data: Collected) -> list[Table]:
    """Every table of a collection, in its edition's shape."""
    return tables_2024(data) if data.collection.is_2024 else all_tables(data)
