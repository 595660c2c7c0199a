"""The 2024 edition of the data request (calendar years plus a part year, the overlap of
trafficked and unaccompanied or separated, 'missing or absent' as a named definition) on the
hand-worked register of tests/returns/register.py, with one more child in the overlap:

| child | flags | episodes |
| --- | --- | --- |
| Lin, girl, VNM, looked after from 1/2/2024 | UASC from 1/2/2024; suspected trafficked from 1/10/2024 | A 5/11/2024 to 6/11/2024 (came back herself); M from 10/2/2025, still open |

Worked out by hand for 1 January 2024 to 31 March 2025: the calendar year 2024 and the part
year 1 January to 31 March 2025. In 2024: trafficked Ann, Ben, Cara, Lin; unaccompanied or
separated Dan, Eve (her UASC flag was in force until 1 March 2024), Fay, Gus (turned 18 while
missing), Lin. In 2025 Eve is out (no flag in force) and Gus is still counted (missing since
before his 18th birthday)."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import as_viewer
from tests.returns import register as known
from visible.audit.models import AuditEvent
from visible.reference.models import Authority
from visible.returns import edition2024
from visible.returns.disclosure import ProtectedTable, recoverable_by_subtraction
from visible.returns.edition2024 import Period, count_2024, request_periods

pytestmark = pytest.mark.django_db
START, END = dt.date(2024, 1, 1), dt.date(2025, 3, 31)
Y2024, Q2025 = "2024-01-01/2024-12-31", "2025-01-01/2025-03-31"


def c(children, went, incidents, still):
    return dict(
        children=children,
        children_missing_or_absent=went,
        incidents_missing_or_absent=incidents,
        children_still_missing=still,
    )


# (period, group) -> the four measures, missing or absent = M and A.
EXPECTED = {
    (Y2024, "trafficked"): c(4, 2, 3, 0),  # Ann (M, A), Lin (A)
    (Y2024, "uasc_or_separated"): c(5, 5, 5, 2),  # Dan, Eve, Fay, Gus, Lin; Dan and Gus open
    (Y2024, "overlap"): c(1, 1, 1, 0),  # Lin
    (Y2024, "trafficked_only"): c(3, 1, 2, 0),
    (Y2024, "uasc_or_separated_only"): c(4, 4, 4, 2),
    (Y2024, "any"): c(8, 6, 7, 2),
    (Q2025, "trafficked"): c(4, 2, 2, 2),  # Ben and Lin missing at the end
    (Q2025, "uasc_or_separated"): c(4, 4, 4, 4),  # Dan, Fay (A open at the end), Gus, Lin
    (Q2025, "overlap"): c(1, 1, 1, 1),
    (Q2025, "trafficked_only"): c(3, 1, 1, 1),
    (Q2025, "uasc_or_separated_only"): c(3, 3, 3, 3),
    (Q2025, "any"): c(7, 5, 5, 5),
}
# Missing only (M): Lin's A in 2024 and Fay's A in 2025 drop out.
MISSING_ONLY = {
    (Y2024, "trafficked"): c(4, 1, 1, 0),  # Ann's M only
    (Y2024, "overlap"): c(1, 0, 0, 0),
    (Y2024, "uasc_or_separated"): c(5, 4, 4, 2),
    (Q2025, "uasc_or_separated"): c(4, 3, 3, 3),
    (Q2025, "overlap"): c(1, 1, 1, 1),
}


@pytest.fixture
def register_2024(sw_a, sw_b, fake):
    built = known.build(sw_a, fake, other_council_user=sw_b)
    lin = known._child(
        sw_a,
        fake,
        "Lin",
        sex="F",
        gender="girl",
        nationality="VNM",
        date_of_birth=dt.date(2009, 4, 4),
        looked_after_from=dt.date(2024, 2, 1),
    )
    known._flag(sw_a, lin, "uasc", dt.date(2024, 2, 1))
    known._flag(sw_a, lin, "trafficked_suspected", dt.date(2024, 10, 1))
    known._episode(
        sw_a, lin, "A", known.at(2024, 11, 5, 12), known.at(2024, 11, 6, 12), found_by="self"
    )
    known._episode(sw_a, lin, "M", known.at(2025, 2, 10, 12))
    return built


@pytest.fixture
def croydon(council_a) -> Authority:
    return council_a.authority


def _counts(result):
    return {
        (period.key, g): {m: counts[g, m] for m in edition2024.MEASURE_CODES_2024}
        for period, _, counts in result.periods
        for g in edition2024.GROUP_CODES_2024
    }


def test_the_periods_are_calendar_years_plus_the_part_year_as_asked():
    periods = request_periods(dt.date(2022, 1, 1), dt.date(2024, 6, 30))
    assert [p.label for p in periods] == ["2022", "2023", "1 January 2024 to 30 June 2024"]
    assert [p.part_year for p in periods] == [False, False, True]
    # A request that starts mid-year starts with a part year too; 29 February is a day like any.
    periods = request_periods(dt.date(2023, 9, 1), dt.date(2024, 2, 29))
    assert periods == [
        Period(dt.date(2023, 9, 1), dt.date(2023, 12, 31)),
        Period(dt.date(2024, 1, 1), dt.date(2024, 2, 29)),
    ]
    with pytest.raises(ValueError, match="--from"):
        request_periods(dt.date(2024, 1, 2), dt.date(2024, 1, 1))


def test_every_count_matches_the_hand_worked_answers(register_2024, croydon):
    assert _counts(count_2024([croydon], START, END)) == EXPECTED


def test_missing_only_is_a_named_choice_that_drops_away_incidents(register_2024, croydon):
    counts = _counts(count_2024([croydon], START, END, "missing_only"))
    for key, expected in MISSING_ONLY.items():
        assert counts[key] == expected, key
    with pytest.raises(ValueError, match="missing_or_away, missing_only"):
        count_2024([croydon], START, END, "absent")


def test_the_2024_edition_agrees_with_the_2016_count_of_the_same_period(register_2024, croydon):
    from visible.returns import foi

    year = foi.count_return([croydon], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert EXPECTED[Y2024, "trafficked"]["children"] == year.count("trafficked", "children")
    assert EXPECTED[Y2024, "uasc_or_separated"]["children_missing_or_absent"] == year.count(
        "uasc_or_separated", "children_missing_or_away"
    )
    assert EXPECTED[Y2024, "any"]["incidents_missing_or_absent"] == year.count("any", "incidents")


def test_the_json_validates_against_its_versioned_schema(register_2024, croydon):
    from pathlib import Path

    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "docs" / "foi-return-2024.schema.json").read_text()
    )
    jsonschema.Draft202012Validator.check_schema(schema)
    result = count_2024([croydon], START, END)
    for suppress in (False, True):
        document = json.loads(edition2024.render(result, "json", suppress=suppress))
        jsonschema.Draft202012Validator(schema).validate(document)
        assert document["schema_version"] == schema["properties"]["schema_version"]["const"]
    document = edition2024.published(result)
    assert [p["label"] for p in document["periods"]] == ["2024", "1 January 2025 to 31 March 2025"]
    assert document["missing_or_absent"]["code"] == "missing_or_away"
    assert document["periods"][1]["counts"]["overlap"]["children_still_missing"] == 1


def test_published_small_counts_are_hidden_and_the_overlap_cannot_be_worked_out(
    register_2024, croydon
):
    result = count_2024([croydon], START, END)
    values, relations = result.cell_values()
    shown = edition2024.published(result, suppress=True)
    for period in shown["periods"]:
        for measures in period["counts"].values():
            assert all(v == "c" or v == 0 or v > 5 for v in measures.values())
    protected = ProtectedTable({k: v for k, v in _flat(shown).items()})
    assert recoverable_by_subtraction(protected, relations) == []
    csv_text = edition2024.render(result, "csv", suppress=True).decode("utf-8-sig")
    assert "E09000008,2024,2024-01-01,2024-12-31,False,overlap,children,c" in csv_text


def _flat(document):
    return {
        (f"{p['from']}/{p['to']}", g, m): v
        for p in document["periods"]
        for g, measures in p["counts"].items()
        for m, v in measures.items()
    }


def test_only_the_councils_own_managers_may_make_it_and_it_is_audited(
    register_2024, croydon, sw_a, manager_a
):
    with pytest.raises(PermissionDenied):
        edition2024.foi_return_2024_for(as_viewer(sw_a), croydon, START, END)
    edition2024.foi_return_2024_for(as_viewer(manager_a), croydon, START, END)
    assert AuditEvent.objects.filter(object_type="foi_return", action="denied").exists()
    event = AuditEvent.objects.get(object_type="foi_return", action="count")
    detail = event.detail_data
    assert detail["edition"] == "2024" and detail["missing_or_absent"] == "missing_or_away"


def test_the_command_writes_the_2024_edition_and_refuses_a_mixed_request(
    register_2024, tmp_path, capsys
):
    from visible.cli import main

    out = tmp_path / "return-2024.json"
    args = ["foi-return", "--authority", "E09000008", "--from", "2024-01-01", "--to", "2025-03-31"]
    assert main([*args, "--edition", "2024", "-o", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["schema_version"] == "2.0.0"
    assert document["periods"][0]["counts"]["any"]["children"] == 8
    assert main([*args, "--missing-definition", "missing_only"]) == 2
    assert "--missing-definition belongs to the 2024 edition" in capsys.readouterr().err
    assert main([*args, "--edition", "2024", "--format", "xlsx"]) == 2
    assert "json or csv" in capsys.readouterr().err
    event = AuditEvent.objects.filter(action="export", object_type="foi_return").get()
    assert event.detail_data["edition"] == "2024"
