"""What the worker leaves in the database for the health checks (/readyz, `visible status`):
each worker process's heartbeat, and each routine's lock and last run. The web process reads
them; it never needs to reach the worker or its broker."""

from __future__ import annotations

from django.db import models


class WorkerProcess(models.Model):
    """One `visible worker` process, from its start. ``seen_at`` is written by the heartbeat
    task, which reaches the process through the broker like any job: a recent one means the
    scheduler, the broker, a free worker thread and the database all worked just now."""

    name = models.CharField(max_length=200, unique=True, help_text='"host pid 1234"')
    broker = models.CharField(max_length=100, help_text="Where it takes its jobs from")
    threads = models.PositiveSmallIntegerField()
    runs_scheduler = models.BooleanField(
        help_text="Whether it queues the routine tasks (the sweep, the heartbeat) itself"
    )
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(null=True, blank=True, db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.name


class Routine(models.Model):
    """A routine task that must not run twice at once (the sweep): the lock that says who is
    running it, and how its last run ended.

    The lock is this row: a run takes it with one conditional UPDATE (free, or held past
    ``held_until`` by a worker that died), so two workers, two schedulers or two overlapping
    runs can never both hold it, whichever broker each uses."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=200, blank=True, help_text="The worker running it now")
    held_until = models.DateTimeField(
        null=True, blank=True, help_text="The lock lapses then, should its holder have died"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True, help_text="Whether the last run ended well")
    outcome = models.CharField(
        max_length=300, blank=True, help_text="What the last run did, or the error it ended with"
    )
    last_ok_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Runs failed in a row")

    def __str__(self) -> str:
        return self.name
