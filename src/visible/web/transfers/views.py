"""Pages for National Transfer Scheme transfers (refer, the transfer packet with its clock,
acknowledge, record the arrival, decline or withdraw), a child's journey as a timeline, the
long-term missing case of an episode, and the still-missing list (per authority, and
nationally with disclosure control), each with its CSV."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from visible.access import missing as missing_policy
from visible.access import opening
from visible.access import register as policy
from visible.agencies.models import Role
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.missing.models import Episode
from visible.national import policy as national_policy
from visible.returns.disclosure import MARKERS, TOTAL
from visible.transfers import actions, queries
from visible.transfers.models import NtsTransfer, Outcome

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from .forms import (
    ArrivalForm,
    AsAtForm,
    DeclineForm,
    GuardianForm,
    ReferForm,
    ReviewForm,
    UkmpuForm,
    WithdrawForm,
)

# --- National Transfer Scheme ----------------------------------------------------------------


@staff_view
@require_http_methods(["GET", "POST"])
def child_transfers(request: ViewerRequest, pk: int) -> HttpResponse:
    """A child's National Transfer Scheme transfers, and the referral form for their council."""
    child, grant = opening.open_child_grant(request.viewer, pk, purpose="transfers")
    if grant.access != policy.Access.FULL:
        record(
            request.viewer,
            AuditAction.DENIED,
            object_type="nts_transfer",
            child_id=child.pk,
            summary="Tried to open a child's transfers without full access",
        )
        raise PermissionDenied("Only the child's own council can see their transfers")
    can_refer = actions.can_refer(request.viewer, child)
    form = ReferForm(request.POST or None, child=child)
    if request.method == "POST":
        if not can_refer:
            actions.refer(request.viewer, child, None, None)  # refused and audited
        if form.is_valid():
            try:
                done = actions.refer(
                    request.viewer,
                    child,
                    form.cleaned_data["to"],
                    form.cleaned_data["referred_on"],
                    form.cleaned_data["reference"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Referred to {done.to_organisation.name}. The transfer packet has been sent"
                    + (
                        f" to them and to {done.receiving_force.name}"
                        if done.receiving_force
                        else " to them"
                    )
                    + ".",
                )
                return redirect("web:nts-transfer", pk=done.pk)
    today = timezone.localdate()
    transfers = [
        (t, actions.clock_of(t, today))
        for t in NtsTransfer.objects.filter(child=child).select_related("to_organisation")
    ]
    return render(
        request,
        "web/transfers/child_transfers.html",
        {
            "child": child,
            "form": form,
            "can_refer": can_refer,
            "transfers": transfers,
            "in_progress": any(t.in_progress for t, _ in transfers),
        },
    )


@staff_view
def transfer_list(request: ViewerRequest) -> HttpResponse:
    """Transfers the viewer's organisation sends, receives or polices."""
    today = timezone.localdate()
    org = request.viewer.organisation
    rows = [
        (t, actions.clock_of(t, today), actions.party_of(request.viewer, t))
        for t in actions.transfers_for(request.viewer)
    ]
    rows = [r for r in rows if r[2] is not None]
    return render(
        request,
        "web/transfers/list.html",
        {"rows": rows, "organisation": org},
    )


def _packet_context(request: ViewerRequest, done: NtsTransfer, party: str, **extra) -> dict:
    today = timezone.localdate()
    arrival_form = extra.pop("arrival_form", None) or ArrivalForm(prefix="arrival")
    return {
        "t": done,
        "party": party,
        "clock": actions.clock_of(done, today),
        "packet": done.packet,
        "grab": done.packet.get("grab_pack") or {},
        "can_acknowledge": not done.has_ended
        and (
            (party == actions.RECEIVING_COUNCIL and done.council_acknowledged_at is None)
            or (party == actions.RECEIVING_FORCE and done.force_acknowledged_at is None)
        ),
        "can_record_arrival": party in (actions.SENDING, actions.RECEIVING_COUNCIL)
        and done.in_progress,
        "can_decline": actions.can_end(request.viewer, done, Outcome.DECLINED),
        "can_withdraw": actions.can_end(request.viewer, done, Outcome.WITHDRAWN),
        "arrival_form": arrival_form,
        "forms_have_errors": bool(arrival_form.errors),
        **extra,
    }


@staff_view
def transfer_page(request: ViewerRequest, pk: int) -> HttpResponse:
    done, party = actions.open_transfer(request.viewer, pk)
    return render(request, "web/transfers/transfer.html", _packet_context(request, done, party))


@staff_view
@require_POST
def transfer_acknowledge(request: ViewerRequest, pk: int) -> HttpResponse:
    done, party = actions.open_transfer(request.viewer, pk)
    try:
        actions.acknowledge(request.viewer, done)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"You have acknowledged the transfer packet for {done.child.full_name}"
        )
    return redirect("web:nts-transfer", pk=done.pk)


