"""A national return (XLSX, CSV or JSON) or a grouping past the upload limits is refused before
it is parsed, with a message naming the limit and saying how to fix it, in little memory and
time: the spreadsheet bombs of the security review (a 6 KB XLSX declaring A1:XFD1048576, a file
of 300,000 rows). And a NUL character, which PostgreSQL cannot store, is a named problem, not a
500. Every bomb is built in the test (tests/workbooks.py): no binary file is committed."""

from __future__ import annotations

import io
import json
import random
import time
import tracemalloc

import pytest
from django.urls import reverse

from tests.factories import as_viewer
from tests.workbooks import COUNTS_HEADER, number_cell, row, text_cell, workbook
from visible.demo.synthetic.returns import consistent_counts
from visible.national import actions, ingest
from visible.national.ingest import ReturnProblems
from visible.national.models import Grouping, Submission

pytestmark = pytest.mark.django_db

SMALL_MEMORY = 20 * 1024 * 1024  # bytes: far below what the bombs took (2.9 GB and more)


@pytest.fixture
def request_a(collection):
    return collection.requests.select_related("authority").get(authority__code="E09000008")


def refused(raw: bytes, name: str, request_a, collection) -> tuple[list[str], int, float]:
    """(every problem as 'where: what', peak bytes of memory, seconds) of a refused upload."""
    tracemalloc.start()
    began = time.process_time()
    try:
        with pytest.raises(ReturnProblems) as excinfo:
            ingest.from_template(raw, name, request_a.authority, collection, "analyst")
        seconds = time.process_time() - began
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return [str(p) for p in excinfo.value.problems], peak, seconds


def uasc_children(number: int) -> str:
    return row(
        number,
        text_cell(f"A{number}", "uasc"),
        text_cell(f"B{number}", "children"),
        number_cell(f"C{number}", 3),
    )


def test_a_6_kb_workbook_declaring_every_cell_of_a_sheet_is_refused_unread(request_a, collection):
    # The review's bomb: a sheet declaring A1:XFD1048576 with a value in its last row, which
    # openpyxl padded out to 16,384 columns for each of the 1,048,576 rows (2.9 GB, then a 500).
    raw = workbook(
        {"Counts": COUNTS_HEADER + uasc_children(2) + row(1048576, text_cell("A1048576", "uasc"))},
        dimension={"Counts": "A1:XFD1048576"},
    )
    assert len(raw) < 6 * 1024
    problems, peak, seconds = refused(raw, "croydon.xlsx", request_a, collection)
    assert problems == [
        "croydon.xlsx sheet Counts: The sheet declares 1,048,576 rows; a return has at most 50,000 in a "
        "sheet: delete the empty rows and columns below and to the right of the figures (select them, "
        "then Delete), or copy the figures into a fresh template, and upload it again"
    ]
    assert peak < SMALL_MEMORY and seconds < 2


def test_a_sheet_that_understates_its_size_is_read_no_further_than_the_limit(request_a, collection):
    # The same rows with no <dimension> (or a false one): rows are read one at a time, never
    # padded, and reading stops at the limit whatever the sheet declared.
    for dimension in ({}, {"Counts": "A1:C3"}):
        raw = workbook(
            {
                "Counts": COUNTS_HEADER
                + uasc_children(2)
                + row(1048576, text_cell("A1048576", "uasc"))
            },
            dimension=dimension,
        )
        problems, peak, seconds = refused(raw, "croydon.xlsx", request_a, collection)
        assert problems == [
            "croydon.xlsx sheet Counts: The sheet has more than 50,000 rows; a return has at most "
            "50,000 in a sheet: delete the rows below the figures, or copy the figures into a fresh "
            "template"
        ]
        assert peak < SMALL_MEMORY and seconds < 5


def test_a_row_reaching_the_last_column_is_refused_at_that_row(request_a, collection):
    raw = workbook({"Counts": COUNTS_HEADER + uasc_children(2) + row(3, text_cell("XFD3", "x"))})
    problems, peak, _ = refused(raw, "croydon.xlsx", request_a, collection)
    assert problems == [
        "croydon.xlsx sheet Counts, row 3: Row 3 has a value in column XFD; a return has at most 50 "
        "columns: delete the columns to the right of the template's"
    ]
    assert peak < SMALL_MEMORY
    raw = workbook({"Counts": COUNTS_HEADER}, dimension={"Counts": "A1:XFD3"})
    assert refused(raw, "croydon.xlsx", request_a, collection)[0][0].startswith(
        "croydon.xlsx sheet Counts: The sheet declares 16,384 columns (to column XFD); a return has at most 50"
    )


