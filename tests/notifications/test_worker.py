"""With a real `visible worker` running, as in production: a child reported missing is an email
on the SMTP server and a text at the Notify stand-in within seconds, sent by the worker's job;
a send that fails is tried again by the worker when its delay has passed."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connections

from tests import factories
from tests.factories import as_viewer, make_user
from tests.worker.support import Starter, wait_for
from visible.agencies.models import Organisation, Role
from visible.notifications import notify
from visible.notifications.models import Notification, Preferences, State
from visible.worker.queue import huey

from .support import assert_names_absent

worker_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)
START = 90  # seconds a worker may take to start, on a busy two-core machine


@pytest.fixture
def worker(transactional_db, tmp_path, smtp_server, notify_stub):
    """`visible worker` on the test database and this test process's own broker (a SQLite
    file), so the jobs this process queues are the worker's to run; email to the test's SMTP
    server, text messages to its Notify stand-in, retries a second apart."""
    starter = Starter(tmp_path)
    huey.immediate = False
    huey.flush()
    process = starter.start(
        "sqlite",
        DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
        VISIBLE_TASK_QUEUE=huey.name,
        VISIBLE_TASK_FILE=settings.VISIBLE_TASK_FILE,
        VISIBLE_EMAIL_HOST="127.0.0.1",
        VISIBLE_EMAIL_PORT=str(smtp_server.port),
        VISIBLE_FROM_EMAIL="Visible <no-reply@visible.test>",
        VISIBLE_NOTIFY_RETRY_DELAYS="1,1",
        **{name: str(value) for name, value in notify_stub.settings().items()},
    )
    yield process
    starter.close()
    huey.flush()
    huey.immediate = True
    connections.close_all()


@worker_db
def test_the_worker_sends_the_news_of_a_child_reported_missing(
    worker, council_a, sw_a, fake, smtp_server, notify_stub
):
    coordinator = make_user("coordinator.a", council_a, Role.MISSING_COORDINATOR)
    coordinator.email = "coordinator.a@croydon.example"
    coordinator.save()
    spoc = make_user("spoc.met", Organisation.objects.get(name="Metropolitan Police Service"),
                     Role.TRAFFICKING_SPOC)  # fmt: skip
    Preferences.objects.create(user=spoc, channels="sms", mobile="+447700900982")
    child = factories.create_uasc_child(sw_a, fake)
    wait_for("the worker to start", lambda: "Visible worker" in worker.output(), worker, START)

    reported = time.time()
    episode, _ = notify.report_missing(
        as_viewer(sw_a),
        child,
        factories.missing_report(2, Organisation.objects.get(name="Metropolitan Police Service")),
    )
    [email] = smtp_server.wait_for(1, timeout=60)
    [text] = notify_stub.wait_for(1, timeout=60)
    print(f"email after {email.at - reported:.1f} s, text after {text.at - reported:.1f} s")
    assert email.to == ["coordinator.a@croydon.example"]
    assert text.to == "+447700900982"
    assert f"/episodes/{episode.pk}/" in email.body and f"/episodes/{episode.pk}/" in text.body
    assert_names_absent(email.subject + email.body + text.body, child)
    states = wait_for(
        "the outcomes recorded",
        lambda: set(Notification.objects.values_list("state", flat=True)) == {"sent", "accepted"},
        worker,
        30,
    )
    assert states


@worker_db
def test_the_worker_tries_again_while_notify_is_down(
    worker, council_a, sw_a, fake, smtp_server, notify_stub
):
    coordinator = make_user("coordinator.a", council_a, Role.MISSING_COORDINATOR)
    Preferences.objects.create(user=coordinator, channels="sms", mobile="+447700900982")
    notify_stub.fail_next(2, status=503)  # Notify down for the first two tries
    child = factories.create_uasc_child(sw_a, fake)
    wait_for("the worker to start", lambda: "Visible worker" in worker.output(), worker, START)
    notify.report_missing(as_viewer(sw_a), child, factories.missing_report(2))
    [text] = notify_stub.wait_for(1, timeout=60)
    assert notify_stub.requests == 3
    done = wait_for(
        "the third try recorded",
        lambda: Notification.objects.filter(state=State.ACCEPTED).first(),
        worker,
        30,
    )
    assert done.attempts == 3 and done.provider_reference == text.id
