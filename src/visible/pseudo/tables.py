"""National tables from the pseudonymised child-level records, per authority and national.

The same definitions as the FOI return (returns/foi.py: GROUPS, MEASURES, DURATION_BANDS), so
an authority's row here equals its own return for the period; and the tables the aggregate
returns cannot give:

- **national counts of children are of distinct children**: a child reported by two
  authorities (the same pseudo id) is one child nationally, counted wherever either record
  counts (in a group; missing in that group; still missing...), except that identified
  anywhere beats suspected, as in the return; the aggregate returns count that child twice;
- **incidents per child** nationally adds up a linked child's incidents across authorities;
- **children who went missing or away from more than one authority**, nationally and, for
  each authority, how many of its missing children also went missing from another;
- **children who could not be linked across authorities, and why**: the children whose pseudo
  id is the authority's own (no name or national reference: its SSDA903 CHILD id; a name and
  date of birth another of its children shares; no identifier at all), per authority and
  nationally. Each counts once in every authority that holds them, so the national counts of
  distinct children are an upper bound by that many.

Incidents belong to the authority that reported them, so national incident counts are sums.

How it is computed: a handful of plain SQL statements over the current submissions of the
period (``SQL``), each reading one table once and grouping a million children or two million
incidents down to a few thousand rows (authority x combination of groups, with conditional
sums), rolled up in Python. No join: an incident carries its child's groups as a bit mask.
Linkage never groups a million children by pseudo id at read time: a child's ``linked`` flag
(another authority holds the same pseudo id) is kept up to date when submissions are stored
(actions.relink), and only those few children are read and corrected for.

The SQL is the same text on SQLite, PostgreSQL and DuckDB (the benchmark runs it on DuckDB
over the same data to compare): no GROUPING SETS (SQLite lacks them), booleans only through
CASE, positional GROUP BY.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef

from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.returns import disclosure
from visible.returns.foi import DURATION_BANDS, GROUPS, MEASURES

from . import policy
from .models import (
    LINKAGE_RULE,
    LOCAL_BASES,
    KeyBasis,
    PseudoChild,
    PseudoEpisode,
    Submission,
)

NATIONAL = "national"
GROUP_CODES = tuple(g.code for g in GROUPS)
GROUP_COLUMNS = ", ".join(f"in_{g}" for g in GROUP_CODES)
# The return's measures that child-level records carry (not how an incident ended).
MEASURE_CODES = tuple(
    m.code for m in MEASURES if m.code not in ("incidents_returned_themselves", "incidents_found")
)
CHILD_MEASURES = tuple(m for m in MEASURE_CODES if m.startswith("children"))
INCIDENT_MEASURES = tuple(m for m in MEASURE_CODES if m.startswith("incidents"))
PER_CHILD_BANDS = (
    ("1", "1 incident", 1, 1),
    ("2", "2 incidents", 2, 2),
    ("3_5", "3 to 5", 3, 5),
    ("6_10", "6 to 10", 6, 10),
    ("11_plus", "More than 10", 11, None),
)

CHILD = PseudoChild._meta.db_table
EPISODE = PseudoEpisode._meta.db_table
SUBMISSION = Submission._meta.db_table
CURRENT = f"submission_id IN (SELECT id FROM {SUBMISSION} WHERE is_current AND period_start = %s AND period_end = %s)"
_G = len(GROUP_CODES)
_WENT = "incidents_missing + incidents_away > 0"
# What the children and incidents queries sum, in order, after the count.
CHILD_SUMS = (
    "children_missing_or_away",
    "children_missing",
    "children_away",
    "children_still_missing",
    "children_still_missing_turned_18",
)
INCIDENT_SUMS = (
    "incidents_missing",
    "incidents_away",
    "incidents_started_before",
    *(f"incidents_{band}" for band, _ in DURATION_BANDS),
)

SQL = {
    "submissions": f"""
        SELECT id, authority_id FROM {SUBMISSION}
        WHERE is_current AND period_start = %s AND period_end = %s""",
    # Children by authority, combination of groups and the identifier their pseudo id was made
    # from (who could be linked, and why not): how many, and how many went missing...
    "children": f"""
        SELECT authority_id, {GROUP_COLUMNS}, key_basis, COUNT(*),
               SUM(CASE WHEN {_WENT} THEN 1 ELSE 0 END),
               SUM(CASE WHEN incidents_missing > 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN incidents_away > 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN still_missing THEN 1 ELSE 0 END),
               SUM(CASE WHEN turned_18_missing THEN 1 ELSE 0 END)
        FROM {CHILD} WHERE {CURRENT}
        GROUP BY {", ".join(str(i) for i in range(1, _G + 3))}""",
    # Incidents by submission and the child's groups (a bit mask): how many, of each category,
    # started before the period, and in each duration band.
    "incidents": f"""
        SELECT submission_id, groups, COUNT(*),
               SUM(CASE WHEN category = 'M' THEN 1 ELSE 0 END),
               SUM(CASE WHEN category = 'A' THEN 1 ELSE 0 END),
               SUM(CASE WHEN started_before THEN 1 ELSE 0 END),
               {", ".join(f"SUM(CASE WHEN band = '{band}' THEN 1 ELSE 0 END)" for band, _ in DURATION_BANDS)}
        FROM {EPISODE} WHERE {CURRENT}
        GROUP BY 1, 2""",
    # Children, and children who went missing or away, by nationality and gender.
    "nationality": f"""
        SELECT authority_id, nationality, gender, COUNT(*), SUM(CASE WHEN {_WENT} THEN 1 ELSE 0 END)
        FROM {CHILD} WHERE {CURRENT}
        GROUP BY 1, 2, 3""",
    # Children who went missing or away by their number of incidents.
    "per_child": f"""
        SELECT authority_id, incidents_missing + incidents_away, COUNT(*)
        FROM {CHILD} WHERE {CURRENT} AND {_WENT}
        GROUP BY 1, 2""",
    # Every record of a child held by more than one authority (same pseudo id).
    "linked": f"""
        SELECT pseudo_id, authority_id, {GROUP_COLUMNS}, nationality, gender,
               incidents_missing, incidents_away,
               CASE WHEN still_missing THEN 1 ELSE 0 END, CASE WHEN turned_18_missing THEN 1 ELSE 0 END,
               key_basis
        FROM {CHILD}
        WHERE {CURRENT} AND linked""",
}
PARAMS_PER_QUERY = {
    "submissions": 1,
    "children": 1,
    "incidents": 1,
    "nationality": 1,
    "per_child": 1,
    "linked": 1,
}

Runner = Callable[[str, Sequence], list[tuple]]


def django_runner(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def _tuned():
    """A transaction with room (PostgreSQL work_mem, this transaction only) to hash a million
    children in memory rather than spill to disk."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
        yield


