"""`visible rota import FILE --organisation ORG --as USERNAME` as an administrator runs it: the
problems (exit 1, nothing added), the counts (exit 0), and mistakes in what was asked (exit 2).
Dated from the clock (tests/frozen_dates.txt runs it at awkward moments)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import CROYDON, KENT, make_council, make_user
from visible.agencies.models import Role
from visible.cli import main
from visible.dates import uk_date
from visible.rota.models import Shift

pytestmark = pytest.mark.django_db
HEADER = "position,person,start date,start time,end date,end time,note\n"


def day(days: int) -> str:
    return f"{uk_date(timezone.now()) + dt.timedelta(days=days):%d/%m/%Y}"


@pytest.fixture
def rota(tmp_path, sw_a, manager_a):
    def _write(*rows: str):
        path = tmp_path / "rota.csv"
        path.write_text(HEADER + "".join(r + "\n" for r in rows))
        return str(path)

    return _write


def test_the_problems_are_printed_and_nothing_is_added(rota, capsys):
    path = rota(
        f"On-call manager,sw.a,{day(2)},17:00,{day(3)},09:00,",
        f"On-call manager,sw.a,{day(4)},25:00,{day(5)},09:00,",
        f"Night manager,sw.a,{day(6)},17:00,{day(7)},09:00,",
    )
    code = main(["rota", "import", path, "--organisation", CROYDON, "--as", "manager.a"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [
        "rota.csv: 2 problems; nothing has been added.",
        "rota.csv, row 3, column 'start time': 25:00 is not a time: use the 24-hour clock, "
        "like 17:00",
        "rota.csv, row 4, column 'position': Night manager is not a position on the rota: "
        "write one of 'First on call', 'On-call manager', 'Senior manager on call'",
    ]
    assert not Shift.objects.exists()


def test_the_counts_are_printed_and_the_same_file_again_adds_nothing(rota, capsys, council_a):
    path = rota(
        f"On-call manager,sw.a,{day(2)},17:00,{day(3)},09:00,",
        f"Senior manager on call,manager.a,{day(2)},17:00,{day(3)},09:00,",
    )
    command = ["rota", "import", path, "--organisation", council_a.name, "--as", "manager.a"]
    assert main(command) == 0
    assert capsys.readouterr().out == (
        f"Added 2 shifts to the on-call rota of {council_a.name}; 0 already on the rota, "
        "not added again.\n"
    )
    assert main(command) == 0
    assert "Added 0 shifts" in capsys.readouterr().out and Shift.objects.count() == 2


def test_who_and_for_whom_must_be_right(rota, capsys, council_a):
    path = rota(f"On-call manager,sw.a,{day(2)},17:00,{day(3)},09:00,")
    assert main(["rota", "import", path, "--organisation", "E99999999", "--as", "manager.a"]) == 2
    assert "there is no organisation 'E99999999'" in capsys.readouterr().err
    assert main(["rota", "import", path, "--organisation", CROYDON, "--as", "sw.a"]) == 2
    assert "Only a senior manager or an organisation administrator" in capsys.readouterr().err
    make_user("kent.manager", make_council(KENT), Role.SENIOR_MANAGER)
    assert main(["rota", "import", path, "--organisation", CROYDON, "--as", "kent.manager"]) == 2
    assert f"kent.manager does not work for {council_a.name}" in capsys.readouterr().err
    assert main(["rota", "import", "/no/such.csv", "--organisation", CROYDON, "--as", "manager.a"]) == 2  # fmt: skip
    assert not Shift.objects.exists()
