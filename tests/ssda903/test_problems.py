"""What a user sees when the files are wrong: every problem named with file, row, column, value,
rule and fix; nothing imported; a readable report even for 10,000 bad rows."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io

import pytest
from freezegun import freeze_time

from tests.factories import CROYDON
from visible.children.models import Child, Flag
from visible.ssda903.importer import import_return
from visible.ssda903.report import ERROR

pytestmark = pytest.mark.django_db

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n"
MISSING = "CHILD,DOB,MISSING,MIS_START,MIS_END\r\n"
UASC = "CHILD,SEX,DOB,DUC\r\n"


def good_files() -> dict[str, str]:
    return {
        "header.csv": HEADER + "C1,M,01/05/2009,NOBT,UN5,,\r\nC2,F,02/06/2010,NOBT,UN5,0,\r\n",
        "episodes.csv": EPISODES + "C1,10/04/2025,S,V2,N8,K3,PR4,,,,,CR0 1AA,SC123456\r\n"
        "C2,01/01/2025,S,C2,N1,U4,PR1,,,,CR0 2BB,CR0 3CC,SC654321\r\n",
        "uasc.csv": UASC + "C1,M,01/05/2009,01/05/2027\r\n",
        "missing.csv": MISSING
        + "C1,01/05/2009,M,01/06/2025,03/06/2025\r\nC2,02/06/2010,A,05/07/2025,\r\n",
    }


def run(files: dict[str, str | bytes], year: int = 2025):
    encoded = [(n, c.encode() if isinstance(c, str) else c) for n, c in files.items()]
    return import_return(encoded, year, CROYDON)


# C1's UASC status ceases on 1 May 2027 (DUC): imported before that day the child is still
# UASC; imported after it, the flag ends on that day.
@pytest.mark.parametrize(
    "imported_on, uasc_ends",
    [("2026-06-15T09:00:00+01:00", None), ("2027-05-02T09:00:00+01:00", dt.date(2027, 5, 1))],
)
def test_good_files_are_imported(council_a, imported_on, uasc_ends):
    with freeze_time(imported_on, tick=True):
        outcome = run(good_files())
    assert outcome.imported, outcome.report.as_text()
    assert Child.objects.filter(responsible_organisation=council_a).count() == 2
    child = Child.objects.get(child_903_id="C1")
    assert child.sex == "M" and child.legal_status == "V2"
    assert Flag.objects.get(child=child, kind="uasc").end_date == uasc_ends
    assert child.episodes.get().returned_at is not None
    assert (
        Child.objects.get(child_903_id="C2").episodes.get().returned_at is None
    )  # open stays open


def test_bad_dates_and_unknown_codes_are_all_reported_and_nothing_is_imported(council_a):
    files = good_files()
    files["header.csv"] = HEADER + "C1,X,31/02/2009,NOBT,UN5,,\r\nC2,F,02/06/2010,NOBT,UN5,0,\r\n"
    files["episodes.csv"] = (
        EPISODES
        + "C1,10/04/2025,S,V2,N8,H5,PR4,,,,,CR0 1AA,\r\nC2,2025-01-01,S,C2,N1,U4,PR1,,,,,,\r\n"
    )
    outcome = run(files)
    assert not outcome.imported
    assert not Child.objects.filter(responsible_organisation=council_a).exists()
    found = {(p.file, p.row, p.column, p.value) for p in outcome.report.errors}
    assert ("header.csv", 2, "SEX", "X") in found
    assert ("header.csv", 2, "DOB", "31/02/2009") in found
    assert ("episodes.csv", 3, "DECOM", "2025-01-01") in found
    h5 = next(p for p in outcome.report.errors if p.column == "PLACE")
    assert "2025/26" in h5.rule and "K3" in h5.fix  # H5 was withdrawn: use K3
    assert all(p.fix for p in outcome.report.errors)


def test_sex_codes_follow_the_collection_year(council_a):
    files = good_files()
    assert not run(files, year=2023).imported  # M/F only from 2024/25
    files["header.csv"] = HEADER + "C1,1,01/05/2009,NOBT,UN5,,\r\nC2,2,02/06/2010,NOBT,UN5,0,\r\n"
    files["uasc.csv"] = UASC + "C1,1,01/05/2009,01/05/2027\r\n"
    files["episodes.csv"] = files["episodes.csv"].replace("/2025", "/2023").replace("K3", "H5")
    files["missing.csv"] = MISSING + "C1,01/05/2009,M,01/06/2023,03/06/2023\r\n"
    outcome = run(files, year=2023)
    assert outcome.imported, outcome.report.as_text()
    assert Child.objects.get(child_903_id="C2").sex == "F"


def test_overlapping_missing_periods_and_episodes_are_errors(council_a):
    files = good_files()
    files["missing.csv"] = (
        MISSING
        + "C1,01/05/2009,M,01/06/2025,,\r\nC1,01/05/2009,A,02/06/2025,04/06/2025\r\n".replace(
            ",,\r", ",\r"
        )
    )
    files["episodes.csv"] = EPISODES + (
        "C1,10/04/2025,S,V2,N8,K3,PR4,,,,,CR0 1AA,\r\n"
        "C1,01/05/2025,P,V2,N8,U4,PR1,,,,,CR0 1AB,\r\n"
        "C2,01/01/2025,S,C2,N1,U4,PR1,,,,CR0 2BB,CR0 3CC,\r\n"
    )
    outcome = run(files)
    assert not outcome.imported
    rules = {(p.file, p.row): p.rule for p in outcome.report.errors}
    assert "overlaps the child's period on row 2" in rules[("missing.csv", 3)]
    assert "no end date" in rules[("episodes.csv", 3)]


def test_wrong_column_sets_name_the_missing_and_unexpected_columns(council_a):
    files = good_files()
    files["missing.csv"] = (
        "CHILD,DOB,MISSING,MIS_START,MIS_FINISH\r\nC1,01/05/2009,M,01/06/2025,\r\n"
    )
    outcome = run(files)
    assert not outcome.imported
    problem = outcome.report.errors[0]
    assert problem.file == "missing.csv" and problem.row == 1
    assert (
        "missing column MIS_END" in problem.rule and "unexpected column MIS_FINISH" in problem.rule
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_utf16_and_byte_order_mark_files_are_read(council_a, encoding):
    files: dict[str, str | bytes] = dict(good_files())
    files["header.csv"] = files["header.csv"].encode(encoding)
    if encoding == "utf-16":
        assert files["header.csv"].startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    outcome = run(files)
    assert outcome.imported, outcome.report.as_text()
    assert Child.objects.filter(responsible_organisation=council_a).count() == 2


def test_an_empty_file_is_named(council_a):
    files = good_files()
    files["missing.csv"] = ""
    outcome = run(files)
    assert not outcome.imported
    assert [(p.file, p.rule) for p in outcome.report.errors] == [
        ("missing.csv", "The file is empty")
    ]


def test_other_tables_are_kept_not_used(council_a):
    files = good_files()
    files["reviews.csv"] = "CHILD,DOB,REVIEW,REVIEW_CODE\r\nC1,01/05/2009,01/09/2025,PN1\r\n"
    outcome = run(files)
    assert outcome.imported
    assert "Reviews table kept, not used" in [p.rule for p in outcome.report.warnings]
    assert bytes(outcome.run.kept_files.get().content).startswith(b"CHILD,DOB,REVIEW")


def test_ten_thousand_bad_rows_make_one_readable_report_with_every_problem_in_the_csv(council_a):
    files = good_files()
    rows = "".join(f"K{n},Q,99/99/2010,NOBT,UN5,,\r\n" for n in range(10_000))
    files["header.csv"] = HEADER + rows
    outcome = run(files)
    assert not outcome.imported
    assert len(outcome.report.errors) >= 20_000  # SEX and DOB on every row
    text = outcome.report.as_text()
    assert len(text.splitlines()) < 40
    assert "10,000 rows" in text and "every one is in the CSV" in text
    every = list(csv.reader(io.StringIO(outcome.report.as_csv())))
    assert len(every) == len(outcome.report.problems) + 1
    assert every[1][:5] == [ERROR, "header.csv", "2", "SEX", "Q"]


def test_the_xml_form_is_read(council_a):
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<Message><Children>
 <CHILD><HEADER><CHILDID>X1</CHILDID><SEX>F</SEX><DOB>02/06/2010</DOB><ETHNIC>NOBT</ETHNIC><UPN>UN5</UPN><MOTHER>0</MOTHER>
   <AMISSING><MISSING>M</MISSING><MIS_START>05/07/2025</MIS_START><MIS_END></MIS_END></AMISSING></HEADER>
  <EPISODE><DECOM>01/01/2025</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL><PLACE_PROVIDER>PR1</PLACE_PROVIDER>
   <PL_POST>CR0 3CC</PL_POST></EPISODE>
 </CHILD>
</Children></Message>"""
    outcome = import_return([("return.xml", xml.encode())], 2025, CROYDON)
    assert outcome.imported, outcome.report.as_text()
    child = Child.objects.get(child_903_id="X1")
    assert child.placements.get().place_code == "U4"
    assert child.episodes.get().returned_at is None


