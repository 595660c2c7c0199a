"""Reading a rota file, CSV or XLSX, as a council's out-of-hours service keeps its rota in a
spreadsheet: a header row naming the columns, then one shift a row.

    position, person, start date, start time, end date, end time, note (optional)

Read within the upload limits (visible/uploads.py, as the register import reads its file: the
size, rows and line length before a CSV is parsed; a workbook's parts, unpacked size,
compression and sheets before a row is read). Each cell is read here into a value, or a problem
naming the file, the row and the column, what is wrong and how to put it right; the rules of a
shift (who may be on the rota, the end after the start, a time the clocks skip, no clash) are
rota/actions.py's, the same as the add-shift page's. Pure of the database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from visible import uploads
from visible.ssda903.formats import decode

from .models import Position

ROTA_FILE = "a rota file"  # what the limits' messages call it
MOST_BYTES = 1024 * 1024  # a year of shifts at every position is under 100 KB
MOST_ROWS = 2000  # shifts in one file: a quarter at three positions, several people each
ZIP_START = b"PK\x03\x04"
NOTE_LENGTH = 200

# The columns, in the template's order: (heading, required, an example for the template).
COLUMNS: tuple[tuple[str, bool, str], ...] = (
    ("position", True, "On-call manager"),
    ("person", True, "olu.adeyemi@council.example"),
    ("start date", True, "26/03/2027"),
    ("start time", True, "17:00"),
    ("end date", True, "29/03/2027"),
    ("end time", True, "09:00"),
    ("note", False, "Cover for a colleague"),
)
HEADINGS = tuple(name for name, _, _ in COLUMNS)
REQUIRED = tuple(name for name, required, _ in COLUMNS if required)

Cell = str | dt.date | dt.datetime | dt.time


@dataclass(frozen=True)
class FileProblem:
    """What is wrong, where: 'rota.csv, row 7, column 'start time': 25:00 is not a time: use
    the 24-hour clock, like 17:00'."""

    file: str
    row: int | None
    column: str
    message: str

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class RotaRow:
    row: int  # as a spreadsheet numbers it: the header row is 1
    cells: dict[str, Cell]  # heading -> the cell ("" when empty)


@dataclass
class RotaTable:
    name: str
    rows: list[RotaRow] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


class Unreadable(ValueError):
    """A cell that is not what its column holds: the message says what and how to fix it."""


def fold(text: str) -> str:
    """A heading or a position as compared: case, spaces, hyphens and underscores aside."""
    return re.sub(r"[\s_\-]+", " ", text).strip().lower()


def shown(cell: Cell) -> str:
    """A cell as a problem quotes it."""
    if isinstance(cell, dt.datetime):
        return f"{cell:%d/%m/%Y %H:%M}"
    if isinstance(cell, dt.date):
        return f"{cell:%d/%m/%Y}"
    if isinstance(cell, dt.time):
        return f"{cell:%H:%M}"
    return uploads.shown(" ".join(cell.split()))


def is_empty(cell: Cell) -> bool:
    return isinstance(cell, str) and not cell.strip()


POSITIONS: dict[str, str] = {
    **{fold(p.label): p.value for p in Position},
    **{fold(p.value): p.value for p in Position},
}
POSITION_WORDS = ", ".join(f"'{p.label}'" for p in Position)

_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::00)?")


def read_position(cell: Cell) -> str:
    found = POSITIONS.get(fold(shown(cell)))
    if found is None:
        raise Unreadable(
            f"{shown(cell)} is not a position on the rota: write one of {POSITION_WORDS}"
        )
    return found


