"""`visible serve` as a service runs it: real server processes (gunicorn, started the way an
operator starts them) on the test database, driven over HTTP.

- Two hundred requests at once are all answered: none refused, reset or failed; on
  PostgreSQL the server holds at most workers x threads connections while it works (counted
  server-side, in pg_stat_activity), even as workers are recycled, and none once it stops.
- A rate limit holds across two server processes sharing the database and the cache: the
  database's cache table (the embedded default) and Redis (production).
- Everything the server logs, gunicorn's lines and the application's, is a JSON line; each
  request has one, with the reference it was answered with and no query string.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.connections import at_once, make_room_for

# Not run with the clock frozen (tests/conftest.py): the servers under test run in processes of their own, on the real clock.
pytestmark = pytest.mark.real_clock

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = "redis://127.0.0.1:6379/0"

# Each server's data must be committed for the other processes to see it; the reference data
# (authorities) is put back after the flush that ends each test.
served_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(application_name: str) -> str:
    """The test database, as the servers should reach it; on PostgreSQL their connections
    carry application_name, so pg_stat_activity tells them from the test's own."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return (
            f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            f"?application_name={application_name}"
        )
    return f"sqlite:///{db['NAME']}"


class Server:
    """One `visible serve` process: gunicorn's master and its workers."""

    def __init__(self, env: dict[str, str], workers: int, threads: int, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.workers, self.threads = workers, threads
        command = [sys.executable, "-m", "visible.cli", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(workers)]
        command += ["--threads", str(threads)]
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_until_answering(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"visible serve stopped at start:\n{self.output()}")
            try:
                self.get("/sign-in")
                return  # answering (what it answers is for the test to check)
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"visible serve did not answer in {timeout:.0f} s:\n{self.output()}")

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it: the workers finish and exit, then gunicorn."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(
                    f"visible serve did not stop within 60 s of SIGTERM:\n{self.output()}"
                ) from None
        self._log_file.close()


def server_env(settings: str | None = "tests.server_settings", **extra: str):
    """The servers' environment: the test settings with the shared cache, or, with
    settings=None, none named at all."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VISIBLE_", "GUNICORN")) and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    env.update(extra)
    return env


@contextmanager
def serving(tmp_path: Path, name: str, env: dict[str, str], workers: int, threads: int):
    server = Server(env, workers, threads, tmp_path / f"{name}.log")
    try:
        server.wait_until_answering()
        yield server
    finally:
        server.stop()


def api_client_secret() -> str:
    from tests.factories import COUNCIL_A_CODE, make_council
    from visible.agencies.models import Role
    from visible.api import tokens

    council = make_council(COUNCIL_A_CODE)
    return tokens.create_client(council.name, Role.SENIOR_MANAGER, "Case system", by="test").secret


class ConnectionCounter:
    """Counts, every 20 ms from a connection of its own, the PostgreSQL connections whose
    application_name is the server's: the most seen, and the count now."""

    def __init__(self, application_name: str) -> None:
        db = connection.settings_dict
        self._conn = psycopg.connect(
            host=db["HOST"],
            port=db["PORT"],
            user=db["USER"],
            password=db.get("PASSWORD") or None,
            dbname=db["NAME"],
            autocommit=True,
        )
        self.name = application_name
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def now(self) -> int:
        with self._conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [self.name]
            )
            return cursor.fetchone()[0]

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.most = max(self.most, self.now())
            time.sleep(0.02)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._conn.close()


@served_db
def test_two_hundred_requests_at_once_are_all_answered_and_leave_no_connection(tmp_path):
    """Half sign-in pages, half API requests that read the register and write the audit log,
    all released at once against 2 workers x 4 threads, each worker recycled after about 40
    requests (VISIBLE_WEB_MAX_REQUESTS) so that some are replaced in the middle of it."""
    workers, threads = 2, 4
    secret = api_client_secret()
    name = f"visible-serve-{uuid.uuid4().hex[:12]}"
    env = server_env(
        DATABASE_URL=database_url(name),
        VISIBLE_API_RATE="100000/min",
        VISIBLE_WEB_MAX_REQUESTS="40",
        VISIBLE_WEB_MAX_REQUESTS_JITTER="10",
    )
    on_postgresql = connection.vendor == "postgresql"
    make_room_for(2 * workers * threads + 2)
    counter = ConnectionCounter(name) if on_postgresql else None
    try:
        with serving(tmp_path, "server", env, workers, threads) as server:

            def request(i: int) -> tuple[int, bytes]:
                if i % 2:
                    return server.get("/sign-in")
                return server.get("/api/v1/children", {"Authorization": f"Bearer {secret}"})

            started = time.monotonic()
            answers = at_once(request, 200)  # any refused, reset or timed-out request fails here
            took = time.monotonic() - started
            failed = [(i, status, body[:200]) for i, (status, body) in enumerate(answers)]
            failed = [f for f in failed if f[1] != 200]
            assert not failed, f"{len(failed)} of 200 requests failed, e.g. {failed[:3]}"
            assert b"Sign in" in answers[1][1] and b'"results"' in answers[0][1]
            recycled = server.log.read_text(errors="replace").count("Autorestarting worker")
            assert recycled >= 1, f"no worker was recycled:\n{server.output()}"
            if counter is not None:
                held = counter.now()
        if counter is not None:
            most = counter.most
            deadline = time.monotonic() + 15
            while counter.now() and time.monotonic() < deadline:
                time.sleep(0.1)
            after = counter.now()
            # The bound: one connection per thread; a recycled worker's connections close as
            # it exits, at most a moment before its replacement opens its own.
            assert 1 <= most <= workers * threads + 2, (
                f"the server held {most} database connections at once "
                f"({workers} workers x {threads} threads)"
            )
            assert held <= workers * threads
            assert after == 0, f"{after} connections left open after the server stopped"
            print(f"200 requests in {took:.1f} s; connections: most {most}, idle {held}, after 0")
    finally:
        if counter is not None:
            counter.close()


