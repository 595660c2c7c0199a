"""A rota uploaded as a file (rota/rotafile.py reads it, rota/actions.py import_shifts checks
and adds it): the columns and cells it reads, all or nothing, every problem named by file, row
and column, the nights the clocks change (28 March and 31 October 2027), a row already on the
rota, a row the file repeats, a workbook's date and time cells, and files refused unread."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from tests.factories import as_viewer, make_user
from tests.workbooks import row, text_cell, workbook
from visible.agencies.models import Role
from visible.audit.models import AuditEvent
from visible.dates import UK_TIME
from visible.rota import actions
from visible.rota.models import Position, Shift
from visible.rota.rotafile import Unreadable, read_position, read_rota, read_time, template_csv

pytestmark = pytest.mark.django_db

# The explicit clock of these tests: a moment before every shift in their files.
BEFORE = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
HEADER = "position,person,start date,start time,end date,end time,note\n"


@pytest.fixture
def manager(council_a):
    return make_user("priya.manager", council_a, Role.SENIOR_MANAGER)


@pytest.fixture
def people(council_a):
    tom = make_user("tom.duty", council_a, Role.SOCIAL_WORKER)
    tom.email = "Tom.Duty@croydon.example"
    tom.save()
    return {"tom": tom, "olu": make_user("olu.oncall", council_a, Role.SENIOR_MANAGER)}


def rota(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def problems(result) -> list[str]:
    return [str(p) for p in result.problems]


def test_a_file_of_shifts_is_added_with_one_audit_event(manager, people):
    raw = rota(
        "On-call manager,tom.duty@croydon.example,05/03/2027,17:00,06/03/2027,09:00,",
        "senior_manager,olu.oncall,2027-03-05,17:00,2027-03-08,09:00,Cover for Sam",
        "FIRST ON CALL,Tom.Duty,12/03/2027,9:30,12/03/2027,17:00,",
    )
    result = actions.import_shifts(as_viewer(manager), "rota.csv", raw, BEFORE)
    assert problems(result) == []
    assert (result.added, len(result.already)) == (3, 0)
    shifts = list(Shift.objects.order_by("starts_at", "position"))
    assert [(s.position, s.person.username) for s in shifts] == [
        (Position.ON_CALL_MANAGER, "tom.duty"),
        (Position.SENIOR_MANAGER, "olu.oncall"),
        (Position.FIRST_ON_CALL, "tom.duty"),
    ]
    assert shifts[1].note == "Cover for Sam"
    assert shifts[2].starts_at == dt.datetime(2027, 3, 12, 9, 30, tzinfo=UK_TIME)
    [event] = AuditEvent.objects.filter(object_type="rota shift", action="create")
    assert "Added 3 shifts to the on-call rota from the file rota.csv" in event.summary
    assert event.detail_data["file"] == "rota.csv" and event.detail_data["added"] == 3


def test_one_bad_row_leaves_the_rota_unchanged_and_every_problem_is_named(manager, people):
    raw = rota(
        "On-call manager,tom.duty,05/03/2027,17:00,06/03/2027,09:00,",  # row 2: fine
        "On-call manager,tom.duty,06/03/2027,25:00,07/03/2027,09:00,",  # row 3
        "Night manager,nobody@croydon.example,31/02/2027,17:00,1/3/27,09:00,",  # row 4
        "On-call manager,tom.duty,08/03/2027,17:00,08/03/2027,09:00,",  # row 5
        ",,,,,,",  # a blank row, left out
        "On-call manager,tom.duty,20/02/2027,17:00,21/02/2027,09:00,",  # row 7: past
    )
    result = actions.import_shifts(as_viewer(manager), "rota.csv", raw, BEFORE)
    assert result.added == 0 and not Shift.objects.exists()
    assert not AuditEvent.objects.filter(object_type="rota shift", action="create").exists()
    assert problems(result) == [
        "rota.csv, row 3, column 'start time': 25:00 is not a time: use the 24-hour clock, "
        "like 17:00",
        "rota.csv, row 4, column 'position': Night manager is not a position on the rota: write "
        "one of 'First on call', 'On-call manager', 'Senior manager on call'",
        "rota.csv, row 4, column 'person': nobody@croydon.example is not the email address or "
        "username of anyone at Croydon children's services: check the spelling, or give their "
        "username",
        "rota.csv, row 4, column 'start date': 31/02/2027 is not a real date: check the day and "
        "the month, like 26/03/2027 or 2027-03-26",
        "rota.csv, row 4, column 'end date': 1/3/27 is not a date: write the date the shift ends "
        "as DD/MM/YYYY, like 26/03/2027 or 2027-03-26",
        "rota.csv, row 5, column 'end date': The shift must end after it starts: it starts at "
        "17:00 on Monday 8 March 2027 and ends at 09:00 on Monday 8 March 2027",
        "rota.csv, row 7, column 'end date': The shift would have ended already (09:00 on "
        "Sunday 21 February 2027): the rota records who was on duty, so a past shift cannot "
        "be added",
    ]


def test_overnight_shifts_on_the_nights_the_clocks_change_are_as_long_as_worked(manager, people):
    raw = rota(
        "On-call manager,tom.duty,27/03/2027,17:00,28/03/2027,09:00,",
        "On-call manager,tom.duty,30/10/2027,17:00,31/10/2027,09:00,",
        "On-call manager,tom.duty,31/10/2027,01:30,31/10/2027,09:00,",
    )
    result = actions.plan_import(as_viewer(manager), "rota.csv", raw, BEFORE)
    # The third overlaps the second: 01:30 on 31 October is the first 01:30 (summer time).
    assert problems(result) == [
        "rota.csv, row 4, column 'start date': This shift overlaps row 3's, where Tom is "
        "on-call manager from 17:00 on Saturday 30 October 2027 to 09:00 on Sunday 31 October "
        "2027: change the times in one of the two rows"
    ]
    raw = rota(
        "On-call manager,tom.duty,27/03/2027,17:00,28/03/2027,09:00,",
        "On-call manager,tom.duty,30/10/2027,17:00,31/10/2027,09:00,",
        "First on call,tom.duty,28/03/2027,01:30,28/03/2027,09:00,",
    )
    result = actions.plan_import(as_viewer(manager), "rota.csv", raw, BEFORE)
    assert problems(result) == [
        "rota.csv, row 4, column 'start time': There is no 01:30 on 28 March 2027 in the UK: "
        "the clocks go forward from 01:00 to 02:00. Enter a time before 01:00 or from 02:00"
    ]
    result = actions.import_shifts(as_viewer(manager), "rota.csv", rota(*raw.decode().splitlines()[1:3]), BEFORE)  # fmt: skip
    assert result.added == 2
    march, october = Shift.objects.order_by("starts_at")
    assert march.ends_at - march.starts_at == dt.timedelta(hours=15)
    assert october.ends_at - october.starts_at == dt.timedelta(hours=17)


def test_the_same_file_twice_adds_nothing_the_second_time(manager, people):
    raw = rota(
        "On-call manager,tom.duty,05/03/2027,17:00,06/03/2027,09:00,",
        "On-call manager,tom.duty,06/03/2027,17:00,07/03/2027,09:00,",
    )
    assert actions.import_shifts(as_viewer(manager), "rota.csv", raw, BEFORE).added == 2
    # A week later the first shift has ended: still already on the rota, not refused as past.
    later = BEFORE + dt.timedelta(days=5, hours=12)
    again = actions.import_shifts(as_viewer(manager), "rota.csv", raw, later)
    assert problems(again) == []
    assert (again.added, [s.row for s in again.already]) == (0, [2, 3])
    assert Shift.objects.count() == 2
    assert AuditEvent.objects.filter(object_type="rota shift", action="create").count() == 1


def test_a_row_the_file_repeats_or_a_clash_with_the_rota_is_refused(manager, people):
    viewer = as_viewer(manager)
    actions.import_shifts(
        viewer, "week1.csv", rota("On-call manager,olu.oncall,05/03/2027,17:00,06/03/2027,09:00,"), BEFORE
    )  # fmt: skip
    raw = rota(
        "On-call manager,tom.duty,12/03/2027,17:00,13/03/2027,09:00,",
        "on_call_manager,TOM.DUTY,12/03/2027,17:00,13/03/2027,09:00,",
        "On-call manager,olu.oncall,05/03/2027,20:00,06/03/2027,09:00,",
    )
    result = actions.import_shifts(viewer, "rota.csv", raw, BEFORE)
    assert problems(result) == [
        "rota.csv, row 3: This row is the same shift as row 2 (Tom as on-call manager from "
        "17:00 on Friday 12 March 2027): delete one of the two rows",
        "rota.csv, row 4, column 'start date': Olu is already on-call manager from 17:00 on "
        "Friday 5 March 2027 to 09:00 on Saturday 6 March 2027, which this shift overlaps: "
        "change the times in this row, or change or remove that shift on the rota",
    ]
    assert Shift.objects.count() == 1


def test_the_header_row_is_read_in_any_case_and_order_and_must_name_each_column(
    manager, people, council_a
):
    raw = (
        b"Start Time,End_Time,Person,Position,Start date,End date,Phone\n"
        b"17:00,09:00,tom.duty,On-Call Manager,05/03/2027,06/03/2027,07700 900123\n"
    )
    result = actions.plan_import(as_viewer(manager), "rota.csv", raw, BEFORE)
    assert problems(result) == [] and len(result.to_add) == 1
    result = actions.plan_import(
        as_viewer(manager), "rota.csv", b"position,person,start date,end date\nx,y,z,w\n", BEFORE
    )
    assert problems(result) == [
        "rota.csv, row 1: The header row has no column 'start time', 'end time': the first row "
        "names the columns (position, person, start date, start time, end date, end time, "
        "note), as in the template"
    ]
    administrator = make_user("ada.admin", council_a, Role.ORGANISATION_ADMIN)
    result = actions.plan_import(
        as_viewer(manager), "rota.csv", rota("First on call,ada.admin,05/03/2027,17:00,06/03/2027,09:00,"), BEFORE
    )  # fmt: skip
    assert problems(result) == [
        f"rota.csv, row 2, column 'person': Ada is {Role(Role.ORGANISATION_ADMIN).label.lower()}, who "
        "cannot open children's records and so could not act on an alert: put a social worker, "
        "coordinator or senior manager in this row"
    ]
    with pytest.raises(PermissionDenied):
        actions.import_shifts(as_viewer(people["tom"]), "rota.csv", raw, BEFORE)
    assert administrator and not Shift.objects.exists()


def test_the_template_is_a_file_the_import_reads():
    table = read_rota("template.csv", template_csv().encode())
    assert table.problems == []
    assert template_csv().splitlines()[0] == (
        "position,person,start date,start time,end date,end time,note"
    )
    [only] = table.rows
    assert read_position(only.cells["position"]) == Position.ON_CALL_MANAGER


def test_cells_are_read_as_the_columns_mean_them():
    assert read_position("senior MANAGER on call") == Position.SENIOR_MANAGER
    assert read_position("on-call_manager") == Position.ON_CALL_MANAGER
    assert read_time(" 9:05 ") == dt.time(9, 5)
    assert read_time(dt.datetime(1899, 12, 30, 17, 0)) == dt.time(17)
    with pytest.raises(Unreadable, match="for midnight, write 00:00 and the next day's date"):
        read_time("24:00")
    for bad in ("17", "5pm", "17:60", dt.date(2027, 3, 5)):
        with pytest.raises(Unreadable):
            read_time(bad)


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_with_date_and_time_cells_is_read(manager, people):
    raw = xlsx(
        [
            ["Position", "Person", "Start date", "Start time", "End date", "End time", "Note"],
            [
                "On-call manager",
                "tom.duty@croydon.example",
                dt.datetime(2027, 3, 5),
                dt.time(17, 0),
                dt.date(2027, 3, 6),
                dt.time(9, 0),
                None,
            ],
            ["Senior manager on call", "olu.oncall", "05/03/2027", "17:00", dt.datetime(2027, 3, 8), "09:00", 42],
        ]
    )  # fmt: skip
    result = actions.import_shifts(as_viewer(manager), "rota.xlsx", raw, BEFORE)
    assert problems(result) == [] and result.added == 2
    first, second = Shift.objects.order_by("position")
    assert first.starts_at == dt.datetime(2027, 3, 5, 17, tzinfo=dt.UTC)
    assert first.ends_at == dt.datetime(2027, 3, 6, 9, tzinfo=dt.UTC)
    assert second.ends_at == dt.datetime(2027, 3, 8, 9, tzinfo=dt.UTC) and second.note == "42"


def test_a_spreadsheet_bomb_or_an_oversized_file_is_refused_unread(manager, people):
    viewer = as_viewer(manager)
    headings = row(1, text_cell("A1", "position"), text_cell("B1", "person"))
    padding = b"<!--" + b" " * (30 * 1024 * 1024) + b"-->"  # 30 MB of nothing, squeezed to KB
    bomb = workbook(
        {"Rota": headings}, extra_parts={"xl/padding.xml": padding}, compression=zipfile.ZIP_DEFLATED
    )  # fmt: skip
    assert len(bomb) < 100_000
    [problem] = actions.import_shifts(viewer, "rota.xlsx", bomb, BEFORE).problems
    assert problem.file == "rota.xlsx" and "The workbook unpacks to 30 MB" in problem.message
    declared = workbook({"Rota": headings}, dimension={"Rota": "A1:B1048576"})
    [problem] = actions.import_shifts(viewer, "rota.xlsx", declared, BEFORE).problems
    assert "declares 1,048,576 rows" in problem.message
    big = rota(*["On-call manager,tom.duty,05/03/2027,17:00,06/03/2027,09:00,"] * 20_000)
    [problem] = actions.import_shifts(viewer, "rota.csv", big, BEFORE).problems
    assert str(problem).startswith(
        "rota.csv: The file is 1.1 MB; a rota file is at most 1 MB: give the rota's columns only"
    )
    many = rota(*["On-call manager,tom.duty,05/03/2027,17:00,06/03/2027,09:00,"] * 2_500)
    [problem] = actions.import_shifts(viewer, "rota.csv", many, BEFORE).problems
    assert "The file has 2,501 rows; a rota file has at most 2,001" in problem.message
    [problem] = actions.import_shifts(viewer, "rota.csv", b"", BEFORE).problems
    assert problem.message.startswith("The file is empty")
    assert not Shift.objects.exists()


def test_a_formula_is_never_worked_out_and_an_empty_cell_says_what_to_enter(manager, people):
    # A formula that would make a billion characters: only the value a spreadsheet saved is
    # read, and a workbook written without one holds none.
    raw = xlsx(
        [
            ["position", "person", "start date", "start time", "end date", "end time"],
            ['=REPT("x",1000000000)', "tom.duty", "05/03/2027", "17:00", "06/03/2027", ""],
        ]
    )
    result = actions.import_shifts(as_viewer(manager), "rota.xlsx", raw, BEFORE)
    assert problems(result) == [
        "rota.xlsx, row 2, column 'position': The position is empty: write one of 'First on "
        "call', 'On-call manager', 'Senior manager on call'",
        "rota.xlsx, row 2, column 'end time': The end time is empty: enter the time the shift "
        "ends on the 24-hour clock, like 09:00",
    ]
    assert not Shift.objects.exists()
