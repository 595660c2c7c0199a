"""Benchmark: `visible import register` of a 10,000-row register file (issue 15, point 5).

Setup (not timed): a fresh database (SQLite, or PostgreSQL with --postgres) with Croydon's
children's services; a synthetic register file (Faker en_GB, tests/register/files.py) of
ROWS children, CSV and XLSX.

Timed, each a whole import (read, check, compare, write with the audit events):
1. the CSV into an empty register: every child added, with names, nationality, languages,
   other names and a flag each;
2. the same file again: nothing changes (the idempotent case);
3. the file with every child's nationality and a new flag changed: every child updated;
4. the XLSX form of the first file, into another council's empty register.

Target: each under a few seconds (the issue: "a 10,000-row file should import in a few
seconds"); 5 s is the line drawn here.

    .venv/bin/python -m bench.bench_register_import              # SQLite
    .venv/bin/python -m bench.bench_register_import --postgres   # PostgreSQL

Appends a block to bench/results/register-import.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from bench._harness import append_result, fresh_database, load_average

TARGET_SECONDS = 5.0
CROYDON, KENT = "E09000008", "E10000016"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    engine = "postgresql" if args.postgres else "sqlite"
    with fresh_database(engine, "visible_bench_register_import"):
        from tests.factories import make_council
        from tests.register.files import csv_bytes, rows_for, xlsx_bytes

        from visible.children.models import Child
        from visible.reference.load import load_authorities
        from visible.register.importer import import_register

        load_authorities()
        make_council(CROYDON)
        make_council(KENT)
        today = dt.date.today()
        ids = [
            (
                f"R{n:06d}",
                today - dt.timedelta(days=365 * 10 + n % 2500),
                today - dt.timedelta(days=30 + n % 700),
            )
            for n in range(args.rows)
        ]
        rows = rows_for(ids)
        first = csv_bytes(rows)
        changed = csv_bytes(
            [dict(r, nationality="SDN", flags=r["flags"] + f"; cse:{today:%d/%m/%Y}") for r in rows]
        )
        workbook = xlsx_bytes(rows)
        lines = [
            f"- database {engine}; {args.rows:,} rows; CSV {len(first) / 1e6:.1f} MB, XLSX "
            f"{len(workbook) / 1e6:.1f} MB",
            f"- machine load average before the runs: {load_average()} (2 cores, shared)",
        ]
        for label, name, raw, council in (
            ("into an empty register (every child added)", "register.csv", first, CROYDON),
            ("the same file again (nothing changes)", "register.csv", first, CROYDON),
            ("every child's nationality and a flag changed", "register.csv", changed, CROYDON),
            ("XLSX into another empty register", "register.xlsx", workbook, KENT),
        ):
            start, cpu = time.perf_counter(), os.times()
            outcome = import_register(name, raw, council)
            wall = time.perf_counter() - start
            used = sum(os.times()[:2]) - sum(cpu[:2])
            assert outcome.imported, outcome.report.as_text()[:2000]
            verdict = "PASS" if wall < TARGET_SECONDS else "FAIL"
            lines.append(
                f"- {label}: **{wall:.2f} s** wall, {used:.2f} s CPU ({outcome.summary()}) "
                f"(target under {TARGET_SECONDS:.0f} s: **{verdict}**)"
            )
        assert Child.objects.count() == 2 * args.rows
        append_result("register-import.md", f"Register import, {engine}", lines)


if __name__ == "__main__":
    main()