def clear_redis_prefix(prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


@served_db
@pytest.mark.parametrize("cache", ["database", "redis"])
def test_an_api_clients_rate_limit_holds_across_two_server_processes(tmp_path, cache):
    """Six requests a minute for the client: twelve requests, alternately to two servers, are
    answered six times and then refused (429) six times. Counted per process, each server
    would have answered all six of its own."""
    secret = api_client_secret()
    prefix = f"visible-test-{uuid.uuid4().hex[:12]}"
    extra = {"VISIBLE_API_RATE": "6/min", "VISIBLE_CACHE_KEY_PREFIX": prefix}
    if cache == "redis":
        extra["VISIBLE_REDIS_URL"] = REDIS_URL
    env = server_env(DATABASE_URL=database_url(f"visible-serve-{prefix}"), **extra)
    make_room_for(6)
    try:
        with (
            serving(tmp_path, "first", env, workers=1, threads=2) as first,
            serving(tmp_path, "second", env, workers=1, threads=2) as second,
        ):
            statuses = []
            for i in range(12):
                server = (first, second)[i % 2]
                status, _ = server.get("/api/v1/children", {"Authorization": f"Bearer {secret}"})
                statuses.append(status)
            assert statuses == [200] * 6 + [429] * 6, statuses
    finally:
        if cache == "redis":
            kept = clear_redis_prefix(prefix)
        else:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM visible_cache WHERE cache_key LIKE %s", [f"{prefix}:%"])
                kept = cursor.rowcount
    assert kept >= 1, f"the servers kept no count in the {cache} cache under {prefix}"


@served_db
def test_visible_serve_without_settings_named_serves_on_the_production_settings(tmp_path):
    """No DJANGO_SETTINGS_MODULE: the workers run production's settings, so a plain HTTP
    request is sent to HTTPS with HSTS, as production's settings do and the demo's do not."""
    env = server_env(
        settings=None,
        DATABASE_URL=database_url("visible-serve-production"),
        VISIBLE_SECRET_KEY="s" * 50,
        VISIBLE_AUDIT_KEY="a" * 50,
        VISIBLE_VAR_DIR=str(tmp_path),
    )
    make_room_for(4)
    with serving(tmp_path, "production", env, workers=1, threads=2) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            conn.request("GET", "/sign-in")
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
    assert response.status == 301
    assert response.getheader("Location") == f"https://127.0.0.1:{server.port}/sign-in"


@served_db
def test_the_server_logs_json_lines_with_each_requests_reference_and_no_query(tmp_path):
    env = server_env(DATABASE_URL=database_url("visible-serve-logs"))
    make_room_for(4)
    reference = uuid.uuid4().hex
    with serving(tmp_path, "logs", env, workers=1, threads=2) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            conn.request(
                "GET", "/sign-in?next=/children/%3Fq%3DTekle", headers={"X-Request-ID": reference}
            )
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
    assert response.status == 200 and response.getheader("X-Request-ID") == reference
    log = server.log.read_text(errors="replace")
    printed = [line for line in log.splitlines() if line.strip() and not line.startswith("{")]
    assert all(line.startswith("Visible is running at") for line in printed), printed
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(
        line["logger"] == "gunicorn.error" and line["message"].startswith("Listening at")
        for line in lines
    )
    (answered,) = [line for line in lines if line.get("request_id") == reference]
    assert (answered["logger"], answered["view"], answered["route"], answered["status"]) == (
        "visible.request",
        "web:sign-in",
        "sign-in",
        200,
    )
    assert "Tekle" not in log and "next=" not in log
