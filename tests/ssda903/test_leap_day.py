"""A child born on 29 February 2008 turns 18 in 2026, a year with no 29 February. Visible counts
the birthday on 1 March everywhere (docs/dates.md): the risk engine, the register's ages and the
FOI return agree. The one difference is the SSDA903 DUC, which follows the DfE's validator
(28 February, `eighteenth_birthday_dfe`) so that a return Visible writes or accepts passes the
DfE's rule 304; these tests show the engine and the importer agree on everything else and that
the validator really does need 28 February."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from tests.factories import CROYDON
from visible.children.models import Child, Flag
from visible.dates import (
    age_on,
    eighteenth_birthday,
    eighteenth_birthday_dfe,
    uk_midnight,
    years_after,
)
from visible.missing.facts import facts_for
from visible.risk import sweep
from visible.ssda903.export import export_return
from visible.ssda903.importer import import_return
from visible.ssda903.oracle import validate_folder

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("ssda903-oracle")]

BORN = dt.date(2008, 2, 29)
YEAR = 2025  # 2025/26: 1 April 2025 to 31 March 2026, which holds the 18th birthday
LONDON_28_FEB_2026_LATE = dt.datetime(2026, 2, 28, 23, 59, tzinfo=dt.UTC)  # GMT: UTC = London
LONDON_1_MAR_2026 = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)


def files(duc: str) -> list[tuple[str, bytes]]:
    """UASC, looked after from April 2025, missing since 20 February 2026 and still missing."""
    tables = {
        "header.csv": "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\nL1,M,29/02/2008,NOBT,UN5,,\r\n",
        "episodes.csv": "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,"
        "REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n"
        "L1,10/04/2025,S,V2,N8,K3,PR4,,,,,CR0 1AA,SC123456\r\n",
        "uasc.csv": f"CHILD,SEX,DOB,DUC\r\nL1,M,29/02/2008,{duc}\r\n",
        "missing.csv": "CHILD,DOB,MISSING,MIS_START,MIS_END\r\nL1,29/02/2008,M,20/02/2026,\r\n",
    }
    return [(name, text.encode()) for name, text in tables.items()]


def imported(duc: str):
    with freeze_time("2026-06-15T09:00:00+01:00", tick=True):
        return import_return(files(duc), YEAR, CROYDON)


def codes(alerts) -> set[str]:
    return {a.code for a in alerts}


def test_the_two_eighteenth_birthdays_are_one_day_apart_only_for_this_child():
    assert eighteenth_birthday(BORN) == dt.date(2026, 3, 1)
    assert eighteenth_birthday_dfe(BORN) == dt.date(2026, 2, 28)
    born_the_day_before = BORN - dt.timedelta(days=1)
    assert eighteenth_birthday(born_the_day_before) == eighteenth_birthday_dfe(born_the_day_before)


def test_the_importer_takes_a_duc_up_to_the_dfes_18th_birthday_and_no_later(council_a):
    late = imported("01/03/2026")
    assert not late.imported
    [problem] = late.report.errors
    assert (problem.file, problem.column, problem.value) == ("uasc.csv", "DUC", "01/03/2026")
    assert "rule 304" in problem.rule and "29 February" in problem.fix

    outcome = imported("28/02/2026")
    assert outcome.imported, outcome.report.as_text()
    child = Child.objects.get(child_903_id="L1")
    assert Flag.objects.get(child=child, kind="uasc").end_date == dt.date(2026, 2, 28)


def test_the_engine_and_the_register_see_an_imported_child_turn_18_on_1_march(council_a):
    assert imported("28/02/2026").imported
    child = Child.objects.get(child_903_id="L1")
    assert child.age_on(dt.date(2026, 2, 28)) == 17
    assert child.age_on(dt.date(2026, 3, 1)) == 18

    # Still missing: on the last minute of 28 February the engine warns that the 18th birthday
    # is near; from midnight on 1 March it says they have turned 18.
    before = sweep(facts_for(child, LONDON_28_FEB_2026_LATE), LONDON_28_FEB_2026_LATE)
    assert "approaching_18" in codes(before) and "turned_18_while_missing" not in codes(before)
    after = sweep(facts_for(child, LONDON_1_MAR_2026), LONDON_1_MAR_2026)
    [turned] = [a for a in after if a.code == "turned_18_while_missing"]
    assert turned.due_at == uk_midnight(dt.date(2026, 3, 1))
    assert "1 March 2026" in turned.text

    # The only date that differs is the DfE's: the UASC flag ends on its 18th birthday.
    flag = Flag.objects.get(child=child, kind="uasc")
    assert (flag.end_date, years_after(child.date_of_birth, 18)) == (
        eighteenth_birthday_dfe(BORN),
        eighteenth_birthday(BORN),
    )
    assert age_on(BORN, flag.end_date) == 17  # a child, by Visible's rule, on the DfE's day


def test_the_export_writes_the_dfes_day_and_the_dfe_rejects_the_other(council_a, tmp_path):
    # The UASC flag still open: the export writes the day status will cease, the 18th birthday.
    assert imported("").imported
    folder = tmp_path / "return"
    export_return(council_a, YEAR, folder)
    uasc = (folder / "uasc.csv").read_text().splitlines()
    assert uasc[1].endswith(",29/02/2008,28/02/2026")
    assert validate_folder(folder, YEAR, CROYDON, rules=("304",)).errors == {}

    (folder / "uasc.csv").write_text(
        uasc[0] + "\r\n" + uasc[1][: -len("28/02/2026")] + "01/03/2026\r\n"
    )
    report = validate_folder(folder, YEAR, CROYDON, rules=("304",))
    assert report.ran == ["304"]
    assert report.errors["304"]["rows"] == {"UASC": [0]}
