"""Reading many rows quickly: `RowReader` runs a queryset's SQL on the cursor and gives the
raw rows, with converters that turn their dates and datetimes into what the model fields
would give, several times faster than Django does.

Turning datetimes into Python values was most of the national sweep's time and of the FOI
return's over ten years of incidents: Django's converters on SQLite (a regular expression for
every stored string, then a time zone attached), the driver's parser on PostgreSQL. So
SQLite's dates and datetimes are selected as their text and parsed by the standard library,
and PostgreSQL's datetimes as seconds since the epoch (a double holds them to the
microsecond); the values are the same. PostgreSQL's dates come ready from the driver.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection
from django.db.models import FloatField, Func, TextField
from django.db.models.functions import Cast


class RowReader:
    """Rows read with the database cursor, and the functions that turn their values into what
    the model fields would give: `date`, `datetime` (aware, UTC) and `json`.

    Choose the converters for the connection in use: make one per read (it is cheap), not one
    for the life of the process."""

    def __init__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"
        if self.sqlite:
            self.date, self.datetime = _sqlite_date, _sqlite_datetime
        else:
            self.date, self.datetime = _same, _epoch_datetime

    def rows(self, queryset, *columns: str) -> list[tuple]:
        """The values of `columns` for each row of `queryset`, in no particular order; a
        column named "field:d" or "field:t" is a date or datetime, to be turned into one with
        ``date`` or ``datetime``."""
        names, casts = [], {}
        for i, column in enumerate(columns):
            name, _, kind = column.partition(":")
            if self.sqlite and kind in ("d", "t"):
                casts[f"as_text_{i}"] = Cast(name, output_field=TextField())
                name = f"as_text_{i}"
            elif not self.sqlite and kind == "t":
                casts[f"as_epoch_{i}"] = _Epoch(name)
                name = f"as_epoch_{i}"
            names.append(name)
        query = queryset.order_by()
        if casts:
            query = query.annotate(**casts)
        sql, params = query.values_list(*names).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    @staticmethod
    def json(value: Any) -> Any:
        """A JSON list column's value as read: an empty one as (), text parsed."""
        if value == "[]" or value is None:
            return ()
        return json.loads(value) if isinstance(value, str | bytes) else value


def _same(value):
    return value


class _Epoch(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"
    output_field = FloatField()


def _epoch_datetime(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


def _sqlite_date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _sqlite_datetime(text: str | None) -> dt.datetime | None:
    # Django stores aware datetimes on SQLite as naive UTC text, "2026-03-02 21:15:00[.ffffff]".
    if text is None:
        return None
    value = dt.datetime.fromisoformat(text)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
