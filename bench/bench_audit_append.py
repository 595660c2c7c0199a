"""Benchmark: appending audit events from many requests at once (issue 11, ADR 0010).

N threads, each with its own database connection, append page-view events as fast as they
can, one event to a transaction (as a page view does), for a few seconds. Three ways:

- **locked head**: the chain's head is locked, the event chained and written, the head moved,
  all in the appending transaction: how every event was written before ADR 0010, and how bulk
  writers still write (`record_many(..., sealed=True)`). Appenders queue on the head's lock.
- **unsealed, worker seals**: the default in service. The event is appended unsealed, with no
  lock; the worker seals every 5 s (here: `seal_pending` after the case, timed on its own, for
  how fast the worker seals a backlog). A request seals only if the oldest event has waited
  VISIBLE_AUDIT_SEAL_DELAY (10 s), which a case never reaches.
- **unsealed, requests seal after 1 s**: VISIBLE_AUDIT_SEAL_DELAY=1: once the oldest event
  waiting is a second old, the next request to commit tries the head without waiting (SKIP
  LOCKED) and seals a batch for everyone.
- **unsealed, each commit seals**: VISIBLE_AUDIT_SEAL_DELAY=0: every request tries to seal
  after its commit.

Each case ends with every event sealed and `verify` passing. Reported: events appended per
second, the ratio to the locked head at the same N, and each append's median and 95th
percentile time (transaction and commit included, and any sealing after the commit, since the
request waits for it), with the machine and its load: the machine is shared, so
compare ratios within a run, not numbers across runs. All the appending threads share one
Python process (and its GIL) on a machine shared with the database: sealing done in a request
costs the other threads more here than in a server of several processes.

    PYTHONPATH=src:. .venv/bin/python -m bench.bench_audit_append --postgres
    PYTHONPATH=src:. .venv/bin/python -m bench.bench_audit_append            # SQLite
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import threading
import time

from bench._harness import append_result, fresh_database, load_average

THREADS = (1, 8, 32)
MODES = (
    "locked head",
    "unsealed, worker seals",
    "unsealed, requests seal after 1 s",
    "unsealed, each commit seals",
)
DELAYS = {"unsealed, requests seal after 1 s": 1.0, "unsealed, each commit seals": 0.0}


def _uptime() -> str:
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "unknown"


def _room_for(count: int) -> None:
    """Wait until PostgreSQL has connections to spare for ``count`` more (the machine's server
    is shared with test runs)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int")
        limit = cursor.fetchone()[0]
        for _ in range(300):
            cursor.execute("SELECT count(*) FROM pg_stat_activity")
            if cursor.fetchone()[0] + count + 5 <= limit:
                return
            time.sleep(0.2)
    raise SystemExit(f"PostgreSQL has no room for {count} more connections")


def _case(mode: str, threads: int, seconds: float) -> dict:
    from django.db import connections
    from django.test import override_settings

    from visible.agencies.viewer import Viewer
    from visible.audit.log import Entry, record_many, verify
    from visible.audit.models import AuditEvent
    from visible.audit.seal import seal_pending, unsealed

    before = AuditEvent.objects.count()
    _room_for(threads)
    barrier = threading.Barrier(threads + 1)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    stop = [0.0]

    def appender(i: int) -> None:
        viewer = Viewer(user_id=i + 1, username=f"bench.user{i}", organisation=None, role="")
        sealed = mode == "locked head"
        mine = latencies[i]
        n = 0
        try:
            barrier.wait(timeout=60)
            while time.perf_counter() < stop[0]:
                entry = Entry(
                    "view",
                    object_type="child",
                    object_id=n + 1,
                    child_id=n + 1,
                    summary=f"Viewed the record of child {n + 1} (synthetic)",
                    purpose="bench",
                )
                started = time.perf_counter()
                record_many(viewer, [entry], sealed=sealed)
                mine.append(time.perf_counter() - started)
                n += 1
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    with override_settings(VISIBLE_AUDIT_SEAL_DELAY=DELAYS.get(mode, 10.0)):
        workers = [threading.Thread(target=appender, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        stop[0] = time.perf_counter() + seconds + 0.05
        barrier.wait(timeout=60)
        began = time.perf_counter()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    waiting = unsealed().count()
    started = time.perf_counter()
    sealed = seal_pending().events
    seal_seconds = time.perf_counter() - started
    appended = sum(len(m) for m in latencies)
    result = verify()
    assert result.ok and result.events_checked == before + appended, result
    every = sorted(t for m in latencies for t in m)
    return {
        "mode": mode,
        "threads": threads,
        "appended": appended,
        "per_second": appended / elapsed,
        "p50_ms": statistics.median(every) * 1000,
        "p95_ms": every[int(len(every) * 0.95) - 1] * 1000,
        "left_unsealed": waiting,
        "sealed_after": sealed,
        "seal_per_second": sealed / seal_seconds if sealed else None,
    }


def run(engine: str, seconds: float, rounds: int) -> None:
    with fresh_database(engine, "visible_bench_audit_append"):
        from django.db import connection

        load_before, uptime_before = load_average(), _uptime()
        runs: dict[tuple[str, int], list[dict]] = {}
        for _ in range(rounds):  # interleaved, so a burst of load elsewhere hits every mode
            for threads in THREADS:
                for mode in MODES:
                    print(f"{mode}, {threads} threads ...", flush=True)
                    runs.setdefault((mode, threads), []).append(_case(mode, threads, seconds))
        load_after, uptime_after = load_average(), _uptime()
        version = ""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                version = f" {cursor.fetchone()[0]}"

    lines = [
        f"Database: {engine}{version}. Each case: {seconds:g} s of appending, one event per "
        f"transaction, {rounds} rounds interleaved (the median round shown); every event sealed "
        "and `visible audit verify` passing after each case.",
        "",
        f"Load before: {load_before} (`{uptime_before}`); after: {load_after} (`{uptime_after}`).",
        "",
        "| threads | how | events/s | x locked head | append p50 ms | append p95 ms | left for the worker | worker seals, events/s |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for threads in THREADS:
        base = statistics.median(r["per_second"] for r in runs[("locked head", threads)])
        for mode in MODES:
            cases = sorted(runs[(mode, threads)], key=lambda r: r["per_second"])
            mid = cases[len(cases) // 2]
            sealing = f"{mid['seal_per_second']:,.0f}" if mid["seal_per_second"] else ""
            lines.append(
                f"| {threads} | {mode} | {mid['per_second']:,.0f} | "
                f"{mid['per_second'] / base:.2f} | {mid['p50_ms']:.1f} | {mid['p95_ms']:.1f} | "
                f"{mid['left_unsealed']:,} | {sealing} |"
            )
    append_result("audit-append.md", f"Audit append, {engine}", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seconds", type=float, default=5.0, help="of appending, per case")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run("postgresql" if args.postgres else "sqlite", args.seconds, args.rounds)


if __name__ == "__main__":
    main()
