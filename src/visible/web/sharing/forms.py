"""Forms of the multi-agency pages."""

from __future__ import annotations

from typing import cast

from django import forms

from visible.agencies.models import Organisation, OrganisationKind
from visible.children.models import Child

from ..fields import GovukDateField


class BreakGlassFindForm(forms.Form):
    """Finding the child by what the person in front of them holds (sharing.actions.
    find_for_break_glass checks that there is enough to search by)."""

    name = forms.CharField(
        label="Name",
        required=False,
        max_length=200,
        help_text="Any name or spelling the child gives: misspellings and other "
        "transliterations are found too",
    )
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, help_text="For example, 27 3 2010"
    )
    reference = forms.CharField(
        label="Or a reference",
        required=False,
        max_length=64,
        help_text="A police, Home Office or NRM reference, or the council case ID or SSDA903 "
        "CHILD printed under \u201cIdentifiers\u201d on the child's grab pack",
    )

    def terms(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "date_of_birth": data.get("date_of_birth"),
            "reference": data.get("reference") or "",
        }

    def has_terms(self) -> bool:
        return any(
            (self.data.get(key) or "").strip()
            for key in (
                "name",
                "reference",
                "date_of_birth_0",
                "date_of_birth_1",
                "date_of_birth_2",
            )
        )


class _FoundChild(forms.ChoiceField):
    """One of the children the search found. Which child may be opened is the action's
    decision (sharing.actions.break_glass_by_number), not the form's."""

    def valid_value(self, value) -> bool:
        return True


class BreakGlassForm(forms.Form):
    """The child found and the reason; sharing.actions.break_glass_by_number checks them (the
    reason before the child is looked up)."""

    child = _FoundChild(
        label="Which child?",
        widget=forms.RadioSelect,
        required=False,
        choices=(),
    )
    reason = forms.CharField(
        label="Why you need the record now",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="The child's council is told at once and will review it",
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        child = cast(forms.ChoiceField, self.fields["child"])
        child.choices = [(str(c.child_id), c.label) for c in candidates]
        if len(candidates) == 1 and not self.is_bound:
            self.initial["child"] = str(candidates[0].child_id)


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
