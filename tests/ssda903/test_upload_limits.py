"""An SSDA903 return or a CIN factors file past the upload limits is refused before it is parsed,
with the limit named; and a NUL character (a 500 on PostgreSQL, stored on SQLite before) is a
problem in the report with its file, row and column, with nothing imported, on both."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

import pytest
from django.utils import timezone

from tests.factories import CROYDON, PASSWORD
from visible.children.models import Child, Flag
from visible.ssda903.factors import import_factors, import_factors_file
from visible.ssda903.importer import import_return_folder
from visible.ssda903.models import ImportJob, ProblemReport

from .test_problems import HEADER, good_files, run
from .uploading import post_files, upload

pytestmark = pytest.mark.django_db


def errors(outcome) -> list[tuple[str, int | None, str, str, str, str]]:
    return [(p.file, p.row, p.column, p.value, p.rule, p.fix) for p in outcome.report.errors]


# --- NUL characters ----------------------------------------------------------------------------


def test_a_nul_byte_in_a_value_is_a_problem_with_its_file_row_and_column_and_nothing_is_imported(
    council_a,
):
    files = good_files()
    files["header.csv"] = files["header.csv"].replace(
        "C2,F,02/06/2010,NOBT,UN5,0,", "C2,F,02/06/2010,NOBT,UN5,0\x00,"
    )
    outcome = run(files)
    assert not outcome.imported
    [(file, row, column, value, rule, fix)] = errors(outcome)
    assert (file, row, column, value, rule) == (
        "header.csv",
        3,
        "MOTHER",
        "0\u2400",
        "The value holds a NUL character (byte 0)",
    )
    assert fix.startswith("Remove the NUL character (byte 0")
    assert "header.csv, row 3, column MOTHER" in outcome.report.problems[0].where
    assert not Child.objects.exists()


def test_a_utf16_file_without_its_byte_order_mark_is_named_as_such(council_a):
    files = good_files()
    files["header.csv"] = files["header.csv"].encode("utf-16-le")  # NUL after every letter
    outcome = run(files)
    assert not outcome.imported
    found = [e for e in errors(outcome) if e[0] == "header.csv"]
    assert (
        found
        and found[0][1] == 1
        and all(e[4] == "The value holds a NUL character (byte 0)" for e in found)
    )
    assert "saved as 'Unicode text' (UTF-16) without its byte order mark" in found[0][5]
    assert "\x00" not in outcome.report.as_csv()
    assert not Child.objects.exists()


def test_the_upload_page_shows_and_keeps_the_report_of_a_nul_byte(
    client, manager_a, django_capture_on_commit_callbacks
):
    # The report is stored (ProblemReport) for its CSV download: PostgreSQL cannot store a NUL.
    # So are the uploaded files until the job has run (UploadedFile, a binary field).
    client.login(username=manager_a.username, password=PASSWORD)
    files = good_files()
    files["episodes.csv"] = files["episodes.csv"].replace("PR4", "P\x00R4")
    response = upload(client, django_capture_on_commit_callbacks, files)
    assert response.status_code == 200
    page = response.content.decode()
    assert "nothing has been imported" in page
    assert "episodes.csv, column PLACE_PROVIDER: The value holds a NUL character (byte 0)" in page
    rows = list(csv.reader(io.StringIO(ProblemReport.objects.get().csv_text)))
    assert rows[1][:5] == ["error", "episodes.csv", "2", "PLACE_PROVIDER", "P\u2400R4"]
    assert not Child.objects.exists()


def test_a_nul_byte_in_a_cin_factors_file_is_a_problem_not_a_crash(sw_a, make_child):
    child = make_child(sw_a, child_903_id="F1")
    day = timezone.localdate() - dt.timedelta(days=30)
    text = f"CHILD,FACTOR,DATE\r\nF1,12A,{day:%d/%m/%Y}\r\nF\x001,24A,{day:%d/%m/%Y}\r\n"
    outcome = import_factors("factors.csv", text.encode(), CROYDON)
    assert not outcome.imported
    assert [e[:5] for e in errors(outcome)] == [
        ("factors.csv", 3, "CHILD", "F\u24001", "The value holds a NUL character (byte 0)")
    ]
    assert not Flag.objects.filter(child=child).exists()


# --- limits --------------------------------------------------------------------------------------


def test_more_rows_than_any_authority_s_return_are_refused_before_they_are_parsed(council_a):
    files = good_files()
    files["missing.csv"] = (
        files["missing.csv"] + "C1,01/05/2009,M,01/06/2025,03/06/2025\r\n" * 700_000
    )
    began = time.process_time()
    outcome = run(files)
    seconds = time.process_time() - began
    assert not outcome.imported
    [(file, row, column, value, rule, fix)] = errors(outcome)
    assert file == "missing.csv" and row is None
    assert (
        rule
        == "The file has 700,003 rows (with the files before it, 700,011); an SSDA903 return has at most 600,000"
    )
    assert "VISIBLE_SSDA903_MAX_ROWS" in fix
    assert seconds < 3
    assert not Child.objects.exists()


def test_the_files_bytes_together_are_limited_before_they_are_read(
    council_a, settings, tmp_path, monkeypatch
):
    settings.VISIBLE_SSDA903_MAX_BYTES = 400
    outcome = run(good_files())
    assert not outcome.imported
    [(file, row, column, value, rule, fix)] = errors(outcome)
    assert value == "header.csv, episodes.csv, uasc.csv, missing.csv"
    assert rule == "The files are 453 bytes together; an SSDA903 return is at most 400 bytes"
    # From a folder (`visible import 903`), the sizes are read from the disk, not the files.
    for name, text in good_files().items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr("pathlib.Path.read_bytes", lambda self: pytest.fail(f"{self} was read"))
    outcome = import_return_folder(tmp_path, 2025, CROYDON)
    assert (
        errors(outcome)[0][4]
        == "The files are 453 bytes together; an SSDA903 return is at most 400 bytes"
    )
    (tmp_path / "factors.csv").write_text("CHILD,FACTOR,DATE\r\n" + "F1,12A,01/02/2025\r\n" * 40)
    outcome = import_factors_file(tmp_path / "factors.csv", CROYDON)
    assert errors(outcome)[0][4] == "The file is 779 bytes; a CIN factors file is at most 400 bytes"


def test_the_upload_page_refuses_files_over_the_limit_with_the_limit(client, manager_a, settings):
    settings.VISIBLE_SSDA903_MAX_BYTES = 400
    client.login(username=manager_a.username, password=PASSWORD)
    response = post_files(client, good_files())
    assert response.status_code == 400
    assert not ImportJob.objects.exists()  # nothing kept, no job
    assert (
        "The files are 453 bytes together; an SSDA903 return is at most 400 bytes: upload the Header, Episodes, "
        "UASC and Missing files only"
    ) in response.content.decode()


def test_a_line_too_long_or_a_value_running_on_past_the_csv_limit_is_a_problem_not_a_crash(
    council_a,
):
    files = good_files()
    files["header.csv"] = HEADER + "C1," + "," * 50_000 + "\r\n"
    [(file, row, _, _, rule, _)] = errors(run(files))
    assert (file, row, rule) == (
        "header.csv",
        2,
        "Line 2 is 50,003 characters long; a line of an SSDA903 return is at most 10,000",
    )
    # A quoted value that never closes runs on over many short lines: the csv module stops at
    # 131,072 characters (a 500 before).
    files["header.csv"] = HEADER + 'C1,M,"' + ("x" * 9000 + "\r\n") * 20
    [(file, row, _, _, rule, fix)] = errors(run(files))
    assert file == "header.csv" and rule.startswith("The file cannot be read as CSV from line")
    assert "double quote" in fix
    assert not Child.objects.exists()


def test_an_xml_return_declaring_entities_is_not_parsed(council_a):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<Message><Children><CHILD><HEADER><CHILDID>&lol2;</CHILDID></HEADER></CHILD></Children></Message>"
    )
    outcome = run({"return.xml": laughs})
    assert [e[4] for e in errors(outcome)] == [
        "The XML declares a document type or entities (<!DOCTYPE or <!ENTITY)"
    ]
    assert not Child.objects.exists()


def test_a_kept_column_longer_than_its_code_is_a_problem_not_a_crash(council_a):
    # ETHNIC, UPN, MOTHER and the episode's codes are kept as they came: a value longer than
    # the field was stored on SQLite and a 500 on PostgreSQL.
    files = good_files()
    files["header.csv"] = files["header.csv"].replace(
        "C2,F,02/06/2010,NOBT,UN5,0,", "C2,F,02/06/2010,WHITE BRITISH,UN5,0,"
    )
    files["episodes.csv"] = files["episodes.csv"].replace("SC123456", "SC1234567890")
    outcome = run(files)
    assert not outcome.imported
    assert [e[:5] for e in errors(outcome)] == [
        ("header.csv", 3, "ETHNIC", "WHITE BRITISH", "ETHNIC is longer than 4 characters"),
        ("episodes.csv", 2, "URN", "SC1234567890", "URN is longer than 8 characters"),
    ]
    assert not Child.objects.exists()
