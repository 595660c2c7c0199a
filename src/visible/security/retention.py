"""The retention schedule (rulebook §9; docs/security.md has the sources).

A looked-after child's case record is kept until a birthday that depends on the nation of the
responsible authority: the 75th in England, Wales and Northern Ireland, the 100th in Scotland.
Where the nation is not known the longest period applies. Where the date of birth is disputed
the latest recorded date (the child's own, or an age assessment's) is used, so no record goes
early. A record is past retention from the day after that birthday.

Deleting is a separate, deliberate step (``visible retention delete --confirm``): in one
transaction it deletes each child past retention with everything held about them (names,
flags, placements, episodes, alerts, photograph...) and appends one audit event per child that
holds nothing but the child's id and the rule applied. The audit log itself is never edited or
pruned, so ``visible audit verify`` still passes afterwards.

Copies of a child's rows outside the register go too. An SSDA903 import keeps the tables it
does not read (``ssda903.KeptFile``) and an upload with problems keeps its report
(``ssda903.ProblemReport``); both name children by their CHILD id. They are kept for a fixed,
shorter period (``VISIBLE_SSDA903_KEPT_FILE_DAYS``, default 400: long enough for the next
year's return; ``VISIBLE_SSDA903_PROBLEM_REPORT_DAYS``, default 30: the report is for the
download after the upload) and the same run deletes those older; and when a child is deleted,
the rows naming the child's CHILD id or council case ID are taken out of the kept files and
reports of the organisations that held the child (ssda903/kept.py), so no copy outlives the
record. Each is audited (``retention_delete``) with ids, tables and counts, never names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone

from visible.agencies.viewer import Viewer
from visible.audit.log import Entry, record, record_many
from visible.children.models import Child
from visible.dates import birthday, years_before
from visible.reference.models import Nation

REPORT = "retention_report"
DELETE = "retention_delete"


@dataclass(frozen=True)
class Rule:
    birthday: int
    label: str
    source: str


ENGLAND_AND_WALES = Rule(
    75,
    "England and Wales: until the 75th birthday",
    "Care Planning, Placement and Case Review (England) Regulations 2010 reg. 50; "
    "(Wales) Regulations 2015 reg. 64 (rulebook §9)",
)
SCOTLAND = Rule(
    100,
    "Scotland: until the 100th birthday",
    "Looked After Children (Scotland) Regulations 2009 reg. 43 (rulebook §9)",
)
NORTHERN_IRELAND = Rule(
    75,
    "Northern Ireland: until the 75th birthday",
    "Arrangements for Placement of Children (General) Regulations (NI) 1996 reg. 9; "
    "DoH NI Good Management, Good Records disposal schedule",
)
NATION_NOT_KNOWN = Rule(
    100,
    "Nation not known: the longest period, until the 100th birthday",
    "the longest rule, to be safe",
)

RULES = {
    Nation.ENGLAND: ENGLAND_AND_WALES,
    Nation.WALES: ENGLAND_AND_WALES,
    Nation.SCOTLAND: SCOTLAND,
    Nation.NORTHERN_IRELAND: NORTHERN_IRELAND,
}
SHORTEST = min(rule.birthday for rule in (*RULES.values(), NATION_NOT_KNOWN))


@dataclass(frozen=True)
class Due:
    child_id: int
    organisation: str
    council_id: str
    rule: Rule
    keep_until: dt.date


@dataclass(frozen=True)
class Copies:
    """Kept SSDA903 files and stored problem reports older than their periods, by id."""

    kept_files: list[int]
    problem_reports: list[int]
    kept_file_days: int
    problem_report_days: int


@dataclass(frozen=True)
class Report:
    as_at: dt.date
    due: list[Due]
    checked: int
    copies: Copies | None = None

    def describe(self) -> str:
        lines = [
            f"Retention schedule as at {self.as_at:%d/%m/%Y}: {len(self.due)} child record"
            f"{'s' if len(self.due) != 1 else ''} past retention ({self.checked} old enough to check)."
        ]
        if self.due:
            lines.append(
                f"  {'child id':>9}  {'kept until':<10}  {'council case ID':<16}  responsible organisation; rule"
            )
        for due in self.due:
            lines.append(
                f"  {due.child_id:>9}  {due.keep_until:%d/%m/%Y}  {due.council_id or '-':<16}  "
                f"{due.organisation}; {due.rule.label}"
            )
        copies = self.copies
        if copies:
            lines.append(
                f"Kept SSDA903 files older than {copies.kept_file_days} days: {len(copies.kept_files)}"
                + (f" (ids {', '.join(map(str, copies.kept_files))})" if copies.kept_files else "")
                + "."
            )
            lines.append(
                f"Stored import problem reports older than {copies.problem_report_days} days: "
                f"{len(copies.problem_reports)}"
                + (
                    f" (ids {', '.join(map(str, copies.problem_reports))})"
                    if copies.problem_reports
                    else ""
                )
                + "."
            )
        if self.due or (copies and (copies.kept_files or copies.problem_reports)):
            lines.append(
                "Delete them with `visible retention delete --confirm` (one audit event for each)."
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class Deletion:
    child_ids: list[int]
    kept_files_deleted: int = 0
    problem_reports_deleted: int = 0
    kept_files_cleaned: int = (
        0  # kept files that held a deleted child's rows, rewritten without them
    )
    problem_reports_cleaned: int = 0

    def describe(self) -> str:
        ids = self.child_ids
        return (
            f"Deleted {len(ids)} child record{'s' if len(ids) != 1 else ''} past retention"
            + (f" (ids {', '.join(str(pk) for pk in ids)})" if ids else "")
            + f"; {self.kept_files_cleaned} kept SSDA903 file{'s' if self.kept_files_cleaned != 1 else ''} and "
            f"{self.problem_reports_cleaned} problem report{'s' if self.problem_reports_cleaned != 1 else ''} "
            "held their rows and were rewritten without them"
            + f"; {self.kept_files_deleted} kept SSDA903 file{'s' if self.kept_files_deleted != 1 else ''} and "
            f"{self.problem_reports_deleted} problem report{'s' if self.problem_reports_deleted != 1 else ''} "
            "past their period deleted; one audit event written for each."
        )


def kept_file_days() -> int:
    return int(getattr(settings, "VISIBLE_SSDA903_KEPT_FILE_DAYS", 400))


def problem_report_days() -> int:
    return int(getattr(settings, "VISIBLE_SSDA903_PROBLEM_REPORT_DAYS", 30))


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _expired_copies(as_at: dt.date) -> Copies:
    """Kept files imported, and problem reports made, before the first day of their period
    (a file imported 400 days before ``as_at`` is kept that day and due the next)."""
    from visible.ssda903.models import KeptFile, ProblemReport

    files, reports = kept_file_days(), problem_report_days()
    return Copies(
        list(
            KeptFile.objects.filter(
                run__imported_at__lt=_start_of(as_at - dt.timedelta(days=files))
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        list(
            ProblemReport.objects.filter(
                created_at__lt=_start_of(as_at - dt.timedelta(days=reports))
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        files,
        reports,
    )


def rule_for(child: Child) -> Rule:
    authority = child.responsible_organisation.authority
    return RULES.get(authority.nation if authority else None, NATION_NOT_KNOWN)


def _past_retention(as_at: dt.date) -> tuple[list[Due], int]:
    # Only children old enough for the shortest rule can be due: a cheap first cut. Due means
    # the birthday has passed, so the child was already that old yesterday.
    born_by = years_before(as_at - dt.timedelta(days=1), SHORTEST)
    candidates = (
        Child.objects.filter(date_of_birth__lte=born_by)
        .select_related("responsible_organisation__authority")
        .annotate(latest_assessed_dob=Max("age_assessments__assessed_date_of_birth"))
        .order_by("pk")
    )
    due, checked = [], 0
    for child in candidates:
        checked += 1
        dob = max(d for d in (child.date_of_birth, child.latest_assessed_dob) if d is not None)
        rule = rule_for(child)
        keep_until = birthday(dob, rule.birthday)
        if as_at > keep_until:
            due.append(
                Due(
                    child.pk,
                    child.responsible_organisation.name,
                    child.council_id,
                    rule,
                    keep_until,
                )
            )
    return due, checked


def report(as_at: dt.date | None = None, viewer: Viewer | None = None) -> Report:
    as_at = as_at or timezone.localdate()
    due, checked = _past_retention(as_at)
    copies = _expired_copies(as_at)
    record(
        viewer or Viewer.system("retention"),
        REPORT,
        object_type="retention",
        summary=f"Retention report as at {as_at:%d/%m/%Y}: {len(due)} child records past retention, "
        f"{len(copies.kept_files)} kept SSDA903 files and {len(copies.problem_reports)} problem reports "
        "past their period",
        detail={
            "as_at": as_at.isoformat(),
            "child_ids": [d.child_id for d in due],
            "kept_files": copies.kept_files,
            "problem_reports": copies.problem_reports,
        },
    )
    return Report(as_at, due, checked, copies)


def delete_past_retention(by: str = "", as_at: dt.date | None = None) -> list[int]:
    """Delete every child record past retention today, all or nothing. Returns their ids."""
    return delete(by, as_at).child_ids


def _held_by(child: Child) -> set[int]:
    """The organisations whose imports may hold the child's rows: the responsible one and any
    it was transferred from."""
    from visible.sharing.models import Transfer

    return {
        child.responsible_organisation_id,
        *Transfer.objects.filter(child=child).values_list("from_organisation_id", flat=True),
    }


def _take_out_of_copies(children: list[Child], as_at: dt.date) -> list[Entry]:
    """Rewrite the kept files and problem reports that hold the deleted children's rows without
    them (matched on CHILD id and council case ID, within the organisations that held each
    child: CHILD ids are the authority's own, so another authority's CHILD of the same id is
    another child). A report left with no problems is deleted."""
    from visible.ssda903 import kept
    from visible.ssda903.models import KeptFile, ProblemReport

    ids_by_org: dict[int, set[str]] = {}
    child_by_id: dict[tuple[int, str], int] = {}
    for child in children:
        ids = {i for i in (child.child_903_id, child.council_id) if i and i.strip()}
        for org in _held_by(child):
            ids_by_org.setdefault(org, set()).update(ids)
            for i in ids:
                child_by_id[org, i.strip().upper()] = child.pk
    entries = []
    for org, ids in ids_by_org.items():
        if not ids:
            continue
        for kept_file in (
            KeptFile.objects.filter(run__organisation_id=org).select_related("run").order_by("pk")
        ):
            content, removed = kept.without_children(bytes(kept_file.content), ids)
            if removed:
                kept_file.content = content
                kept_file.save(update_fields=["content"])
                entries.append(
                    Entry(
                        DELETE,
                        object_type="keptfile",
                        object_id=kept_file.pk,
                        summary=f"Removed {removed} row{'s' if removed != 1 else ''} of children deleted "
                        f"under the retention schedule from a kept SSDA903 file ({kept_file.table})",
                        detail={
                            "rows": removed,
                            "table": kept_file.table,
                            "import": kept_file.run_id,
                            "as_at": as_at.isoformat(),
                        },
                    )
                )
        for problem_report in ProblemReport.objects.filter(organisation_id=org).order_by("pk"):
            text, removed, left = kept.report_without(problem_report.csv_text, ids)
            if not removed:
                continue
            report_id = problem_report.pk
            if left:
                problem_report.csv_text = text
                problem_report.save(update_fields=["csv_text"])
            else:
                problem_report.delete()
            entries.append(
                Entry(
                    DELETE,
                    object_type="problemreport",
                    object_id=report_id,
                    summary=f"Removed {removed} problem{'s' if removed != 1 else ''} naming children deleted "
                    "under the retention schedule from a stored import problem report"
                    + ("" if left else " (nothing left: the report is deleted)"),
                    detail={"problems": removed, "left": left, "as_at": as_at.isoformat()},
                )
            )
    return entries


def _delete_expired_copies(as_at: dt.date) -> tuple[Copies, list[Entry]]:
    from visible.ssda903.models import KeptFile, ProblemReport

    copies = _expired_copies(as_at)
    files = list(
        KeptFile.objects.filter(pk__in=copies.kept_files).select_related("run").order_by("pk")
    )
    entries = [
        Entry(
            DELETE,
            object_type="keptfile",
            object_id=f.pk,
            summary=f"Deleted a kept SSDA903 file ({f.table}) older than {copies.kept_file_days} days",
            detail={
                "table": f.table,
                "import": f.run_id,
                "as_at": as_at.isoformat(),
                "imported_on": timezone.localtime(f.run.imported_at).date().isoformat(),
            },
        )
        for f in files
    ]
    reports = list(ProblemReport.objects.filter(pk__in=copies.problem_reports).order_by("pk"))
    entries += [
        Entry(
            DELETE,
            object_type="problemreport",
            object_id=r.pk,
            summary=f"Deleted a stored import problem report older than {copies.problem_report_days} days",
            detail={
                "as_at": as_at.isoformat(),
                "made_on": timezone.localtime(r.created_at).date().isoformat(),
            },
        )
        for r in reports
    ]
    KeptFile.objects.filter(pk__in=copies.kept_files).delete()
    ProblemReport.objects.filter(pk__in=copies.problem_reports).delete()
    return copies, entries


def delete(by: str = "", as_at: dt.date | None = None) -> Deletion:
    """Delete every child record past retention, the rows of theirs kept in import copies, and
    the copies past their own period: all in one transaction, all or nothing."""
    as_at = as_at or timezone.localdate()
    viewer = Viewer.system(by or "retention")
    with transaction.atomic():
        copies, copy_entries = _delete_expired_copies(as_at)
        due, _ = _past_retention(as_at)
        going = list(
            Child.objects.filter(pk__in=[d.child_id for d in due]).select_related(
                "responsible_organisation"
            )
        )
        cleaned = _take_out_of_copies(going, as_at)
        photos = []
        for item in due:
            child = Child.objects.select_for_update().get(pk=item.child_id)
            if child.photo:
                photos.append((child.photo.storage, child.photo.name))
            try:
                child.delete()
            except ProtectedError as error:
                blocking = sorted({type(obj).__name__ for obj in error.protected_objects})
                raise ValueError(
                    f"child {item.child_id} cannot be deleted while {', '.join(blocking)} records point "
                    "at it; nothing was deleted"
                ) from None
        record_many(
            viewer,
            [
                Entry(
                    DELETE,
                    object_type="child",
                    object_id=item.child_id,
                    child_id=item.child_id,
                    summary=f"Deleted under the retention schedule ({item.rule.label})",
                    detail={"rule": item.rule.label, "as_at": as_at.isoformat()},
                )
                for item in due
            ],
        )

        if copy_entries or cleaned:
            record_many(viewer, copy_entries + cleaned)

        def remove_photos() -> None:
            for storage, name in photos:
                storage.delete(name)

        transaction.on_commit(remove_photos)
    return Deletion(
        [item.child_id for item in due],
        kept_files_deleted=len(copies.kept_files),
        problem_reports_deleted=len(copies.problem_reports),
        kept_files_cleaned=sum(1 for e in cleaned if e.object_type == "keptfile"),
        problem_reports_cleaned=sum(1 for e in cleaned if e.object_type == "problemreport"),
    )
