"""Running `visible worker` as a real process against the test database (the brokers, the
worker's address for the database, and waiting for what it does): shared by the worker tests
and their conftest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
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


class Starter:
    """start(broker="sqlite", threads=2, **environment) -> Worker: `visible worker` in a process
    of its own on the test database, sweeping every second (``environment`` adds to or replaces
    its variables: DJANGO_SETTINGS_MODULE, VISIBLE_TASK_QUEUE...); ``close()`` kills any still
    running and empties their Redis queues. The start_worker fixtures are made of this."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[Worker] = []
        self.queues: list[str] = []

    def start(self, broker: str = "sqlite", threads: int = 2, **environment: str) -> Worker:
        from django.utils import timezone

        queue = f"visible-test-{uuid.uuid4().hex[:12]}"
        self.queues.append(queue)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("VISIBLE_FROZEN_AT", "REDIS_URL", "VISIBLE_REDIS_URL")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="visible.config.settings.test",
            DATABASE_URL=database_url(),
            PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), str(ROOT), env.get("PYTHONPATH")])),
            VISIBLE_TASKS_IMMEDIATE="0",
            VISIBLE_TASK_BROKER=broker,
            VISIBLE_TASK_QUEUE=queue,
            VISIBLE_TASK_FILE=str(self.tmp_path / f"{queue}.sqlite3"),
            VISIBLE_SWEEP_EVERY_SECONDS="1",
            PYTHONUNBUFFERED="1",
        )
        if broker == "redis":
            env["VISIBLE_REDIS_URL"] = REDIS_URL
        env.update(environment)
        command = [sys.executable, "-m", "visible.cli", "worker", "--threads", str(threads)]
        if os.environ.get("VISIBLE_FROZEN_AT"):
            # The suite runs with the clock frozen: start the worker's clock where the test's
            # is now, so both agree when an alert falls due.
            env["VISIBLE_WORKER_CLOCK"] = timezone.now().isoformat()
            command[1:3] = [str(Path(__file__).with_name("frozen_worker.py"))]
        log = self.tmp_path / f"worker-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=self.tmp_path
            )
        worker = Worker(process, log)
        self.started.append(worker)
        return worker

    def close(self) -> None:
        for worker in self.started:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait()
        if "redis" in BROKERS and self.queues:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            for queue in self.queues:
                name = queue.replace("-", "")  # Huey keeps only letters, digits and _ in Redis keys
                for key in client.scan_iter(f"huey.*.{name}*"):
                    client.delete(key)
            client.close()
