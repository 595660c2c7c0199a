"""Files people upload: SSDA903 returns and CIN factors (CSV or XML), national returns (XLSX, CSV
or JSON) and groupings of authorities (CSV). What is checked before a file is parsed, so that a
small file cannot take gigabytes of memory or minutes of work in a request, and what no uploaded
text may hold.

- Size: the bytes of a file (or of a return's files together), before they are read.
- CSV: the number of rows and the length of a line, counted on the text before it is parsed
  (a 3 MB file of 300,000 rows, or one line of a million commas, is refused unparsed).
- XLSX: the workbook is a zip file; its parts are counted and their unpacked sizes and
  compression ratios read from the zip's directory (a 6 KB file can unpack to gigabytes), then
  the sheets are counted and each sheet's declared size (its <dimension ref="A1:XFD1048576">)
  checked, all before a row is read. Rows are then read one at a time, never padded out to the
  declared size, and reading stops at the limit whatever the file declared.
- NUL characters: PostgreSQL cannot store them (SQLite can), so a file holding one is refused
  with the row and column, on every database alike.

The limits are settings (config/settings/base.py, VISIBLE_*), sized to real data. A check that
fails raises FileRefused: the file, what is wrong (naming the limit) and how to put it right;
each importer turns it into its own report's problem.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler

NUL = "\x00"
SHOWN_NUL = "\u2400"  # the symbol for NUL, so that a report can show where it was
MEGABYTE = 1024 * 1024
# Compression ratios are judged on parts that unpack to more than this: a small part can be
# squeezed far without being a threat.
RATIO_FLOOR_BYTES = MEGABYTE
MAX_NUL_PROBLEMS = 1000


class FileRefused(ValueError):
    """A file that is not read: where (file, and row and column when known), what is wrong and
    how to fix it."""

    def __init__(
        self,
        file: str,
        what: str,
        fix: str,
        *,
        row: int | None = None,
        column: str = "",
        value: str = "",
    ):
        self.file, self.what, self.fix = file, what, fix
        self.row, self.column, self.value = row, column, value
        super().__init__(f"{self.where}: {what}: {fix}")

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


def size_text(size: int) -> str:
    """Bytes in words: '6 KB', '12.5 MB', '2.8 GB'."""
    for unit, scale in (("GB", MEGABYTE * 1024), ("MB", MEGABYTE), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:,} bytes"


def check_size(file: str, size: int, limit: int, kind: str, fix: str) -> None:
    """`kind` is what the file is, as in 'an SSDA903 return' ('... is at most 100 MB')."""
    if size > limit:
        raise FileRefused(
            file, f"The file is {size_text(size)}; {kind} is at most {size_text(limit)}", fix
        )


# --- CSV ---------------------------------------------------------------------------------------


def count_rows(text: str) -> int:
    """The rows of a CSV text, counted without parsing it: its line breaks (a value holding a
    line break counts twice, so this is never fewer than the rows)."""
    rows = max(text.count("\n"), text.count("\r"))
    if text and not text.endswith(("\n", "\r")):
        rows += 1
    return rows


def check_csv(
    file: str, text: str, max_rows: int, kind: str, fix: str, *, rows_before: int = 0
) -> int:
    """The rows of a CSV text (see `check_rows`), and the length of its lines (see
    `check_line_length`), before it is parsed. Returns the rows counted."""
    rows = check_rows(file, text, max_rows, kind, fix, rows_before=rows_before)
    check_line_length(file, text, kind)
    return rows


def check_rows(
    file: str, text: str, max_rows: int, kind: str, fix: str, *, rows_before: int = 0
) -> int:
    """The rows of a CSV text, refused if there are more than `max_rows` (with `rows_before`
    already counted in other files of the same upload). Returns the rows counted."""
    rows = count_rows(text)
    if rows_before + rows > max_rows:
        together = f" (with the files before it, {rows_before + rows:,})" if rows_before else ""
        raise FileRefused(
            file, f"The file has {rows:,} rows{together}; {kind} has at most {max_rows:,}", fix
        )
    return rows


def check_line_length(file: str, text: str, kind: str) -> None:
    """No line longer than VISIBLE_CSV_MAX_LINE_CHARACTERS: a line of a million commas would be
    a million values once parsed."""
    longest = settings.VISIBLE_CSV_MAX_LINE_CHARACTERS
    if len(text) <= longest:
        return
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if max(map(len, lines)) > longest:
        number = next(n for n, line in enumerate(lines, start=1) if len(line) > longest)
        raise FileRefused(
            file,
            f"Line {number:,} is {len(lines[number - 1]):,} characters long; a line of {kind} "
            f"is at most {longest:,}",
            "Check that this is the right file, saved as CSV (comma-separated values) from the "
            "spreadsheet or case system",
            row=number,
        )


def csv_records(file: str, text: str) -> Iterator[list[str]]:
    """The records of a CSV text; a record the csv module cannot read (a quoted value running
    on for more than 131,072 characters) is refused with its line rather than failing."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as error:
        raise FileRefused(
            file,
            f"The file cannot be read as CSV from line {reader.line_num:,} ({error})",
            'Check for a double quote (") that opens a value and is never closed, and save the file '
            "again as CSV",
            row=reader.line_num,
        ) from None


