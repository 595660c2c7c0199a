"""Shared set-up for benchmarks: a fresh database (SQLite file or a PostgreSQL database made
and dropped for the run), migrated, with Django set up; and a record of the machine."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


@contextmanager
def fresh_database(engine: str, name: str):
    """Point Django at a new, empty database for this run, then remove it."""
    tmp = tempfile.mkdtemp(prefix="visible-bench-")
    os.environ["VISIBLE_VAR_DIR"] = tmp
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{name}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visible.config.settings.dev")
    os.environ["VISIBLE_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        if engine == "postgresql":
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_average() -> str:
    """The machine's load, for the record beside each result (a shared machine's numbers)."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def median_ms(fn: Callable[[], object], runs: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = "unknown"
    return f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; commit {commit or 'unknown'}"


def append_result(filename: str, title: str, lines: list[str]) -> None:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / filename
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = [f"## {title} ({stamp})", "", f"Machine: {machine()}", "", *lines, ""]
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(block) + "\n")
    print("\n".join(block))
