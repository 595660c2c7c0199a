"""/healthz, /readyz and `visible status`: what a load balancer, a monitor and an operator are
told, for each way Visible can be not ready; no sign-in, no audit event, nothing personal."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from django.db import OperationalError
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import as_viewer
from visible.audit.models import AuditEvent
from visible.cli import main
from visible.missing import actions
from visible.missing.inputs import ReportMissingInput
from visible.worker import tasks
from visible.worker.models import Routine, WorkerProcess

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _migrations_checked_each_time(monkeypatch):
    from visible.worker import health

    monkeypatch.setattr(health, "_migrations_applied_until", [0.0])


def _worker(seen_seconds_ago: float | None, stopped: bool = False, name: str = "host pid 1"):
    now = timezone.now()
    return WorkerProcess.objects.create(
        name=name,
        broker="SQLite file",
        threads=4,
        runs_scheduler=True,
        started_at=now - dt.timedelta(hours=1),
        seen_at=None if seen_seconds_ago is None else now - dt.timedelta(seconds=seen_seconds_ago),
        stopped_at=now if stopped else None,
    )


def _sweep(ok_seconds_ago: float | None, failed_seconds_ago: float | None = None):
    now = timezone.now()
    last_ok = None if ok_seconds_ago is None else now - dt.timedelta(seconds=ok_seconds_ago)
    failed = None if failed_seconds_ago is None else now - dt.timedelta(seconds=failed_seconds_ago)
    return Routine.objects.create(
        name="sweep",
        last_ok_at=last_ok,
        finished_at=failed or last_ok,
        ok=failed is None,
        outcome="failed: OperationalError" if failed else "Swept: 3 children checked",
        failures=1 if failed else 0,
    )


def _about(seconds: int) -> str:
    """How long ago, as a pattern: the clock moves on while the test runs (slowly when busy)."""
    return "(" + "|".join(str(seconds + late) for late in range(6)) + ") s ago"


def _ready(client):
    response = client.get("/readyz")
    body = response.json()
    failed = {name for name, check in body["checks"].items() if not check["ok"]}
    return response.status_code, failed, body


def test_healthz_answers_without_the_database_or_signing_in(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"


def test_ready_once_a_worker_has_run_the_sweep_and_the_heartbeat(client, sw_a, make_child):
    """The tasks the worker runs, run here (immediate mode): the sweep raises a due alert,
    and /readyz then says ready, naming nobody."""
    child = make_child(sw_a, given_names="Kidane", family_name="Synthetic-Tesfay")
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
    status, failed, _ = _ready(client)
    assert status == 503 and failed == {"worker", "sweep"}

    tasks.heartbeat()
    tasks.sweep()
    status, failed, body = _ready(client)
    assert status == 200, body
    assert body["ready"] is True and failed == set()
    assert list(body["checks"]) == ["database", "migrations", "worker", "sweep", "audit_tail"]
    assert re.match(f"finished {_about(0)}", body["checks"]["sweep"]["detail"])
    text = client.get("/readyz").content.decode()
    assert "Kidane" not in text and "Tesfay" not in text
    assert "pid" not in text  # no host or process names for whoever asks


def test_no_worker_ever(client):
    _sweep(ok_seconds_ago=10)
    status, failed, body = _ready(client)
    assert status == 503 and failed == {"worker"}
    assert body["ready"] is False
    assert (
        "no worker has taken work yet: start `visible worker`"
        in (body["checks"]["worker"]["detail"])
    )


def test_not_ready_is_one_warning_not_an_error_report(client, caplog):
    """A monitor asks every few seconds while the worker is down: each answer is one WARNING
    naming what failed, never Django's ERROR "Service Unavailable", which would page someone
    (or reach Sentry) at every ask."""
    _sweep(ok_seconds_ago=10)
    with caplog.at_level(logging.INFO):
        assert client.get("/readyz").status_code == 503
    lines = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert not [line for line in lines if line[1] >= logging.ERROR], lines
    warnings = [line for line in lines if line[0] == "visible.health"]
    assert len(warnings) == 1 and warnings[0][1] == logging.WARNING
    assert warnings[0][2].startswith("Not ready: worker (no worker has taken work yet")


def test_worker_not_seen_for_two_minutes(client):
    _worker(seen_seconds_ago=130)
    _sweep(ok_seconds_ago=10)
    status, failed, body = _ready(client)
    assert status == 503 and failed == {"worker"}
    assert re.search(
        rf"not seen for more than 120 s \(last {_about(130)}", body["checks"]["worker"]["detail"]
    )


def test_worker_seen_just_now_among_stale_and_stopped_ones(client):
    _worker(seen_seconds_ago=3000, name="old pid 1")
    _worker(seen_seconds_ago=5, stopped=True, name="old pid 2")
    _worker(seen_seconds_ago=20, name="new pid 3")
    _sweep(ok_seconds_ago=10)
    status, failed, body = _ready(client)
    assert status == 200 and failed == set()
    assert re.match(f"seen {_about(20)}", body["checks"]["worker"]["detail"])


def test_the_only_worker_stopped(client):
    _worker(seen_seconds_ago=5, stopped=True)
    _sweep(ok_seconds_ago=10)
    status, failed, body = _ready(client)
    assert status == 503 and failed == {"worker"}
    assert re.match(f"the last worker stopped {_about(0)}", body["checks"]["worker"]["detail"])


def test_sweep_older_than_five_minutes(client):
    _worker(seen_seconds_ago=5)
    _sweep(ok_seconds_ago=301)
    status, failed, body = _ready(client)
    assert status == 503 and failed == {"sweep"}
    assert re.search(
        rf"none has finished well for more than 300 s \(last {_about(301)}",
        body["checks"]["sweep"]["detail"],
    )


def test_a_failed_sweep_after_a_recent_good_one_is_still_ready_and_says_so(client):
    _worker(seen_seconds_ago=5)
    _sweep(ok_seconds_ago=70, failed_seconds_ago=10)
    status, failed, body = _ready(client)
    assert status == 200
    assert re.search(
        f"the last one failed: OperationalError, {_about(10)}", body["checks"]["sweep"]["detail"]
    )


def test_sweeps_failing_since_the_worker_started(client):
    _worker(seen_seconds_ago=5)
    _sweep(ok_seconds_ago=None, failed_seconds_ago=10)
    status, failed, body = _ready(client)
    assert status == 503 and failed == {"sweep"}
    when = timezone.localtime(Routine.objects.get().finished_at).isoformat(timespec="seconds")
    assert re.fullmatch(
        f"no sweep has finished yet; the last one failed: OperationalError, {_about(10)} "
        + re.escape(f"({when})"),
        body["checks"]["sweep"]["detail"],
    )


def test_a_migration_not_applied(client):
    _worker(seen_seconds_ago=5)
    _sweep(ok_seconds_ago=10)
    assert _ready(client)[0] == 200
    from visible.worker import health

    health._migrations_applied_until[0] = 0.0  # a minute later
    MigrationRecorder.Migration.objects.filter(app="worker", name="0001_initial").delete()
    status, failed, body = _ready(client)
    assert status == 503 and failed == {"migrations"}
    assert body["checks"]["migrations"]["detail"] == (
        "1 not applied (worker.0001_initial): run `visible manage migrate`"
    )


def test_database_not_answering(client, monkeypatch):
    from visible.worker import health

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused (synthetic)")

    monkeypatch.setattr(health.connection, "cursor", refuse)
    status, failed, body = _ready(client)
    assert status == 503 and failed == {"database", "migrations", "worker", "sweep", "audit_tail"}
    assert body["checks"]["database"]["detail"] == "cannot reach the database (OperationalError)"
    assert body["checks"]["worker"]["detail"] == "not checked: the database does not answer"


def test_an_audit_event_waiting_too_long_to_be_sealed_makes_it_not_ready(
    client, sw_a, settings, capsys
):
    """The worker seals the audit log's tail every minute: an event left unsealed longer than
    VISIBLE_AUDIT_SEAL_LIMIT means it is not, and /readyz and `visible status` say so."""
    from visible.audit.log import record
    from visible.worker import health

    settings.VISIBLE_AUDIT_SEAL_AT_ONCE = False  # as in service: appended, sealed later
    settings.VISIBLE_AUDIT_SEAL_LIMIT = 300
    appended = timezone.now() - dt.timedelta(seconds=400)
    with freeze_time(appended):
        record(as_viewer(sw_a), "view", object_type="child", object_id=7, summary="Viewed")
    event = AuditEvent.objects.get(summary="Viewed")
    _worker(seen_seconds_ago=5)
    _sweep(ok_seconds_ago=10)

    checks = {c.name: c for c in health.readiness(now=appended + dt.timedelta(seconds=299))}
    assert checks["audit_tail"].ok
    assert checks["audit_tail"].detail.startswith(
        "sealed: 1 event waiting to be sealed, the oldest"
    )

    status, failed, body = _ready(client)
    assert status == 503 and failed == {"audit_tail"}
    detail = body["checks"]["audit_tail"]["detail"]
    assert detail.startswith(
        f"not sealed: 1 event waiting to be sealed, the oldest (row id {event.pk})"
    )
    assert re.search(
        r", [67] min ago, longer than the limit of 300 s \(VISIBLE_AUDIT_SEAL_LIMIT\)", detail
    )
    assert detail.endswith("Start `visible worker`, or run `visible audit seal`")
    assert "sw.a" not in detail and "Viewed" not in detail  # counts and times, nothing it says
    assert main(["status"]) == 1
    assert "  FAIL  audit_tail  not sealed: 1 event waiting" in capsys.readouterr().out

    tasks.seal_audit()  # what the worker does every minute
    status, failed, body = _ready(client)
    assert status == 200
    assert body["checks"]["audit_tail"]["detail"] == "sealed: every event is sealed into the chain"


def test_health_checks_are_not_audited_signed_in_or_out(client, sw_a):
    before = AuditEvent.objects.count()
    for url in ("/healthz", "/readyz"):
        assert client.get(url).status_code in (200, 503)
    assert AuditEvent.objects.count() == before
    client.force_login(sw_a)  # (signing in is itself audited)
    before = AuditEvent.objects.count()
    for url in ("/healthz", "/readyz"):
        response = client.get(url)
        assert response.status_code in (200, 503)
        assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.count() == before
    assert client.post("/readyz").status_code == 405


def test_visible_status_prints_the_checks_and_exits_1_until_ready(capsys):
    _sweep(ok_seconds_ago=10)
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Visible is NOT READY.\n")
    assert "  FAIL  worker      no worker has taken work yet" in out
    assert re.search(f"  ok    sweep       finished {_about(10)}", out)

    _worker(seen_seconds_ago=3, name="web-1 pid 4242")
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Visible is ready.\n")
    assert "  ok    database    answers" in out and "  ok    migrations  all applied" in out
    assert "web-1 pid 4242: started" in out  # the operator is told which process
