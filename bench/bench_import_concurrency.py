"""Benchmark: pages other people use while an SSDA903 return of about 150,000 rows is imported
(issue 11: imports do not stop the service), on SQLite and PostgreSQL.

Setup (not timed): the return's files (a synthetic Croydon, exported as bench_903 makes them,
kept for the day); a fresh database with a second council (Kent) holding a few hundred
synthetic children and three of its staff signed in.

Timed, in two processes, as in production where the worker and the web server are apart:

- a "browser" process: three threads, one per member of staff, each asking in turn for the
  register list, a child's record and Missing now through Django's test client (the whole
  request: sessions, access checks, the audit event every view writes), from start to end;
- this process, the worker: quiet for a while (the pages alone: the baseline), then the
  import of the return (`visible import 903`, as the upload's job runs it), then quiet again.

Each request's start, end and answer are kept. Reported: the import's time and how long its
write transaction was open (on SQLite it holds the one write lock all that time, and every
page's audit event waits for it), and page latency p50 / p95 / max before, during the import,
during its write transaction, and after, with the ratio to before; errors (anything but 200,
"database is locked") must be none. Each database is run twice, each time fresh: with the
import as it is (compare, then a short write transaction: ssda903/writing.py), and with the
one long transaction imports had before (compare and write together: the importer's fallback),
the baseline for the lock time; and a third time importing the same return into a register
that holds it already (the comparison finds nothing to write, and the write transaction is the
check that the register is unchanged).

    .venv/bin/python -m bench.bench_import_concurrency              # SQLite
    .venv/bin/python -m bench.bench_import_concurrency --postgres   # PostgreSQL

Appends a block to bench/results/import-concurrency.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench._harness import append_result, fresh_database, load_average

AUTHORITY = "E09000008"  # Croydon: the return's authority
OTHERS = "E10000016"  # Kent: the staff using the pages meanwhile
YEAR = 2025
GENERATE_CHILDREN = 46_500  # about 150,000 rows in the 2025/26 return
EPISODES_PER_CHILD = 4.5
BUSY_TIMEOUT_SECONDS = 20  # SQLite's, config/settings/base.py
QUIET_SECONDS = 15
AFTER_SECONDS = 10
BROWSERS = 3
MODES = {
    "short": "compare first, then a short write transaction (now)",
    "long": "compare and write in one transaction (before)",
    "again": "the same return imported again (now): compared, checked unchanged, nothing new",
    "again-long": "the same return imported again in one transaction (before)",
}


def files_for(children: int, per_child: float) -> Path:
    folder = (
        Path(tempfile.gettempdir())
        / f"visible-bench-903-{children}-{per_child}-{dt.date.today():%Y%m%d}"
    )
    if not (folder / "header.csv").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.bench_903",
                "--make-files",
                str(folder),
                "--children",
                str(children),
                "--per-child",
                str(per_child),
            ],
            check=True,
        )
    return folder


# --- the browser process -----------------------------------------------------------------------


def browse(config: Path) -> int:
    """Ask for the pages until the stop file appears; write every request to the results."""
    import django

    settings = json.loads(config.read_text())
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client

    stop = Path(settings["stop"])
    records: list[list] = []
    lock = threading.Lock()

    def staff(user_id: int) -> None:
        client = Client()
        client.force_login(get_user_model().objects.get(pk=user_id))
        try:
            while not stop.exists():
                for path in settings["pages"]:
                    began = time.monotonic()
                    try:
                        status, error = client.get(path).status_code, ""
                    except Exception as exc:  # a 500 raises in the test client
                        status, error = 500, f"{type(exc).__name__}: {exc}"[:300]
                    with lock:
                        records.append([began, time.monotonic(), path, status, error])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=staff, args=(u,)) for u in settings["users"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    Path(settings["results"]).write_text(json.dumps(records))
    return 0


# --- one run: one database, one mode ---------------------------------------------------------


def run_once(engine: str, mode: str, folder: Path, out: Path, pages: bool = True) -> None:
    with fresh_database(engine, "visible_bench_import_concurrency"):
        from django.contrib.auth import get_user_model
        from django.db import connection

        from visible.agencies.councils import council_for
        from visible.agencies.models import Membership, Role
        from visible.demo.synthetic.generate import generate
        from visible.reference.models import Authority
        from visible.ssda903 import importer
        from visible.ssda903.importer import import_return_folder
        from visible.ssda903.progress import COMPARING, WRITING, Progress

        council_for(Authority.objects.get(code=AUTHORITY))
        generate(authorities=[OTHERS], national=False, children=300, seed=11, progress=False)
        kent = council_for(Authority.objects.get(code=OTHERS))
        users = []
        for name, role in (
            ("bench.sw", Role.SOCIAL_WORKER),
            ("bench.coordinator", Role.MISSING_COORDINATOR),
            ("bench.manager", Role.SENIOR_MANAGER),
        ):
            user = get_user_model().objects.create_user(name, password="bench-password-1")
            Membership.objects.create(user=user, organisation=kent, role=role)
            users.append(user.pk)
        child = kent.children.order_by("pk").first()
        if mode.startswith("again"):  # the register holds the return already (not timed)
            assert import_return_folder(folder, YEAR, AUTHORITY).imported
        work = Path(tempfile.mkdtemp(prefix="visible-bench-browse-"))
        config = work / "config.json"
        config.write_text(
            json.dumps(
                {
                    "users": users,
                    "pages": ["/children/", f"/children/{child.pk}/", "/missing-now/"],
                    "stop": str(work / "stop"),
                    "results": str(work / "results.json"),
                }
            )
        )
        connection.close()
        browser = (
            subprocess.Popen(
                [sys.executable, "-m", "bench.bench_import_concurrency", "--browse", str(config)]
            )
            if pages
            else None
        )

        class Timed(Progress):
            marks: dict[str, float] = {}

            def step(self, step: str, done: int = 0, total: int = 0) -> None:
                self.marks.setdefault(step, time.monotonic())

        if mode.endswith("long"):
            importer.PLANS_OUTSIDE = 0  # the one transaction imports had before
        if browser is not None:
            time.sleep(3)  # the browser signs in
        quiet_from = time.monotonic()
        load_before = load_average()
        if browser is not None:
            time.sleep(QUIET_SECONDS)
        timed = Timed()
        began = time.monotonic()
        outcome = import_return_folder(folder, YEAR, AUTHORITY, progress=timed)
        ended = time.monotonic()
        load_during = load_average()
        records = []
        if browser is not None:
            time.sleep(AFTER_SECONDS)
            (work / "stop").touch()
            browser.wait(timeout=120)
            records = json.loads((work / "results.json").read_text())
        rows = sum(int(f["rows"]) for f in outcome.run.files) if outcome.run else 0
        # The write transaction: from BEGIN (just after the WRITING step) to the commit, which
        # is where import_return returns (the temporary tables are dropped in milliseconds).
        writing = (timed.marks.get(WRITING, ended), ended)
        if mode.endswith("long"):
            writing = (timed.marks.get(COMPARING, ended), ended)  # compared inside it too
        out.write_text(
            json.dumps(
                {
                    "imported": outcome.imported,
                    "rows": rows,
                    "counts": outcome.counts,
                    "quiet_from": quiet_from,
                    "began": began,
                    "ended": ended,
                    "marks": timed.marks,
                    "writing": writing,
                    "records": records,
                    "load_before": load_before,
                    "load_during": load_during,
                    "vendor": connection.vendor,
                }
            )
        )


# --- the report --------------------------------------------------------------------------------


def _stats(latencies: list[float]) -> tuple[int, float, float, float]:
    if not latencies:
        return 0, 0.0, 0.0, 0.0
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return len(ordered), statistics.median(ordered), p95, ordered[-1]


def summarise(mode: str, found: dict) -> tuple[list[str], int]:
    records = found["records"]
    began, ended = found["began"], found["ended"]
    w_from, w_to = found["writing"]

    def during(a: float, b: float):
        return [r for r in records if r[0] <= b and r[1] >= a]

    phases = [
        (
            "before (no import)",
            [r for r in records if found["quiet_from"] <= r[0] and r[1] < began],
        ),
        ("during the import", during(began, ended)),
        ("during its write transaction", during(w_from, w_to)),
        ("after", [r for r in records if r[0] > ended]),
    ]
    errors = [r for r in records if r[3] != 200 or r[4]]
    locked = [r for r in errors if "locked" in r[4]]
    base = _stats([(r[1] - r[0]) * 1000 for r in phases[0][1]])
    marks = found["marks"]
    checked = marks.get("comparing", ended) - began
    lines = [
        f"**{MODES[mode]}**: {found['rows']:,} rows imported in **{ended - began:.1f} s** "
        f"(read and checked {checked:.1f} s, then compared"
        + (f" and staged {w_from - began - checked:.1f} s" if not mode.endswith("long") else "")
        + f"); write transaction open **{w_to - w_from:.2f} s**"
        + (
            f" (SQLite's write lock: {BUSY_TIMEOUT_SECONDS / max(w_to - w_from, 0.001):.0f}x "
            f"inside the {BUSY_TIMEOUT_SECONDS} s busy timeout)"
            if found["vendor"] == "sqlite"
            else ""
        )
        + f"; load average {found['load_before']} before, {found['load_during']} after the import",
        "",
        "| pages | requests | p50 ms | p95 ms | max ms | p50 / before | p95 / before | max / before |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, chosen in phases:
        n, p50, p95, top = _stats([(r[1] - r[0]) * 1000 for r in chosen])
        ratios = (
            f"{p50 / base[1]:.1f}x | {p95 / base[2]:.1f}x | {top / base[3]:.1f}x"
            if n and base[0]
            else "| |"
        )
        lines.append(f"| {label} | {n} | {p50:.0f} | {p95:.0f} | {top:.0f} | {ratios} |")
    if not records:  # --no-pages: the import alone
        return lines[:1] + [""], 0 if found["imported"] else 1
    lines += [
        "",
        f"Errors: **{len(errors)}** of {len(records)} requests"
        + (f" ({len(locked)} 'database is locked')" if errors else "")
        + ("" if found["imported"] else "; THE IMPORT WAS REFUSED"),
        "",
    ]
    return lines, len(errors) + (0 if found["imported"] else 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--children", type=int, default=GENERATE_CHILDREN)
    parser.add_argument("--per-child", type=float, default=EPISODES_PER_CHILD)
    parser.add_argument(
        "--modes",
        default="short,long,again",
        help="short, long, again, again-long: comma-separated",
    )
    parser.add_argument(
        "--no-pages", action="store_true", help="time the import alone, with no pages asked for"
    )
    parser.add_argument("--browse", metavar="CONFIG", help=argparse.SUPPRESS)
    parser.add_argument("--run", metavar="MODE", help=argparse.SUPPRESS)
    parser.add_argument("--out", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visible.config.settings.dev")
    os.environ.setdefault("VISIBLE_LOG_LEVEL", "WARNING")  # not a line per page asked for
    if args.browse:
        return browse(Path(args.browse))
    engine = "postgresql" if args.postgres else "sqlite"
    folder = files_for(args.children, args.per_child)
    if args.run:
        run_once(engine, args.run, folder, Path(args.out), pages=not args.no_pages)
        return 0
    rows = sum(max(0, len(p.read_bytes().splitlines()) - 1) for p in folder.glob("*.csv"))
    if args.no_pages:
        lines = [
            f"Return: {folder.name} ({rows:,} rows); the import alone, no pages asked for. "
            f"This process at nice {os.nice(0)}.",
            "",
        ]
    else:
        lines = [
            f"Return: {folder.name} ({rows:,} rows); "
            f"pages asked for by {BROWSERS} staff of another council, each in turn the register list, a "
            f"child's record and Missing now, in a process of their own; {QUIET_SECONDS} s before the "
            f"import, {AFTER_SECONDS} s after. This process at nice {os.nice(0)}.",
            "",
        ]
    failed = 0
    for mode in args.modes.split(","):
        out = Path(tempfile.mkdtemp(prefix="visible-bench-run-")) / "run.json"
        # Each run in a process of its own: Django is set up for one fresh database.
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.bench_import_concurrency",
                "--run",
                mode,
                "--out",
                str(out),
                "--children",
                str(args.children),
                "--per-child",
                str(args.per_child),
                *(["--postgres"] if args.postgres else []),
                *(["--no-pages"] if args.no_pages else []),
            ],
            check=True,
        )
        block, errors = summarise(mode, json.loads(out.read_text()))
        lines += block
        failed += errors
    append_result(
        "import-concurrency.md", f"Pages during an import of {rows:,} rows, {engine}", lines
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
