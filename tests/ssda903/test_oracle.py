"""The DfE's own validator (csc-validator-be-903 0.1.17, in its own environment) as the judge
of Visible's export: a synthetic authority's return passes every rule that runs, the rules
about missing periods and UASC among them; and the validator is shown to catch an error."""

from __future__ import annotations

import pytest

from tests.factories import CROYDON
from tests.ssda903.register import YEAR
from visible.ssda903.export import export_return
from visible.ssda903.oracle import validate_folder

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("ssda903-oracle")]

MISSING_RULES = {
    "564",
    "565",
    "566",
    "567",
    "570",
    "571",
    "574",
    "575",
    "576",
    "577",
    "578",
    "580",
    "581",
    "586",
    "1004",
    "1005",
    "1006",
}
UASC_RULES = {"104", "303", "304", "1014"}
ALWAYS_CRASH = {"231", "233"}  # known faults of 0.1.17: they raise whatever the data


@pytest.fixture(scope="module")
def exported(authority_register, tmp_path_factory):
    folder = tmp_path_factory.mktemp("return")
    last_year = tmp_path_factory.mktemp("last-year")
    result = export_return(authority_register, YEAR, folder)
    export_return(authority_register, YEAR - 1, last_year)
    return folder, result, validate_folder(folder, YEAR, CROYDON, last_year)


def test_the_dfe_validator_finds_no_error_in_the_export(exported):
    folder, result, report = exported
    assert result.counts()["Missing"] > 0 and result.counts()["UASC"] > 0, (
        "the authority must have missing periods and UASC"
    )
    assert report.ruleset == "lac2025_26"
    assert report.error_lines() == []
    assert MISSING_RULES <= set(report.ran), (
        f"missing-period rules that did not run: {MISSING_RULES - set(report.ran)}"
    )
    assert UASC_RULES <= set(report.ran), (
        f"UASC rules that did not run: {UASC_RULES - set(report.ran)}"
    )
    assert set(report.failed) <= ALWAYS_CRASH, report.failed
    assert len(report.ran) > 200


def test_the_validator_flags_overlapping_missing_periods_written_into_the_files(exported, tmp_path):
    folder, result, _ = exported
    missing = (folder / "missing.csv").read_text().splitlines()
    child, dob, kind, start, _end = missing[1].split(",")
    # A second period for the same child starting on the same day, still open: overlapping.
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in folder.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    (broken / "missing.csv").write_text(
        "\r\n".join([*missing, f"{child},{dob},A,{start},"]) + "\r\n"
    )
    report = validate_folder(broken, YEAR, CROYDON, rules=("574", "586"))
    assert report.ran == ["574", "586"]
    assert "574" in report.errors, report.error_lines()
    assert report.errors["574"]["rows"]["Missing"], "rule 574 names the overlapping rows"


def test_the_validator_flags_an_unknown_placement_code(exported, tmp_path):
    folder, _, _ = exported
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in folder.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    lines = (folder / "episodes.csv").read_text().splitlines()
    cells = lines[1].split(",")
    cells[5] = "H5"  # withdrawn after 2024/25
    lines[1] = ",".join(cells)
    (broken / "episodes.csv").write_text("\r\n".join(lines) + "\r\n")
    report = validate_folder(broken, YEAR, CROYDON, rules=("146",))
    assert report.errors["146"]["rows"] == {"Episodes": [0]}
