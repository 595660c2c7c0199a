"""National monitoring pages: collections and each authority's status, receiving returns
(upload, keyed from a letter, or sent from Visible by the authority), data-quality queries,
the national tables with their charts and map, and the exports.

Who may do what is decided in national/policy.py and national/actions.py. Every page view is
audited (the tables as a count, downloads as an export), and every refusal as denied.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

import visible.pdf
from visible import charts
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.national import actions, export, ingest, policy, tables
from visible.national.models import (
    Collection,
    Grouping,
    QualityQuery,
    ReceivedVia,
    Request,
    RequestStatus,
    Submission,
)
from visible.reference.models import Authority
from visible.returns import edition2024, foi
from visible.returns.formats import published

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from .forms import (
    AnswerForm,
    CollectionForm,
    GroupingForm,
    KeyedForm,
    StatusForm,
    UploadForm,
)

STATUS_TAGS = {
    RequestStatus.REQUESTED: "govuk-tag--grey",
    RequestStatus.PROVIDED: "govuk-tag--green",
    RequestStatus.PARTIAL: "govuk-tag--yellow",
    RequestStatus.NOT_PROVIDED: "govuk-tag--orange",
    RequestStatus.REFUSED: "govuk-tag--red",
    RequestStatus.NO_SUCH_CHILDREN: "govuk-tag--blue",
}
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


# --- helpers -------------------------------------------------------------------------------------


def _analyst(request: ViewerRequest, what: str) -> None:
    policy.require_national_analyst(request.viewer, what)


def _collection(pk: int) -> Collection:
    return get_object_or_404(Collection, pk=pk)


def _problems_context(error: ingest.ReturnProblems) -> dict:
    return {
        "problems": error.problems[: ingest.MAX_PROBLEMS_SHOWN],
        "problem_count": len(error.problems),
    }


# --- collections ---------------------------------------------------------------------------------


@staff_view
def national_home(request: ViewerRequest) -> HttpResponse:
    _analyst(request, "open national monitoring")
    collections = list(Collection.objects.all())
    rows = []
    for collection in collections:
        statuses = dict(
            collection.requests.values_list("status")
            .annotate(n=_count())
            .values_list("status", "n")
        )
        answered = sum(n for s, n in statuses.items() if s != RequestStatus.REQUESTED)
        rows.append(
            {
                "collection": collection,
                "asked": sum(statuses.values()),
                "answered": answered,
                "provided": statuses.get(RequestStatus.PROVIDED, 0)
                + statuses.get(RequestStatus.PARTIAL, 0),
            }
        )
    trend = tables.trend(collections) if sum(not c.is_2024 for c in collections) > 1 else None
    record(
        request.viewer,
        AuditAction.LIST,
        object_type="collection",
        summary=f"Viewed {len(rows)} collections",
    )
    return render(
        request,
        "web/national/home.html",
        {
            "rows": rows,
            "trend": trend,
            "trend_rows": _rows(trend, suppress=False) if trend else None,
            "trend_chart": _chart(trend, suppress=False, chart_id="trend") if trend else None,
            "groupings": Grouping.objects.all(),
        },
    )


def _count():
    from django.db.models import Count

    return Count("pk")


@staff_view
def collection_new(request: ViewerRequest) -> HttpResponse:
    _analyst(request, "open a collection")
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            collection = actions.open_collection(
                request.viewer,
                data["name"],
                data["period_from"],
                data["period_to"],
                data["due_on"],
                edition=data["edition"],
                missing_definition=data["missing_definition"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"Collection opened: {collection.requests.count()} authorities asked"
            )
            return redirect("web:national-collection", collection.pk)
    return render(request, "web/national/collection_new.html", {"form": form})


@staff_view
def collection_detail(request: ViewerRequest, pk: int) -> HttpResponse:
    _analyst(request, "open a collection")
    collection = _collection(pk)
    show = request.GET.get("status", "")
    requests = collection.requests.select_related("authority")
    if show in RequestStatus.values:
        requests = requests.filter(status=show)
    latest = actions.latest_submissions(collection)
    open_queries = set(
        QualityQuery.objects.filter(
            submission__request__collection=collection, status="open"
        ).values_list("submission__request_id", flat=True)
    )
    today = timezone.localdate()
    rows = [
        {
            "request": r,
            "tag": STATUS_TAGS[r.status],
            "latest": latest.get(r.pk),
            "findings": len(actions.findings_for(latest[r.pk])) if r.pk in latest else 0,
            "open_query": r.pk in open_queries,
            "overdue": r.status == RequestStatus.REQUESTED and r.due_on < today,
        }
        for r in requests
    ]
    counts = dict(
        collection.requests.values_list("status").annotate(n=_count()).values_list("status", "n")
    )
    chase = actions.chase_list(collection, today)
    record(
        request.viewer,
        AuditAction.LIST,
        object_type="collection",
        object_id=collection.pk,
        summary=f"Viewed collection '{collection.name}'",
    )
    return render(
        request,
        "web/national/collection.html",
        {
            "collection": collection,
            "rows": rows,
            "show": show,
            "statuses": [
                (code, label, counts.get(code, 0)) for code, label in RequestStatus.choices
            ],
            "chase": chase,
            "overdue": [r for r in chase if r.due_on < today],
            "asked": sum(counts.values()),
        },
    )


@staff_view
@require_POST
def collection_chase(request: ViewerRequest, pk: int) -> HttpResponse:
    _analyst(
        request, "chase authorities"
    )  # before the lookup: the same answer whether or not it exists
    collection = _collection(pk)
    today = timezone.localdate()
    overdue = [r for r in actions.chase_list(collection, today) if r.due_on < today]
    count = actions.record_chased(request.viewer, overdue)
    messages.success(
        request, f"Recorded as chased today: {count} authorit{'y' if count == 1 else 'ies'}"
    )
    return redirect("web:national-collection", collection.pk)


# --- one authority's return ----------------------------------------------------------------------


@staff_view
def request_detail(request: ViewerRequest, pk: int, code: str) -> HttpResponse:
    _analyst(request, "open an authority's return")
    collection = _collection(pk)
    req = get_object_or_404(
        Request.objects.select_related("authority"), collection=collection, authority__code=code
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    status_form = StatusForm(request.POST if action == "status" else None, prefix="status")
    upload_form = UploadForm(
        request.POST if action == "upload" else None,
        request.FILES if action == "upload" else None,
        prefix="upload",
        edition=collection.edition,
    )
    keyed_form = KeyedForm(request.POST if action == "keyed" else None, prefix="keyed")
    problems: dict = {}
    if action == "status" and status_form.is_valid():
        try:
            actions.set_status(
                request.viewer,
                req,
                status_form.cleaned_data["status"],
                status_form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_errors(status_form, error)
        else:
            messages.success(request, f"{req.authority.name}: {req.get_status_display()}")
            return redirect("web:national-request", collection.pk, code)
    elif action == "upload" and upload_form.is_valid():
        upload = upload_form.cleaned_data["file"]
        name = upload.name
        try:
            ingest.check_size(name, upload.size)  # before a byte of it is read
            raw = upload.read()
            if name.lower().endswith(".json"):
                document = ingest.from_json(raw, req.authority, collection, name)
            else:
                document = ingest.from_template(
                    raw, name, req.authority, collection, request.viewer.display_name
                )
        except ingest.ReturnProblems as error:
            problems = _problems_context(error)
            upload_form.add_error(
                "file",
                f"{name} has {len(error.problems)} problem"
                f"{'s' if len(error.problems) != 1 else ''}: nothing has been stored",
            )
        else:
            submission = actions.receive(
                request.viewer,
                req,
                document,
                ReceivedVia.UPLOAD,
                filename=name,
                note=upload_form.cleaned_data["note"],
            )
            messages.success(
                request, f"Return received from {req.authority.name}: version {submission.version}"
            )
            return redirect("web:national-request", collection.pk, code)
    elif action == "keyed" and keyed_form.is_valid():
        try:
            document = ingest.from_keyed(
                keyed_form.keyed_values(), req.authority, collection, request.viewer.display_name
            )
        except ingest.ReturnProblems as error:
            problems = _problems_context(error)
        else:
            submission = actions.receive(
                request.viewer,
                req,
                document,
                ReceivedVia.KEYED,
                note=keyed_form.cleaned_data["note"],
                stated_percentages=keyed_form.stated(),
            )
            messages.success(
                request, f"Return keyed in for {req.authority.name}: version {submission.version}"
            )
            return redirect("web:national-request", collection.pk, code)
    elif action == "query":
        submission = get_object_or_404(Submission, pk=request.POST.get("submission"), request=req)
        finding = next(
            (
                f
                for f in actions.findings_for(submission)
                if f"{f.rule}:{f.message}" == request.POST.get("finding")
            ),
            None,
        )
        if finding is None:
            raise Http404("That finding no longer applies")
        actions.raise_query(request.viewer, submission, finding.rule, finding.message)
        messages.success(request, f"Query recorded for {req.authority.name}: {finding.rule}")
        return redirect("web:national-request", collection.pk, code)
    answer_forms = {}
    if action == "answer":
        query = get_object_or_404(
            QualityQuery, pk=request.POST.get("query"), submission__request=req
        )
        form = AnswerForm(request.POST, prefix=f"answer-{query.pk}")
        answer_forms[query.pk] = form
        if form.is_valid():
            actions.answer_query(request.viewer, query, form.cleaned_data["answer"])
            messages.success(request, "Answer recorded")
            return redirect("web:national-request", collection.pk, code)

    submissions = list(req.submissions.all())
    latest = submissions[0] if submissions else None
    findings = actions.findings_for(latest) if latest else []
    queries = list(
        QualityQuery.objects.filter(submission__request=req).select_related("submission")
    )
    raised = {(q.submission_id, q.rule, q.message) for q in queries}
    record(
        request.viewer,
        AuditAction.VIEW,
        object_type="collection_request",
        object_id=req.pk,
        summary=f"Viewed the return of {req.authority.name} for '{collection.name}'",
    )
    headline = []
    if latest and collection.is_2024:
        labels = dict(tables.PUBLISHED_COLUMNS)
        for period in latest.document["periods"]:
            for group in actions.HEADLINE_2024:
                counts = period["counts"][group]
                headline.append(
                    {
                        "label": f"{period['label']}: {labels[group]}",
                        "values": [counts[m] for m in edition2024.MEASURE_CODES_2024],
                    }
                )
    elif latest:
        labels = {g.code: g.label for g in foi.GROUPS}
        for group in ingest.KEYED_GROUPS:
            counts = latest.document["counts"][group]
            headline.append(
                {"label": labels[group], "values": [counts[m] for m in ingest.KEYED_MEASURES]}
            )
    return render(
        request,
        "web/national/request.html",
        {
            "collection": collection,
            "req": req,
            "tag": STATUS_TAGS[req.status],
            "submissions": submissions,
            "latest": latest,
            "headline": headline,
            "findings": [
                {"finding": f, "raised": (latest.pk, f.rule, f.message) in raised} for f in findings
            ],
            "queries": [
                {"query": q, "form": answer_forms.get(q.pk) or AnswerForm(prefix=f"answer-{q.pk}")}
                for q in queries
            ],
            "status_form": status_form,
            "upload_form": upload_form,
            "keyed_form": keyed_form,
            "keyed_rows": [
                [keyed_form[f"{g}__{m}"] for m in ingest.KEYED_MEASURES] + [keyed_form[f"{g}__pct"]]
                for g in ingest.KEYED_GROUPS
            ],
            "forms_have_errors": bool(
                status_form.errors or upload_form.errors or keyed_form.errors or problems
            ),
            **problems,
        },
    )


# --- tables, charts, map, exports ----------------------------------------------------------------


def _grouping(request: ViewerRequest) -> Grouping | None:
    value = request.GET.get("grouping", "")
    if not value:
        return None
    grouping = Grouping.objects.filter(pk=value).first() if value.isdigit() else None
    if grouping is None:
        raise Http404("No such grouping")
    return grouping


def _rows(table: tables.Table, suppress: bool) -> list[dict]:
    shown = table.published(suppress)
    return [
        {
            "label": label,
            "cells": [shown.get((key, c.key), "") for c in table.columns],
            "total": key == "total",
        }
        for key, label in table.rows
    ]


def _chart(table: tables.Table, suppress: bool, chart_id: str):
    if not table.chart:
        return None
    shown = table.published(suppress)
    keys = [(k, label) for k, label in table.rows if k != "total"]
    labels = {c.key: c.label for c in table.columns}
    series = [labels[c] for c in table.chart]
    values = [[shown.get((k, c)) for c in table.chart] for k, _ in keys]
    return charts.bars(
        chart_id,
        table.title,
        [(label, None) for _, label in keys],
        series=series if len(series) > 1 else ("",),
        values=values,
    )


def _map(data: tables.Collected, suppress: bool):
    authorities = {
        a.code: a for a in Authority.objects.filter(code__in=[r.code for r in data.returns])
    }
    places = [
        charts.Place(code, a.name, a.latitude, a.longitude)
        for code, a in authorities.items()
        if a.latitude is not None
    ]
    values = {}
    for r in data.returns:
        children = r.figure("any", "children")
        missing = r.figure("any", "children_missing_or_away")
        if r.status == RequestStatus.NO_SUCH_CHILDREN:
            values[r.code] = charts.MapValue("z", None, "no such children")
        elif children is None or missing is None:
            values[r.code] = charts.MapValue(":", None, "no information")
        else:
            shown_missing = "c" if suppress and 0 < missing < 6 else missing
            shown_children = "c" if suppress and 0 < children < 6 else children
            rate = foi_rate(shown_missing, shown_children)
            values[r.code] = charts.MapValue(
                rate
                if rate is not None
                else ("c" if "c" in (shown_missing, shown_children) else "z"),
                rate,
                "",
            )
    return charts.hex_map(
        "map", "Share of children in scope who went missing or away", charts.layout(places), values
    )


def _map_rows(data: tables.Collected, suppress: bool) -> list[dict]:
    """The map's numbers as a table: every authority, its status, children, missing, rate."""
    labels = dict(RequestStatus.choices)

    def shown(n):
        return "c" if suppress and isinstance(n, int) and 0 < n < 6 else (":" if n is None else n)

    rows = []
    for r in data.returns:
        children, missing = r.figure("any", "children"), r.figure("any", "children_missing_or_away")
        rows.append(
            {
                "name": r.name,
                "status": labels[r.status],
                "children": shown(children),
                "missing": shown(missing),
                "rate": foi_rate(shown(missing), shown(children)),
            }
        )
    return rows


