"""`visible import 903`: an SSDA903 return into the register, all or nothing.

1. Read the files (reader.py) and check every row against the collection year's code lists and
   the return's own rules (dates real, episodes and missing periods not overlapping, every
   child in the Header). Any error: nothing is written, and the report lists them all.
2. Otherwise, in one transaction: create or update the children (CHILD is the child's SSDA903
   identifier within the authority), their placements (one per episode; episodes that change
   only the legal status are one placement), the UASC flag (from the UASC table and DUC), and
   missing and away episodes; keep the columns the register has no field for (models.py) and
   the tables it does not read; and write the audit events, one for the run and one per child
   changed, in bulk.

The same files twice change nothing: each record is matched to what is there (a child by
CHILD, a placement by its start date, a missing period by the day it began) and only
differences are written. Missing periods imported from a return are history: they are not
graded and raise no alerts (the sweep is not run): see docs/ssda903.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.audit.log import Entry, record_many, write_rows
from visible.audit.models import AuditAction
from visible.children.models import Child, DobBasis, Flag, FlagKind, Gender, Placement
from visible.dates import (
    UK_TIME,
    collection_period,
    collection_year,
    eighteenth_birthday_dfe,
    uk_date,
)
from visible.db.bulk import BulkTable, reserve_ids
from visible.missing.models import Episode, ReporterRole
from visible.reference.codes import (
    LEGAL_STATUSES,
    MISSING_KINDS,
    PLACEMENT_TYPES,
    SEX_CODES,
    year_label,
)

from .export import check_year, council_for_code, place_code_in
from .formats import parse_date
from .models import EpisodeDetail, ImportKind, ImportRun, KeptFile, ReturnDetail
from .reader import ReturnFiles, read_files, too_large
from .report import ImportReport

IMPORTER = "SSDA903 import"
NAME_NOT_IN_RETURN = "(name not in the return)"
NOT_RECORDED = "Not recorded in the SSDA903 return"
SEX_FROM_OLD_CODES = {"1": "M", "2": "F"}
CHILD_ID_LENGTH = 10


@dataclass
class ImportOutcome:
    report: ImportReport
    imported: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    run: ImportRun | None = None
    what: str = ""  # the summary's wording, when it is not a 903 return's

    def summary(self) -> str:
        if self.what:
            return self.what
        c = self.counts
        return (
            f"Imported: {c.get('children_created', 0):,} children added, {c.get('children_changed', 0):,} changed, "
            f"{c.get('children_unchanged', 0):,} unchanged; {c.get('placements_created', 0):,} placements added, "
            f"{c.get('placements_changed', 0):,} changed; {c.get('uasc_flags_created', 0):,} UASC flags added, "
            f"{c.get('uasc_flags_ended', 0):,} ended; {c.get('episodes_created', 0):,} missing or away episodes added, "
            f"{c.get('episodes_closed', 0):,} closed."
        )


def import_return_folder(
    directory: Path, year: int, authority_code: str, viewer: Viewer | None = None
) -> ImportOutcome:
    if not directory.is_dir():
        raise ValueError(f"{directory} is not a folder: give the folder holding the return's files")
    paths = [
        p
        for p in sorted(directory.iterdir())
        if p.is_file() and p.suffix.lower() in (".csv", ".xml", ".txt")
    ]
    report = ImportReport()
    if too_large([(p.name, p.stat().st_size) for p in paths], report):  # before a byte is read
        return ImportOutcome(report)
    return import_return([(p.name, p.read_bytes()) for p in paths], year, authority_code, viewer)


def import_return(
    files: list[tuple[str, bytes]], year: int, authority_code: str, viewer: Viewer | None = None
) -> ImportOutcome:
    # Python's cycle collector would walk the hundreds of thousands of rows held in memory
    # again and again as they are made (a quarter of the import's time for 250,000 rows); they
    # hold no cycles, so it waits until the import is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import_return(files, year, authority_code, viewer)
    finally:
        if collecting:
            gc.enable()


def _import_return(
    files: list[tuple[str, bytes]], year: int, authority_code: str, viewer: Viewer | None
) -> ImportOutcome:
    check_year(year)
    organisation = council_for_code(authority_code)
    report = ImportReport()
    found = read_files(files, report)
    if report.has_errors:
        return ImportOutcome(report)
    parsed = _check(found, year, report)
    if report.has_errors:
        return ImportOutcome(report)
    try:
        with transaction.atomic():
            counts, run = _apply(
                parsed, found, organisation, year, viewer or Viewer.system(IMPORTER), report
            )
            if report.has_errors:
                raise _RollBack
    except _RollBack:
        return ImportOutcome(report)
    return ImportOutcome(report, imported=True, counts=counts, run=run)


class _RollBack(Exception):
    pass


# --- checking ------------------------------------------------------------------------------


@dataclass
class ChildRows:
    line: int
    child_id: str
    sex: str
    dob: dt.date
    header: dict[str, str]
    episodes: list[tuple[int, dict, dt.date, dt.date | None]] = field(default_factory=list)
    uasc: tuple[int, dt.date | None] | None = None
    missing: list[tuple[int, str, dt.date, dt.date | None]] = field(default_factory=list)


def _date(
    report: ImportReport, file: str, line: int, column: str, value: str, required: bool
) -> dt.date | None:
    if value == "":
        if required:
            report.error(
                file,
                line,
                column,
                value,
                f"{column} is blank",
                "Enter the date as dd/mm/yyyy, e.g. 01/04/2025",
            )
        return None
    day = parse_date(value)
    if day is None:
        report.error(
            file,
            line,
            column,
            value,
            "Not a date in the form dd/mm/yyyy",
            "Enter a real date as dd/mm/yyyy, e.g. 01/04/2025 (day first; four-digit year)",
        )
    return day


# The columns kept as they came (models.py) and the most characters each may hold: a longer
# value is no SSDA903 code, and PostgreSQL would refuse to store it (SQLite would keep it).
HEADER_WIDTHS = {
    column: ReturnDetail._meta.get_field(name).max_length
    for column, name in (("ETHNIC", "ethnic"), ("UPN", "upn"), ("MOTHER", "mother"))
}
EPISODE_WIDTHS = {
    column: EpisodeDetail._meta.get_field(name).max_length
    for column, name in (
        ("RNE", "rne"),
        ("CIN", "cin"),
        ("PLACE_PROVIDER", "place_provider"),
        ("REASON_PLACE_CHANGE", "reason_place_change"),
        ("URN", "urn"),
    )
}
EPISODE_WIDTHS["HOME_POST"] = ReturnDetail._meta.get_field("home_postcode").max_length


def _too_wide(
    report: ImportReport, file: str, line: int, row: dict[str, str], widths: dict[str, int]
) -> bool:
    wide = False
    for column, width in widths.items():
        if len(row[column]) > width:
            report.error(
                file,
                line,
                column,
                row[column],
                f"{column} is longer than {width} character{'s' if width > 1 else ''}",
                f"Give {column} as the return's code for it (at most {width} character{'s' if width > 1 else ''})",
            )
            wide = True
    return wide


def _check(found: ReturnFiles, year: int, report: ImportReport) -> dict[str, ChildRows]:
    start, end = collection_period(year)
    label = year_label(year)
    children: dict[str, ChildRows] = {}
    file = found.file("Header")
    valid_sex = [c.code for c in SEX_CODES.valid_in(year)]
    for line, row in found.rows("Header"):
        child_id = row["CHILD"]
        if not child_id:
            report.error(
                file,
                line,
                "CHILD",
                "",
                "CHILD is blank",
                "Give every child their SSDA903 child identifier",
            )
            continue
        if len(child_id) > CHILD_ID_LENGTH:
            report.error(
                file,
                line,
                "CHILD",
                child_id,
                f"CHILD is longer than {CHILD_ID_LENGTH} characters",
                "Use the child's SSDA903 identifier (up to 10 letters and digits)",
            )
            continue
        if child_id in children:
            report.error(
                file,
                line,
                "CHILD",
                child_id,
                f"The child is in the Header twice (also row {children[child_id].line})",
                "Give each child one Header row",
            )
            continue
        sex = row["SEX"].upper()
        if sex not in valid_sex:
            report.error(
                file,
                line,
                "SEX",
                row["SEX"],
                f"Not a SEX code of {label}",
                f"Use {', '.join(valid_sex)} ({'1 male, 2 female' if year < 2024 else 'M male, F female, U not known'})",
            )
        dob = _date(report, file, line, "DOB", row["DOB"], required=True)
        if dob and dob > end:
            report.error(
                file,
                line,
                "DOB",
                row["DOB"],
                "Date of birth after the end of the collection year",
                f"Check the date of birth: the year ends {end:%d/%m/%Y}",
            )
        if dob is None or sex not in valid_sex:
            children[child_id] = None  # type: ignore[assignment]  # known, but not importable
            continue
        if _too_wide(report, file, line, row, HEADER_WIDTHS):
            children[child_id] = None  # type: ignore[assignment]
            continue
        children[child_id] = ChildRows(line, child_id, SEX_FROM_OLD_CODES.get(sex, sex), dob, row)

    def owner(table: str, line: int, child_id: str) -> ChildRows | None:
        if child_id not in children:
            report.error(
                found.file(table),
                line,
                "CHILD",
                child_id,
                "The child is not in the Header table",
                "Add the child's Header row, or correct CHILD",
            )
            return None
        return children[child_id]

    @functools.cache
    def places_of(in_year: int) -> frozenset[str]:
        return frozenset(c.code for c in PLACEMENT_TYPES.valid_in(in_year))

    file = found.file("Episodes")
    for line, row in found.rows("Episodes"):
        child = owner("Episodes", line, row["CHILD"])
        _too_wide(report, file, line, row, EPISODE_WIDTHS)
        decom = _date(report, file, line, "DECOM", row["DECOM"], required=True)
        dec = _date(report, file, line, "DEC", row["DEC"], required=False)
        code = row["PLACE"].upper()
        if code not in places_of(year) and not (
            decom and code in places_of(collection_year(decom))
        ):
            known = PLACEMENT_TYPES.get(code)
            rule = (
                f"Placement type {code} is not used in {label} (in use {year_label(known.first_year)} to "
                f"{year_label(known.last_year)})"
                if known
                else "Not an SSDA903 placement type (PLACE)"
            )
            successor = place_code_in(code, year)
            report.error(
                file,
                line,
                "PLACE",
                row["PLACE"],
                rule,
                f"Use {successor}, which replaced it"
                if known and successor != code
                else "Use a PLACE code of the year, e.g. U4 foster placement, K2 children's home, K3 supported accommodation",
            )
        if row["LS"] and row["LS"].upper() not in LEGAL_STATUSES:
            report.error(
                file,
                line,
                "LS",
                row["LS"],
                "Not an SSDA903 legal status (LS)",
                "Use an LS code such as C2, V2 or L1",
            )
        if decom and dec and dec < decom:
            report.error(
                file,
                line,
                "DEC",
                row["DEC"],
                f"The episode ends before it began ({row['DECOM']})",
                "Check DECOM and DEC: DEC is the day the episode ceased, on or after DECOM",
            )
        if decom and decom > end:
            report.error(
                file,
                line,
                "DECOM",
                row["DECOM"],
                f"The episode begins after the collection year ({end:%d/%m/%Y})",
                "Leave it for next year's return, or check the date",
            )
        if child and decom and (dec is None or dec >= decom):
            if decom < child.dob:
                report.error(
                    file,
                    line,
                    "DECOM",
                    row["DECOM"],
                    "The episode begins before the child's date of birth",
                    f"Check DECOM and the date of birth ({child.dob:%d/%m/%Y})",
                )
            child.episodes.append((line, row, decom, dec))

    file = found.file("UASC")
    for line, row in found.rows("UASC"):
        child = owner("UASC", line, row["CHILD"])
        duc = _date(report, file, line, "DUC", row["DUC"], required=False)
        if child and duc and duc < child.dob:
            report.error(
                file,
                line,
                "DUC",
                row["DUC"],
                "UASC status ceased before the child's date of birth",
                "Check DUC: it is the date UASC status ceased, usually the 18th birthday",
            )
        # The 18th birthday as the DfE counts it (its rule 304): 28 February, not 1 March, for a
        # child born on 29 February, so a file Visible accepts also passes the DfE's checks.
        elif child and duc and duc > eighteenth_birthday_dfe(child.dob):
            report.error(
                file,
                line,
                "DUC",
                row["DUC"],
                "UASC status ceased after the child's 18th birthday (DfE rule 304)",
                "UASC status ceases at 18 at the latest: use the 18th birthday or an earlier date "
                "(for a child born on 29 February the DfE counts 28 February when the year has "
                "no 29 February)",
            )
        elif child:
            child.uasc = (line, duc)

    file = found.file("Missing")
    for line, row in found.rows("Missing"):
        child = owner("Missing", line, row["CHILD"])
        kind = row["MISSING"].upper()
        if kind not in MISSING_KINDS:
            report.error(
                file,
                line,
                "MISSING",
                row["MISSING"],
                "Not a MISSING code: M (missing) or A (away from placement)",
                "Use M if the child's whereabouts were not known, A if known but away without authorisation "
                "(there is no 'absent' category)",
            )
        began = _date(report, file, line, "MIS_START", row["MIS_START"], required=True)
        ended = _date(report, file, line, "MIS_END", row["MIS_END"], required=False)
        if began and ended and ended < began:
            report.error(
                file,
                line,
                "MIS_END",
                row["MIS_END"],
                f"The period ends before it began ({row['MIS_START']})",
                "Check MIS_START and MIS_END (SSDA903 rule 567)",
            )
            continue
        if began and began > end:
            report.error(
                file,
                line,
                "MIS_START",
                row["MIS_START"],
                f"The period begins after the collection year ({end:%d/%m/%Y})",
                "Leave it for next year's return, or check the date (rule 570)",
            )
        if child and began and began < child.dob:
            report.error(
                file,
                line,
                "MIS_START",
                row["MIS_START"],
                "The period begins before the child's date of birth",
                f"Check MIS_START and the date of birth ({child.dob:%d/%m/%Y}; rule 1004)",
            )
        if child and began and kind in MISSING_KINDS:
            child.missing.append((line, kind, began, ended))

    for child in children.values():
        if child is None:
            continue
        _check_overlaps(child, found, report)
    return {k: v for k, v in children.items() if v is not None}


def _check_overlaps(child: ChildRows, found: ReturnFiles, report: ImportReport) -> None:
    child.episodes.sort(key=lambda e: e[2])
    for (line_a, _, decom_a, dec_a), (line_b, row_b, decom_b, _) in zip(
        child.episodes, child.episodes[1:], strict=False
    ):
        if dec_a is None or decom_b < dec_a:
            report.error(
                found.file("Episodes"),
                line_b,
                "DECOM",
                row_b["DECOM"],
                f"The episode overlaps the child's episode on row {line_a} "
                f"({decom_a:%d/%m/%Y} to {dec_a:%d/%m/%Y})"
                if dec_a
                else f"The episode overlaps the child's episode on row {line_a}, which has no end date (DEC)",
                "An episode begins on or after the day the one before it ceased: check DECOM and DEC",
            )
    child.missing.sort(key=lambda m: m[2])
    for (line_a, _, began_a, ended_a), (line_b, _, began_b, _) in zip(
        child.missing, child.missing[1:], strict=False
    ):
        if ended_a is None or began_b < ended_a:
            report.error(
                found.file("Missing"),
                line_b,
                "MIS_START",
                f"{began_b:%d/%m/%Y}",
                f"The period overlaps the child's period on row {line_a} ({began_a:%d/%m/%Y} to "
                + (f"{ended_a:%d/%m/%Y})" if ended_a else "still open)"),
                "Missing and away periods of a child do not overlap, and one cannot begin while another is "
                "open (SSDA903 rules 574 and 586): correct the dates or merge the two periods",
            )


# --- writing -------------------------------------------------------------------------------


class NewRow(dict):
    """A row to be written in bulk: a dict of field values, read like a model instance (row.pk
    is its id, reserved before it is written)."""

    def __getattr__(self, name: str):
        try:
            return self["id" if name == "pk" else name]
        except KeyError:
            raise AttributeError(name) from None


def _insert(model, rows: list[dict], now: dt.datetime, with_id: bool = False) -> None:
    """Write new rows in bulk (visible.db.bulk: COPY on PostgreSQL; what bulk_create would
    store, without its per-value cost). An import repeats the same few days and one 'now'
    many times: their adapted values are cached."""
    BulkTable(model, now, with_id=with_id, repeats=True).insert(rows)


@functools.lru_cache(maxsize=8192)
def _noon(day: dt.date) -> dt.datetime:
    """The return gives days, not times: an imported period is taken to begin and end at noon."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=UK_TIME).astimezone(dt.UTC)


