"""The register import's pages, for the council's staff who import its SSDA903 return (its
senior managers and missing-children coordinators: ssda903/policy.py).

- The upload: one CSV or XLSX file, kept and imported by the background worker like an SSDA903
  upload (register/imports.py, worker/jobs.py); the person is taken to the upload's own page
  (web/ssda903: its progress, then what changed or every problem), which reloads itself.
- The column mapping: the council's own heading for each of Visible's fields, saved once
  (audited), with a preview of a sample file's first rows as Visible would read them. Plain
  forms, no JavaScript."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.register import imports as register_imports
from visible.register.fields import BY_NAME, FIELDS
from visible.register.mapping import resolve, save_mapping, saved_mapping
from visible.register.reader import read_table
from visible.register.values import READERS, Unreadable, text
from visible.ssda903 import imports, policy
from visible.ssda903.models import ImportJob
from visible.ssda903.report import ERROR, ImportReport
from visible.uploads import size_text
from visible.worker.jobs import import_register_upload
from visible.worker.queue import after_commit

from ..common import staff_view
from ..request import ViewerRequest
from ..ssda903.views import STATE_TAGS
from .forms import MappingForm, RegisterUploadForm

logger = logging.getLogger("visible.web")
PREVIEW_ROWS = 5


def _require(request: ViewerRequest) -> None:
    if not policy.can_import(request.viewer):
        record(
            request.viewer,
            AuditAction.DENIED,
            object_type="register-import",
            summary="Tried to open the register import page",
        )
        raise PermissionDenied(
            "Only a council's senior manager or missing-children coordinator can import its register"
        )


def _mapping_rows(mapping: dict[str, str]) -> list[dict]:
    return [
        {
            "field": field,
            "heading": mapping.get(field.name, ""),
            "own": ", ".join(field.own_headings[1:3]),
        }
        for field in FIELDS
    ]


@staff_view
@require_http_methods(["GET", "POST"])
def register_import(request: ViewerRequest) -> HttpResponse:
    _require(request)
    organisation = request.viewer.organisation
    assert organisation is not None  # can_import: a council
    form = RegisterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        limit = settings.VISIBLE_RETURN_MAX_BYTES
        if uploaded.size > limit:  # before a byte of it is read
            form.add_error(
                "file",
                f"The file is {size_text(uploaded.size)}; a register file is at most {size_text(limit)}",
            )
        else:
            return _start(request, uploaded.name, uploaded.read())
    imports.fail_stale(timezone.now())
    uploads = [
        {"job": job, "tag": STATE_TAGS[job.state]}
        for job in register_imports.recent(request.viewer)
    ]
    context = {
        "form": form,
        "authority": organisation.authority,
        "mapping": _mapping_rows(saved_mapping(organisation)),
        "has_mapping": bool(saved_mapping(organisation)),
        "saved": request.GET.get("saved") == "1",
        "uploads": uploads,
    }
    return render(
        request, "web/register/import.html", context, status=400 if form.is_bound else 200
    )


def _start(request: ViewerRequest, name: str, content: bytes) -> HttpResponse:
    """Keep the upload, ask for its job once it is committed, and go to its page."""
    job = None
    try:
        with transaction.atomic():
            job = register_imports.accept(request.viewer, name, content, timezone.now())
            after_commit(import_register_upload, job.pk)
    except Exception as error:
        if job is None or not ImportJob.objects.filter(pk=job.pk).exists():
            raise
        logger.exception("Upload %s could not be queued", job.pk)
        imports.could_not_queue(job.pk, error, timezone.now())
    return redirect("web:ssda903-upload", job.pk)


def _preview(sample, headings: dict[str, str]) -> dict:
    """A sample file's headings, which field each goes to, and its first rows as Visible reads
    them with ``headings`` (nothing is kept or written)."""
    report = ImportReport()
    raw = sample.read()
    table = read_table(sample.name, raw, report)
    if table is None:
        return {"name": sample.name, "problems": report.problems}
    columns = resolve(sample.name, table.headings, headings, report)
    fields = [BY_NAME[name] for name in BY_NAME if name in columns]
    rows = []
    for line, cells in table.rows[:PREVIEW_ROWS]:
        shown = []
        for field in fields:
            index = columns[field.name]
            cell = cells[index] if index < len(cells) else ""
            problem = ""
            if text(cell):
                try:
                    READERS[field.name](cell)
                except Unreadable as error:
                    problem = error.rule
            shown.append({"value": text(cell), "problem": problem})
        rows.append({"line": line, "cells": shown})
    going_to = {index: BY_NAME[name].label for name, index in columns.items()}
    return {
        "name": sample.name,
        "count": len(table.rows),
        "headings": [
            {"heading": heading, "field": going_to.get(index, "")}
            for index, heading in enumerate(table.headings)
            if heading
        ],
        "fields": fields,
        "rows": rows,
        "problems": report.problems,
        "has_errors": any(p.severity == ERROR for p in report.problems),
    }


@staff_view
@require_http_methods(["GET", "POST"])
def register_mapping(request: ViewerRequest) -> HttpResponse:
    _require(request)
    organisation = request.viewer.organisation
    assert organisation is not None  # can_import: a council
    saved = saved_mapping(organisation)
    form = MappingForm(request.POST or None, request.FILES or None, initial=saved)
    preview = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            headings = form.headings()
            if request.POST.get("action") == "save":
                try:
                    save_mapping(request.viewer, headings)
                except ValidationError as error:
                    for name, messages in error.message_dict.items():
                        for message in messages:
                            form.add_error(name if name in form.fields else None, message)
                else:
                    return redirect(f"{redirect('web:register-import').url}?saved=1")
            elif form.cleaned_data.get("sample"):
                limit = settings.VISIBLE_RETURN_MAX_BYTES
                sample = form.cleaned_data["sample"]
                if sample.size > limit:
                    form.add_error(
                        "sample",
                        f"The file is {size_text(sample.size)}; a register file is at most {size_text(limit)}",
                    )
                else:
                    preview = _preview(sample, {k: v for k, v in headings.items() if v})
            else:
                form.add_error("sample", "Select a file from your case system to preview")
        if form.errors:
            status = 400
    context = {
        "form": form,
        "authority": organisation.authority,
        "preview": preview,
        "saved_at": None,
    }
    return render(request, "web/register/mapping.html", context, status=status)
