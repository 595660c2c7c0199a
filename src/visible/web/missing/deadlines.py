"""An organisation's own acknowledgement deadlines, one per severity, each no longer than the
national deadline (missing/severity.py; saved by missing.actions.save_deadlines, audited)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from visible.access import missing as missing_policy
from visible.access import opening
from visible.missing import actions as missing_actions
from visible.missing.models import AcknowledgementDeadlines
from visible.missing.severity import DEADLINES, Severity, describe

from ..common import apply_errors, staff_view
from ..request import ViewerRequest


def _minutes(delta) -> int:
    return int(delta.total_seconds() // 60)


class DeadlinesForm(forms.Form):
    """One whole number of minutes per severity; empty for the national deadline."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for level in Severity:
            limits = DEADLINES[level]
            self.fields[level.key] = forms.IntegerField(
                label=f"{level.label} alerts: minutes to acknowledge",
                required=False,
                min_value=1,
                help_text=f"At most {_minutes(limits.longest)} ({describe(limits.longest)}, the "
                f"national deadline) and at least {_minutes(limits.shortest)}. Leave empty for "
                "the national deadline.",
                error_messages={
                    "invalid": f"Enter the {level.label.lower()} deadline as a whole number of "
                    "minutes, like 10",
                    "min_value": f"Enter the {level.label.lower()} deadline as a whole number "
                    "of minutes, 1 or more",
                },
            )


@staff_view
def deadlines_page(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    if not missing_policy.can_set_deadlines(viewer):
        opening.deny(
            viewer,
            "acknowledgement deadlines",
            "",
            None,
            "Tried to open the organisation's acknowledgement deadlines without permission",
        )
        raise PermissionDenied(
            "Only a senior manager or an organisation administrator of a council can change its "
            "acknowledgement deadlines"
        )
    stored = AcknowledgementDeadlines.objects.filter(organisation=viewer.organisation).first()
    own = dict(stored.minutes) if stored else {}
    form = DeadlinesForm(request.POST if request.method == "POST" else None, initial=own)
    if request.method == "POST" and form.is_valid():
        try:
            missing_actions.save_deadlines(viewer, dict(form.cleaned_data))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your acknowledgement deadlines have been saved")
            return redirect("web:alert-deadlines")
    rows = [
        {
            "level": level,
            "national": describe(DEADLINES[level].default),
            "own": describe_minutes(own.get(level.key)),
        }
        for level in Severity
    ]
    return render(
        request,
        "web/missing/deadlines.html",
        {"form": form, "stored": stored, "rows": rows},
    )


def describe_minutes(minutes: int | None) -> str:
    if not minutes:
        return ""
    from datetime import timedelta

    return describe(timedelta(minutes=minutes))
