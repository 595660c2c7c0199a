"""The SSDA903 return's files: their column sets, date format and encodings.

The column sets are the DfE's (SSDA903 guidance for each collection year; the same sets the
DfE's own validator, PyPI csc-validator-be-903, recognises a CSV file by). A CSV file is
identified by its header row, not its name, so a file called anything is still read as the
table whose columns it has; a header that matches no table is reported with the columns it
lacks and the ones it should not have, against the table it is closest to.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import io

DATE_FORMAT = "%d/%m/%Y"

TABLES: dict[str, tuple[str, ...]] = {
    "Header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "Episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    "Reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "UASC": ("CHILD", "SEX", "DOB", "DUC"),
    "OC2": (
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    "OC3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "AD1": (
        "CHILD",
        "DOB",
        "DATE_INT",
        "DATE_MATCH",
        "FOSTER_CARE",
        "NB_ADOPTR",
        "SEX_ADOPTR",
        "LS_ADOPTR",
    ),
    "PlacedAdoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "PrevPerm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "Missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "SWEpisodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
}

# The tables Visible reads into the register; the others are accepted and kept, not used.
USED_TABLES = ("Header", "Episodes", "UASC", "Missing")

# File names Visible writes (the DfE accepts any name: the header row says which table it is).
FILE_NAMES = {
    "Header": "header.csv",
    "Episodes": "episodes.csv",
    "Reviews": "reviews.csv",
    "UASC": "uasc.csv",
    "OC2": "oc2.csv",
    "OC3": "oc3.csv",
    "AD1": "ad1.csv",
    "PlacedAdoption": "placed_for_adoption.csv",
    "PrevPerm": "previous_permanence.csv",
    "Missing": "missing.csv",
    "SWEpisodes": "social_worker_episodes.csv",
}


def format_date(day: dt.date | None) -> str:
    return day.strftime(DATE_FORMAT) if day else ""


@functools.lru_cache(maxsize=65536)  # a return repeats the same days many times
def parse_date(text: str) -> dt.date | None:
    """dd/mm/YYYY (the return's format), or None if it is not a real date in that format."""
    text = text.strip()
    if len(text) != 10 or text[2] != "/" or text[5] != "/":
        return None
    try:
        return dt.date(int(text[6:]), int(text[3:5]), int(text[:2]))
    except ValueError:
        return None


def table_for_columns(columns: list[str]) -> tuple[str | None, str]:
    """The table whose column set the header row has, or (None, what is wrong with it)."""
    found = set(columns)
    for name, expected in TABLES.items():
        if found == set(expected):
            return name, ""
    # The nearest table: most columns in common, fewest extra.
    name, expected = max(
        TABLES.items(), key=lambda item: (len(found & set(item[1])), -len(found - set(item[1])))
    )
    missing = [c for c in expected if c not in found]
    extra = [c for c in columns if c not in expected]
    parts = []
    if missing:
        parts.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if extra:
        parts.append(f"unexpected column{'s' if len(extra) > 1 else ''} {', '.join(extra)}")
    return (
        None,
        f"closest to the {name} table ({', '.join(expected)}) but has {' and '.join(parts)}",
    )


def decode(raw: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was in: UTF-8 (with or without a byte order
    mark), UTF-16 (spreadsheets' "Unicode text"; needs its byte order mark), or Windows-1252,
    which older case systems still write. Raises UnicodeDecodeError if none fits."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 with byte order mark"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "UTF-16"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "Windows-1252"


def csv_text(table: str, rows: list[dict[str, str]] | list[tuple[str, ...]]) -> str:
    """A table as the CSV text Visible writes: the header row, then one row per record, CRLF
    line endings (RFC 4180), fields quoted only when they must be. The fields are codes and
    dates, so the guard against formulas (visible.spreadsheets) never changes a valid one; a
    value that is not (an ETHNIC or MOTHER kept from an imported file) cannot become a formula."""
    from visible.spreadsheets import csv_writer

    out = io.StringIO()
    writer = csv_writer(out)
    columns = TABLES[table]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns] if isinstance(row, dict) else row)
    return out.getvalue()
