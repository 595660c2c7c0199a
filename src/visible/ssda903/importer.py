"""`visible import 903`: an SSDA903 return into the register, all or nothing.

1. Read the files (reader.py) and check every row against the collection year's code lists and
   the return's own rules (dates real, episodes and missing periods not overlapping, every
   child in the Header). Any error: nothing is written, and the report lists them all.
2. Compare the return with the register (writing.py), still outside any transaction: create or
   update the children (CHILD is the child's SSDA903 identifier within the authority), their
   placements (one per episode; episodes that change only the legal status are one
   placement), the UASC flag (from the UASC table and DUC), and missing and away episodes;
   keep the columns the register has no field for (models.py) and the tables it does not
   read. A clash with the register is an error, and nothing is written.
3. Otherwise, in one short transaction: check that the register is as the comparison read it
   (else compare again), write it all and the audit events, one for the run and one per child
   changed, in bulk.

The same files twice change nothing: each record is matched to what is there (a child by
CHILD, a placement by its start date, a missing period by the day it began) and only
differences are written. Missing periods imported from a return are history: they are not
graded and raise no alerts (the sweep is not run): see docs/ssda903.md.

An import tells how it is going through a `Progress` (progress.py): the command line prints
it, an upload's job writes it where its page reads it (imports.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from visible.agencies.models import Organisation
from visible.agencies.viewer import Viewer
from visible.dates import collection_period, collection_year, eighteenth_birthday_dfe
from visible.reference.codes import (
    LEGAL_STATUSES,
    MISSING_KINDS,
    PLACEMENT_TYPES,
    SEX_CODES,
    year_label,
)

from .export import check_year, council_for_code, place_code_in
from .formats import parse_date
from .models import EpisodeDetail, ImportRun, ReturnDetail
from .nations import outside_england
from .progress import CHECKING, COMPARING, READING, WRITING, Progress
from .reader import ReturnFiles, read_files, too_large
from .report import ImportReport
from .writing import IMPORTER, PLANS_OUTSIDE, ChildRows, Plan, plan, write

logger = logging.getLogger("visible.ssda903")

SEX_FROM_OLD_CODES = {"1": "M", "2": "F"}
CHILD_ID_LENGTH = 10
CHECKED_EVERY = 5000  # rows between two progress reports while checking
COMPARING_PARTS = 5  # children, details, placements, UASC flags, missing episodes


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
    directory: Path,
    year: int,
    authority_code: str,
    viewer: Viewer | None = None,
    progress: Progress | None = None,
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
    return import_return(
        [(p.name, p.read_bytes()) for p in paths], year, authority_code, viewer, progress
    )


def import_return(
    files: list[tuple[str, bytes]],
    year: int,
    authority_code: str,
    viewer: Viewer | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    # Python's cycle collector would walk the hundreds of thousands of rows held in memory
    # again and again as they are made (a quarter of the import's time for 250,000 rows); they
    # hold no cycles, so it waits until the import is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import_return(files, year, authority_code, viewer, progress or Progress())
    finally:
        if collecting:
            gc.enable()


def _import_return(
    files: list[tuple[str, bytes]],
    year: int,
    authority_code: str,
    viewer: Viewer | None,
    progress: Progress,
) -> ImportOutcome:
    check_year(year)
    organisation = council_for_code(authority_code)
    report = ImportReport()
    refused = outside_england(organisation.authority)
    if refused is not None:  # before a byte of the files is read
        report.error("", None, "", authority_code, *refused)
        return ImportOutcome(report)
    progress.step(READING, 0, len(files))
    found = read_files(files, report)
    # rows that could not be read do not stop the checks of the rest (each is an error of its
    # own, and a child's other rows point at its refused Header row); anything else does
    if report.has_errors and len(report.errors) > found.rows_refused:
        return ImportOutcome(report)
    parsed = _check(found, year, report, progress)
    if report.has_errors:
        return ImportOutcome(report)
    viewer = viewer or Viewer.system(IMPORTER)
    for attempt in range(PLANS_OUTSIDE):
        outcome = _plan_then_write(
            parsed, found, organisation, year, viewer, report.copy(), progress
        )
        if outcome is not None:
            return outcome
        logger.info(
            "The register changed while the SSDA903 return of %s was compared with it "
            "(try %d): comparing again",
            organisation.name,
            attempt + 1,
        )
    return _plan_and_write_at_once(parsed, found, organisation, year, viewer, report, progress)


class _RollBack(Exception):
    pass


class _Changed(Exception):
    """The register changed between the comparison and the write: nothing was written."""


def _comparing(progress: Progress):
    return lambda part: progress.step(COMPARING, part - 1, COMPARING_PARTS)


def _plan_then_write(
    parsed: dict[str, ChildRows],
    found: ReturnFiles,
    organisation: Organisation,
    year: int,
    viewer: Viewer,
    report: ImportReport,
    progress: Progress,
) -> ImportOutcome | None:
    """Compare and stage outside any transaction, then write in a short one: the outcome, or
    None if the register changed in between (nothing was written)."""
    work = plan(parsed, found, organisation, year, report, _comparing(progress))
    try:
        if report.has_errors:
            return ImportOutcome(report)
        work.stage()
        progress.step(WRITING)
        with transaction.atomic():
            if not work.unchanged():
                raise _Changed
            outcome = _written(work, found, viewer, report)
            progress.before_commit(outcome)
    except _Changed:
        return None
    finally:
        work.discard()
    return outcome


def _plan_and_write_at_once(
    parsed: dict[str, ChildRows],
    found: ReturnFiles,
    organisation: Organisation,
    year: int,
    viewer: Viewer,
    report: ImportReport,
    progress: Progress,
) -> ImportOutcome:
    """The register kept changing: compare and write in one transaction, which nothing can
    change under (it holds the write lock longer)."""
    work: Plan | None = None
    try:
        with transaction.atomic():
            work = plan(parsed, found, organisation, year, report, _comparing(progress))
            if report.has_errors:
                raise _RollBack
            progress.step(WRITING)
            outcome = _written(work, found, viewer, report)
            progress.before_commit(outcome)
    except _RollBack:
        return ImportOutcome(report)
    finally:
        if work is not None:
            work.discard()
    return outcome


def _written(work: Plan, found: ReturnFiles, viewer: Viewer, report: ImportReport) -> ImportOutcome:
    run = write(work, found, viewer)
    return ImportOutcome(report, imported=True, counts=dict(work.counts), run=run)


# --- checking ------------------------------------------------------------------------------


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


def _check(
    found: ReturnFiles, year: int, report: ImportReport, progress: Progress
) -> dict[str, ChildRows]:
    start, end = collection_period(year)
    tables = ("Header", "Episodes", "UASC", "Missing")
    total = sum(len(found.rows(t)) for t in tables)
    before = {t: sum(len(found.rows(u)) for u in tables[: tables.index(t)]) for t in tables}

    def checking(table: str, i: int) -> None:
        if not i % CHECKED_EVERY:
            progress.step(CHECKING, before[table] + i, total)

    label = year_label(year)
    children: dict[str, ChildRows] = {}
    file = found.file("Header")
    # Header rows refused before their CHILD could be taken (a row that could not be read, a
    # CHILD too long): the child's rows in the other tables are not checked, and the report
    # says so once per child, pointing at the row to put right (not "not in the Header" on
    # every row of the child, which is there)
    refused_headers: dict[str, int] = (
        dict(found.tables["Header"].refused) if "Header" in found.tables else {}
    )
    told: set[str] = set()
    valid_sex = [c.code for c in SEX_CODES.valid_in(year)]
    for i, (line, row) in enumerate(found.rows("Header")):
        checking("Header", i)
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
            refused_headers.setdefault(child_id, line)
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
        if dob is None or sex not in valid_sex or _too_wide(report, file, line, row, HEADER_WIDTHS):
            # known, but not importable: the Header's own error names the row, and the child's
            # rows in the other tables are not checked against it (nor reported again)
            children[child_id] = None  # type: ignore[assignment]
            continue
        children[child_id] = ChildRows(line, child_id, SEX_FROM_OLD_CODES.get(sex, sex), dob, row)

    def owner(table: str, line: int, child_id: str) -> ChildRows | None:
        if children.get(child_id) is not None:
            return children[child_id]
        if child_id in refused_headers:
            if child_id not in told:  # once per child, however many rows it has
                told.add(child_id)
                report.error(
                    found.file(table),
                    line,
                    "CHILD",
                    f"{child_id} (Header row {refused_headers[child_id]})",
                    "The child's Header row has errors: see that row",
                    f"Put the child's Header row right ({found.file('Header')}, the row named); "
                    "the child's rows in the other tables are checked once it is",
                )
            return None
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
    for i, (line, row) in enumerate(found.rows("Episodes")):
        checking("Episodes", i)
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
    for i, (line, row) in enumerate(found.rows("UASC")):
        checking("UASC", i)
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
    for i, (line, row) in enumerate(found.rows("Missing")):
        checking("Missing", i)
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

    progress.step(CHECKING, total, total)
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
