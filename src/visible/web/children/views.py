"""Page views. Each one parses input with a form, asks children.queries or calls one action in
children.actions, and renders a template. No view writes a model directly."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from visible.access import opening
from visible.access import register as policy
from visible.agencies.models import ROLES_THAT_EDIT_REGISTER, Membership, Role
from visible.agencies.viewer import Viewer
from visible.audit.log import events_for_child, record
from visible.audit.models import AuditAction
from visible.children import actions, duplicates, photographs, queries
from visible.children.inputs import (
    AgeAssessmentInput,
    ChildInput,
    GuardianInput,
    NrmReferralInput,
    PlacementInput,
)
from visible.children.models import (
    SCOPE_FLAGS,
    Child,
    ChildName,
    Flag,
    FlagKind,
    GuardianAssignment,
    NrmReferral,
    Placement,
)
from visible.dates import collection_year_start
from visible.reference.codes import PLACEMENT_TYPES, REASONS_CARE_ENDED
from visible.reference.nationalities import language_name, nationality_name
from visible.sharing import actions as sharing_actions

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from . import forms
from .arrival import checklist_summary
from .history import describe_events
from .sub_forms import sub_form as _sub_form

# The checklist opens itself for a child recorded as in scope in their first week of care
# (risk/arrival.py opens_automatically); for one recorded later, the record offers to start it
# for this many days after the child became looked after.
ARRIVAL_PROMPT_DAYS = 28

# --- the list ------------------------------------------------------------------------------


@staff_view
def children_list(request: ViewerRequest) -> HttpResponse:
    viewer: Viewer = request.viewer
    form = forms.ChildSearchForm(request.GET or None)
    allocation = _allocation_filter(request)
    result = None
    if form.is_bound and not form.is_valid():
        result = None
    else:
        data = form.cleaned_data if form.is_bound else {}
        filters = queries.ChildFilters(
            q=data.get("q") or "",
            flag=data.get("flag") or "",
            nationality=data.get("nationality") or "",
            gender=data.get("gender") or "",
            place_code=data.get("place_code") or "",
            out_of_area=data.get("out_of_area") or "",
            age_band=data.get("age_band") or "",
            active_from=data.get("active_from"),
            active_to=data.get("active_to"),
            own_only=bool(data.get("own")),
            allocated_to=allocation["allocated_to"],
            team_id=allocation["team_id"],
        )
        result = queries.find_children(viewer, filters, page=data.get("page") or 1)
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    rows = []
    if result:
        for child in result.children:
            own = child.responsible_organisation_id == viewer.organisation_id
            placement = child.current_placements[0] if child.current_placements else None
            rows.append(
                {
                    "child": child,
                    "name": queries.list_name(child),
                    "match": result.matches.get(child.pk),
                    "placement_label": PLACEMENT_TYPES.label(placement.place_code)
                    if placement
                    else "",
                    "age": child.age_on(today),
                    "flags": child.active_flags,
                    "placement": placement,
                    "limited": not own,
                    "why": "" if own else _why_listed(viewer, child, placement),
                    "out_of_area": bool(
                        placement
                        and placement.authority_id != child.responsible_organisation.authority_id
                    ),
                }
            )
    active_filters = []
    if form.is_bound and form.is_valid():
        for name in ("flag", "nationality", "gender", "place_code", "out_of_area", "age_band"):
            value = form.cleaned_data.get(name)
            if value:
                label = dict(form.fields[name].choices).get(value, value)
                active_filters.append((form.fields[name].label, label))
        if form.cleaned_data.get("active_from"):
            active_filters.append(
                (
                    "Flag active between",
                    f"{form.cleaned_data['active_from']:%-d %B %Y} and {form.cleaned_data['active_to'] or today:%-d %B %Y}",
                )
            )
    return render(
        request,
        "web/children/children_list.html",
        {
            "form": form,
            "result": result,
            "rows": rows,
            "query": query.urlencode(),
            "active_filters": active_filters,
            "can_create": policy.can_create(viewer),
            "allocation": allocation,
            "allocation_views": _allocation_views(viewer, allocation["view"]),
        },
    )


def _allocation_views(viewer: Viewer, view: str) -> list[dict[str, Any]]:
    """All children, "My children" and "My team's children" (for those in a team): the
    list's own sub-navigation, for the council roles that work on the register. The service
    navigation keeps only "Children" and "My children", so it fits one row (web/context.py)."""
    org = viewer.organisation
    if not (org and org.is_responsible_body and viewer.role in ROLES_THAT_EDIT_REGISTER):
        return []
    children = reverse("web:children")
    views = [("", "All children", children), ("me", "My children", f"{children}?allocated=me")]
    if Membership.objects.filter(
        user_id=viewer.user_id or 0, organisation_id=org.pk, team__isnull=False
    ).exists():
        views.append(("team", "My team's children", f"{children}?team=mine"))
    return [{"label": label, "href": href, "current": code == view} for code, label, href in views]


def _allocation_filter(request: ViewerRequest) -> dict[str, Any]:
    """ "My children" (?allocated=me: allocated to the viewer) and "My team's children"
    (?team=mine: allocated to the viewer's team in the organisation they act for)."""
    viewer = request.viewer
    found: dict[str, Any] = {"allocated_to": None, "team_id": None, "view": "", "title": "Children"}
    if request.GET.get("allocated") == "me":
        found.update(allocated_to=viewer.user_id, view="me", title="My children")
    elif request.GET.get("team") == "mine":
        membership = (
            Membership.objects.select_related("team")
            .filter(user_id=viewer.user_id or 0, organisation_id=viewer.organisation_id or 0)
            .first()
        )
        team = membership.team if membership else None
        found.update(
            team_id=team.pk if team else 0,  # no team: nobody's children
            view="team",
            title="My team's children",
            team=team,
        )
    return found


def _why_listed(viewer: Viewer, child: Child, placement) -> str:
    """Why a child of another organisation is in this viewer's list, in a few words."""
    kind = viewer.organisation.kind
    if kind == "police":
        return _why_police_see(viewer, child)
    if kind in ("guardian_service", "ngo"):
        return f"Assigned to your service by {child.responsible_organisation.name}"
    if placement and placement.authority_id == viewer.organisation.authority_id:
        return f"Placed in your area by {child.responsible_organisation.name}"
    return f"With {child.responsible_organisation.name} (transferred, or break-glass access)"


def _why_police_see(viewer: Viewer, child: Child) -> str:
    """A police force sees a child missing to it now; its trafficking SPOC also a child in
    scope back within the follow-up days (access.register); or anyone by break-glass."""
    episodes = child.episodes.filter(police_force=viewer.organisation)
    if episodes.filter(returned_at__isnull=True).exists():
        return "Reported missing to your force: missing now"
    last = episodes.exclude(returned_at__isnull=True).order_by("-returned_at").first()
    if viewer.role == Role.TRAFFICKING_SPOC and last is not None:
        back = timezone.localdate(last.returned_at)
        until = back + dt.timedelta(days=policy.SPOC_FOLLOW_UP_DAYS)
        if until >= timezone.localdate():
            return (
                f"Reported missing to your force, back since {back:%-d %B %Y}: trafficked or "
                f"unaccompanied, on your list until {until:%-d %B %Y} for follow-up"
            )
    return f"With {child.responsible_organisation.name} (break-glass access)"


# --- one child -----------------------------------------------------------------------------


def _child_context(viewer: Viewer, child: Child, grant: policy.Grant) -> dict[str, Any]:
    today = timezone.localdate()
    access = grant.access
    full = access >= policy.Access.READ
    sections = policy.sections_for(grant)
    flags = list(child.flags.all())
    placements = list(child.placements.select_related("authority"))
    current_placement = next(
        (
            p
            for p in placements
            if p.start_date <= today and (p.end_date is None or p.end_date >= today)
        ),
        None,
    )
    context: dict[str, Any] = {
        "child": child,
        "access": access,
        "full": full,
        "limited": not full,
        "today": today,
        "grant": grant,
        "sections": sections,
        "read_only": access == policy.Access.READ,
        "age": child.age_on(today),
        "nationality": nationality_name(child.nationality),
        "first_language": language_name(child.first_language) if child.first_language else "",
        "other_languages": [language_name(c) for c in child.other_languages],
        "active_flags": [f for f in flags if f.is_active_on(today)],
        "ended_flags": [f for f in flags if not f.is_active_on(today)],
        "current_placement": current_placement,
        "current_placement_label": PLACEMENT_TYPES.label(current_placement.place_code)
        if current_placement
        else "",
        "out_of_area": bool(
            current_placement
            and current_placement.authority_id != child.responsible_organisation.authority_id
        ),
        "can_edit": policy.can_edit(viewer, child),
        "allocated_worker_left": bool(
            child.allocated_worker_id
            and not Membership.objects.filter(
                user_id=child.allocated_worker_id,
                organisation_id=child.responsible_organisation_id,
                is_active=True,
            ).exists()
        ),
        "in_scope": any(f.kind in SCOPE_FLAGS for f in flags if f.is_active_on(today)),
    }
    if "nrm" in sections and not full:
        context["nrm_referrals"] = list(child.nrm_referrals.all())
    if full:
        context.update(
            {
                "other_names": list(child.other_names.all()),
                "placements": [(p, PLACEMENT_TYPES.label(p.place_code)) for p in placements],
                "care_periods": [
                    (c, REASONS_CARE_ENDED.label(c.end_reason) if c.end_reason else "")
                    for c in sorted(child.care_periods.all(), key=lambda c: c.start_date)
                ],
                "nrm_referrals": list(child.nrm_referrals.all()),
                "care_open": getattr(
                    child.care_periods.order_by("start_date").last(), "end_date", None
                )
                is None,
                "age_assessments": list(child.age_assessments.all()),
                "placement_refusals": [
                    (r, PLACEMENT_TYPES.label(r.place_code)) for r in child.placement_refusals.all()
                ],
                "arrival_summary": checklist_summary(child, timezone.now()),
                "can_start_arrival": not child.arrivals.exists()
                and policy.can_edit(viewer, child)
                and (today - child.looked_after_from).days <= ARRIVAL_PROMPT_DAYS
                and actions.can_open_arrival(child, today),
                "guardians": list(child.guardians.all()),
                "trafficking_flag_without_nrm": any(
                    f.kind in (FlagKind.TRAFFICKED_IDENTIFIED, FlagKind.TRAFFICKED_SUSPECTED)
                    for f in flags
                    if f.is_active_on(today)
                )
                and not child.nrm_referrals.exists(),
            }
        )
    return context


@staff_view
def child_detail(request: ViewerRequest, pk: int) -> HttpResponse:
    child, grant = opening.open_child_grant(request.viewer, pk)
    context = _child_context(request.viewer, child, grant)
    from ..sharing.context import sharing_context

    context.update(sharing_context(request.viewer, child, grant))
    return render(request, "web/children/child_detail.html", context)


@staff_view
def child_photo(request: ViewerRequest, pk: int) -> HttpResponse:
    child, _ = opening.open_child(request.viewer, pk, purpose="photograph")
    # Decided by the file's content, and cleaned of metadata if it was stored before that was
    # done on upload (photographs.for_showing); a file that is not a JPEG or PNG is not shown.
    showing = photographs.for_showing(child.photo) if child.photo else None
    if showing is None:
        raise Http404("No photograph")
    response = FileResponse(io.BytesIO(showing[0]), content_type=showing[1])
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view
def child_history(request: ViewerRequest, pk: int) -> HttpResponse:
    child, access = opening.open_child(request.viewer, pk, purpose="history")
    if not policy.can_see_history(request.viewer, child):
        raise Http404("No history available to you")
    events = events_for_child(
        child.pk, actions=(AuditAction.CREATE, AuditAction.CHANGE, AuditAction.END)
    )
    return render(
        request,
        "web/children/child_history.html",
        {"child": child, "entries": describe_events(events)},
    )


def _editable_child(request: ViewerRequest, pk: int, purpose: str) -> Child:
    return opening.child_to_edit(request.viewer, pk, purpose)


@staff_view
def child_new(request: ViewerRequest) -> HttpResponse:
    if not policy.can_create(request.viewer):
        raise PermissionDenied("Your role cannot add children to the register")
    form = forms.NewChildForm(request.POST or None)
    matches: list[duplicates.LikelyMatch] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        other_names = [
            (line.strip(), "alias")
            for line in (data.pop("other_names") or "").splitlines()
            if line.strip()
        ]
        answer = duplicates.NewChild(
            reason=data.pop("new_child_reason"), seen=data.pop("seen_matches")
        )
        try:
            child = actions.create_child(
                request.viewer, ChildInput.from_mapping(data), other_names, new_child=answer
            )
        except duplicates.PossibleDuplicate as possible:
            # Shown, not an error, the first time; an error once they were seen and no reason
            # was given.
            matches = possible.matches
            if set(answer.seen) >= {m.child.pk for m in matches}:
                apply_errors(form, possible)
            shown = form.data.copy()  # type: ignore[attr-defined]  (a QueryDict when posted)
            shown["seen_matches"] = ",".join(str(m.child.pk) for m in matches)
            form.data = shown
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{child.full_name} has been added to the register")
            return redirect("web:child", pk=child.pk)
    return render(
        request,
        "web/children/child_form.html",
        {
            "form": form,
            "title": "Add a child to the register",
            "button": "Add as a new child" if matches else "Add child",
            "likely_matches": matches,
        },
    )


@staff_view
def child_edit(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "edit details")
    initial = {f: getattr(child, f) for f in actions.CHILD_FIELDS} | {"version": child.version}
    form = forms.EditChildForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            actions.update_child(
                request.viewer, child, ChildInput.from_mapping(data), expected_version=version
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The child's details have been saved")
            return redirect("web:child", pk=child.pk)
    return render(
        request,
        "web/children/child_form.html",
        {
            "form": form,
            "child": child,
            "title": f"Change details: {child.full_name}",
            "button": "Save changes",
        },
    )


@staff_view
def child_allocation(request: ViewerRequest, pk: int) -> HttpResponse:
    """The child's allocated social worker and team (actions.allocate)."""
    from ..people.forms import AllocationForm, team_from

    child = _editable_child(request, pk, "change the allocation")
    council = child.responsible_organisation
    form = AllocationForm(
        council,
        request.POST or None,
        current_team=child.allocated_team,
        initial={
            "worker": str(child.allocated_worker_id or ""),
            "team": str(child.allocated_team_id or ""),
            "version": child.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.allocate(
                request.viewer,
                child,
                int(data["worker"]) if data["worker"] else None,
                team_from(council, data["team"]),
                expected_version=data["version"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The child's allocation has been saved")
            return redirect("web:child", pk=child.pk)
    return render(
        request,
        "web/children/sub_form.html",
        {
            "form": form,
            "child": child,
            "title": "Allocated social worker and team",
            "caption": child.full_name,
            "button": "Save allocation",
            "instance_text": "Who in your council looks after the child day to day, and their team: "
            'the child is then in their "My children" and "My team\'s children".',
        },
    )


@staff_view
def photo_change(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "change photograph")
    return _sub_form(
        request,
        child,
        forms.PhotoForm,
        lambda d: actions.set_photo(request.viewer, child, d["photo"], d.get("photo_taken_on")),
        title="Upload a photograph",
        button="Upload photograph",
        done="The photograph has been saved",
    )


@staff_view
def other_name_add(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "add other name")
    return _sub_form(
        request,
        child,
        forms.OtherNameForm,
        lambda d: actions.add_other_name(request.viewer, child, d["name"], d["kind"]),
        title="Add another name or spelling",
        button="Add name",
        done="The other name has been added",
    )


@staff_view
@require_POST
def other_name_remove(request: ViewerRequest, pk: int, name_pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "remove other name")
    other = ChildName.objects.filter(pk=name_pk, child=child).first()
    if other is None:
        raise Http404("No such name on this record")
    actions.remove_other_name(request.viewer, other)
    messages.success(request, f"'{other.name}' has been removed")
    return redirect("web:child", pk=child.pk)


@staff_view
def flag_add(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "record flag")
    initial = (
        {"kind": request.GET.get("kind")} if request.GET.get("kind") in FlagKind.values else None
    )
    return _sub_form(
        request,
        child,
        forms.FlagForm,
        lambda d: actions.record_flag(
            request.viewer,
            child,
            d["kind"],
            d["start_date"],
            d["evidence"],
            stage=d.get("stage") or "",
        ),
        title="Record a flag",
        button="Record flag",
        done="The flag has been recorded",
        initial=initial,
    )


def _owned(request: ViewerRequest, model: type, child: Child, pk: int, purpose: str) -> Any:
    return opening.part_of(request.viewer, child, model, pk, purpose)


@staff_view
def flag_end(request: ViewerRequest, pk: int, flag_pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "end flag")
    flag = _owned(request, Flag, child, flag_pk, "end flag")
    return _sub_form(
        request,
        child,
        forms.EndFlagForm,
        lambda d: actions.end_flag(request.viewer, flag, d["end_date"], d["end_reason"]),
        title=f"End flag: {flag.get_kind_display()}",
        button="End flag",
        done="The flag has been ended",
        instance_text=f"Recorded from {flag.start_date:%-d %B %Y}. Ending a flag keeps it in the history.",
    )


@staff_view
def care_end(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "record care ended")
    current = child.care_periods.order_by("start_date").last()
    since = current.start_date if current is not None else child.looked_after_from
    return _sub_form(
        request,
        child,
        forms.EndCareForm,
        lambda d: actions.record_care_ended(
            request.viewer,
            child,
            end_date=d["end_date"],
            reason=d["reason"],
            today=timezone.localdate(),  # the clock (frozen in tests) names today
        ),
        title="Record that care ended",
        button="Record care ended",
        done="The end of care has been recorded",
        instance_text=f"Looked after since {since:%-d %B %Y}. Any placement still open on "
        "that day ends with it; the period of care stays in the child's care history.",
    )


@staff_view
def placement_add(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "record placement")
    return _sub_form(
        request,
        child,
        forms.PlacementForm,
        lambda d: sharing_actions.record_placement(
            request.viewer, child, PlacementInput.from_mapping(d)
        ),
        title="Record a placement",
        button="Record placement",
        done="The placement has been recorded",
        initial={"authority": child.responsible_organisation.authority_id},
    )


@staff_view
def placement_end(request: ViewerRequest, pk: int, placement_pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "end placement")
    placement = _owned(request, Placement, child, placement_pk, "end placement")
    return _sub_form(
        request,
        child,
        forms.EndPlacementForm,
        lambda d: actions.end_placement(request.viewer, placement, d["end_date"]),
        title="End placement",
        button="End placement",
        done="The placement has been ended",
        instance_text=f"{placement.place_code}: {PLACEMENT_TYPES.label(placement.place_code)}, from {placement.start_date:%-d %B %Y}",
    )


@staff_view
def nrm_add(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "record NRM referral")
    return _sub_form(
        request,
        child,
        forms.NrmReferralForm,
        lambda d: actions.record_nrm_referral(
            request.viewer, child, NrmReferralInput.from_mapping(d)
        ),
        title="Record an NRM referral",
        button="Record referral",
        done="The NRM referral has been recorded",
        initial={
            "first_responder": child.responsible_organisation.name,
            "first_responder_kind": "local_authority",
        },
    )


@staff_view
def nrm_edit(request: ViewerRequest, pk: int, referral_pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "update NRM referral")
    referral = _owned(request, NrmReferral, child, referral_pk, "update NRM referral")
    initial = {f: getattr(referral, f) for f in actions.NRM_FIELDS}
    return _sub_form(
        request,
        child,
        forms.NrmReferralForm,
        lambda d: actions.update_nrm_referral(
            request.viewer, referral, NrmReferralInput.from_mapping(d)
        ),
        title="Update NRM referral and decisions",
        button="Save",
        done="The NRM referral has been updated",
        initial=initial,
    )


@staff_view
def age_assessment_add(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "record age assessment")
    return _sub_form(
        request,
        child,
        forms.AgeAssessmentForm,
        lambda d: actions.record_age_assessment(
            request.viewer, child, AgeAssessmentInput.from_mapping(d)
        ),
        title="Record age assessment status",
        button="Save status",
        done="The age assessment status has been recorded",
    )


@staff_view
def guardian_add(request: ViewerRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "assign guardian")
    return _sub_form(
        request,
        child,
        forms.GuardianForm,
        lambda d: actions.assign_guardian(request.viewer, child, GuardianInput.from_mapping(d)),
        title="Assign a guardian or advocate",
        button="Assign",
        done="The guardian or advocate has been recorded",
    )


@staff_view
def guardian_end(request: ViewerRequest, pk: int, assignment_pk: int) -> HttpResponse:
    child = _editable_child(request, pk, "end guardian assignment")
    assignment = _owned(
        request, GuardianAssignment, child, assignment_pk, "end guardian assignment"
    )
    return _sub_form(
        request,
        child,
        forms.EndGuardianForm,
        lambda d: actions.end_guardian(request.viewer, assignment, d["end_date"]),
        title="End guardian or advocate assignment",
        button="End assignment",
        done="The assignment has been ended",
        instance_text=f"{assignment.get_kind_display()}: {assignment.guardian_name}, from {assignment.start_date:%-d %B %Y}",
    )


# --- counts --------------------------------------------------------------------------------


@staff_view
def counts(request: ViewerRequest) -> HttpResponse:
    viewer: Viewer = request.viewer
    if not policy.can_see_counts(viewer):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="counts",
            summary="Tried to open the counts page",
        )
        raise PermissionDenied("Your role cannot see the counts page")
    today = timezone.localdate()
    default_start = collection_year_start(today)
    form = forms.CountsPeriodForm(
        request.GET if "start_0" in request.GET else None,
        initial={"start": default_start, "end": today},
    )
    start, end = default_start, today
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            return render(request, "web/children/counts.html", {"form": form, "result": None})
    result = queries.count_children(viewer, start, end)
    base = {"own": "on", "active_from": start.isoformat(), "active_to": end.isoformat()}
    return render(
        request,
        "web/children/counts.html",
        {
            "form": form,
            "result": result,
            "base_query": base,
            "nationality_rows": [
                (code, nationality_name(code), row, total)
                for code, row, total in result.by_nationality
            ],
        },
    )
