"""The SSDA903 upload pages: a council's manager or coordinator uploads the return's files (CSV
or XML), or a CSV of CIN census factors. The upload is kept and imported by the background
worker (ssda903/imports.py, worker/jobs.py); the person is taken to the upload's own page,
which shows how far the import has gone and refreshes itself until it has finished: imported,
with a summary of what changed and any warnings, or refused, nothing imported, with every
problem grouped and the full list as a CSV download. Plain forms and links: no JavaScript
needed."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.dates import collection_year
from visible.reference.codes import year_label
from visible.spreadsheets import inert_csv_text
from visible.ssda903 import imports, policy, problems
from visible.ssda903.models import ImportJob, ImportKind, ImportState
from visible.ssda903.nations import outside_england
from visible.ssda903.progress import CHECKING, COMPARING, READING
from visible.ssda903.report import ERROR, WARNING
from visible.uploads import size_text
from visible.worker.jobs import import_upload
from visible.worker.queue import after_commit

from ..common import staff_view
from ..request import ViewerRequest
from .forms import FactorsForm, UploadForm

logger = logging.getLogger("visible.web")

STATE_TAGS: dict[str, str] = {
    ImportState.QUEUED: "govuk-tag--grey",
    ImportState.READING: "govuk-tag--blue",
    ImportState.CHECKING: "govuk-tag--blue",
    ImportState.COMPARING: "govuk-tag--blue",
    ImportState.WRITING: "govuk-tag--blue",
    ImportState.DONE: "govuk-tag--green",
    ImportState.REFUSED: "govuk-tag--red",
    ImportState.FAILED: "govuk-tag--red",
}
# An upload still waiting this long is said to be waiting for a worker.
WAITING_LONG_SECONDS = 60


def _require(request: ViewerRequest) -> None:
    if not policy.can_import(request.viewer):
        record(
            request.viewer,
            AuditAction.DENIED,
            object_type="ssda903",
            summary="Tried to open the SSDA903 upload page",
        )
        raise PermissionDenied(
            "Only a council's senior manager or missing-children coordinator can import its SSDA903 return"
        )


def _authority(request: ViewerRequest):
    """The council's authority (a viewer who may import acts for a council that has one)."""
    organisation = request.viewer.organisation
    return organisation.authority if organisation is not None else None


def _too_large(form, uploaded, field: str) -> bool:
    total, limit = sum(f.size for f in uploaded), settings.VISIBLE_SSDA903_MAX_BYTES
    if total <= limit:
        return False
    if field == "file":
        form.add_error(
            field,
            f"The file is {size_text(total)}; a CIN factors file is at most {size_text(limit)}",
        )
        return True
    form.add_error(
        field,
        f"The files are {size_text(total)} together; an SSDA903 return is at most "
        f"{size_text(limit)}: upload the Header, Episodes, UASC and Missing files only",
    )
    return True


def _start(request: ViewerRequest, kind: str, year: int | None, uploaded) -> HttpResponse:
    """Keep the upload, ask for its job once it is committed, and go to its page."""
    files = [(f.name, f.read()) for f in uploaded]
    job = None
    try:
        with transaction.atomic():
            job = imports.accept(request.viewer, kind, year, files, timezone.now())
            after_commit(import_upload, job.pk)
    except Exception as error:
        if job is None or not ImportJob.objects.filter(pk=job.pk).exists():
            raise  # the upload was not kept: a server error like any other
        # Kept, but the job's queue (the broker) did not take it: the page says so.
        logger.exception("Upload %s could not be queued", job.pk)
        imports.could_not_queue(job.pk, error, timezone.now())
    return redirect("web:ssda903-upload", job.pk)


def _uploads_context(request: ViewerRequest) -> dict:
    imports.fail_stale(timezone.now())
    return {
        "uploads": [
            {
                "job": job,
                "what": imports.what(job.kind, job.collection_year),
                "tag": STATE_TAGS[job.state],
            }
            for job in imports.recent(request.viewer)
        ]
    }


