"""Returns in: the FOI-return JSON an authority on Visible sends (docs/foi-return.md), the
spreadsheet template for authorities not on Visible (XLSX or CSV), and figures an analyst keys
in from a letter. All three become the same document, checked the same way.

Every problem names where it is (file, sheet, row, column or JSON path), what is wrong and how
to fix it; a return with any problem is not stored at all. A file past the upload limits
(visible/uploads.py: bytes, rows, columns, sheets, what an XLSX unpacks to) is refused before it
is parsed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from visible import uploads
from visible.reference.models import Authority
from visible.returns import disclosure, edition2024
from visible.returns.foi import DURATION_BANDS, GENDERS, GROUPS, MEASURES
from visible.returns.formats import RETURN_TYPE, SCHEMA_PATH, SCHEMA_VERSION, load_schema
from visible.spreadsheets import csv_writer, xlsx_row

from .models import Collection, Edition

GROUP_CODES = tuple(g.code for g in GROUPS)
MEASURE_CODES = tuple(m.code for m in MEASURES)
GENDER_CODES = tuple(c for c, _ in GENDERS)
COUNTS_COLUMNS = ("group", "measure", "value")
DESCRIPTION_COLUMN = "what it counts"  # the template's guide to each row; ignored when read
NATIONALITY_COLUMNS = ("group", "measure", "nationality", "gender", "value")
# What an analyst keys in from a letter: the report's headline questions.
KEYED_GROUPS = ("trafficked_identified", "trafficked_suspected", "uasc_or_separated")
KEYED_MEASURES = ("children", "children_missing_or_away", "incidents", "children_still_missing")
MAX_PROBLEMS_SHOWN = 200


@dataclass(frozen=True)
class Problem:
    where: str  # "counts.csv row 14, column value" or "JSON counts.uasc.incidents"
    what: str  # what is wrong, and how to fix it

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


class ReturnProblems(ValueError):
    """The return cannot be stored: every problem found, each saying where and how to fix it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''}: {shown}{more}"
        )


def refused(error: uploads.FileRefused) -> ReturnProblems:
    """A file refused by the upload limits (visible/uploads.py), as the return's problem."""
    return ReturnProblems(
        [Problem(error.where, f"{error.what}: {error.fix[:1].lower()}{error.fix[1:]}")]
    )


RETURN = "a return"  # what the limits' messages call the file


def check_size(filename: str, size: int) -> None:
    """Before the file is read: at most VISIBLE_RETURN_MAX_BYTES."""
    try:
        uploads.check_size(
            filename,
            size,
            settings.VISIBLE_RETURN_MAX_BYTES,
            RETURN,
            "Upload the template with the figures only, or the JSON file Visible writes",
        )
    except uploads.FileRefused as error:
        raise refused(error) from None


def _iso_now() -> str:
    return timezone.localtime().isoformat(timespec="seconds")


def empty_document(
    authority: Authority, collection: Collection, generated_by: str
) -> dict[str, Any]:
    """A return in the JSON format with every figure 'not available' (:), to be filled in."""
    from visible.returns.foi import period_bounds

    _, end = period_bounds(collection.period_from, collection.period_to)
    return {
        "schema_version": SCHEMA_VERSION,
        "return_type": RETURN_TYPE,
        "authority": {
            "code": authority.code,
            "name": authority.name,
            "nation": authority.nation,
            "region": authority.region,
        },
        "period": {
            "from": collection.period_from.isoformat(),
            "to": collection.period_to.isoformat(),
            "as_at": timezone.localtime(end).isoformat(timespec="seconds"),
            "complete": True,
        },
        "generated_at": _iso_now(),
        "generated_by": generated_by,
        "disclosure_control": {
            "applied": False,
            "totals_rounded_to": None,
            "markers": disclosure.MARKERS,
        },
        "groups": [
            {
                "code": g.code,
                "label": g.label,
                "questions": list(g.questions),
                "definition": g.definition,
            }
            for g in GROUPS
        ],
        "measures": [
            {"code": m.code, "label": m.label, "question": m.question, "unit": m.unit}
            for m in MEASURES
        ],
        "genders": [{"code": c, "label": label} for c, label in GENDERS],
        "duration_bands": [{"code": c, "label": label} for c, label in DURATION_BANDS],
        "counts": {g: {m: disclosure.NOT_AVAILABLE for m in MEASURE_CODES} for g in GROUP_CODES},
        "breakdowns": [],
        "incidents": [],
    }


