"""`visible import register FILE --council GSS [--mapping FILE]` as an administrator runs it."""

from __future__ import annotations

import json

import pytest

from tests.factories import CROYDON, as_viewer
from tests.ssda903.test_problems import good_files
from tests.ssda903.test_problems import run as import_903
from visible.children.models import Child
from visible.cli import main
from visible.register.mapping import save_mapping

from .files import CASE_SYSTEM, csv_bytes, rows_for_register, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def return_imported(council_a):
    assert import_903(good_files()).imported
    return council_a


def test_a_mapping_file_reads_the_case_system_s_headings(return_imported, tmp_path, capsys):
    rows = rows_for_register(return_imported)
    register = tmp_path / "cases.xlsx"
    register.write_bytes(xlsx_bytes(rows, CASE_SYSTEM))
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("field,column\n" + "".join(f"{f},{h}\n" for f, h in CASE_SYSTEM.items()))
    command = ["import", "register", str(register), "--council", CROYDON]
    assert main([*command, "--mapping", str(mapping)]) == 0
    printed = capsys.readouterr()
    assert "Imported: 0 children added, 2 changed" in printed.out
    assert printed.err.splitlines()[0] == "Reading the files..."
    assert Child.objects.get(child_903_id="C1").given_names == rows[0]["given_names"]
    # Again: nothing changes, and it says so.
    assert main([*command, "--mapping", str(mapping)]) == 0
    assert "Nothing changed" in capsys.readouterr().out
    # A JSON mapping does as well.
    as_json = tmp_path / "mapping.json"
    as_json.write_text(json.dumps(CASE_SYSTEM))
    assert main([*command, "--mapping", str(as_json)]) == 0


def test_without_a_mapping_the_council_s_saved_one_is_used(
    return_imported, manager_a, tmp_path, capsys
):
    register = tmp_path / "cases.csv"
    register.write_bytes(csv_bytes(rows_for_register(return_imported), CASE_SYSTEM))
    command = ["import", "register", str(register), "--council", CROYDON]
    problems = tmp_path / "problems.csv"
    assert main([*command, "--problems-csv", str(problems)]) == 1
    err = capsys.readouterr().err
    assert "nothing has been imported" in err
    assert "cases.csv, column SSDA903 CHILD id: The file has no column for SSDA903 CHILD id" in err
    assert "SSDA903 CHILD id" in problems.read_text()
    save_mapping(as_viewer(manager_a), CASE_SYSTEM)
    assert main(command) == 0


def test_a_bad_mapping_file_is_a_usage_error_naming_the_field(return_imported, tmp_path, capsys):
    register = tmp_path / "cases.csv"
    register.write_bytes(csv_bytes(rows_for_register(return_imported)))
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("field,column\nshoe_size,Shoe size\n")
    code = main(
        ["import", "register", str(register), "--council", CROYDON, "--mapping", str(mapping)]
    )
    assert code == 2
    assert "'shoe_size' is not one of Visible's fields" in capsys.readouterr().err
    assert Child.objects.get(child_903_id="C1").given_names == "(name not in the return)"