def compute_on_database(start: dt.date, end: dt.date) -> PseudoTables:
    with _tuned():
        return compute(start, end)


def run_on_database(sql: str, params: Sequence) -> list[tuple]:
    with _tuned():
        return django_runner(sql, params)


# --- the tables --------------------------------------------------------------------------------


@dataclass
class PseudoTables:
    start: dt.date
    end: dt.date
    authorities: dict[
        int, tuple[str, str]
    ]  # id -> (GSS code, name), those with a current submission
    # (scope, group, measure) -> count; scope is an authority's GSS code or NATIONAL
    groups: Counter = field(default_factory=Counter)
    # (scope, nationality, gender, measure) -> children; measure "children" or "children_missing_or_away"
    nationality: Counter = field(default_factory=Counter)
    # scope -> Counter(number of incidents -> children who went missing or away)
    per_child: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    # national: children held by more than one authority, and who went missing from more than one
    linked_children: int = 0
    missing_from_more_than_one: int = 0
    # GSS code -> its children who went missing or away and also went missing from another authority
    also_missing_elsewhere: Counter = field(default_factory=Counter)
    # (scope, key basis) -> children whose pseudo id was made from it (nationally: distinct
    # children; a child of a LOCAL_BASES basis is never linked, so counts once per authority)
    bases: Counter = field(default_factory=Counter)

    def bases_of(self, scope: str) -> dict[str, int]:
        """key basis -> children, for an authority's GSS code or NATIONAL."""
        return {basis: n for (s, basis), n in self.bases.items() if s == scope}

    def not_linkable(self, scope: str) -> int:
        """Children who could not be linked across authorities (no name or national reference;
        a name and date of birth shared in the authority; no identifier at all)."""
        return sum(self.bases[scope, basis] for basis in LOCAL_BASES)

    @property
    def scopes(self) -> list[str]:
        return sorted(code for code, _ in self.authorities.values()) + [NATIONAL]

    def count(self, scope: str, group: str, measure: str) -> int:
        return self.groups[scope, group, measure]

    def per_child_bands(self, scope: str) -> dict[str, int]:
        counts = self.per_child[scope]
        return {
            code: sum(n for k, n in counts.items() if k >= low and (high is None or k <= high))
            for code, _, low, high in PER_CHILD_BANDS
        }

    def mean_incidents_per_child(self, scope: str) -> float | None:
        counts = self.per_child[scope]
        children = sum(counts.values())
        return round(sum(k * n for k, n in counts.items()) / children, 2) if children else None

    def max_incidents_per_child(self, scope: str) -> int:
        return max(self.per_child[scope], default=0)

    def numbers(self) -> dict:
        """Every number of the tables, keyed: what the benchmark and tests compare across databases."""
        out: dict = {("groups", *k): v for k, v in self.groups.items() if v}
        out.update({("nationality", *k): v for k, v in self.nationality.items() if v})
        for scope, counts in self.per_child.items():
            out.update({("per_child", scope, k): v for k, v in counts.items() if v})
        out["linked_children"] = self.linked_children
        out["missing_from_more_than_one"] = self.missing_from_more_than_one
        out.update(
            {("also_missing_elsewhere", k): v for k, v in self.also_missing_elsewhere.items() if v}
        )
        out.update({("bases", *k): v for k, v in self.bases.items() if v})
        return out


