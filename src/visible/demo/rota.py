"""The demo council's on-call rota (rota/, ADR 0019): four weeks from this Monday, as an
out-of-hours service keeps it. Office hours on weekdays the missing-children coordinator is
first on call; every evening, night and weekend the duty social worker; the out-of-hours team
manager is on-call manager a week at a time, Monday 09:00 to Monday 09:00; the senior manager
is on call behind them. Times are UK times, so a shift across a night the clocks change keeps
its hours. The two weeks after those are uploaded as a rota file, as a senior manager would
upload the spreadsheet their out-of-hours service keeps ("Upload a rota": rota/actions.py
import_shifts, audited as the senior manager). Made once: a council with shifts already keeps
them."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.contrib.auth import get_user_model
from django.utils import timezone

from visible.agencies.models import Organisation
from visible.dates import uk_date
from visible.rota.models import Position, Shift
from visible.rota.times import uk_moment

WEEKS = 4
UPLOADED_WEEKS = 2  # after WEEKS, uploaded as a rota file
UPLOADED_BY = "manager.croydon"
UPLOADED_FILE = "croydon-out-of-hours-rota.csv"

Row = tuple[str, str, dt.date, int, dt.date, int]  # position, username, start, hour, end, hour


def _week(start: dt.date) -> list[Row]:
    """A week of the rota from Monday ``start``."""
    following = start + dt.timedelta(weeks=1)
    rows: list[Row] = [
        (Position.ON_CALL_MANAGER, "oncall.croydon", start, 9, following, 9),
        (Position.SENIOR_MANAGER, "manager.croydon", start, 9, following, 9),
    ]
    for day in range(7):
        date = start + dt.timedelta(days=day)
        if day < 5:  # Monday to Friday, office hours
            rows.append((Position.FIRST_ON_CALL, "coordinator.croydon", date, 9, date, 17))
        if day < 4:  # Monday to Thursday nights
            rows.append(
                (Position.FIRST_ON_CALL, "sw.croydon", date, 17, date + dt.timedelta(days=1), 9)
            )
    # The weekend: Friday 17:00 to Monday 09:00.
    rows.append(
        (Position.FIRST_ON_CALL, "sw.croydon", start + dt.timedelta(days=4), 17, following, 9)
    )
    return rows


def rota_file(rows: list[Row]) -> bytes:
    """The rows as the file an out-of-hours service uploads (rota/rotafile.py's columns)."""
    lines = ["position,person,start date,start time,end date,end time,note"]
    for position, username, start, start_hour, end, end_hour in rows:
        lines.append(
            f"{Position(position).label},{username},{start:%d/%m/%Y},{start_hour:02d}:00,"
            f"{end:%d/%m/%Y},{end_hour:02d}:00,"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def set_up_rota_demo(council: Organisation, out: TextIO, now: dt.datetime | None = None) -> int:
    if Shift.objects.filter(organisation=council).exists():
        out.write("Keeping the existing on-call rota.\n")
        return 0
    now = now or timezone.now()
    people = {u.username: u for u in get_user_model().objects.filter(username__endswith=".croydon")}
    admin = people.get("admin.croydon")  # the rota is the council administrator's
    by = admin.get_full_name() if admin else council.name
    today = uk_date(now)
    monday = today - dt.timedelta(days=today.weekday())
    made: list[Shift] = []

    def shift(
        position: str, username: str, start: dt.date, start_time: int, end: dt.date, end_time: int
    ):
        person = people.get(username)
        if person is None:
            return
        made.append(
            Shift(
                organisation=council,
                position=position,
                person=person,
                starts_at=uk_moment(start, dt.time(start_time)),
                ends_at=uk_moment(end, dt.time(end_time)),
                created_at=now,
                changed_by_name=by,
            )
        )

    for week in range(WEEKS):
        for row in _week(monday + dt.timedelta(weeks=week)):
            shift(*row)
    Shift.objects.bulk_create(made)
    out.write(f"Made the on-call rota of {council.name}: {len(made)} shifts over {WEEKS} weeks.\n")
    return len(made) + _upload_following_weeks(
        council, monday + dt.timedelta(weeks=WEEKS), now, out
    )


def _upload_following_weeks(
    council: Organisation, monday: dt.date, now: dt.datetime, out: TextIO
) -> int:
    from visible.agencies.viewer import viewer_for
    from visible.rota.actions import import_shifts

    manager = get_user_model().objects.filter(username=UPLOADED_BY).first()
    if manager is None:
        return 0
    rows = [
        row for week in range(UPLOADED_WEEKS) for row in _week(monday + dt.timedelta(weeks=week))
    ]
    result = import_shifts(viewer_for(manager), UPLOADED_FILE, rota_file(rows), now)
    if result.problems:  # the demo's own file: a problem is a fault in this module
        raise RuntimeError("; ".join(str(p) for p in result.problems))
    out.write(
        f"Uploaded the {UPLOADED_WEEKS} weeks after as the file {UPLOADED_FILE}: "
        f"{result.added} shifts.\n"
    )
    return result.added
