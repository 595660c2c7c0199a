"""Two people acting on the same open episode at the same moment (the carer recording the
return, the police recording their report and logging a sighting): neither update is lost. Six
people resolving one alert at once: one resolves it, once; the others are told who did.
Real concurrent transactions need PostgreSQL; on SQLite writers queue, which is also safe."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.connections import at_once
from tests.factories import as_viewer, missing_episode
from visible.agencies.models import Organisation
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.missing import actions
from visible.missing.inputs import ReturnInput
from visible.missing.models import Alert, Episode, LogEntry


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_return_police_report_and_sighting_at_once_are_all_kept(sw_a, coordinator_a, make_child):
    today = timezone.localdate()
    child = make_child(sw_a, looked_after_from=today - dt.timedelta(days=100))
    register.record_flag(
        as_viewer(sw_a), child, "uasc", today - dt.timedelta(days=100), "Asylum claim"
    )
    now = timezone.now()
    episode = missing_episode(sw_a, child, last_seen_at=now - dt.timedelta(hours=6))
    force = Organisation.objects.get(name="Metropolitan Police Service")
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run(work):
        try:
            barrier.wait(timeout=10)
            work()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    stale = Episode.objects.get(pk=episode.pk)  # both people opened the page before either saved
    workers = [
        threading.Thread(
            target=run,
            args=(
                lambda: actions.record_return(
                    as_viewer(sw_a),
                    stale,
                    ReturnInput(returned_at=now - dt.timedelta(hours=1), found_by="carer"),
                ),
            ),
        ),
        threading.Thread(
            target=run,
            args=(
                lambda: actions.record_police_report(
                    as_viewer(coordinator_a),
                    stale,
                    force,
                    now - dt.timedelta(hours=5),
                    "MPS-CONC-1",
                ),
            ),
        ),
        threading.Thread(
            target=run,
            args=(
                lambda: actions.add_log_entry(
                    as_viewer(coordinator_a),
                    stale,
                    "sighting",
                    now - dt.timedelta(hours=3),
                    "Seen at the bus station",
                ),
            ),
        ),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    saved = Episode.objects.get(pk=episode.pk)
    assert saved.returned_at is not None and saved.found_by == "carer"
    assert saved.police_reference == "MPS-CONC-1" and saved.police_force == force
    assert LogEntry.objects.filter(episode=saved, text="Seen at the bus station").exists()
    assert saved.version == episode.version + 2
    assert connection.vendor in ("postgresql", "sqlite")


# --- one alert, resolved by several people at once ---------------------------------------------


def _alert_for(sw_a, make_child):
    """A 'no police report' alert, as report_missing raises it three hours after last seen."""
    today = timezone.localdate()
    child = make_child(sw_a, looked_after_from=today - dt.timedelta(days=100))
    missing_episode(sw_a, child, hours_ago=3)
    return Alert.objects.get(child=child, code="no_police_report")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_six_people_resolving_one_alert_at_once_one_resolves_it_the_others_are_told_who(
    sw_a, coordinator_a, make_child
):
    alert = _alert_for(sw_a, make_child)
    people = [sw_a, coordinator_a] * 3
    stale = [
        Alert.objects.get(pk=alert.pk) for _ in people
    ]  # each opened the inbox before anyone resolved it

    def resolve(i: int):
        try:
            actions.resolve_alert(as_viewer(people[i]), stale[i], f"Rang the police, call {i}")
        except actions.AlertAlreadyResolved as already:
            return already
        return "resolved"

    outcomes = at_once(resolve, len(people))
    assert outcomes.count("resolved") == 1
    saved = Alert.objects.get(pk=alert.pk)
    winner = people[outcomes.index("resolved")].get_full_name()  # by name, not username
    assert (
        saved.resolved_by_name == winner
        and saved.resolution == f"Rang the police, call {outcomes.index('resolved')}"
    )
    told = [o for o in outcomes if o != "resolved"]
    assert len(told) == len(people) - 1
    when = timezone.localtime(saved.resolved_at)
    for already in told:
        assert already.messages == [
            f"This alert was already resolved by {winner} on {when:%-d %B %Y} at {when:%H:%M}: "
            f"\u201c{saved.resolution}\u201d"
        ]
    assert (
        AuditEvent.objects.filter(
            action="end", object_type="alert", object_id=str(alert.pk)
        ).count()
        == 1
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_six_resolves_from_the_inbox_page_one_audit_event_and_the_rest_see_who_resolved_it(
    sw_a, coordinator_a, make_child
):
    alert = _alert_for(sw_a, make_child)
    clients = []
    for _ in range(6):
        client = Client()
        client.force_login(coordinator_a)
        clients.append(client)

    def resolve(i: int) -> str:
        response = clients[i].post(
            reverse("web:alert-resolve", args=[alert.pk]),
            {f"alert-{alert.pk}-resolution": f"Police told, call {i}"},
        )
        assert response.status_code == 302, response.status_code
        page = clients[i].get(response["Location"])
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))

    pages = at_once(resolve, 6)
    assert sum("Alert resolved" in page for page in pages) == 1
    assert (
        sum(
            "This alert was already resolved by Coordinator on" in page and "Important" in page
            for page in pages
        )
        == 5
    )
    assert (
        AuditEvent.objects.filter(
            action="end", object_type="alert", object_id=str(alert.pk)
        ).count()
        == 1
    )