@lru_cache(maxsize=4096)
def _child_contribution(
    groups: tuple[str, ...], went_m: bool, went_a: bool, still: bool, t18: bool
) -> tuple[tuple[str, str], ...]:
    """The (group, measure) cells one child with these groups and this history counts in."""
    out = []
    for g in groups:
        out.append((g, "children"))
        if went_m or went_a:
            out.append((g, "children_missing_or_away"))
        if went_m:
            out.append((g, "children_missing"))
        if went_a:
            out.append((g, "children_away"))
        if still:
            out.append((g, "children_still_missing"))
        if t18:
            out.append((g, "children_still_missing_turned_18"))
    return tuple(out)


def compute(
    start: dt.date,
    end: dt.date,
    run: Runner = django_runner,
    authorities: dict[int, tuple[str, str]] | None = None,
) -> PseudoTables:
    """The tables for the period from the current submissions. ``run`` executes one SQL
    statement (Django's connection by default; the benchmark passes DuckDB's)."""
    if authorities is None:
        authorities = {
            pk: (code, name)
            for pk, code, name in Submission.objects.filter(
                is_current=True, period_start=start, period_end=end
            ).values_list("authority_id", "authority__code", "authority__name")
        }
    code_of = {pk: code for pk, (code, _) in authorities.items()}
    tables = PseudoTables(start, end, authorities)
    rows = {name: run(sql, [start, end] * PARAMS_PER_QUERY[name]) for name, sql in SQL.items()}

    authority_of = dict(rows["submissions"])
    groups = tables.groups
    # Sum the rows per authority and combination of groups first, then give each group its share.
    combos: dict[tuple[str, int], list[int]] = {}
    width = 1 + len(CHILD_SUMS) + 1 + len(INCIDENT_SUMS)
    for row in rows["children"]:
        mask = sum(1 << i for i, on in enumerate(row[1 : _G + 1]) if on)
        scope, basis = code_of[row[0]], row[_G + 1]
        sums = combos.setdefault((scope, mask), [0] * width)
        for i, n in enumerate(row[_G + 2 :]):
            sums[i] += n or 0
        tables.bases[scope, basis] += row[_G + 2]
        tables.bases[NATIONAL, basis] += row[_G + 2]
    offset = 1 + len(CHILD_SUMS)
    for submission_id, mask, *counts in rows["incidents"]:
        sums = combos.setdefault((code_of[authority_of[submission_id]], mask), [0] * width)
        for i, n in enumerate(counts):
            sums[offset + i] += n or 0
    measures = ("children", *CHILD_SUMS, "incidents", *INCIDENT_SUMS)
    for (scope, mask), sums in combos.items():
        for i, group in enumerate(GROUP_CODES):
            if mask >> i & 1:
                for measure, n in zip(measures, sums, strict=True):
                    if n:
                        groups[scope, group, measure] += n
                        groups[NATIONAL, group, measure] += n
    for authority_id, nationality, gender, n, went in rows["nationality"]:
        for scope in (code_of[authority_id], NATIONAL):
            tables.nationality[scope, nationality, gender, "children"] += n
            tables.nationality[scope, nationality, gender, "children_missing_or_away"] += went
    for authority_id, incidents, n in rows["per_child"]:
        tables.per_child[code_of[authority_id]][incidents] += n
        tables.per_child[NATIONAL][incidents] += n

    _link(tables, rows["linked"], code_of)
    return tables