def _placements_from(child: ChildRows) -> list[dict]:
    """The child's placements, from their episodes: one per episode, except that an episode
    that changes only the legal status (RNE L) continues the placement before it. An episode
    that ceased with X1 ends the day before the next began."""
    placements: list[dict] = []
    for line, row, decom, dec in child.episodes:
        rec = row["REC"].upper()
        end = dec
        if dec is not None and rec == "X1":
            end = dec - dt.timedelta(days=1)
        if placements and row["RNE"].upper() == "L" and placements[-1]["continues"]:
            placements[-1].update(
                end_date=end, continues=rec == "X1", ls=row["LS"].upper(), line=line
            )
            continue
        if end is not None and end < decom:
            continue  # ceased the day it began (X1): the next episode is the placement
        placements.append(
            {
                "line": line,
                "place_code": row["PLACE"].upper(),
                "start_date": decom,
                "end_date": end,
                "postcode": row["PL_POST"].upper(),
                "continues": rec == "X1",
                "ls": row["LS"].upper(),
                "rne": row["RNE"].upper(),
                "cin": row["CIN"].upper(),
                "place_provider": row["PLACE_PROVIDER"].upper(),
                "reason_place_change": row["REASON_PLACE_CHANGE"].upper(),
                "urn": row["URN"].upper(),
                "home": row["HOME_POST"].upper(),
            }
        )
    return placements


