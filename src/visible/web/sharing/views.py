"""Pages for multi-agency working: sharing a grab pack with a police force, break-glass access
and its review, transferring a child, and the police's own list of children reported missing
to their force (with the trafficking SPOC's view of those in scope)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from visible.access import missing as missing_policy
from visible.access import opening
from visible.access import register as policy
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child
from visible.missing import actions as missing_actions
from visible.missing import triage
from visible.missing.models import (
    POLICE_GRADE_CHOICES,
    Episode,
    PoliceGradeChallenge,
    PoliceGrading,
)
from visible.sharing import actions
from visible.sharing.models import BreakGlass, GrabPackShare

from .. import live
from ..common import apply_errors, staff_view
from ..missing import views as missing_views
from ..missing.forms import ChallengeAnswerForm
from ..request import ViewerRequest
from .forms import BreakGlassFindForm, BreakGlassForm, TransferForm


def _owned_child(request: ViewerRequest, pk: int, purpose: str) -> Child:
    child, grant = opening.open_child_grant(request.viewer, pk, purpose=purpose)
    if grant.access != policy.Access.FULL:
        record(
            request.viewer,
            AuditAction.DENIED,
            object_type="child",
            object_id=child.pk,
            child_id=child.pk,
            summary=f"Tried to {purpose} without permission",
        )
        raise PermissionDenied("Only the child's own council can do this")
    return child


@staff_view
@require_POST
def share_grab_pack(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _owned_child(request, pk, "share the grab pack")
    force = Organisation.objects.filter(
        pk=request.POST.get("force"), kind=OrganisationKind.POLICE
    ).first()
    if force is None:
        raise Http404("Choose a police force")
    actions.share_grab_pack(request.viewer, child, force)
    messages.success(
        request,
        f"Grab pack shared with {force.name}: they see it only while {child.given_names} is "
        "reported missing to them",
    )
    return redirect("web:child", pk=child.pk)


@staff_view
@require_POST
def share_end(request: ViewerRequest, pk: int, share_pk: int) -> HttpResponse:
    child = _owned_child(request, pk, "stop sharing the grab pack")
    share = get_object_or_404(GrabPackShare, pk=share_pk, child=child)
    actions.end_share(request.viewer, share)
    messages.success(request, f"Stopped sharing the grab pack with {share.force.name}")
    return redirect("web:child", pk=child.pk)


@staff_view
def break_glass(request: ViewerRequest) -> HttpResponse:
    """Find the child (by name and date of birth, or a reference), choose them, say why, open:
    one page, posted twice. The search shows only the name, the year of birth and the council
    (sharing.actions.Candidate); every search and every use is audited by the actions."""
    viewer = request.viewer
    if viewer.role not in actions.BREAK_GLASS_ROLES:
        record(
            viewer,
            AuditAction.DENIED,
            object_type="breakglass",
            summary="Tried to open break-glass access",
        )
        raise PermissionDenied("Your role cannot use break-glass access")
    posted = request.POST if request.method == "POST" else None
    opening_now = posted is not None and ("reason" in posted or "child" in posted)
    find = BreakGlassFindForm(posted)
    if posted is None or (opening_now and not find.has_terms()):
        find = BreakGlassFindForm()  # a use posted without search terms: the action decides
    candidates: list[actions.Candidate] = []
    searched = False
    if find.is_bound and find.is_valid():
        try:
            candidates = actions.find_for_break_glass(viewer, **find.terms())
            searched = True
        except ValidationError as error:
            apply_errors(find, error)
    form = BreakGlassForm(posted if opening_now else None, candidates=candidates)
    if opening_now and form.is_valid():
        try:
            glass = actions.break_glass_by_number(
                viewer, form.cleaned_data["child"], form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            child = glass.child
            messages.success(
                request,
                f"Break-glass access to {child.full_name}'s record for "
                f"{actions.BREAK_GLASS_HOURS} hours. {child.responsible_organisation.name} has been told.",
            )
            return redirect("web:child", pk=child.pk)
    return render(
        request,
        "web/sharing/break_glass.html",
        {
            "find": find,
            "form": form,
            "candidates": candidates,
            "searched": searched,
            "opening": opening_now,
            "hours": actions.BREAK_GLASS_HOURS,
        },
    )


@staff_view
@require_POST
def break_glass_review(request: ViewerRequest, pk: int, glass_pk: int) -> HttpResponse:
    child = _owned_child(request, pk, "review break-glass access")
    glass = get_object_or_404(BreakGlass, pk=glass_pk, child=child)
    try:
        actions.review_break_glass(request.viewer, glass, request.POST.get("note", ""))
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, "Review recorded")
    return redirect("web:child", pk=child.pk)


@staff_view
def transfer(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _owned_child(request, pk, "transfer the child")
    form = TransferForm(request.POST or None, child=child)
    if request.method == "POST" and form.is_valid():
        try:
            done = actions.transfer(
                request.viewer, child, form.cleaned_data["to"], form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{child.full_name} transferred to {done.to_organisation.name}. You can read the "
                f"record until {done.read_only_until:%-d %B %Y}.",
            )
            return redirect("web:child", pk=child.pk)
    return render(
        request,
        "web/sharing/transfer.html",
        {"form": form, "child": child, "days": actions.READ_ONLY_DAYS},
    )


def _force_episodes(request: ViewerRequest, purpose: str):
    """The police's list: children reported missing to their force; a trafficking SPOC also
    sees children in scope back within the follow-up period. Anyone else is refused, the
    refusal audited."""
    viewer = request.viewer
    org = viewer.organisation
    if org.kind != OrganisationKind.POLICE or viewer.role not in policy.POLICE_ROLES:
        record(
            viewer,
            AuditAction.DENIED,
            object_type="episode",
            summary=f"Tried to open a police force's missing list{purpose}",
        )
        raise PermissionDenied("This list is for police forces")
    children = policy.visible_children(viewer)
    since = timezone.now() - dt.timedelta(days=policy.SPOC_FOLLOW_UP_DAYS)
    return (
        Episode.objects.filter(police_force=org, child__in=children).filter(
            returned_at__isnull=True
        )
        if viewer.role != Role.TRAFFICKING_SPOC
        else Episode.objects.filter(police_force=org, child__in=children).exclude(
            returned_at__lt=since
        )
    )


def _in_scope(episodes) -> list[int]:
    """The children on the list in scope now (trafficked, suspected, unaccompanied or
    separated)."""
    found = policy._in_scope_now().filter(child_id__in=episodes.order_by().values("child_id"))
    return sorted(set(found.values_list("child_id", flat=True)))


# What the mark on a child in scope means, in plain words: the risk engine grades a child
# trafficked (identified or suspected), unaccompanied or separated high risk when missing
# (rule R-HIGH, docs/risk-engine.md).
IN_SCOPE_TAG = "Trafficked or unaccompanied: high risk if missing"


def _why_on_the_list(episode: Episode, spoc: bool) -> str:
    """For the SPOC, whose list also holds children in scope back within the follow-up days."""
    if not spoc:
        return ""
    if episode.returned_at is None:
        return "Missing now, reported to your force"
    back = timezone.localdate(episode.returned_at)
    until = back + dt.timedelta(days=policy.SPOC_FOLLOW_UP_DAYS)
    return (
        f"Back since {back:%-d %B %Y}: trafficked or unaccompanied, on your list until "
        f"{until:%-d %B %Y} for follow-up"
    )


def _force_context(request: ViewerRequest, since, now) -> dict:
    viewer = request.viewer
    base = _force_episodes(request, "")
    episodes = list(
        triage.episodes_urgent_first(base, open_first=True).select_related(
            "child__responsible_organisation"
        )
    )
    in_scope = _in_scope(base)
    fingerprint = triage.episodes_fingerprint(base, now, in_scope)
    rows = missing_views.episode_rows(viewer, episodes, now, since)
    spoc = viewer.role == Role.TRAFFICKING_SPOC
    # The photograph is in the force's limited view (access.register.sections_for).
    photos = "photo" in policy.sections_for(policy.limited_grant(viewer))
    today = timezone.localdate(now)
    # The force's own latest grade beside Visible's (R-POLICE-GRADE), and whether Visible has
    # challenged it: one query each for the whole list.
    police_grades: dict[int, str] = {}
    for episode_id, category in (
        PoliceGrading.objects.filter(episode__in=[e.pk for e in episodes])
        .order_by("episode_id", "-recorded_at", "-pk")
        .values_list("episode_id", "category")
    ):
        police_grades.setdefault(episode_id, category)
    challenged = set(
        PoliceGradeChallenge.objects.filter(
            episode__in=[e.pk for e in episodes], outcome=""
        ).values_list("episode_id", flat=True)
    )
    labels = dict(POLICE_GRADE_CHOICES)
    for row in rows:
        episode, child = row["episode"], row["child"]
        row["police_grade"] = labels.get(police_grades.get(episode.pk, ""), "")
        row["challenged"] = episode.pk in challenged
        row["in_scope"] = episode.child_id in in_scope
        row["age"] = child.age_on(today)
        row["photo"] = photos and bool(child.photo)
        row["why"] = _why_on_the_list(episode, spoc)
    return {
        "in_scope_tag": IN_SCOPE_TAG,
        "rows": rows,
        "episodes": episodes,
        "new_count": sum(1 for r in rows if r["new"]),
        "spoc": spoc,
        "days": policy.SPOC_FOLLOW_UP_DAYS,
        "since": since,
        "now": now,
        "live": live.region(reverse("web:force-missing-live"), fingerprint, since or now),
        "fingerprint": fingerprint,
    }


def _audit_force_list(viewer, episodes, how: str = "") -> None:
    record(
        viewer,
        AuditAction.LIST,
        object_type="episode",
        summary=f"Viewed the force's missing list{how} ({len(episodes)} episodes)",
        detail={"episodes": [e.pk for e in episodes]},
    )


@staff_view
def force_missing(request: ViewerRequest) -> HttpResponse:
    """Open episodes first, most urgent first (missing/triage.py)."""
    viewer = request.viewer
    now = timezone.now()
    since = triage.last_look(viewer.user_id, triage.FORCE_PAGE)
    context = _force_context(request, since, now)
    _audit_force_list(viewer, context["episodes"])
    triage.look(viewer.user_id, triage.FORCE_PAGE, now)
    return render(request, "web/sharing/force_missing.html", context)


@staff_view
@require_GET
def force_missing_live(request: ViewerRequest) -> HttpResponse:
    """The force's list's poll: 204 if nothing it shows has changed (three queries), else the
    new table, audited as the list is."""
    viewer = request.viewer
    now = timezone.now()
    episodes = _force_episodes(request, " (live update)")
    if live.unchanged(request, triage.episodes_fingerprint(episodes, now, _in_scope(episodes))):
        return live.no_change()
    context = _force_context(request, live.since_from(request), now)
    _audit_force_list(viewer, context["episodes"], " (live update)")
    triage.look(viewer.user_id, triage.FORCE_PAGE, now)
    return live.fragment(
        request, "web/sharing/includes/force_missing_live.html", context, context["fingerprint"]
    )


# --- a challenge to a force's grade (R-POLICE-GRADE) -------------------------------------------


def _challenge(request: ViewerRequest, pk: int, purpose: str) -> PoliceGradeChallenge:
    """The challenge, if the viewer is the force's SPOC it is addressed to or sees the episode
    in full; else 404, the attempt audited (access/opening.py, the API's gate too)."""
    return opening.open_police_challenge(request.viewer, pk, purpose)


@staff_view
def police_challenge(request: ViewerRequest, pk: int) -> HttpResponse:
    """Visible's case for high, put to the force's trafficking SPOC, and the SPOC's answer."""
    challenge = _challenge(request, pk, "answer a challenge to a police grade")
    can_answer = challenge.is_open and missing_policy.can_answer_challenge(
        request.viewer, challenge
    )
    form = None
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied(
                "Only the force's trafficking single point of contact can answer this challenge"
            )
        form = ChallengeAnswerForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                missing_actions.answer_police_challenge(
                    request.viewer,
                    challenge,
                    data["answer"],
                    data["answer_reasons"],
                    data["regraded_to"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                challenge.refresh_from_db()
                messages.success(
                    request,
                    f"Your answer has been recorded: {challenge.get_outcome_display().lower()}",
                )
                return redirect("web:police-challenge", pk=challenge.pk)
    elif can_answer:
        form = ChallengeAnswerForm()
    episode = challenge.episode
    return render(
        request,
        "web/sharing/police_challenge.html",
        {
            "challenge": challenge,
            "episode": episode,
            "child": episode.child,
            "grading": challenge.police_grading,
            "proposed_label": missing_views._grade_label(challenge.proposed_grade),
            "reasons": challenge.reasons.get("reasons", []),
            "form": form,
            "can_answer": can_answer,
        },
    )