def _link(tables: PseudoTables, linked_rows: list[tuple], code_of: dict[int, str]) -> None:
    """Turn the national sums of records into counts of distinct children for the pseudo ids
    held by more than one authority: take each record's part out, put the child's in once. A
    child counts nationally where any of their records counts (in a group; missing in it...),
    except that identified anywhere beats suspected. So a child counted as missing in a group
    always has an incident counted in that group. Parts are counted by kind, expanded once."""
    people: dict[str, list[tuple]] = defaultdict(list)
    for row in linked_rows:
        people[row[0]].append(row)
    taken_out: Counter = Counter()  # (groups, went_m, went_a, still, t18) -> records
    put_in: Counter = Counter()  # frozenset of (group, measure) -> children
    nationality: Counter = Counter()
    per_child: Counter = Counter()
    for records in people.values():
        counted: set[tuple[str, str]] = set()
        identified = False
        total = 0
        went_in = set()
        for row in records:
            in_groups = tuple(g for g, on in zip(GROUP_CODES, row[2 : _G + 2], strict=True) if on)
            nat, gender, missing, away, r_still, r_t18, _basis = row[_G + 2 :]
            kind = (in_groups, missing > 0, away > 0, bool(r_still), bool(r_t18))
            taken_out[kind] += 1
            counted.update(_child_contribution(*kind))
            identified = identified or "trafficked_identified" in in_groups
            nationality[nat, gender, "children"] -= 1
            if missing + away:
                nationality[nat, gender, "children_missing_or_away"] -= 1
                per_child[missing + away] -= 1
                went_in.add(code_of[row[1]])
            total += missing + away
        if identified:  # as in the return: identified anywhere beats suspected
            counted = {key for key in counted if key[0] != "trafficked_suspected"}
        put_in[frozenset(counted)] += 1
        first = min(
            records, key=lambda r: code_of[r[1]]
        )  # nationality and gender as the first authority holds them
        nat, gender = first[_G + 2], first[_G + 3]
        nationality[nat, gender, "children"] += 1
        if total:
            nationality[nat, gender, "children_missing_or_away"] += 1
            per_child[total] += 1
        # One child nationally, of the basis their records share (the kind is in the hashed text)
        tables.bases[NATIONAL, records[0][-1]] -= len(records) - 1
        if len(went_in) > 1:
            tables.missing_from_more_than_one += 1
            for code in went_in:
                tables.also_missing_elsewhere[code] += 1
    tables.linked_children = len(people)
    groups = tables.groups
    for kind, n in taken_out.items():
        for key in _child_contribution(*kind):
            groups[NATIONAL, *key] -= n
    for counted, n in put_in.items():
        for key in counted:
            groups[NATIONAL, *key] += n
    for key, n in nationality.items():
        tables.nationality[NATIONAL, *key] += n
    for incidents, n in per_child.items():
        tables.per_child[NATIONAL][incidents] += n
    for counter in (groups, tables.nationality, tables.per_child[NATIONAL], tables.bases):
        for key in [k for k, v in counter.items() if v == 0]:
            del counter[key]


