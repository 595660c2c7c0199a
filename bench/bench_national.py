"""Benchmark: the national tables for every UK authority over ten collection years.

Target (issue 5): all national tables for 217 authorities x 10 collection years of returns in
under 1 s. The register: ten collections (September to August, 2015/16 to 2024/25), each
addressed to every children's services authority in force, answered as in the report (about
an eighth giving no information, some with no such children, a few partial), every full
return with nationality breakdowns and its list of incidents (visible.demo.synthetic.returns).

Measured, median of repeated runs, in one process:
- every table (the Appendix 3 set: statuses, overall, per authority, regional, two top tens,
  four nationality tables, incidents per child, durations, still missing) for all ten
  collections, plus the trend across them, each published with disclosure control: the target;
- the same for the latest collection only (what the tables page computes);
- baseline: reading every latest return's counts from the database, and nothing else.

    .venv/bin/python -m bench.bench_national              # SQLite, temporary file
    .venv/bin/python -m bench.bench_national --postgres   # PostgreSQL database visible_bench_national

Each run appends a block to bench/results/national.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from bench._harness import RESULTS, append_result, fresh_database, load_average, median_ms

TARGET_MS = 1000.0
YEARS = 10
HEADER = """# National tables benchmark

Every national table for every collection, 10 collection years x every UK children's services
authority. Target: under 1 s. Run with `.venv/bin/python -m bench.bench_national` (SQLite) and
`--postgres`; each run appends a block below. "x baseline" divides by reading the latest
returns' counts alone, in the same run.

"""


def run(engine: str, runs: int) -> bool:
    with fresh_database(engine, "visible_bench_national"):
        from django.db import connection

        from visible.agencies.models import Membership, Organisation, OrganisationKind, Role
        from visible.agencies.viewer import viewer_for
        from visible.demo.synthetic.returns import fill_collection
        from visible.national import actions, tables
        from visible.national.models import Submission

        if not (RESULTS / "national.md").exists():
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / "national.md").write_text(HEADER, encoding="utf-8")
        load_before = load_average()
        started = time.perf_counter()
        from django.contrib.auth import get_user_model

        body = Organisation.objects.create(
            name="National body (bench)", kind=OrganisationKind.NATIONAL_BODY
        )
        user = get_user_model().objects.create_user("analyst.bench", password="x")
        Membership.objects.create(user=user, organisation=body, role=Role.ANALYST)
        viewer = viewer_for(user)
        collections = []
        for year in range(2015, 2015 + YEARS):
            collection = actions.open_collection(
                viewer,
                f"Missing children {year} to {year + 1}",
                dt.date(year, 9, 1),
                dt.date(year + 1, 8, 31),
                dt.date(year + 1, 11, 30),
            )
            fill_collection(viewer, collection, seed=year)
            collections.append(collection)
        setup = time.perf_counter() - started
        if engine == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        submissions = Submission.objects.count()
        authorities = collections[-1].requests.count()
        incidents = sum(
            len(d or []) for d in Submission.objects.values_list("document__incidents", flat=True)
        )

        def everything():
            collected = {}
            for collection in collections:
                collected[collection.pk] = data = tables.collect(collection)
                for table in tables.all_tables(data):
                    table.published(suppress=True)
            tables.trend(collections, collected).published(suppress=True)

        def latest_only():
            for table in tables.all_tables(tables.collect(collections[-1])):
                table.published(suppress=True)

        def baseline():
            list(Submission.objects.values_list("request_id", "version", "document__counts"))

        all_ms = median_ms(everything, runs, warmup=1)
        latest_ms = median_ms(latest_only, runs, warmup=1)
        base_ms = median_ms(baseline, runs, warmup=1)
        version = (
            connection.cursor().connection.execute("select sqlite_version()").fetchone()[0]
            if engine == "sqlite"
            else connection.cursor().connection.info.server_version
        )
        passed = all_ms < TARGET_MS
        append_result(
            "national.md",
            f"National tables, {engine}",
            [
                f"- machine load average {load_before} before, {load_average()} after; database {engine} {version}",
                f"- {YEARS} collections x {authorities} authorities: {submissions:,} returns stored "
                f"({incidents:,} incidents listed in them); set up in {setup:.0f} s",
                f"- every table of every collection, plus the trend, published: median of {runs} **{all_ms:.0f} ms**",
                f"- the latest collection's tables (the tables page): {latest_ms:.0f} ms",
                f"- baseline, reading every return's counts: {base_ms:.1f} ms; ratio **{all_ms / base_ms:.1f}**",
                f"- target under {TARGET_MS:.0f} ms: **{'PASS' if passed else 'FAIL'}**",
            ],
        )
        return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432 instead of SQLite"
    )
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    return 0 if run("postgresql" if args.postgres else "sqlite", args.runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
