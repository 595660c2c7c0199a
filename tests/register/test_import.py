"""The register import (issue 15, point 5): a council's register from its case system, CSV or
XLSX, matched with the register by the SSDA903 CHILD id; names, nationality, languages, sex and
gender, flags with their dates; all or nothing; the same file twice changes nothing; the
nationality-by-gender tables of the data request (question 5) filled once it is in."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import COUNCIL_B_CODE, CROYDON, as_viewer
from tests.ssda903.test_problems import good_files
from tests.ssda903.test_problems import run as import_903
from visible.audit.models import AuditEvent
from visible.children.models import Child, ChildName, Flag
from visible.register.importer import import_register
from visible.register.mapping import save_mapping
from visible.returns import foi
from visible.ssda903.models import ImportKind, ImportRun
from visible.ssda903.report import ERROR, WARNING

from .files import CASE_SYSTEM, HEADINGS, csv_bytes, rows_for_register, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def return_imported(council_a):
    """Croydon's register as an SSDA903 return leaves it: C1 and C2, no names, nationality
    not known."""
    outcome = import_903(good_files())
    assert outcome.imported, outcome.report.as_text()
    return council_a


def register_rows(council):
    rows = rows_for_register(council)
    assert [r["child_903_id"] for r in rows] == ["C1", "C2"]
    rows[0].update(nationality="AFG", first_language="prs", sex="M", flags="uasc:10/04/2025")
    rows[1].update(nationality="Eritrea", first_language="ti", sex="F", gender="girl")
    rows[1]["other_names"] = "Semhar; Semira"
    rows[1]["flags"] = "trafficked_suspected:01/02/2025; separated:01/01/2025"
    return rows


def child(cid: str) -> Child:
    return Child.objects.get(child_903_id=cid)


def events_for_children() -> int:
    return AuditEvent.objects.filter(object_type="child").count()


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_the_register_names_the_children_an_ssda903_return_added(return_imported, form):
    rows = register_rows(return_imported)
    raw = csv_bytes(rows) if form == "csv" else xlsx_bytes(rows)
    outcome = import_register(f"register.{form}", raw, CROYDON)
    assert outcome.imported, outcome.report.as_text()
    c1, c2 = child("C1"), child("C2")
    assert c1.given_names == rows[0]["given_names"] and c1.family_name == rows[0]["family_name"]
    assert c1.nationality == "AFG" and c1.first_language == "prs"
    assert c1.sex == "M" and c1.gender == "boy"  # the gender from the sex, nothing better known
    assert c2.nationality == "ERI" and c2.first_language == "tir" and c2.gender == "girl"
    assert c2.council_id == rows[1]["council_id"]
    assert sorted(ChildName.objects.filter(child=c2).values_list("name", flat=True)) == [
        "Semhar",
        "Semira",
    ]
    assert "semhar" in c2.search_text  # found by the other name too
    # C1 already had the return's UASC flag from that day: not a second one.
    assert Flag.objects.filter(child=c1, kind="uasc").count() == 1
    assert set(Flag.objects.filter(child=c2).values_list("kind", "start_date")) == {
        ("trafficked_suspected", dt.date(2025, 2, 1)),
        ("separated", dt.date(2025, 1, 1)),
    }
    assert outcome.counts["children_changed"] == 2 and outcome.counts["flags_created"] == 2
    assert outcome.counts["flags_unchanged"] == 1
    run = ImportRun.objects.get(kind=ImportKind.REGISTER)
    assert run.counts == outcome.counts and run.files == [{"name": f"register.{form}", "rows": 2}]
    # One audit event per child changed, saying what changed and where it came from.
    event = AuditEvent.objects.filter(object_type="child", child_id=c2.pk).latest("pk")
    assert event.action == "change" and "nationality" in event.summary
    assert f"register.{form}" in event.summary and "flags" in event.summary


def test_the_same_file_twice_changes_nothing_the_second_time_and_says_so(return_imported):
    raw = csv_bytes(register_rows(return_imported))
    assert import_register("register.csv", raw, CROYDON).imported
    versions = dict(Child.objects.values_list("child_903_id", "version"))
    events, names, flags = events_for_children(), ChildName.objects.count(), Flag.objects.count()
    again = import_register("register.csv", raw, CROYDON)
    assert again.imported
    assert again.summary().startswith("Nothing changed")
    assert again.counts["children_unchanged"] == 2 and again.counts["children_changed"] == 0
    assert dict(Child.objects.values_list("child_903_id", "version")) == versions
    assert (events_for_children(), ChildName.objects.count(), Flag.objects.count()) == (
        events,
        names,
        flags,
    )


def test_a_child_not_yet_on_the_register_is_added_to_the_importing_council_only(
    return_imported, council_b
):
    rows = register_rows(return_imported)
    rows.append(dict(rows[0], child_903_id="C9", council_id="P9", looked_after_from="01/03/2025"))
    outcome = import_register("register.csv", csv_bytes(rows), CROYDON)
    assert outcome.imported, outcome.report.as_text()
    new = child("C9")
    assert new.responsible_organisation == return_imported
    assert new.looked_after_from == dt.date(2025, 3, 1) and new.nationality == "AFG"
    assert outcome.counts["children_created"] == 1
    assert AuditEvent.objects.filter(object_type="child", child_id=new.pk, action="create").exists()
    # Kent's register is Kent's: the same CHILD id there is another child, not touched.
    kent = import_register("kent.csv", csv_bytes([dict(rows[2], council_id="K9")]), COUNCIL_B_CODE)
    assert kent.imported and kent.counts["children_created"] == 1
    assert Child.objects.filter(child_903_id="C9").count() == 2
    assert child_of(return_imported, "C9").council_id == "P9"


def child_of(council, cid):
    return Child.objects.get(responsible_organisation=council, child_903_id=cid)


def test_a_new_child_without_the_date_they_became_looked_after_is_an_error(return_imported):
    rows = register_rows(return_imported)
    rows.append(dict(rows[0], child_903_id="C9", council_id="P9", looked_after_from=""))
    outcome = import_register("register.csv", csv_bytes(rows), CROYDON)
    assert not outcome.imported
    (problem,) = outcome.report.errors
    assert (problem.row, problem.column) == (4, "Date became looked after")
    assert "not on the register yet" in problem.rule
    assert not Child.objects.filter(child_903_id="C9").exists()


def test_bad_cells_are_each_named_by_row_and_column_and_nothing_is_imported(return_imported):
    rows = register_rows(return_imported)
    before = list(Child.objects.order_by("pk").values())
    events = AuditEvent.objects.count()
    rows[0]["nationality"] = "Narnia"
    rows[1]["date_of_birth"] = "31/02/2010"
    rows[1]["flags"] = "trafficked:01/02/2025"
    rows.append(dict(rows[0], nationality="AFG", council_id="P7"))  # C1 again
    outcome = import_register("register.csv", csv_bytes(rows), CROYDON)
    assert not outcome.imported
    found = {(p.row, p.column): p for p in outcome.report.errors}
    assert set(found) == {
        (2, "Nationality"),
        (3, "Date of birth"),
        (3, "Flags"),
        (4, "SSDA903 CHILD id"),
    }
    assert found[2, "Nationality"].value == "Narnia"
    assert "ISO 3166" in found[2, "Nationality"].fix
    assert found[3, "Date of birth"].rule == "Not a real date"
    assert "trafficked is not a flag code" in found[3, "Flags"].rule
    assert "uasc" in found[3, "Flags"].fix and "trafficked_suspected" in found[3, "Flags"].fix
    assert found[4, "SSDA903 CHILD id"].rule == "The same SSDA903 CHILD id is on row 2"
    # All or nothing: the register, its audit and the imports are as they were.
    assert list(Child.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == events
    assert not ImportRun.objects.filter(kind=ImportKind.REGISTER).exists()
    assert "nothing has been imported" in outcome.report.as_text()


def test_a_clash_found_only_against_the_register_also_changes_nothing(
    return_imported, make_child, sw_a
):
    # A worker recorded a child (no SSDA903 id) with the council case ID the file gives C2.
    rows = register_rows(return_imported)
    make_child(sw_a, council_id=rows[1]["council_id"])
    rows[0]["flags"] = "uasc:01/01/2030"  # in the future
    outcome = import_register("register.csv", csv_bytes(rows), CROYDON)
    assert not outcome.imported
    found = {(p.row, p.column): p.rule for p in outcome.report.errors}
    assert "also held by another child on the register" in found[3, "Council case ID"]
    assert found[2, "Flags"] == "The flag's date is in the future"
    assert child("C2").given_names == "(name not in the return)"


def test_not_known_never_replaces_what_is_known(return_imported):
    rows = register_rows(return_imported)
    assert import_register("register.csv", csv_bytes(rows), CROYDON).imported
    rows[0].update(nationality="XXX", sex="U", gender="not known", family_name="")
    outcome = import_register("register.csv", csv_bytes(rows), CROYDON)
    assert outcome.imported and outcome.summary().startswith("Nothing changed")
    c1 = child("C1")
    assert (c1.nationality, c1.sex, c1.gender) == ("AFG", "M", "boy")
    assert c1.family_name  # a blank cell leaves the register's value


def test_a_council_s_own_headings_are_read_with_its_saved_mapping(return_imported, manager_a):
    rows = register_rows(return_imported)
    raw = csv_bytes(rows, CASE_SYSTEM)
    without = import_register("register.csv", raw, CROYDON)
    assert not without.imported
    errors = {p.column: p for p in without.report.errors}
    assert set(errors) == {"SSDA903 CHILD id", "Given names", "Date of birth"}
    assert "no column for SSDA903 CHILD id" in errors["SSDA903 CHILD id"].rule
    assert "'CHILD'" in errors["SSDA903 CHILD id"].rule  # the headings it looked for
    save_mapping(as_viewer(manager_a), {f: CASE_SYSTEM[f] for f in CASE_SYSTEM})
    assert AuditEvent.objects.filter(object_type="columnmapping").count() == 1
    outcome = import_register("register.csv", raw, CROYDON)
    assert outcome.imported, outcome.report.as_text()
    assert child("C2").nationality == "ERI"


def test_a_mapped_required_column_missing_names_the_council_s_heading(return_imported, manager_a):
    save_mapping(as_viewer(manager_a), {"child_903_id": "CLA Child Ref"})
    outcome = import_register("register.csv", csv_bytes(register_rows(return_imported)), CROYDON)
    (error,) = outcome.report.errors
    assert error.column == "CLA Child Ref" and error.row == 1
    assert "the column 'CLA Child Ref' (the council's mapping names it)" in error.rule


def test_columns_that_are_no_field_are_reported_and_not_read(return_imported):
    rows = register_rows(return_imported)
    headings = dict(HEADINGS, shoe_size="Shoe size")
    for row in rows:
        row["shoe_size"] = "5"
    outcome = import_register("register.csv", csv_bytes(rows, headings), CROYDON)
    assert outcome.imported
    (warning,) = outcome.report.warnings
    assert warning.severity == WARNING and warning.column == "Shoe size"
    assert "not one of Visible's fields" in warning.rule


def test_the_nationality_by_gender_tables_are_filled_once_the_register_is_in(
    return_imported, croydon
):
    start, end = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
    before = foi.count_return([croydon], start, end)
    # Before: only C1 (UASC in the return) is in scope, nationality not known, a boy by the
    # return's SEX.
    assert before.breakdown("any", "children") == {("XXX", "boy"): 1}
    import_register("register.csv", csv_bytes(register_rows(return_imported)), CROYDON)
    after = foi.count_return([croydon], start, end)
    assert after.breakdown("any", "children") == {("AFG", "boy"): 1, ("ERI", "girl"): 1}
    assert after.breakdown("uasc_or_separated", "incidents") == {
        ("AFG", "boy"): 1,
        ("ERI", "girl"): 1,
    }


@pytest.fixture
def croydon(council_a):
    return council_a.authority


def test_errors_group_into_a_short_report(return_imported):
    rows = register_rows(return_imported)
    rows = [
        dict(rows[0], child_903_id=f"X{n}", council_id=f"Q{n}", nationality="ZZZ")
        for n in range(500)
    ]
    outcome = import_register("register.csv", csv_bytes(rows), CROYDON)
    groups = outcome.report.groups(ERROR)
    assert len(groups) == 1 and groups[0].count == 500
    assert len(outcome.report.as_text().splitlines()) < 15


def test_a_child_changed_while_the_file_is_compared_is_compared_again(
    return_imported, sw_a, monkeypatch
):
    """Someone edits a child of the file between the comparison and the write: the plan is
    made again inside the transaction, so their change is kept and the file's applied."""
    from visible.children import actions
    from visible.children.inputs import ChildInput
    from visible.register import importer

    rows = register_rows(return_imported)
    planned = importer.plan
    calls = []

    def plan_then_edit(*args, **kwargs):
        work = planned(*args, **kwargs)
        if not calls:
            c1 = child("C1")
            details = ChildInput.of(c1)
            edited = ChildInput.from_mapping(
                details.as_values() | {"preferred_name": "Sami", "interpreter_needed": True}
            )
            actions.update_child(as_viewer(sw_a), c1, edited, c1.version)
        calls.append(work)
        return work

    monkeypatch.setattr(importer, "plan", plan_then_edit)
    outcome = import_register("register.csv", csv_bytes(rows), CROYDON)
    assert outcome.imported, outcome.report.as_text()
    assert len(calls) == 2  # compared again
    c1 = child("C1")
    assert c1.preferred_name == "Sami" and c1.given_names == rows[0]["given_names"]
