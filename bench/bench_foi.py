"""Benchmark for `visible foi-return` (issue 4, Performance): an authority with ten years of
data answers the report's data request in under 1 s.

Ten years: the synthetic generator makes a register that looks current (children in care
now, with their history), so it runs twice for the same authority, once with the clock set
five years back (freezegun) and once today: two cohorts of children whose flags, placements
and episodes together cover ten years. Setup, not timed.

Timed (median of repeated runs, each a fresh count):
- count: returns.foi.count_return for one year (the report's period: a year ending on the
  last 31 March) and for the whole ten years;
- the command's work: counting plus the JSON document with disclosure control (every count
  through returns/disclosure.py, secondary suppression over the whole return), for the year
  and for ten years; and the XLSX for the year.
Baseline in the same run: counting the authority's episodes in the period with one
aggregate query, the least any answer could cost; the ratio says what the rest costs.

    .venv/bin/python -m bench.bench_foi              # SQLite
    .venv/bin/python -m bench.bench_foi --postgres   # PostgreSQL
    .venv/bin/python -m bench.bench_foi --children 3000 --runs 5

Appends a block to bench/results/foi.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from bench._harness import append_result, fresh_database, load_average, median_ms

TARGET_MS = 1000.0
AUTHORITY = "E10000016"  # Kent: the most unaccompanied children of any authority in the report


def _database() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (file, WAL)"


def timed(fn, runs: int, warmup: int = 2) -> tuple[float, float, float]:
    """Median and fastest wall time, and median CPU time of the process itself, in ms. On a
    machine shared with other jobs the wall time waits for the CPU; the CPU time is what the
    work costs (the load average is recorded beside them)."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), min(wall), statistics.median(cpu)


def run(engine: str, children: int, per_child: float, runs: int, seed: int) -> bool:
    load_before = load_average()
    with fresh_database(engine, "visible_ret_bench_foi"):
        from django.db import connection
        from django.utils import timezone
        from freezegun import freeze_time

        from visible.demo.synthetic.generate import generate
        from visible.missing.models import Episode
        from visible.reference.models import Authority
        from visible.returns import foi, formats

        today = timezone.localdate()
        started = time.perf_counter()
        earlier = today.replace(year=today.year - 5)
        with freeze_time(dt.datetime.combine(earlier, dt.time(12))):
            generate(
                authorities=[AUTHORITY],
                national=False,
                children=children // 2,
                seed=seed,
                progress=False,
                episodes_per_child=per_child,
            )
        generate(
            authorities=[AUTHORITY],
            national=False,
            children=children - children // 2,
            seed=seed + 1,
            progress=False,
            episodes_per_child=per_child,
        )
        if engine == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        setup_seconds = time.perf_counter() - started
        authority = Authority.objects.get(code=AUTHORITY)

        year_end = dt.date(today.year if today.month > 3 else today.year - 1, 3, 31)
        year = (dt.date(year_end.year - 1, 4, 1), year_end)
        decade = (today.replace(year=today.year - 10), today)
        episodes = Episode.objects.filter(child__responsible_organisation__authority=authority)
        first = episodes.order_by("last_seen_at").values_list("last_seen_at", flat=True).first()

        def count(period):
            return lambda: foi.count_return([authority], *period)

        def document(period):
            return lambda: formats.to_json(
                formats.published(foi.count_return([authority], *period), suppress=True)
            )

        def baseline(period):
            start, end = foi.period_bounds(*period)
            return lambda: episodes.filter(last_seen_at__lt=end, last_seen_at__gte=start).count()

        sizes = {}
        for label, period in (("one year", year), ("ten years", decade)):
            result = foi.count_return([authority], *period)
            sizes[label] = (len(result.children), len(result.incidents))

        def xlsx(period):
            return lambda: formats.render(foi.count_return([authority], *period), "xlsx")

        work = [
            ("count, one year", count(year), "one year"),
            ("count, ten years", count(decade), "ten years"),
            ("count + JSON with disclosure control, one year", document(year), "one year"),
            ("count + JSON with disclosure control, ten years", document(decade), "ten years"),
            ("count + XLSX, one year", xlsx(year), "one year"),
        ]
        timings = [(label, *timed(fn, runs), period) for label, fn, period in work]
        base = {
            label: median_ms(baseline(period), runs)
            for label, period in (("one year", year), ("ten years", decade))
        }
        passed = all(ms < TARGET_MS for _, ms, _, _, _ in timings[:4])
        lines = [
            f"- machine load average {load_before} before, {load_average()} after; database {_database()}",
            f"- authority {authority.name} ({AUTHORITY}): {children:,} children generated in two cohorts five years "
            f"apart, {episodes.count():,} episodes, the first on {first:%d/%m/%Y}; setup {setup_seconds:.0f} s",
            f"- one year = {year[0]:%d/%m/%Y} to {year[1]:%d/%m/%Y}: {sizes['one year'][0]:,} children in scope, "
            f"{sizes['one year'][1]:,} incidents; ten years = {decade[0]:%d/%m/%Y} to {decade[1]:%d/%m/%Y}: "
            f"{sizes['ten years'][0]:,} children, {sizes['ten years'][1]:,} incidents",
            f"- baseline, one aggregate query counting the period's episodes: {base['one year']:.1f} ms (one year), "
            f"{base['ten years']:.1f} ms (ten years)",
            "",
            f"| {runs} runs | median ms | fastest ms | CPU ms (median) | median x baseline | under 1 s? |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for label, ms, fastest, cpu, period in timings:
            lines.append(
                f"| {label} | **{ms:.1f}** | {fastest:.1f} | {cpu:.1f} | {ms / base[period]:.0f} | "
                f"{'yes' if ms < TARGET_MS else 'NO'} |"
            )
        lines.append(
            f"\nTarget: `visible foi-return` (counting and the JSON, with or without disclosure control) for an "
            f"authority with ten years of data in under 1 s, median wall time: **{'PASS' if passed else 'FAIL'}**. "
            "The XLSX is timed for a year, for comparison."
        )
        append_result("foi.md", f"FOI return, {engine}", lines)
        return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432 instead of SQLite"
    )
    parser.add_argument(
        "--children", type=int, default=6000, help="children in the authority over ten years"
    )
    parser.add_argument("--episodes-per-child", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    engine = "postgresql" if args.postgres else "sqlite"
    return 0 if run(engine, args.children, args.episodes_per_child, args.runs, args.seed) else 1


if __name__ == "__main__":
    raise SystemExit(main())
