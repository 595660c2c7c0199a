"""`visible import register` and the register upload: a council's register from its case
system (CSV or XLSX; docs/register-import.md), matched with the register by the SSDA903 CHILD
id, all or nothing, with the same report of problems as the SSDA903 import.

Read (reader.py), columns found with the council's mapping (mapping.py), every cell read and
checked (values.py, and the register's own checks: children/validation.py), then compared with
the register outside any transaction (`plan`). A blank cell, or a column the file does not
have, leaves what the register holds; "not known" (sex U, gender or nationality not known)
never replaces what is known. Other names and flags are added, never taken away: a flag the
child has open, or had in force on the file's date, is already there. So the same file twice
changes nothing the second time, and says so. Then one short transaction checks that the
file's children are as the plan read them (each write to a child moves its version on; a
plan made stale meanwhile is made again inside the transaction), writes the children, names
and flags in bulk, one audit event per child added or changed and the import's record
(ADR 0015, ADR 0018)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.audit.log import Entry, plain_value, record_many, write_rows
from visible.audit.models import AuditAction
from visible.children.models import Child, ChildName, DobBasis, Flag, Gender, NameKind, Sex
from visible.children.names import search_text_for
from visible.children.validation import Problems, check_child_details
from visible.db.bulk import BulkTable, reserve_ids
from visible.reference.nationalities import UNKNOWN
from visible.ssda903.export import council_for_code
from visible.ssda903.importer import ImportOutcome
from visible.ssda903.models import ImportJob, ImportKind, ImportRun
from visible.ssda903.progress import CHECKING, COMPARING, READING, WRITING, Progress
from visible.ssda903.report import ImportReport
from visible.ssda903.writing import sex_and_gender_from_return

from .fields import BY_NAME, REQUIRED
from .mapping import resolve, saved_mapping
from .reader import read_table
from .values import READERS, Unreadable, text

IMPORTER = "Register import"
SOURCE = "register import"
# The child's own fields a file may give (child_903_id is the key it is matched by).
CHILD_FIELDS = (
    "given_names",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "dob_basis",
    "sex",
    "gender",
    "nationality",
    "first_language",
    "other_languages",
    "interpreter_needed",
    "looked_after_from",
    "council_id",
    "home_office_ref",
    "police_ref",
    "nrm_ref",
)
# Unique among a council's children (the database holds it too).
UNIQUE_IDENTIFIERS = ("council_id", "home_office_ref", "nrm_ref")
MAX_LENGTHS: dict[str, int] = {
    f.name: f.max_length
    for f in Child._meta.concrete_fields
    if f.name in (*CHILD_FIELDS, "child_903_id") and f.max_length
}
CHECK_EVERY = 500  # rows between progress reports


@dataclass
class RegisterRow:
    line: int
    values: dict[str, Any]  # field -> value read, for the cells that are not blank


@dataclass(frozen=True)
class Held:
    """A flag of a child, as the comparison needs it (a new one: with its row of the file)."""

    kind: str
    start_date: dt.date
    end_date: dt.date | None
    line: int = 0


@dataclass
class ChildChange:
    """What the import does to one child of the file."""

    row: RegisterRow
    child: Child
    created: bool
    changes: dict[str, list[Any]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # other names to add
    known_names: list[str] = field(default_factory=list)  # other names it has already
    flags: list[Held] = field(default_factory=list)  # flags to add

    @property
    def anything(self) -> bool:
        return self.created or bool(self.changes or self.names or self.flags)


@dataclass
class Plan:
    organisation: Organisation
    file: str
    rows: int
    versions: dict[str, tuple[int, int]]  # CHILD id -> (child, version) as the plan read them
    children: list[ChildChange] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def still_current(self) -> bool:
        """Whether the file's children are as the plan read them (every write to a child, its
        names and flags included, moves its version on), and none of the new ones has
        appeared meanwhile."""
        return self.versions == _versions(
            self.organisation, {c.row.values["child_903_id"] for c in self.children}
        )


def _versions(organisation: Organisation, ids: set[str]) -> dict[str, tuple[int, int]]:
    return {
        cid: (pk, version)
        for cid, pk, version in Child.objects.filter(responsible_organisation=organisation)
        .exclude(child_903_id="")
        .values_list("child_903_id", "pk", "version")
        if cid in ids
    }


# --- entry points ----------------------------------------------------------------------------


def import_register_file(
    path: Path,
    council_code: str,
    viewer: Viewer | None = None,
    progress: Progress | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportOutcome:
    if not path.is_file():
        raise ValueError(f"{path} is not a file: give the register as a CSV or XLSX file")
    return import_register(path.name, path.read_bytes(), council_code, viewer, progress, mapping)


def import_upload(
    job: ImportJob,
    files: list[tuple[str, bytes]],
    council_code: str,
    viewer: Viewer,
    progress: Progress,
) -> ImportOutcome:
    """A register uploaded on the page (its job: worker/jobs.py), read with the council's
    saved mapping."""
    [(name, raw)] = files
    return import_register(name, raw, council_code, viewer, progress)


def import_register(
    name: str,
    raw: bytes,
    council_code: str,
    viewer: Viewer | None = None,
    progress: Progress | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportOutcome:
    """Import a register file for the council with this GSS code, read with ``mapping``
    (field -> the file's heading), or else the council's saved mapping."""
    organisation = council_for_code(council_code)
    if not organisation.is_responsible_body:
        raise ValueError(
            f"{organisation.name} is not responsible for children: no register to import"
        )
    progress = progress or Progress()
    report = ImportReport()
    progress.step(READING, 0, 1)
    table = read_table(name, raw, report)
    if table is None:
        return ImportOutcome(report)
    headings = saved_mapping(organisation) if mapping is None else mapping
    columns = resolve(name, table.headings, headings, report)
    if report.has_errors:
        return ImportOutcome(report)
    rows = _read_rows(name, table.headings, table.rows, columns, report, progress)
    if report.has_errors:
        return ImportOutcome(report)
    progress.step(COMPARING, 0, 1)
    heading_of = {f: table.headings[i] for f, i in columns.items()}
    as_read = report.copy()  # the report before the comparison, for a second one
    work = plan(organisation, name, rows, heading_of, report)
    if report.has_errors:
        return ImportOutcome(report)
    progress.step(WRITING)
    with transaction.atomic():
        if not work.still_current():
            # Someone changed one of the file's children since the plan was read: planned
            # again, inside the transaction, where nothing can change under it.
            report = as_read.copy()
            work = plan(organisation, name, rows, heading_of, report)
            if report.has_errors:
                return ImportOutcome(report)
        return _write(work, report, viewer or Viewer.system(IMPORTER), progress)


# --- reading the rows ------------------------------------------------------------------------


def _read_rows(
    file: str,
    headings: list[str],
    table_rows: list[tuple[int, list]],
    columns: dict[str, int],
    report: ImportReport,
    progress: Progress,
) -> list[RegisterRow]:
    """Every cell read (each problem reported with its row and column), each row's required
    cells there, and each CHILD id once in the file."""
    rows: list[RegisterRow] = []
    first_line: dict[str, int] = {}
    total = len(table_rows)
    for done, (line, cells) in enumerate(table_rows):
        if done % CHECK_EVERY == 0:
            progress.step(CHECKING, done, total)
        values: dict[str, Any] = {}
        unreadable = set()
        for name, index in columns.items():
            cell = cells[index] if index < len(cells) else ""
            if isinstance(cell, str) and not cell.strip():
                continue
            value: Any
            try:
                value = READERS[name](cell)
            except Unreadable as error:
                report.error(file, line, headings[index], text(cell), error.rule, error.fix)
                unreadable.add(name)
                continue
            longest = MAX_LENGTHS.get(name)
            if longest and len(value) > longest:
                report.error(
                    file,
                    line,
                    headings[index],
                    value,
                    f"{BY_NAME[name].label} is {len(value)} characters long; Visible keeps at most {longest}",
                    "Check that the column holds what it should, and shorten the value",
                )
                unreadable.add(name)
                continue
            values[name] = value
        for required in REQUIRED:
            if required.name not in values and required.name not in unreadable:
                report.error(
                    file,
                    line,
                    headings[columns[required.name]],
                    "",
                    f"{required.label} is blank",
                    f"Every row needs {required.label}: fill it in, or take the row out",
                )
        cid = values.get("child_903_id")
        if cid:
            if cid in first_line:
                report.error(
                    file,
                    line,
                    headings[columns["child_903_id"]],
                    cid,
                    f"The same SSDA903 CHILD id is on row {first_line[cid]}",
                    "Give each child one row: join the two rows, or correct the identifier",
                )
            else:
                first_line[cid] = line
        rows.append(RegisterRow(line, values))
    progress.step(CHECKING, total, total)
    return rows


# --- comparing with the register -------------------------------------------------------------


def _shown(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return text(value)


def _not_known(name: str, value: Any) -> bool:
    """A value saying nothing is known, which never replaces one that is."""
    return (
        (name == "sex" and value == Sex.UNKNOWN)
        or (name == "gender" and value == Gender.NOT_KNOWN)
        or (name == "nationality" and value == UNKNOWN)
    )


def plan(
    organisation: Organisation,
    file: str,
    rows: list[RegisterRow],
    heading_of: dict[str, str],
    report: ImportReport,
) -> Plan:
    """What the file changes on the register: children to add, and to change, their other
    names and flags to add; every clash with the register is an error in ``report``."""
    today = timezone.localdate()
    ids = {r.values["child_903_id"] for r in rows}
    register = list(Child.objects.filter(responsible_organisation=organisation))
    existing = {c.child_903_id: c for c in register if c.child_903_id in ids}
    work = Plan(
        organisation,
        file,
        len(rows),
        {cid: (c.pk, c.version) for cid, c in existing.items()},
    )
    names = defaultdict(list)
    for child_id, other in ChildName.objects.filter(
        child__responsible_organisation=organisation
    ).values_list("child_id", "name"):
        names[child_id].append(other)
    flags = defaultdict(list)
    for child_id, kind, start, end in Flag.objects.filter(
        child__responsible_organisation=organisation
    ).values_list("child_id", "kind", "start_date", "end_date"):
        flags[child_id].append(Held(kind, start, end))

    def column(name: str) -> str:
        return heading_of.get(name) or BY_NAME[name].label

    for row in rows:
        v = row.values
        child = existing.get(v["child_903_id"])
        created = child is None
        if child is None:
            if "looked_after_from" not in v:
                report.error(
                    file,
                    row.line,
                    column("looked_after_from"),
                    "",
                    "The child is not on the register yet, and a new child needs the date they "
                    "became looked after",
                    "Give the date in the column for Date became looked after, or import the "
                    "SSDA903 return first (it adds the child), or check the SSDA903 CHILD id",
                )
                continue
            child = Child(
                responsible_organisation=organisation,
                child_903_id=v["child_903_id"],
                dob_basis=DobBasis.CLAIMED,
                sex=Sex.UNKNOWN,
                gender=Gender.NOT_KNOWN,
                nationality=UNKNOWN,
                given_names="",
                version=1,
            )
            before: dict[str, Any] = {}
        else:
            before = {f: getattr(child, f) for f in CHILD_FIELDS}
        for name in CHILD_FIELDS:
            if name in v and not (_not_known(name, v[name]) and getattr(child, name, None)):
                setattr(child, name, list(v[name]) if name == "other_languages" else v[name])
        if "gender" not in v or v["gender"] == Gender.NOT_KNOWN:
            # Boy or girl from the sex where the gender is not known, as from the SSDA903 SEX.
            _, child.gender = sex_and_gender_from_return(child.sex, child.gender, child.sex)
        change = ChildChange(row, child, created, known_names=names[child.pk] if child.pk else [])
        after = {f: getattr(child, f) for f in CHILD_FIELDS}
        change.changes = {
            f: [plain_value(before.get(f)) if not created else None, plain_value(after[f])]
            for f in CHILD_FIELDS
            if (created and after[f] not in ("", None, [], False))
            or (not created and before[f] != after[f])
        }
        if created or change.changes:
            problems = Problems()
            check_child_details(problems, after, today)
            for name, messages in problems.errors.items():
                for message in messages:
                    report.error(
                        file,
                        row.line,
                        column(name),
                        _shown(v.get(name)),
                        message.replace("choose from the list", "correct it in the file"),
                        "Correct the value in the file (the register's other records of the "
                        "child are checked with it)",
                    )
        # Other names: added when the child has no such name yet.
        known = {n.casefold() for n in change.known_names}
        known |= {child.given_names.casefold(), child.full_name.casefold()}
        for other in v.get("other_names", []):
            if other.casefold() not in known:
                known.add(other.casefold())
                change.names.append(other)
        # Flags: added when none of the kind is open or was in force on the date.
        held = list(flags[child.pk]) if child.pk else []
        for kind, day in v.get("flags", []):
            where = column("flags")
            if day > today:
                report.error(
                    file,
                    row.line,
                    where,
                    f"{kind}:{day:%d/%m/%Y}",
                    "The flag's date is in the future",
                    "Give the date the flag applies from, today or before",
                )
                continue
            if day < child.date_of_birth:
                report.error(
                    file,
                    row.line,
                    where,
                    f"{kind}:{day:%d/%m/%Y}",
                    f"The flag's date is before the child's date of birth ({child.date_of_birth:%d/%m/%Y})",
                    "Check the date",
                )
                continue
            same = [f for f in held if f.kind == kind]
            if any(f.start_date <= day and (f.end_date is None or f.end_date >= day) for f in same):
                work.counts["flags_unchanged"] += 1
                continue
            if any(f.start_date > day for f in same):
                report.warning(
                    file,
                    row.line,
                    where,
                    f"{kind}:{day:%d/%m/%Y}",
                    "A later flag of this kind is already on the register: not added",
                    "Check the child's flags in Visible if the file's date marks a separate period",
                )
                work.counts["flags_unchanged"] += 1
                continue
            held.append(Held(kind, day, None))
            change.flags.append(Held(kind, day, None, row.line))
        work.children.append(change)
        if created:
            work.counts["children_created"] += 1
        elif change.anything:
            work.counts["children_changed"] += 1
        else:
            work.counts["children_unchanged"] += 1
        work.counts["names_added"] += len(change.names)
        work.counts["flags_created"] += len(change.flags)
    _check_identifiers(work, register, ids, column, report)
    return work


def _check_identifiers(
    work: Plan, register: list[Child], ids: set[str], column, report: ImportReport
) -> None:
    """No two of the council's children with one council case ID, Home Office or NRM
    reference, as the register will be: the file's children as it leaves them, the others as
    they are."""
    labels = {n: BY_NAME[n].label for n in UNIQUE_IDENTIFIERS}
    for name in UNIQUE_IDENTIFIERS:
        holders: dict[str, str] = {}
        for other in register:
            value = getattr(other, name)
            if value and other.child_903_id not in ids:
                holders[value] = (
                    f"another child on the register ({other.child_903_id and 'SSDA903 CHILD id ' + other.child_903_id or 'no SSDA903 CHILD id'})"
                )
        for change in work.children:
            value = getattr(change.child, name)
            if not value:
                continue
            if value in holders:
                report.error(
                    work.file,
                    change.row.line,
                    column(name),
                    value,
                    f"{labels[name]} {value} is also held by {holders[value]}",
                    "Check the number: a council's children each have their own",
                )
            else:
                holders[value] = f"the child on row {change.row.line}"


# --- writing ---------------------------------------------------------------------------------


def _write(work: Plan, report: ImportReport, actor: Viewer, progress: Progress) -> ImportOutcome:
    """Everything the plan says, in the caller's transaction, with the audit events."""
    now = timezone.now()
    changed = [c for c in work.children if c.anything]
    fields: set[str] = set()
    for change in changed:
        child = change.child
        if not change.created:
            child.version += 1
            child.updated_at = now
            fields.update(change.changes)
        child.search_text = search_text_for(
            [
                child.given_names,
                child.family_name,
                child.preferred_name,
                *change.known_names,
                *change.names,
            ]
        )
    created = [c.child for c in changed if c.created]
    for child, pk in zip(created, reserve_ids(Child, len(created)), strict=True):
        child.pk = child.id = pk
    # Written with visible.db.bulk, as the SSDA903 import's rows are: bulk_create and
    # bulk_update spent most of a 10,000-row import turning objects into SQL.
    BulkTable(Child, now, with_id=True, repeats=True).insert([_row(c) for c in created])
    _update(
        [c.child for c in changed if not c.created],
        [f for f in CHILD_FIELDS if f in fields] + ["search_text", "version", "updated_at"],
    )
    BulkTable(ChildName, now, repeats=True).insert(
        [
            {"child_id": c.child.pk, "name": n, "kind": NameKind.ALIAS}
            for c in changed
            for n in c.names
        ]
    )
    evidence = (
        f"Recorded in {work.organisation.name}'s case system (register import of {work.file}, row "
    )
    BulkTable(Flag, now, repeats=True).insert(
        [
            {
                "child_id": change.child.pk,
                "kind": flag.kind,
                "start_date": flag.start_date,
                "evidence": f"{evidence}{flag.line})",
                "source": SOURCE,
                "recorded_by_name": IMPORTER,
                "recorded_at": now,
            }
            for change in changed
            for flag in change.flags
        ]
    )
    record_many(
        actor,
        [_entry(change, work.file) for change in changed],
        writer=write_rows,  # an import's many events: the bulk writer
        sealed=True,
    )
    counts = {
        k: work.counts.get(k, 0)
        for k in (
            "children_created",
            "children_changed",
            "children_unchanged",
            "names_added",
            "flags_created",
            "flags_unchanged",
        )
    }
    what = _summary(counts, work.rows)
    run = ImportRun.objects.create(
        organisation=work.organisation,
        kind=ImportKind.REGISTER,
        imported_by_name=actor.display_name,
        files=[{"name": work.file, "rows": work.rows}],
        counts=counts,
        warnings=[p.rule for p in report.warnings][:1000],
    )
    record_many(
        actor,
        [
            Entry(
                AuditAction.CREATE,
                object_type="importrun",
                object_id=run.pk,
                summary=f"Imported the register for {work.organisation.name} from {work.file}: {what}"[
                    :500
                ],
                detail={"counts": counts, "file": work.file},
            )
        ],
    )
    outcome = ImportOutcome(report, imported=True, counts=counts, run=run, what=what)
    progress.before_commit(outcome)
    return outcome


# A new child's columns (created_at and updated_at: the moment of the write, BulkTable's now).
CHILD_COLUMNS = [
    f.attname for f in Child._meta.concrete_fields if f.attname not in ("created_at", "updated_at")
]


def _row(child: Child) -> dict[str, Any]:
    """A new child as the row BulkTable writes (the photograph's file name: none)."""
    row = {name: getattr(child, name) for name in CHILD_COLUMNS}
    row["photo"] = ""
    return row


def _update(children: list[Child], fields: list[str]) -> None:
    """Write ``fields`` of each child, one prepared UPDATE for them all (executemany), the
    values adapted by the database backend as Django would."""
    if not children:
        return
    ops = connection.ops
    steps = []
    for name in fields:
        model_field: Any = Child._meta.get_field(name)
        kind = model_field.get_internal_type()
        adapt: Any = None
        if kind == "DateField":
            adapt = ops.adapt_datefield_value
        elif kind == "DateTimeField":
            adapt = ops.adapt_datetimefield_value
        elif kind == "JSONField":
            adapt = functools.partial(ops.adapt_json_value, encoder=model_field.encoder)
        steps.append((model_field.attname, model_field.column, adapt))
    table = ops.quote_name(Child._meta.db_table)
    columns = ", ".join(f"{ops.quote_name(column)} = %s" for _, column, _ in steps)
    sql = f"UPDATE {table} SET {columns} WHERE {ops.quote_name('id')} = %s"
    values = [
        (
            *(
                value if adapt is None or value is None else adapt(value)
                for value, adapt in (
                    (getattr(child, attname), adapt) for attname, _, adapt in steps
                )
            ),
            child.pk,
        )
        for child in children
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, values[start : start + 5000])


def _entry(change: ChildChange, file: str) -> Entry:
    child = change.child
    parts = (
        sorted(change.changes)
        + (["other names"] if change.names else [])
        + (["flags"] if change.flags else [])
    )
    return Entry(
        AuditAction.CREATE if change.created else AuditAction.CHANGE,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        summary=(
            f"Added {child.full_name} from the register import ({file})"
            if change.created
            else f"Updated from the register import ({file}): {', '.join(parts)}"
        ),
        detail={
            "record": "child",
            "source": f"{SOURCE} {file}",
            "row": change.row.line,
            "changes": change.changes,
            **({"other_names": change.names} if change.names else {}),
            **(
                {"flags": [[f.kind, f.start_date.isoformat()] for f in change.flags]}
                if change.flags
                else {}
            ),
        },
    )


def _summary(counts: dict[str, int], rows: int) -> str:
    if not (
        counts["children_created"]
        or counts["children_changed"]
        or counts["names_added"]
        or counts["flags_created"]
    ):
        return (
            f"Nothing changed: the register already holds everything in the file "
            f"({rows:,} child{'ren' if rows != 1 else ''})."
        )
    return (
        f"Imported: {counts['children_created']:,} children added, {counts['children_changed']:,} "
        f"changed, {counts['children_unchanged']:,} unchanged; {counts['names_added']:,} other "
        f"names added; {counts['flags_created']:,} flags added, {counts['flags_unchanged']:,} "
        "already on the register."
    )