def foi_rate(missing, children) -> float | None:
    if isinstance(missing, int) and isinstance(children, int) and children:
        return round(100 * missing / children, 1)
    return None


@staff_view
def collection_tables(request: ViewerRequest, pk: int) -> HttpResponse:
    _analyst(request, "see the national tables")
    collection = _collection(pk)
    grouping = _grouping(request)
    suppress = request.GET.get("view", "published") != "unsuppressed"
    data = tables.collect(collection, grouping, with_detail=not collection.is_2024)
    built = tables.collection_tables(data)
    shown = [
        {"table": t, "rows": _rows(t, suppress), "chart": _chart(t, suppress, f"chart-{t.key}")}
        for t in built
    ]
    record(
        request.viewer,
        AuditAction.COUNT,
        object_type="national_tables",
        object_id=collection.pk,
        summary=f"Viewed the national tables for '{collection.name}' ({'published' if suppress else 'unsuppressed'})",
        detail={"grouping": grouping.name if grouping else "ONS", "suppressed": suppress},
    )
    return render(
        request,
        "web/national/tables.html",
        {
            "collection": collection,
            "tables": shown,
            "suppress": suppress,
            "grouping": grouping,
            "groupings": Grouping.objects.all(),
            # A 2024 collection's tables are national, period by period: no map, no regions.
            "map": None if collection.is_2024 else _map(data, suppress),
            "map_rows": None if collection.is_2024 else _map_rows(data, suppress),
            "query": request.GET.urlencode(),
        },
    )


