"""Changing how a person is told (their preferences) and what an organisation's email may say
(its settings): validated here, in the words the pages show, and audited."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction

from visible.agencies.models import Role
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.children.validation import Problems
from visible.inputs import ActionInput

from .channels import sms_available
from .models import ChannelChoice, OrganisationSettings, Preferences
from .phones import NotAMobileNumber, uk_mobile
from .quiet import parse_time

# Who may change what their organisation's notifications say.
SETTINGS_ROLES = {Role.SENIOR_MANAGER, Role.ORGANISATION_ADMIN}
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


@dataclass(frozen=True, kw_only=True)
class PreferencesInput(ActionInput):
    channels: str
    email: str = ""
    mobile: str = ""
    quiet_from: str = ""  # as typed: 22:00
    quiet_until: str = ""
    daily_digest: bool = False
    organisation_digest: bool = False


def _plain(value) -> object:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


@transaction.atomic
def save_preferences(viewer: Viewer, data: PreferencesInput) -> Preferences:
    """The signed-in person's own preferences (nobody changes another's)."""
    if viewer.user_id is None:
        raise PermissionDenied("Sign in to change how Visible tells you")
    user = get_user_model().objects.get(pk=viewer.user_id)
    p = Problems()
    if data.channels not in ChannelChoice.values:
        p.add("channels", "Select how Visible should tell you")
    email = data.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            p.add("email", "Enter an email address in the correct format, like name@example.gov.uk")
    elif data.channels in (ChannelChoice.EMAIL, ChannelChoice.BOTH) and not user.email:
        p.add("email", "Enter the email address Visible should use: your account has none")
    mobile = ""
    if data.mobile.strip():
        try:
            mobile = uk_mobile(data.mobile)
        except NotAMobileNumber as error:
            p.add("mobile", str(error))
    elif data.channels in (ChannelChoice.SMS, ChannelChoice.BOTH):
        p.add("mobile", "Enter your mobile number, or choose email only")
    if data.channels in (ChannelChoice.SMS, ChannelChoice.BOTH) and not sms_available():
        p.add(
            "channels",
            "Visible cannot send text messages here yet (GOV.UK Notify is not set up): choose "
            "email",
        )
    times: dict[str, dt.time | None] = {}
    for field, label in (("quiet_from", "start"), ("quiet_until", "end")):
        text = getattr(data, field).strip()
        if not text:
            times[field] = None
            continue
        try:
            times[field] = parse_time(text)
        except ValueError:
            p.add(field, f"Enter the time quiet hours {label} on the 24-hour clock, like 22:00")
            times[field] = None
    typed = {f: bool(getattr(data, f).strip()) for f in ("quiet_from", "quiet_until")}
    if typed["quiet_from"] != typed["quiet_until"]:
        missing = "quiet_until" if typed["quiet_from"] else "quiet_from"
        p.add(
            missing,
            f"Enter when quiet hours {'end' if missing == 'quiet_until' else 'start'}, or "
            "leave both times empty for no quiet hours",
        )
    if times.get("quiet_from") and times["quiet_from"] == times.get("quiet_until"):
        p.add("quiet_until", "Quiet hours must end at a different time from when they start")
    p.raise_if_any()
    preferences, created = Preferences.objects.select_for_update().get_or_create(user=user)
    before = {
        f: _plain(getattr(preferences, f))
        for f in (
            "channels",
            "email",
            "mobile",
            "quiet_from",
            "quiet_until",
            "daily_digest",
            "organisation_digest",
        )
    }
    preferences.channels = data.channels
    preferences.email = email
    preferences.mobile = mobile
    preferences.quiet_from = times["quiet_from"]
    preferences.quiet_until = times["quiet_until"]
    preferences.daily_digest = data.daily_digest
    preferences.organisation_digest = data.organisation_digest
    preferences.save()
    after = {f: _plain(getattr(preferences, f)) for f in before}
    record(
        viewer,
        AuditAction.CREATE if created else AuditAction.CHANGE,
        object_type="notification preferences",
        object_id=preferences.pk,
        summary="Changed how Visible tells them",
        detail={
            "record": "notification preferences",
            "changes": {
                k: [None if created else before[k], after[k]]
                for k in after
                if created or before[k] != after[k]
            },
        },
    )
    return preferences


def can_change_settings(viewer: Viewer) -> bool:
    return (
        viewer.organisation is not None
        and viewer.role in SETTINGS_ROLES
        and viewer.organisation.is_responsible_body
    )


@transaction.atomic
def save_organisation_settings(
    viewer: Viewer, domains_text: str, details_in_secure_email: bool
) -> OrganisationSettings:
    """The email domains the viewer's organisation marks secure, and whether its email to them
    may name the child. One domain a line (or separated by commas or spaces)."""
    if not can_change_settings(viewer):
        raise PermissionDenied(
            "Only a senior manager or an organisation administrator of a council can change "
            "what its notifications say"
        )
    p = Problems()
    domains: list[str] = []
    for number, raw in enumerate(re.split(r"[\s,;]+", domains_text.strip()), start=1):
        domain = raw.strip().lower().lstrip("@").rstrip(".")
        if not domain:
            continue
        if not _DOMAIN.fullmatch(domain):
            p.add(
                "secure_email_domains",
                f"\u201c{raw}\u201d (domain {number}) is not an email domain: write what comes "
                "after the @, like council.gov.uk",
            )
        elif domain not in domains:
            domains.append(domain)
    if details_in_secure_email and not domains:
        p.add(
            "secure_email_domains",
            "List at least one secure email domain, or do not allow the child's details in email",
        )
    p.raise_if_any()
    stored, _ = OrganisationSettings.objects.select_for_update().get_or_create(
        organisation=viewer.organisation
    )
    before = {
        "secure_email_domains": list(stored.secure_email_domains),
        "details_in_secure_email": stored.details_in_secure_email,
    }
    stored.secure_email_domains = domains
    stored.details_in_secure_email = details_in_secure_email
    stored.updated_by_name = viewer.display_name
    stored.save()
    after = {"secure_email_domains": domains, "details_in_secure_email": details_in_secure_email}
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="notification settings",
        object_id=stored.pk,
        summary="Changed what the organisation's notifications may say",
        detail={
            "record": "notification settings",
            "changes": {k: [before[k], after[k]] for k in after if before[k] != after[k]},
        },
    )
    return stored
