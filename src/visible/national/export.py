"""The national tables as files, always with disclosure control applied: what leaves Visible
is what may be published. CSV (one table, or every table in one tidy file), XLSX (a sheet per
table) and PDF (every table with its chart)."""

from __future__ import annotations

import io
import re

from visible.returns.disclosure import MARKERS
from visible.spreadsheets import csv_writer, xlsx_row

from .tables import Table

NOTE = (
    "Disclosure control applied: "
    + "; ".join(f"{k} {v}" for k, v in MARKERS.items())
    + ". National and regional totals rounded to the nearest 10."
)


def _cell(value) -> object:
    return "" if value is None else value


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([table.title])
    for row in table.grid(suppress=True):
        writer.writerow([_cell(v) for v in row])
    writer.writerow([])
    writer.writerow([table.coverage])
    for note in [*table.notes, NOTE]:
        writer.writerow([note])
    return out.getvalue().encode("utf-8-sig")


def tidy_csv(tables: list[Table], collection_name: str) -> bytes:
    """Every published cell of every table, one per line: for analysis in a spreadsheet."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["collection", "table", "row", "column", "value", "coverage"])
    for table in tables:
        shown = table.published(suppress=True)
        for key, label in table.rows:
            for column in table.columns:
                writer.writerow(
                    [
                        collection_name,
                        table.title,
                        label,
                        column.label,
                        _cell(shown.get((key, column.key))),
                        table.coverage,
                    ]
                )
    return out.getvalue().encode("utf-8-sig")


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title)[:28].strip()
    base, n = name, 2
    while name in used:
        name = f"{base[:26]} {n}"
        n += 1
    used.add(name)
    return name


def workbook(tables: list[Table], collection_name: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)
    about = book.active
    about.title = "About"
    for line in (
        collection_name,
        NOTE,
        "Each sheet is one table; its coverage is written under it.",
    ):
        about.append(xlsx_row(about, [line]))
    used: set[str] = {"About"}
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.title, used))
        sheet.append(xlsx_row(sheet, [table.title], bold))
        for number, row in enumerate(table.grid(suppress=True)):
            sheet.append(xlsx_row(sheet, [_cell(v) for v in row], bold if number == 0 else None))
        sheet.append([])
        sheet.append(xlsx_row(sheet, [table.coverage]))
        for note in table.notes:
            sheet.append(xlsx_row(sheet, [note]))
        sheet.column_dimensions["A"].width = 42
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