# --- who may read them, and the audit ------------------------------------------------------------


def latest_period() -> tuple[dt.date, dt.date] | None:
    row = (
        Submission.objects.filter(is_current=True)
        .order_by("-period_end", "-period_start")
        .values_list("period_start", "period_end")
        .first()
    )
    return tuple(row) if row else None


def check_one_key(start: dt.date, end: dt.date) -> None:
    """Pseudo ids made under different keys never match: refuse to link such submissions."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for key, code in (
        Submission.objects.filter(is_current=True, period_start=start, period_end=end)
        .order_by("authority__code")
        .values_list("key_id", "authority__code")
    ):
        by_key[key].append(code)
    if len(by_key) > 1:
        detail = "; ".join(
            f"key {key}: {', '.join(codes)}" for key, codes in sorted(by_key.items())
        )
        raise ValueError(
            f"The submissions for {start:%d/%m/%Y} to {end:%d/%m/%Y} were made under {len(by_key)} "
            f"different keys ({detail}), so their pseudo ids cannot be linked: the authorities "
            "under the old key must submit again"
        )


def check_one_rule(start: dt.date, end: dt.date) -> None:
    """Refuse to count a period in which a current submission was made under linkage rule 1
    and holds name-and-date ids: under that rule a child with no name (every child imported
    from an SSDA903 return) was linked on date of birth alone, so its children sharing a
    birthday are merged and linked to other authorities' children, and its records cannot be
    told apart from real name-and-date links. Its resubmission (made under the current rule)
    supersedes it. A rule-1 submission with no name-and-date id is the same under both rules."""
    earlier = Submission.objects.filter(
        is_current=True, period_start=start, period_end=end, linkage_rule__lt=LINKAGE_RULE
    )
    if not earlier.exists():  # the usual case: nothing more to read
        return
    old = list(
        earlier.filter(
            Exists(
                PseudoChild.objects.filter(
                    submission_id=OuterRef("pk"), key_basis=KeyBasis.NAME_DOB
                )
            )
        )
        .order_by("authority__code")
        .values_list("authority__code", "authority__name")
    )
    if old:
        names = ", ".join(f"{name} ({code})" for code, name in old)
        raise ValueError(
            f"The submissions for {start:%d/%m/%Y} to {end:%d/%m/%Y} of {len(old)} "
            f"authorit{'y' if len(old) == 1 else 'ies'} ({names}) were made before Visible stopped "
            "linking children on date of birth alone: a child with no name there may have been "
            "merged with another child born the same day, so the tables would miscount. Those "
            "authorities must submit their child-level records for the period again (the new "
            "submission replaces the old one)"
        )


def submission_bases(submission: Submission) -> Counter:
    """key basis -> children of one submission."""
    return Counter(
        dict(
            PseudoChild.objects.filter(submission=submission)
            .values_list("key_basis")
            .annotate(n=Count("pk"))
            .values_list("key_basis", "n")
        )
    )


NOT_LINKED_REASONS = {
    KeyBasis.AUTHORITY_903: "with no name, Home Office or NRM reference, known only by their "
    "authority's SSDA903 CHILD id",
    KeyBasis.AMBIGUOUS: "whose name and date of birth another child of the same authority shares",
    KeyBasis.AUTHORITY_RECORD: "with no name, reference or SSDA903 CHILD id, known only as "
    "their authority's record",
}


def not_linked_sentence(counts: dict, total: int | str | None = None) -> str:
    """'Children who could not be linked across authorities: N (a with no name...; b whose
    name...)'. ``counts``: basis -> children, as published (a number, or 'c' suppressed)."""
    if total is None:
        total = sum(counts.get(b, 0) for b in LOCAL_BASES)
    parts = [f"{_cell(counts[b])} {NOT_LINKED_REASONS[b]}" for b in LOCAL_BASES if counts.get(b, 0)]
    text = f"Children who could not be linked across authorities: {_cell(total)}"
    return f"{text} ({'; '.join(parts)})" if parts else text


