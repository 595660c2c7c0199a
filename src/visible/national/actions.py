"""Everything that changes national monitoring data, each in one transaction with its audit
event: opening a collection, recording an authority's status, chasing, receiving a return (a
new version every time), and raising and answering data-quality queries."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.reference.models import Authority
from visible.returns import disclosure

from . import policy, quality
from .ingest import KEYED_GROUPS, KEYED_MEASURES, edition_of
from .models import (
    Collection,
    Edition,
    Grouping,
    GroupingMember,
    MissingDefinition,
    NationalityFigure,
    QualityQuery,
    QueryStatus,
    ReceivedVia,
    Request,
    RequestStatus,
    Submission,
)


def _analyst_action(what: str):
    """National analysts only: the check (and the audit of a refusal) first, then the action
    in one transaction, so a refusal's audit event is not rolled back with it."""

    def wrap(fn):
        atomic = transaction.atomic(fn)

        @functools.wraps(fn)
        def checked(viewer: Viewer, *args, **kwargs):
            policy.require_national_analyst(viewer, what)
            return atomic(viewer, *args, **kwargs)

        return checked

    return wrap


def authorities_in_force(period_from: dt.date, period_to: dt.date):
    """Children's services authorities in force on at least one day of the period."""
    return (
        Authority.objects.childrens_services()
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=period_to))
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=period_from))
    )


@_analyst_action("open a collection")
def open_collection(
    viewer: Viewer,
    name: str,
    period_from: dt.date,
    period_to: dt.date,
    due_on: dt.date,
    edition: str = Edition.E2016,
    missing_definition: str = "",
) -> Collection:
    """A 2016 collection asks for one period; a 2024 one for its dates cut at each 1 January,
    with 'missing or absent' counted as ``missing_definition`` (default M and A)."""
    errors: dict[str, list[str]] = {}
    if edition not in Edition.values:
        errors["edition"] = ["Choose the edition of the data request: 2016 or 2024"]
    if edition == Edition.E2024:
        missing_definition = missing_definition or MissingDefinition.MISSING_OR_AWAY
        if missing_definition not in MissingDefinition.values:
            errors["missing_definition"] = ["Choose how 'missing or absent' is counted"]
    else:
        missing_definition = ""
    name = (name or "").strip()
    if not name:
        errors["name"] = [
            "Enter a name for the collection, for example 'Missing children 2024 to 2025'"
        ]
    elif Collection.objects.filter(name__iexact=name).exists():
        errors["name"] = [f"A collection called '{name}' already exists: choose another name"]
    if period_from and period_to and period_to < period_from:
        errors["period_to"] = ["The period must end on or after the day it starts"]
    if period_to and due_on and due_on <= period_to:
        errors["due_on"] = ["Returns can only be due after the period has ended"]
    if errors:
        raise ValidationError(errors)
    collection = Collection.objects.create(
        name=name,
        edition=edition,
        missing_definition=missing_definition,
        period_from=period_from,
        period_to=period_to,
        due_on=due_on,
        opened_by_name=viewer.display_name,
    )
    authorities = list(authorities_in_force(period_from, period_to))
    Request.objects.bulk_create(
        [Request(collection=collection, authority=a, due_on=due_on) for a in authorities]
    )
    record(
        viewer,
        AuditAction.CREATE,
        object_type="collection",
        object_id=collection.pk,
        summary=f"Opened collection '{name}' ({edition} edition, {period_from:%d/%m/%Y} to "
        f"{period_to:%d/%m/%Y}) addressed to {len(authorities)} authorities",
        detail={
            "edition": edition,
            "missing_definition": missing_definition,
            "period_from": period_from.isoformat(),
            "period_to": period_to.isoformat(),
            "due_on": due_on.isoformat(),
            "authorities": len(authorities),
        },
    )
    return collection


