"""Forms of the national administrator's organisation pages. They ask for what each action
takes in people's words; the rules about the values (a code that exists, an authority not
ended, no duplicate) are the actions' (organisations/actions.py), whose messages the pages
show in place."""

from __future__ import annotations

import re
from typing import cast

from django import forms

from visible.agencies.models import OrganisationKind
from visible.organisations.queries import STATUSES


def split_codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in re.split(r"[\s,;]+", text or "") if c)


class FilterForm(forms.Form):
    q = forms.CharField(label="Name or GSS code", required=False, max_length=200)
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "All kinds"), *OrganisationKind.choices],
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Active and deactivated"), *STATUSES.items()]
    )


ADD_CHOICES = [
    ("council", "A council's children's services, or a Northern Ireland HSC Trust"),
    ("police", "A police force"),
    ("service", "A guardian or advocacy service, or an NGO"),
]


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of organisation?",
        widget=forms.RadioSelect,
        choices=ADD_CHOICES,
        error_messages={"required": "Select what kind of organisation to add"},
    )


class CouncilForm(forms.Form):
    code = forms.CharField(
        label="GSS code of the authority",
        max_length=20,
        help_text="For example E10000016 for Kent, W06000015 for Cardiff. Northern Ireland's "
        "Health and Social Care Trusts: NIHSCT-BEL, NIHSCT-NOR, NIHSCT-SET, NIHSCT-SOU, NIHSCT-WES",
        error_messages={
            "required": "Enter the GSS code of the council or HSC Trust, for example E10000016 for Kent"
        },
    )


class ForceForm(forms.Form):
    name = forms.ChoiceField(
        label="Police force",
        choices=[],
        error_messages={"required": "Choose the police force"},
    )

    def __init__(self, *args, missing: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["name"])
        field.choices = [("", "Choose a force"), *((n, n) for n in missing)]


class ServiceForm(forms.Form):
    name = forms.CharField(
        label="Name of the service",
        max_length=200,
        error_messages={"required": "Enter the service's name"},
    )
    kind = forms.ChoiceField(
        label="What kind of service is it?",
        widget=forms.RadioSelect,
        choices=[
            (OrganisationKind.GUARDIAN_SERVICE, "A guardian or advocacy service"),
            (OrganisationKind.NGO, "A non-governmental organisation (NGO)"),
        ],
        error_messages={
            "required": "Select whether it is a guardian or advocacy service or an NGO"
        },
    )
    areas = forms.CharField(
        label="The authorities it works in",
        help_text="Their GSS codes, separated by commas or spaces, for example E09000008, E10000016",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter the GSS code of at least one authority it works in"},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the audit log, for example 'Contract ended 31 March 2027'",
        error_messages={"required": "Say why"},
    )


class ReorganiseForm(forms.Form):
    predecessor = forms.CharField(
        label="GSS code of the authority that ended",
        max_length=20,
        help_text="For example E10000006 for Cumbria, E10000023 for North Yorkshire County",
        error_messages={
            "required": "Enter the GSS code of the authority that ended, for example E10000006 for Cumbria"
        },
    )
    successors = forms.CharField(
        label="GSS codes of its successors (optional)",
        required=False,
        max_length=200,
        help_text="Leave blank for the reference data's, for example E06000063, E06000064 for Cumbria",
    )
    assignments = forms.CharField(
        label="Where each child goes, when there are two or more successors (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One child a line: Visible number, successor's GSS code (for example 1234, E06000063). "
        "A child not listed goes to the successor its current placement is in",
    )
    reason = forms.CharField(
        label="Why (optional)",
        required=False,
        max_length=500,
        help_text="Default: the reorganisation the reference data records",
    )

    def assignment_pairs(self) -> tuple[tuple[str, str], ...]:
        pairs = []
        lines = re.split(r"[\r\n|]+", self.cleaned_data.get("assignments") or "")
        for number, line in enumerate(lines, 1):
            cells = [c for c in re.split(r"[\s,;]+", line.strip()) if c]
            if not cells or cells[0].lower() == "visible_number":
                continue
            if len(cells) != 2:
                raise forms.ValidationError(
                    {
                        "assignments": [
                            f"Line {number} of the assignments: write a Visible number and a "
                            "GSS code, for example 1234, E06000063"
                        ]
                    }
                )
            pairs.append((cells[0], cells[1]))
        return tuple(pairs)

    def carried(self) -> dict[str, str]:
        """The values to carry to the confirmation page, one line each."""
        return {
            "predecessor": self.cleaned_data.get("predecessor", ""),
            "successors": self.cleaned_data.get("successors", ""),
            "assignments": "|".join(f"{n},{c}" for n, c in self.assignment_pairs()),
            "reason": self.cleaned_data.get("reason", ""),
        }


class ConfirmReorganisationForm(ReorganiseForm):
    confirm = forms.BooleanField(
        label="I understand that these children move to their successors now, each as a "
        "transfer, and that this cannot be undone in one step",
        error_messages={"required": "Confirm that the children move now"},
    )
