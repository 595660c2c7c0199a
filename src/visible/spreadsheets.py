"""Every CSV and XLSX file Visible writes is written through here, so that no text in it is ever
taken for a formula by the spreadsheet that opens it.

A name, a label or a value copied from an uploaded file can begin with `=`, `+`, `-`, `@`, a tab
or a carriage return; Excel, LibreOffice and Google Sheets read such a cell of a CSV file as a
formula (`=HYPERLINK(...)` to send the row elsewhere, `=cmd|...` to run a program), and openpyxl
writes a text beginning `=` into an XLSX as a live formula. The OWASP guidance on CSV injection
is followed:

- CSV: text beginning with one of those characters gets a leading apostrophe (`'=SUM(A1)`),
  which spreadsheets show as text and do not run;
- XLSX: every text cell is written as text (type `s`), never as a formula, and a text beginning
  with one of those characters is also marked "quote prefix", so that editing the cell in Excel
  does not turn it into a formula. The text itself is kept as it was.

Numbers stay numbers: -1 written as a number is a number in both. Text that is exactly a
number (`-1`, `+3.5`) is left alone too, since no spreadsheet runs it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_STARTS = frozenset(FORMULA_STARTS)
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Characters XML 1.0 cannot hold (openpyxl refuses them): shown as U+FFFD instead of failing
# the whole export for one stray control character in a name.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def starts_formula(value: Any) -> bool:
    """True for text a spreadsheet would take for a formula."""
    return (
        isinstance(value, str)
        and value[:1] in FORMULA_STARTS
        and value != ""
        and _PLAIN_NUMBER.fullmatch(value) is None
    )


def inert(value: Any) -> Any:
    """A CSV cell's value that no spreadsheet will run: text taken for a formula gets a leading
    apostrophe; anything else (numbers, dates, other text) is returned unchanged."""
    return "'" + value if starts_formula(value) else value


class _InertWriter:
    """csv.writer with every cell passed through `inert`."""

    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row: Iterable[Any]):
        # The first character is looked at inline: an SSDA903 export is millions of cells.
        return self._writer.writerow(
            [inert(v) if isinstance(v, str) and v[:1] in _STARTS else v for v in row]
        )

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out, **options) -> _InertWriter:
    """`csv.writer(out, **options)` whose rows cannot carry a formula; CRLF line endings
    (RFC 4180) unless told otherwise."""
    options.setdefault("lineterminator", "\r\n")
    return _InertWriter(csv.writer(out, **options))


def inert_csv_text(text: str) -> str:
    """CSV text written before this guard existed (a problem report kept in the database),
    written again through it."""
    out = io.StringIO()
    csv_writer(out).writerows(csv.reader(io.StringIO(text, newline="")))
    return out.getvalue()


def xlsx_cell(sheet, value: Any, font=None):
    """An openpyxl cell for `sheet` (ordinary or write-only) holding `value`: text is always
    text, never a formula; numbers, dates and None are as openpyxl writes them."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and _NOT_IN_XML.search(value):
        value = _NOT_IN_XML.sub("\ufffd", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl makes text beginning '=' a formula, and '#N/A' an error
        if starts_formula(value):
            cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def xlsx_row(sheet, values: Iterable[Any], font=None) -> list:
    """A row for `sheet.append(...)`: each value through `xlsx_cell`."""
    return [xlsx_cell(sheet, v, font) for v in values]