# --- the JSON format ---------------------------------------------------------------------------

SCHEMA_2024_PATH = SCHEMA_PATH.with_name("foi-return-2024.schema.json")
# How to write a return of each edition, for the message refusing one of the other edition.
HOW_TO_WRITE: dict[str, str] = {
    Edition.E2016: "write it with `visible foi-return --format json` (without --edition), or "
    "use the spreadsheet template",
    Edition.E2024: "write it with `visible foi-return --edition 2024 --format json` (unsuppressed)",
}


def load_schema_2024() -> dict[str, Any]:
    return json.loads(SCHEMA_2024_PATH.read_text(encoding="utf-8"))


def edition_of(document: dict[str, Any]) -> str | None:
    """The edition a return says it answers: 2016 (schema 1.x), 2024 (schema 2.x), or None
    when it says neither (the schema then says what is wrong)."""
    version = str(document.get("schema_version", ""))
    if (
        version.startswith("2.")
        or document.get("edition") == edition2024.EDITION
        or document.get("return_type") == edition2024.RETURN_TYPE
    ):
        return Edition.E2024
    if version.startswith("1.") or document.get("return_type") == RETURN_TYPE:
        return Edition.E2016
    return None


def wrong_edition(source: str, found: str, collection: Collection) -> Problem:
    """A return of one edition sent to a collection of the other: which, and how to fix it."""
    return Problem(
        source,
        f"is a {found}-edition return but '{collection.name}' collects the {collection.edition} "
        f"edition of the data request: {HOW_TO_WRITE[collection.edition]}, or upload it to a "
        f"{found}-edition collection",
    )


def _path(error) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(the whole document)"


