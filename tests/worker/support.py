"""Running `visible worker` as a real process against the test database (the brokers, the
worker's address for the database, and waiting for what it does): shared by the worker tests
and their conftest."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
# Brokers a worker can take its jobs from: the embedded default, Redis (running on this
# machine, as in production), and Huey's PostgreSQL storage when the tests run on PostgreSQL.
BROKERS = ["sqlite", "redis"] + (
    ["postgres"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else []
)
REDIS_URL = "redis://127.0.0.1:6379/0"


def database_url() -> str:
    """The address of the database this test runs on (the test database, not the one named in
    DATABASE_URL), for a process started from the test."""
    found = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{found['NAME']}"
    user = quote(found.get("USER") or "", safe="")
    password = f":{quote(found['PASSWORD'], safe='')}" if found.get("PASSWORD") else ""
    host = found.get("HOST") or "127.0.0.1"
    port = f":{found['PORT']}" if found.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{found['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as systemd stops it; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"the worker did not stop within {timeout} s of SIGTERM:\n{self.output()}"
            ) from None


def wait_for(what: str, found: Callable[[], object], worker: Worker, timeout: float) -> object:
    """Poll until ``found()`` gives something; fail naming ``what`` and the worker's output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        if worker.process.poll() is not None:
            raise AssertionError(
                f"the worker exited ({worker.process.returncode}) before {what}:\n{worker.output()}"
            )
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s. The worker said:\n{worker.output()}")
