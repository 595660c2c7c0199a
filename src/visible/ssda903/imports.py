"""Uploads made on the page, imported in the background (docs/ssda903.md, "Uploads").

The page keeps the upload (`accept`: an ImportJob and its files, audited) and asks for its job
once that commits (the job is `worker.jobs.import_upload`, which calls `run`). The job takes the
upload (only once), runs the importer with a `JobProgress`, which writes each step into the
ImportJob row for the upload's page to show, and records how it ended: done (marked in the
import's own transaction, so the two are committed together), refused (the report of problems
kept for the page) or failed. The files are deleted when the job ends, however it ends.

A job that stops saying how far it has gone is taken for dead (`fail_stale`): its worker was
killed, or its machine stopped. The database rolled back whatever it had begun; the upload is
marked failed and its files deleted, so no page says "running" for ever. A worker that starts
does the same at once for the jobs that processes of its machine left running
(`fail_jobs_of_dead_processes`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from visible.access.opening import deny
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.reference.codes import year_label
from visible.uploads import size_text

from . import problems
from .factors import import_factors
from .importer import ImportOutcome, import_return
from .models import (
    RUNNING_STATES,
    ImportJob,
    ImportKind,
    ImportState,
    UploadedFile,
)
from .progress import Progress
from .report import ImportReport

logger = logging.getLogger("visible.ssda903")

PROGRESS_EVERY_SECONDS = 1.0  # the job writes how far it has gone at most this often

FAILED_WITH_AN_ERROR = (
    "The import stopped because of an error in Visible, and nothing was imported. Upload the "
    "files again; if it happens again, tell your administrator (the error is in Visible's log, "
    "with the upload's number, {pk})."
)
WORKER_STOPPED = (
    "The import stopped without finishing: nothing was heard from the background worker running "
    "it for more than {minutes} minutes (it was stopped, or its machine was). Nothing was "
    "imported: upload the files again."
)
WORKER_DIED = (
    "The import stopped without finishing: the background worker running it stopped. Nothing "
    "was imported: upload the files again."
)
NEVER_TAKEN = (
    "No background worker took the import within {hours} hours, and nothing was imported. Ask "
    "your administrator to check that `visible worker` is running (`visible status` says), then "
    "upload the files again."
)
NOT_QUEUED = (
    "The import could not be handed to the background worker (its queue did not answer: "
    "{error}). Nothing was imported: upload the files again, and tell your administrator if it "
    "happens again."
)


def what(kind: str, year: int | None) -> str:
    """The upload in words: 'the SSDA903 return 2025/26', 'the CIN census factors'."""
    if kind == ImportKind.SSDA903:
        return f"the SSDA903 return {year_label(year)}" if year else "the SSDA903 return"
    if kind == ImportKind.REGISTER:
        return "the register from the case system"
    return "the CIN census factors"


def accept(
    viewer: Viewer,
    kind: str,
    year: int | None,
    files: list[tuple[str, bytes]],
    now: dt.datetime,
) -> ImportJob:
    """Keep an upload and its files for its job, with the audit event, in one transaction (the
    caller's, if any: it asks for the job once this commits)."""
    if viewer.organisation is None:
        raise ValueError("Only someone acting for an organisation uploads its returns")
    listed: list[dict[str, Any]] = [
        {"name": name, "bytes": len(content)} for name, content in files
    ]
    with transaction.atomic():
        job = ImportJob.objects.create(
            organisation=viewer.organisation,
            kind=kind,
            collection_year=year,
            requested_by_id=viewer.user_id,
            requested_by_name=viewer.username,
            role=viewer.role or "",
            files=listed,
            created_at=now,
            updated_at=now,
        )
        UploadedFile.objects.bulk_create(
            [
                UploadedFile(job=job, position=i, name=name, content=content)
                for i, (name, content) in enumerate(files)
            ]
        )
        total = sum(f["bytes"] for f in listed)
        record(
            viewer,
            AuditAction.CREATE,
            object_type="importjob",
            object_id=job.pk,
            summary=f"Uploaded {what(kind, year)} to be imported ({len(files)} "
            f"file{'s' if len(files) != 1 else ''}, {size_text(total)})",
            detail={"kind": kind, "year": year, "files": listed},
        )
    return job


# --- the job ---------------------------------------------------------------------------------


class Abandoned(Exception):
    """The upload is no longer this job's to run: it was marked failed meanwhile (taken for
    dead), so the job stops, and rolls back anything it had begun writing."""


def identity() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


class JobProgress(Progress):
    """Writes the import's steps into its ImportJob row, at most once a second within a step."""

    def __init__(self, job: ImportJob, viewer: Viewer):
        self.job, self.viewer = job, viewer
        self.step_now, self.written_at = "", 0.0

    def step(self, step: str, done: int = 0, total: int = 0) -> None:
        moment = time.monotonic()
        if (
            step == self.step_now
            and done < total
            and moment - self.written_at < PROGRESS_EVERY_SECONDS
        ):
            return
        self.step_now, self.written_at = step, moment
        if not ImportJob.objects.filter(pk=self.job.pk, state__in=RUNNING_STATES).update(
            state=step, done=done, total=total, updated_at=timezone.now()
        ):
            raise Abandoned

    def before_commit(self, outcome) -> None:
        """Done, in the import's transaction: the upload is marked imported with the import."""
        report = outcome.report
        kept = problems.keep(self.viewer, report) if report.problems else None
        now = timezone.now()
        if not ImportJob.objects.filter(pk=self.job.pk, state__in=RUNNING_STATES).update(
            state=ImportState.DONE,
            done=0,
            total=0,
            updated_at=now,
            finished_at=now,
            counts=outcome.counts,
            summary=outcome.summary(),
            warning_count=len(report.warnings),
            problems=kept,
            run=outcome.run,
        ):
            raise Abandoned
        UploadedFile.objects.filter(job_id=self.job.pk).delete()


# An importer run by a job of another service (visible.register's): given the upload, its
# files, the council's GSS code, who asked and the progress to write, it imports all or nothing.
Importer = Callable[[ImportJob, list[tuple[str, bytes]], str, Viewer, Progress], ImportOutcome]


def run(job_id: int, importer: Importer | None = None) -> None:
    """Import an upload (the worker's job): once, however often it is asked for. ``importer``
    imports it instead of the SSDA903 or CIN factors importer (the register's upload, whose
    job is in worker/jobs.py too)."""
    now = timezone.now()
    taken = ImportJob.objects.filter(pk=job_id, state=ImportState.QUEUED).update(
        state=ImportState.READING, started_at=now, updated_at=now, worker=identity()[:200]
    )
    if not taken:
        logger.warning("Upload %s was not waiting to be imported: it is not imported again", job_id)
        return
    job = ImportJob.objects.select_related("organisation__authority").get(pk=job_id)
    viewer = Viewer(
        user_id=job.requested_by_id,
        username=job.requested_by_name,
        organisation=job.organisation,
        role=job.role or None,
        name=job.requested_by.get_full_name().strip() if job.requested_by else "",
    )
    try:
        files = [(f.name, bytes(f.content)) for f in job.uploaded_files.all()]
        authority = job.organisation.authority
        if authority is None:
            raise ValueError(f"{job.organisation} is not a council: it has no returns to import")
        progress = JobProgress(job, viewer)
        if importer is not None:
            outcome = importer(job, files, authority.code, viewer, progress)
        elif job.kind == ImportKind.CIN_FACTORS:
            [(name, content)] = files
            outcome = import_factors(name, content, authority.code, viewer, progress)
        else:
            year = job.collection_year
            if year is None:
                raise ValueError("An SSDA903 upload without its collection year")
            outcome = import_return(files, year, authority.code, viewer, progress)
    except Abandoned:
        logger.warning("Upload %s was marked failed while it was being imported: stopped", job_id)
        UploadedFile.objects.filter(job_id=job_id).delete()
        return
    except Exception:
        logger.exception("The import of upload %s failed", job_id)
        fail(job_id, FAILED_WITH_AN_ERROR.format(pk=job_id), timezone.now())
        return
    if not outcome.imported:
        refused(job, viewer, outcome.report)
    logger.info("Upload %s: %s", job_id, "imported" if outcome.imported else "refused")


def refused(job: ImportJob, viewer: Viewer, report: ImportReport) -> None:
    """Nothing was imported: keep the report of problems for the page, and say so."""
    with transaction.atomic():
        kept = problems.keep(viewer, report)
        now = timezone.now()
        ImportJob.objects.filter(pk=job.pk, state__in=RUNNING_STATES).update(
            state=ImportState.REFUSED,
            done=0,
            total=0,
            updated_at=now,
            finished_at=now,
            error_count=len(report.errors),
            warning_count=len(report.warnings),
            problems=kept,
        )
        UploadedFile.objects.filter(job_id=job.pk).delete()


def fail(job_id: int, failure: str, now: dt.datetime) -> bool:
    """Mark an upload that has not finished as failed, and delete its files."""
    with transaction.atomic():
        failed = ImportJob.objects.filter(
            pk=job_id, state__in=(ImportState.QUEUED, *RUNNING_STATES)
        ).update(state=ImportState.FAILED, finished_at=now, updated_at=now, failure=failure)
        UploadedFile.objects.filter(job_id=job_id).delete()
    if failed:
        logger.warning("Upload %s failed: %s", job_id, failure)
    return bool(failed)


def could_not_queue(job_id: int, error: Exception, now: dt.datetime) -> None:
    fail(job_id, NOT_QUEUED.format(error=type(error).__name__), now)


def fail_stale(now: dt.datetime) -> list[int]:
    """Fail the uploads whose job has said nothing for VISIBLE_IMPORT_STALE_MINUTES, and those
    no worker took within VISIBLE_IMPORT_QUEUED_HOURS. Looks first (a read), writes only if
    there is one, so a page that asks costs no write."""
    minutes, hours = settings.VISIBLE_IMPORT_STALE_MINUTES, settings.VISIBLE_IMPORT_QUEUED_HOURS
    found = list(
        ImportJob.objects.filter(
            Q(state__in=RUNNING_STATES, updated_at__lt=now - dt.timedelta(minutes=minutes))
            | Q(state=ImportState.QUEUED, created_at__lt=now - dt.timedelta(hours=hours))
        ).values_list("pk", "state")
    )
    return [
        pk
        for pk, state in found
        if fail(
            pk,
            NEVER_TAKEN.format(hours=hours)
            if state == ImportState.QUEUED
            else WORKER_STOPPED.format(minutes=minutes),
            now,
        )
    ]


def fail_jobs_of_dead_processes(now: dt.datetime, alive) -> list[int]:
    """The uploads that a process of this machine was importing when it died (a worker killed
    and started again): failed at once rather than after VISIBLE_IMPORT_STALE_MINUTES.
    ``alive(pid)`` says whether a process is running."""
    prefix = f"{socket.gethostname()} pid "
    failed = []
    for pk, worker in ImportJob.objects.filter(
        state__in=RUNNING_STATES, worker__startswith=prefix
    ).values_list("pk", "worker"):
        pid = worker.removeprefix(prefix)
        if not pid.isdigit() or int(pid) == os.getpid() or alive(int(pid)):
            continue
        if fail(pk, WORKER_DIED, now):
            failed.append(pk)
    return failed


# --- the pages -------------------------------------------------------------------------------


def open_job(viewer: Viewer, pk: int) -> ImportJob:
    """An upload of the viewer's own organisation, its view audited; another's, or none, is
    "not found" (as any record outside a person's access), the attempt audited as denied."""
    job = (
        ImportJob.objects.select_related("problems", "organisation")
        .filter(pk=pk, organisation_id=viewer.organisation_id or 0)
        .first()
    )
    if job is None:
        deny(viewer, "importjob", pk, None, "Tried to open an upload outside their organisation")
        raise Http404("No upload with that number is available to you")
    record(
        viewer,
        AuditAction.VIEW,
        object_type="importjob",
        object_id=job.pk,
        summary=f"Viewed the upload of {what(job.kind, job.collection_year)} "
        f"({job.get_state_display().lower()})",
    )
    return job


def recent(viewer: Viewer, count: int = 10) -> list[ImportJob]:
    """The organisation's latest uploads, for the upload page (listed, audited as a list)."""
    jobs = list(ImportJob.objects.filter(organisation_id=viewer.organisation_id or 0)[:count])
    if jobs:
        record(
            viewer,
            AuditAction.LIST,
            object_type="importjob",
            summary=f"Listed {len(jobs)} recent upload{'s' if len(jobs) != 1 else ''}",
        )
    return jobs


def report_of(job: ImportJob) -> ImportReport | None:
    """The upload's problems as the importer reported them (None once the kept report has
    gone: VISIBLE_SSDA903_PROBLEM_REPORT_DAYS)."""
    if job.problems is None:
        return None
    return ImportReport.from_csv(job.problems.csv_text)
