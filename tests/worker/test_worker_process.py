"""The worker as it runs in production: `visible worker` in a process of its own, on the test
database, with each broker. An alert falls due and is raised with nobody running a command;
the health checks follow the worker; SIGTERM stops it cleanly."""

from __future__ import annotations

import datetime as dt
import re
import signal
import time

import pytest
from django.utils import timezone

from tests.factories import as_viewer
from visible.audit.log import record, verify
from visible.audit.models import AuditEvent
from visible.audit.seal import unsealed
from visible.missing import actions
from visible.missing.inputs import ReportMissingInput
from visible.missing.models import Alert
from visible.worker.models import Routine, WorkerProcess

from .support import BROKERS, wait_for

# Not run with the clock frozen (tests/conftest.py): the worker runs in a process of its own, on the real clock.
pytestmark = pytest.mark.real_clock

worker_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)
START = 90  # seconds a worker may take to start and sweep once, on a busy two-core machine
DUE_IN = 4  # seconds after reporting that the police report falls overdue


def _first_sweep_done():
    return Routine.objects.filter(name="sweep", ok=True).exists() and (
        WorkerProcess.objects.filter(seen_at__isnull=False, stopped_at=None).exists()
    )


@worker_db
@pytest.mark.parametrize("broker", BROKERS)
def test_an_alert_falls_due_and_is_raised_with_nobody_running_a_command(
    broker, start_worker, sw_a, make_child, client
):
    child = make_child(sw_a)
    worker = start_worker(broker)
    wait_for("the worker's first sweep", _first_sweep_done, worker, START)
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json()

    # Missing since just under an hour ago, not yet reported to the police: the rulebook's
    # hour runs out DUE_IN seconds from now. Reporting it raises nothing yet.
    reported = timezone.now()
    due = reported + dt.timedelta(seconds=DUE_IN)
    actions.report_missing(
        as_viewer(sw_a),
        child,
        ReportMissingInput.from_mapping(
            {
                "category": "M",
                "last_seen_at": due - dt.timedelta(hours=1),
                "last_seen_place": "Bus station (synthetic)",
                "reported_by_name": "Carer (synthetic)",
                "reported_by_role": "carer",
            }
        ),
    )
    overdue = Alert.objects.filter(child=child, code="no_police_report")
    assert not overdue.exists(), "the alert was raised on reporting, before it was due"

    # Nobody does anything more: the worker's sweep raises it once it is due.
    alert = wait_for("the no-police-report alert", overdue.first, worker, DUE_IN + 30)
    waited = (timezone.now() - due).total_seconds()
    assert alert.raised_at >= due and alert.resolved_at is None
    assert AuditEvent.objects.filter(
        actor_username="<sweep>", child_id=child.pk, summary__startswith="Alerts: 1 raised"
    ).exists()
    print(f"[{broker}] alert raised {waited:.1f} s after it fell due")  # shown with -s

    # SIGTERM: it stops cleanly, says so, and /readyz says the worker is gone.
    stopping = time.monotonic()
    assert worker.stop() == 0, worker.output()
    assert time.monotonic() - stopping < 15
    assert "stopped." in worker.output()
    assert WorkerProcess.objects.get(stopped_at__isnull=False).seen_at is not None
    after = client.get("/readyz")
    assert after.status_code == 503
    assert "the last worker stopped" in after.json()["checks"]["worker"]["detail"]


