"""A real `visible worker`, started as its own process against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from .support import BROKERS, REDIS_URL, ROOT, SRC, Worker, database_url, wait_for  # noqa: F401


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """start_worker(broker="sqlite", **environment) -> Worker: `visible worker` in a process
    of its own on the test database, sweeping every second; stopped with SIGTERM afterwards."""
    started: list[Worker] = []
    queues: list[str] = []

    def start(broker: str = "sqlite", threads: int = 2, **environment: str) -> Worker:
        queue = f"visible-test-{uuid.uuid4().hex[:12]}"
        queues.append(queue)
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
            VISIBLE_TASK_FILE=str(tmp_path / f"{queue}.sqlite3"),
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
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path
            )
        worker = Worker(process, log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()
    if "redis" in BROKERS and queues:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for queue in queues:
            name = queue.replace("-", "")  # Huey keeps only letters, digits and _ in Redis keys
            for key in client.scan_iter(f"huey.*.{name}*"):
                client.delete(key)
        client.close()
