"""`visible import factors`: CIN census factors identified at the end of assessment, as dated
flags on the register. All or nothing, with the same report as the 903 import.

The file has one row per factor: CHILD (the child's SSDA903 identifier, or the council's case
ID), FACTOR (e.g. 12A) and DATE (the assessment's completion date, dd/mm/yyyy). A factor that
maps to a flag the child already has open, or had in force on that date, changes nothing, so
the same file twice changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from visible import uploads
from visible.agencies.viewer import Viewer
from visible.audit.log import Entry, record_many, write_rows
from visible.audit.models import AuditAction
from visible.children.models import Child, Flag, FlagKind
from visible.dates import collection_year
from visible.reference.codes import CIN_FACTORS, year_label

from .export import council_for_code
from .formats import decode, parse_date
from .importer import ImportOutcome
from .models import ImportKind, ImportRun
from .progress import CHECKING, READING, WRITING, Progress
from .reader import has_nul_characters
from .report import ImportReport

FACTOR_FLAGS = {
    "9A": FlagKind.UASC,
    "10A": None,  # going or being missing: Visible records the episodes themselves, not a flag
    "11A": FlagKind.CSE,
    "12A": FlagKind.TRAFFICKED_SUSPECTED,
    "13A": FlagKind.GANG,
    "24A": FlagKind.CCE,
}
COLUMNS = ("CHILD", "FACTOR", "DATE")
ALIASES = {
    "CHILD ID": "CHILD",
    "LACHILDID": "CHILD",
    "FACTORS": "FACTOR",
    "ASSESSMENT FACTOR": "FACTOR",
    "ASSESSMENTFACTORS": "FACTOR",
    "DATE IDENTIFIED": "DATE",
    "ASSESSMENTAUTHORISATIONDATE": "DATE",
}
IMPORTER = "CIN factors import"
FACTORS_FILE = "a CIN factors file"  # what the limits' messages call it
NOTHING_TO_IMPORT = (
    "The file has a header row and no factors: nothing to import. That is a valid answer "
    "(no child was assessed with these factors); no flags were added or changed."
)


def import_factors_file(
    path: Path, authority_code: str, viewer: Viewer | None = None, progress: Progress | None = None
) -> ImportOutcome:
    if not path.is_file():
        raise ValueError(f"{path} is not a file: give the CSV of CIN factors")
    report = ImportReport()
    if _too_large(path.name, path.stat().st_size, report):  # before a byte is read
        return ImportOutcome(report)
    return import_factors(path.name, path.read_bytes(), authority_code, viewer, progress)


def import_factors(
    name: str,
    raw: bytes,
    authority_code: str,
    viewer: Viewer | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    organisation = council_for_code(authority_code)
    progress = progress or Progress()
    report = ImportReport()
    if _too_large(name, len(raw), report):
        return ImportOutcome(report)
    progress.step(READING, 0, 1)
    rows = _read(
        name, raw, report
    )  # every row that could be read is checked too, so all problems are listed
    progress.step(CHECKING, 0, len(rows))
    children = {}
    for child in Child.objects.filter(responsible_organisation=organisation).filter(
        Q(child_903_id__in={r[1] for r in rows}) | Q(council_id__in={r[1] for r in rows})
    ):
        if child.child_903_id:
            children[child.child_903_id] = child
        if child.council_id:
            children.setdefault(child.council_id, child)
    today = timezone.localdate()
    wanted: list[tuple[int, Child, str, object, str]] = []
    for line, child_id, factor, day in rows:
        child = children.get(child_id)
        if child is None:
            report.error(
                name,
                line,
                "CHILD",
                child_id,
                f"No child of {organisation.name} has this identifier",
                "Use the child's SSDA903 CHILD identifier or council case ID, or add the child first",
            )
            continue
        if day > today:
            report.error(
                name,
                line,
                "DATE",
                f"{day:%d/%m/%Y}",
                "The date is in the future",
                "Enter the date the assessment ended",
            )
            continue
        if day < child.date_of_birth:
            report.error(
                name,
                line,
                "DATE",
                f"{day:%d/%m/%Y}",
                "The date is before the child's date of birth",
                f"Check the date (date of birth {child.date_of_birth:%d/%m/%Y})",
            )
            continue
        if not CIN_FACTORS.is_valid(factor, collection_year(day)):
            report.error(
                name,
                line,
                "FACTOR",
                factor,
                f"Factor {factor} was not in the CIN census in {year_label(collection_year(day))}",
                "24A (child criminal exploitation) is in the census from 2022/23; before then use 13A or another factor",
            )
            continue
        kind = FACTOR_FLAGS[factor]
        if kind is None:
            report.warning(
                name,
                line,
                "FACTOR",
                factor,
                "10A (going or being missing) is not kept as a flag",
                "Nothing to do: record each missing or away episode itself in Visible",
            )
            continue
        wanted.append((line, child, kind, day, factor))
    progress.step(CHECKING, len(rows), len(rows))
    if report.has_errors:
        return ImportOutcome(report)

    counts: dict[str, int] = defaultdict(int)
    counts["factors"] = len(rows)
    progress.step(WRITING)
    with transaction.atomic():
        flags = defaultdict(list)
        for f in Flag.objects.filter(child__in={w[1].pk for w in wanted}):
            flags[(f.child_id, f.kind)].append(f)
        now = timezone.now()
        new: list[Flag] = []
        events = []
        for line, child, kind, day, factor in sorted(wanted, key=lambda w: (w[1].pk, w[2], w[3])):
            existing = flags[(child.pk, kind)]
            if any(f.end_date is None or f.is_active_on(day) for f in existing):
                counts["unchanged"] += 1
                continue
            if any(f.start_date > day for f in existing):
                report.warning(
                    name,
                    line,
                    "DATE",
                    f"{day:%d/%m/%Y}",
                    "A later flag of this kind is already on the register: not added",
                    "Check the child's flags in Visible if the factor marks a separate period",
                )
                counts["unchanged"] += 1
                continue
            flag = Flag(
                child=child,
                kind=kind,
                start_date=day,
                evidence=f"CIN census factor {factor} ({CIN_FACTORS.label(factor)}) "
                f"identified at the end of assessment, {day:%d/%m/%Y}",
                source=f"CIN {factor}",
                recorded_by_name=IMPORTER,
                recorded_at=now,
            )
            new.append(flag)
            existing.append(flag)
            counts["flags_created"] += 1
            events.append((child, flag))
        Flag.objects.bulk_create(new, batch_size=2000)
        actor = viewer or Viewer.system(IMPORTER)
        record_many(
            actor,
            [
                Entry(
                    AuditAction.CREATE,
                    object_type="flag",
                    object_id=flag.pk,
                    child_id=child.pk,
                    summary=f"Flagged {flag.get_kind_display()} from {flag.start_date:%d/%m/%Y} (CIN factor import)",
                    detail={
                        "record": "flag",
                        "flag": flag.kind,
                        "source": flag.source,
                        "changes": {
                            "kind": [None, flag.kind],
                            "start_date": [None, flag.start_date.isoformat()],
                        },
                    },
                )
                for child, flag in events
            ],
            writer=write_rows,  # an import's many events: the bulk writer
            sealed=True,  # and sealed as they are written
        )
        run = ImportRun.objects.create(
            organisation=organisation,
            kind=ImportKind.CIN_FACTORS,
            imported_by_name=actor.display_name,
            files=[{"name": name, "rows": len(rows)}],
            counts=dict(counts),
            warnings=[p.rule for p in report.warnings][:1000],
        )
        record_many(
            actor,
            [
                Entry(
                    AuditAction.CREATE,
                    object_type="importrun",
                    object_id=run.pk,
                    summary=f"Imported CIN factors for {organisation.name}: {counts['flags_created']:,} flags added",
                    detail={"counts": dict(counts), "file": name},
                )
            ],
        )
        outcome = ImportOutcome(
            report,
            imported=True,
            counts=dict(counts),
            run=run,
            what=NOTHING_TO_IMPORT
            if not rows
            else f"Imported: {counts['flags_created']:,} flags added, "
            f"{counts['unchanged']:,} factors already on the register.",
        )
        progress.before_commit(outcome)
    return outcome


def _read(name: str, raw: bytes, report: ImportReport) -> list[tuple[int, str, str, object]]:
    if not raw.strip():
        report.error(
            name,
            None,
            "",
            "",
            "The file is empty",
            "Give a CSV with the columns CHILD, FACTOR and DATE",
        )
        return []
    try:
        text, _ = decode(raw)
    except UnicodeDecodeError:
        report.error(
            name,
            None,
            "",
            "",
            "The file's characters cannot be read",
            "Save it again as CSV in UTF-8",
        )
        return []
    # The limits (visible/uploads.py) and NUL characters (PostgreSQL cannot compare or store
    # them), before anything is parsed.
    try:
        uploads.check_csv(
            name,
            text,
            settings.VISIBLE_SSDA903_MAX_ROWS,
            FACTORS_FILE,
            "Give one authority's factors, one row per factor; the limit is the setting "
            "VISIBLE_SSDA903_MAX_ROWS",
        )
    except uploads.FileRefused as error:
        report.error(name, error.row, "", "", error.what, error.fix)
        return []
    if has_nul_characters(name, text, report):
        return []
    try:
        return _read_rows(name, text, report)
    except uploads.FileRefused as error:
        report.error(name, error.row, "", "", error.what, error.fix)
        return []


def _too_large(name: str, size: int, report: ImportReport) -> bool:
    try:
        uploads.check_size(
            name,
            size,
            settings.VISIBLE_SSDA903_MAX_BYTES,
            FACTORS_FILE,
            "Give one authority's factors: CHILD, FACTOR and DATE, one row per factor",
        )
    except uploads.FileRefused as error:
        report.error(name, None, "", "", error.what, error.fix)
        return True
    return False


def _read_rows(name: str, text: str, report: ImportReport) -> list[tuple[int, str, str, object]]:
    reader = uploads.csv_records(name, text)
    header = [ALIASES.get(h.strip().upper(), h.strip().upper()) for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    extra = [h for h in header if h not in COLUMNS]
    if missing:
        report.error(
            name,
            1,
            "",
            ",".join(header),
            f"Missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
            + (f"; unexpected {', '.join(extra)}" if extra else ""),
            "The first line must be CHILD,FACTOR,DATE",
        )
        return []
    at = {c: header.index(c) for c in COLUMNS}
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            report.error(
                name,
                line,
                "",
                ",".join(cells),
                f"The row has {len(cells)} values, not {len(header)}",
                "Give CHILD, FACTOR and DATE on every row",
            )
            continue
        child_id, factor, date_text = (cells[at[c]].strip() for c in COLUMNS)
        factor = factor.upper()
        if not child_id:
            report.error(name, line, "CHILD", "", "CHILD is blank", "Give the child's identifier")
        if factor not in CIN_FACTORS:
            report.error(
                name,
                line,
                "FACTOR",
                factor,
                "Not a factor Visible reads",
                "Use 9A (UASC), 10A (missing), 11A (CSE), 12A (trafficking), 13A (gangs) or 24A (criminal exploitation)",
            )
        day = parse_date(date_text)
        if day is None:
            report.error(
                name,
                line,
                "DATE",
                date_text,
                "Not a date in the form dd/mm/yyyy",
                "Enter the date as dd/mm/yyyy",
            )
        if child_id and factor in CIN_FACTORS and day:
            rows.append((line, child_id, factor, day))
    # A header row and no factors is a valid answer: an authority none of whose children was
    # assessed with these factors rightly sends an empty extract. It is imported (nothing to
    # add), and the summary says so.
    return rows