def _note(change: dict, what: str, day: dt.date) -> None:
    """What a child's audit event says was added: for a child the import created, how many
    (the event says where they came from); for a child already on the register, which."""
    if change.get("created"):
        change[what] = change.get(what, 0) + 1
    else:
        change.setdefault(what, []).append(day.isoformat())


def _same_code(register: str, file_code: str, year: int) -> bool:
    return register == file_code or place_code_in(register, year) == file_code


def _apply(
    parsed: dict[str, ChildRows],
    found: ReturnFiles,
    organisation: Organisation,
    year: int,
    viewer: Viewer,
    report: ImportReport,
) -> tuple[dict[str, int], ImportRun]:
    today = timezone.localdate()
    now = timezone.now()
    counts: dict[str, int] = defaultdict(int)
    changes: dict[str, dict] = defaultdict(dict)  # per child id: what changed, for its audit event

    # The authority's whole register, filtered here: an IN list of 50,000 identifiers would
    # pass SQLite's limit on parameters.
    existing = {
        c.child_903_id: c
        for c in Child.objects.filter(responsible_organisation=organisation).exclude(
            child_903_id=""
        )
        if c.child_903_id in parsed
    }
    plans = {cid: _placements_from(rows) for cid, rows in parsed.items()}

    # Children
    new_children = []
    for cid, rows in parsed.items():
        plan = plans[cid]
        first = min((p["start_date"] for p in plan), default=None)
        latest_ls = plan[-1]["ls"] if plan else ""
        child = existing.get(cid)
        if child is None:
            if first is None:
                report.warning(
                    found.file("Header"),
                    rows.line,
                    "CHILD",
                    cid,
                    "The child has no episodes in the return: not added",
                    "Nothing to do if the child was not looked after this year",
                )
                continue
            child = NewRow(
                responsible_organisation_id=organisation.pk,
                given_names=NAME_NOT_IN_RETURN,
                date_of_birth=rows.dob,
                dob_basis=DobBasis.CLAIMED,
                sex=rows.sex,
                gender=Gender.NOT_KNOWN,
                nationality="XXX",
                looked_after_from=first,
                legal_status=latest_ls,
                child_903_id=cid,
                photo="",
                search_text="",
            )
            new_children.append(child)
            counts["children_created"] += 1
            changes[cid] = {"created": True}
            continue
        changed = {}
        if child.date_of_birth != rows.dob:
            changed["date_of_birth"] = [child.date_of_birth.isoformat(), rows.dob.isoformat()]
            child.date_of_birth = rows.dob
        if child.sex != rows.sex:
            changed["sex"] = [child.sex, rows.sex]
            child.sex = rows.sex
        if first and first < child.looked_after_from:
            changed["looked_after_from"] = [child.looked_after_from.isoformat(), first.isoformat()]
            child.looked_after_from = first
        if latest_ls and child.legal_status != latest_ls:
            changed["legal_status"] = [child.legal_status, latest_ls]
            child.legal_status = latest_ls
        if changed:
            child.version += 1
            changes[cid] = {"changes": changed}
            counts["children_changed"] += 1
        else:
            counts["children_unchanged"] += 1
    for child, pk in zip(new_children, reserve_ids(Child, len(new_children)), strict=True):
        child["id"] = pk
    _insert(Child, new_children, now, with_id=True)
    changed_children = [c for cid, c in existing.items() if "changes" in changes.get(cid, {})]
    Child.objects.bulk_update(
        changed_children,
        ["date_of_birth", "sex", "looked_after_from", "legal_status", "version"],
        batch_size=2000,
    )
    by_cid = {**existing, **{c.child_903_id: c for c in new_children}}
    ids = [c.pk for c in by_cid.values()]

    _apply_details(parsed, plans, by_cid)
    _apply_placements(plans, by_cid, organisation, year, today, found, report, counts, changes)
    _apply_uasc(parsed, by_cid, year, today, now, found, report, counts, changes)
    _apply_missing(parsed, plans, by_cid, today, now, found, report, counts, changes)
    if report.has_errors:
        return counts, None  # type: ignore[return-value]

    touched = [cid for cid, c in changes.items() if c]
    if touched:
        changed_ids = [by_cid[cid].pk for cid in touched if cid in existing]
        for start in range(0, len(changed_ids), 5000):
            Child.objects.filter(pk__in=changed_ids[start : start + 5000]).update(updated_at=now)
    label = year_label(year)
    # One event per child, through the audit log's one append path; written with its bulk
    # writer, as bulk_create spent more on 50,000 events than the rest of the import together.
    record_many(
        viewer,
        (
            Entry(
                AuditAction.CREATE if changes[cid].get("created") else AuditAction.CHANGE,
                object_type="child",
                object_id=by_cid[cid].pk,
                child_id=by_cid[cid].pk,
                summary=(
                    f"Added from the SSDA903 return {label}"
                    if changes[cid].get("created")
                    else f"Updated from the SSDA903 return {label}: "
                    + ", ".join(
                        sorted(changes[cid].get("changes", {}))
                        + sorted(k for k in changes[cid] if k not in ("changes", "created"))
                    )
                ),
                detail={"record": "child", "source": f"SSDA903 {label}", **changes[cid]},
            )
            for cid in sorted(touched)
        ),
        writer=write_rows,
    )
    run = ImportRun.objects.create(
        organisation=organisation,
        kind=ImportKind.SSDA903,
        collection_year=year,
        imported_by_name=viewer.username,
        files=[
            {"name": t.file, "table": t.name, "rows": len(t.rows), "encoding": t.encoding}
            for t in [*found.tables.values(), *found.kept]
        ],
        counts=dict(counts),
        warnings=[p.rule for p in report.warnings][:1000],
    )
    KeptFile.objects.bulk_create(
        [KeptFile(run=run, name=t.file, table=t.name, content=t.raw) for t in found.kept]
    )
    record_many(
        viewer,
        [
            Entry(
                AuditAction.CREATE,
                object_type="importrun",
                object_id=run.pk,
                summary=f"Imported the SSDA903 return {label} for {organisation.name}: "
                f"{counts['children_created']:,} children added, {counts['children_changed']:,} changed",
                detail={
                    "year": year,
                    "counts": dict(counts),
                    "files": run.files,
                    "children": len(ids),
                },
            )
        ],
    )
    return dict(counts), run


