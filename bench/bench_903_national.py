"""Benchmark: a national folder of SSDA903 returns, about 110,000 children across England's
children's services authorities, imported by one `visible import 903 FOLDER --year 2025`
process, against the way it is done without a national folder: one `visible import 903 DIR
--authority GSS` process per authority (issue 11, "National scale import").

Setup (not timed, in a process of its own on a throwaway SQLite database): a synthetic register
of every current English children's services authority (`visible generate`, drawn as at 15 May
2026 like the tests' registers, so the files do not depend on today's date), written as a
national folder by `visible export 903 --all --year 2025` (one sub-folder per authority, named
by GSS code). The folder is made once and reused (it is a function of the arguments alone).

Timed, each on a fresh database (SQLite, or PostgreSQL with --postgres) holding the reference
data and a council for each authority, and nothing else:

1. one process: `visible import 903 FOLDER --year 2025` (Python start-up, Django set-up, every
   authority read, checked and written, the summary): wall time, CPU time, peak memory (the
   process's maximum resident set), rows per second. Target: under 30 s on PostgreSQL.
2. the baseline: `visible import 903 FOLDER/GSS --year 2025 --authority GSS`, one process per
   authority, one after another, into a copy of the same empty database. Every authority by
   default; `--sample K` runs K of them spread over the sizes (every n-th by rows) and
   extrapolates (the sample's mean time per process times the number of authorities), which
   the results then say.

The ratio baseline / one process is the headline. Both must leave the same children on the
register (checked). The machine's load (os.getloadavg, as `uptime` shows it) is recorded
before and after each: other work on a shared machine shows there.

    .venv/bin/python -m bench.bench_903_national --postgres
    .venv/bin/python -m bench.bench_903_national                 # SQLite
    .venv/bin/python -m bench.bench_903_national --children 20000 --sample 10   # a quick look

Appends a block to bench/results/ssda903-national.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._harness import PG_SERVER, RESULTS, append_result, fresh_database, load_average

TARGET_SECONDS = 30.0
YEAR = 2025
DRAWN_AT = dt.datetime(YEAR + 1, 5, 15, 11, tzinfo=dt.UTC)  # as tests/ssda903/register.py
# Children generated for about 110,000 children in the 2025/26 return (measured: about 87% of
# the children a register drawn in May 2026 holds were looked after during 2025/26).
GENERATE_CHILDREN = 127_000
SEED = 903
DATABASE = "visible_bench_903_national"
HEADER = """# National folder import benchmark

`bench/bench_903_national.py` (issue 11, "National scale import"): a national folder of
synthetic SSDA903 returns for every English children's services authority (about 110,000
children), imported by one `visible import 903 FOLDER --year 2025` process, against one
`visible import 903 DIR --authority GSS` process per authority (how it was done before), each
into a fresh database with the councils set up and nothing else. Target: the one process under
30 s on PostgreSQL. The ratio (per-authority processes / one process) is the headline. Each
run appends a block below.

