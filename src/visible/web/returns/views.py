"""Pages for the FOI return (the report's data request, answered) and the safeguarding
partnership's annual report.

The FOI page renders the same document the downloads write (returns/formats.py), so the page
and the files cannot disagree. Who may see what is decided in returns/policy.py; every page
view is audited as a count, every download as an export, and every refusal as denied.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.dates import collection_period, collection_year, reporting_year
from visible.reference.models import Authority
from visible.returns import actions, edition2024, foi, formats, partnership, policy
from visible.returns.models import PartnershipArea, PartnershipSection, SectionKey

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from .forms import DownloadForm, FoiPeriodForm, SectionForm

HEADLINE_MEASURES = (
    "children",
    "children_missing_or_away",
    "children_missing",
    "children_away",
    "incidents",
    "children_still_missing",
    "children_still_missing_turned_18",
)
BAND_MEASURES = (
    "incidents_under_24_hours",
    "incidents_1_to_7_days",
    "incidents_over_7_days",
    "incidents_still_missing",
    "incidents_returned_themselves",
    "incidents_found",
)
SHORT_LABELS = {
    "children": "Children (Q1)",
    "children_missing_or_away": "Went missing or away (Q2)",
    "children_missing": "Missing (M)",
    "children_away": "Away (A)",
    "incidents": "Incidents (Q3)",
    "children_still_missing": "Still missing at the end (Q4)",
    "children_still_missing_turned_18": "Of whom turned 18",
    "incidents_under_24_hours": "Under 24 hours",
    "incidents_1_to_7_days": "24 hours to 7 days",
    "incidents_over_7_days": "More than 7 days",
    "incidents_still_missing": "Still missing",
    "incidents_returned_themselves": "Came back by themselves",
    "incidents_found": "Found",
}
OUTCOME_LABELS = {
    "returned_themselves": "Came back by themselves",
    "found": "Found",
    "still_missing": "Still missing at the end of the period",
}


def _own_authority(request: ViewerRequest, purpose: str) -> Authority:
    viewer = request.viewer
    authority = viewer.organisation.authority if viewer.organisation else None
    if authority is None or not policy.can_make_foi_return(viewer, authority):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="foi_return",
            object_id=authority.code if authority else "",
            summary="Tried to open the FOI return page",
            purpose=purpose,
        )
        raise PermissionDenied(
            "Only a senior manager, missing coordinator or analyst of a council can see its FOI return"
        )
    return authority


def _default_period() -> tuple[dt.date, dt.date]:
    """The last complete reporting year, April to March."""
    return collection_period(collection_year(timezone.localdate()) - 1)


def _breakdown_tables(doc: dict, group: str) -> list[dict]:
    measures = {m["code"]: m["label"] for m in doc["measures"]}
    tables = []
    for table in doc["breakdowns"]:
        if table["group"] != group:
            continue
        tables.append(
            {
                "measure": table["measure"],
                "by": table["by"],
                "measure_label": measures[table["measure"]],
                "by_label": "nationality"
                if table["by"] == "nationality"
                else "British, EU or non-EU",
                "rows": [
                    {"label": r["label"], "cells": list(r["values"].values()), "total": r["total"]}
                    for r in table["rows"]
                ],
                "column_totals": list(table["column_totals"].values()),
                "total": table["total"],
            }
        )
    return tables


def _length(hours: float) -> str:
    days, rest = divmod(hours, 24)
    if days >= 1:
        return f"{int(days)} day{'s' if days >= 2 else ''} {rest:.0f} h"
    return f"{hours:.1f} h"


@staff_view
@require_GET
def foi_return(request: ViewerRequest) -> HttpResponse:
    authority = _own_authority(request, "FOI return page")
    default_start, default_end = _default_period()
    form = FoiPeriodForm(
        request.GET if "start_0" in request.GET else None,
        initial={"start": default_start, "end": default_end},
    )
    start, end, suppress = default_start, default_end, False
    context: dict = {"form": form, "authority": authority, "doc": None}
    if form.is_bound:
        if not form.is_valid():
            return render(request, "web/returns/foi_return.html", context)
        start, end, suppress = (
            form.cleaned_data["start"],
            form.cleaned_data["end"],
            form.cleaned_data["suppress"],
        )
    if form.is_bound and form.cleaned_data["edition"] == "2024":
        return _foi_return_2024(request, context, authority, start, end, suppress)
    group = foi.GROUPS_BY_CODE.get(request.GET.get("group", ""), foi.GROUPS_BY_CODE["any"])
    result = foi.foi_return_for(request.viewer, authority, start, end, purpose="FOI return page")
    doc = formats.published(result, suppress=suppress)
    groups = {g["code"]: g for g in doc["groups"]}

    def rows(measures):
        return [
            {
                "code": code,
                "label": groups[code]["label"],
                "questions": ", ".join(groups[code]["questions"]),
                "values": [(m, doc["counts"][code][m]) for m in measures],
            }
            for code in groups
        ]

    bands = dict(foi.DURATION_BANDS)
    incidents = [
        i
        | {
            "length": _length(i["hours"]),
            "band_label": bands[i["band"]],
            "outcome_label": OUTCOME_LABELS[i["outcome"]],
        }
        for i in doc["incidents"]
    ]
    query_base = {
        "start_0": start.day,
        "start_1": start.month,
        "start_2": start.year,
        "end_0": end.day,
        "end_1": end.month,
        "end_2": end.year,
    }
    if suppress:
        query_base["suppress"] = "on"
    downloads = []
    for published in (True, False):
        for fmt in formats.FORMATS:
            params = f"start={start.isoformat()}&end={end.isoformat()}&format={fmt}" + (
                "&suppress=on" if published else ""
            )
            downloads.append(
                {
                    "href": f"{reverse('web:foi-return-download')}?{params}",
                    "format": fmt,
                    "suppress": published,
                    "label": f"{fmt.upper()}, {'as published (with disclosure control)' if published else 'unsuppressed, for use inside the council'}",
                }
            )
    context.update(
        {
            "doc": doc,
            "start": start,
            "end": end,
            "as_at": result.period_end,
            "suppressed": suppress,
            "group": group,
            "groups": foi.GROUPS,
            "genders": foi.GENDERS,
            "headline_measures": [(m, SHORT_LABELS[m]) for m in HEADLINE_MEASURES],
            "headline_rows": rows(HEADLINE_MEASURES),
            "band_measures": [(m, SHORT_LABELS[m]) for m in BAND_MEASURES],
            "band_rows": rows(BAND_MEASURES),
            "breakdowns": _breakdown_tables(doc, group.code),
            "first_days_measures": doc["first_days"]["measures"],
            "first_days_rows": [
                {
                    "code": g.code,
                    "label": g.label,
                    "values": [
                        (m["code"], doc["first_days"]["counts"][g.code][m["code"]])
                        for m in doc["first_days"]["measures"]
                    ],
                    "median": doc["first_days"].get("median_hours", {}).get(g.code),
                }
                for g in foi.GROUPS
            ],
            "incidents": incidents,
            "downloads": downloads,
            "query_base": query_base,
        }
    )
    return render(request, "web/returns/foi_return.html", context)


def _foi_return_2024(
    request: ViewerRequest,
    context: dict,
    authority: Authority,
    start: dt.date,
    end: dt.date,
    suppress: bool,
) -> HttpResponse:
    """The 2024 edition on the same page: a table per period of the request."""
    result = edition2024.foi_return_2024_for(
        request.viewer, authority, start, end, purpose="FOI return page (2024 edition)"
    )
    doc = edition2024.published(result, suppress=suppress)
    groups = dict(edition2024.GROUPS_2024)
    measures = list(edition2024.MEASURES_2024)
    context.update(
        {
            "doc2024": doc,
            "start": start,
            "end": end,
            "suppressed": suppress,
            "measures2024": measures,
            "periods2024": [
                {
                    "period": period,
                    "rows": [
                        {
                            "code": g,
                            "label": groups[g],
                            "values": [(m, period["counts"][g][m]) for m, _ in measures],
                        }
                        for g in edition2024.GROUP_CODES_2024
                    ],
                }
                for period in doc["periods"]
            ],
            "downloads2024": [
                {
                    "href": f"{reverse('web:foi-return-download')}?start={start.isoformat()}"
                    f"&end={end.isoformat()}&format={fmt}&edition=2024"
                    + ("&suppress=on" if published else ""),
                    "label": f"{fmt.upper()}, "
                    + (
                        "as published (with disclosure control)"
                        if published
                        else "unsuppressed, for use inside the council"
                    ),
                }
                for published in (True, False)
                for fmt in ("json", "csv")
            ],
        }
    )
    return render(request, "web/returns/foi_return.html", context)


@staff_view
@require_GET
def foi_return_download(request: ViewerRequest) -> HttpResponse:
    authority = _own_authority(request, "FOI return download")
    form = DownloadForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()
        )
        return HttpResponse(
            f"The download link is not complete ({problems}). Open the FOI return page and use its "
            "download links.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    data = form.cleaned_data
    try:
        foi.check_period(data["start"], data["end"])
    except ValueError:
        return HttpResponse(
            "The period's 'to' date is before its 'from' date. Open the FOI return page and choose "
            "the period again.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if request.GET.get("edition") == "2024" and data["format"] in ("json", "csv"):
        result2024 = edition2024.foi_return_2024_for(
            request.viewer,
            authority,
            data["start"],
            data["end"],
            purpose="FOI return download (2024 edition)",
        )
        content = edition2024.render(result2024, data["format"], suppress=data["suppress"])
        name = (
            f"foi-return-2024-{authority.code}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}"
            f"{'-published' if data['suppress'] else '-unsuppressed'}.{data['format']}"
        )
    else:
        result = foi.foi_return_for(
            request.viewer, authority, data["start"], data["end"], purpose="FOI return download"
        )
        content = formats.render(result, data["format"], suppress=data["suppress"])
        name = formats.filename(result, data["format"], data["suppress"])
    record(
        request.viewer,
        AuditAction.EXPORT,
        object_type="foi_return",
        object_id=authority.code,
        purpose="FOI return download",
        summary=f"Downloaded the FOI return as {data['format'].upper()}"
        f"{' with disclosure control' if data['suppress'] else ' (unsuppressed)'}",
        detail={
            "edition": "2024" if request.GET.get("edition") == "2024" else "2016",
            "format": data["format"],
            "suppressed": data["suppress"],
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            "filename": name,
            "bytes": len(content),
        },
    )
    response = HttpResponse(content, content_type=formats.CONTENT_TYPES[data["format"]])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the partnership's annual report -------------------------------------------------------------


def _area(pk: int) -> PartnershipArea:
    area = PartnershipArea.objects.filter(pk=pk).first()
    if area is None:
        raise Http404("No partnership area with that number")
    return area


def _checked_year(area: PartnershipArea, year: int) -> None:
    try:
        partnership.check_year(area, year)
    except ValueError as error:
        raise Http404(str(error).removeprefix("--year: ")) from None


@staff_view
@require_GET
def partnerships(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    today = timezone.localdate()
    areas = []
    for area in policy.partnerships_for(viewer):
        latest = reporting_year(today, area.year_start_month)
        areas.append(
            (area, [(y, partnership.year_label(area, y)) for y in range(latest, latest - 4, -1)])
        )
    if not areas and not (viewer.organisation and viewer.organisation.is_responsible_body):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="partnership_report",
            summary="Tried to open the partnership reports",
        )
        raise PermissionDenied("Partnership reports are for councils in a partnership area")
    return render(
        request,
        "web/returns/partnerships.html",
        {"areas": areas, "year_note": "April to March unless the partnership says otherwise"},
    )


@staff_view
@require_GET
def partnership_report(request: ViewerRequest, pk: int, year: int) -> HttpResponse:
    area = _area(pk)
    if not policy.can_view_partnership(request.viewer, area):
        partnership.refuse(request.viewer, area, "partnership report page")
    _checked_year(area, year)
    report = partnership.report_for(request.viewer, area, year, purpose="partnership report page")
    return render(
        request,
        partnership.TEMPLATE,
        partnership.page_context(
            report, pdf=False, can_write=policy.can_write_sections(request.viewer, area)
        ),
    )


@staff_view
@require_GET
def partnership_report_pdf(request: ViewerRequest, pk: int, year: int) -> HttpResponse:
    area = _area(pk)
    if not policy.can_view_partnership(request.viewer, area):
        partnership.refuse(request.viewer, area, "partnership report PDF")
    _checked_year(area, year)
    report = partnership.report_for(request.viewer, area, year, purpose="partnership report PDF")
    content = partnership.render_pdf(report)
    partnership.audit_export(request.viewer, report, "pdf", len(content))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{partnership.pdf_filename(report)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view
def partnership_section(request: ViewerRequest, pk: int, year: int, key: str) -> HttpResponse:
    area = _area(pk)
    viewer = request.viewer
    if key not in SectionKey.values:
        raise Http404("No such section of the report")
    if not policy.can_write_sections(viewer, area):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="partnership_section",
            object_id=area.pk,
            summary=f"Tried to write the {year} report of {area.name}",
        )
        raise PermissionDenied(
            "Only a senior manager of a council in the partnership can write its report"
        )
    _checked_year(area, year)
    section = PartnershipSection.objects.filter(partnership=area, year=year, key=key).first()
    if request.method == "POST":
        form = SectionForm(request.POST)
        if form.is_valid():
            try:
                actions.save_section(
                    viewer, area, year, key, form.cleaned_data["text"], form.cleaned_data["version"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Saved '{SectionKey(key).label}'")
                return redirect(
                    f"{reverse('web:partnership-report', args=[area.pk, year])}#written-{key}"
                )
    else:
        form = SectionForm(
            initial={
                "text": section.text if section else "",
                "version": section.version if section else None,
            }
        )
    return render(
        request,
        "web/returns/partnership_section.html",
        {
            "form": form,
            "area": area,
            "year": year,
            "key": key,
            "title": SectionKey(key).label,
            "year_label": partnership.year_label(area, year),
        },
    )
