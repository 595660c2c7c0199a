"""The pattern for long jobs (worker/queue.py): a job asked for in a transaction is queued only
once it commits, runs in a worker through the broker, and a failing one is logged with its
traceback and retried."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connections, transaction

from visible.worker.models import Routine
from visible.worker.queue import after_commit, huey, job

# Committed for real: the job runs in a thread of its own, as in a worker, on its own connection.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ran: list[str] = []


@job(retries=0)
def note_outcome(routine: str, text: str) -> None:
    """A job that leaves something in the database, as an import leaves its outcome."""
    Routine.objects.update_or_create(name=routine, defaults={"outcome": text})


@job(retries=2, retry_delay=0)
def flaky(times: int) -> None:
    ran.append("try")
    if len(ran) <= times:
        raise ConnectionError(f"the far end did not answer (try {len(ran)})")


@pytest.fixture
def broker():
    """The test run's own SQLite broker instead of immediate mode: jobs wait in it until
    `work()` takes them in a thread of its own, as a worker's thread does; how many it ran."""
    huey.immediate = False
    huey.flush()
    ran.clear()

    def work() -> int:
        done = [0]

        def worker_thread():
            try:
                while (task := huey.dequeue()) is not None:
                    huey.execute(task)
                    done[0] += 1
            finally:
                connections.close_all()

        thread = threading.Thread(target=worker_thread)
        thread.start()
        thread.join(timeout=60)
        return done[0]

    yield work
    huey.flush()
    huey.immediate = True


@committed
def test_a_job_asked_for_in_a_transaction_is_queued_when_it_commits(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            after_commit(note_outcome, "import-7", "Imported 12 children")
            assert huey.pending_count() == 0  # not before the rows it needs are committed
    assert huey.pending_count() == 1
    assert not Routine.objects.filter(name="import-7").exists()  # queued, not run in the request
    assert broker() == 1
    assert Routine.objects.get(name="import-7").outcome == "Imported 12 children"


@committed
def test_a_job_in_a_transaction_rolled_back_is_never_queued(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValueError):
            with transaction.atomic():
                after_commit(note_outcome, "import-8", "never")
                raise ValueError("the upload was refused")
    assert huey.pending_count() == 0


def test_a_failing_job_is_logged_and_retried(broker, caplog):
    flaky(2)
    with caplog.at_level(logging.ERROR, logger="huey"):
        assert broker() == 3  # the first try and two retries
    assert ran == ["try", "try", "try"]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 2
    assert all(r.exc_info and r.exc_info[0] is ConnectionError for r in failures)


def test_a_job_failing_every_time_is_dropped_after_its_retries(broker, caplog):
    flaky(10)
    with caplog.at_level(logging.ERROR, logger="huey"):
        assert broker() == 3
    assert huey.pending_count() == 0 and huey.scheduled_count() == 0
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 3