@worker_db
def test_two_workers_with_their_schedulers_raise_a_falling_due_alert_once(
    start_worker, sw_a, make_child
):
    """Two workers, each queueing a sweep every second (a second machine started without
    --no-scheduler): the alert is raised once, with one audit event, and neither fails."""
    child = make_child(sw_a)
    first, second = start_worker("sqlite"), start_worker("sqlite")
    wait_for(
        "both workers' heartbeats",
        lambda: WorkerProcess.objects.filter(seen_at__isnull=False).count() == 2,
        first,
        START,
    )
    due = timezone.now() + dt.timedelta(seconds=DUE_IN)
    actions.report_missing(
        as_viewer(sw_a),
        child,
        ReportMissingInput.from_mapping(
            {
                "category": "M",
                "last_seen_at": due - dt.timedelta(hours=1),
                "last_seen_place": "Bus station (synthetic)",
                "reported_by_name": "Carer (synthetic)",
                "reported_by_role": "carer",
            }
        ),
    )
    overdue = Alert.objects.filter(child=child, code="no_police_report")
    wait_for("the no-police-report alert", overdue.exists, first, DUE_IN + 30)
    time.sleep(3)  # a few more sweeps by both
    assert overdue.count() == 1
    raised = AuditEvent.objects.filter(actor_username="<sweep>", child_id=child.pk)
    assert [e.summary for e in raised] == ["Alerts: 1 raised, 0 closed automatically"]
    assert first.stop() == 0 and second.stop() == 0
    for worker in (first, second):
        assert "Traceback" not in worker.output(), worker.output()


@worker_db
def test_the_worker_seals_the_audit_events_that_no_request_sealed(start_worker, sw_a, settings):
    """Events appended while nobody sealed them after their commit (the head busy, say) are
    sealed by the worker within a period, in order, and the chain verifies."""
    settings.VISIBLE_AUDIT_SEAL_AT_ONCE = False
    settings.VISIBLE_AUDIT_SEAL_AFTER_COMMIT = False
    for n in range(3):
        record(as_viewer(sw_a), "view", object_type="child", object_id=n + 1, summary=f"View {n}")
    assert unsealed().count() == 3
    worker = start_worker("sqlite", VISIBLE_AUDIT_SEAL_AT_ONCE="0")
    wait_for("the events sealed", lambda: not unsealed().exists(), worker, START)
    assert [e.summary for e in AuditEvent.objects.filter(summary__startswith="View ")] == [
        "View 0",
        "View 1",
        "View 2",
    ]
    assert verify().ok
    assert worker.stop() == 0 and "Traceback" not in worker.output(), worker.output()


@worker_db
def test_the_worker_refuses_to_start_in_immediate_mode(start_worker):
    worker = start_worker("sqlite", VISIBLE_TASKS_IMMEDIATE="1")
    assert worker.process.wait(timeout=60) == 2
    assert "VISIBLE_TASKS_IMMEDIATE is on" in worker.output()
    assert "Traceback" not in worker.output()


@worker_db
def test_sigterm_lets_the_running_sweep_finish_before_the_worker_stops(start_worker):
    """systemd stops the worker with SIGTERM: a sweep already running is finished and
    recorded, not cut off."""
    from django.db import transaction

    # Huey says when a task starts. Six threads: while the test holds the lock, the other
    # routines due each second (the heartbeat, deliveries, escalation, sealing) wait on it
    # too, each holding a thread; with fewer, they could take every thread and the sweep
    # would expire in the queue unstarted.
    worker = start_worker("sqlite", threads=6, VISIBLE_LOG_LEVEL="INFO")
    wait_for("the worker's first sweep", _first_sweep_done, worker, START)
    starts = "Executing visible.worker.tasks.sweep"
    with transaction.atomic():
        # Hold the sweep's row (on SQLite, the write lock): the next sweep starts and waits.
        Routine.objects.select_for_update().get(name="sweep")
        before = worker.output().count(starts)
        wait_for("a sweep starting", lambda: worker.output().count(starts) > before, worker, 30)
        worker.process.send_signal(signal.SIGTERM)
        time.sleep(1.5)
        assert worker.process.poll() is None, "it stopped without finishing the sweep"
    assert worker.process.wait(timeout=30) == 0, worker.output()  # (a second SIGTERM: at once)
    output = worker.output()
    # Every sweep that started also finished (Huey logs "<task> executed in N s"), the last
    # of them before the worker said it stopped; and it was recorded.
    finished = re.findall(r"visible\.worker\.tasks\.sweep: \S+[^\n]* executed in", output)
    assert len(finished) == output.count(starts), output
    assert output.rindex("executed in") < output.rindex("stopped."), output
    routine = Routine.objects.get(name="sweep")
    assert routine.ok is True and routine.finished_at is not None
    assert routine.holder == ""  # and it let go of the lock
    assert "stopped." in worker.output() and "Traceback" not in worker.output()