def read_date(cell: Cell, words: str) -> dt.date:
    """``words``: what the date is, as in 'the date the shift starts'."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    example = "like 26/03/2027 or 2027-03-26"
    if isinstance(cell, dt.time):
        raise Unreadable(f"{shown(cell)} is a time, not a date: enter {words}, {example}")
    text = cell.strip()
    parts: tuple[str, str, str] | None = None
    if found := _DMY.fullmatch(text):
        parts = (found.group(3), found.group(2), found.group(1))
    elif found := _ISO.fullmatch(text):
        parts = (found.group(1), found.group(2), found.group(3))
    if not parts:
        raise Unreadable(f"{shown(cell)} is not a date: write {words} as DD/MM/YYYY, {example}")
    try:
        return dt.date(*(int(p) for p in parts))
    except ValueError:
        raise Unreadable(
            f"{shown(cell)} is not a real date: check the day and the month, {example}"
        ) from None


def read_time(cell: Cell) -> dt.time:
    if isinstance(cell, dt.datetime):
        if cell.date() in (dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1900, 1, 1)):
            return cell.time().replace(second=0, microsecond=0)  # a time cell, as Excel keeps it
        raise Unreadable(
            f"{shown(cell)} is a date and time: give the time alone, on the 24-hour clock, "
            "like 17:00"
        )
    if isinstance(cell, dt.time):
        return cell.replace(second=0, microsecond=0)
    if isinstance(cell, dt.date):
        raise Unreadable(f"{shown(cell)} is a date, not a time: use the 24-hour clock, like 17:00")
    text = cell.strip().replace(".", ":")
    if found := _TIME.fullmatch(text):
        hours, minutes = int(found.group(1)), int(found.group(2))
        if hours < 24 and minutes < 60:
            return dt.time(hours, minutes)
        if (hours, minutes) == (24, 0):
            raise Unreadable(
                "24:00 is not a time on the 24-hour clock: for midnight, write 00:00 and the "
                "next day's date"
            )
    raise Unreadable(f"{shown(cell)} is not a time: use the 24-hour clock, like 17:00")


# --- reading the file ---------------------------------------------------------------------------


def is_workbook(name: str, raw: bytes) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm")) or raw.startswith(ZIP_START)


def read_rota(name: str, raw: bytes) -> RotaTable:
    """The file's rows (blank ones left out) by heading, or the problems that stop it being
    read: its limits, its characters, its header row."""
    table = RotaTable(name)
    if not raw.strip():
        table.problems.append(
            FileProblem(
                name,
                None,
                "",
                "The file is empty: download the template, fill it in and upload it again",
            )
        )
        return table
    try:
        uploads.check_size(
            name,
            len(raw),
            MOST_BYTES,
            ROTA_FILE,
            "Give the rota's columns only, one row per shift; split a long rota into files "
            "of a few months each",
        )
        records = (
            _workbook_records(name, raw) if is_workbook(name, raw) else _csv_records(name, raw)
        )
        if records is None:
            table.problems.append(
                FileProblem(
                    name,
                    None,
                    "",
                    "The file's characters cannot be read: save it again as CSV UTF-8 "
                    "(in a spreadsheet: 'CSV UTF-8'), or as an Excel workbook (.xlsx)",
                )
            )
            return table
        headings, rows = records
    except uploads.FileRefused as error:
        column = f"{error.column}" if error.column else ""
        table.problems.append(
            FileProblem(error.file, error.row, column, f"{error.what}: {_lower_first(error.fix)}")
        )
        return table
    columns = _columns(name, headings, table)
    if columns is None:
        return table
    for number, cells in rows:
        values = {
            heading: (cells[index] if index < len(cells) else "")
            for heading, index in columns.items()
        }
        if all(is_empty(v) for v in values.values()):
            continue
        if len(table.rows) >= MOST_ROWS:
            table.problems.append(
                FileProblem(
                    name,
                    number,
                    "",
                    f"The file has more than {MOST_ROWS:,} shifts; {ROTA_FILE} has at most "
                    f"{MOST_ROWS:,}: split it into files of a few months each",
                )
            )
            return table
        table.rows.append(RotaRow(number, values))
    if not table.rows:
        table.problems.append(
            FileProblem(
                name,
                None,
                "",
                "The file has a header row but no shifts: add one row for each shift, under "
                "the header row",
            )
        )
    return table


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _columns(name: str, headings: list[str], table: RotaTable) -> dict[str, int] | None:
    """Each of the rota's columns and where it is in the file (other columns are left alone)."""
    found: dict[str, int] = {}
    for index, heading in enumerate(headings):
        folded = fold(heading)
        if folded not in HEADINGS:
            continue
        if folded in found:
            table.problems.append(
                FileProblem(
                    name,
                    1,
                    heading,
                    f"Two columns are headed '{folded}': delete one of them",
                )
            )
        found[folded] = index
    missing = [h for h in REQUIRED if h not in found]
    if missing:
        named = ", ".join(f"'{h}'" for h in missing)
        table.problems.append(
            FileProblem(
                name,
                1,
                "",
                f"The header row has no column {named}: the first row names the columns "
                f"({', '.join(HEADINGS)}), as in the template",
            )
        )
    return None if table.problems else found


def _csv_records(name: str, raw: bytes) -> tuple[list[str], list[tuple[int, list[Cell]]]] | None:
    try:
        text, _ = decode(raw)
    except UnicodeDecodeError:
        return None
    uploads.check_csv(
        name,
        text,
        MOST_ROWS + 1,
        ROTA_FILE,
        "Split the rota into files of a few months each",
    )
    nul, _ = uploads.nul_cells(name, text)
    if nul:
        row, column, value = nul[0]
        raise uploads.FileRefused(
            name, f"The value {value} holds a NUL character", uploads.NUL_FIX, row=row,
            column=column,
        )  # fmt: skip
    records = uploads.csv_records(name, text)
    headings = [h.strip() for h in next(records, [])]
    rows: list[tuple[int, list[Cell]]] = [
        (number, list(cells)) for number, cells in enumerate(records, start=2)
    ]
    return headings, rows


def _cell(value) -> Cell:
    """A workbook's value: a date, time or date-and-time cell as itself, text otherwise (a
    whole number without its '.0')."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _workbook_records(name: str, raw: bytes) -> tuple[list[str], list[tuple[int, list[Cell]]]]:
    """The workbook's first sheet."""
    book = uploads.open_workbook(name, raw, ROTA_FILE)
    try:
        sheet = book.worksheets[0]
        values = uploads.sheet_rows(name, sheet, ROTA_FILE)
        headings = [shown(_cell(v)).strip() for v in next(values, [])]
        rows: list[tuple[int, list[Cell]]] = []
        for number, row in enumerate(values, start=2):
            if number > MOST_ROWS + 1 and any(v is not None for v in row):
                raise uploads.FileRefused(
                    name,
                    f"The sheet has more than {MOST_ROWS:,} shifts; {ROTA_FILE} has at most "
                    f"{MOST_ROWS:,}",
                    "Split the rota into files of a few months each",
                    row=number,
                )
            rows.append((number, [_cell(v) for v in row]))
        return headings, rows
    finally:
        book.close()


def template_csv() -> str:
    """The template: the header row and one example row."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    writer.writerow(example for _, _, example in COLUMNS)
    return out.getvalue()
