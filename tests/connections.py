"""Room on the PostgreSQL server for a test that opens many connections at once.

A burst of fifty threads holds fifty connections; PostgreSQL allows 100 in all, shared with the
other test worker, and a server process outlives its client's `close()` by a moment. So before a
burst, wait until the server has room for it (and say so if it never does)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection, connections


def make_room_for(count: int, timeout: float = 60.0) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: connections are files, nothing to share
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int")
        limit = cursor.fetchone()[0]
        deadline = time.monotonic() + timeout
        while True:
            cursor.execute("SELECT count(*) FROM pg_stat_activity")
            in_use = cursor.fetchone()[0]
            if in_use + count + 5 <= limit:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"PostgreSQL has {in_use} of {limit} connections in use after {timeout:.0f} s: "
                    f"no room for {count} more"
                )
            time.sleep(0.2)


def at_once(work: Callable[[int], object], n: int) -> list[object]:
    """Run work(0..n-1) in n threads released together; their results, in order. Each thread
    closes its own database connections when done; any thread's exception fails the test."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results
