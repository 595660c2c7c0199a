"""The notification settings forms. They parse; the rules (a UK mobile number, quiet hours
both or neither, a domain per line) are notifications/preferences.py's, and come back as
field errors in its words."""

from __future__ import annotations

from django import forms

from visible.notifications.models import ChannelChoice, Preferences

TIME_HINT = "On the 24-hour clock, for example 22:00"


class PreferencesForm(forms.Form):
    channels = forms.ChoiceField(
        label="How should Visible tell you?",
        choices=ChannelChoice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how Visible should tell you"},
    )
    email = forms.CharField(
        label="Email address for notifications",
        required=False,
        max_length=254,
        help_text="Leave empty to use your account's email address",
    )
    mobile = forms.CharField(
        label="Mobile number for text messages",
        required=False,
        max_length=30,
        help_text="A UK mobile number, like 07700 900982",
    )
    quiet_from = forms.CharField(
        label="Quiet hours start", required=False, max_length=5, help_text=TIME_HINT
    )
    quiet_until = forms.CharField(
        label="Quiet hours end", required=False, max_length=5, help_text="For example 07:00"
    )
    daily_digest = forms.BooleanField(
        label="Email me a digest of my alerts every morning", required=False
    )
    organisation_digest = forms.BooleanField(
        label="Email me a digest of my organisation's overdue and unacknowledged alerts every morning",
        required=False,
    )

    def __init__(self, *args, offer_organisation_digest: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not offer_organisation_digest:
            del self.fields["organisation_digest"]

    @staticmethod
    def initial_from(preferences: Preferences | None) -> dict:
        if preferences is None:
            return {"channels": ChannelChoice.EMAIL}
        from visible.notifications.phones import shown

        return {
            "channels": preferences.channels,
            "email": preferences.email,
            "mobile": shown(preferences.mobile) if preferences.mobile else "",
            "quiet_from": f"{preferences.quiet_from:%H:%M}" if preferences.quiet_from else "",
            "quiet_until": f"{preferences.quiet_until:%H:%M}" if preferences.quiet_until else "",
            "daily_digest": preferences.daily_digest,
            "organisation_digest": preferences.organisation_digest,
        }


class OrganisationSettingsForm(forms.Form):
    secure_email_domains = forms.CharField(
        label="Secure email domains",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line, exactly as after the @: your council's own domain, a secure "
        "government mail domain",
    )
    details_in_secure_email = forms.BooleanField(
        label="Put the child's name and the alert's details in email to these domains",
        required=False,
        help_text="Sent only through your own mail server, never by text message. Every other "
        "message gives a reference and a link only.",
    )
