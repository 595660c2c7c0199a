"""Page views. Each one parses input with a form, asks children.queries or calls one action in
children.actions, and renders a template. No view writes a model directly."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from visible.access import opening
from visible.access import register as policy
from visible.agencies.viewer import Viewer
from visible.audit.log import events_for_child, record
from visible.audit.models import AuditAction
from visible.children import actions, photographs, queries
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
from visible.reference.codes import PLACEMENT_TYPES
from visible.reference.nationalities import language_name, nationality_name
from visible.sharing import actions as sharing_actions

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from . import forms
from .history import describe_events

# --- the list ------------------------------------------------------------------------------


@staff_view
def children_list(request: ViewerRequest) -> HttpResponse:
    viewer: Viewer = request.viewer
    form = forms.ChildSearchForm(request.GET or None)
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
        },
    )


def _why_listed(viewer: Viewer, child: Child, placement) -> str:
    """Why a child of another organisation is in this viewer's list, in a few words."""
    kind = viewer.organisation.kind
    if kind == "police":
        return "Reported missing to your force"
    if kind in ("guardian_service", "ngo"):
        return f"Assigned to your service by {child.responsible_organisation.name}"
    if placement and placement.authority_id == viewer.organisation.authority_id:
        return f"Placed in your area by {child.responsible_organisation.name}"
    return f"With {child.responsible_organisation.name} (transferred, or break-glass access)"


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
        "in_scope": any(f.kind in SCOPE_FLAGS for f in flags if f.is_active_on(today)),
    }
    if "nrm" in sections and not full:
        context["nrm_referrals"] = list(child.nrm_referrals.all())
    if full:
        context.update(
            {
                "other_names": list(child.other_names.all()),
                "placements": [(p, PLACEMENT_TYPES.label(p.place_code)) for p in placements],
                "nrm_referrals": list(child.nrm_referrals.all()),
                "age_assessments": list(child.age_assessments.all()),
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
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        other_names = [
            (line.strip(), "alias")
            for line in (data.pop("other_names") or "").splitlines()
            if line.strip()
        ]
        try:
            child = actions.create_child(request.viewer, ChildInput.from_mapping(data), other_names)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{child.full_name} has been added to the register")
            return redirect("web:child", pk=child.pk)
    return render(
        request,
        "web/children/child_form.html",
        {"form": form, "title": "Add a child to the register", "button": "Add child"},
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


def _sub_form(
    request: ViewerRequest,
    child: Child,
    form_class: type,
    save: Callable[[dict], Any],
    *,
    title: str,
    button: str,
    done: str,
    instance_text: str = "",
    initial: dict | None = None,
    caption: str = "",
) -> HttpResponse:
    form = form_class(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("web:child", pk=child.pk)
    return render(
        request,
        "web/children/sub_form.html",
        {
            "form": form,
            "child": child,
            "title": title,
            "button": button,
            "instance_text": instance_text,
            "caption": caption or child.full_name,
            "multipart": any(f.widget.needs_multipart_form for f in form.fields.values()),
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