def _schema_problems(document: Any, schema: dict[str, Any], source: str) -> list[Problem]:
    """Every place the document breaks its schema, in the document's order."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    return [
        Problem(f"{source} at {_path(e)}", e.message)
        for e in sorted(
            validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
        )
    ]


def _wrong_authority(document: dict[str, Any], authority: Authority, source: str) -> list[Problem]:
    code = document["authority"]["code"]
    if code == authority.code:
        return []
    return [
        Problem(
            f"{source} at authority.code",
            f"is {code} but this return is for {authority.name} ({authority.code}): upload it "
            "against the right authority",
        )
    ]


def check_document(
    document: Any, authority: Authority, collection: Collection, source: str
) -> None:
    """Schema, then what the schema cannot say: the right authority, the collection's period,
    and unsuppressed figures (the national body applies disclosure control when it publishes)."""

    if not isinstance(document, dict):
        raise ReturnProblems(
            [
                Problem(
                    source,
                    "is not a JSON object: send the file `visible foi-return --format json` writes",
                )
            ]
        )
    found = edition_of(document)
    if found is not None and found != collection.edition:
        raise ReturnProblems([wrong_edition(source, found, collection)])
    if collection.edition == Edition.E2024:
        check_document_2024(document, authority, collection, source)
        return
    schema = load_schema()
    problems = _schema_problems(document, schema, source)
    if problems:
        version = document.get("schema_version")
        read = schema["properties"]["schema_version"]["enum"]
        if version not in read:
            problems.insert(
                0,
                Problem(
                    f"{source} at schema_version",
                    f"is {version!r}; Visible reads versions {' and '.join(read)}: re-export the "
                    "return with a current Visible, or use the spreadsheet template",
                ),
            )
        raise ReturnProblems(problems[:MAX_PROBLEMS_SHOWN])
    problems += _wrong_authority(document, authority, source)
    period = document["period"]
    want = (collection.period_from.isoformat(), collection.period_to.isoformat())
    if (period["from"], period["to"]) != want:
        problems.append(
            Problem(
                f"{source} at period",
                f"covers {period['from']} to {period['to']} but the collection asks for {want[0]} to "
                f"{want[1]}: make the return again for the collection's period",
            )
        )
    if document["disclosure_control"]["applied"]:
        problems.append(
            Problem(
                f"{source} at disclosure_control.applied",
                "is true: send the unsuppressed return (figures 1-5 shown). The national body "
                "applies disclosure control itself before anything is published",
            )
        )
    if problems:
        raise ReturnProblems(problems)


def check_document_2024(
    document: dict[str, Any], authority: Authority, collection: Collection, source: str
) -> None:
    """A 2024-edition return (docs/foi-return-2024.schema.json) for a 2024 collection: the
    schema, then the right authority, the collection's dates and periods (its dates cut at each
    1 January), its definition of 'missing or absent', and unsuppressed figures (':' for a
    figure not available is allowed; c, k and z are not)."""
    problems = _schema_problems(document, load_schema_2024(), source)
    if problems:
        raise ReturnProblems(problems[:MAX_PROBLEMS_SHOWN])
    problems += _wrong_authority(document, authority, source)
    start, end = collection.period_from, collection.period_to
    requested = document["requested"]
    if (requested["from"], requested["to"]) != (start.isoformat(), end.isoformat()):
        problems.append(
            Problem(
                f"{source} at requested",
                f"covers {requested['from']} to {requested['to']} but the collection asks for "
                f"{start.isoformat()} to {end.isoformat()}: make the return again with "
                f"`--from {start.isoformat()} --to {end.isoformat()}`",
            )
        )
    else:
        want = [
            (p.start.isoformat(), p.end.isoformat())
            for p in edition2024.request_periods(start, end)
        ]
        got = [(p["from"], p["to"]) for p in document["periods"]]
        if got != want:
            problems.append(
                Problem(
                    f"{source} at periods",
                    f"are {'; '.join(f'{a} to {b}' for a, b in got)} but the collection's periods "
                    f"are {'; '.join(f'{a} to {b}' for a, b in want)} (its dates cut at each "
                    "1 January): make the return again with `visible foi-return --edition 2024`",
                )
            )
    definition = document["missing_or_absent"]["code"]
    if collection.missing_definition and definition != collection.missing_definition:
        problems.append(
            Problem(
                f"{source} at missing_or_absent.code",
                f"is {definition} but the collection counts 'missing or absent' as "
                f"{collection.missing_definition} ({collection.get_missing_definition_display()}): "
                f"make the return again with `--missing-definition {collection.missing_definition}`",
            )
        )
    if document["disclosure_control"]["applied"]:
        problems.append(
            Problem(
                f"{source} at disclosure_control.applied",
                "is true: send the unsuppressed return (figures 1-5 shown). The national body "
                "applies disclosure control itself before anything is published",
            )
        )
    else:
        for number, period in enumerate(document["periods"]):
            for group, measures in period["counts"].items():
                for measure, value in measures.items():
                    if isinstance(value, str) and value != disclosure.NOT_AVAILABLE:
                        problems.append(
                            Problem(
                                f"{source} at periods.{number}.counts.{group}.{measure}",
                                f"is '{value}', a suppressed figure: send the actual count, or "
                                "':' if it is not available",
                            )
                        )
    if problems:
        raise ReturnProblems(problems[:MAX_PROBLEMS_SHOWN])


def from_json(
    raw: bytes, authority: Authority, collection: Collection, filename: str = "the file"
) -> dict[str, Any]:
    check_size(filename, len(raw))
    text = _decode(raw, filename)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReturnProblems(
            [
                Problem(
                    f"{filename} line {error.lineno}, column {error.colno}",
                    f"is not valid JSON ({error.msg})",
                )
            ]
        ) from None
    except RecursionError:
        raise ReturnProblems(
            [
                Problem(
                    filename,
                    "is nested too deeply to be a return: send the file "
                    "`visible foi-return --format json` writes",
                )
            ]
        ) from None
    # JSON can carry a NUL character (\u0000), which PostgreSQL cannot store.
    nul = uploads.nul_in_json(document)
    if nul is not None:
        raise ReturnProblems(
            [
                Problem(
                    f"{filename} at {nul}",
                    "holds a NUL character (\\u0000), which Visible cannot "
                    "store: remove it and send the file again",
                )
            ]
        )
    check_document(document, authority, collection, filename)
    return document


# --- the spreadsheet template --------------------------------------------------------------------


def _decode(raw: bytes, filename: str) -> str:
    if not raw.strip():
        raise ReturnProblems(
            [Problem(filename, "is empty: fill in the template and upload it again")]
        )
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(encoding)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReturnProblems(
            [
                Problem(
                    filename,
                    f"is not UTF-8 text (byte {error.start}): save it as "
                    "'CSV UTF-8' or upload the XLSX template",
                )
            ]
        ) from None


def _figure(value: Any, where: str, problems: list[Problem]) -> int | str | None:
    """A count, ':' for not available, or None (a problem was added)."""
    if value is None or (isinstance(value, str) and value.strip() in ("", ":")):
        return disclosure.NOT_AVAILABLE
    if isinstance(value, bool):
        problems.append(
            Problem(where, f"'{value}' is not a count: enter a whole number, or leave it blank")
        )
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().replace(",", "")
        if text.lower() in ("c", "z", "k", "x", "*", "<5", "n/a"):
            problems.append(
                Problem(
                    where,
                    f"'{value}' is a suppressed or withheld figure: the national body needs the "
                    "actual count (it applies disclosure control itself); leave it blank if "
                    "it is not known",
                )
            )
            return None
        try:
            number = int(text)
        except ValueError:
            problems.append(
                Problem(
                    where,
                    f"'{value}' is not a whole number: enter a count such as 0 or 12, "
                    "or leave it blank if it is not known",
                )
            )
            return None
    if number < 0:
        problems.append(Problem(where, f"{number} is negative: a count is 0 or more"))
        return None
    return number


def _check_header(
    header: list[str], expected: tuple[str, ...], where: str, problems: list[Problem]
) -> dict[str, int] | None:
    names = [str(h or "").strip().lower() for h in header]
    missing = [c for c in expected if c not in names]
    extra = [n for n in names if n and n not in expected and n != DESCRIPTION_COLUMN]
    if missing or extra:
        detail = []
        if missing:
            detail.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        if extra:
            detail.append(f"unexpected column{'s' if len(extra) > 1 else ''} {', '.join(extra)}")
        problems.append(
            Problem(
                f"{where} row 1",
                f"{'; '.join(detail)}: the columns must be exactly "
                f"{', '.join(expected)} (download the template)",
            )
        )
        return None
    return {name: names.index(name) for name in expected}


def _read_counts(
    rows: list[list[Any]], where: str, document: dict, problems: list[Problem]
) -> None:
    if not rows:
        problems.append(Problem(where, "has no rows: fill in the template and upload it again"))
        return
    columns = _check_header(rows[0], COUNTS_COLUMNS, where, problems)
    if columns is None:
        return
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (len(COUNTS_COLUMNS) - len(row))
        if all(c in (None, "") for c in cells):
            continue
        group = str(cells[columns["group"]] or "").strip()
        measure = str(cells[columns["measure"]] or "").strip()
        here = f"{where} row {number}"
        if group not in GROUP_CODES:
            problems.append(
                Problem(
                    f"{here}, column group",
                    f"'{group}' is not a group: use one of {', '.join(GROUP_CODES)}",
                )
            )
            continue
        if measure not in MEASURE_CODES:
            problems.append(
                Problem(
                    f"{here}, column measure",
                    f"'{measure}' is not a measure: use one of the measures listed in the template",
                )
            )
            continue
        if (group, measure) in seen:
            problems.append(
                Problem(
                    here,
                    f"{group} / {measure} is given twice (first in row {seen[group, measure]}): "
                    "keep one row for it",
                )
            )
            continue
        seen[group, measure] = number
        value = _figure(cells[columns["value"]], f"{here}, column value", problems)
        if value is not None:
            document["counts"][group][measure] = value


def _read_nationality(
    rows: list[list[Any]], where: str, document: dict, problems: list[Problem]
) -> None:
    from visible.reference.nationalities import is_nationality, nationality_name

    if len(rows) <= 1:
        return  # the sheet is optional
    columns = _check_header(rows[0], NATIONALITY_COLUMNS, where, problems)
    if columns is None:
        return
    tables: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (len(NATIONALITY_COLUMNS) - len(row))
        if all(c in (None, "") for c in cells):
            continue
        here = f"{where} row {number}"
        group, measure, nationality, gender = (
            str(cells[columns[c]] or "").strip() for c in NATIONALITY_COLUMNS[:4]
        )
        nationality = nationality.upper()
        bad = False
        if group not in GROUP_CODES:
            problems.append(
                Problem(
                    f"{here}, column group",
                    f"'{group}' is not a group: use one of {', '.join(GROUP_CODES)}",
                )
            )
            bad = True
        if measure not in (
            "children",
            "children_missing_or_away",
            "incidents",
            "children_still_missing",
        ):
            problems.append(
                Problem(
                    f"{here}, column measure",
                    f"'{measure}' cannot be broken down by nationality: use "
                    "children, children_missing_or_away, incidents or "
                    "children_still_missing",
                )
            )
            bad = True
        if not is_nationality(nationality):
            problems.append(
                Problem(
                    f"{here}, column nationality",
                    f"'{nationality}' is not an ISO 3166 alpha-3 code: use "
                    "for example AFG, ALB, ERI, VNM; XXA stateless, XXX not known",
                )
            )
            bad = True
        if gender not in GENDER_CODES:
            problems.append(
                Problem(
                    f"{here}, column gender",
                    f"'{gender}' is not a gender code: use one of {', '.join(GENDER_CODES)}",
                )
            )
            bad = True
        value = _figure(cells[columns["value"]], f"{here}, column value", problems)
        if bad or value is None:
            continue
        if value == disclosure.NOT_AVAILABLE:
            continue
        cell = tables.setdefault((group, measure), {}).setdefault(
            nationality, dict.fromkeys(GENDER_CODES, 0)
        )
        cell[gender] += value
    for (group, measure), rows_by in sorted(tables.items()):
        rows_out = [
            {
                "code": code,
                "label": nationality_name(code),
                "values": values,
                "total": sum(values.values()),
            }
            for code, values in sorted(
                rows_by.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])
            )
        ]
        column_totals = {g: sum(r["values"][g] for r in rows_out) for g in GENDER_CODES}
        document["breakdowns"].append(
            {
                "group": group,
                "measure": measure,
                "by": "nationality",
                "rows": rows_out,
                "column_totals": column_totals,
                "total": sum(column_totals.values()),
            }
        )


def from_template(
    raw: bytes, filename: str, authority: Authority, collection: Collection, generated_by: str
) -> dict[str, Any]:
    """The spreadsheet template (XLSX with sheets Counts and, optionally, Nationality; or a CSV
    of the Counts sheet) as a return document. A blank figure is 'not available' (:). The
    template is the 2016 edition's: a 2024 collection takes the 2024-edition JSON."""
    if collection.edition == Edition.E2024 and filename.lower().endswith((".xlsx", ".csv")):
        raise ReturnProblems(
            [
                Problem(
                    filename,
                    f"is the 2016 edition's spreadsheet template but '{collection.name}' collects "
                    f"the 2024 edition of the data request: {HOW_TO_WRITE[Edition.E2024]}",
                )
            ]
        )
    document = empty_document(authority, collection, generated_by)
    problems: list[Problem] = []
    if filename.lower().endswith(".xlsx"):
        if not raw:
            raise ReturnProblems(
                [Problem(filename, "is empty: fill in the template and upload it again")]
            )
        check_size(filename, len(raw))
        try:
            _read_workbook(raw, filename, document, problems)
        except uploads.FileRefused as error:
            raise refused(error) from None
    elif filename.lower().endswith(".csv"):
        check_size(filename, len(raw))
        text = _decode(raw, filename)
        try:
            uploads.check_csv(
                filename,
                text,
                settings.VISIBLE_RETURN_MAX_ROWS,
                RETURN,
                "Delete the rows below the figures, or upload the template",
            )
            nuls, _ = uploads.nul_cells(filename, text)
            if nuls:
                raise ReturnProblems(
                    [
                        Problem(
                            f"{filename} row {row}, column {column}",
                            f"'{value}' holds a NUL character: {uploads.NUL_FIX[:1].lower()}"
                            f"{uploads.NUL_FIX[1:]}",
                        )
                        for row, column, value in nuls
                    ]
                )
            rows = list(uploads.csv_records(filename, text))
        except uploads.FileRefused as error:
            raise refused(error) from None
        _read_counts(rows, filename, document, problems)
    else:
        raise ReturnProblems(
            [
                Problem(
                    filename,
                    "is not a .xlsx, .csv or .json file: upload the template or "
                    "the JSON file Visible writes",
                )
            ]
        )
    if problems:
        raise ReturnProblems(problems)
    check_document(document, authority, collection, filename)
    return document