def tables_for(
    viewer: Viewer, start: dt.date, end: dt.date, purpose: str = "national tables"
) -> PseudoTables:
    """The tables, if this viewer may read them; the read (or the refusal) is audited."""
    if not policy.can_read_tables(viewer):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="pseudo_tables",
            object_id=f"{start}..{end}",
            summary="Tried to read the national tables from pseudonymised child-level records",
            purpose=purpose,
        )
        raise PermissionDenied(
            "Only an analyst of the national body can read the national tables from "
            "child-level records"
        )
    check_one_key(start, end)
    check_one_rule(start, end)
    result = compute_on_database(start, end)
    record(
        viewer,
        AuditAction.COUNT,
        object_type="pseudo_tables",
        object_id=f"{start}..{end}",
        purpose=purpose,
        summary=f"Read the national tables from child-level records, {start:%d/%m/%Y} to {end:%d/%m/%Y}: "
        f"{len(result.authorities)} authorities",
        detail={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "authorities": len(result.authorities),
        },
    )
    return result


# --- as text, for the command line ---------------------------------------------------------------

GROUP_SHORT = {
    "trafficked_identified": "Identified",
    "trafficked_suspected": "Suspected",
    "trafficked": "Trafficked",
    "uasc": "UASC",
    "separated": "Separated",
    "unaccompanied": "Unaccomp.",
    "uasc_or_separated": "UASC/sep.",
    "any": "Any group",
}
BAND_SHORT = {
    "under_24_hours": "Under 24h",
    "1_to_7_days": "1-7 days",
    "over_7_days": "Over 7 days",
    "still_missing": "Still missing",
}


def _cell(published) -> str:
    return f"{published:,}" if isinstance(published, int) else str(published)


@dataclass
class TextTable:
    """One printed table: rows of counts, the sum relations it shows (for secondary
    suppression) and which cells are national totals (rounded to 10 when published)."""

    title: str
    rows: list[tuple[str, str]]  # (key, label)
    columns: list[tuple[str, str]]  # (key, label)
    values: dict[tuple[str, str], int | float | str]
    relations: list[disclosure.SumRelation] = field(default_factory=list)
    rounded: set[tuple[str, str]] = field(default_factory=set)
    counts: bool = True  # False: the cells are not counts (means, maxima) and are never suppressed

    def render(self, suppress: bool) -> list[str]:
        shown = self.values
        if suppress and self.counts:
            shown = disclosure.protect(self.values, self.relations, rounded=self.rounded).published
        width = max([len(label) for _, label in self.rows] + [12])
        lines = [
            self.title,
            " " * width + "".join(f"{label[:13]:>14}" for _, label in self.columns),
        ]
        for key, label in self.rows:
            lines.append(
                f"{label:<{width}}"
                + "".join(f"{_cell(shown[key, c]):>14}" for c, _ in self.columns)
            )
        return [*lines, ""]


