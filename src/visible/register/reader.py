"""Reading a register file, CSV or XLSX, into its headings and rows, within the upload limits
(visible/uploads.py: its size, rows and line length before a CSV is parsed; a workbook's
parts, unpacked size, compression and sheets before a row is read, against spreadsheet
bombs). A file that cannot be read is an error in the report, as the SSDA903 import's are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings

from visible import uploads
from visible.ssda903.formats import decode
from visible.ssda903.reader import has_nul_characters
from visible.ssda903.report import ImportReport

from .values import Cell

REGISTER_FILE = "a register file"  # what the limits' messages call it
ROWS_FIX = (
    "Give one council's register, one row per child; the limit is the setting "
    "VISIBLE_RETURN_MAX_ROWS"
)
ZIP_START = b"PK\x03\x04"


@dataclass
class Table:
    name: str
    headings: list[str]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)  # (line, cells)


def is_workbook(name: str, raw: bytes) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm")) or raw.startswith(ZIP_START)


def read_table(name: str, raw: bytes, report: ImportReport) -> Table | None:
    """The file's headings (its first row) and its rows with their line numbers (the
    heading row is line 1), blank rows left out; None, with the problem in ``report``, if
    it cannot be read."""
    if not raw.strip():
        report.error(
            name,
            None,
            "",
            "",
            "The file is empty",
            "Export the register again from the case system: the first row names the columns",
        )
        return None
    try:
        uploads.check_size(
            name,
            len(raw),
            settings.VISIBLE_RETURN_MAX_BYTES,
            REGISTER_FILE,
            "Give the register's columns only, one row per child",
        )
        table = (
            _read_workbook(name, raw) if is_workbook(name, raw) else _read_csv(name, raw, report)
        )
    except uploads.FileRefused as error:
        report.error(error.file, error.row, error.column, error.value, error.what, error.fix)
        return None
    if table is None:
        return None
    if not any(h for h in table.headings):
        report.error(
            name,
            1,
            "",
            "",
            "The first row has no column headings",
            "The first row must name the columns (CHILD, Given names, Date of birth...)",
        )
        return None
    return table


def _read_csv(name: str, raw: bytes, report: ImportReport) -> Table | None:
    try:
        text, _ = decode(raw)
    except UnicodeDecodeError:
        report.error(
            name,
            None,
            "",
            "",
            "The file's characters cannot be read",
            "Save it again as CSV in UTF-8 (in a spreadsheet: 'CSV UTF-8')",
        )
        return None
    uploads.check_csv(name, text, settings.VISIBLE_RETURN_MAX_ROWS, REGISTER_FILE, ROWS_FIX)
    if has_nul_characters(name, text, report):
        return None
    records = uploads.csv_records(name, text)
    headings = [h.strip() for h in next(records, [])]
    table = Table(name, headings)
    for line, cells in enumerate(records, start=2):
        if any(c.strip() for c in cells):
            table.rows.append((line, list(cells)))
    return table


def _cell(value) -> Cell:
    """A workbook's value as the importer reads it: a date for a date cell, text otherwise
    (a whole number without its '.0')."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_workbook(name: str, raw: bytes) -> Table:
    """The workbook's first sheet."""
    book = uploads.open_workbook(name, raw, REGISTER_FILE)
    try:
        sheet = book.worksheets[0]
        rows = uploads.sheet_rows(name, sheet, REGISTER_FILE)
        headings = [str(_cell(v)).strip() for v in next(rows, [])]
        table = Table(name, headings)
        for line, values in enumerate(rows, start=2):
            cells = [_cell(v) for v in values]
            if any(c.strip() if isinstance(c, str) else True for c in cells):
                table.rows.append((line, cells))
        return table
    finally:
        book.close()
