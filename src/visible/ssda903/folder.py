"""A national folder of SSDA903 returns: `visible import 903 FOLDER --year Y` with no
`--authority`, and `visible export 903 --all --year Y FOLDER`, which writes one.

A national folder holds one sub-folder per authority, each holding that authority's return
(the CSV files or the one XML file, as for a single import). Which authority a sub-folder is
comes from its name, the authority's GSS code (`E09000008/`), or from a manifest,
`manifest.csv` in the folder, with the columns `folder` and `gss`: then the manifest alone says
what is imported (docs/ssda903.md, "A national folder").

Everything is done in one process: the folder is read and every authority looked up (one query)
before the first return is imported; then each authority's return is imported by the same
function as a single import (importer.import_return_folder), all or nothing **for that
authority**: a return with an error changes nothing for its authority, and the next authority
is imported as usual. Problems that concern the folder as a whole (a bad manifest, an
`--authority` given with it, a year Visible has no code lists for) stop the run before
anything is imported.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from visible.agencies.models import Organisation, OrganisationKind
from visible.agencies.viewer import Viewer
from visible.reference.codes import year_label
from visible.reference.models import Authority
from visible.spreadsheets import csv_writer

from .export import build_return, check_year, write_return
from .formats import decode
from .importer import ImportOutcome, import_return_folder
from .nations import outside_england
from .report import CSV_COLUMNS, ImportReport

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ("folder", "gss")
RETURN_SUFFIXES = (".csv", ".xml", ".txt")  # the files a single import reads (importer.py)
# A GSS code: a letter for the nation and eight digits (E09000008 is Croydon).
GSS_CODE = re.compile(r"[A-Z][0-9]{8}")
SET_UP_FIX = (
    "Set the council up on Visible first (docs/deployment.md, 'The first administrator'), "
    "or leave its folder out of the national folder"
)
EXIT_IMPORTED, EXIT_REFUSED = 0, 1


class FolderRefused(ValueError):
    """The national folder as a whole cannot be imported (nothing has been): every problem
    found, each with where it is (the manifest's row and column) and how to put it right.
    The command line reports it as a usage error (exit code 2)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --- what the folder holds ------------------------------------------------------------------


@dataclass
class AuthorityFolder:
    """One authority's return in a national folder."""

    folder: Path
    label: str  # the sub-folder as the user named it: relative to the national folder
    code: str  # the GSS code, upper case
    where: str  # how the code was given: "folder E09000008/" or "manifest.csv row 3"
    authority: Authority | None = None
    organisation: Organisation | None = None
    refusal: tuple[str, str] | None = None  # (what is wrong, how to fix it), found before import

    @property
    def name(self) -> str:
        return self.authority.name if self.authority is not None else ""


def is_national_folder(directory: Path) -> bool:
    """A national folder has a manifest, or holds sub-folders and no return files of its own."""
    if (directory / MANIFEST).is_file():
        return True
    entries = [p for p in directory.iterdir() if not p.name.startswith(".")]
    # A note beside the sub-folders (README.txt) does not make it one return: .csv and .xml do.
    return any(p.is_dir() for p in entries) and not _return_files(directory, (".csv", ".xml"))


def _return_files(directory: Path, suffixes: tuple[str, ...] = RETURN_SUFFIXES) -> list[Path]:
    return [
        p
        for p in sorted(directory.iterdir())
        if p.is_file() and p.suffix.lower() in suffixes and p.name.lower() != MANIFEST
    ]


def find_returns(directory: Path) -> tuple[list[AuthorityFolder], list[str]]:
    """The authorities' returns in a national folder, each looked up (all in one query) and
    checked before anything is imported; and notes for the user (sub-folders a manifest
    leaves out). Raises FolderRefused if the folder as a whole is wrong."""
    if not directory.is_dir():
        raise FolderRefused(
            [
                f"{directory} is not a folder: give the national folder (one sub-folder per authority)"
            ]
        )
    notes: list[str] = []
    if (directory / MANIFEST).is_file():
        entries = _from_manifest(directory)
        listed = [e.folder.resolve() for e in entries]
        left_out = [
            p.name
            for p in sorted(directory.iterdir())
            if p.is_dir()
            and not p.name.startswith(".")
            and not any(f.is_relative_to(p.resolve()) for f in listed)  # nor holds one listed
        ]
        if left_out:
            notes.append(
                f"Not in {MANIFEST}, so not imported: "
                + ", ".join(f"{n}/" for n in left_out[:10])
                + (f" and {len(left_out) - 10} more" if len(left_out) > 10 else "")
            )
    else:
        entries = _from_folder_names(directory)
    _look_up(entries)
    for entry in entries:
        if entry.refusal is None and not _return_files(entry.folder):
            entry.refusal = (
                f"The folder {entry.label}/ holds no return files (.csv or .xml)",
                "Put the authority's return in the folder: the CSV files (Header, Episodes, "
                "UASC, Missing...) or the one XML file",
            )
    return sorted(entries, key=lambda e: (e.code, e.label)), notes


def _from_folder_names(directory: Path) -> list[AuthorityFolder]:
    folders = [p for p in sorted(directory.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    if not folders:
        raise FolderRefused(
            [
                f"{directory} holds no sub-folders: a national folder holds one sub-folder per "
                f"authority, named by its GSS code (E09000008/), or a {MANIFEST} (folder,gss) "
                "saying which sub-folder is which authority"
            ]
        )
    entries = []
    for path in folders:
        code = path.name.strip().upper()
        if not GSS_CODE.fullmatch(code):
            code = ""  # not an authority's code: the folder is named instead
        entry = AuthorityFolder(path, path.name, code, f"folder {path.name}/")
        if not code:
            entry.refusal = (
                f"The folder {path.name}/ is not named by a GSS code",
                f"Rename it to the authority's GSS code (E09000008 for Croydon), or add a "
                f"{MANIFEST} with the columns folder,gss saying which authority it is",
            )
        entries.append(entry)
    _mark_duplicates(entries)
    return entries


def _mark_duplicates(entries: list[AuthorityFolder]) -> None:
    """Two sub-folders for one authority: neither is imported (which is the return?)."""
    by_code: dict[str, list[AuthorityFolder]] = {}
    for entry in entries:
        if entry.refusal is None:
            by_code.setdefault(entry.code, []).append(entry)
    for code, same in by_code.items():
        if len(same) > 1:
            folders = " and ".join(f"{e.label}/" for e in same)
            for entry in same:
                entry.refusal = (
                    f"Authority {code} has {len(same)} folders ({folders}): neither is imported",
                    "Keep one folder per authority: move the other out of the national folder",
                )


def _from_manifest(directory: Path) -> list[AuthorityFolder]:
    """The manifest's rows, or FolderRefused listing every problem in it."""
    path = directory / MANIFEST
    problems: list[str] = []

    def problem(row: int | None, column: str, what: str, fix: str) -> None:
        where = ", ".join(
            [MANIFEST, *([f"row {row}"] if row else []), *([f"column {column}"] if column else [])]
        )
        problems.append(f"{where}: {what}. How to fix: {fix}")

    try:
        text, _ = decode(path.read_bytes())
    except UnicodeDecodeError:
        problem(None, "", "its characters cannot be read", "save it again as CSV in UTF-8")
        raise FolderRefused(problems) from None
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    missing = [c for c in MANIFEST_COLUMNS if c not in header]
    if missing:
        problem(
            1,
            "",
            f"the header row has no {' or '.join(missing)} column"
            + (f" (it has {', '.join(h for h in header if h) or 'nothing'})" if rows else ""),
            "the first line names the columns: folder,gss; then one row per authority, "
            "e.g. croydon,E09000008",
        )
        raise FolderRefused(problems)
    column = {name: header.index(name) for name in MANIFEST_COLUMNS}
    entries: list[AuthorityFolder] = []
    first_row_of: dict[tuple[str, str], int] = {}
    root = directory.resolve()
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in column.items()}
        folder_text, code = values["folder"].strip("/"), values["gss"].upper()
        ok = True
        if not folder_text:
            problem(
                number,
                "folder",
                "blank",
                "give the sub-folder holding this authority's return, e.g. croydon",
            )
            ok = False
        else:
            target = (directory / folder_text).resolve()
            if Path(folder_text).is_absolute() or not target.is_relative_to(root):
                problem(
                    number,
                    "folder",
                    f"'{values['folder']}' is outside the national folder",
                    f"give the sub-folder's name as it is inside {directory.name}/, e.g. croydon",
                )
                ok = False
            elif not target.is_dir():
                problem(
                    number,
                    "folder",
                    f"there is no folder '{values['folder']}' in {directory.name}/",
                    "correct the name (it is the sub-folder's name, as spelled on disk) or "
                    "add the folder",
                )
                ok = False
            elif target == root:
                problem(
                    number,
                    "folder",
                    f"'{values['folder']}' is the national folder itself",
                    "give the sub-folder holding this authority's return",
                )
                ok = False
        if not code:
            problem(number, "gss", "blank", "give the authority's GSS code, e.g. E09000008")
            ok = False
        elif not GSS_CODE.fullmatch(code):
            problem(
                number,
                "gss",
                f"'{values['gss']}' is not a GSS code",
                "a GSS code is a letter and eight digits, e.g. E09000008 for Croydon (the "
                "gss-code column of src/visible/reference/data/uk_local_authorities_mysociety.csv)",
            )
            ok = False
        for name, key in (("folder", folder_text), ("gss", code)):
            if not key:
                continue
            if name == "folder":
                key = str((directory / folder_text).resolve())
            seen = first_row_of.setdefault((name, key), number)
            if seen != number:
                problem(
                    number,
                    name,
                    f"'{values[name]}' is also on row {seen}",
                    "give each authority and each folder once: remove or correct one of the "
                    "two rows",
                )
                ok = False
        if ok:
            entries.append(
                AuthorityFolder(
                    (directory / folder_text), folder_text, code, f"{MANIFEST} row {number}"
                )
            )
    if not entries and not problems:
        problem(
            None,
            "",
            "it lists no authorities",
            "add one row per authority under the header row, e.g. croydon,E09000008",
        )
    if problems:
        raise FolderRefused(problems)
    return entries


def _look_up(entries: list[AuthorityFolder]) -> None:
    """Every authority at once: the reference data, and the council set up on Visible."""
    codes = {e.code for e in entries if e.refusal is None}
    authorities = {a.code: a for a in Authority.objects.filter(code__in=codes)}
    councils = {
        code: o
        for code, o in (
            (o.authority.code if o.authority else "", o)
            for o in Organisation.objects.select_related("authority").filter(
                authority__code__in=codes
            )
        )
    }
    for entry in entries:
        if entry.refusal is not None:
            continue
        entry.authority = authorities.get(entry.code)
        entry.organisation = councils.get(entry.code)
        if entry.authority is None:
            entry.refusal = (
                f"{entry.code} ({entry.where}) is not the GSS code of a UK authority",
                "Check the code: E09000008 is Croydon; the gss-code column of "
                "src/visible/reference/data/uk_local_authorities_mysociety.csv lists them all",
            )
        elif (not_england := outside_england(entry.authority)) is not None:
            what, fix = not_england
            entry.refusal = (f"{entry.code} ({entry.where}): {what}", fix)
        elif entry.organisation is None:
            entry.refusal = (
                f"{entry.code} ({entry.where}) is {entry.authority.name}, which is not set up on "
                "Visible",
                SET_UP_FIX,
            )


# --- importing ------------------------------------------------------------------------------


@dataclass
class AuthorityResult:
    entry: AuthorityFolder
    outcome: ImportOutcome
    seconds: float = 0.0

    @property
    def imported(self) -> bool:
        return self.outcome.imported

    def rows(self, table: str) -> int | None:
        """Rows of a table in the imported return (None if it was refused)."""
        run = self.outcome.run
        if run is None:
            return None
        return sum(f["rows"] for f in run.files if f["table"] == table)

    def first_problem(self) -> str:
        errors = self.outcome.report.errors
        if not errors:
            return ""
        first = errors[0]
        if first.file == f"{self.entry.label}/" and first.row is None:
            return first.rule  # the folder's own problem, which names it
        return f"{first.where}: {first.rule}"


@dataclass
class NationalImport:
    directory: Path
    year: int
    results: list[AuthorityResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def refused(self) -> list[AuthorityResult]:
        return [r for r in self.results if not r.imported]

    @property
    def exit_code(self) -> int:
        return EXIT_REFUSED if self.refused else EXIT_IMPORTED

    def problems_csv(self) -> str:
        """Every authority's problems, one a row, with the authority's GSS code and folder."""
        out = io.StringIO()
        writer = csv_writer(out)  # the values are the files' own: never written as formulas
        writer.writerow(("gss", "authority", "folder", *CSV_COLUMNS))
        for result in self.results:
            entry = result.entry
            for p in result.outcome.report.problems:
                writer.writerow(
                    (
                        entry.code,
                        entry.name,
                        entry.label,
                        p.severity,
                        p.file,
                        "" if p.row is None else p.row,
                        p.column,
                        p.value,
                        p.rule,
                        p.fix,
                    )
                )
        return out.getvalue()

    def summary(self) -> str:
        """The table of authorities, the totals, and what the exit code means."""
        header = ("GSS", "Authority", "Children", "Episodes", "Missing", "UASC", "Warnings")
        lines: list[list[str]] = []
        totals: Counter[str] = Counter()
        for r in self.results:
            counts = [r.rows(t) for t in ("Header", "Episodes", "Missing", "UASC")]
            if r.imported:
                c = r.outcome.counts
                totals.update(
                    dict(zip(("Header", "Episodes", "Missing", "UASC"), counts, strict=True))
                )
                result = (
                    f"imported: {c.get('children_created', 0):,} added, "
                    f"{c.get('children_changed', 0):,} changed"
                )
            elif r.entry.refusal is not None:
                result = f"REFUSED: {r.entry.refusal[0]}"
            else:
                errors = len(r.outcome.report.errors)
                result = (
                    f"REFUSED: {errors:,} error{'s' if errors != 1 else ''}; first: "
                    f"{r.first_problem()}"
                )
            lines.append(
                [
                    r.entry.code or "-",
                    _cut(r.entry.name or f"({r.entry.label}/)", 28),
                    *("-" if n is None else f"{n:,}" for n in counts),
                    f"{len(r.outcome.report.warnings):,}",
                    result,
                ]
            )
        imported = len(self.results) - len(self.refused)
        lines.append(
            [
                "Total",
                f"{imported:,} imported",
                *(f"{totals[t]:,}" for t in ("Header", "Episodes", "Missing", "UASC")),
                f"{sum(len(r.outcome.report.warnings) for r in self.results):,}",
                f"{len(self.refused):,} refused",
            ]
        )
        widths = [max(len(row[i]) for row in [list(header), *lines]) for i in range(len(header))]
        right = {2, 3, 4, 5, 6}

        def cells(row: list[str]) -> str:
            shown = [
                (row[i].rjust(widths[i]) if i in right else row[i].ljust(widths[i]))
                for i in range(len(header))
            ]
            return "  ".join(shown + row[len(header) :]).rstrip()

        rule = "  ".join("-" * w for w in widths) + "  ------"
        text = [
            f"SSDA903 returns {year_label(self.year)} from {self.directory}: "
            f"{imported:,} of {len(self.results):,} authorities imported, "
            f"{len(self.refused):,} refused, in {self.seconds:.1f} s",
            "",
            cells([*header, "Result"]),
            rule,
            *(cells(row) for row in lines[:-1]),
            rule,
            cells(lines[-1]),
        ]
        if self.refused:
            text += [
                "",
                "A refused authority's return changed nothing on Visible; every other authority "
                "was imported. Put the problems right (above, and every one of them with "
                "--problems-csv) and import the folder again: the returns already imported are "
                "matched and left as they are.",
            ]
        return "\n".join(text)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def import_national_folder(
    directory: Path,
    year: int,
    viewer: Viewer | None = None,
    progress: TextIO | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> NationalImport:
    """Import every authority's return in a national folder, each all or nothing on its own.
    Raises FolderRefused (nothing imported) when the folder itself is wrong; ValueError for a
    year Visible has no code lists for."""
    check_year(year)
    started = clock()
    entries, notes = find_returns(directory)
    done = NationalImport(directory, year, notes=notes)
    say = progress.write if progress is not None else (lambda _: None)
    for note in notes:
        say(f"{note}\n")
    total = len(entries)
    statistics = _Statistics()
    for n, entry in enumerate(entries, start=1):
        began = clock()
        if entry.refusal is not None:
            report = ImportReport()
            what, fix = entry.refusal
            report.error(f"{entry.label}/", None, "", entry.code, what, fix)
            outcome = ImportOutcome(report)
        else:
            outcome = import_return_folder(entry.folder, year, entry.code, viewer)
        if outcome.imported:
            statistics.written(outcome.counts)
        result = AuthorityResult(entry, outcome, clock() - began)
        done.results.append(result)
        if progress is not None:
            say(_progress_line(n, total, result))
            if hasattr(progress, "flush"):
                progress.flush()
    done.seconds = clock() - started
    return done


# The tables an import reads back, authority by authority: their planner statistics are
# refreshed as they grow (see _Statistics).
READ_TABLES = (
    "children_child",
    "children_placement",
    "children_flag",
    "missing_episode",
    "ssda903_returndetail",
    "ssda903_episodedetail",
)
ANALYZE_FROM = 5_000  # rows written before the first refresh; then each time they double


class _Statistics:
    """Each import reads the register of its authority back (children, placements, flags,
    missing episodes), joined to the child. On a register that starts empty, PostgreSQL plans
    those reads for the empty tables it last measured until autovacuum catches up, and each
    authority's reads scan what every authority before it wrote (the UASC flags' read alone took
    3.5 s over 153 authorities: bench/results/ssda903-national.md). So the statistics are
    refreshed when the rows written since the start of the run reach 5,000, then each time
    they double: a handful of ANALYZEs for a national folder."""

    def __init__(self) -> None:
        self.rows = 0
        self.next_at = ANALYZE_FROM

    def written(self, counts: dict[str, int]) -> None:
        self.rows += sum(
            counts.get(k, 0)
            for k in (
                "children_created",
                "placements_created",
                "uasc_flags_created",
                "episodes_created",
            )
        )
        if self.rows < self.next_at:
            return
        self.next_at = self.rows * 2
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE " + ", ".join(READ_TABLES))
            elif connection.vendor == "sqlite":
                for table in READ_TABLES:
                    cursor.execute(f"ANALYZE {table}")


def _progress_line(n: int, total: int, result: AuthorityResult) -> str:
    entry = result.entry
    who = f"{entry.code} {entry.name}" if entry.name else f"{entry.label}/"
    if result.imported:
        what = f"imported {result.rows('Header') or 0:,} children"
    elif entry.refusal is not None:
        what = f"REFUSED: {entry.refusal[0]}"
    else:
        errors = len(result.outcome.report.errors)
        what = f"REFUSED ({errors:,} error{'s' if errors != 1 else ''}): {result.first_problem()}"
    return f"[{n}/{total}] {who}: {what} ({result.seconds:.2f} s)\n"


def refused_reports(done: NationalImport) -> str:
    """Each refused authority's report (grouped, as for a single import), one after another."""
    parts = [f"The refused returns ({len(done.refused):,}):"]
    for r in done.refused:
        entry = r.entry
        who = f"{entry.code} {entry.name} ({entry.label}/)" if entry.name else f"{entry.label}/"
        if entry.refusal is not None:
            what, fix = entry.refusal
            parts += [f"{who}: {what}", f"  How to fix: {fix}"]
            continue
        parts.append(f"{who}:")
        parts += [f"  {line}" for line in r.outcome.report.as_text().splitlines()]
    return "\n".join(parts)


# --- writing a national folder --------------------------------------------------------------


@dataclass
class ExportedFolder:
    written: list[tuple[str, str, dict[str, int]]] = field(default_factory=list)  # code, name
    without_children: list[str] = field(default_factory=list)
    outside_england: list[str] = field(default_factory=list)

    def describe(self, year: int, directory: Path) -> str:
        children = sum(c.get("Header", 0) for _, _, c in self.written)
        episodes = sum(c.get("Episodes", 0) for _, _, c in self.written)
        lines = [
            f"Wrote the SSDA903 returns {year_label(year)} of {len(self.written):,} authorities to "
            f"{directory}, one sub-folder each, named by GSS code: {children:,} children, "
            f"{episodes:,} episodes."
        ]
        if self.without_children:
            lines.append(
                f"Left out {len(self.without_children):,} councils with no child looked after in "
                "the year."
            )
        if self.outside_england:
            lines.append(
                f"Left out {len(self.outside_england):,} councils outside England: the SSDA903 "
                "is England's return."
            )
        return "\n".join(lines)


def export_national_folder(
    year: int, directory: Path, viewer: Viewer | None = None, progress: TextIO | None = None
) -> ExportedFolder:
    """Every English council's return for the year, each in a sub-folder named by its GSS code
    (councils with no child looked after in the year are left out): a national folder that
    `visible import 903 FOLDER --year Y` reads back."""
    check_year(year)
    done = ExportedFolder()
    councils = list(
        Organisation.objects.select_related("authority")
        .filter(authority__isnull=False, kind=OrganisationKind.COUNCIL)
        .order_by("authority__code")
    )
    directory.mkdir(parents=True, exist_ok=True)
    for n, organisation in enumerate(councils, start=1):
        authority = organisation.authority
        if authority is None:  # not reached: the query asks for councils with an authority
            continue
        code, name = authority.code, authority.name
        if not code.startswith("E"):
            done.outside_england.append(code)
            continue
        result = build_return(organisation, year)  # first: a council with no rows, no folder
        if not result.tables["Header"]:
            done.without_children.append(code)
            continue
        write_return(organisation, result, directory / code, viewer)
        counts = result.counts()
        done.written.append((code, name, counts))
        if progress is not None:
            progress.write(
                f"[{n}/{len(councils)}] {code} {name}: {counts.get('Header', 0):,} children\n"
            )
    return done
