"""visible.db.bulk: rows written in bulk are stored exactly as bulk_create would store them
(dates, times, JSON, defaults, foreign keys given as the related row), with their reserved ids,
and a row that leaves out a required field is refused before anything is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import as_viewer
from visible.children.models import Flag
from visible.db.bulk import BulkTable, reserve_ids
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
