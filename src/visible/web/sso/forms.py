"""The forms of single sign-on: the work email that finds a person's organisation, and the
administrator's settings for their organisation's provider."""

from __future__ import annotations

from django import forms

from visible.sso.models import DEFAULT_SCOPES


class WorkEmailForm(forms.Form):
    email = forms.EmailField(
        label="Your work email address",
        max_length=254,
        error_messages={
            "required": "Enter your work email address",
            "invalid": "Enter your work email address in the correct format, like name@kent.gov.uk",
        },
    )


class ProviderForm(forms.Form):
    issuer = forms.CharField(
        label="Issuer URL",
        max_length=500,
        error_messages={"required": "Enter the issuer URL your provider gives"},
    )
    client_id = forms.CharField(
        label="Client ID",
        max_length=255,
        error_messages={"required": "Enter the client ID your provider gave Visible"},
    )
    client_secret = forms.CharField(
        label="Client secret", max_length=1000, required=False, strip=True
    )
    email_domains = forms.CharField(
        label="Email domains",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={
            "required": "Enter at least one email domain your people's addresses are at"
        },
    )
    scopes = forms.CharField(label="Scopes", max_length=255, initial=DEFAULT_SCOPES)
    enforces_mfa = forms.ChoiceField(
        label="Does your provider ask everyone for a second factor (MFA) when they sign in?",
        choices=[("no", "No, or not for everyone"), ("yes", "Yes, for everyone who uses Visible")],
        initial="no",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether your provider asks everyone for a second factor"},
    )

    def domains(self) -> tuple[str, ...]:
        text = self.cleaned_data.get("email_domains", "")
        return tuple(part for part in text.replace(",", " ").split() if part)
