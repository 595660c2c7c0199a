"""The SSDA903 upload page: a council's manager or coordinator uploads the return's files (CSV
or XML); either it goes in, with a summary of what changed and any warnings, or nothing goes
in and the page shows every problem, grouped, with the full list as a CSV download. Plain
forms: no JavaScript needed."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.dates import collection_year
from visible.reference.codes import year_label
from visible.spreadsheets import inert_csv_text
from visible.ssda903 import policy, problems
from visible.ssda903.importer import import_return
from visible.ssda903.report import ERROR, WARNING
from visible.uploads import size_text

from ..common import staff_view
from ..request import ViewerRequest
from .forms import UploadForm


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


@staff_view
@require_http_methods(["GET", "POST"])
def ssda903_import(request: ViewerRequest) -> HttpResponse:
    _require(request)
    authority = request.viewer.organisation.authority
    last_year = collection_year(timezone.localdate()) - 1
    form = UploadForm(request.POST or None, request.FILES or None, initial={"year": str(last_year)})
    context: dict = {"form": form, "authority": authority, "outcome": None}
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["files"]
        total, limit = sum(f.size for f in uploaded), settings.VISIBLE_SSDA903_MAX_BYTES
        if total > limit:  # before a byte of them is read
            form.add_error(
                "files",
                f"The files are {size_text(total)} together; an SSDA903 return is at most "
                f"{size_text(limit)}: upload the Header, Episodes, UASC and Missing files only",
            )
            return render(request, "web/ssda903/import.html", context, status=400)
        files = [(f.name, f.read()) for f in uploaded]
        year = int(form.cleaned_data["year"])
        outcome = import_return(files, year, authority.code, viewer=request.viewer)
        report = outcome.report
        context.update(
            outcome=outcome,
            year_label=year_label(year),
            errors=report.groups(ERROR),
            warnings=report.groups(WARNING),
            error_count=len(report.errors),
            warning_count=len(report.warnings),
        )
        kept = problems.keep(request.viewer, report)
        if kept is not None:
            context["problems_pk"] = kept.pk
        return render(
            request, "web/ssda903/import.html", context, status=200 if outcome.imported else 422
        )
    return render(request, "web/ssda903/import.html", context, status=400 if form.is_bound else 200)


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