def text_tables(tables: PseudoTables) -> list[TextTable]:
    """The printed tables: the national figures for every group and measure, then, by
    authority, the tables of the report's Appendix 3 that child-level data can give."""
    measure_labels = {m.code: m.label for m in MEASURES}
    groups = [(g.code, GROUP_SHORT.get(g.code, g.code)) for g in GROUPS]
    authorities = sorted(tables.authorities.values())
    rows = [(code, f"{name[:36]} ({code})") for code, name in authorities] + [
        (NATIONAL, "National")
    ]
    codes = [code for code, _ in authorities]
    out = []

    national = {(m, g): tables.count(NATIONAL, g, m) for m in MEASURE_CODES for g, _ in groups}
    relations = []
    for g, _ in groups:
        relations.append(
            disclosure.SumRelation(
                ("incidents", g), (("incidents_missing", g), ("incidents_away", g))
            )
        )
        relations.append(
            disclosure.SumRelation(
                ("incidents", g), tuple((f"incidents_{b}", g) for b, _ in DURATION_BANDS)
            )
        )
    out.append(
        TextTable(
            "National, every group (children are distinct children, linked by pseudo id)",
            [(m, measure_labels[m]) for m in MEASURE_CODES],
            groups,
            national,
            relations,
            set(national),
        )
    )

    def by_authority(title, columns, value, sums=None, national_is_sum=False, counts=True):
        values = {(r, c): value(r, c) for r, _ in rows for c, _ in columns}
        relations = []
        if sums:
            total, parts = sums
            relations += [
                disclosure.SumRelation((r, total), tuple((r, p) for p in parts)) for r, _ in rows
            ]
        if national_is_sum:
            relations += [
                disclosure.SumRelation((NATIONAL, c), tuple((r, c) for r in codes))
                for c, _ in columns
            ]
        out.append(
            TextTable(
                title, rows, columns, values, relations, {(NATIONAL, c) for c, _ in columns}, counts
            )
        )

    by_authority(
        "Children in each group, by authority", groups, lambda r, c: tables.count(r, c, "children")
    )
    by_authority(
        "Children who went missing or away, by group and authority",
        groups,
        lambda r, c: tables.count(r, c, "children_missing_or_away"),
    )
    by_authority(
        "Incidents of missing or away, by group and authority",
        groups,
        lambda r, c: tables.count(r, c, "incidents"),
        national_is_sum=True,
    )
    bands = [("incidents", "Incidents")] + [
        (f"incidents_{b}", BAND_SHORT[b]) for b, _ in DURATION_BANDS
    ]
    by_authority(
        "Incidents by length, by authority (any group)",
        bands,
        lambda r, c: tables.count(r, "any", c),
        sums=("incidents", [b for b, _ in bands[1:]]),
        national_is_sum=True,
    )
    still = [
        ("children_still_missing", "Children"),
        ("children_still_missing_turned_18", "Turned 18"),
        ("incidents_still_missing", "Incidents"),
    ]
    by_authority(
        "Still missing at the end of the period, by authority (any group)",
        still,
        lambda r, c: tables.count(r, "any", c),
    )
    per_child = [(code, label) for code, label, *_ in PER_CHILD_BANDS]
    by_authority(
        "Children who went missing or away, by number of incidents and authority",
        per_child,
        lambda r, c: tables.per_child_bands(r)[c],
    )
    by_authority(
        "Incidents per child, by authority",
        [("mean", "Mean"), ("max", "Most")],
        lambda r, c: (
            (tables.mean_incidents_per_child(r) or "z")
            if c == "mean"
            else tables.max_incidents_per_child(r)
        ),
        counts=False,
    )
    went = Counter(
        {
            (n, g): v
            for (s, n, g, m), v in tables.nationality.items()
            if s == NATIONAL and m == "children_missing_or_away"
        }
    )
    nationalities = sorted(
        {n for n, _ in went}, key=lambda n: (-sum(v for (k, _), v in went.items() if k == n), n)
    )
    genders = sorted({g for _, g in went})
    values = disclosure.crosstab_values(went, nationalities, genders)
    out.append(
        TextTable(
            "Children who went missing or away, by nationality and gender (national)",
            [(n, n) for n in nationalities] + [(disclosure.TOTAL, "All")],
            [(g, g) for g in genders] + [(disclosure.TOTAL, "All")],
            values,
            disclosure.crosstab_relations(nationalities, genders),
            set(values),
        )
    )
    basis_columns = [
        (KeyBasis.HOME_OFFICE.value, "Home Office reference"),
        (KeyBasis.NRM.value, "NRM reference"),
        (KeyBasis.NAME_DOB.value, "Name and date of birth"),
        (KeyBasis.AUTHORITY_903.value, "Not linked: no name or reference"),
        (KeyBasis.AMBIGUOUS.value, "Not linked: name shared"),
        (KeyBasis.AUTHORITY_RECORD.value, "Not linked: no identifier"),
        ("not_linked", "Not linked, all"),
        ("children", "Children"),
    ]
    values = {}
    relations = []
    for r, _ in rows:
        for basis, _ in basis_columns[:6]:
            values[r, basis] = tables.bases[r, basis]
        values[r, "not_linked"] = tables.not_linkable(r)
        values[r, "children"] = sum(tables.bases[r, b] for b, _ in basis_columns[:6])
        relations.append(
            disclosure.SumRelation((r, "not_linked"), tuple((r, b.value) for b in LOCAL_BASES))
        )
        relations.append(
            disclosure.SumRelation((r, "children"), tuple((r, b) for b, _ in basis_columns[:6]))
        )
    out.append(
        TextTable(
            "Children by how they could be linked across authorities (the identifier their "
            "pseudo id was made from), by authority",
            rows,
            basis_columns,
            values,
            relations,
            {(NATIONAL, c) for c, _ in basis_columns},
        )
    )
    values: dict[tuple[str, str], int | float | str] = {
        (str(r), "also"): (
            tables.also_missing_elsewhere[r] if r != NATIONAL else tables.missing_from_more_than_one
        )
        for r, _ in rows
    }
    out.append(
        TextTable(
            "Children who went missing or away here and from another authority (linked by pseudo id)",
            rows,
            [("also", "Children")],
            values,
            [],
            {(NATIONAL, "also")},
        )
    )
    return out


