"""Visible's tasks. The routine ones (ROUTINE) are queued by the worker's scheduler
(consumer.py): the heartbeat and the sweep every VISIBLE_SWEEP_EVERY_SECONDS, sealing the audit
log every VISIBLE_AUDIT_SEAL_EVERY_SECONDS (PERIODS); long jobs are declared with queue.job.

Each routine task expires after one period: if the workers are too busy to start it before the
next one is queued, it is dropped rather than piling up behind them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from . import routines
from .queue import fresh_connections, huey
from .routines import SWEEP

_EVERY = settings.VISIBLE_SWEEP_EVERY_SECONDS
_SEAL_EVERY = settings.VISIBLE_AUDIT_SEAL_EVERY_SECONDS


@huey.task(name="heartbeat", expires=_EVERY)
@fresh_connections
def heartbeat() -> None:
    """Say that this worker is alive and taking work (read by /readyz and `visible status`)."""
    routines.worker_seen(routines.identity(), timezone.now())


@huey.task(name="seal_audit", expires=_SEAL_EVERY)
@fresh_connections
def seal_audit() -> int:
    """Seal into the audit chain the events appended since the last run that no request has
    sealed (audit/seal.py): waits for the chain's head if a bulk writer holds it. No lock of
    its own: the head's row lock already lets one sealer at a time, and the database frees it
    if the worker dies."""
    from visible.audit.seal import seal_pending

    return seal_pending().events


@huey.task(name=SWEEP, expires=_EVERY)
@fresh_connections
def sweep() -> str:
    """Raise the time-based alerts that have fallen due, and close those no longer due, for
    every child (missing/sweep.py): what `visible sweep` does, with the lock that keeps two
    from running at once."""
    return run_sweep().outcome


def run_sweep() -> routines.Run:
    from visible.missing.sweep import sweep_all
    from visible.transfers.sweep import sweep_transfers

    return routines.run_once(
        SWEEP,
        lambda: f"{sweep_all().describe()}; {sweep_transfers().describe()}",
        now=timezone.now,
        hold_for=dt.timedelta(seconds=settings.VISIBLE_SWEEP_LOCK_SECONDS),
    )


ROUTINE = (heartbeat, sweep, seal_audit)
PERIODS = {seal_audit.name: _SEAL_EVERY}  # seconds; the others every VISIBLE_SWEEP_EVERY_SECONDS