"""


# --- setup: the national folder ---------------------------------------------------------------


def make_files(folder: Path, children: int, seed: int) -> None:
    """Generate a register of every current English authority, write it as a national folder."""
    with fresh_database("sqlite", "unused"):
        from visible.demo.synthetic.generate import generate
        from visible.reference.models import Authority
        from visible.ssda903.folder import export_national_folder

        england = list(
            Authority.objects.childrens_services()
            .filter(end_date__isnull=True, code__startswith="E")
            .order_by("code")
            .values_list("code", flat=True)
        )
        generate(authorities=england, national=False, children=children, seed=seed, as_at=DRAWN_AT)
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        export_national_folder(YEAR, partial)
        partial.rename(folder)


def folder_rows(folder: Path) -> dict[str, dict[str, int]]:
    """Data rows of each file, per authority (lines less the header row)."""
    return {
        sub.name: {
            p.name: max(0, len(p.read_bytes().splitlines()) - 1) for p in sorted(sub.glob("*.csv"))
        }
        for sub in sorted(folder.iterdir())
        if sub.is_dir()
    }


# --- the databases ------------------------------------------------------------------------------


def _copy_database(engine: str, copy: str) -> str:
    """A copy of the benchmark's database as it is now (migrated, councils set up): its URL."""
    from django.db import connections

    connections.close_all()
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{DATABASE}"')
        return f"{PG_SERVER}/{copy}"
    source = Path(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
    target = source.with_name(f"{copy}.sqlite3")
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


def _drop_copy(engine: str, copy: str) -> None:
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def _children_in(url: str) -> int:
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute("SELECT count(*) FROM children_child").fetchone()[0]
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM children_child").fetchone()[0]


# --- the timed runs -----------------------------------------------------------------------------


def _visible(args: list[str], url: str, log: Path) -> tuple[float, float, int, int]:
    """Run `visible ARGS` in a process of its own against the database at `url`: wall seconds,
    CPU seconds (user and system), peak resident memory (KiB) and the exit code."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "visible.cli", *args], env=env, stdout=out, stderr=out
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode


def _sample(codes_by_size: list[str], k: int) -> list[str]:
    """k authorities spread over the sizes: every n-th of them in order of rows."""
    if k >= len(codes_by_size):
        return codes_by_size
    step = len(codes_by_size) / k
    return [codes_by_size[int(i * step + step / 2)] for i in range(k)]


def run(engine: str, children: int, seed: int, sample: int | None) -> bool:
    folder = Path(tempfile.gettempdir()) / f"visible-bench-903-national-{children}-{seed}-v1"
    started = time.perf_counter()
    if not folder.is_dir():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.bench_903_national",
                "--make-files",
                str(folder),
                "--children",
                str(children),
                "--seed",
                str(seed),
            ],
            check=True,
        )
    setup = time.perf_counter() - started
    rows = folder_rows(folder)
    authorities = list(rows)
    children_in_files = sum(r.get("header.csv", 0) for r in rows.values())
    total_rows = sum(sum(r.values()) for r in rows.values())
    by_table: dict[str, int] = {}
    for r in rows.values():
        for name, n in r.items():
            by_table[name] = by_table.get(name, 0) + n
    logs = Path(tempfile.mkdtemp(prefix="visible-bench-903-national-logs-"))
    copy = f"{DATABASE}_loop"
    with fresh_database(engine, DATABASE):
        from visible.agencies.councils import council_for
        from visible.reference.models import Authority

        for authority in Authority.objects.filter(code__in=authorities):
            council_for(authority)
        one_url = os.environ["DATABASE_URL"]
        loop_url = _copy_database(engine, copy)
        try:
            # 1. One process for the whole folder.
            load_one = load_average()
            one_wall, one_cpu, one_rss, one_code = _visible(
                ["import", "903", str(folder), "--year", str(YEAR)], one_url, logs / "one.log"
            )
            load_one_after = load_average()
            one_children = _children_in(one_url)
            # 2. One process per authority (or a sample of them, extrapolated).
            by_size = sorted(authorities, key=lambda c: (sum(rows[c].values()), c))
            chosen = _sample(by_size, sample) if sample else by_size
            load_loop = load_average()
            loop_walls, loop_rss, loop_codes = [], 0, set()
            for code in chosen:
                wall, _, rss, exit_code = _visible(
                    [
                        "import",
                        "903",
                        str(folder / code),
                        "--year",
                        str(YEAR),
                        "--authority",
                        code,
                    ],
                    loop_url,
                    logs / "loop.log",
                )
                loop_walls.append(wall)
                loop_rss = max(loop_rss, rss)
                loop_codes.add(exit_code)
            load_loop_after = load_average()
            loop_children = _children_in(loop_url)
        finally:
            _drop_copy(engine, copy)
        from django.db import connection

        database = connection.vendor
    log_tail = (logs / "one.log").read_text(encoding="utf-8", errors="replace")
    summary = [line for line in log_tail.splitlines() if line.startswith("SSDA903 returns")]
    per_authority = _per_authority_seconds(log_tail)
    loop_measured = sum(loop_walls)
    if sample and sample < len(authorities):
        loop_total = loop_measured / len(chosen) * len(authorities)
        how = (
            f"**extrapolated** from a sample of {len(chosen)} authorities spread over the sizes "
            f"(every {len(authorities) / len(chosen):.0f}th by rows): {loop_measured:.1f} s measured, "
            f"mean {loop_measured / len(chosen):.2f} s per process, times {len(authorities)}"
        )
    else:
        loop_total = loop_measured
        how = f"measured: all {len(authorities)} processes, one after another"
    ratio = loop_total / one_wall
    rate = total_rows / one_wall
    passed = one_code == 0 and one_wall < TARGET_SECONDS
    overhead = (
        (loop_measured - sum(per_authority.get(c, 0.0) for c in chosen)) / len(chosen)
        if per_authority
        else None
    )
    nproc = os.cpu_count()
    memory = _memory_total()
    lines = [
        f"- machine: nproc {nproc}, memory {memory}; this run's priority nice {os.nice(0)} (the "
        f"processes it starts inherit it; the database server's is its own); database {database}"
        + (
            " (PostgreSQL 127.0.0.1, made and dropped by the run)"
            if database == "postgresql"
            else ""
        ),
        f"- the folder: {len(authorities)} authorities (England's children's services), "
        f"**{children_in_files:,} children**, "
        + ", ".join(f"{name} {n:,}" for name, n in sorted(by_table.items()) if n)
        + f" = **{total_rows:,} rows**; setup (generate {children:,} children drawn as at "
        f"{DRAWN_AT:%d/%m/%Y} and `export 903 --all`, or reuse the folder) {setup:.0f} s",
        f"- one process, `visible import 903 FOLDER --year {YEAR}`: **{one_wall:.1f} s** wall, "
        f"{one_cpu:.1f} s CPU, peak memory {one_rss / 1024:.0f} MiB, **{rate:,.0f} rows/s**, "
        f"exit code {one_code}; {one_children:,} children on the register after; load before "
        f"{load_one}, after {load_one_after}",
        f"  - {summary[0] if summary else 'no summary line (see the log)'}",
        f"- one process per authority, `visible import 903 DIR --authority GSS`: **{loop_total:.1f} s** "
        f"({how}); peak memory of one {loop_rss / 1024:.0f} MiB; exit codes {sorted(loop_codes)}; "
        f"{loop_children:,} children on the register after; load before {load_loop}, after "
        f"{load_loop_after}",
    ]
    if overhead is not None:
        lines.append(
            f"  - per process, beyond the import itself (start-up, Django set-up, reading the "
            f"folder): {overhead:.2f} s on average (a process's wall time less the same "
            "authority's import time inside the one process)"
        )
    lines += [
        f"- **ratio per-authority processes / one process: {ratio:.1f}x**",
        f"- target one process under {TARGET_SECONDS:.0f} s: "
        f"**{'PASS' if one_wall < TARGET_SECONDS else 'FAIL'}**"
        + ("" if database == "postgresql" else " (the target is PostgreSQL's)"),
    ]
    if one_children != children_in_files or (not sample and loop_children != one_children):
        lines.append(
            f"- **CHECK FAILED**: {children_in_files:,} children in the files, {one_children:,} "
            f"after one process, {loop_children:,} after the per-authority processes"
        )
        passed = False
    if not (RESULTS / "ssda903-national.md").exists():
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "ssda903-national.md").write_text(HEADER, encoding="utf-8")
    append_result("ssda903-national.md", f"National folder import, {engine}", lines)
    (logs / "timings.json").write_text(
        json.dumps({"loop": dict(zip(chosen, loop_walls, strict=True)), "one": per_authority})
    )
    print(f"Logs: {logs}")
    return passed


def _per_authority_seconds(log: str) -> dict[str, float]:
    """Each authority's import time inside the one process, from its progress lines:
    `[n/N] GSS name: imported ... (1.2 s)`."""
    found = {}
    for line in log.splitlines():
        if line.startswith("[") and line.endswith(" s)") and "] " in line:
            code = line.split("] ", 1)[1].split(" ", 1)[0]
            found[code] = float(line.rsplit("(", 1)[1].removesuffix(" s)"))
    return found


def _memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--children", type=int, default=GENERATE_CHILDREN)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--sample",
        type=int,
        metavar="K",
        help="time the per-authority processes for K authorities and extrapolate",
    )
    parser.add_argument("--make-files", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_files:
        make_files(Path(args.make_files), args.children, args.seed)
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visible.config.settings.dev")
    ok = run("postgresql" if args.postgres else "sqlite", args.children, args.seed, args.sample)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
