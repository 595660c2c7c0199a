"""The national administrator's organisation pages: the list with its filters, adding a council
or HSC Trust, a police force, a guardian or NGO service; one organisation (its people,
administrators and area); deactivating and reactivating it with a reason; reorganising councils.

Only a national administrator of the national body (organisations/policy.py) opens them;
anyone else is told "Page not found", and the attempt is audited as ``denied``. Every write is
an action of organisations/actions.py (audited there); every page view is audited here.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from visible.agencies.models import Organisation
from visible.agencies.police import POLICE_FORCES
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.organisations import actions, policy, queries
from visible.organisations.inputs import (
    CouncilInput,
    ForceInput,
    ReorganisationInput,
    ServiceInput,
)

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from .forms import (
    ConfirmReorganisationForm,
    CouncilForm,
    FilterForm,
    ForceForm,
    KindForm,
    ReasonForm,
    ReorganiseForm,
    ServiceForm,
    split_codes,
)


def _national_admin(request: ViewerRequest, what: str) -> None:
    """Only a national administrator goes on; anyone else: "Page not found", audited."""
    if not policy.is_national_admin(request.viewer):
        policy.refuse(request.viewer, what)
        raise Http404("Page not found")


def _posted(request: ViewerRequest):
    """The form's data when it was sent (an empty form sent is still a form to check)."""
    return request.POST if request.method == "POST" else None


def _organisation(pk: int) -> Organisation:
    return get_object_or_404(Organisation.objects.select_related("authority"), pk=pk)


def invite_url(organisation: Organisation) -> str:
    """The page where a national administrator invites this organisation's administrators,
    with the organisation already chosen."""
    return f"{reverse('web:invite-administrator')}?organisation={organisation.pk}"


# --- the list ----------------------------------------------------------------------------------


@staff_view
def organisations(request: ViewerRequest) -> HttpResponse:
    _national_admin(request, "list the organisations")
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = list(
        queries.organisations(
            kind=filters.get("kind", ""), status=filters.get("status", ""), q=filters.get("q", "")
        )
    )
    record(
        request.viewer,
        AuditAction.LIST,
        object_type="organisation",
        summary=f"Listed {len(found)} organisations",
        detail={"filters": {k: v for k, v in filters.items() if v}},
    )
    return render(
        request,
        "web/organisations/list.html",
        {"form": form, "organisations": found, "filtered": any(filters.values())},
    )


# --- adding ------------------------------------------------------------------------------------


@staff_view
def organisation_add(request: ViewerRequest) -> HttpResponse:
    _national_admin(request, "add an organisation")
    form = KindForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        return redirect(
            {
                "council": "web:organisation-add-council",
                "police": "web:organisation-add-force",
                "service": "web:organisation-add-service",
            }[form.cleaned_data["kind"]]
        )
    return render(
        request,
        "web/organisations/add.html",
        {"form": form, "national_body": actions.national_body()},
    )


def _added(request: ViewerRequest, organisation: Organisation) -> HttpResponse:
    messages.success(request, f"{organisation.name} is on Visible")
    return redirect("web:organisation", pk=organisation.pk)


