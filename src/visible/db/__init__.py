"""Database infrastructure shared by the apps, with no domain knowledge of its own.

- `bulk.py`: `BulkTable`, writing many rows of one model in one go (COPY on PostgreSQL,
  batched INSERTs on SQLite) exactly as `bulk_create` would store them, and `reserve_ids`,
  primary keys taken before the rows are written. Used by the SSDA903 import, the audit log's
  bulk writer and the demo's synthetic register generator.
- `rows.py`: `RowReader`, a queryset's rows straight from the cursor with quick date and
  datetime converters. Used by the national sweep and the FOI return.
"""
