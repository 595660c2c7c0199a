"""Pages for multi-agency working: sharing a grab pack with a police force, break-glass access
and its review, transferring a child, and the police's own list of children reported missing
to their force (with the trafficking SPOC's view of those in scope)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from visible.access import opening
from visible.access import register as policy
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.models import Child
from visible.missing.models import Episode
from visible.sharing import actions
from visible.sharing.models import BreakGlass, GrabPackShare

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from .forms import BreakGlassForm, TransferForm


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
    viewer = request.viewer
    if viewer.role not in actions.BREAK_GLASS_ROLES:
        record(
            viewer,
            AuditAction.DENIED,
            object_type="breakglass",
            summary="Tried to open break-glass access",
        )
        raise PermissionDenied("Your role cannot use break-glass access")
    form = BreakGlassForm(request.POST or None, initial={"child": request.GET.get("child")})
    if request.method == "POST" and form.is_valid():
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
        request, "web/sharing/break_glass.html", {"form": form, "hours": actions.BREAK_GLASS_HOURS}
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


@staff_view
def force_missing(request: ViewerRequest) -> HttpResponse:
    """The police's list: children reported missing to their force, open episodes first; a
    trafficking SPOC also sees children in scope back within the follow-up period."""
    viewer = request.viewer
    org = viewer.organisation
    if org.kind != OrganisationKind.POLICE or viewer.role not in policy.POLICE_ROLES:
        record(
            viewer,
            AuditAction.DENIED,
            object_type="episode",
            summary="Tried to open a police force's missing list",
        )
        raise PermissionDenied("This list is for police forces")
    children = policy.visible_children(viewer)
    since = timezone.now() - dt.timedelta(days=policy.SPOC_FOLLOW_UP_DAYS)
    episodes = (
        Episode.objects.filter(police_force=org, child__in=children).filter(
            returned_at__isnull=True
        )
        if viewer.role != Role.TRAFFICKING_SPOC
        else Episode.objects.filter(police_force=org, child__in=children).exclude(
            returned_at__lt=since
        )
    )
    episodes = list(episodes.select_related("child").order_by("returned_at", "-last_seen_at"))
    in_scope = set(
        policy._in_scope_now()
        .filter(child_id__in=[e.child_id for e in episodes])
        .values_list("child_id", flat=True)
    )
    record(
        viewer,
        AuditAction.LIST,
        object_type="episode",
        summary=f"Viewed the force's missing list ({len(episodes)} episodes)",
        detail={"episodes": [e.pk for e in episodes]},
    )
    return render(
        request,
        "web/sharing/force_missing.html",
        {
            "rows": [{"episode": e, "in_scope": e.child_id in in_scope} for e in episodes],
            "spoc": viewer.role == Role.TRAFFICKING_SPOC,
            "days": policy.SPOC_FOLLOW_UP_DAYS,
        },
    )
