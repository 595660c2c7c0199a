"""Two systems PATCH the same child at the same moment with the same ETag: one change is
saved, the other is refused with 412, and nothing is lost or merged silently. Real concurrent
transactions (PostgreSQL row locks; on SQLite, writers queue)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from tests.factories import bearer
from visible.children.models import Child


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_patches_with_one_etag_one_wins_one_gets_412(client_a, sw_a, make_child):
    child = make_child(sw_a, family_name="Before")
    etag = bearer(client_a.secret).get(f"/api/v1/children/{child.pk}")["ETag"]
    barrier = threading.Barrier(2)
    answers: dict[str, int] = {}
    errors: list[BaseException] = []

    def patch(name: str) -> None:
        try:
            http = bearer(client_a.secret)
            barrier.wait(timeout=10)
            answers[name] = http.patch(
                f"/api/v1/children/{child.pk}",
                {"family_name": name},
                format="json",
                HTTP_IF_MATCH=etag,
            ).status_code
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=patch, args=(name,)) for name in ("Kidane", "Tesfay")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    assert sorted(answers.values()) == [200, 412]
    winner = next(name for name, status in answers.items() if status == 200)
    saved = Child.objects.get(pk=child.pk)
    assert saved.family_name == winner and saved.version == child.version + 1
