"""An import compares the return with the register before its write transaction opens
(ssda903/writing.py): if someone changes a child of the return in between, the comparison is
made again, so nothing they did is overwritten or contradicted; and the import is still all or
nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import CROYDON
from visible.audit.models import AuditEvent
from visible.children.models import Child, Placement
from visible.ssda903 import writing
from visible.ssda903.importer import import_return

from .test_problems import EPISODES, good_files

pytestmark = pytest.mark.django_db


def run(files: dict[str, str]):
    return import_return([(n, c.encode()) for n, c in files.items()], 2025, CROYDON)


@pytest.fixture
def meanwhile(monkeypatch):
    """meanwhile(change, times=1): ``change()`` is done just after each of the first ``times``
    comparisons, as if someone saved a record then; the comparisons made are counted."""
    made = []

    def install(change, times: int = 1):
        real = writing.plan

        def plan(*args, **kwargs):
            work = real(*args, **kwargs)
            made.append(work)
            if len(made) <= times:
                change()
            return work

        monkeypatch.setattr("visible.ssda903.importer.plan", plan)
        return made

    return install


def next_years_files() -> dict[str, str]:
    """C2's placement ends and a new one begins on 1 March 2026."""
    files = good_files()
    files["episodes.csv"] = (
        EPISODES
        + "C1,10/04/2025,S,V2,N8,K3,PR4,,,,,CR0 1AA,SC123456\r\n"
        + "C2,01/01/2025,S,C2,N1,U4,PR1,01/03/2026,X1,CARPL,CR0 2BB,CR0 3CC,SC654321\r\n"
        + "C2,01/03/2026,P,C2,N1,U4,PR1,,,,CR0 2BB,CR0 4DD,SC654321\r\n"
    )
    return files


def test_a_placement_recorded_meanwhile_is_seen_and_the_clash_refuses_the_return(
    council_a, meanwhile
):
    assert run(good_files()).imported
    c2 = Child.objects.get(child_903_id="C2")

    def record_a_placement():  # a social worker records C2's move, with another start date
        Placement.objects.filter(child=c2, end_date=None).update(end_date=dt.date(2026, 2, 19))
        Placement.objects.create(
            child=c2,
            place_code="K2",
            start_date=dt.date(2026, 2, 20),
            authority=c2.placements.first().authority,
        )

    made = meanwhile(record_a_placement)
    outcome = run(next_years_files())
    assert len(made) == 2  # compared again once the change was seen
    assert not outcome.imported
    [clash] = outcome.report.errors
    assert (clash.file, clash.row, clash.column) == ("episodes.csv", 4, "DECOM")
    assert "overlaps a placement already on the register (K2 from 20/02/2026" in clash.rule
    # Nothing of the return was written; the social worker's placement stands.
    assert list(c2.placements.order_by("start_date").values_list("place_code", "end_date")) == [
        ("U4", dt.date(2026, 2, 19)),
        ("K2", None),
    ]


def test_a_change_meanwhile_to_a_child_is_compared_again_not_overwritten(council_a, meanwhile):
    assert run(good_files()).imported
    c1 = Child.objects.get(child_903_id="C1")

    def correct_a_legal_status():
        Child.objects.filter(pk=c1.pk).update(legal_status="C2", version=c1.version + 1)

    made = meanwhile(correct_a_legal_status)
    outcome = run(good_files())
    assert outcome.imported and len(made) == 2
    c1.refresh_from_db()
    # The return's V2 is written over the change made meanwhile (version 2), as an update the
    # audit log names, not by writing back what the first comparison read.
    assert c1.legal_status == "V2" and c1.version == 3
    event = AuditEvent.objects.filter(child_id=c1.pk, action="change").latest("seq")
    assert "legal_status" in event.summary
    assert outcome.counts["children_changed"] == 1


def test_a_register_that_keeps_changing_is_compared_and_written_in_one_transaction(
    council_a, meanwhile
):
    assert run(good_files()).imported
    c1 = Child.objects.get(child_903_id="C1")
    made = meanwhile(
        lambda: Child.objects.filter(pk=c1.pk).update(
            version=Child.objects.get(pk=c1.pk).version + 1
        ),
        times=writing.PLANS_OUTSIDE,
    )
    outcome = run(next_years_files())
    assert outcome.imported, outcome.report.as_text()
    assert len(made) == writing.PLANS_OUTSIDE + 1
    assert outcome.counts["placements_created"] == 1
    assert Child.objects.get(child_903_id="C2").placements.count() == 2