def test_away_then_missing_on_one_day_imported_twice_changes_nothing(council_a):
    """A child away and back, then missing, on one day: two rows that begin the same day. The
    second import once took the closed 'away' row for the open 'missing' episode and closed it."""
    files = good_files()
    files["missing.csv"] = MISSING + (
        "C1,01/05/2009,M,01/06/2025,03/06/2025\r\n"
        "C2,02/06/2010,A,31/03/2026,31/03/2026\r\nC2,02/06/2010,M,31/03/2026,\r\n"
    )
    assert run(files).imported
    c2 = Child.objects.get(child_903_id="C2")
    assert sorted((e.category, e.returned_at is None) for e in c2.episodes.all()) == [
        ("A", False),
        ("M", True),
    ]
    again = run(files)
    assert again.imported, again.report.as_text()
    assert (
        again.counts.get("episodes_closed", 0) == 0 and again.counts.get("episodes_created", 0) == 0
    )
    assert sorted((e.category, e.returned_at is None) for e in c2.episodes.all()) == [
        ("A", False),
        ("M", True),
    ]


@pytest.mark.parametrize(
    "child, header_row",
    [
        ("C1", "C1,M,01/05/2009,NOBT,UN5,,,"),  # a value too many: the row cannot be read
        ("C1234567890", "C1234567890,M,01/05/2009,NOBT,UN5,,"),  # CHILD too long
    ],
)
def test_a_refused_header_row_is_named_once_not_as_missing_from_the_header(
    council_a, child, header_row
):
    """A Header row is refused; the child's Episodes, UASC and Missing rows are there, and the
    report says once that the child's Header row has errors (and which row), not on every row
    that the child is "not in the Header table"."""
    files = {name: text.replace("C1,", f"{child},") for name, text in good_files().items()}
    files["header.csv"] = HEADER + f"{header_row}\r\nC2,F,02/06/2010,NOBT,UN5,0,\r\n"
    files["episodes.csv"] += f"{child},01/09/2025,P,V2,N8,K3,PR4,,,,,CR0 1AA,SC123456\r\n"
    files["missing.csv"] += f"{child},01/05/2009,A,01/10/2025,02/10/2025\r\n"
    outcome = run(files)
    assert not outcome.imported
    errors = outcome.report.errors
    assert not [p for p in errors if "not in the Header" in p.rule], outcome.report.as_text()
    follow_on = [p for p in errors if "Header row has errors" in p.rule]
    assert len(follow_on) == 1, outcome.report.as_text()
    assert follow_on[0].value == f"{child} (Header row 2)"
    assert ("header.csv", 2) in {(p.file, p.row) for p in errors}
    # the report is the real cause and its one consequence, nothing else
    assert len(errors) == 2, outcome.report.as_text()


def test_a_header_row_with_a_bad_code_is_the_one_error_for_its_child(council_a):
    files = good_files()
    files["header.csv"] = HEADER + "C1,Q,01/05/2009,NOBT,UN5,,\r\nC2,F,02/06/2010,NOBT,UN5,0,\r\n"
    files["missing.csv"] += "C1,01/05/2009,A,01/10/2025,02/10/2025\r\n"
    outcome = run(files)
    assert [(p.file, p.row, p.column) for p in outcome.report.errors] == [("header.csv", 2, "SEX")]


def test_a_child_truly_missing_from_the_header_is_still_named_on_each_row(council_a):
    files = good_files()
    files["missing.csv"] += "C9,01/05/2009,A,01/10/2025,02/10/2025\r\n"
    outcome = run(files)
    assert [(p.file, p.row, p.rule) for p in outcome.report.errors] == [
        ("missing.csv", 4, "The child is not in the Header table")
    ]
