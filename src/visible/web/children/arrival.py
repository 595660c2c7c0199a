"""The arrival checklist page: the first 72 hours of an unaccompanied, separated or possibly
trafficked child's care, each step on a clock (risk/arrival.py), done by a worker with who and
when (children.actions.record_arrival_item, audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from visible.access import opening
from visible.access import register as policy
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children import actions
from visible.children.models import Arrival, Child
from visible.missing.facts import arrival_fact
from visible.risk.arrival import ITEMS, checklist

from ..common import staff_view
from ..fields import GovukDateField
from ..missing.forms import InstantsForm, time_field
from ..request import ViewerRequest
from .sub_forms import sub_form


class StartArrivalForm(InstantsForm):
    instants = {"arrived_at": ("arrived_date", "arrived_time", "the child arrived")}

    arrived_date = GovukDateField(
        label="Date the child arrived",
        help_text="When they came into your care, for example 4 12 2026",
    )
    arrived_time = time_field("Time the child arrived")


class ArrivalItemForm(InstantsForm):
    instants = {"done_at": ("done_date", "done_time", "it was done")}

    done_date = GovukDateField(label="Date it was done")
    done_time = time_field("Time it was done")
    note = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example who was referred, the reference given, or who was there",
        error_messages={"required": "Say what was done"},
    )


def _when(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def checklist_summary(child: Child, now) -> dict[str, Any] | None:
    """For the child's record: how far the checklist has got, or None if there is none."""
    fact = arrival_fact(child)
    if fact is None:
        return None
    statuses = checklist(fact, now)
    return {
        "done": sum(1 for s in statuses if s.state == "done"),
        "overdue": sum(1 for s in statuses if s.state == "overdue"),
        "total": len(statuses),
    }


def _full_child(request: ViewerRequest, pk: int, purpose: str) -> Child:
    child, grant = opening.open_child_grant(request.viewer, pk, purpose)
    if grant.access < policy.Access.READ:
        raise Http404("The arrival checklist is for the child's own council")
    return child


@staff_view
def arrival(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _full_child(request, pk, "arrival checklist")
    now = timezone.now()
    found = child.arrivals.order_by("-arrived_at").prefetch_related("items_done").first()
    rows = []
    if found is not None:
        done = {d.item: d for d in found.items_done.all()}
        fact = arrival_fact(child)
        assert fact is not None
        for status in checklist(fact, now):
            record_ = done.get(status.item.code)
            rows.append(
                {
                    "item": status.item,
                    "state": status.state,
                    "due": _when(status.due_at),
                    "done": record_,
                    "done_when": _when(record_.done_at) if record_ else "",
                }
            )
    record(
        request.viewer,
        AuditAction.VIEW,
        object_type="arrival",
        object_id=found.pk if found else "",
        child_id=child.pk,
        summary="Viewed the arrival checklist" if found else "Viewed the arrival checklist (none)",
    )
    return render(
        request,
        "web/children/arrival.html",
        {
            "child": child,
            "arrival": found,
            "arrived": _when(found.arrived_at) if found else "",
            "care_began": child.care_periods.filter(end_date__isnull=True)
            .order_by("-start_date")
            .values_list("start_date", flat=True)
            .first(),
            "rows": rows,
            "done_count": sum(1 for r in rows if r["state"] == "done"),
            "overdue_count": sum(1 for r in rows if r["state"] == "overdue"),
            "can_edit": policy.can_edit(request.viewer, child),
            "can_start": found is None and actions.can_open_arrival(child, timezone.localdate(now)),
        },
    )


@staff_view
def arrival_start(request: ViewerRequest, pk: int) -> HttpResponse:
    child = opening.child_to_edit(request.viewer, pk, "start arrival checklist")
    return sub_form(
        request,
        child,
        StartArrivalForm,
        lambda d: actions.open_arrival(request.viewer, child, d["arrived_at"], timezone.now()),
        title="Start the arrival checklist",
        button="Start the checklist",
        done="The arrival checklist has started",
        then="web:child-arrival",
    )


@staff_view
def arrival_time(request: ViewerRequest, pk: int) -> HttpResponse:
    """Record when the child arrived: for a checklist Visible opened with the start of the day
    they became looked after, or to correct the time given."""
    child = opening.child_to_edit(request.viewer, pk, "record arrival time")
    found: Arrival | None = child.arrivals.order_by("-arrived_at").first()
    if found is None:
        raise Http404("This child has no arrival checklist")
    initial = {}
    if not found.time_estimated:
        local = timezone.localtime(found.arrived_at)
        initial = {"arrived_date": local.date(), "arrived_time": f"{local:%H:%M}"}
    return sub_form(
        request,
        child,
        StartArrivalForm,
        lambda d: actions.record_arrival_time(
            request.viewer, found, d["arrived_at"], timezone.now()
        ),
        title="When did the child arrive?",
        button="Save the time",
        done="The time the child arrived is recorded",
        initial=initial,
        caption=f"Arrival checklist: {child.full_name}",
        then="web:child-arrival",
    )


@staff_view
def arrival_item(request: ViewerRequest, pk: int, item: str) -> HttpResponse:
    child = opening.child_to_edit(request.viewer, pk, "record arrival checklist item")
    found: Arrival | None = child.arrivals.order_by("-arrived_at").first()
    if found is None or item not in ITEMS:
        raise Http404("No such item on this child's arrival checklist")
    return sub_form(
        request,
        child,
        ArrivalItemForm,
        lambda d: actions.record_arrival_item(
            request.viewer, found, item, d["done_at"], d["note"], timezone.now()
        ),
        title=ITEMS[item].title,
        button="Record as done",
        done=f"'{ITEMS[item].title}' is recorded as done",
        caption=f"Arrival checklist: {child.full_name}",
        then="web:child-arrival",
    )
