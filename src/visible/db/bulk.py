"""Writing many rows of one model at once, stored exactly as `bulk_create` would store them,
without its cost.

Django's bulk_create spends about 4 µs per value turning objects into SQL: for the half a
million rows of a national synthetic register, or the children, placements and audit events
of a large SSDA903 import, that was most of the run
(docs/decisions/0004-bulk-inserts-for-synthetic-data.md). `BulkTable` writes the same columns
with one prepared statement through Django's own connection, so in the caller's transaction:
COPY on PostgreSQL, executemany in batches on SQLite. Values go through the backend's own
adapters (dates, datetimes, JSON), so what is stored is what bulk_create would store.

Nothing here checks rows against the model's rules, and no signal is sent: the callers write
only rows that already pass them (the generator's, the importer's after its checks, the audit
log's). `reserve_ids` gives rows their primary keys before they are written, so that rows
pointing at them can go in the same batch; `take_ids` does so outside any transaction.

`BulkTable.stage` lets a long import keep its write transaction short (docs/ssda903.md): the
rows are made ready before the transaction opens (on SQLite written into a temporary table of
the connection's own, which takes no lock on the database; on PostgreSQL adapted for COPY), and
`Staged.insert`, inside it, moves them in with one INSERT ... SELECT (or COPY).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

INSERT_BATCH = 5000  # rows per INSERT statement on SQLite

REQUIRED: Any = object()
"""The default of a column that has none (not null, no default, not text): every row must
give it, or BulkTable raises KeyError naming it."""

Step = tuple[int, Callable[[Any], Any] | None]  # where a row's value goes; how it is adapted


def _related_id(related: Any) -> Any:
    """A foreign key given as the related row: a saved instance, or a row dict with its id."""
    return related["id"] if isinstance(related, dict) else related.pk


class BulkTable:
    """Batched inserts of one model's rows, each given as a dict.

    A row gives a field by its attribute name (`child_id`, `last_seen_at`), or a foreign key
    as the related row itself under the field's name (`child`: a saved instance, or a row dict
    whose `id` was reserved with `reserve_ids`). Keys that are not fields are ignored, so a
    row can carry what its writer needs besides. A field the row leaves out takes its model
    default; auto_now(_add) fields take `now`; a field with no default must be given
    (REQUIRED).

    With `with_id`, each row brings its own primary key (from `reserve_ids`).

    The rows of one table usually have the same keys in the same order: where each value goes
    and how it is adapted is worked out once per set of keys. With `repeats`, dates and
    datetimes are adapted through a cache: for rows that repeat the same few days and one
    `now` many times (an import, the audit log's events), not for rows whose times are all
    different (the synthetic register's, where the cache made the writing a fifth slower).
    """

    def __init__(self, model, now: dt.datetime, with_id: bool = False, repeats: bool = False):
        ops = connection.ops
        fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        self.model = model
        self.columns: list[str] = [f.attname for f in fields]
        self.column_names: list[str] = [f.column for f in fields]
        self.defaults: list[Any] = []
        self._steps: dict[str, Step] = {}
        for i, f in enumerate(fields):
            kind = f.get_internal_type()
            adapter: Callable[[Any], Any] | None = None
            if kind == "DateField":
                adapter = ops.adapt_datefield_value
            elif kind == "DateTimeField":
                adapter = ops.adapt_datetimefield_value
            if adapter is not None and repeats:
                adapter = functools.lru_cache(maxsize=4096)(adapter)
            if kind == "JSONField":  # values are not hashable: never cached
                adapter = functools.partial(ops.adapt_json_value, encoder=f.encoder)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default = now
            elif f.has_default():
                default = f.get_default()
            elif f.null:
                default = None
            elif kind in ("CharField", "TextField"):
                default = ""
            else:
                default = REQUIRED
            if adapter is not None and default is not None and default is not REQUIRED:
                default = adapter(default)  # once, not once a row
            self.defaults.append(default)
            self._steps[f.attname] = (i, adapter)
            if f.is_relation and f.name != f.attname:
                self._steps[f.name] = (i, _related_id)
        self._plans: dict[tuple, list[Step | None]] = {}
        names = ", ".join(ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        table = ops.quote_name(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"

    def _plan(self, keys: tuple) -> list[Step | None]:
        plan = [self._steps.get(key) for key in keys]
        given = {step[0] for step in plan if step is not None}
        missing = [
            column
            for i, (column, default) in enumerate(zip(self.columns, self.defaults, strict=True))
            if default is REQUIRED and i not in given
        ]
        if missing:
            raise KeyError(
                f"a {self.model.__name__} row has no value for the required field(s) "
                + ", ".join(missing)
            )
        return plan

    def values(self, row: dict) -> tuple:
        """The row's values in the table's column order, adapted for the database."""
        keys = tuple(row)
        plan = self._plans.get(keys)
        if plan is None:
            plan = self._plans[keys] = self._plan(keys)
        out = self.defaults.copy()
        for step, value in zip(plan, row.values(), strict=True):
            if step is not None:
                i, adapter = step
                out[i] = value if adapter is None or value is None else adapter(value)
        return tuple(out)

    def _check_keys(self, rows: list[dict]) -> None:
        plans = self._plans
        for row in rows:
            keys = tuple(row)
            if keys not in plans:
                plans[keys] = self._plan(keys)

    def insert(self, rows: list[dict]) -> None:
        """Write the rows, in the caller's transaction. A row that leaves out a required
        field is refused (KeyError) before anything is sent to the database."""
        if not rows:
            return
        self._check_keys(rows)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY streams the rows in one command; a statement per row costs PostgreSQL
                # several times as much (about 45 µs a row even pipelined).
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(self.values(row))
                return
            for start in range(0, len(rows), INSERT_BATCH):
                cursor.executemany(
                    self.sql, [self.values(r) for r in rows[start : start + INSERT_BATCH]]
                )

    def stage(self, rows: list[dict]) -> Staged:
        """Make the rows ready to be written, before the transaction that writes them opens
        (see `Staged`). Each row must bring its id (`with_id`, from `take_ids`): nothing that
        depends on the write lock is left for `Staged.insert`."""
        self._check_keys(rows)
        values = [self.values(row) for row in rows]
        if connection.vendor != "sqlite" or not values:
            return Staged(self, values, None)
        _Staging.count += 1
        name = f"visible_staged_{self.model._meta.db_table}_{_Staging.count}"
        columns = ", ".join(f"c{i}" for i in range(len(self.columns)))
        marks = ", ".join(["%s"] * len(self.columns))
        with connection.cursor() as cursor:
            # Columns without a type, so values are kept exactly as given until the table's own
            # columns take them, as the INSERT of `insert` would.
            cursor.execute(f"CREATE TEMP TABLE {name} ({columns})")
            own = not connection.in_atomic_block
            if own:
                # A DEFERRED transaction of its own, which writes only the temporary database:
                # Django's atomic() would begin IMMEDIATE and take the database's write lock.
                cursor.execute("BEGIN")
            try:
                for start in range(0, len(values), INSERT_BATCH):
                    cursor.executemany(
                        f"INSERT INTO temp.{name} VALUES ({marks})",
                        values[start : start + INSERT_BATCH],
                    )
            except BaseException:
                if own:
                    cursor.execute("ROLLBACK")
                cursor.execute(f"DROP TABLE IF EXISTS temp.{name}")
                raise
            if own:
                cursor.execute("COMMIT")
        return Staged(self, [], name, count=len(values))


class _Staging:
    count = 0  # temporary tables made by this process, for their names


class Staged:
    """Rows of one table made ready by `BulkTable.stage`: `insert` writes them in the caller's
    transaction (on SQLite one INSERT ... SELECT from the temporary table, several times
    faster than inserting them row by row; on PostgreSQL COPY), and `discard` removes the
    temporary table, whether or not they were written. Staged rows belong to the connection
    (the thread) that staged them."""

    def __init__(self, table: BulkTable, values: list[tuple], temp: str | None, count: int = 0):
        self.table, self._values, self._temp = table, values, temp
        self.count = count or len(values)

    def insert(self) -> None:
        if not self.count:
            return
        table = self.table
        with connection.cursor() as cursor:
            if self._temp is None:
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(table.copy_sql) as copy:
                        for values in self._values:
                            copy.write_row(values)
                    return
                for start in range(0, len(self._values), INSERT_BATCH):
                    cursor.executemany(table.sql, self._values[start : start + INSERT_BATCH])
                return
            ops = connection.ops
            names = ", ".join(ops.quote_name(f) for f in table.column_names)
            columns = ", ".join(f"c{i}" for i in range(len(table.columns)))
            cursor.execute(
                f"INSERT INTO main.{ops.quote_name(table.model._meta.db_table)} ({names}) "
                f"SELECT {columns} FROM temp.{self._temp}"
            )

    def discard(self) -> None:
        if self._temp is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS temp.{self._temp}")
            self._temp = None
        self._values = []


def take_ids(model, count: int) -> list[int]:
    """`count` new primary keys for `model`, taken for good before the transaction that writes
    the rows opens, so that it need not hold the write lock while they are worked out; ids
    taken and never used are a gap, as a rolled-back PostgreSQL sequence leaves.

    PostgreSQL: from the table's sequence (as `reserve_ids`). SQLite: Django's tables count
    their ids with AUTOINCREMENT, which never gives an id at or below the table's
    ``sqlite_sequence`` entry, so moving that entry on past the ids taken (in a short
    transaction of its own, or the caller's) keeps every other insert clear of them."""
    if count == 0:
        return []
    if connection.vendor == "postgresql":
        return reserve_ids(model, count)
    table = model._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        first = max(highest, found[0] if found else 0) + 1
        last = first + count - 1
        if found:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last, table])
        else:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last])
    return list(range(first, last + 1))


def reserve_ids(model, count: int) -> list[int]:
    """`count` new primary keys for `model`, taken before its rows are written, so that rows
    pointing at them can go in the same batch (COPY and executemany return no ids).

    PostgreSQL hands them out from the table's own sequence, so a concurrent insert elsewhere
    can never take one. SQLite has no sequence to draw from; the caller's transaction holds
    the write lock from its start (transaction_mode IMMEDIATE), so the ids after the highest
    ever used are free until it commits."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        first = max(highest, found[0] if found else 0) + 1
        return list(range(first, first + count))
