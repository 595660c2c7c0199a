"""The database side of the worker: its heartbeat, and the lock and record of each routine.

Times come from Django's clock and are passed in, so a test can say when."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, Q

from .models import Routine, WorkerProcess

logger = logging.getLogger("visible.worker")

SWEEP = "sweep"  # the routine that raises time-based alerts (tasks.sweep)
FORGET_WORKERS_AFTER = dt.timedelta(days=7)  # a stopped or vanished worker's row, then deleted


def identity() -> str:
    """This process, as the heartbeat and the locks name it."""
    return f"{socket.gethostname()} pid {os.getpid()}"


def worker_started(
    name: str, at: dt.datetime, *, broker: str, threads: int, runs_scheduler: bool
) -> None:
    WorkerProcess.objects.update_or_create(
        name=name,
        defaults={
            "broker": broker[:100],
            "threads": threads,
            "runs_scheduler": runs_scheduler,
            "started_at": at,
            "seen_at": None,
            "stopped_at": None,
        },
    )


def worker_seen(name: str, at: dt.datetime) -> None:
    if not WorkerProcess.objects.filter(name=name).update(seen_at=at):
        # Its row was forgotten (or this worker started before the table was there).
        WorkerProcess.objects.create(
            name=name, broker="", threads=0, runs_scheduler=False, started_at=at, seen_at=at
        )
    WorkerProcess.objects.filter(
        Q(seen_at__lt=at - FORGET_WORKERS_AFTER)
        | Q(seen_at__isnull=True, started_at__lt=at - FORGET_WORKERS_AFTER)
    ).delete()


def worker_stopped(name: str, at: dt.datetime) -> None:
    WorkerProcess.objects.filter(name=name).update(stopped_at=at)


def take(routine: str, holder: str, at: dt.datetime, hold_for: dt.timedelta) -> bool:
    """Take the routine's lock if it is free (or its holder's time ran out): one UPDATE, which
    only one of any number of workers asking at once can win."""
    Routine.objects.get_or_create(name=routine)
    return bool(
        Routine.objects.filter(name=routine)
        .filter(Q(held_until__isnull=True) | Q(held_until__lte=at))
        .update(holder=holder, held_until=at + hold_for, started_at=at)
    )


def free_locks_of_dead_processes() -> list[str]:
    """Free the locks held by processes of this machine that are gone (a worker killed in the
    middle of a sweep and restarted by systemd), so that the new one need not wait for them to
    lapse. A lock held on another machine, or by a live process, is left alone."""
    prefix = f"{socket.gethostname()} pid "
    freed = []
    for holder in Routine.objects.filter(holder__startswith=prefix).values_list(
        "holder", flat=True
    ):
        pid = holder.removeprefix(prefix)
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        if Routine.objects.filter(holder=holder).update(holder="", held_until=None):
            freed.append(holder)
    return freed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def finish(routine: str, holder: str, at: dt.datetime, *, ok: bool, outcome: str) -> None:
    """Record how the run ended, and free the lock if it is still this holder's."""
    done = {"finished_at": at, "ok": ok, "outcome": outcome[:300]}
    if ok:
        done.update(last_ok_at=at, failures=0)
    else:
        done.update(failures=F("failures") + 1)
    Routine.objects.filter(name=routine).update(**done)
    if not Routine.objects.filter(name=routine, holder=holder).update(holder="", held_until=None):
        logger.warning(
            "The %s lock ran out while %s was running it: raise VISIBLE_SWEEP_LOCK_SECONDS above "
            "the longest run",
            routine,
            holder,
        )


@dataclass(frozen=True)
class Run:
    ran: bool  # False: another worker held the lock, and this one did nothing
    outcome: str


def run_once(
    routine: str,
    work: Callable[[], str],
    *,
    now: Callable[[], dt.datetime],
    hold_for: dt.timedelta,
    holder: str | None = None,
) -> Run:
    """Run ``work`` (which returns what it did, in words) unless another run holds the lock;
    record how it ended. An error is recorded by its kind only (its message could quote data)
    and raised again, for the worker to log with its traceback."""
    holder = holder or identity()
    if not take(routine, holder, now(), hold_for):
        held = Routine.objects.filter(name=routine).values_list("holder", flat=True).first()
        logger.info("%s not started: %s is running it", routine, held or "another worker")
        return Run(False, f"not started: {held or 'another worker'} is running it")
    try:
        outcome = work()
    except Exception as error:
        finish(routine, holder, now(), ok=False, outcome=f"failed: {type(error).__name__}")
        raise
    finish(routine, holder, now(), ok=True, outcome=outcome)
    return Run(True, outcome)
