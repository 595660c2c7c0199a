"""The FOI return as files: JSON that validates against the published, versioned schema (the
format the national monitoring work ingests), CSV and XLSX with the same numbers, with and
without disclosure control; and `visible foi-return` on the command line."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
from openpyxl import load_workbook

from tests.returns import register as known
from visible.audit.models import AuditEvent
from visible.cli import main
from visible.reference.models import Authority
from visible.returns import disclosure, foi, formats

pytestmark = pytest.mark.django_db


@pytest.fixture
def result(sw_a, fake):
    known.build(sw_a, fake)
    return foi.count_return([Authority.objects.get(code="E09000008")], known.P_START, known.P_END)


def validate(document: dict) -> None:
    schema = formats.load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)


def test_the_json_validates_against_the_schema_and_carries_its_version(result):
    for suppress in (False, True):
        document = json.loads(formats.render(result, "json", suppress=suppress))
        validate(document)
        assert (
            document["schema_version"]
            == formats.SCHEMA_VERSION
            == formats.load_schema()["properties"]["schema_version"]["enum"][-1]
        )
    document = json.loads(formats.render(result, "json"))
    assert document["authority"] == {
        "code": "E09000008",
        "name": "Croydon",
        "nation": "England",
        "region": "London",
    }
    assert document["period"]["from"] == "2024-04-01" and document["period"]["to"] == "2025-03-31"
    assert (
        document["period"]["as_at"] == "2025-04-01T00:00:00+01:00"
        and document["period"]["complete"] is True
    )
    assert (
        document["counts"]["any"]["children"] == 6
        and document["counts"]["uasc"]["incidents_over_7_days"] == 1
    )
    assert len(document["incidents"]) == 7
    assert {i["child"] for i in document["incidents"]} == {
        1,
        2,
        3,
        4,
        5,
    }  # five children went missing


def test_a_document_that_breaks_the_schema_is_refused(result):
    document = json.loads(formats.render(result, "json"))
    document["counts"]["any"]["children"] = -1
    with pytest.raises(jsonschema.ValidationError):
        validate(document)
    del document["schema_version"]
    with pytest.raises(jsonschema.ValidationError):
        validate(document)


def test_with_suppression_small_counts_are_c_and_incidents_lose_the_child_number(result):
    document = formats.published(result, suppress=True)
    assert document["disclosure_control"]["applied"] is True
    # Every count in this small register is from 0 to 6: 1-5 are c, 0 stays 0.
    assert document["counts"]["any"]["children"] == 6
    assert document["counts"]["any"]["children_missing_or_away"] == "c"
    assert document["counts"]["unaccompanied"]["children"] == 0
    assert all("child" not in i for i in document["incidents"])
    # No published total gives a hidden cell away.
    values, relations = result.cell_values()
    assert disclosure.recoverable_by_subtraction(result.protected(), relations) == []
    rounded = formats.published(result, suppress=True, round_totals=True)
    assert rounded["disclosure_control"]["totals_rounded_to"] == 10
    assert rounded["counts"]["any"]["children"] == 10  # the total of its breakdowns: rounded


def test_csv_and_xlsx_hold_the_same_numbers_as_the_json(result):
    document = formats.published(result)
    rows = list(csv.DictReader(io.StringIO(formats.render(result, "csv").decode("utf-8-sig"))))
    counts = {(r["group"], r["measure"]): r["value"] for r in rows if r["table"] == "counts"}
    assert (
        counts["any", "children"] == "6"
        and counts["separated", "children_still_missing_turned_18"] == "2"
    )
    vnm = [
        r
        for r in rows
        if r["table"] == "breakdown"
        and r["group"] == "any"
        and r["measure"] == "children"
        and r["breakdown"] == "nationality"
        and r["row"] == "VNM"
    ]
    assert {r["column"]: r["value"] for r in vnm} == {
        "boy": "1",
        "girl": "1",
        "non_binary": "0",
        "other": "0",
        "not_known": "0",
        "total": "2",
    }
    hours = sorted(float(r["value"]) for r in rows if r["table"] == "incident")
    assert hours == sorted(i["hours"] for i in document["incidents"])

    book = load_workbook(io.BytesIO(formats.render(result, "xlsx")))
    assert book.sheetnames == [
        "About",
        "Counts",
        "By nationality and gender",
        "Incidents",
        "First days in care",
    ]
    sheet = book["Counts"]
    header = [c.value for c in sheet[1]]
    row = next(
        r for r in sheet.iter_rows(values_only=True) if r[0] == "Children in care in the period"
    )
    assert row[header.index("Trafficked, suspected, UASC or separated")] == 6
    assert book["Incidents"].max_row == 1 + 7


def test_the_command_writes_each_format_and_audits_it(result, tmp_path, capsys):
    for fmt in ("json", "csv", "xlsx"):
        out = tmp_path / f"return.{fmt}"
        code = main(
            [
                "foi-return",
                "--authority",
                "E09000008",
                "--from",
                "2024-04-01",
                "--to",
                "2025-03-31",
                "--suppress",
                "-o",
                str(out),
            ]
        )
        assert code == 0 and out.stat().st_size > 0
    validate(json.loads((tmp_path / "return.json").read_text()))
    assert (tmp_path / "return.xlsx").read_bytes()[:2] == b"PK"
    exports = AuditEvent.objects.filter(action="export", object_type="foi_return")
    assert exports.count() == 3 and all("with disclosure control" in e.summary for e in exports)
    capsys.readouterr()
    assert (
        main(
            ["foi-return", "--authority", "E09000008", "--from", "2024-04-01", "--to", "2025-03-31"]
        )
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["counts"]["any"]["incidents"] == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--authority", "E09000008", "--from", "2025-09-02", "--to", "2025-09-01"],
            "--from (2025-09-02) is after --to (2025-09-01)",
        ),
        (
            ["--authority", "E99999999", "--from", "2014-09-01", "--to", "2015-09-01"],
            "--authority: no authority has the GSS code 'E99999999'",
        ),
        (
            ["--authority", "E09000008", "--from", "1/9/2014", "--to", "2015-09-01"],
            "--from: '1/9/2014' is not a date; write it as YYYY-MM-DD",
        ),
        (
            [
                "--authority",
                "E09000008",
                "--from",
                "2014-09-01",
                "--to",
                "2015-09-01",
                "--round-totals",
            ],
            "--round-totals rounds the totals of a published return: add --suppress too",
        ),
    ],
)
def test_mistakes_exit_2_with_one_line_naming_the_option(council_a, capsys, args, message):
    assert main(["foi-return", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