@staff_view
def add_council(request: ViewerRequest) -> HttpResponse:
    _national_admin(request, "add a council")
    form = CouncilForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            organisation = actions.add_council(
                request.viewer, CouncilInput(code=form.cleaned_data["code"])
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _added(request, organisation)
    return render(request, "web/organisations/add_council.html", {"form": form})


@staff_view
def add_force(request: ViewerRequest) -> HttpResponse:
    _national_admin(request, "add a police force")
    on_visible = set(Organisation.objects.filter(kind="police").values_list("name", flat=True))
    missing = [name for name, _nation in POLICE_FORCES if name not in on_visible]
    form = ForceForm(_posted(request), missing=missing)
    if request.method == "POST" and missing and form.is_valid():
        try:
            organisation = actions.add_force(
                request.viewer, ForceInput(name=form.cleaned_data["name"])
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _added(request, organisation)
    return render(
        request,
        "web/organisations/add_force.html",
        {"form": form, "missing": missing, "forces": len(POLICE_FORCES)},
    )


@staff_view
def add_service(request: ViewerRequest) -> HttpResponse:
    _national_admin(request, "add a guardian or NGO service")
    form = ServiceForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = actions.add_service(
                request.viewer,
                ServiceInput(
                    name=data["name"], kind=data["kind"], areas=split_codes(data["areas"])
                ),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _added(request, organisation)
    return render(request, "web/organisations/add_service.html", {"form": form})


# --- one organisation --------------------------------------------------------------------------


@staff_view
def organisation(request: ViewerRequest, pk: int) -> HttpResponse:
    _national_admin(request, "open an organisation's page")
    found = _organisation(pk)
    seen = queries.summary(found)
    record(
        request.viewer,
        AuditAction.VIEW,
        object_type="organisation",
        object_id=found.pk,
        summary=f"Viewed {found.name}: its people, administrators and area",
    )
    return render(
        request,
        "web/organisations/detail.html",
        {
            "organisation": found,
            "seen": seen,
            "invite_url": invite_url(found) if found.is_active else "",
            "own": request.viewer.organisation_id == found.pk,
        },
    )


def _access_page(request: ViewerRequest, pk: int, *, deactivating: bool) -> HttpResponse:
    found = _organisation(pk)
    seen = queries.summary(found)
    form = ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            if deactivating:
                done = actions.deactivate(
                    request.viewer, found, form.cleaned_data["reason"], now=timezone.now()
                )
                messages.success(
                    request,
                    f"{found.name} is deactivated: {done.people} "
                    f"{'person' if done.people == 1 else 'people'} lost access",
                )
            else:
                done = actions.reactivate(request.viewer, found, form.cleaned_data["reason"])
                messages.success(
                    request,
                    f"{found.name} is active again: {done.people} "
                    f"{'person has' if done.people == 1 else 'people have'} access",
                )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("web:organisation", pk=found.pk)
    return render(
        request,
        "web/organisations/deactivate.html"
        if deactivating
        else "web/organisations/reactivate.html",
        {
            "organisation": found,
            "seen": seen,
            "form": form,
            "own": request.viewer.organisation_id == found.pk,
        },
    )


@staff_view
def deactivate(request: ViewerRequest, pk: int) -> HttpResponse:
    _national_admin(request, "deactivate an organisation")
    return _access_page(request, pk, deactivating=True)


@staff_view
def reactivate(request: ViewerRequest, pk: int) -> HttpResponse:
    _national_admin(request, "reactivate an organisation")
    return _access_page(request, pk, deactivating=False)


# --- reorganisations ---------------------------------------------------------------------------


def _reorganisation_input(form: ReorganiseForm) -> ReorganisationInput:
    data = form.cleaned_data
    return ReorganisationInput(
        predecessor=data["predecessor"],
        successors=split_codes(data.get("successors", "")),
        assignments=form.assignment_pairs(),
        reason=data.get("reason", ""),
    )


@staff_view
def reorganise(request: ViewerRequest) -> HttpResponse:
    """Step one: what ended, its successors, where each child goes. Checked (nothing changes)
    and shown on the confirmation page."""
    _national_admin(request, "reorganise councils")
    form = ReorganiseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            plan = actions.plan_reorganisation(request.viewer, _reorganisation_input(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return render(
                request,
                "web/organisations/reorganise_confirm.html",
                {"plan": plan, "carried": form.carried(), "form": ConfirmReorganisationForm()},
            )
    return render(request, "web/organisations/reorganise.html", {"form": form})


def _step_one(request: ViewerRequest, carried: dict[str, str], error: ValidationError | None):
    """Back to the first step with what was asked, and what is wrong with it now."""
    first = ReorganiseForm(carried)
    if first.is_valid() and error is not None:
        apply_errors(first, error)
    return render(request, "web/organisations/reorganise.html", {"form": first})


@staff_view
@require_POST
def reorganise_confirm(request: ViewerRequest) -> HttpResponse:
    """Step two: the children move, each as a transfer, in one transaction. Checked again: if
    anything changed since step one, nothing moves and step one says what."""
    _national_admin(request, "reorganise councils")
    carried = {
        k: request.POST.get(k, "") for k in ("predecessor", "successors", "assignments", "reason")
    }
    form = ConfirmReorganisationForm(request.POST)
    if not form.is_valid():
        if set(form.errors) - {"confirm"}:
            return _step_one(request, carried, None)
        try:  # only the confirmation missing: the same plan again, with its error
            plan = actions.plan_reorganisation(
                request.viewer, _reorganisation_input(_checked(carried))
            )
        except ValidationError as error:
            return _step_one(request, carried, error)
        return render(
            request,
            "web/organisations/reorganise_confirm.html",
            {"plan": plan, "carried": carried, "form": form},
        )
    try:
        done = actions.reorganise(request.viewer, _reorganisation_input(form))
    except ValidationError as error:
        return _step_one(request, carried, error)
    moved = "; ".join(f"{name}: {n}" for name, n in done.moved.items())
    messages.success(
        request,
        f"{len(done.plan.moves)} children of {done.plan.from_organisation.name} moved, "
        f"each as a transfer with its history ({moved})",
    )
    return redirect("web:organisation", pk=done.plan.from_organisation.pk)


def _checked(carried: dict[str, str]) -> ReorganiseForm:
    first = ReorganiseForm(carried)
    first.is_valid()
    return first
