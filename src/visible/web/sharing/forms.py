"""Forms of the multi-agency pages."""

from __future__ import annotations

from django import forms

from visible.agencies.models import Organisation, OrganisationKind
from visible.children.models import Child


class BreakGlassForm(forms.Form):
    """Shows the fields; sharing.actions.break_glass_by_number checks them (the reason before the
    number is looked up, so the page never says whether a number exists without a reason)."""

    child = forms.CharField(
        label="The child's Visible number",
        required=False,
        help_text="On the grab pack, a police report or a call from the child's council",
    )
    reason = forms.CharField(
        label="Why you need the record now",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="The child's council is told at once and will review it",
    )


class TransferForm(forms.Form):
    to = forms.ModelChoiceField(
        label="Authority taking responsibility",
        queryset=Organisation.objects.none(),
        error_messages={"required": "Choose the authority taking responsibility"},
    )
    reason = forms.CharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example 'National Transfer Protocol: accepted by Leeds on 3 March'",
        error_messages={"required": "Say why the child is being transferred"},
    )
    confirm = forms.BooleanField(
        label="I understand that responsibility, the whole record and its open alerts move "
        "to the receiving authority now",
        error_messages={"required": "Confirm that responsibility moves now"},
    )

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = (
            Organisation.objects.filter(
                kind__in=(OrganisationKind.COUNCIL, OrganisationKind.HSC_TRUST)
            )
            .exclude(pk=child.responsible_organisation_id)
            .order_by("name")
        )
