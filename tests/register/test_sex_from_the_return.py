"""The SSDA903 return's SEX used where nothing better is known (issue 15, point 5): a child the
return adds is male or female, a boy or a girl, as SEX says; a child already on the register
takes SEX only where its sex is not known, and boy or girl only where its gender is not known;
what a worker or the register import recorded is never overwritten."""

from __future__ import annotations

import pytest

from tests.factories import CROYDON, as_viewer, child_input
from tests.ssda903.test_problems import EPISODES, HEADER, MISSING, UASC, good_files
from tests.ssda903.test_problems import run as import_903
from visible.audit.models import AuditEvent
from visible.children import actions
from visible.children.models import Child
from visible.register.importer import import_register
from visible.ssda903.writing import sex_and_gender_from_return

from .files import csv_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "register, return_sex, expected",
    [
        (("U", "not_known"), "M", ("M", "boy")),
        (("U", "not_known"), "F", ("F", "girl")),
        (("U", "not_known"), "U", ("U", "not_known")),
        (("F", "not_known"), "M", ("F", "not_known")),  # a worker's F stays, no gender from M
        (("M", "not_known"), "M", ("M", "boy")),
        (("U", "non_binary"), "F", ("F", "non_binary")),  # a recorded gender stays
        (("F", "boy"), "F", ("F", "boy")),
    ],
)
def test_the_rule(register, return_sex, expected):
    assert sex_and_gender_from_return(*register, return_sex) == expected


def test_a_child_the_return_adds_is_a_boy_or_a_girl_as_sex_says(council_a):
    assert import_903(good_files()).imported
    c1, c2 = Child.objects.get(child_903_id="C1"), Child.objects.get(child_903_id="C2")
    assert (c1.sex, c1.gender) == ("M", "boy") and (c2.sex, c2.gender) == ("F", "girl")


def return_for_c1(sex: str) -> dict[str, str]:
    files = good_files()
    files["header.csv"] = HEADER + f"C1,{sex},01/05/2009,NOBT,UN5,,\r\n"
    files["episodes.csv"] = EPISODES + files["episodes.csv"].splitlines()[1] + "\r\n"
    files["uasc.csv"] = UASC + f"C1,{sex},01/05/2009,01/05/2027\r\n"
    files["missing.csv"] = MISSING + "C1,01/05/2009,M,01/06/2025,03/06/2025\r\n"
    return files


def test_what_a_worker_recorded_is_never_overwritten_by_the_return(council_a, sw_a):
    viewer = as_viewer(sw_a)
    worker_child = actions.create_child(
        viewer, child_input(sex="F", gender="non_binary", child_903_id="C1")
    )
    outcome = import_903(return_for_c1("M"))
    assert outcome.imported, outcome.report.as_text()
    worker_child.refresh_from_db()
    assert (worker_child.sex, worker_child.gender) == ("F", "non_binary")


def test_a_child_whose_sex_is_not_known_takes_the_return_s(council_a, sw_a):
    viewer = as_viewer(sw_a)
    known = actions.create_child(
        viewer, child_input(sex="U", gender="not_known", child_903_id="C1")
    )
    assert import_903(return_for_c1("F")).imported
    known.refresh_from_db()
    assert (known.sex, known.gender) == ("F", "girl")
    # The change is in the child's audit event of the import.
    event = AuditEvent.objects.filter(child_id=known.pk, action="change").latest("pk")
    assert "gender" in event.summary and "sex" in event.summary


def test_the_register_import_s_sex_and_gender_survive_the_next_return(council_a):
    assert import_903(return_for_c1("M")).imported
    rows = [
        {
            "child_903_id": "C1",
            "given_names": "Robin",
            "date_of_birth": "01/05/2009",
            "sex": "F",
            "gender": "non-binary",
        }
    ]
    assert import_register("register.csv", csv_bytes(rows), CROYDON).imported
    outcome = import_903(return_for_c1("M"))
    assert outcome.imported
    c1 = Child.objects.get(child_903_id="C1")
    assert (c1.sex, c1.gender) == ("F", "non_binary")