@_analyst_action("change a request's status")
def set_status(viewer: Viewer, request: Request, status: str, note: str = "") -> Request:
    """Record an answer that brings no numbers: not provided (cost limit), refused, no such
    children; or put a request back to 'requested'."""
    if status not in (
        RequestStatus.NOT_PROVIDED,
        RequestStatus.REFUSED,
        RequestStatus.NO_SUCH_CHILDREN,
        RequestStatus.REQUESTED,
    ):
        raise ValidationError(
            {"status": ["Provided and partial are set by receiving a return: upload or key it in"]}
        )
    if status in (RequestStatus.NOT_PROVIDED, RequestStatus.REFUSED) and not (note or "").strip():
        raise ValidationError(
            {
                "note": [
                    "Say what the authority said (for example 'Exceeds the FOI cost limit, s.12')"
                ]
            }
        )
    old = request.status
    request.status, request.status_note = status, (note or "").strip()
    request.save(update_fields=["status", "status_note", "updated_at"])
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="collection_request",
        object_id=request.pk,
        summary=f"{request.authority.name}: {request.get_status_display()}",
        detail={
            "collection": request.collection_id,
            "changes": {"status": [old, status]},
            "note": request.status_note,
        },
    )
    return request


def chase_list(collection: Collection, today: dt.date | None = None) -> list[Request]:
    """Requests still waiting for an answer, overdue first."""
    today = today or timezone.localdate()
    waiting = collection.requests.filter(status=RequestStatus.REQUESTED).select_related("authority")
    return sorted(
        waiting,
        key=lambda r: (
            r.due_on > today,
            r.due_on,
            r.last_chased_on or dt.date.min,
            r.authority.name,
        ),
    )


@_analyst_action("record chasing")
def record_chased(viewer: Viewer, requests: list[Request]) -> int:
    today = timezone.localdate()
    for request in requests:
        request.last_chased_on = today
        request.times_chased += 1
        request.save(update_fields=["last_chased_on", "times_chased", "updated_at"])
    if requests:
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="collection",
            object_id=requests[0].collection_id,
            summary=f"Chased {len(requests)} authorities",
            detail={"requests": [r.pk for r in requests]},
        )
    return len(requests)


HEADLINE_2024 = ("trafficked", "uasc_or_separated", "overlap")


def is_partial(document: dict[str, Any]) -> bool:
    """A return missing any of the report's headline figures (for the 2024 edition: any
    figure of trafficked, unaccompanied or separated, or the overlap, in any period)."""
    if edition_of(document) == Edition.E2024:
        return any(
            value == disclosure.NOT_AVAILABLE
            for period in document["periods"]
            for group in HEADLINE_2024
            for value in period["counts"][group].values()
        )
    counts = document["counts"]
    return any(
        counts[g][m] == disclosure.NOT_AVAILABLE for g in KEYED_GROUPS for m in KEYED_MEASURES
    )


def previous_document(request: Request) -> dict[str, Any] | None:
    """The same authority's latest return for the most recent earlier collection of the same
    edition (the two editions count different periods and groups)."""
    earlier = (
        Submission.objects.filter(
            request__authority_id=request.authority_id,
            request__collection__edition=request.collection.edition,
            request__collection__period_to__lt=request.collection.period_from,
        )
        .order_by("-request__collection__period_to", "-version")
        .first()
    )
    return earlier.document if earlier else None


def receive(
    viewer: Viewer,
    request: Request,
    document: dict[str, Any],
    via: str,
    filename: str = "",
    note: str = "",
    stated_percentages: dict[str, float] | None = None,
) -> Submission:
    """Store a return as the next version (the checked document: see ingest.py). The analyst
    receives uploads and keyed returns; a council sends its own from Visible. The access
    check, and the audit of a refusal, come before the transaction so a refusal is kept."""
    if via == ReceivedVia.VISIBLE:
        if not policy.can_submit_for(viewer, request.authority_id):
            record(
                viewer,
                AuditAction.DENIED,
                object_type="collection_request",
                object_id=request.pk,
                summary=f"Tried to send a return for {request.authority.name}",
            )
            raise PermissionDenied(
                "Only the authority's own senior manager, coordinator or analyst can send its return"
            )
    else:
        policy.require_national_analyst(viewer, "receive a return")
    if request.collection.closed_at is not None:
        raise ValidationError(
            {"collection": ["This collection is closed: returns can no longer be received"]}
        )
    with transaction.atomic():
        return _store(viewer, request, document, via, filename, note, stated_percentages)


