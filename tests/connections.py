"""Room on the PostgreSQL server for a test that opens many connections at once.

A burst of fifty threads holds fifty connections; PostgreSQL allows 100 in all, shared with the
other test worker, and a server process outlives its client's `close()` by a moment. So before a
burst, wait until the server has room for it (and say so if it never does)."""

from __future__ import annotations

import time

from django.db import connection


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
                raise AssertionError(f"PostgreSQL has {in_use} of {limit} connections in use after {timeout:.0f} s: "
                                     f"no room for {count} more")
            time.sleep(0.2)