def render_text(tables: PseudoTables, suppress: bool = False) -> str:
    """The tables as plain text; with ``suppress``, disclosure control (rulebook section 8):
    counts 1-5 as c with secondary suppression along every total shown, national figures
    rounded to 10."""
    lines = [
        f"National tables from pseudonymised child-level records, {tables.start:%d/%m/%Y} to "
        f"{tables.end:%d/%m/%Y}: {len(tables.authorities)} authorities submitted"
        f"{' (disclosure control applied)' if suppress else ' (unsuppressed: not for publication)'}.",
        "",
    ]
    for table in text_tables(tables):
        lines += table.render(suppress)
    lines += summary_lines(tables, suppress)
    return "\n".join(lines) + "\n"


def summary_lines(tables: PseudoTables, suppress: bool = False) -> list[str]:
    """The national linkage figures in words: children held by more than one authority, who
    went missing from more than one, and who could not be linked across authorities and why."""
    totals: dict = {
        "linked": tables.linked_children,
        "missing": tables.missing_from_more_than_one,
        "not_linked": tables.not_linkable(NATIONAL),
        **{b.value: tables.bases[NATIONAL, b] for b in LOCAL_BASES},
    }
    if suppress:
        relation = disclosure.SumRelation("not_linked", tuple(b.value for b in LOCAL_BASES))
        totals = disclosure.protect(totals, [relation], rounded=set(totals)).published
    lines = [
        f"Children held by more than one authority: {_cell(totals['linked'])}",
        f"Children who went missing or away from more than one authority: {_cell(totals['missing'])}",
        not_linked_sentence(totals, totals["not_linked"]) + ".",
    ]
    if tables.not_linkable(NATIONAL):
        lines.append(
            "Each child who could not be linked counts once in every authority that holds them: "
            "the national counts of children are distinct children only as far as they could be "
            "linked."
        )
    return lines