def _read_workbook(
    raw: bytes, filename: str, document: dict[str, Any], problems: list[Problem]
) -> None:
    """The template's sheets, read row by row within the limits (visible/uploads.py)."""
    book = uploads.open_workbook(filename, raw, RETURN)
    try:
        sheets = {name.lower(): name for name in book.sheetnames}
        if "counts" not in sheets:
            raise ReturnProblems(
                [
                    Problem(
                        filename,
                        f"has no sheet called Counts (it has {', '.join(book.sheetnames)}): "
                        "use the template's sheets",
                    )
                ]
            )
        _read_counts(
            list(uploads.sheet_rows(filename, book[sheets["counts"]], RETURN)),
            f"{filename} sheet Counts",
            document,
            problems,
        )
        if "nationality" in sheets:
            _read_nationality(
                list(uploads.sheet_rows(filename, book[sheets["nationality"]], RETURN)),
                f"{filename} sheet Nationality",
                document,
                problems,
            )
    finally:
        book.close()


def from_keyed(
    values: dict[tuple[str, str], int | None],
    authority: Authority,
    collection: Collection,
    generated_by: str,
) -> dict[str, Any]:
    """Figures keyed in from a letter: (group, measure) -> count, or None where not given.
    They fill in the 2016 edition's return; a 2024 collection takes the 2024-edition JSON."""
    if collection.edition == Edition.E2024:
        raise ReturnProblems(
            [
                Problem(
                    "the keyed return",
                    f"fills in the 2016 edition's figures but '{collection.name}' collects the "
                    f"2024 edition of the data request: upload the authority's return, "
                    f"{HOW_TO_WRITE[Edition.E2024]}",
                )
            ]
        )
    document = empty_document(authority, collection, generated_by)
    for (group, measure), value in values.items():
        if group not in GROUP_CODES or measure not in MEASURE_CODES:
            raise ValueError(f"{group} / {measure} is not a figure of the return")
        if value is not None:
            if value < 0:
                raise ReturnProblems(
                    [Problem(f"{group} / {measure}", "is negative: a count is 0 or more")]
                )
            document["counts"][group][measure] = value
    check_document(document, authority, collection, "the keyed return")
    return document