def _store(
    viewer: Viewer,
    request: Request,
    document: dict[str, Any],
    via: str,
    filename: str,
    note: str,
    stated_percentages: dict[str, float] | None,
) -> Submission:
    request = Request.objects.select_for_update().get(pk=request.pk)
    version = (request.submissions.aggregate(v=Max("version"))["v"] or 0) + 1
    summary = summaries(document)
    submission = Submission.objects.create(
        request=request,
        version=version,
        via=via,
        document=document,
        filename=filename[:255],
        received_by_name=viewer.display_name,
        note=note,
        stated_percentages=stated_percentages or {},
        counts=summary["counts"],
        per_child=summary["per_child"],
        first_days=summary["first_days"],
    )
    NationalityFigure.objects.bulk_create(
        [
            NationalityFigure(
                submission=submission, group=g, measure=m, nationality=n, gender=gender, value=v
            )
            for g, m, n, gender, v in summary["nationality"]
        ],
        batch_size=1000,
    )
    old = request.status
    request.status = RequestStatus.PARTIAL if is_partial(document) else RequestStatus.PROVIDED
    request.status_note = ""
    request.save(update_fields=["status", "status_note", "updated_at"])
    findings = quality.check(document, previous_document(request), stated_percentages)
    record(
        viewer,
        AuditAction.CREATE,
        object_type="submission",
        object_id=submission.pk,
        summary=f"Return from {request.authority.name}, version {version} ({submission.get_via_display().lower()})",
        detail={
            "collection": request.collection_id,
            "authority": request.authority.code,
            "version": version,
            "via": via,
            "filename": filename,
            "changes": {"status": [old, request.status]},
            "findings": [f"{f.rule}: {f.message}" for f in findings],
        },
    )
    return submission


def summaries(document: dict[str, Any]) -> dict[str, Any]:
    """What the national tables need from a return, kept beside it: its counts, its
    nationality breakdowns as rows, and how many children had how many incidents. A
    2024-edition return keeps its periods' counts (it has no breakdowns or incident list)."""
    from collections import Counter

    if edition_of(document) == Edition.E2024:
        periods = [
            {k: period[k] for k in ("label", "from", "to", "part_year", "counts")}
            for period in document["periods"]
        ]
        return {
            "counts": {"periods": periods},
            "nationality": [],
            "per_child": {},
            "first_days": {},
        }
    nationality = [
        [b["group"], b["measure"], row["code"], gender, value]
        for b in document.get("breakdowns", [])
        if b["by"] == "nationality"
        for row in b["rows"]
        for gender, value in row["values"].items()
        if isinstance(value, int) and value
    ]
    per_child = Counter(
        Counter(i["child"] for i in document.get("incidents", []) if "child" in i).values()
    )
    return {
        "counts": document["counts"],
        "nationality": nationality,
        "per_child": {str(times): n for times, n in sorted(per_child.items())},
        "first_days": document.get("first_days", {}).get("counts", {}),
    }


def latest_submissions(collection: Collection) -> dict[int, Submission]:
    """Request id -> its latest version."""
    latest: dict[int, Submission] = {}
    for submission in Submission.objects.filter(request__collection=collection).order_by(
        "request_id", "-version"
    ):
        latest.setdefault(submission.request_id, submission)
    return latest


def findings_for(submission: Submission) -> list[quality.Finding]:
    return quality.check(
        submission.document, previous_document(submission.request), submission.stated_percentages
    )


@_analyst_action("query a return")
def raise_query(viewer: Viewer, submission: Submission, rule: str, message: str) -> QualityQuery:
    query, created = QualityQuery.objects.get_or_create(
        submission=submission,
        rule=rule,
        message=message,
        defaults={"raised_by_name": viewer.display_name},
    )
    if created:
        record(
            viewer,
            AuditAction.CREATE,
            object_type="quality_query",
            object_id=query.pk,
            summary=f"Queried {submission.request.authority.name}: {rule} {message[:200]}",
            detail={"submission": submission.pk, "rule": rule},
        )
    return query