@staff_view
@require_http_methods(["GET", "POST"])
def ssda903_import(request: ViewerRequest) -> HttpResponse:
    _require(request)
    authority = _authority(request)
    last_year = collection_year(timezone.localdate()) - 1
    form = UploadForm(request.POST or None, request.FILES or None, initial={"year": str(last_year)})
    not_england = outside_england(authority)
    if not_england is not None:
        # The SSDA903 is England's return: no form, and a post (from an old page) refused,
        # before a byte of the files is read
        context = {"authority": authority, "not_england": not_england}
        return render(
            request,
            "web/ssda903/import.html",
            context,
            status=400 if request.method == "POST" else 200,
        )
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["files"]
        if not _too_large(form, uploaded, "files"):  # before a byte of them is read
            return _start(request, ImportKind.SSDA903, int(form.cleaned_data["year"]), uploaded)
    context = {"form": form, "authority": authority, **_uploads_context(request)}
    return render(request, "web/ssda903/import.html", context, status=400 if form.is_bound else 200)


@staff_view
@require_http_methods(["GET", "POST"])
def factors_import(request: ViewerRequest) -> HttpResponse:
    _require(request)
    form = FactorsForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = [form.cleaned_data["file"]]
        if not _too_large(form, uploaded, "file"):  # before a byte of it is read
            return _start(request, ImportKind.CIN_FACTORS, None, uploaded)
    context = {"form": form, "authority": _authority(request)}
    return render(
        request, "web/ssda903/factors.html", context, status=400 if form.is_bound else 200
    )


def _progress(job: ImportJob) -> str:
    """How far a running import has gone, in words."""
    if job.state == CHECKING and job.total:
        return f"Checking the rows: {job.done:,} of {job.total:,}"
    if job.state == COMPARING and job.total:
        return f"Comparing with the register: part {job.done + 1} of {job.total}"
    if job.state == READING and job.total:
        return f"Reading {job.total} file{'s' if job.total != 1 else ''}"
    return job.get_state_display()


@staff_view
@require_GET
def ssda903_upload(request: ViewerRequest, pk: int) -> HttpResponse:
    _require(request)
    now = timezone.now()
    imports.fail_stale(now)
    job = imports.open_job(request.viewer, pk)
    report = imports.report_of(job)
    refresh = not job.finished and request.GET.get("refresh") != "off"
    context = {
        "job": job,
        "what": imports.what(job.kind, job.collection_year),
        "is_return": job.kind == ImportKind.SSDA903,
        "is_register": job.kind == ImportKind.REGISTER,
        "tag": STATE_TAGS[job.state],
        "progress": _progress(job),
        "refresh_seconds": settings.VISIBLE_IMPORT_REFRESH_SECONDS if refresh else None,
        "refresh_off": request.GET.get("refresh") == "off",
        "waiting_long": job.state == ImportState.QUEUED
        and (now - job.created_at).total_seconds() > WAITING_LONG_SECONDS,
        "size": size_text(sum(f.get("bytes", 0) for f in job.files)),
        "errors": report.groups(ERROR) if report else [],
        "warnings": report.groups(WARNING) if report else [],
        "forms_have_errors": job.state == ImportState.REFUSED,
        "year_label": year_label(job.collection_year) if job.collection_year else "",
        "problem_report_days": settings.VISIBLE_SSDA903_PROBLEM_REPORT_DAYS,
    }
    return render(request, "web/ssda903/upload.html", context)


@staff_view
@require_GET
def ssda903_problems(request: ViewerRequest, pk: int) -> HttpResponse:
    _require(request)
    report = problems.kept_for(request.viewer, pk)
    if report is None:
        raise Http404("No such report")
    # Written again through the guard against formulas: reports kept from before it are too.
    response = HttpResponse(inert_csv_text(report.csv_text), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="ssda903-problems-{report.created_at:%Y%m%d-%H%M}.csv"'
    )
    return response
