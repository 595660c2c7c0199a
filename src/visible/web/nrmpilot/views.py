"""A council's dates in the devolved NRM decision-making pilot (docs/risk-engine.md, R-NRM-RG):
its periods, whether it is in the pilot today, and a senior manager or organisation
administrator adding a period or recording that the council left. Everyone else is refused,
and the refusal audited, as on the council's other settings pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from visible.access import opening
from visible.agencies.viewer import Viewer
from visible.children import actions
from visible.children.models import NrmPilot
from visible.missing.actions import settings_for
from visible.risk import nrm
from visible.risk.rules import RULES

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from . import forms

RULE = RULES["R-NRM-RG"]


def _require(viewer: Viewer) -> None:
    if not actions.can_set_nrm_pilot(viewer):
        opening.deny(
            viewer,
            "nrmpilot",
            "",
            None,
            "Tried to open the council's NRM decision-making pilot dates without permission",
        )
        raise PermissionDenied(
            "Only a senior manager or an organisation administrator of a council can say when "
            "it is in the NRM decision-making pilot"
        )


def _page(
    request: ViewerRequest,
    add_form: forms.PilotPeriodForm,
    end_form: forms.EndPilotForm,
) -> HttpResponse:
    organisation = request.viewer.organisation
    today = timezone.localdate()
    periods = NrmPilot.objects.filter(organisation=organisation).order_by("-start_date")
    return render(
        request,
        "web/nrmpilot/pilot.html",
        {
            "periods": periods,
            "current": actions.nrm_pilot_on(request.viewer.organisation_id, today),
            "open_period": next((p for p in periods if p.end_date is None), None),
            "add_form": add_form,
            "end_form": end_form,
            "panel_days": nrm.PANEL_DECISION_DAYS,
            "within_days_of_18": nrm.HOME_OFFICE_WITHIN_DAYS_OF_18,
            # The council's own number (its risk settings), as R-NRM-RG times the Home Office.
            "working_days": settings_for(organisation).rg_decision_working_days,
            "source": RULE.source,
            "references": [{"rule_id": RULE.id, "title": RULE.title}],
        },
    )


@staff_view
def pilot_page(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    _require(viewer)
    add_form = forms.PilotPeriodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and add_form.is_valid():
        start, end = add_form.cleaned_data["start_date"], add_form.cleaned_data["end_date"]
        try:
            actions.set_nrm_pilot(viewer, start, end, timezone.now())
        except ValidationError as error:
            apply_errors(add_form, error)
        else:
            messages.success(
                request,
                f"Your council is recorded in the pilot from {start:%-d %B %Y}"
                + (f" to {end:%-d %B %Y}" if end else ""),
            )
            return redirect("web:nrm-pilot")
    return _page(request, add_form, forms.EndPilotForm(prefix="end"))


@staff_view
@require_POST
def end_pilot(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    _require(viewer)
    end_form = forms.EndPilotForm(request.POST, prefix="end")
    if end_form.is_valid():
        end = end_form.cleaned_data["end_date"]
        try:
            actions.end_nrm_pilot(viewer, end, timezone.now())
        except ValidationError as error:
            apply_errors(end_form, error)
        else:
            messages.success(
                request, f"Your council is recorded as leaving the pilot on {end:%-d %B %Y}"
            )
            return redirect("web:nrm-pilot")
    return _page(request, forms.PilotPeriodForm(), end_form)
