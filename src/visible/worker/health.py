"""Health checks: /healthz (the process answers), /readyz (it can do its work) and
`visible status` (the same checks, in the terminal).

Ready means: the database answers, every migration is applied, a worker took work (its
heartbeat) within VISIBLE_READY_WORKER_SECONDS, a sweep ended well within
VISIBLE_READY_SWEEP_SECONDS (without those two, time-based alerts such as an overdue return
interview or no police report are not being raised), and no audit event has waited longer than
VISIBLE_AUDIT_SEAL_LIMIT to be sealed into the audit chain (audit/seal.py). The answers name no person, child, host or
address, and neither needs signing in nor writes to the audit log: load balancers and
monitoring ask every few seconds."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from visible.audit.seal import unsealed_tail

from .models import Routine, WorkerProcess
from .routines import SWEEP

logger = logging.getLogger("visible.health")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _ago(then: dt.datetime | None, now: dt.datetime) -> str:
    if then is None:
        return "at a time not recorded"
    seconds = max(0, round((now - then).total_seconds()))
    when = timezone.localtime(then).isoformat(timespec="seconds")
    return f"{seconds} s ago ({when})"


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return Check("database", False, f"cannot reach the database ({type(error).__name__})")
    return Check("database", True, f"answers ({connection.vendor})")


def pending_migrations() -> list[str]:
    """The migrations not yet applied to the database, as "app.name"."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


# Reading every migration costs about 25 ms, too much for every probe: once all are applied,
# this process says so again for a minute without looking.
MIGRATIONS_KNOWN_FOR = 60.0
_migrations_applied_until = [0.0]


def check_migrations() -> Check:
    if time.monotonic() < _migrations_applied_until[0]:
        return Check("migrations", True, "all applied")
    try:
        pending = pending_migrations()
    except DatabaseError as error:
        return Check("migrations", False, f"cannot read them ({type(error).__name__})")
    if pending:
        return Check(
            "migrations",
            False,
            f"{len(pending)} not applied ({', '.join(pending[:3])}{'...' if len(pending) > 3 else ''}): "
            "run `visible manage migrate`",
        )
    _migrations_applied_until[0] = time.monotonic() + MIGRATIONS_KNOWN_FOR
    return Check("migrations", True, "all applied")


def check_worker(now: dt.datetime) -> Check:
    limit = settings.VISIBLE_READY_WORKER_SECONDS
    try:
        running = WorkerProcess.objects.filter(stopped_at__isnull=True, seen_at__isnull=False)
        recent = running.filter(seen_at__gte=now - dt.timedelta(seconds=limit))
        latest = recent.order_by("-seen_at").first()
        count = recent.count()
        if latest is not None:
            others = f"; {count} workers" if count > 1 else ""
            return Check("worker", True, f"seen {_ago(latest.seen_at, now)}{others}")
        last = WorkerProcess.objects.exclude(seen_at=None).order_by("-seen_at").first()
        starting = WorkerProcess.objects.filter(stopped_at=None, seen_at=None).exists()
    except DatabaseError as error:
        return Check("worker", False, f"cannot read its heartbeat ({type(error).__name__})")
    if last is None:
        detail = "no worker has taken work yet: start `visible worker`"
    elif last.stopped_at is not None:
        detail = f"the last worker stopped {_ago(last.stopped_at, now)}: start `visible worker`"
    else:
        detail = (
            f"not seen for more than {limit} s (last {_ago(last.seen_at, now)}): is `visible worker` "
            "running, and can it reach its broker and the database?"
        )
    if starting:
        detail += " (a worker has started and not yet taken work)"
    return Check("worker", False, detail + "; time-based alerts are not being raised")


def check_sweep(now: dt.datetime) -> Check:
    limit = settings.VISIBLE_READY_SWEEP_SECONDS
    try:
        routine = Routine.objects.filter(name=SWEEP).first()
    except DatabaseError as error:
        return Check("sweep", False, f"cannot read its record ({type(error).__name__})")
    if routine is None or routine.last_ok_at is None:
        detail = "no sweep has finished yet"
        if routine is not None and routine.ok is False:
            detail += f"; the last one {routine.outcome}, {_ago(routine.finished_at, now)}"
        return Check("sweep", False, detail)
    last_failed = (
        f"; the last one {routine.outcome}, {_ago(routine.finished_at, now)}"
        if routine.ok is False
        else ""
    )
    if routine.last_ok_at < now - dt.timedelta(seconds=limit):
        return Check(
            "sweep",
            False,
            f"none has finished well for more than {limit} s (last {_ago(routine.last_ok_at, now)})"
            + last_failed,
        )
    return Check("sweep", True, f"finished {_ago(routine.last_ok_at, now)}{last_failed}")


def check_audit_tail(now: dt.datetime) -> Check:
    """The audit tail is sealed: no event has waited longer than the limit for its place in
    the chain. Counts and times only: nothing an event says."""
    try:
        tail = unsealed_tail(now)
    except DatabaseError as error:
        return Check("audit_tail", False, f"cannot read it ({type(error).__name__})")
    if not tail.young:
        return Check("audit_tail", False, f"not sealed: {tail.problem()}")
    return Check("audit_tail", True, f"sealed: {tail.describe()}")


CHECKS = ("database", "migrations", "worker", "sweep", "audit_tail")


def readiness(now: dt.datetime | None = None) -> list[Check]:
    database = check_database()
    if not database.ok:
        return [database] + [
            Check(name, False, "not checked: the database does not answer") for name in CHECKS[1:]
        ]
    now = now or timezone.now()
    return [
        database,
        check_migrations(),
        check_worker(now),
        check_sweep(now),
        check_audit_tail(now),
    ]


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and answering: nothing else is asked (not even the database)."""
    return _no_store(HttpResponse("ok\n", content_type="text/plain; charset=utf-8"))


@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """200 when every check passes, else 503; the body says which failed, and why."""
    checks = readiness()
    ready = all(check.ok for check in checks)
    body = {
        "ready": ready,
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    response = JsonResponse(body, status=200 if ready else 503)
    if not ready:
        # Not ready is an answer, not a fault: one WARNING naming the failed checks, instead of
        # Django's ERROR "Service Unavailable" (which would page, or reach Sentry, every few
        # seconds a load balancer asks while the worker is down).
        failed = ", ".join(f"{c.name} ({c.detail})" for c in checks if not c.ok)
        logger.warning("Not ready: %s", failed)
        response._has_been_logged = True  # type: ignore[attr-defined]  # django.utils.log
    return _no_store(response)
