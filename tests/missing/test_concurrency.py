"""Two people acting on the same open episode at the same moment (the carer recording the
return, the police recording their report and logging a sighting): neither update is lost.
Real concurrent transactions need PostgreSQL; on SQLite writers queue, which is also safe."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from tests.conftest import as_viewer
from visible.agencies.models import Organisation
from visible.children import actions as register
from visible.missing import actions
from visible.missing.models import Episode, LogEntry


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_return_police_report_and_sighting_at_once_are_all_kept(sw_a, coordinator_a, make_child):
    today = timezone.localdate()
    child = make_child(sw_a, looked_after_from=today - dt.timedelta(days=100))
    register.record_flag(as_viewer(sw_a), child, "uasc", today - dt.timedelta(days=100), "Asylum claim")
    now = timezone.now()
    episode, _ = actions.report_missing(as_viewer(sw_a), child, {
        "category": "M", "last_seen_at": now - dt.timedelta(hours=6), "last_seen_place": "Station",
        "reported_by_name": "Carer", "reported_by_role": "carer",
    })
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
        threading.Thread(target=run, args=(lambda: actions.record_return(
            as_viewer(sw_a), stale, {"returned_at": now - dt.timedelta(hours=1), "found_by": "carer"}),)),
        threading.Thread(target=run, args=(lambda: actions.record_police_report(
            as_viewer(coordinator_a), stale, force, now - dt.timedelta(hours=5), "MPS-CONC-1"),)),
        threading.Thread(target=run, args=(lambda: actions.add_log_entry(
            as_viewer(coordinator_a), stale, "sighting", now - dt.timedelta(hours=3), "Seen at the bus station"),)),
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
