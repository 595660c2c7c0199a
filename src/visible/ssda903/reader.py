"""Reading a return's files (CSV tables or the XML form) into rows, reporting what cannot be
read: empty files, encodings, header rows that match no table, a table given twice; and, before
anything is parsed, files past the upload limits (visible/uploads.py: bytes together, rows
together, the length of a line) and NUL characters, which no field can hold (PostgreSQL cannot
store one)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from django.conf import settings

from visible import uploads

from .formats import TABLES, USED_TABLES, decode, table_for_columns
from .report import ImportReport

RETURN = "an SSDA903 return"  # what the limits' messages call the files
SIZE_FIX = (
    "Give only the return's own files (Header, Episodes, UASC, Missing and the other SSDA903 tables), "
    "for one authority and one collection year"
)
ROWS_FIX = (
    "Check that these are one authority's files for one collection year; the limit is the setting "
    "VISIBLE_SSDA903_MAX_ROWS"
)


@dataclass
class Table:
    name: str
    file: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line in file, values)
    encoding: str = "UTF-8"
    raw: bytes = b""
    # rows refused as they were read (a value too many or too few), by the CHILD they seem to
    # name: so that a child's rows in the other tables point at its refused row, not report
    # the child as missing from the table
    refused: dict[str, int] = field(default_factory=dict)


@dataclass
class ReturnFiles:
    tables: dict[str, Table] = field(default_factory=dict)
    kept: list[Table] = field(default_factory=list)  # tables Visible reads no data from
    rows_counted: int = 0  # over the CSV files read so far, for VISIBLE_SSDA903_MAX_ROWS
    rows_refused: int = 0  # rows that could not be read (each an error of its own)

    def rows(self, name: str) -> list[tuple[int, dict[str, str]]]:
        table = self.tables.get(name)
        return table.rows if table else []

    def file(self, name: str) -> str:
        table = self.tables.get(name)
        return table.file if table else name


def too_large(sizes: list[tuple[str, int]], report: ImportReport) -> bool:
    """(name, bytes) of a return's files: over VISIBLE_SSDA903_MAX_BYTES together is an error in
    the report, found before the files are read."""
    total, limit = sum(size for _, size in sizes), settings.VISIBLE_SSDA903_MAX_BYTES
    if total <= limit:
        return False
    report.error(
        "",
        None,
        "",
        ", ".join(name for name, _ in sizes),
        f"The files are {uploads.size_text(total)} together; {RETURN} is at most {uploads.size_text(limit)}",
        SIZE_FIX,
    )
    return True


def read_files(files: list[tuple[str, bytes]], report: ImportReport) -> ReturnFiles:
    """`files` is (name, content) for each uploaded file."""
    found = ReturnFiles()
    if not files:
        report.error(
            "",
            None,
            "",
            "",
            "No files were given",
            "Give the folder (or upload the files) of the return: Header, Episodes, UASC and Missing as CSV, or the XML file",
        )
        return found
    if too_large([(name, len(raw)) for name, raw in files], report):
        return found
    xml = [f for f in files if f[0].lower().endswith(".xml")]
    if xml and len(xml) != len(files):
        report.error(
            "",
            None,
            "",
            ", ".join(n for n, _ in files),
            "A mix of CSV and XML files",
            "Give either the CSV files of the return or its one XML file, not both",
        )
        return found
    if xml:
        if len(xml) > 1:
            report.error(
                "",
                None,
                "",
                ", ".join(n for n, _ in xml),
                "More than one XML file",
                "The XML form of the return is one file: give only that file",
            )
            return found
        _read_xml(xml[0][0], xml[0][1], found, report)
    else:
        for name, raw in files:
            _read_csv(name, raw, found, report)
            if found.rows_counted > settings.VISIBLE_SSDA903_MAX_ROWS:
                return found  # the error is in the report; the files after it are not read
    for needed in ("Header", "Episodes"):
        if needed not in found.tables and not report.has_errors:
            report.error(
                "",
                None,
                "",
                "",
                f"The return has no {needed} table",
                f"Add the {needed} file (its header row: {', '.join(TABLES[needed])})",
            )
    return found


def _add(found: ReturnFiles, table: Table, report: ImportReport) -> None:
    if table.name in found.tables or any(k.name == table.name for k in found.kept):
        first = found.tables.get(table.name) or next(k for k in found.kept if k.name == table.name)
        report.error(
            table.file,
            None,
            "",
            "",
            f"A second {table.name} table (the first is {first.file})",
            f"Give each table once: remove one of the two {table.name} files",
        )
        return
    if table.name in USED_TABLES:
        found.tables[table.name] = table
    else:
        found.kept.append(table)
        report.warning(
            table.file,
            None,
            "",
            "",
            f"{table.name} table kept, not used",
            "Nothing to do: Visible keeps this file with the import but reads no data from it",
        )


def _read_csv(name: str, raw: bytes, found: ReturnFiles, report: ImportReport) -> None:
    if not raw.strip():
        report.error(
            name,
            None,
            "",
            "",
            "The file is empty",
            "Export the table again from the case system: it should start with a header row of column names",
        )
        return
    try:
        text, encoding = decode(raw)
    except UnicodeDecodeError:
        report.error(
            name,
            None,
            "",
            "",
            "The file's characters cannot be read",
            "Save it again as CSV in UTF-8 (in a spreadsheet: 'CSV UTF-8')",
        )
        return
    try:
        found.rows_counted += uploads.check_rows(
            name,
            text,
            settings.VISIBLE_SSDA903_MAX_ROWS,
            RETURN,
            ROWS_FIX,
            rows_before=found.rows_counted,
        )
    except uploads.FileRefused as error:
        found.rows_counted = (
            settings.VISIBLE_SSDA903_MAX_ROWS + 1
        )  # the files after it are not read
        report.error(name, error.row, "", "", error.what, error.fix)
        return
    try:
        uploads.check_line_length(name, text, RETURN)
    except uploads.FileRefused as error:
        report.error(name, error.row, "", "", error.what, error.fix)
        return
    if has_nul_characters(name, text, report):
        return
    try:
        _read_csv_rows(name, raw, text, encoding, found, report)
    except uploads.FileRefused as error:
        report.error(name, error.row, "", "", error.what, error.fix)


def has_nul_characters(name: str, text: str, report: ImportReport) -> bool:
    """NUL characters in a CSV text, each row's first as an error with its row and column: no
    field can hold one (PostgreSQL refuses them, SQLite would store them), so the file is not
    read further. Searched once, before parsing; parsed only if there is one."""
    nuls, rows_with = uploads.nul_cells(name, text)
    for line, column, value in nuls:
        report.error(
            name, line, column, value, "The value holds a NUL character (byte 0)", uploads.NUL_FIX
        )
    if rows_with > len(nuls):
        report.error(
            name,
            None,
            "",
            "",
            f"{rows_with - len(nuls):,} more rows hold a NUL character",
            uploads.NUL_FIX,
        )
    return bool(nuls)


def _read_csv_rows(
    name: str, raw: bytes, text: str, encoding: str, found: ReturnFiles, report: ImportReport
) -> None:
    reader = uploads.csv_records(name, text)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        report.error(
            name,
            1,
            "",
            "",
            "The file has no header row",
            "The first line must name the columns, e.g. CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB",
        )
        return
    columns = [h.strip().upper() for h in header]
    table_name, wrong = table_for_columns(columns)
    if table_name is None:
        report.error(
            name,
            1,
            "",
            ",".join(header),
            f"The header row matches no SSDA903 table: {wrong}",
            "Give the file exactly the columns of its table (the order does not matter)",
        )
        return
    table = Table(table_name, name, encoding=encoding, raw=raw)
    width = len(columns)
    for line, cells in enumerate(reader, start=2):
        values = list(map(str.strip, cells))
        if not any(values):
            continue
        if len(values) != width:
            report.error(
                name,
                line,
                "",
                ",".join(cells),
                f"The row has {len(cells)} values but the header has {width} columns",
                "Check for a comma inside a value (put the value in double quotes) or a missing value",
            )
            found.rows_refused += 1
            if "CHILD" in columns and columns.index("CHILD") < len(values):
                table.refused.setdefault(values[columns.index("CHILD")], line)
            continue
        table.rows.append((line, dict(zip(columns, values, strict=True))))
    if not table.rows and table_name in ("Header", "Episodes"):
        report.error(
            name,
            None,
            "",
            "",
            f"The {table_name} file has a header row but no rows",
            "Export the table again with its rows",
        )
    _add(found, table, report)


_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


# The XML form: one CHILD element per child with a HEADER (CHILDID, SEX, DOB, ... and the
# child's AMISSING periods and UASC details inside it) and its EPISODE elements.
def _read_xml(name: str, raw: bytes, found: ReturnFiles, report: ImportReport) -> None:
    if not raw.strip():
        report.error(
            name, None, "", "", "The file is empty", "Export the XML again from the case system"
        )
        return
    # The return's XML has no document type: one that declares entities could expand to far
    # more than the file (the "billion laughs"), so it is not parsed.
    if _DECLARATION.search(raw):
        report.error(
            name,
            None,
            "",
            "",
            "The XML declares a document type or entities (<!DOCTYPE or <!ENTITY)",
            "Export the XML again from the case system: the SSDA903 XML has no DOCTYPE",
        )
        return
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as error:
        line = error.position[0] if error.position else None
        report.error(
            name,
            line,
            "",
            "",
            f"The XML cannot be read: {error}",
            "Export the XML again from the case system",
        )
        return
    tables = {n: Table(n, name) for n in ("Header", "Episodes", "UASC", "Missing")}
    children = [c for c in root.iter() if c.tag == "CHILD" and c.find(".//CHILDID") is not None]
    for number, child in enumerate(children, start=1):
        leaves = {n.tag: (n.text or "").strip() for n in child.iter() if len(n) == 0}
        header_node = child.find("HEADER")
        header = {
            n.tag: (n.text or "").strip()
            for n in (header_node if header_node is not None else child)
            if len(n) == 0
        }
        child_id = leaves.get("CHILDID", "")
        tables["Header"].rows.append(
            (number, {"CHILD": child_id, **{c: header.get(c, "") for c in TABLES["Header"][1:]}})
        )
        if (
            header.get("UASC", "") in ("1", "true", "True")
            or header.get("DUC")
            or (child.find(".//UASC") is not None and len(child.find(".//UASC")))
        ):
            uasc = child.find(".//UASC")
            duc = header.get("DUC") or (uasc.findtext("DUC", "") if uasc is not None else "")
            tables["UASC"].rows.append(
                (
                    number,
                    {
                        "CHILD": child_id,
                        "SEX": header.get("SEX", ""),
                        "DOB": header.get("DOB", ""),
                        "DUC": (duc or "").strip(),
                    },
                )
            )
        for episode in child.iter("EPISODE"):
            values = {
                n.tag if n.tag != "PL" else "PLACE": (n.text or "").strip()
                for n in episode
                if len(n) == 0
            }
            tables["Episodes"].rows.append(
                (
                    number,
                    {"CHILD": child_id, **{c: values.get(c, "") for c in TABLES["Episodes"][1:]}},
                )
            )
        for period in child.iter("AMISSING"):
            values = {n.tag: (n.text or "").strip() for n in period if len(n) == 0}
            tables["Missing"].rows.append(
                (
                    number,
                    {
                        "CHILD": child_id,
                        "DOB": header.get("DOB", ""),
                        **{c: values.get(c, "") for c in ("MISSING", "MIS_START", "MIS_END")},
                    },
                )
            )
    if not children:
        report.error(
            name,
            None,
            "",
            "",
            "The XML has no CHILD elements with a CHILDID",
            "Check this is the SSDA903 XML return (CHILD elements holding HEADER and EPISODE)",
        )
        return
    for table in tables.values():
        if table.rows or table.name in ("Header", "Episodes"):
            found.tables[table.name] = table