def template_xlsx() -> bytes:
    """The template for authorities not on Visible: every figure as a row to fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    counts = book.active
    counts.title = "Counts"
    counts.append(xlsx_row(counts, [*COUNTS_COLUMNS, DESCRIPTION_COLUMN], bold))
    labels = {m.code: m.label for m in MEASURES}
    for group in GROUPS:
        for measure in MEASURES:
            counts.append(
                xlsx_row(
                    counts,
                    [group.code, measure.code, None, f"{group.label}: {labels[measure.code]}"],
                )
            )
    counts.column_dimensions["A"].width = 24
    counts.column_dimensions["B"].width = 34
    counts.column_dimensions["D"].width = 90
    nationality = book.create_sheet("Nationality")
    nationality.append(xlsx_row(nationality, NATIONALITY_COLUMNS, bold))
    notes = book.create_sheet("Notes")
    for line in (
        "Fill in the value column of the Counts sheet: a whole number for each figure you can give.",
        "Leave a value blank if it is not available; do not enter c, x or <5: the national body needs the actual "
        "counts and applies disclosure control itself before anything is published.",
        "The Nationality sheet is optional: one row per group, measure, nationality (ISO 3166 alpha-3, XXA stateless, "
        "XXX not known) and gender (" + ", ".join(GENDER_CODES) + ").",
        "Groups and measures are defined in Visible's docs/foi-return.md (Heading back to harm, Appendix 1).",
        "Do not add, remove or rename columns.",
    ):
        notes.append(xlsx_row(notes, [line]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(COUNTS_COLUMNS)
    for group in GROUPS:
        for measure in MEASURES:
            writer.writerow([group.code, measure.code, ""])
    return out.getvalue().encode("utf-8")


def received_date(document: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(document["period"]["to"])