def shown(value: str) -> str:
    """A value as a report can show and store it: NUL characters as the symbol ␀."""
    return value.replace(NUL, SHOWN_NUL) if NUL in value else value


def nul_cells(file: str, text: str) -> tuple[list[tuple[int, str, str]], int]:
    """Where a CSV text holds NUL characters: (row, column, value as shown) for the first cell
    with one in each row (the column named by the header row, else by its number), at most
    MAX_NUL_PROBLEMS of them, and how many rows have one in all. Costs nothing when there is
    none: the text is searched once before anything is parsed."""
    if NUL not in text:
        return [], 0
    found: list[tuple[int, str, str]] = []
    rows = 0
    header: list[str] = []
    for number, cells in enumerate(csv_records(file, text), start=1):
        if number == 1:
            header = [c.replace(NUL, "").strip() for c in cells]
        where = next((i for i, c in enumerate(cells) if NUL in c), None)
        if where is None:
            continue
        rows += 1
        if len(found) < MAX_NUL_PROBLEMS:
            column = (
                header[where]
                if number > 1 and where < len(header) and header[where]
                else f"{where + 1}"
            )
            found.append((number, column, shown(cells[where])))
    return found, rows


NUL_FIX = (
    "Remove the NUL character (byte 0; an editor may show it as NUL, \\0 or a blank): no field can hold one. "
    "If every value has them, the file was saved as 'Unicode text' (UTF-16) without its byte order mark: "
    "save it again as 'CSV UTF-8'"
)