@_analyst_action("record a query's answer")
def answer_query(viewer: Viewer, query: QualityQuery, answer: str) -> QualityQuery:
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": ["Enter what the authority said"]})
    query.answer, query.status = answer, QueryStatus.ANSWERED
    query.answered_at, query.answered_by_name = timezone.now(), viewer.display_name
    query.save(update_fields=["answer", "status", "answered_at", "answered_by_name"])
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="quality_query",
        object_id=query.pk,
        summary=f"Answer recorded from {query.submission.request.authority.name} on {query.rule}",
        detail={"changes": {"answer": ["", answer]}},
    )
    return query


@_analyst_action("load a grouping of authorities")
def load_grouping(viewer: Viewer, name: str, raw: bytes, filename: str = "the file") -> Grouping:
    """A custom grouping of authorities into regions from a CSV with columns code (GSS code)
    and region. Every problem is listed with its row; nothing is stored unless all is well.
    Loading a grouping under an existing name replaces its members."""
    from django.conf import settings

    from visible import uploads

    from .ingest import Problem, ReturnProblems, _decode, check_size, refused

    name = (name or "").strip()
    if not name:
        raise ValidationError(
            {"name": ["Enter a name for the grouping, for example 'The report's twelve regions'"]}
        )
    check_size(filename, len(raw))
    text = _decode(raw, filename)
    try:
        uploads.check_csv(
            filename,
            text,
            settings.VISIBLE_RETURN_MAX_ROWS,
            "a grouping",
            "Give one row per authority: code, region",
        )
        nuls, _ = uploads.nul_cells(filename, text)
        rows = list(uploads.csv_records(filename, text))
    except uploads.FileRefused as error:
        raise refused(error) from None
    if nuls:  # a region's name is stored: PostgreSQL cannot hold a NUL character
        raise ReturnProblems(
            [
                Problem(
                    f"{filename} row {row}, column {column}",
                    f"'{value}' holds a NUL character: "
                    f"{uploads.NUL_FIX[:1].lower()}{uploads.NUL_FIX[1:]}",
                )
                for row, column, value in nuls
            ]
        )
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if header[:2] != ["code", "region"]:
        raise ReturnProblems(
            [
                Problem(
                    f"{filename} row 1",
                    f"the columns are {', '.join(header) or 'missing'}; they must be "
                    "code, region (an authority's GSS code and its region's name)",
                )
            ]
        )
    authorities = {a.code: a for a in Authority.objects.all()}
    problems, members, seen = [], {}, {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        code = row[0].strip().upper() if row else ""
        region = row[1].strip() if len(row) > 1 else ""
        if code not in authorities:
            problems.append(
                Problem(
                    f"{filename} row {number}, column code",
                    f"'{code}' is not a GSS code Visible knows: "
                    "check it against the reference data",
                )
            )
        elif code in seen:
            problems.append(
                Problem(
                    f"{filename} row {number}",
                    f"{code} is already in row {seen[code]}: an authority belongs to one region",
                )
            )
        elif not region:
            problems.append(
                Problem(f"{filename} row {number}, column region", "is empty: name the region")
            )
        else:
            seen[code] = number
            members[code] = region
    if not members and not problems:
        problems.append(Problem(filename, "lists no authorities"))
    if problems:
        raise ReturnProblems(problems)
    grouping, created = Grouping.objects.get_or_create(
        name=name, defaults={"loaded_by_id": viewer.user_id}
    )
    grouping.members.all().delete()
    GroupingMember.objects.bulk_create(
        [
            GroupingMember(grouping=grouping, authority=authorities[c], region=r)
            for c, r in members.items()
        ]
    )
    record(
        viewer,
        AuditAction.CREATE if created else AuditAction.CHANGE,
        object_type="grouping",
        object_id=grouping.pk,
        summary=f"Loaded grouping '{name}': {len(members)} authorities in {len(set(members.values()))} regions",
    )
    return grouping