def test_300_000_rows_are_refused_by_their_declared_size_in_a_moment(request_a, collection):
    # The review's second file: 300,000 rows (42 s of CPU in the request before).
    rows = COUNTS_HEADER + "".join(row(n, number_cell(f"C{n}", 3)) for n in range(2, 300_002))
    raw = workbook({"Counts": rows}, dimension={"Counts": "A1:C300001"})
    problems, _, seconds = refused(raw, "croydon.xlsx", request_a, collection)
    assert problems[0].startswith(
        "croydon.xlsx sheet Counts: The sheet declares 300,001 rows; a return has at most 50,000"
    )
    assert seconds < 2


def test_a_workbook_that_unpacks_to_far_more_than_it_is_is_refused_from_its_zip_directory(
    request_a, collection, settings
):
    # 30 MB of one repeated character packs into a few KB: refused by the unpacked size (and,
    # with a higher size limit, by the compression ratio), before openpyxl opens it.
    padding = {"xl/media/padding.bin": b"\0" * (30 * 1024 * 1024)}
    raw = workbook({"Counts": COUNTS_HEADER}, extra_parts=padding)
    assert len(raw) < 100 * 1024
    problems, peak, _ = refused(raw, "croydon.xlsx", request_a, collection)
    assert problems == [
        "croydon.xlsx: The workbook unpacks to 30 MB; a return unpacks to at most 20 MB: upload the "
        "template with the figures only, or the CSV form"
    ]
    assert peak < SMALL_MEMORY
    settings.VISIBLE_XLSX_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
    problems, _, _ = refused(raw, "croydon.xlsx", request_a, collection)
    assert problems[0].startswith(
        "croydon.xlsx: The workbook's part xl/media/padding.bin is compressed "
    )
    assert "a workbook Visible reads is compressed at most 100 to 1" in problems[0]


def test_too_many_parts_or_sheets_are_refused(request_a, collection):
    many_parts = workbook(
        {"Counts": COUNTS_HEADER}, extra_parts={f"xl/media/image{i}.png": b"x" for i in range(300)}
    )
    assert refused(many_parts, "croydon.xlsx", request_a, collection)[0] == [
        "croydon.xlsx: The workbook holds 305 parts; a return holds at most 200: upload the template with the figures "
        "only (no pictures, charts or other sheets)"
    ]
    many_sheets = workbook({"Counts": COUNTS_HEADER, **{f"Sheet{i}": "" for i in range(25)}})
    assert refused(many_sheets, "croydon.xlsx", request_a, collection)[0] == [
        "croydon.xlsx: The workbook has 26 sheets; a return has at most 20: delete the sheets that are not the "
        "template's (Counts, Nationality, Notes)"
    ]


def test_a_workbook_within_the_limits_is_read_as_before(request_a, collection):
    raw = workbook({"Counts": COUNTS_HEADER + uasc_children(2)}, dimension={"Counts": "A1:C2"})
    document = ingest.from_template(raw, "croydon.xlsx", request_a.authority, collection, "analyst")
    assert document["counts"]["uasc"]["children"] == 3


def test_files_too_large_or_long_are_refused_before_they_are_parsed(
    request_a, collection, settings
):
    settings.VISIBLE_RETURN_MAX_BYTES = 1024
    big = b"group,measure,value\n" + b"uasc,children,3\n" * 100
    for name in ("croydon.csv", "croydon.xlsx", "croydon.json"):
        with pytest.raises(ReturnProblems) as excinfo:
            (
                ingest.from_json(big, request_a.authority, collection, name)
                if name.endswith(".json")
                else ingest.from_template(big, name, request_a.authority, collection, "analyst")
            )
        assert str(excinfo.value.problems[0]) == (
            f"{name}: The file is 1.6 KB; a return is at most 1 KB: upload the "
            "template with the figures only, or the JSON file Visible writes"
        )
    settings.VISIBLE_RETURN_MAX_BYTES = 10 * 1024 * 1024
    rows = b"group,measure,value\n" + b"uasc,children,3\n" * 60_000
    problems, _, seconds = refused(rows, "croydon.csv", request_a, collection)
    assert problems == [
        "croydon.csv: The file has 60,001 rows; a return has at most 50,000: delete the rows below the "
        "figures, or upload the template"
    ]
    assert seconds < 1
    one_long_line = b"group,measure,value\n" + b"," * 200_000
    assert refused(one_long_line, "croydon.csv", request_a, collection)[0] == [
        "croydon.csv, row 2: Line 2 is 200,000 characters long; a line of a return is at most 10,000: check that "
        "this is the right file, saved as CSV (comma-separated values) from the spreadsheet or case system"
    ]