@staff_view
def collection_export(request: ViewerRequest, pk: int, fmt: str) -> HttpResponse:
    _analyst(request, "download the national tables")
    if fmt not in EXPORT_TYPES:
        raise Http404("No such format")
    collection = _collection(pk)
    grouping = _grouping(request)
    data = tables.collect(collection, grouping, with_detail=not collection.is_2024)
    built = tables.collection_tables(data)
    which = request.GET.get("table", "")
    slug = collection.name.lower().replace(" ", "-")
    if which:
        table = next((t for t in built if t.key == which), None)
        if table is None or fmt != "csv":
            raise Http404("No such table")
        body, name = export.table_csv(table), f"{slug}-{table.key}.csv"
    elif fmt == "csv":
        body, name = export.tidy_csv(built, collection.name), f"{slug}-all-tables.csv"
    elif fmt == "xlsx":
        body, name = export.workbook(built, collection.name), f"{slug}-tables.xlsx"
    else:
        body, name = _pdf(collection, built, data), f"{slug}-tables.pdf"
    record(
        request.viewer,
        AuditAction.EXPORT,
        object_type="national_tables",
        object_id=collection.pk,
        summary=f"Downloaded {name} (disclosure control applied)",
        detail={"table": which or "all", "format": fmt},
    )
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pdf(collection: Collection, built: list[tables.Table], data: tables.Collected) -> bytes:
    shown = [
        {"table": t, "rows": _rows(t, True), "chart": _chart(t, True, f"chart-{t.key}")}
        for t in built
    ]
    html = render_to_string(
        "web/national/tables_pdf.html",
        {
            "collection": collection,
            "tables": shown,
            "map": None if collection.is_2024 else _map(data, True),
            "note": export.NOTE,
            "generated": timezone.localtime(),
        },
    )
    return visible.pdf.render(html)


