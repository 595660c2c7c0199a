"""visible.db.bulk: rows written in bulk are stored exactly as bulk_create would store them
(dates, times, JSON, defaults, foreign keys given as the related row), with their reserved ids,
and a row that leaves out a required field is refused before anything is written."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from django.db import connection, transaction
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import as_viewer
from visible.children.models import Flag
from visible.db.bulk import BulkTable, reserve_ids, take_ids
from visible.ssda903.models import ImportKind, ImportRun

pytestmark = pytest.mark.django_db

RUN_FIELDS = ["organisation_id", "kind", "collection_year", "imported_at", "imported_by_name"]
RUN_FIELDS += ["files", "counts", "warnings"]


def test_rows_are_stored_as_bulk_create_stores_them(council_a):
    now = dt.datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=dt.UTC)
    files = [{"name": "header.csv", "rows": 3, "note": "naïve café, ሰላም"}]
    with freeze_time(now):
        ImportRun.objects.bulk_create(
            [
                ImportRun(organisation=council_a, kind=ImportKind.SSDA903, files=files),
                ImportRun(
                    organisation=council_a,
                    kind=ImportKind.CIN_FACTORS,
                    collection_year=2025,
                    counts={"a": 1},
                ),
            ]
        )
    BulkTable(ImportRun, now).insert(
        [
            {"organisation": council_a, "kind": ImportKind.SSDA903, "files": files},
            {
                "organisation_id": council_a.pk,
                "kind": ImportKind.CIN_FACTORS,
                "collection_year": 2025,
                "counts": {"a": 1},
                "not_a_field": "ignored",
            },
        ]
    )
    rows = list(ImportRun.objects.order_by("pk").values(*RUN_FIELDS))
    assert rows[2:] == rows[:2]
    assert rows[0]["imported_at"] == now and rows[0]["files"] == files
    assert rows[0]["counts"] == {} and rows[1]["files"] == []  # the model's defaults


def test_reserved_ids_let_rows_point_at_rows_written_with_them(sw_a, make_child):
    child = make_child(sw_a)
    now = timezone.now()
    with transaction.atomic():
        ids = reserve_ids(Flag, 3)
        rows = [
            {
                "id": pk,
                "child": child,
                "kind": kind,
                "start_date": dt.date(2025, 4, 1),
                "recorded_at": now,
                "evidence": "synthetic",
            }
            for pk, kind in zip(ids, ("uasc", "separated", "trafficked_suspected"), strict=True)
        ]
        BulkTable(Flag, now, with_id=True).insert(rows)
    assert len(set(ids)) == 3
    assert sorted(Flag.objects.filter(child=child).values_list("pk", flat=True)) == sorted(ids)
    later = Flag.objects.create(
        child=child,
        kind="uasc",
        start_date=dt.date(2025, 5, 1),
        end_date=dt.date(2025, 6, 1),
        recorded_at=now,
    )
    assert later.pk not in ids  # the database's own numbering goes on after the reserved ids
    assert reserve_ids(Flag, 0) == []


def test_a_row_without_a_required_field_is_refused_naming_it(sw_a, make_child):
    child = make_child(sw_a)
    table = BulkTable(Flag, timezone.now())
    with pytest.raises(KeyError, match="Flag row has no value for the required field.*start_date"):
        table.insert([{"child": child, "kind": "uasc"}])
    assert not Flag.objects.filter(child=child).exists()


def test_flag_rows_read_back_through_the_model(sw_a, make_child):
    child = make_child(sw_a)
    recorded = timezone.now().replace(microsecond=654321)
    BulkTable(Flag, recorded).insert(
        [
            {
                "child_id": child.pk,
                "kind": "uasc",
                "start_date": dt.date(2024, 2, 29),
                "end_date": None,
                "recorded_at": recorded,
                "recorded_by_name": as_viewer(sw_a).username,
            }
        ]
    )
    flag = Flag.objects.get(child=child)
    assert (flag.start_date, flag.end_date, flag.recorded_at) == (
        dt.date(2024, 2, 29),
        None,
        recorded,
    )
    assert flag.stage == Flag._meta.get_field("stage").get_default()


def _flag_rows(child, ids, now) -> list[dict]:
    return [
        {
            "id": pk,
            "child": child,
            "kind": kind,
            "start_date": dt.date(2025, 4, 1),
            "recorded_at": now,
            "evidence": "synthetic",
        }
        for pk, kind in zip(ids, ("uasc", "separated", "trafficked_suspected"), strict=True)
    ]


def test_ids_taken_outside_a_transaction_are_never_given_to_another_row(sw_a, make_child):
    child = make_child(sw_a)
    now = timezone.now()
    ids = take_ids(Flag, 3)
    assert ids == list(range(ids[0], ids[0] + 3))
    # Someone else writes a flag before the taken ids are used: it gets an id after them.
    other = Flag.objects.create(
        child=child, kind="cse", start_date=dt.date(2025, 5, 1), recorded_at=now
    )
    assert other.pk > ids[-1]
    with transaction.atomic():
        BulkTable(Flag, now, with_id=True).insert(_flag_rows(child, ids, now))
    assert set(Flag.objects.filter(child=child).values_list("pk", flat=True)) == {*ids, other.pk}
    assert take_ids(Flag, 2)[0] > other.pk
    assert take_ids(Flag, 0) == []


def test_staged_rows_go_in_as_inserted_rows_do_and_only_when_inserted(sw_a, make_child):
    child = make_child(sw_a)
    now = timezone.now().replace(microsecond=123456)
    ids = take_ids(Flag, 3)
    staged = BulkTable(Flag, now, with_id=True, repeats=True).stage(_flag_rows(child, ids, now))
    assert staged.count == 3
    assert not Flag.objects.filter(child=child).exists()  # nothing written by staging
    with transaction.atomic():
        staged.insert()
    staged.discard()
    staged.discard()  # twice is harmless
    flags = list(Flag.objects.filter(child=child).order_by("pk"))
    assert [f.pk for f in flags] == ids
    assert [f.kind for f in flags] == ["uasc", "separated", "trafficked_suspected"]
    assert all(f.recorded_at == now and f.start_date == dt.date(2025, 4, 1) for f in flags)

    # Rows without ids of their own take the table's next ones when they go in.
    staged = BulkTable(Flag, now).stage(
        [{"child": child, "kind": "cse", "start_date": dt.date(2025, 6, 1), "recorded_at": now}]
    )
    with transaction.atomic():
        staged.insert()
    staged.discard()
    assert Flag.objects.get(child=child, kind="cse").pk > ids[-1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staging_takes_no_write_lock_so_others_write_meanwhile(sw_a, make_child):
    """On SQLite the rows are staged in the connection's own temporary database while another
    connection holds the write lock (as a page writing its audit event would)."""
    child = make_child(sw_a)
    now = timezone.now()
    ids = take_ids(Flag, 3)
    other = None
    if connection.vendor == "sqlite":
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0.1)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock until it commits
    try:
        staged = BulkTable(Flag, now, with_id=True).stage(_flag_rows(child, ids, now))
    finally:
        if other is not None:
            other.execute("ROLLBACK")
            other.close()
    with transaction.atomic():
        staged.insert()
    staged.discard()
    assert sorted(Flag.objects.filter(child=child).values_list("pk", flat=True)) == ids
