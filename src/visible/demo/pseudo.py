"""Synthetic pseudonymised submissions, straight into the national body's tables: for the
benchmark (a million children, two million episodes) and for the test that checks DuckDB and
the database give the same tables. No register is involved and no person is made: a pseudo
id here is a keyed hash of a running number.

Deterministic: the same seed, authorities and sizes give the same rows. Shares, roughly as in
*Heading back to harm* and the DfE's children looked after statistics: most children UASC,
fewer separated or unaccompanied, about one in five suspected or identified as trafficked; a
trafficked child is about twice as likely to go missing; repeat missing concentrated on a few
children (a heavy-tailed number of incidents each); most incidents under 24 hours, about a
third longer than a day, a few still open at the end; a small share of children held by two
or three authorities (the links the tables count); about one in seven known only by the
authority's own SSDA903 CHILD id (imported, no name yet), never linked.

The rows are written as CSV text once; PostgreSQL loads it with COPY, DuckDB with read_csv,
SQLite (small data sets) with executemany of the same values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from collections import Counter
from dataclasses import dataclass, field

from visible.pseudo.models import (
    LINKAGE_RULE,
    LOCAL_BASES,
    KeyBasis,
    PseudoChild,
    PseudoEpisode,
    Submission,
)
from visible.returns.foi import GROUPS

GENDERS = (("boy", 70), ("girl", 27), ("non_binary", 1), ("not_known", 2))
NATIONALITIES = (
    ("VNM", 14),
    ("ALB", 13),
    ("ERI", 12),
    ("AFG", 12),
    ("SDN", 9),
    ("GBR", 10),
    ("IRQ", 6),
    ("IRN", 6),
    ("SYR", 4),
    ("EGY", 3),
    ("ETH", 3),
    ("KWT", 1),
    ("ROU", 2),
    ("POL", 1),
    ("NGA", 1),
    ("CHN", 1),
    ("XXA", 1),
    ("XXX", 1),
)
KEY_BASES = (
    ("home_office", 50),
    ("nrm", 10),
    ("name_dob", 25),
    ("authority_903", 13),  # imported from an SSDA903 return, no name yet: never linked
    ("ambiguous", 1),
    ("authority_record", 1),
)
DISTRICTS = (
    "CR0",
    "CR2",
    "ME14",
    "CT1",
    "UB3",
    "RM17",
    "M1",
    "B1",
    "LS1",
    "G1",
    "CF10",
    "BT1",
    "NE1",
    "BS1",
)
BANDS = (("under_24_hours", 55), ("1_to_7_days", 31), ("over_7_days", 12), ("still_missing", 2))
HOURS = {
    "under_24_hours": (0, 23),
    "1_to_7_days": (24, 167),
    "over_7_days": (169, 2000),
    "still_missing": (24, 4000),
}

CHILD_COLUMNS = (
    "id",
    "submission_id",
    "authority_id",
    "pseudo_id",
    "key_basis",
    "birth_month",
    "gender",
    "nationality",
    "district",
    "placed_in",
    "in_trafficked_identified",
    "in_trafficked_suspected",
    "in_trafficked",
    "in_uasc",
    "in_separated",
    "in_unaccompanied",
    "in_uasc_or_separated",
    "in_any",
    "incidents_missing",
    "incidents_away",
    "still_missing",
    "turned_18_missing",
    "linked",
)
EPISODE_COLUMNS = (
    "id",
    "submission_id",
    "child_id",
    "category",
    "start_month",
    "hours",
    "band",
    "still_missing",
    "turned_18",
    "started_before",
    "groups",
)
SUBMISSION_COLUMNS = (
    "id",
    "authority_id",
    "period_start",
    "period_end",
    "version",
    "is_current",
    "submitted_at",
    "submitted_by",
    "submitted_by_organisation",
    "key_id",
    "children",
    "episodes",
    "records_merged",
    "digest",
    "linkage_rule",
)
assert [c.removeprefix("in_") for c in CHILD_COLUMNS[10:18]] == [g.code for g in GROUPS], (
    "GROUPS changed: update CHILD_COLUMNS"
)
DUCKDB_TYPES = {
    Submission._meta.db_table: "id BIGINT, authority_id BIGINT, period_start DATE, period_end DATE, version INTEGER, "
    "is_current BOOLEAN, submitted_at TIMESTAMPTZ, submitted_by VARCHAR, submitted_by_organisation VARCHAR, "
    "key_id VARCHAR, children INTEGER, episodes INTEGER, records_merged INTEGER, digest VARCHAR, "
    "linkage_rule SMALLINT",
    PseudoChild._meta.db_table: "id BIGINT, submission_id BIGINT, authority_id BIGINT, pseudo_id VARCHAR, "
    "key_basis VARCHAR, birth_month DATE, gender VARCHAR, nationality VARCHAR, district VARCHAR, placed_in VARCHAR, "
    + ", ".join(f"{c} BOOLEAN" for c in CHILD_COLUMNS[10:18])
    + ", incidents_missing INTEGER, incidents_away INTEGER, still_missing BOOLEAN, turned_18_missing BOOLEAN, "
    "linked BOOLEAN",
    PseudoEpisode._meta.db_table: "id BIGINT, submission_id BIGINT, child_id BIGINT, category VARCHAR, "
    "start_month DATE, hours INTEGER, band VARCHAR, still_missing BOOLEAN, turned_18 BOOLEAN, started_before BOOLEAN, "
    "groups SMALLINT",
}


@dataclass
class Dataset:
    start: dt.date
    end: dt.date
    authorities: dict[int, tuple[str, str]]  # id -> (code, name)
    submissions: list[tuple] = field(default_factory=list)
    children: list[tuple] = field(default_factory=list)
    episodes: list[tuple] = field(default_factory=list)

    def csv(self, table: str) -> str:
        rows = {
            Submission._meta.db_table: self.submissions,
            PseudoChild._meta.db_table: self.children,
            PseudoEpisode._meta.db_table: self.episodes,
        }[table]
        out = io.StringIO()
        for row in rows:
            out.write(",".join(_csv_value(v) for v in row))
            out.write("\n")
        return out.getvalue()


def _csv_value(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def generate(
    authorities: dict[int, tuple[str, str]],
    children: int,
    episodes: int,
    seed: int = 1,
    start: dt.date = dt.date(2025, 4, 1),
    end: dt.date = dt.date(2026, 3, 31),
    linked_share: float = 0.03,
    missing_share: float = 0.2,
) -> Dataset:
    """``children`` records across the authorities (one current submission each) with exactly
    ``episodes`` episodes among the children who went missing or away."""
    if episodes and episodes < children * missing_share:
        raise ValueError("episodes must be at least the number of children who went missing")
    rng = random.Random(seed)
    data = Dataset(start, end, dict(authorities))
    ids = sorted(authorities)
    sizes = [rng.paretovariate(1.3) for _ in ids]
    total = sum(sizes)
    counts = [int(children * s / total) for s in sizes]
    counts[max(range(len(ids)), key=lambda i: sizes[i])] += children - sum(counts)
    submitted = dt.datetime.combine(end, dt.time(12), tzinfo=dt.UTC)
    for sid, aid in enumerate(ids, start=1):
        data.submissions.append(
            (
                sid,
                aid,
                start,
                end,
                1,
                True,
                submitted.isoformat(),
                "<synthetic>",
                "Synthetic",
                "synthetic",
                counts[sid - 1],
                0,
                0,
                "0" * 64,
                LINKAGE_RULE,
            )
        )

    # Who each record is: a new child, or (linked_share) a child another authority also holds.
    key = seed.to_bytes(8, "big")
    owner_of: list[int] = []  # record -> authority index
    for i, n in enumerate(counts):
        owner_of.extend([i] * n)
    person = list(range(children))
    held: set[tuple[int, int]] = set()
    for record in range(children):
        if record and rng.random() < linked_share:
            other = rng.randrange(record)  # an earlier record: its person is settled
            if (
                owner_of[other] != owner_of[record]
                and (owner_of[record], person[other]) not in held
            ):
                person[record] = person[other]
        held.add((owner_of[record], person[record]))

    records_of = Counter(person)
    genders = rng.choices([g for g, _ in GENDERS], [w for _, w in GENDERS], k=children)
    nationalities = rng.choices(
        [n for n, _ in NATIONALITIES], [w for _, w in NATIONALITIES], k=children
    )
    bases = rng.choices([b for b, _ in KEY_BASES], [w for _, w in KEY_BASES], k=children)
    # A person's records share the basis of their first; a person held by two authorities has
    # a national one (an id made from the authority's own CHILD id never links).
    first_basis: dict[int, str] = {}
    for record in range(children):
        basis = first_basis.setdefault(person[record], bases[record])
        if records_of[person[record]] > 1 and basis in LOCAL_BASES:
            basis = first_basis[person[record]] = KeyBasis.HOME_OFFICE.value
        bases[record] = basis
    births = _months(dt.date(start.year - 18, start.month, 1), dt.date(end.year - 13, end.month, 1))

    rows = []
    for record in range(children):
        draw = rng.random
        identified = draw() < 0.06
        suspected = not identified and draw() < 0.14
        uasc = draw() < 0.62
        separated = draw() < 0.22
        unaccompanied = draw() < 0.1
        if not (identified or suspected or uasc or separated or unaccompanied):
            separated = True
        pid = hashlib.blake2b(str(person[record]).encode(), digest_size=16, key=key).hexdigest()
        a = owner_of[record]
        rows.append(
            [
                record + 1,
                a + 1,
                ids[a],
                pid,
                bases[record],
                births[int(draw() * len(births))],
                genders[record],
                nationalities[record],
                DISTRICTS[int(draw() * len(DISTRICTS))],
                authorities[ids[a]][0],
                identified,
                suspected,
                identified or suspected,
                uasc,
                separated,
                unaccompanied,
                uasc or separated or unaccompanied,
                True,
                0,
                0,
                False,
                False,
                records_of[person[record]] > 1,
            ]
        )

    # Who went missing (a trafficked child about twice as often), and how many times each.
    went = [
        r for r in range(children) if rng.random() < (missing_share * (1.8 if rows[r][12] else 0.9))
    ]
    went = went[:episodes] if episodes else []
    per_child = Counter({r: 1 for r in went})
    if went and episodes > len(went):
        weights = [min(rng.paretovariate(1.4), 60.0) for _ in went]
        per_child.update(rng.choices(went, weights, k=episodes - len(went)))
    months = _months(start, end)
    before = start.replace(day=1) - dt.timedelta(days=1)
    band_names, band_weights = [b for b, _ in BANDS], [w for _, w in BANDS]
    episode_id = 0
    for r in sorted(per_child):
        row = rows[r]
        n = per_child[r]
        mask = sum(1 << i for i, on in enumerate(row[10:18]) if on)
        bands = rng.choices(band_names, band_weights, k=n)
        open_one = False
        for band in bands:
            if band == "still_missing":
                if open_one:
                    band = "over_7_days"  # one open episode at a time
                open_one = True
            low, high = HOURS[band]
            started_before = rng.random() < 0.04
            month = (
                before.replace(day=1) if started_before else months[int(rng.random() * len(months))]
            )
            category = "M" if rng.random() < 0.8 else "A"
            still = band == "still_missing"
            turned_18 = still and rng.random() < 0.1
            episode_id += 1
            data.episodes.append(
                (
                    episode_id,
                    row[1],
                    row[0],
                    category,
                    month,
                    rng.randint(low, high),
                    band,
                    still,
                    turned_18,
                    started_before,
                    mask,
                )
            )
            row[18 if category == "M" else 19] += 1
            row[20] = row[20] or still
            row[21] = row[21] or turned_18
    data.children = [tuple(r) for r in rows]
    episodes_by_submission = Counter(e[1] for e in data.episodes)
    data.submissions = [(*s[:11], episodes_by_submission[s[0]], *s[12:]) for s in data.submissions]
    return data


# --- loading ----------------------------------------------------------------------------------------


def load_database(data: Dataset) -> None:
    """Into Django's database, replacing what the three tables held: COPY on PostgreSQL,
    batched INSERTs elsewhere (ADR 0004's pattern). Ids are the data's own."""
    from django.db import connection, transaction

    tables = (
        (Submission, SUBMISSION_COLUMNS, data.submissions),
        (PseudoChild, CHILD_COLUMNS, data.children),
        (PseudoEpisode, EPISODE_COLUMNS, data.episodes),
    )
    with transaction.atomic():
        for model, _, _ in reversed(tables):
            model.objects.all()._raw_delete(model.objects.db)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model, columns, _ in tables:
                    table = model._meta.db_table
                    with cursor.cursor.copy(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
                    ) as copy:
                        text = data.csv(table)
                        for start in range(0, len(text), 8 << 20):
                            copy.write(text[start : start + (8 << 20)])
                for model, _, _ in tables:
                    table = model._meta.db_table
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
        else:
            with connection.cursor() as cursor:
                for model, columns, rows in tables:
                    sql = (
                        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
                        f"VALUES ({', '.join(['%s'] * len(columns))})"
                    )
                    for start in range(0, len(rows), 5000):
                        cursor.executemany(sql, rows[start : start + 5000])


def load_duckdb(data: Dataset, con, folder) -> None:
    """Into a DuckDB connection, from the same CSV text PostgreSQL loads (files in ``folder``)."""
    from pathlib import Path

    for table, types in DUCKDB_TYPES.items():
        path = Path(folder) / f"{table}.csv"
        path.write_text(data.csv(table), encoding="utf-8")
        columns = (
            "{"
            + ", ".join(f"'{c.split()[0]}': '{' '.join(c.split()[1:])}'" for c in types.split(", "))
            + "}"
        )
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header=false, columns={columns})"
        )
