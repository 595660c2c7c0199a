"""A large import does not stop the service: while a return of thousands of children goes in
(in a thread, as the worker runs it), signed-in people keep opening the register, a child's
record and Missing now, and every page answers, with its audit event written, on SQLite (one
write lock, held by the import's write transaction) and on PostgreSQL alike. No "database is
locked", no 500. The timings on a return of 150,000 rows are in
bench/results/import-concurrency.md (bench/bench_import_concurrency.py)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connections
from django.test import Client

# The real clock: under the suite's frozen clock (VISIBLE_FROZEN_AT) freezegun's monotonic
# does not tell the import's write window from the pages' answers.
from freezegun.api import real_monotonic as monotonic

from tests.factories import CROYDON
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.ssda903.importer import import_return
from visible.ssda903.progress import WRITING, Progress

from .test_problems import EPISODES, HEADER, MISSING, UASC

# Committed for real: the import and the pages each on a connection of their own.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
CHILDREN = 5000  # 5,000 children: about 27,500 rows


def big_return(children: int) -> dict[str, str]:
    """A synthetic return: each child with two episodes (a move on 1 September), a missing and
    an away period, and every other child UASC."""
    header, episodes, missing, uasc = [HEADER], [EPISODES], [MISSING], [UASC]
    for i in range(children):
        cid = f"B{i:05d}"
        sex = "MF"[i % 2]
        dob = dt.date(2009, 4, 1) + dt.timedelta(days=i % 1500)
        born = f"{dob:%d/%m/%Y}"
        header.append(f"{cid},{sex},{born},NOBT,UN5,{'0' if sex == 'F' else ''},\r\n")
        episodes.append(
            f"{cid},01/04/2025,S,V2,N1,U4,PR1,01/09/2025,X1,CARPL,,CR0 1AA,SC123456\r\n"
        )
        episodes.append(f"{cid},01/09/2025,P,V2,N1,U4,PR1,,,,,CR0 3CC,SC654321\r\n")
        missing.append(f"{cid},{born},M,01/06/2025,03/06/2025\r\n")
        missing.append(f"{cid},{born},A,05/10/2025,06/10/2025\r\n")
        if i % 2:
            uasc.append(f"{cid},{sex},{born},\r\n")
    return {
        "header.csv": "".join(header),
        "episodes.csv": "".join(episodes),
        "missing.csv": "".join(missing),
        "uasc.csv": "".join(uasc),
    }


class Watched(Progress):
    """The import's steps, timed; at the end of its write transaction it waits until a page is
    being answered, so that pages certainly meet the write lock (on SQLite)."""

    def __init__(self, in_flight):
        self.in_flight = in_flight
        self.writing_at = self.committing_at = 0.0

    def step(self, step: str, done: int = 0, total: int = 0) -> None:
        if step == WRITING:
            self.writing_at = monotonic()

    def before_commit(self, outcome) -> None:
        deadline = monotonic() + 10
        while not self.in_flight() and monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # that page is now waiting to write its audit event
        self.committing_at = monotonic()


def test_pages_answer_while_a_large_return_is_imported(
    sw_a, coordinator_a, manager_a, make_child, caplog
):
    own = make_child(sw_a)
    users = (sw_a, coordinator_a, manager_a)
    pages = ["/children/", f"/children/{own.pk}/", "/missing-now/"]
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    files = [(name, text.encode()) for name, text in big_return(CHILDREN).items()]
    answered: list[tuple[float, float, str, int]] = []
    failures: list[BaseException] = []
    done = threading.Event()

    asking, counting = [0], threading.Lock()

    def browse(client: Client) -> None:
        try:
            while not done.is_set():
                for path in pages:
                    started = monotonic()
                    with counting:
                        asking[0] += 1
                    try:
                        response = client.get(path)
                    finally:
                        with counting:
                            asking[0] -= 1
                    answered.append((started, monotonic(), path, response.status_code))
        except BaseException as error:  # a 500 raises in the test client: kept, then failed
            failures.append(error)
        finally:
            connections.close_all()

    watched = Watched(lambda: asking[0] > 0)
    outcome = []

    def run_import() -> None:
        try:
            outcome.append(import_return(files, 2025, CROYDON, progress=watched))
        except BaseException as error:
            failures.append(error)
        finally:
            done.set()
            connections.close_all()

    browsers = [threading.Thread(target=browse, args=(c,)) for c in clients]
    importer = threading.Thread(target=run_import)
    for thread in browsers:
        thread.start()
    importer.start()
    importer.join(timeout=300)
    for thread in browsers:
        thread.join(timeout=60)

    assert not failures, failures
    print(
        "DEBUG",
        len(answered),
        max(e - s for s, e, _, _ in answered),
        watched.committing_at - watched.writing_at,
    )
    [imported] = outcome
    assert imported.imported, imported.report.as_text()
    assert imported.counts["children_created"] == CHILDREN
    assert Child.objects.filter(child_903_id__startswith="B").count() == CHILDREN
    assert answered and all(status == 200 for _, _, _, status in answered), [
        a for a in answered if a[3] != 200
    ]
    # Pages were being answered while the import held its write transaction open.
    during = [a for a in answered if a[0] <= watched.committing_at and a[1] >= watched.writing_at]
    assert during, "no page was being answered while the import was writing"
    assert {path for _, _, path, _ in answered} == set(pages)
    assert "database is locked" not in caplog.text
    # Each page view wrote its audit event, the import's events beside them.
    views = AuditEvent.objects.filter(actor_username__in=[u.username for u in users])
    assert views.count() >= len(answered)