def nul_in_json(document: Any, path: str = "") -> str | None:
    """The path ('counts.uasc' or 'generated_by') of the first key or text in a parsed JSON
    document that holds a NUL character (JSON can carry one as \\u0000), or None."""
    if isinstance(document, str):
        return (path or "(the whole document)") if NUL in document else None
    if isinstance(document, dict):
        for key, value in document.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return here
            found = nul_in_json(value, here)
            if found:
                return found
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found = nul_in_json(value, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


# --- XLSX --------------------------------------------------------------------------------------

WORKBOOK_FIX = "save it from Excel as .xlsx, or upload the CSV form"


def open_workbook(file: str, raw: bytes, kind: str):
    """An XLSX workbook opened read-only, after its zip directory, sheet count and each sheet's
    declared size have been checked against the limits; FileRefused otherwise. `kind` is what
    it is in words ('a return'). Close it when done (`book.close()`)."""
    from openpyxl import load_workbook

    check_size(
        file,
        len(raw),
        settings.VISIBLE_RETURN_MAX_BYTES,
        kind,
        "Upload the template with the figures only (no pictures or other sheets), or the CSV form",
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused(
            file, "The file could not be read as an Excel workbook (.xlsx)", WORKBOOK_FIX
        ) from None
    _check_parts(file, parts, kind)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
    except Exception:  # openpyxl raises several kinds for a file that is not a workbook
        raise FileRefused(
            file, "The file could not be read as an Excel workbook (.xlsx)", WORKBOOK_FIX
        ) from None
    try:
        _check_sheets(file, book, kind)
    except FileRefused:
        book.close()
        raise
    return book


def _check_parts(file: str, parts: list[zipfile.ZipInfo], kind: str) -> None:
    most_parts = settings.VISIBLE_XLSX_MAX_PARTS
    if len(parts) > most_parts:
        raise FileRefused(
            file,
            f"The workbook holds {len(parts):,} parts; {kind} holds at most {most_parts:,}",
            "Upload the template with the figures only (no pictures, charts or other sheets)",
        )
    unpacked = sum(p.file_size for p in parts)
    most_unpacked = settings.VISIBLE_XLSX_MAX_UNPACKED_BYTES
    if unpacked > most_unpacked:
        raise FileRefused(
            file,
            f"The workbook unpacks to {size_text(unpacked)}; {kind} unpacks to at most "
            f"{size_text(most_unpacked)}",
            "Upload the template with the figures only, or the CSV form",
        )
    ratio = settings.VISIBLE_XLSX_MAX_COMPRESSION_RATIO
    for part in parts:
        if part.file_size > RATIO_FLOOR_BYTES and part.file_size > ratio * max(
            part.compress_size, 1
        ):
            raise FileRefused(
                file,
                f"The workbook's part {part.filename} is compressed "
                f"{part.file_size // max(part.compress_size, 1):,} to 1 ({size_text(part.compress_size)} "
                f"unpacking to {size_text(part.file_size)}); a workbook Visible reads is compressed "
                f"at most {ratio:,} to 1",
                "Copy the figures into a fresh template and upload that",
            )


def _check_sheets(file: str, book, kind: str) -> None:
    from openpyxl.utils import get_column_letter

    most_sheets = settings.VISIBLE_RETURN_MAX_SHEETS
    if len(book.sheetnames) > most_sheets:
        raise FileRefused(
            file,
            f"The workbook has {len(book.sheetnames):,} sheets; {kind} has at most {most_sheets:,}",
            "Delete the sheets that are not the template's (Counts, Nationality, Notes)",
        )
    most_rows, most_columns = settings.VISIBLE_RETURN_MAX_ROWS, settings.VISIBLE_RETURN_MAX_COLUMNS
    fix = (
        "Delete the empty rows and columns below and to the right of the figures (select them, then Delete), "
        "or copy the figures into a fresh template, and upload it again"
    )
    for sheet in book.worksheets:
        # In read-only mode these are what the sheet declares (<dimension ref=...>), not counted.
        rows, columns = sheet.max_row or 0, sheet.max_column or 0
        if rows > most_rows:
            raise FileRefused(
                f"{file} sheet {sheet.title}",
                f"The sheet declares {rows:,} rows; {kind} has at most {most_rows:,} in a sheet",
                fix,
            )
        if columns > most_columns:
            raise FileRefused(
                f"{file} sheet {sheet.title}",
                f"The sheet declares {columns:,} columns (to column {get_column_letter(columns)}); "
                f"{kind} has at most {most_columns:,}",
                fix,
            )


def sheet_rows(file: str, sheet, kind: str) -> Iterator[list[Any]]:
    """A sheet's rows as lists of values, read one at a time: never padded to the size the
    sheet declares (a row ends at its last value), and refused at the first row past
    VISIBLE_RETURN_MAX_ROWS or the first value past VISIBLE_RETURN_MAX_COLUMNS, whatever the
    sheet declared."""
    from openpyxl.utils import get_column_letter

    most_rows, most_columns = settings.VISIBLE_RETURN_MAX_ROWS, settings.VISIBLE_RETURN_MAX_COLUMNS
    where = f"{file} sheet {sheet.title}"
    sheet.reset_dimensions()  # read the rows that are there, not the declared rectangle
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > most_rows:
            raise FileRefused(
                where,
                f"The sheet has more than {most_rows:,} rows; {kind} has at most {most_rows:,} "
                "in a sheet",
                "Delete the rows below the figures, or copy the figures into a fresh template",
            )
        row = list(values)
        if len(row) > most_columns:
            while row and row[-1] is None:
                row.pop()
            if len(row) > most_columns:
                raise FileRefused(
                    where,
                    f"Row {number:,} has a value in column {get_column_letter(len(row))}; {kind} "
                    f"has at most {most_columns:,} columns",
                    "Delete the columns to the right of the template's",
                    row=number,
                )
        yield row


# --- the request itself ------------------------------------------------------------------------


class RequestSizeLimit(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: a request whose body is larger than
    VISIBLE_UPLOAD_MAX_REQUEST_BYTES is refused (400) before any of it is read or written to a
    temporary file. Each page checks its own files' limits too, with a message on the page;
    this is the backstop for bodies no page would accept."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.VISIBLE_UPLOAD_MAX_REQUEST_BYTES:
            raise RequestDataTooBig(
                f"The upload is {size_text(content_length)}; the most Visible accepts is "
                f"{size_text(settings.VISIBLE_UPLOAD_MAX_REQUEST_BYTES)}"
            )
        return None

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # pass every chunk on to the next handler

    def file_complete(self, file_size):
        return None
