"""Your account's notification settings (how Visible tells you), and an organisation's (what
its email may say about a child)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from visible.access import opening
from visible.notifications import preferences as actions
from visible.notifications.channels import sms_available
from visible.notifications.delivery import preferences_for, routes_for
from visible.notifications.digest import ORGANISATION_DIGEST_ROLES, digest_time
from visible.notifications.models import OrganisationSettings, Preferences
from visible.notifications.phones import shown

from ..common import apply_errors, staff_view
from ..request import ViewerRequest
from . import forms


@staff_view
def preferences(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    user = get_user_model().objects.get(pk=cast(int, viewer.user_id))  # signed in: staff_view
    stored = Preferences.objects.filter(user=user).first()
    offer_organisation_digest = viewer.role in ORGANISATION_DIGEST_ROLES and bool(
        viewer.organisation and viewer.organisation.is_responsible_body
    )
    form = forms.PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial=forms.PreferencesForm.initial_from(stored),
        offer_organisation_digest=offer_organisation_digest,
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values.setdefault("organisation_digest", False)
        try:
            actions.save_preferences(viewer, actions.PreferencesInput.from_mapping(values))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your notification settings have been saved")
            return redirect("web:notification-preferences")
    current = preferences_for(user)
    return render(
        request,
        "web/notifications/preferences.html",
        {
            "form": form,
            "sms_available": sms_available(),
            "routes": [
                {
                    "channel": route.channel,
                    "label": "Text messages to" if route.channel == "sms" else "Email to",
                    "address": shown(route.address) if route.channel == "sms" else route.address,
                }
                for route in routes_for(user, current)
            ],
            "current": current,
            "digest_time": f"{digest_time():%H:%M}",
            "can_change_organisation_settings": actions.can_change_settings(viewer),
        },
    )


@staff_view
def organisation_settings(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    if not actions.can_change_settings(viewer):
        opening.deny(
            viewer,
            "notification settings",
            "",
            None,
            "Tried to open the organisation's notification settings without permission",
        )
        raise PermissionDenied(
            "Only a senior manager or an organisation administrator of a council can change "
            "what its notifications say"
        )
    stored = OrganisationSettings.objects.filter(organisation=viewer.organisation).first()
    initial = (
        {
            "secure_email_domains": "\n".join(stored.secure_email_domains),
            "details_in_secure_email": stored.details_in_secure_email,
        }
        if stored
        else {}
    )
    form = forms.OrganisationSettingsForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_organisation_settings(
                viewer,
                form.cleaned_data["secure_email_domains"],
                form.cleaned_data["details_in_secure_email"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your organisation's notification settings have been saved")
            return redirect("web:notification-organisation-settings")
    return render(
        request,
        "web/notifications/organisation.html",
        {"form": form, "stored": stored},
    )