@staff_view
@require_POST
def transfer_arrival(request: ViewerRequest, pk: int) -> HttpResponse:
    done, party = actions.open_transfer(request.viewer, pk)
    form = ArrivalForm(request.POST, prefix="arrival")
    if form.is_valid():
        try:
            done = actions.record_arrival(request.viewer, done, form.cleaned_data["arrived_on"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{done.child.full_name} arrived in {done.to_organisation.name}: the record, its "
                "open alerts and open episodes are theirs now",
            )
            return redirect("web:nts-transfer", pk=done.pk)
    return render(
        request,
        "web/transfers/transfer.html",
        _packet_context(request, done, party, arrival_form=form),
        status=400,
    )


# The two ways a transfer ends without the child arriving: the form, the page's words, the action.
END_PAGES = {
    Outcome.DECLINED: (
        DeclineForm,
        "Decline this transfer",
        "Decline the transfer",
        actions.decline,
    ),
    Outcome.WITHDRAWN: (
        WithdrawForm,
        "Withdraw this referral",
        "Withdraw the referral",
        actions.withdraw,
    ),
}


def _end_transfer(request: ViewerRequest, pk: int, outcome: Outcome) -> HttpResponse:
    """Decline (the receiving council) or withdraw (the sending council) a transfer in progress:
    a date and the reason, which the other council sees."""
    done, party = actions.open_transfer(request.viewer, pk)
    form_class, heading, button, act = END_PAGES[outcome]
    if party != actions.ENDINGS[outcome].party:
        act(request.viewer, done, None, "")  # refused and audited
    if not done.in_progress and request.method == "GET":
        messages.info(
            request,
            "This transfer is over: the child has arrived"
            if done.has_arrived
            else f"This transfer was {done.get_outcome_display().lower()} on "
            f"{done.ended_on:%-d %B %Y}",
        )
        return redirect("web:nts-transfer", pk=done.pk)
    form = (
        form_class(request.POST)
        if request.method == "POST"
        else form_class(initial={"version": done.version})
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = act(
                request.viewer,
                done,
                form.cleaned_data["ended_on"],
                form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if outcome == Outcome.DECLINED:
                did, other = "declined the transfer", done.from_organisation.name
            else:
                did, other = "withdrawn the referral", done.to_organisation.name
            messages.success(
                request,
                f"You have {did} of {done.child.full_name}. {other} can see that it was "
                f"{done.get_outcome_display().lower()}, and why",
            )
            return redirect("web:nts-transfer", pk=done.pk)
    return render(
        request,
        "web/transfers/end.html",
        {
            "t": done,
            "form": form,
            "outcome": outcome.value,
            "heading": heading,
            "button": button,
        },
        status=400 if form.errors else 200,
    )


@staff_view
@require_http_methods(["GET", "POST"])
def transfer_decline(request: ViewerRequest, pk: int) -> HttpResponse:
    return _end_transfer(request, pk, Outcome.DECLINED)


@staff_view
@require_http_methods(["GET", "POST"])
def transfer_withdraw(request: ViewerRequest, pk: int) -> HttpResponse:
    return _end_transfer(request, pk, Outcome.WITHDRAWN)


# --- the child's journey ---------------------------------------------------------------------


@staff_view
def timeline(request: ViewerRequest, pk: int) -> HttpResponse:
    child, grant = opening.open_child_grant(request.viewer, pk, purpose="timeline")
    if grant.access < policy.Access.READ:
        record(
            request.viewer,
            AuditAction.DENIED,
            object_type="child",
            object_id=child.pk,
            child_id=child.pk,
            summary="Tried to open a child's timeline with a limited view",
        )
        raise PermissionDenied("The timeline is for the child's council")
    events = queries.timeline(child, timezone.localdate())
    return render(request, "web/transfers/timeline.html", {"child": child, "events": events})


# --- long-term missing -----------------------------------------------------------------------

LONG_TERM_FORMS = {"ukmpu": UkmpuForm, "review": ReviewForm, "guardian": GuardianForm}


def _long_term_context(episode: Episode, now: dt.datetime, **forms) -> dict:
    view = actions.long_term_view(episode, now)
    case = getattr(episode, "long_term_case", None)
    child = episode.child
    nrm = child.nrm_referrals.order_by("-referred_on", "-pk").first()
    return {
        "episode": episode,
        "child": child,
        "view": view,
        "case": case,
        "reviews": list(case.reviews.all()) if case else [],
        "nrm": nrm,
        "guardians": [g for g in child.guardians.all() if g.is_active_on(timezone.localdate(now))],
        "turned_18": child.age_on(timezone.localdate(now)) >= 18,
        **{f"{k}_form": forms.get(k) or cls(prefix=k) for k, cls in LONG_TERM_FORMS.items()},
        "forms_have_errors": any(f.errors for f in forms.values() if f is not None),
    }


@staff_view
def long_term(request: ViewerRequest, pk: int) -> HttpResponse:
    episode, view = opening.open_episode(request.viewer, pk, purpose="long-term missing case")
    if view != "full":
        return redirect("web:episode", pk=episode.pk)
    return render(
        request,
        "web/transfers/long_term.html",
        _long_term_context(episode, timezone.now())
        | {"can_act": missing_policy.can_act_on_episode(request.viewer, episode)},
    )


@staff_view
@require_POST
def long_term_record(request: ViewerRequest, pk: int, what: str) -> HttpResponse:
    if what not in LONG_TERM_FORMS:
        return redirect("web:episode-long-term", pk=pk)
    episode = opening.episode_to_act_on(request.viewer, pk, "record on a long-term missing case")
    form = LONG_TERM_FORMS[what](request.POST, prefix=what)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if what == "ukmpu":
                actions.record_ukmpu_referral(
                    request.viewer, episode, data["referred_on"], data["reference"]
                )
                done = "Referral to the UK Missing Persons Unit recorded"
            elif what == "review":
                actions.record_review(
                    request.viewer, episode, data["held_on"], data["agencies"], data["outcome"]
                )
                done = "Review recorded"
            else:
                actions.record_guardian_engagement(
                    request.viewer,
                    episode,
                    data["guardian_name"],
                    data["engaged_until"],
                    data["note"],
                )
                done = "Guardian's engagement recorded"
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("web:episode-long-term", pk=episode.pk)
    episode = Episode.objects.select_related("child").get(pk=episode.pk)
    return render(
        request,
        "web/transfers/long_term.html",
        _long_term_context(episode, timezone.now(), **{what: form}) | {"can_act": True},
        status=400,
    )


# --- still missing ---------------------------------------------------------------------------

LIST_ROLES = missing_policy.ROLES_THAT_ACT | {Role.ANALYST}


def _as_at(request: ViewerRequest) -> tuple[AsAtForm, dt.date]:
    today = timezone.localdate()
    default = queries.last_31_march(today)
    if any(k.startswith("as_at") for k in request.GET):
        form = AsAtForm(request.GET)
        if form.is_valid() and form.cleaned_data["as_at"] <= today:
            return form, form.cleaned_data["as_at"]
        if form.is_valid():
            form.add_error("as_at", "The date must be today or in the past")
        return form, default
    return AsAtForm(initial={"as_at": default}), default


def _csv(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@staff_view
def still_missing(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    org = viewer.organisation
    if not (org and org.is_responsible_body and viewer.role in LIST_ROLES):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="still_missing",
            summary="Tried to open a council's still-missing list",
        )
        raise PermissionDenied("The still-missing list is for a council's own staff")
    form, as_at = _as_at(request)
    rows = queries.still_missing(as_at, org)
    record(
        viewer,
        AuditAction.VIEW,
        object_type="still_missing",
        summary=f"Viewed the still-missing list as at {as_at:%-d %B %Y}",
    )
    if request.GET.get("format") == "csv":
        return _csv(
            f"still-missing-{as_at:%Y-%m-%d}.csv",
            [
                "child",
                "name",
                "last seen",
                "where last seen",
                "days missing",
                "long-term case",
                "referred to UKMPU",
                "turned 18 while missing",
            ],
            [
                [
                    r.child_id,
                    r.name,
                    timezone.localtime(r.last_seen_at).strftime("%d/%m/%Y %H:%M"),
                    r.last_seen_place,
                    r.days_missing,
                    "yes" if r.long_term else "no",
                    "yes" if r.ukmpu_referred else "no",
                    "yes" if r.turned_18 else "no",
                ]
                for r in rows
            ],
        )
    return render(
        request,
        "web/transfers/still_missing.html",
        {"form": form, "as_at": as_at, "rows": rows, "organisation": org},
    )


@staff_view
def national_still_missing(request: ViewerRequest) -> HttpResponse:
    national_policy.require_national_analyst(request.viewer, "see the national still-missing list")
    form, as_at = _as_at(request)
    table = queries.national_still_missing(as_at)
    record(
        request.viewer,
        AuditAction.VIEW,
        object_type="still_missing",
        summary=f"Viewed the national still-missing table as at {as_at:%-d %B %Y}",
    )
    cells = [
        (label, [table.published[key, col] for col, _ in table.columns], key == TOTAL)
        for key, label in table.rows
    ]
    if request.GET.get("format") == "csv":
        return _csv(
            f"still-missing-national-{as_at:%Y-%m-%d}.csv",
            ["authority"] + [label for _, label in table.columns],
            [[label, *values] for label, values, _ in cells],
        )
    return render(
        request,
        "web/transfers/national_still_missing.html",
        {
            "form": form,
            "as_at": as_at,
            "table": table,
            "cells": cells,
            "markers": MARKERS,
        },
    )
