"""Benchmark: `visible generate --national --children 100000 --seed 1` on a fresh database.

Target: under 60 seconds on SQLite (and measured on PostgreSQL too). A national run of 10,000
children is timed in the same process as a baseline, generated and then rolled back so the big
run still starts from an empty register: "per 10k" is the big run's time for each 10,000
children divided by the baseline's, which is near 1 when generation scales linearly and says
the same thing on a fast or a slow machine.

    .venv/bin/python -m bench.bench_generate              # SQLite, temporary file
    .venv/bin/python -m bench.bench_generate --postgres   # PostgreSQL database visible_bench, made and dropped

Each run appends a block to bench/results/generate.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time

from bench._harness import append_result, fresh_database, load_average

TARGET_SECONDS = 60.0
BASELINE_CHILDREN = 10_000


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(os.cpu_count())


def _database_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]} (database visible_bench, made and dropped by the run)"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (temporary file, WAL)"


def run(engine: str, children: int, seed: int) -> bool:
    load_before = load_average()
    with fresh_database(engine, "visible_bench"):
        from django.db import transaction

        from visible.children.models import Child
        from visible.demo.synthetic.generate import generate

        # Baseline: the same national generation at a tenth of the size, undone afterwards.
        with transaction.atomic():
            started = time.perf_counter()
            baseline = generate(
                authorities=None,
                national=True,
                children=BASELINE_CHILDREN,
                seed=seed,
                progress=False,
            )
            baseline_seconds = time.perf_counter() - started
            transaction.set_rollback(True)
        assert not Child.objects.exists(), "the baseline should have been rolled back"

        started = time.perf_counter()
        summary = generate(
            authorities=None, national=True, children=children, seed=seed, progress=False
        )
        seconds = time.perf_counter() - started
        assert Child.objects.count() == children

        per_10k = seconds / (children / 10_000)
        passed = seconds < TARGET_SECONDS
        append_result(
            "generate.md",
            f"generate --national --children {children:,} --seed {seed}: {engine}",
            [
                f"- machine: nproc {_nproc()}; load average {load_before} before, {load_average()} after",
                f"- database: {_database_version()}",
                f"- national run: {summary.children:,} children in {summary.authorities} authorities in **{seconds:.1f} s** "
                f"({summary.children / seconds:,.0f} children/s)",
                f"- rows written: {summary.flags:,} flags, {summary.placements:,} placements, "
                f"{summary.nrm_referrals:,} NRM referrals, {summary.age_assessments:,} age assessments, "
                f"{summary.guardians:,} guardians, {summary.other_names:,} other names",
                f"- baseline: {baseline.children:,} children in {baseline_seconds:.1f} s; "
                f"big run per 10k children {per_10k:.2f} s, ratio to baseline **{per_10k / baseline_seconds:.2f}**",
                f"- target under {TARGET_SECONDS:.0f} s: **{'PASS' if passed else 'FAIL'}**",
            ],
        )
        return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432 instead of SQLite"
    )
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    passed = run("postgresql" if args.postgres else "sqlite", args.children, args.seed)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
