"""The chain's head is anchored outside the database: hourly after writes, by `visible audit
anchor`, after `visible sweep`. `visible audit verify --anchors FILE` catches a rewrite even
by someone who holds the key, and a failed anchor write never loses the user's write."""

from __future__ import annotations

import json
import logging
import socket
import threading

import pytest
from django.db import connections
from freezegun import freeze_time

from tests.audit.tampering import rewrite_chain
from tests.factories import as_viewer
from visible.audit.anchors import check_anchors, write_anchor
from visible.audit.log import record, verify
from visible.audit.models import AuditChainHead, AuditEvent, hash_of
from visible.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchors(settings, tmp_path):
    """A fresh anchor file for the test (the path in VISIBLE_AUDIT_ANCHOR_FILE)."""
    path = tmp_path / "audit-anchors.log"
    settings.VISIBLE_AUDIT_ANCHOR_FILE = str(path)
    return path


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def views(viewer, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        record(viewer, "view", object_type="child", object_id=n, summary=f"Viewed record {n}")


def run_cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_insider_with_the_key_is_caught_by_the_anchors(sw_a, anchors, capsys):
    viewer = as_viewer(sw_a)
    views(viewer, 40)
    first = write_anchor()
    views(viewer, 20, start=40)
    write_anchor()
    assert [(a["seq"], a["hash"]) for a in lines(anchors)] == [
        (40, first.hash),
        (60, AuditEvent.objects.get(seq=60).hash),
    ]
    code, out, err = run_cli(capsys, "audit", "verify", "--anchors", str(anchors))
    assert (
        code == 0
        and f"Anchors match: the database still holds every head anchored in {anchors} (2 anchors)"
        in out
    )

    # Someone with the key deletes 30 events, re-hashes everything after them and moves the head.
    rewrite_chain(hash_of, drop=range(11, 41))
    assert verify().ok  # the key alone cannot tell: this is what the anchors are for
    code, out, err = run_cli(capsys, "audit", "verify", "--anchors", str(anchors))
    assert code == 1
    assert (
        f"Anchors DO NOT MATCH: line 1 of {anchors}: event #40" in err
        and "no longer matches" in err
    )
    assert "The chain was rewritten after this anchor was written." in err
    assert "2 of 2 anchors no longer match" in err


def test_deleting_the_newest_events_after_an_anchor_is_caught(sw_a, anchors, capsys):
    views(as_viewer(sw_a), 10)
    write_anchor()
    rewrite_chain(hash_of, drop=range(8, 11))
    code, out, err = run_cli(capsys, "audit", "verify", "--anchors", str(anchors))
    assert code == 1 and "event #10 is no longer in the database" in err


def test_anchors_out_of_order_are_refused(sw_a, anchors, capsys):
    viewer = as_viewer(sw_a)
    views(viewer, 3)
    write_anchor()
    views(viewer, 3, start=3)
    write_anchor()
    first, second = anchors.read_text().splitlines()
    with anchors.open("a") as file:
        file.write(first + "\n")
    check = check_anchors(anchors)
    assert (
        not check.ok
        and "line 3" in check.problems[0]
        and "anchors only move forward" in check.problems[0]
    )
    anchors.write_text("not an anchor\n")
    code, out, err = run_cli(capsys, "audit", "verify", "--anchors", str(anchors))
    assert code == 2 and f"{anchors}, line 1 is not an anchor" in err and "Traceback" not in err


def test_an_emptied_anchor_file_does_not_pass(sw_a, anchors, capsys):
    views(as_viewer(sw_a), 2)
    anchors.write_text("")
    code, out, err = run_cli(capsys, "audit", "verify", "--anchors", str(anchors))
    assert code == 1 and "holds no anchors" in err
    code, out, err = run_cli(
        capsys, "audit", "verify", "--anchors", str(anchors.with_name("missing.log"))
    )
    assert code == 2 and "no anchor file at" in err


def test_anchoring_is_lazy_hourly_and_only_after_commit(
    sw_a, anchors, settings, django_capture_on_commit_callbacks
):
    settings.VISIBLE_AUDIT_ANCHOR_INTERVAL = 3600
    viewer = as_viewer(sw_a)
    with freeze_time("2026-03-02 09:00:00", tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            views(viewer, 2)
            assert lines(anchors) == []  # nothing before the transaction commits
        assert [a["seq"] for a in lines(anchors)] == [
            2
        ]  # the first write after start-up anchors at once

        clock.move_to("2026-03-02 09:59:59")
        with django_capture_on_commit_callbacks(execute=True):
            views(viewer, 1, start=2)
        assert len(lines(anchors)) == 1  # not yet an hour

        clock.move_to("2026-03-02 10:00:01")
        with django_capture_on_commit_callbacks(execute=True):
            views(viewer, 2, start=3)
        written = lines(anchors)
        assert [a["seq"] for a in written] == [2, 5]
        assert written[1]["hash"] == AuditEvent.objects.get(seq=5).hash
        assert written[1]["at"] == "2026-03-02T10:00:01+00:00"
        assert written[1]["key_id"] == AuditEvent.objects.get(seq=5).key_id


def test_a_gap_in_anchoring_is_reported_by_verify(
    sw_a, anchors, settings, django_capture_on_commit_callbacks, capsys, tmp_path
):
    viewer = as_viewer(sw_a)
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with freeze_time("2026-03-02 09:00:00") as clock:
        with django_capture_on_commit_callbacks(execute=True):
            views(viewer, 1)
        clock.move_to("2026-03-02 11:00:00")
        settings.VISIBLE_AUDIT_ANCHOR_FILE = str(
            blocked / "audit-anchors.log"
        )  # a file is not a directory
        with django_capture_on_commit_callbacks(execute=True):
            views(viewer, 1, start=1)
        clock.move_to("2026-03-02 14:00:00")
        settings.VISIBLE_AUDIT_ANCHOR_FILE = str(anchors)
        with django_capture_on_commit_callbacks(execute=True):
            views(viewer, 1, start=2)
        assert [a["seq"] for a in lines(anchors)] == [1, 3]
        code, out, err = run_cli(capsys, "audit", "verify", "--anchors", str(anchors))
    assert code == 0 and "Anchors match" in out  # nothing was rewritten
    assert (
        "Warning: no anchor from 02/03/2026 09:00 until 02/03/2026 14:00, though event #2 (02/03/2026 11:00)"
        in err
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_anchor_that_cannot_be_written_does_not_undo_the_users_write(
    sw_a, make_child, settings, tmp_path, caplog
):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    settings.VISIBLE_AUDIT_ANCHOR_FILE = str(blocked / "audit-anchors.log")
    settings.VISIBLE_AUDIT_ANCHOR_INTERVAL = 0  # due after every write
    with caplog.at_level(logging.ERROR, logger="visible.audit"):
        child = make_child(sw_a, family_name="Testperson")
    from visible.children.models import Child

    assert Child.objects.filter(pk=child.pk, family_name="Testperson").exists()
    assert AuditEvent.objects.filter(child_id=child.pk, action="create").exists()
    assert verify().ok
    assert "AUDIT ANCHOR NOT WRITTEN" in caplog.text and str(blocked) in caplog.text
    assert (
        AuditChainHead.objects.get(pk=1).anchored_at is None
    )  # still due: the next write tries again


def test_the_anchor_command_and_its_failure(sw_a, anchors, settings, capsys, tmp_path):
    views(as_viewer(sw_a), 3)
    code, out, err = run_cli(capsys, "audit", "anchor")
    assert code == 0 and "Audit chain head anchored: event #3" in out and str(anchors) in out
    assert [a["seq"] for a in lines(anchors)] == [3]
    assert anchors.stat().st_mode & 0o007 == 0  # made readable by its owner (and group) only
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    settings.VISIBLE_AUDIT_ANCHOR_FILE = str(blocked / "x.log")
    code, out, err = run_cli(capsys, "audit", "anchor")
    assert (
        code == 2
        and err.startswith("visible audit: could not write to the anchor file")
        and "Traceback" not in err
    )


def test_the_sweep_anchors_when_it_finishes_and_the_file_is_only_appended_to(sw_a, anchors, capsys):
    views(as_viewer(sw_a), 2)
    anchors.write_text("")
    assert main(["sweep", "--quiet"]) == 0
    assert "Audit chain head anchored: event #2" in capsys.readouterr().out
    assert main(["sweep", "--quiet"]) == 0  # nothing written since: the head is anchored already
    assert (
        "Audit chain head anchored: event #2" in capsys.readouterr().out
        and len(lines(anchors)) == 1
    )
    before = anchors.read_text()
    write_anchor()  # `visible audit anchor` writes one whenever asked
    assert anchors.read_text().startswith(before) and len(lines(anchors)) == 2


def test_anchors_are_also_sent_to_syslog(sw_a, anchors, settings):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    settings.VISIBLE_AUDIT_ANCHOR_SYSLOG = f"127.0.0.1:{receiver.getsockname()[1]}"
    try:
        views(as_viewer(sw_a), 2)
        anchor = write_anchor()
        message = receiver.recv(4096).decode()
    finally:
        receiver.close()
    assert "visible-audit-anchor:" in message and f'"seq":2,"hash":"{anchor.hash}"' in message
    assert lines(anchors)[0]["hash"] == anchor.hash  # the file has it too


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_anchors_written_by_concurrent_writers_stay_in_the_chains_order(sw_a, settings, tmp_path):
    path = tmp_path / "audit-anchors.log"
    settings.VISIBLE_AUDIT_ANCHOR_FILE = str(path)
    settings.VISIBLE_AUDIT_ANCHOR_INTERVAL = (
        0  # every commit anchors: the most contention there can be
    )
    viewer = as_viewer(sw_a)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            views(viewer, 5, start=n * 10)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    seqs = [a["seq"] for a in lines(path)]
    assert seqs == sorted(seqs) and seqs[-1] == AuditChainHead.objects.get(pk=1).last_seq
    assert verify().ok and check_anchors(path).ok
