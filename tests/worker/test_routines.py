"""The sweep's lock: one sweep at a time, however many workers and schedulers queue it; a lock
left by a worker that died lapses; a failed sweep is recorded and frees the lock."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading

import pytest
from django.utils import timezone

from tests.connections import at_once
from tests.factories import as_viewer
from visible.missing import actions, sweep
from visible.missing.inputs import ReportMissingInput
from visible.missing.models import Alert
from visible.worker import queue, routines, tasks
from visible.worker.models import Routine

DEAD = "crashed-host pid 99"


def _overdue_episode(sw_a, make_child):
    """A child missing three hours, never reported to the police, with the alert not yet stored
    (as if it fell due since anyone last looked)."""
    child = make_child(sw_a)
    actions.report_missing(
        as_viewer(sw_a),
        child,
        ReportMissingInput.from_mapping(
            {
                "category": "M",
                "last_seen_at": timezone.now() - dt.timedelta(hours=3),
                "last_seen_place": "Bus station (synthetic)",
                "reported_by_name": "Carer (synthetic)",
                "reported_by_role": "carer",
            }
        ),
    )
    Alert.objects.filter(child=child).delete()
    return Alert.objects.filter(child=child, code="no_police_report")


@pytest.mark.django_db
def test_a_sweep_does_nothing_while_another_holds_the_lock_and_runs_once_it_lapses(
    sw_a, make_child
):
    overdue = _overdue_episode(sw_a, make_child)
    now = timezone.now()
    assert routines.take("sweep", DEAD, now, dt.timedelta(minutes=10))

    run = tasks.run_sweep()
    assert not run.ran and run.outcome == f"not started: {DEAD} is running it"
    assert not overdue.exists()
    assert Routine.objects.get(name="sweep").last_ok_at is None

    # The holder died: its lock lapses at held_until, and the next sweep runs.
    Routine.objects.filter(name="sweep").update(held_until=now - dt.timedelta(seconds=1))
    run = tasks.run_sweep()
    assert run.ran and run.outcome.startswith("Swept: ")
    assert overdue.count() == 1
    routine = Routine.objects.get(name="sweep")
    assert routine.ok is True and routine.holder == "" and routine.held_until is None


@pytest.mark.django_db
def test_a_failed_sweep_is_recorded_by_its_kind_and_frees_the_lock(sw_a, make_child, monkeypatch):
    overdue = _overdue_episode(sw_a, make_child)

    def broken(*args, **kwargs):
        raise RuntimeError("something about child 42 (synthetic)")

    monkeypatch.setattr(sweep, "sweep_all", broken)
    for failures in (1, 2):
        with pytest.raises(RuntimeError):
            tasks.run_sweep()
        routine = Routine.objects.get(name="sweep")
        assert (routine.ok, routine.outcome, routine.failures) == (
            False,
            "failed: RuntimeError",  # not its message, which could quote a record
            failures,
        )
        assert routine.holder == "" and routine.last_ok_at is None
    monkeypatch.undo()
    assert tasks.run_sweep().ran
    assert overdue.count() == 1
    assert Routine.objects.get(name="sweep").failures == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sweeps_started_together_run_one_at_a_time(sw_a, make_child, monkeypatch):
    """Four workers' sweeps queued at the same moment (four schedulers, or a backlog): one runs,
    the others find the lock taken and do nothing, whatever the database."""
    overdue = _overdue_episode(sw_a, make_child)
    real = sweep.sweep_all
    running, most = [0], [0]
    guard = threading.Lock()

    def slow_sweep(*args, **kwargs):
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            threading.Event().wait(0.5)  # long enough for every other sweep to ask for the lock
            return real(*args, **kwargs)
        finally:
            with guard:
                running[0] -= 1

    monkeypatch.setattr(sweep, "sweep_all", slow_sweep)
    runs = at_once(
        lambda i: routines.run_once(
            "sweep",
            lambda: sweep.sweep_all().describe(),
            now=timezone.now,
            hold_for=dt.timedelta(minutes=10),
            holder=f"worker {i}",
        ),
        4,
    )
    assert most[0] == 1
    assert sorted(run.ran for run in runs) == [False, False, False, True]
    assert overdue.count() == 1


@pytest.mark.django_db
def test_a_lock_that_ran_out_during_a_sweep_is_logged(caplog):
    clock = iter(
        [
            timezone.now(),  # taken, for one second
            timezone.now() + dt.timedelta(seconds=5),  # finished after it ran out
        ]
    )

    def work():
        # Meanwhile another worker found the lock lapsed and took it.
        later = timezone.now() + dt.timedelta(seconds=2)
        assert routines.take("sweep", "another pid 2", later, dt.timedelta(minutes=10))
        return "Swept: 0 children checked"

    with caplog.at_level(logging.WARNING, logger="visible.worker"):
        run = routines.run_once(
            "sweep", work, now=lambda: next(clock), hold_for=dt.timedelta(seconds=1), holder="me"
        )
    assert run.ran
    assert "The sweep lock ran out while me was running it" in caplog.text
    assert Routine.objects.get(name="sweep").holder == "another pid 2"  # theirs, still held


@pytest.mark.django_db
def test_a_starting_worker_frees_the_locks_of_dead_workers_on_its_machine_only():
    import socket
    import subprocess

    here = socket.gethostname()
    gone = subprocess.Popen(["true"])
    gone.wait()
    until = timezone.now() + dt.timedelta(minutes=5)
    for name, holder in [
        ("sweep", f"{here} pid {gone.pid}"),  # killed mid-sweep: its lock would hold 5 minutes
        ("seal", f"{here} pid {os.getppid()}"),  # alive
        ("other", f"elsewhere pid {gone.pid}"),  # another machine: cannot tell
    ]:
        Routine.objects.create(name=name, holder=holder, held_until=until)
    assert routines.free_locks_of_dead_processes() == [f"{here} pid {gone.pid}"]
    assert dict(Routine.objects.values_list("name", "holder")) == {
        "sweep": "",
        "seal": f"{here} pid {os.getppid()}",
        "other": f"elsewhere pid {gone.pid}",
    }
    assert tasks.run_sweep().ran


def test_the_scheduler_queues_sealing_every_five_seconds_and_the_sweep_every_minute(
    monkeypatch,
):
    """The worker's scheduler, on a clock the test moves: the first round at once, then
    sealing the audit log every VISIBLE_AUDIT_SEAL_EVERY_SECONDS (5) and the heartbeat and the
    sweep every VISIBLE_SWEEP_EVERY_SECONDS (60); a stall of the loop queues one turn, not a
    backlog of them."""
    from visible.worker import consumer

    queued: list[str] = []

    class Broker:
        def enqueue(self, task):
            queued.append(task.name)

    clock = [1000.0]
    monkeypatch.setattr(consumer.time, "monotonic", lambda: clock[0])
    scheduler = consumer.RoutineScheduler(Broker(), threading.Event(), 1, True)
    scheduler.every = 60
    seen = []
    for second in range(0, 125, 1):
        clock[0] = 1000.0 + second
        queued.clear()
        scheduler.enqueue_routine()
        seen += [(second, name) for name in queued]
    names = {tasks.seal_audit.name: "seal", tasks.sweep.name: "sweep"}
    assert [s for s, n in seen if names.get(n) == "sweep"] == [0, 60, 120]
    assert [s for s, n in seen if names.get(n) == "seal"] == list(range(0, 125, 5))

    clock[0] += 3600  # the loop stalled for an hour
    queued.clear()
    scheduler.enqueue_routine()
    scheduler.enqueue_routine()
    routine = (*tasks.ROUTINE, *queue.APP_ROUTINES)  # the apps' own, once their jobs.py is in
    assert sorted(queued) == sorted(task.name for task in routine)  # once each
