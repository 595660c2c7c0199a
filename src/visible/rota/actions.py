"""Keeping the rota: adding shifts (one, or the same hours every week for some weeks),
changing one and removing one. Each checks who may, validates in the words the pages show
(field by field), writes and appends the audit event in one transaction.

The rota is also the record of who was on duty when an alert escalated, so a shift that has
already ended is never changed or removed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from visible.access.missing import ROLES_THAT_ACT, can_set_deadlines
from visible.agencies.models import Membership, Organisation, Role
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.validation import Problems
from visible.inputs import ActionInput

from .duty import position_label
from .models import Position, Shift
from .rotafile import (
    HEADINGS,
    NOTE_LENGTH,
    FileProblem,
    Unreadable,
    read_date,
    read_position,
    read_rota,
    read_time,
)
from .rotafile import shown as cell_text
from .times import NotOnTheClock, shown, uk_moment

LONGEST_SHIFT = dt.timedelta(
    days=8
)  # a week on call, Monday 09:00 to Monday 09:00, and a spare day
MOST_WEEKS = 12  # "the same hours every week" for at most a quarter at a time


def can_keep_rota(viewer: Viewer) -> bool:
    """A senior manager or an organisation administrator of an active council or HSC Trust."""
    return can_set_deadlines(viewer)


def can_see_rota(viewer: Viewer) -> bool:
    """Who is on call is for everyone who may act on the organisation's alerts, and those who
    keep the rota."""
    org = viewer.organisation
    return bool(
        org
        and org.is_active
        and org.is_responsible_body
        and (viewer.role in ROLES_THAT_ACT or can_keep_rota(viewer))
    )


def require_keep_rota(viewer: Viewer) -> None:
    if not can_keep_rota(viewer):
        raise PermissionDenied(
            "Only a senior manager or an organisation administrator of a council can change its "
            "on-call rota"
        )


def people_for_rota(organisation: Organisation) -> list[Membership]:
    """The members who may be put on the rota: active, in a role that acts on alerts (an
    administrator sees no child, so could not act on one)."""
    return list(
        Membership.objects.filter(
            organisation=organisation,
            is_active=True,
            user__is_active=True,
            role__in=sorted(ROLES_THAT_ACT),
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def person_name(user: User) -> str:
    return user.get_full_name().strip() or user.get_username()


@dataclass(frozen=True, kw_only=True)
class ShiftInput(ActionInput):
    position: str
    person_id: int
    start_date: dt.date
    start_time: dt.time
    end_date: dt.date
    end_time: dt.time
    note: str = ""
    repeat_weeks: int = 1  # this shift and the same hours each following week: 1 to MOST_WEEKS


def _check(
    organisation: Organisation,
    data: ShiftInput,
    now: dt.datetime,
    p: Problems,
    changing: Shift | None,
    *,
    clashes: bool = True,
) -> tuple[User | None, list[tuple[dt.datetime, dt.datetime]]]:
    """The rules of a shift, field by field in ``p`` (the add and change pages', and each row
    of an uploaded rota's): the person, the times (each week's, if it repeats) and, with
    ``clashes``, no overlap with the same person's shifts at the same position already on
    the rota (``changing`` aside). Returns the person and each week's (start, end)."""
    if data.position not in Position.values:
        p.add("position", "Select the position on the rota")
    membership = (
        Membership.objects.filter(
            organisation=organisation, user_id=data.person_id, is_active=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    person = membership.user if membership else None
    if membership is None:
        p.add("person", f"Select a person who works for {organisation.name}")
    elif membership.role not in ROLES_THAT_ACT:
        p.add(
            "person",
            f"{person_name(membership.user)} is {Role(membership.role).label.lower()}, who cannot "
            "open children's records and so could not act on an alert: select a social worker, "
            "coordinator or senior manager",
        )
    if not 1 <= data.repeat_weeks <= MOST_WEEKS:
        p.add("repeat_weeks", f"Enter a number of weeks from 1 to {MOST_WEEKS}")
    times: list[tuple[dt.datetime, dt.datetime]] = []
    for week in range(max(1, min(data.repeat_weeks, MOST_WEEKS))):
        shift = dt.timedelta(weeks=week)
        which = f" (in week {week + 1})" if week else ""
        try:
            starts = uk_moment(data.start_date + shift, data.start_time)
        except NotOnTheClock as error:
            p.add("start_time", f"{error}{which}")
            continue
        try:
            ends = uk_moment(data.end_date + shift, data.end_time)
        except NotOnTheClock as error:
            p.add("end_time", f"{error}{which}")
            continue
        times.append((starts, ends))
    if times and not p.errors:
        starts, ends = times[0]
        if ends <= starts:
            p.add(
                "end_date",
                f"The shift must end after it starts: it starts at {shown(starts)} and ends at "
                f"{shown(ends)}",
            )
        elif ends - starts > LONGEST_SHIFT:
            p.add(
                "end_date",
                f"A shift can be at most {LONGEST_SHIFT.days} days long: split this one "
                f"({shown(starts)} to {shown(ends)}) into shorter ones",
            )
        elif ends <= now:
            p.add(
                "end_date",
                f"The shift would have ended already ({shown(ends)}): the rota records who was on "
                "duty, so a past shift cannot be added",
            )
    if person is not None and clashes and not p.errors:
        for starts, ends in times:
            clash = overlapping(organisation, data.position, person, starts, ends, changing)
            if clash is not None:
                p.add(
                    "start_date",
                    f"{person_name(person)} is already {position_label(data.position).lower()} "
                    f"from {shown(clash.starts_at)} to {shown(clash.ends_at)}: change that shift "
                    "instead",
                )
                break
    return person, times


def overlapping(
    organisation: Organisation,
    position: str,
    person: User,
    starts: dt.datetime,
    ends: dt.datetime,
    changing: Shift | None = None,
) -> Shift | None:
    """The first of the person's shifts at the position that overlaps [starts, ends)."""
    found = Shift.objects.filter(
        organisation=organisation,
        position=position,
        person=person,
        starts_at__lt=ends,
        ends_at__gt=starts,
    )
    if changing is not None:
        found = found.exclude(pk=changing.pk)
    return found.order_by("starts_at", "pk").first()


def _described(shift: Shift) -> dict:
    return {
        "position": shift.position,
        "person": shift.person.get_username(),
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "note": shift.note,
    }


def _summary(verb: str, shift: Shift) -> str:
    return (
        f"{verb} {person_name(shift.person)} as {position_label(shift.position).lower()} from "
        f"{shown(shift.starts_at)} to {shown(shift.ends_at)}"
    )[:500]


@transaction.atomic
def add_shifts(viewer: Viewer, data: ShiftInput, now: dt.datetime | None = None) -> list[Shift]:
    """The shift, and the same hours each following week for ``repeat_weeks`` weeks in all
    (each at the same UK times, whatever the clocks do between them)."""
    require_keep_rota(viewer)
    now = now or timezone.now()
    p = Problems()
    assert viewer.organisation is not None
    person, times = _check(viewer.organisation, data, now, p, None)
    p.raise_if_any()
    assert person is not None and viewer.organisation is not None
    made = [
        Shift.objects.create(
            organisation=viewer.organisation,
            position=data.position,
            person=person,
            starts_at=starts,
            ends_at=ends,
            note=data.note.strip(),
            created_at=now,
            changed_by_name=viewer.display_name,
        )
        for starts, ends in times
    ]
    weeks = f" (and the same hours for {len(made) - 1} more weeks)" if len(made) > 1 else ""
    record(
        viewer,
        AuditAction.CREATE,
        object_type="rota shift",
        object_id=made[0].pk,
        summary=(_summary("Put", made[0]) + weeks)[:500],
        detail={"record": "rota shift", "shifts": [_described(s) | {"id": s.pk} for s in made]},
    )
    return made


def _own_shift(viewer: Viewer, shift: Shift, now: dt.datetime, p: Problems) -> None:
    if shift.organisation_id != viewer.organisation_id:
        raise PermissionDenied("That shift is on another organisation's rota")
    if shift.ends_at <= now:
        p.add(
            "__all__",
            f"This shift ended at {shown(shift.ends_at)}: the rota records who was on duty, so a "
            "past shift cannot be changed or removed",
        )


@transaction.atomic
def change_shift(
    viewer: Viewer, shift: Shift, data: ShiftInput, now: dt.datetime | None = None
) -> Shift:
    require_keep_rota(viewer)
    now = now or timezone.now()
    shift = Shift.objects.select_for_update().select_related("person").get(pk=shift.pk)
    p = Problems()
    _own_shift(viewer, shift, now, p)
    p.raise_if_any()
    assert viewer.organisation is not None
    person, times = _check(
        viewer.organisation, dataclasses.replace(data, repeat_weeks=1), now, p, shift
    )
    p.raise_if_any()
    assert person is not None
    before = _described(shift)
    shift.position = data.position
    shift.person = person
    shift.starts_at, shift.ends_at = times[0]
    shift.note = data.note.strip()
    shift.changed_by_name = viewer.display_name
    shift.save()
    after = _described(shift)
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="rota shift",
        object_id=shift.pk,
        summary=_summary("Changed the shift to", shift),
        detail={
            "record": "rota shift",
            "changes": {k: [before[k], after[k]] for k in after if before[k] != after[k]},
        },
    )
    return shift


@transaction.atomic
def remove_shift(viewer: Viewer, shift: Shift, now: dt.datetime | None = None) -> None:
    require_keep_rota(viewer)
    now = now or timezone.now()
    shift = Shift.objects.select_for_update().select_related("person").get(pk=shift.pk)
    p = Problems()
    _own_shift(viewer, shift, now, p)
    p.raise_if_any()
    described = _described(shift)
    summary = _summary("Took off the rota", shift)
    pk = shift.pk
    shift.delete()
    record(
        viewer,
        AuditAction.END,
        object_type="rota shift",
        object_id=pk,
        summary=summary,
        detail={"record": "rota shift", "removed": described},
    )


# --- a rota uploaded as a file --------------------------------------------------------------------

# Where each of the shift's rules (its field, as the add-shift page names it) is in the file.
_COLUMN_OF = {
    "position": "position",
    "person": "person",
    "start_date": "start date",
    "start_time": "start time",
    "end_date": "end date",
    "end_time": "end time",
    "note": "note",
}


@dataclass(frozen=True)
class PlannedShift:
    """A row of the file as the shift it is."""

    row: int
    position: str
    person: User
    starts_at: dt.datetime
    ends_at: dt.datetime
    note: str

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


@dataclass
class RotaImport:
    """What a rota file holds, checked against the rota: the shifts it would add, the rows
    already on the rota (the same person, position, start and end), and every problem. Nothing
    is added unless there is no problem at all; ``added`` is how many were."""

    file_name: str
    to_add: list[PlannedShift] = dataclasses.field(default_factory=list)
    already: list[PlannedShift] = dataclasses.field(default_factory=list)
    problems: list[FileProblem] = dataclasses.field(default_factory=list)
    added: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _people_by_name(organisation: Organisation) -> dict[str, list[Membership]]:
    """The organisation's active members by their email address and their username (folded)."""
    found: dict[str, list[Membership]] = {}
    for membership in Membership.objects.filter(
        organisation=organisation, is_active=True, user__is_active=True
    ).select_related("user"):
        names = {membership.user.get_username().strip().lower()}
        if membership.user.email.strip():
            names.add(membership.user.email.strip().lower())
        for name in names:
            found.setdefault(name, []).append(membership)
    return found


def plan_import(
    viewer: Viewer, file_name: str, raw: bytes, now: dt.datetime | None = None
) -> RotaImport:
    """Read and check a rota file, changing nothing: every row by the add-shift page's rules
    (rota/actions.py ``_check``), and against the rota and the file's other rows for clashes."""
    require_keep_rota(viewer)
    organisation = viewer.organisation
    assert organisation is not None
    now = now or timezone.now()
    result = RotaImport(file_name)
    table = read_rota(file_name, raw)
    result.problems.extend(table.problems)
    if table.problems:
        return result
    people = _people_by_name(organisation)
    taken: list[PlannedShift] = []  # the file's rows so far, to find clashes between them
    for row in table.rows:
        problems: list[FileProblem] = []

        def problem(column: str, message: str, row_number: int = row.row) -> None:
            problems.append(FileProblem(file_name, row_number, column, message))  # noqa: B023

        cells = row.cells
        values = _read_cells(cells, problem)
        membership = _member(organisation, people, cell_text(cells.get("person", "")), problem)
        note = cell_text(cells.get("note", "")).strip()
        if len(note) > NOTE_LENGTH:
            problem(
                "note",
                f"The note is {len(note)} characters long: shorten it to {NOTE_LENGTH} or fewer",
            )
        if problems or membership is None:
            result.problems.extend(_in_column_order(problems))
            continue
        data = ShiftInput(
            position=values["position"],
            person_id=membership.user_id,
            start_date=values["start date"],
            start_time=values["start time"],
            end_date=values["end date"],
            end_time=values["end time"],
            note=note,
        )
        person = membership.user
        planned = _on_the_rota(organisation, data, person, row.row)
        already = planned is not None
        if planned is None:  # not already there: the add-shift page's rules, clashes aside
            p = Problems()
            _, times = _check(organisation, data, now, p, None, clashes=False)
            for name, messages in p.errors.items():
                for message in messages:
                    problem(_COLUMN_OF.get(name, ""), message)
            if problems:
                result.problems.extend(problems)
                continue
            ((starts, ends),) = times
            planned = PlannedShift(row.row, data.position, person, starts, ends, note)
            clash = overlapping(organisation, data.position, person, starts, ends)
            if clash is not None:
                problem(
                    "start date",
                    f"{person_name(person)} is already {position_label(data.position).lower()} "
                    f"from {shown(clash.starts_at)} to {shown(clash.ends_at)}, "
                    "which this shift overlaps: change the times in this row, or change or "
                    "remove that shift on the rota",
                )
        for earlier in taken:
            if (earlier.position, earlier.person.pk) != (planned.position, person.pk):
                continue
            if (earlier.starts_at, earlier.ends_at) == (planned.starts_at, planned.ends_at):
                problem(
                    "",
                    f"This row is the same shift as row {earlier.row} ({person_name(person)} "
                    f"as {position_label(planned.position).lower()} from "
                    f"{shown(planned.starts_at)}): delete one of the two rows",
                )
                break
            if earlier.starts_at < planned.ends_at and planned.starts_at < earlier.ends_at:
                problem(
                    "start date",
                    f"This shift overlaps row {earlier.row}'s, where {person_name(person)} is "
                    f"{position_label(planned.position).lower()} from "
                    f"{shown(earlier.starts_at)} to {shown(earlier.ends_at)}: "
                    "change the times in one of the two rows",
                )
                break
        if problems:
            result.problems.extend(problems)
            continue
        taken.append(planned)
        (result.already if already else result.to_add).append(planned)
    return result


_READERS = {
    "position": read_position,
    "start date": lambda cell: read_date(cell, "the date the shift starts"),
    "start time": read_time,
    "end date": lambda cell: read_date(cell, "the date the shift ends"),
    "end time": read_time,
}
_WHEN_EMPTY = {
    "position": "write one of " + ", ".join(f"'{p.label}'" for p in Position),
    "person": "enter the email address or username of the person on call",
    "start date": "enter the date the shift starts, like 26/03/2027",
    "start time": "enter the time the shift starts on the 24-hour clock, like 17:00",
    "end date": "enter the date the shift ends, like 29/03/2027",
    "end time": "enter the time the shift ends on the 24-hour clock, like 09:00",
}


def _read_cells(cells: dict, problem) -> dict:
    """A row's position, dates and times as values; each cell empty or unreadable a problem."""
    values: dict = {}
    for column, fix in _WHEN_EMPTY.items():
        cell = cells.get(column, "")
        if isinstance(cell, str) and not cell.strip():
            problem(column, f"The {column} is empty: {fix}")
        elif column in _READERS:
            try:
                values[column] = _READERS[column](cell)
            except Unreadable as error:
                problem(column, str(error))
    return values


def _member(
    organisation: Organisation, people: dict[str, list[Membership]], named: str, problem
) -> Membership | None:
    """The member a row's person cell names (their email address or username), who may be on
    the rota; None, with the problem, otherwise (or if the cell is empty)."""
    if not named:
        return None
    found = people.get(named.lower(), [])
    if not found:
        problem(
            "person",
            f"{named} is not the email address or username of anyone at "
            f"{organisation.name}: check the spelling, or give their username",
        )
        return None
    if len({m.user_id for m in found}) > 1:
        problem(
            "person",
            f"{named} is the email address of more than one person at {organisation.name}: "
            "give the username of the one on call",
        )
        return None
    membership = found[0]
    if membership.role not in ROLES_THAT_ACT:
        problem(
            "person",
            f"{person_name(membership.user)} is {Role(membership.role).label.lower()}, who "
            "cannot open children's records and so could not act on an alert: put a social "
            "worker, coordinator or senior manager in this row",
        )
        return None
    return membership


def _in_column_order(problems: list[FileProblem]) -> list[FileProblem]:
    order = {column: index for index, column in enumerate(HEADINGS)}
    return sorted(problems, key=lambda p: order.get(p.column, len(order)))


def _on_the_rota(
    organisation: Organisation, data: ShiftInput, person: User, row: int
) -> PlannedShift | None:
    """The row as the shift already on the rota that it is (the same person, position, start
    and end), or None. Ended shifts count: uploading the same file again adds nothing."""
    try:
        starts = uk_moment(data.start_date, data.start_time)
        ends = uk_moment(data.end_date, data.end_time)
    except NotOnTheClock:
        return None
    there = Shift.objects.filter(
        organisation=organisation,
        position=data.position,
        person=person,
        starts_at=starts,
        ends_at=ends,
    ).exists()
    return PlannedShift(row, data.position, person, starts, ends, data.note) if there else None


@transaction.atomic
def import_shifts(
    viewer: Viewer, file_name: str, raw: bytes, now: dt.datetime | None = None
) -> RotaImport:
    """Add a rota file's shifts, all or nothing: with any problem in any row nothing is added
    (``problems`` says each); rows already on the rota are left as they are (``already``). One
    audit event for the file, in the same transaction."""
    require_keep_rota(viewer)
    now = now or timezone.now()
    assert viewer.organisation is not None
    # One import at a time for an organisation, so that two uploads cannot both add a shift.
    Organisation.objects.select_for_update().filter(pk=viewer.organisation.pk).first()
    result = plan_import(viewer, file_name, raw, now)
    if not result.ok or not result.to_add:
        return result
    made = Shift.objects.bulk_create(
        Shift(
            organisation=viewer.organisation,
            position=planned.position,
            person=planned.person,
            starts_at=planned.starts_at,
            ends_at=planned.ends_at,
            note=planned.note,
            created_at=now,
            changed_by_name=viewer.display_name,
        )
        for planned in result.to_add
    )
    result.added = len(made)
    already = f" ({len(result.already)} already on the rota)" if result.already else ""
    record(
        viewer,
        AuditAction.CREATE,
        object_type="rota shift",
        object_id=made[0].pk if made[0].pk else "",
        summary=(
            f"Added {len(made)} shift{'s' if len(made) != 1 else ''} to the on-call rota from "
            f"the file {file_name}{already}"
        )[:500],
        detail={
            "record": "rota shift",
            "file": file_name,
            "added": len(made),
            "already": len(result.already),
            "shifts": [_described(s) | ({"id": s.pk} if s.pk else {}) for s in made],
        },
    )
    return result
