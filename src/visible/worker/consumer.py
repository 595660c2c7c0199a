"""`visible worker`: Huey's consumer (threads taking jobs from the broker) and its scheduler,
which also queues the routine tasks: the sweep and the heartbeat every
VISIBLE_SWEEP_EVERY_SECONDS, sealing the audit log every VISIBLE_AUDIT_SEAL_EVERY_SECONDS, and
the apps' own, declared with queue.routine (the notifications due), with the sweep.

Huey's own periodic tasks are checked once a minute at most, and a crontab cannot say "every
N seconds"; the tests need a sweep every second. So the scheduler is Huey's, with one addition
in its loop, the extension its author suggests for this (a Scheduler subclass in a Consumer
subclass: github.com/coleifer/huey/issues/608). The period is kept by the monotonic clock, so a
change of the wall clock (summer time, an NTP step) neither skips nor repeats a sweep.

SIGTERM (systemd's stop) is graceful: no new job is taken, running ones are given
VISIBLE_WORKER_SHUTDOWN_SECONDS to finish. SIGINT (Ctrl+C) stops at once: a sweep cut short
is rolled back by the database, and the next worker's sweep does its work."""

from __future__ import annotations

import logging
import sys
import time

from django.conf import settings
from django.db import connections
from django.utils import timezone
from huey.consumer import Consumer, Scheduler

from . import routines
from .health import pending_migrations
from .queue import describe_broker, huey

logger = logging.getLogger("visible.worker")


class RoutineScheduler(Scheduler):
    every: float = 60.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._next: dict[str, float] = {}  # each routine task's next turn; the first at once

    def loop(self, now=None):
        if self.periodic:
            self.enqueue_routine()
        super().loop(now)

    def enqueue_routine(self) -> None:
        """Queue each routine task whose turn has come: every ``every`` seconds, or its own
        period (tasks.PERIODS)."""
        from .queue import APP_ROUTINES
        from .tasks import PERIODS, ROUTINE

        clock = time.monotonic()
        for task in (*ROUTINE, *APP_ROUTINES):
            due = self._next.setdefault(task.name, clock)
            if due > clock:
                continue
            period = PERIODS.get(task.name, self.every)
            while due <= clock:  # after a stall, one turn, not many
                due += period
            self._next[task.name] = due
            try:
                self.huey.enqueue(task.s())
            except Exception:
                self._logger.exception("Could not queue %s (is the broker reachable?)", task.name)


class RoutineConsumer(Consumer):
    scheduler_class = RoutineScheduler

    def __init__(self, huey, every: float, **options):
        self.every = every  # read by _create_scheduler, which Consumer.__init__ calls
        super().__init__(huey, **options)

    def _create_scheduler(self):
        scheduler = super()._create_scheduler()
        scheduler.every = self.every
        return scheduler


def run(threads: int, scheduler: bool = True, out=sys.stdout) -> int:
    from django.utils.module_loading import autodiscover_modules

    from . import tasks  # noqa: F401  (registers the routine tasks with the consumer)

    autodiscover_modules("jobs")  # and each app's jobs (queue.job), from its jobs.py

    if huey.immediate:
        raise ValueError(
            "VISIBLE_TASKS_IMMEDIATE is on: jobs run where they are asked for, so a worker would "
            "have nothing to do"
        )
    if threads < 1:
        raise ValueError("--threads must be 1 or more")
    pending = pending_migrations()
    if pending:
        raise ValueError(
            f"the database is missing {len(pending)} migrations ({', '.join(pending[:3])}...): "
            "run `visible manage migrate` first"
        )
    every = settings.VISIBLE_SWEEP_EVERY_SECONDS
    me = routines.identity()
    for holder in routines.free_locks_of_dead_processes():
        print(f"Freed the lock left by {holder}, which is no longer running.", file=out)
    from visible.ssda903.imports import fail_jobs_of_dead_processes

    for upload in fail_jobs_of_dead_processes(timezone.now(), routines._alive):
        print(f"Upload {upload} was being imported by a worker that stopped: failed.", file=out)
    routines.worker_started(
        me, timezone.now(), broker=describe_broker(), threads=threads, runs_scheduler=scheduler
    )
    connections.close_all()  # each worker thread opens its own
    consumer = RoutineConsumer(
        huey,
        every=every,
        workers=threads,
        periodic=scheduler,
        worker_type="thread",
        scheduler_interval=1,
        max_delay=2.0,  # an idle thread looks at a SQLite or PostgreSQL queue every 2 s at most
        graceful_signal="TERM",
        shutdown_timeout=settings.VISIBLE_WORKER_SHUTDOWN_SECONDS,
    )
    routine = (
        f"the sweep and the heartbeat every {every} s"
        if scheduler
        else "no scheduler: another worker queues the sweep"
    )
    print(
        f"Visible worker ({me}): {threads} thread{'s' if threads != 1 else ''}, jobs from "
        f"{describe_broker()}, {routine}. "
        "SIGTERM stops it gently, Ctrl+C at once.",
        file=out,
        flush=True,
    )
    try:
        consumer.run()
    finally:
        try:
            routines.worker_stopped(me, timezone.now())
        finally:
            connections.close_all()
    print(f"Visible worker ({me}) stopped.", file=out, flush=True)
    return 0