def test_json_nested_past_python_s_limit_is_a_problem_not_a_crash(request_a, collection):
    with pytest.raises(ReturnProblems, match="nested too deeply"):
        ingest.from_json(b"[" * 100_000, request_a.authority, collection, "croydon.json")


# --- NUL characters ----------------------------------------------------------------------------


def test_a_nul_character_in_a_json_return_is_named_and_nothing_is_stored(
    request_a, collection, analyst
):
    # It was a 500 on PostgreSQL (jsonb refuses \u0000) and stored on SQLite.
    document = ingest.empty_document(request_a.authority, collection, "analyst\x00")
    document["counts"] = consistent_counts(random.Random(7))
    with pytest.raises(ReturnProblems) as excinfo:
        ingest.from_json(
            json.dumps(document).encode(), request_a.authority, collection, "croydon.json"
        )
    assert [str(p) for p in excinfo.value.problems] == [
        "croydon.json at generated_by: holds a NUL character (\\u0000), which Visible cannot store: remove it and "
        "send the file again"
    ]
    assert not Submission.objects.exists()


def test_a_nul_character_in_a_csv_return_or_grouping_is_named_with_its_row_and_column(
    request_a, collection, analyst
):
    with pytest.raises(ReturnProblems) as excinfo:
        ingest.from_template(
            b"group,measure,value\nuasc,children,3\x00\n",
            "croydon.csv",
            request_a.authority,
            collection,
            "analyst",
        )
    assert str(excinfo.value.problems[0]).startswith(
        "croydon.csv row 2, column value: '3\u2400' holds a NUL character: remove the NUL character"
    )
    # A grouping's region names are stored: a 500 on PostgreSQL before.
    with pytest.raises(ReturnProblems) as excinfo:
        actions.load_grouping(
            as_viewer(analyst), "Regions", b"code,region\nE09000008,Lon\x00don\n", "regions.csv"
        )
    assert str(excinfo.value.problems[0]).startswith(
        "regions.csv row 2, column region: 'Lon\u2400don' holds a NUL character"
    )
    assert not Grouping.objects.exists()


# --- through the pages -------------------------------------------------------------------------


def test_the_upload_page_names_the_limit_and_stores_nothing(client, analyst, collection, settings):
    client.force_login(analyst)
    url = reverse("web:national-request", args=[collection.pk, "E09000008"])
    bomb = io.BytesIO(
        workbook(
            {"Counts": COUNTS_HEADER + row(1048576, text_cell("A1048576", "uasc"))},
            dimension={"Counts": "A1:XFD1048576"},
        )
    )
    bomb.name = "croydon.xlsx"
    response = client.post(url, {"action": "upload", "upload-file": bomb})
    page = response.content.decode()
    assert response.status_code == 200
    assert "croydon.xlsx has 1 problem: nothing has been stored" in page
    assert "The sheet declares 1,048,576 rows; a return has at most 50,000 in a sheet" in page
    settings.VISIBLE_RETURN_MAX_BYTES = 100
    big = io.BytesIO(b"group,measure,value\n" + b"uasc,children,3\n" * 20)
    big.name = "croydon.csv"
    page = client.post(url, {"action": "upload", "upload-file": big}).content.decode()
    assert "The file is 340 bytes; a return is at most 100 bytes" in page
    grouping = io.BytesIO(b"code,region\n" + b"E09000008,London\n" * 20)
    grouping.name = "regions.csv"
    page = client.post(
        reverse("web:national-groupings"), {"name": "Regions", "file": grouping}
    ).content.decode()
    assert "The file is 352 bytes; a return is at most 100 bytes" in page
    assert not Submission.objects.exists() and not Grouping.objects.exists()


def test_a_request_larger_than_any_page_accepts_is_refused_before_it_is_read(
    client, analyst, collection, settings
):
    client.force_login(analyst)
    settings.VISIBLE_UPLOAD_MAX_REQUEST_BYTES = 10_000
    upload = io.BytesIO(b"group,measure,value\n" + b"uasc,children,3\n" * 1000)
    upload.name = "croydon.csv"
    response = client.post(
        reverse("web:national-request", args=[collection.pk, "E09000008"]),
        {"action": "upload", "upload-file": upload},
    )
    assert response.status_code == 400
    assert not Submission.objects.exists()
