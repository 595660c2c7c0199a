"""Forms of the transfer, long-term missing and still-missing pages. The actions check the
values again (transfers/actions.py); the forms only read them."""

from __future__ import annotations

from django import forms

from visible.agencies.models import Organisation, OrganisationKind
from visible.children.models import Child

from ..fields import GovukDateField


class ReferForm(forms.Form):
    to = forms.ModelChoiceField(
        label="Receiving council",
        queryset=Organisation.objects.none(),
        error_messages={"required": "Choose the council the child is being transferred to"},
    )
    referred_on = GovukDateField(label="Date of the referral", help_text="For example, 3 3 2026")
    reference = forms.CharField(
        label="National Transfer Scheme reference (optional)", required=False, max_length=60
    )

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = (  # type: ignore[attr-defined]
            Organisation.objects.filter(
                kind__in=(OrganisationKind.COUNCIL, OrganisationKind.HSC_TRUST)
            )
            .exclude(pk=child.responsible_organisation_id)
            .order_by("name")
        )


class ArrivalForm(forms.Form):
    arrived_on = GovukDateField(label="Date the child arrived", help_text="For example, 3 3 2026")


class DeclineForm(forms.Form):
    """The receiving council declines the referral."""

    ended_on = GovukDateField(label="Date declined", help_text="For example, 3 3 2026")
    reason = forms.CharField(
        label="Why are you declining the transfer?",
        help_text="The sending council will see this",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": "Say why the transfer is being declined",
            "max_length": "The reason must be 2,000 characters or fewer",
        },
    )
    # The transfer's version when the page was opened: a change since is refused, not overwritten.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class WithdrawForm(DeclineForm):
    """The sending council withdraws the referral."""

    ended_on = GovukDateField(label="Date withdrawn", help_text="For example, 3 3 2026")
    reason = forms.CharField(
        label="Why are you withdrawing the referral?",
        help_text="For example, the child is missing, was found to be an adult, or the placement "
        "fell through. The receiving council will see this",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": "Say why the referral is being withdrawn",
            "max_length": "The reason must be 2,000 characters or fewer",
        },
    )


class UkmpuForm(forms.Form):
    referred_on = GovukDateField(
        label="Date referred to the UK Missing Persons Unit", help_text="For example, 3 3 2026"
    )
    reference = forms.CharField(label="UKMPU reference (optional)", required=False, max_length=60)


class ReviewForm(forms.Form):
    held_on = GovukDateField(label="Date the review was held", help_text="For example, 3 3 2026")
    agencies = forms.CharField(
        label="Who took part",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Say who took part, for example 'Police, social care, guardian'"
        },
    )
    outcome = forms.CharField(
        label="What was agreed",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what the review agreed"},
    )


class GuardianForm(forms.Form):
    guardian_name = forms.CharField(
        label="Guardian's name",
        max_length=200,
        error_messages={"required": "Enter the guardian's name"},
    )
    engaged_until = GovukDateField(
        label="Engaged until",
        help_text="How long the guardian stays engaged while the child is missing: for example, 3 9 2026",
    )
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AsAtForm(forms.Form):
    as_at = GovukDateField(label="Still missing on", help_text="For example, 31 3 2026")