@staff_view
def template_download(request: ViewerRequest, fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        body = ingest.template_xlsx()
    elif fmt == "csv":
        body = ingest.template_csv()
    else:
        raise Http404("No such format")
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="visible-return-template.{fmt}"'
    return response


@staff_view
def groupings(request: ViewerRequest) -> HttpResponse:
    _analyst(request, "load a grouping")
    form = GroupingForm(request.POST or None, request.FILES or None)
    problems: dict = {}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            ingest.check_size(upload.name, upload.size)  # before a byte of it is read
            grouping = actions.load_grouping(
                request.viewer, form.cleaned_data["name"], upload.read(), upload.name
            )
        except ingest.ReturnProblems as error:
            problems = _problems_context(error)
            form.add_error(
                "file",
                f"{upload.name} has {len(error.problems)} problem"
                f"{'s' if len(error.problems) != 1 else ''}: nothing has been stored",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Grouping loaded: {grouping.name} ({grouping.members.count()} authorities)",
            )
            return redirect("web:national-home")
    return render(
        request,
        "web/national/groupings.html",
        {
            "form": form,
            "groupings": Grouping.objects.all(),
            "problem_anchor": "id_file",
            **problems,
        },
    )


# --- a council sends its own return --------------------------------------------------------------


@staff_view
def council_collections(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    org = viewer.organisation
    if not (
        org.is_responsible_body
        and org.authority_id
        and policy.can_submit_for(viewer, org.authority_id)
    ):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="collection",
            summary="Tried to open the national collections page",
        )
        raise PermissionDenied(
            "Only a council's senior manager, missing coordinator or analyst can send its return"
        )
    requests = (
        Request.objects.filter(authority_id=org.authority_id)
        .select_related("collection")
        .order_by("-collection__period_to")
    )
    if request.method == "POST":
        req = get_object_or_404(requests, pk=request.POST.get("request"))
        start, end = req.collection.period_from, req.collection.period_to
        if request.POST.get("what") == "child-level":
            from visible.pseudo.actions import submit as submit_child_level
            from visible.pseudo.pseudonymise import NoNationalKey

            try:
                sent = submit_child_level(viewer, org.authority, start, end)
            except NoNationalKey as error:
                messages.error(request, f"Child-level records not sent: {error}")
                return redirect("web:national-council")
            from visible.pseudo.models import LOCAL_BASES
            from visible.pseudo.tables import not_linked_sentence, submission_bases

            bases = submission_bases(sent)
            unlinked = any(bases[basis] for basis in LOCAL_BASES)
            messages.success(
                request,
                f"Pseudonymised child-level records sent for '{req.collection.name}': "
                f"{sent.children} children, {sent.episodes} incidents, no names"
                + (f". {not_linked_sentence(bases)}" if unlinked else ""),
            )
            return redirect("web:national-council")
        if req.collection.is_2024:
            definition = req.collection.missing_definition or edition2024.DEFAULT_DEFINITION
            document = edition2024.published(
                edition2024.count_2024([req.authority], start, end, definition)
            )
        else:
            document = published(foi.count_return([org.authority], start, end), suppress=False)
        document["generated_by"] = f"{document['generated_by']} for {viewer.display_name}"
        submission = actions.receive(viewer, req, document, ReceivedVia.VISIBLE)
        messages.success(
            request, f"Return sent for '{req.collection.name}': version {submission.version}"
        )
        return redirect("web:national-council")
    latest = {}
    for s in Submission.objects.filter(request__in=requests).order_by("request_id", "-version"):
        latest.setdefault(s.request_id, s)
    record(
        viewer,
        AuditAction.LIST,
        object_type="collection",
        summary="Viewed the national collections addressed to them",
    )
    today = timezone.localdate()
    return render(
        request,
        "web/national/council.html",
        {
            "rows": [
                {
                    "request": r,
                    "latest": latest.get(r.pk),
                    **council_status(r, latest.get(r.pk), today),
                }
                for r in requests
            ],
        },
    )


def council_status(request: Request, latest: Submission | None, today: dt.date) -> dict:
    """Where a collection stands, as the council sees it on `today`: its return sent (the
    status the national body gave it), a status the national body recorded without one (said
    so), or "Not answered yet", tagged "Overdue" after the deadline."""
    if latest is not None:
        return {
            "status": request.get_status_display(),
            "tag": STATUS_TAGS[RequestStatus(request.status)],
        }
    if request.status != RequestStatus.REQUESTED:
        return {
            "status": f"{request.get_status_display()}, recorded by the national body",
            "tag": STATUS_TAGS[RequestStatus(request.status)],
        }
    return {
        "status": "Not answered yet",
        "tag": "govuk-tag--grey",
        "overdue": today > request.due_on,
    }


# --- child-level, pseudonymised ------------------------------------------------------------------


@staff_view
def child_level(request: ViewerRequest) -> HttpResponse:
    """The national tables from pseudonymised child-level records (visible.pseudo): the
    latest period submitted, or the collection's period chosen; published or as received."""
    from visible.pseudo import tables as pseudo_tables

    _analyst(request, "see the child-level tables")
    collections = list(Collection.objects.all())
    chosen = next((c for c in collections if str(c.pk) == request.GET.get("collection")), None)
    period = (chosen.period_from, chosen.period_to) if chosen else pseudo_tables.latest_period()
    suppress = request.GET.get("view", "published") != "unsuppressed"
    shown = []
    result = None
    refused = ""
    summary: list[str] = []
    if period:
        try:
            result = pseudo_tables.tables_for(
                request.viewer, *period, purpose="child-level tables page"
            )
        except ValueError as error:  # submissions under different keys or linkage rules
            refused = str(error)
    if result is not None:
        summary = pseudo_tables.summary_lines(result, suppress)
        for table in pseudo_tables.text_tables(result):
            values = table.values
            if suppress and table.counts:
                from visible.returns import disclosure

                values = disclosure.protect(
                    table.values, table.relations, rounded=table.rounded
                ).published
            shown.append(
                {
                    "title": table.title,
                    "columns": [label for _, label in table.columns],
                    "rows": [
                        {"label": label, "cells": [values[key, c] for c, _ in table.columns]}
                        for key, label in table.rows
                    ],
                }
            )
    return render(
        request,
        "web/national/child_level.html",
        {
            "collections": collections,
            "chosen": chosen,
            "period": period,
            "tables": shown,
            "result": result,
            "suppress": suppress,
            "refused": refused,
            "summary": summary,
        },
    )
