"""visible.db.rows: a queryset's rows read straight from the cursor give, once converted, the
same dates and datetimes the ORM gives, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import as_viewer
from visible.children.models import Flag
from visible.db.rows import RowReader

pytestmark = pytest.mark.django_db


def test_dates_and_datetimes_read_as_the_orm_reads_them(sw_a, make_child):
    child = make_child(sw_a)
    moments = [
        dt.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=dt.UTC),  # the hour the clocks change
        dt.datetime(2024, 2, 29, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        None,
    ]
    for i, moment in enumerate(moments):
        Flag.objects.create(
            child=child,
            kind=("uasc", "separated", "unaccompanied")[i],
            start_date=dt.date(2024, 2, 29) + dt.timedelta(days=i),
            end_date=None if moment is None else dt.date(2026, 12, 31),
            recorded_by_name=as_viewer(sw_a).username,
            recorded_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            ended_at=moment,
        )
    flags = Flag.objects.filter(child=child)
    read = RowReader()
    got = sorted(
        (pk, read.date(start), read.date(end), read.datetime(ended))
        for pk, start, end, ended in read.rows(
            flags, "pk", "start_date:d", "end_date:d", "ended_at:t"
        )
    )
    expected = sorted(flags.values_list("pk", "start_date", "end_date", "ended_at"))
    assert got == expected
    assert all(e is None or e.utcoffset() == dt.timedelta(0) for *_, e in got)
    assert got[1][3] == dt.datetime(2024, 3, 1, 4, 30, tzinfo=dt.UTC)


def test_json_lists_read_as_tuples_or_values():
    assert RowReader.json("[]") == () and RowReader.json(None) == ()
    assert RowReader.json('["a", 1]') == ["a", 1]
    assert RowReader.json(["a"]) == ["a"]  # PostgreSQL's driver gives it parsed