def _apply_details(
    parsed: dict[str, ChildRows], plans: dict[str, list[dict]], by_cid: dict[str, Child]
) -> None:
    """The Header's columns the register has no field for, kept for the next export."""
    organisation_id = next(iter(by_cid.values())).responsible_organisation_id if by_cid else None
    existing = {
        d.child_id: d
        for d in ReturnDetail.objects.filter(child__responsible_organisation_id=organisation_id)
    }
    new, changed = [], []
    for cid, rows in parsed.items():
        child = by_cid.get(cid)
        if child is None:
            continue
        home = next((p["home"] for p in reversed(plans[cid]) if p["home"]), "")
        values = {
            "ethnic": rows.header["ETHNIC"].upper(),
            "upn": rows.header["UPN"].upper(),
            "home_postcode": home,
            "mother": rows.header["MOTHER"],
            "mc_dob": parse_date(rows.header["MC_DOB"]),
        }
        detail = existing.get(child.pk)
        if detail is None:
            new.append({"child_id": child.pk, **values})
        elif any(getattr(detail, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(detail, k, v)
            changed.append(detail)
    _insert(ReturnDetail, new, timezone.now())
    ReturnDetail.objects.bulk_update(
        changed, ["ethnic", "upn", "home_postcode", "mother", "mc_dob"], batch_size=2000
    )


def _overlaps(
    a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None
) -> bool:
    return a_start <= (b_end or dt.date.max) and b_start <= (a_end or dt.date.max)


def _apply_placements(
    plans, by_cid, organisation, year, today, found, report, counts, changes
) -> None:
    register: dict[int, list[Placement]] = defaultdict(list)
    for p in Placement.objects.filter(child__responsible_organisation=organisation).select_related(
        "return_detail"
    ):
        register[p.child_id].append(p)
    # Where a postcode district is, from placements already on the register; else the
    # authority's own area (a warning says how many).
    area = dict(
        Placement.objects.filter(child__responsible_organisation=organisation)
        .exclude(postcode="")
        .values_list("postcode", "authority_id")
    )
    district = {pc.split(" ")[0]: a for pc, a in area.items() if " " in pc}
    new, changed, details_new, details_changed, guessed = [], [], [], [], 0
    file = found.file("Episodes")
    for cid, plan in plans.items():
        child = by_cid.get(cid)
        if child is None:
            continue
        mine = register.get(child.pk, [])
        by_start = {p.start_date: p for p in mine}
        for item in plan:
            end = item["end_date"]
            if end is not None and end > today:
                end = None
            found_placement = by_start.get(item["start_date"])
            extra = {
                k: item[k] for k in ("rne", "cin", "place_provider", "reason_place_change", "urn")
            }
            if found_placement is None:
                clash = mine and next(
                    (
                        p
                        for p in mine
                        if _overlaps(p.start_date, p.end_date, item["start_date"], end)
                    ),
                    None,
                )
                if clash:
                    report.error(
                        file,
                        item["line"],
                        "DECOM",
                        f"{item['start_date']:%d/%m/%Y}",
                        f"The episode overlaps a placement already on the register ({clash.place_code} from "
                        f"{clash.start_date:%d/%m/%Y}"
                        + (
                            f" to {clash.end_date:%d/%m/%Y})" if clash.end_date else ", still open)"
                        ),
                        "Check the dates against the child's record in Visible; end or correct that placement first",
                    )
                    continue
                authority_id = area.get(item["postcode"]) or district.get(
                    item["postcode"].split(" ")[0]
                )
                if authority_id is None:
                    authority_id = organisation.authority_id
                    guessed += 1
                placement = NewRow(
                    child_id=child.pk,
                    place_code=item["place_code"],
                    start_date=item["start_date"],
                    end_date=end,
                    postcode=item["postcode"][:8],
                    authority_id=authority_id,
                )
                new.append(placement)
                details_new.append((placement, extra))
                counts["placements_created"] += 1
                _note(changes[cid], "placements added", item["start_date"])
                continue
            placement = found_placement
            differences = {}
            if not _same_code(placement.place_code, item["place_code"], year):
                differences["place_code"] = [placement.place_code, item["place_code"]]
                placement.place_code = item["place_code"]
            if end is not None and placement.end_date != end:
                differences["end_date"] = [
                    placement.end_date.isoformat() if placement.end_date else None,
                    end.isoformat(),
                ]
                placement.end_date = end
            if item["postcode"] and placement.postcode != item["postcode"][:8]:
                differences["postcode"] = [placement.postcode, item["postcode"][:8]]
                placement.postcode = item["postcode"][:8]
            if differences:
                changed.append(placement)
                counts["placements_changed"] += 1
                changes[cid].setdefault("placements changed", []).append(
                    {"start_date": placement.start_date.isoformat(), **differences}
                )
            detail = (
                getattr(placement, "return_detail", None)
                if hasattr(placement, "return_detail")
                else None
            )
            if detail is None:
                details_new.append((placement, extra))
            elif any(getattr(detail, k) != v for k, v in extra.items()):
                for k, v in extra.items():
                    setattr(detail, k, v)
                details_changed.append(detail)
    if report.has_errors:
        return
    for placement, pk in zip(new, reserve_ids(Placement, len(new)), strict=True):
        placement["id"] = pk
    _insert(Placement, new, timezone.now(), with_id=True)
    Placement.objects.bulk_update(changed, ["place_code", "end_date", "postcode"], batch_size=2000)
    _insert(
        EpisodeDetail,
        [{"placement_id": p.pk, **extra} for p, extra in details_new if any(extra.values())],
        timezone.now(),
    )
    EpisodeDetail.objects.bulk_update(
        details_changed,
        ["rne", "cin", "place_provider", "reason_place_change", "urn"],
        batch_size=2000,
    )
    if guessed:
        report.warning(
            file,
            None,
            "PL_POST",
            "",
            f"{guessed:,} new placements recorded as in the authority's own area",
            "The return gives a postcode, not an authority: check out-of-area placements on the children's records",
        )


def _apply_uasc(parsed, by_cid, year, today, now, found, report, counts, changes) -> None:
    label = year_label(year)
    organisation_id = next(iter(by_cid.values())).responsible_organisation_id if by_cid else None
    open_flags = {
        f.child_id: f
        for f in Flag.objects.filter(
            child__responsible_organisation_id=organisation_id, kind=FlagKind.UASC
        ).order_by("start_date")
    }
    new, ended = [], []
    for cid, rows in parsed.items():
        child = by_cid.get(cid)
        if child is None or rows.uasc is None:
            continue
        line, duc = rows.uasc
        flag = open_flags.get(child.pk)
        ends = duc if duc is not None and duc <= today else None
        if flag is None:
            start = min(child.looked_after_from, today)
            if ends is not None and ends < start:
                start = ends
            new.append(
                dict(
                    child_id=child.pk,
                    kind=FlagKind.UASC,
                    start_date=start,
                    end_date=ends,
                    evidence=f"SSDA903 return {label}: UASC table"
                    + (f", UASC status ceased {duc:%d/%m/%Y}" if duc else ""),
                    source="SSDA903 UASC",
                    recorded_by_name=IMPORTER,
                    recorded_at=now,
                    end_reason="UASC status ceased (SSDA903 DUC)" if ends else "",
                    ended_by_name=IMPORTER if ends else "",
                    ended_at=now if ends else None,
                )
            )
            counts["uasc_flags_created"] += 1
            if changes[cid].get("created"):
                changes[cid]["UASC flag"] = 1
            else:
                changes[cid]["UASC flag"] = [
                    None,
                    f"from {start.isoformat()}" + (f" to {ends.isoformat()}" if ends else ""),
                ]
        elif flag.end_date is None and ends is not None:
            flag.end_date, flag.end_reason, flag.ended_by_name, flag.ended_at = (
                ends,
                "UASC status ceased (SSDA903 DUC)",
                IMPORTER,
                now,
            )
            ended.append(flag)
            counts["uasc_flags_ended"] += 1
            changes[cid]["UASC flag ended"] = [None, ends.isoformat()]
    _insert(Flag, new, now)
    Flag.objects.bulk_update(
        ended, ["end_date", "end_reason", "ended_by_name", "ended_at"], batch_size=2000
    )


def _apply_missing(parsed, plans, by_cid, today, now, found, report, counts, changes) -> None:
    register: dict[int, list[Episode]] = defaultdict(list)
    organisation_id = next(iter(by_cid.values())).responsible_organisation_id if by_cid else None
    for e in Episode.objects.filter(child__responsible_organisation_id=organisation_id):
        register[e.child_id].append(e)
    file = found.file("Missing")
    new, closed = [], []
    for cid, rows in parsed.items():
        child = by_cid.get(cid)
        if child is None or not rows.missing:
            continue
        child_pk = child.pk
        mine = register.get(child_pk, [])
        # A row matches the episode that began the same day, of the same kind (missing or
        # away) first: a child can be away and then missing on one day, and the two must not
        # be taken for each other. Each episode answers one row.
        unmatched = sorted(mine, key=lambda e: (e.last_seen_at, e.pk))
        # The days an episode of the return ceased, with when it began: the return ends a
        # missing period when care ends or the placement the child went missing from ends.
        ceased = [(decom, dec) for _, _, decom, dec in rows.episodes if dec is not None]
        for line, kind, began, ended in rows.missing:
            if ended is not None and ended > today:
                ended = None
            episode = _same_day_episode(unmatched, began, kind)
            if episode is not None:
                unmatched.remove(episode)
            if episode is None:
                clash = mine and next(
                    (
                        e
                        for e in mine
                        if _overlaps(
                            uk_date(e.last_seen_at),
                            uk_date(e.returned_at) if e.returned_at else None,
                            began,
                            ended,
                        )
                    ),
                    None,
                )
                if clash:
                    report.error(
                        file,
                        line,
                        "MIS_START",
                        f"{began:%d/%m/%Y}",
                        "The period overlaps a missing or away episode already on the register (from "
                        f"{clash.last_seen_at.astimezone(UK_TIME):%d/%m/%Y})",
                        "Check the dates against the child's record in Visible (SSDA903 rule 574)",
                    )
                    continue
                new.append(
                    dict(
                        child_id=child_pk,
                        category=kind,
                        last_seen_at=_noon(began),
                        last_seen_place=NOT_RECORDED,
                        reported_by_name=IMPORTER,
                        reported_by_role=ReporterRole.OTHER,
                        reported_at=now,
                        returned_at=_noon(ended) if ended else None,
                    )
                )
                counts["episodes_created"] += 1
                _note(changes[cid], "missing or away episodes added", began)
                continue
            if episode.returned_at is None and ended is not None:
                if any(dec == ended and decom <= began for decom, dec in ceased):
                    # The return closes a period when care or the placement ends; Visible keeps
                    # a young person who turned 18 while missing as missing (rulebook section 2).
                    report.warning(
                        file,
                        line,
                        "MIS_END",
                        f"{ended:%d/%m/%Y}",
                        "Kept open: the period ends the day the episode of care ended",
                        "Record the return on the episode in Visible when the child is found",
                    )
                    continue
                episode.returned_at = max(_noon(ended), episode.last_seen_at)
                closed.append(episode)
                counts["episodes_closed"] += 1
                changes[cid].setdefault("missing or away episodes closed", []).append(
                    began.isoformat()
                )
    if report.has_errors:
        return
    _insert(Episode, new, now)
    Episode.objects.bulk_update(closed, ["returned_at"], batch_size=2000)


def _same_day_episode(episodes: list[Episode], began: dt.date, kind: str) -> Episode | None:
    """The episode on the register that a return's row beginning on `began` describes: one
    that began that day (London time) of the same kind, else one that began that day."""
    same_day = [e for e in episodes if uk_date(e.last_seen_at) == began]
    return next((e for e in same_day if e.category == kind), same_day[0] if same_day else None)
