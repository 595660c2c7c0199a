"""Forms for the register's pages, rendered in GOV.UK Frontend patterns (templates/web/includes).

Forms only parse and check the shape of input (a real date, a chosen option). The domain rules
(date of birth not in the future, placements not overlapping...) live in children/validation.py
and come back from the actions as field errors, so every door into the register applies them.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from visible.children.models import (
    AgeAssessmentStatus,
    CriminalisedStage,
    DobBasis,
    FirstResponderKind,
    FlagKind,
    Gender,
    GuardianKind,
    NameKind,
    NrmDecision,
    PlacementDetail,
    Sex,
)
from visible.children.queries import AGE_BANDS
from visible.reference.codes import LEGAL_STATUSES, PLACEMENT_TYPES, REASONS_CARE_ENDED
from visible.reference.models import Authority
from visible.reference.nationalities import language_choices, nationality_choices
from visible.uploads import size_text

from ..fields import AuthorityChoiceField, GovukDateField


def _with_blank(choices, label="Select an option"):
    return [("", label), *choices]


class ChildDetailsForm(forms.Form):
    given_names = forms.CharField(
        label="Given names",
        max_length=200,
        error_messages={"required": "Enter the child's given names"},
    )
    family_name = forms.CharField(
        label="Family name",
        max_length=200,
        required=False,
        help_text="Leave blank if the child has no family name",
    )
    preferred_name = forms.CharField(
        label="Name the child prefers to be called (optional)", max_length=200, required=False
    )
    date_of_birth = GovukDateField(label="Date of birth", help_text="For example, 27 3 2009")
    dob_basis = forms.ChoiceField(
        label="How is the date of birth known?",
        choices=DobBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the date of birth is known"},
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the child's sex"},
    )
    gender = forms.ChoiceField(
        label="Gender",
        choices=Gender.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the child's gender, or 'Not known'"},
    )
    nationality = forms.ChoiceField(
        label="Nationality",
        choices=[],
        error_messages={"required": "Select the child's nationality, 'Stateless' or 'Not known'"},
    )
    first_language = forms.ChoiceField(label="First language", choices=[], required=False)
    other_languages = forms.MultipleChoiceField(
        label="Other languages (optional)",
        choices=[],
        required=False,
        help_text="Tick any other languages they speak",
        widget=forms.CheckboxSelectMultiple,
    )
    interpreter_needed = forms.BooleanField(label="The child needs an interpreter", required=False)
    looked_after_from = GovukDateField(label="Date became looked after")
    legal_status = forms.ChoiceField(label="Legal status (optional)", choices=[], required=False)
    council_id = forms.CharField(label="Council case ID (optional)", max_length=40, required=False)
    child_903_id = forms.CharField(
        label="SSDA903 CHILD identifier (optional)", max_length=10, required=False
    )
    home_office_ref = forms.CharField(
        label="Home Office reference (optional)", max_length=40, required=False
    )
    police_ref = forms.CharField(label="Police reference (optional)", max_length=40, required=False)
    nrm_ref = forms.CharField(label="NRM reference (optional)", max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = _with_blank(
            nationality_choices(), "Select a nationality"
        )
        self.fields["first_language"].choices = _with_blank(language_choices(), "Select a language")
        self.fields["other_languages"].choices = language_choices()
        self.fields["legal_status"].choices = _with_blank(LEGAL_STATUSES.choices(), "Not recorded")

    def clean(self):
        data = super().clean()
        for key in (
            "given_names",
            "family_name",
            "preferred_name",
            "council_id",
            "child_903_id",
            "home_office_ref",
            "police_ref",
            "nrm_ref",
        ):
            if key in data and isinstance(data[key], str):
                data[key] = data[key].strip()
        return data


class NewChildForm(ChildDetailsForm):
    other_names = forms.CharField(
        label="Other names and spellings (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: aliases, other spellings, names in the child's own script",
    )
    # Asked only when the register may already hold the child (children/duplicates.py).
    new_child_reason = forms.CharField(
        label="Why is this a new child?",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: a different child with the same name, born in another country",
        error_messages={"max_length": "Keep the reason to 1,000 characters or fewer"},
    )
    seen_matches = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_seen_matches(self) -> tuple[int, ...]:
        text = self.cleaned_data.get("seen_matches") or ""
        return tuple(int(part) for part in text.split(",") if part.strip().isdigit())


class EditChildForm(ChildDetailsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class OtherNameForm(forms.Form):
    name = forms.CharField(
        label="Other name or spelling",
        max_length=300,
        error_messages={"required": "Enter the other name or spelling"},
    )
    kind = forms.ChoiceField(
        label="What kind of name is it?",
        choices=NameKind.choices,
        widget=forms.RadioSelect,
        initial=NameKind.ALIAS,
    )


class PhotoForm(forms.Form):
    # A plain file field: what the file is (JPEG or PNG, by its content), its size and pixels
    # are decided in one place, actions.set_photo (children/photographs.py), for every caller;
    # Django's ImageField would hand the file to every Pillow decoder, EPS and PDF included.
    photo = forms.FileField(
        label="Photograph", error_messages={"required": "Choose a photograph to upload"}
    )
    photo_taken_on = GovukDateField(label="Date the photograph was taken", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        largest = size_text(settings.VISIBLE_PHOTO_MAX_BYTES)
        self.fields["photo"].help_text = f"A recent photograph, JPEG or PNG, up to {largest}"


class FlagForm(forms.Form):
    kind = forms.ChoiceField(
        label="Flag",
        choices=FlagKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the flag to record"},
    )
    stage = forms.ChoiceField(
        label="If criminalised: stage",
        choices=_with_blank(CriminalisedStage.choices, "Not applicable"),
        required=False,
    )
    start_date = GovukDateField(label="Date the flag applies from")
    evidence = forms.CharField(
        label="Evidence",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the flag rests on: an NRM decision, a referral, a CIN factor, what the child said",
        error_messages={"required": "Enter the evidence the flag rests on"},
    )


class EndFlagForm(forms.Form):
    end_date = GovukDateField(label="Date the flag ended")
    end_reason = forms.CharField(
        label="Why is the flag ending?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the flag is ending"},
    )


class PlacementForm(forms.Form):
    place_code = forms.ChoiceField(
        label="Placement type (SSDA903 PLACE code)",
        choices=[],
        error_messages={"required": "Select the placement type"},
    )
    detail = forms.ChoiceField(
        label="Further detail (optional)", choices=PlacementDetail.choices, required=False
    )
    start_date = GovukDateField(label="Start date")
    end_date = GovukDateField(
        label="End date (optional)",
        required=False,
        help_text="Leave blank if the child is still there",
    )
    authority = AuthorityChoiceField(
        label="Authority the placement is in",
        queryset=Authority.objects.none(),
        error_messages={
            "required": "Select the authority whose area the placement is in",
            "invalid_choice": "Select an authority from the list",
        },
    )
    postcode = forms.CharField(label="Postcode (optional)", max_length=8, required=False)
    provider = forms.CharField(label="Provider or carer (optional)", max_length=200, required=False)
    unregulated = forms.BooleanField(
        label="This is an unregulated setting",
        required=False,
        help_text="Not a children's home, foster care or supported accommodation registered "
        "with Ofsted. Never for a child under 16",
    )
    ofsted_urn = forms.CharField(
        label="Ofsted unique reference number (URN)",
        max_length=10,
        required=False,
        help_text="Needed for supported accommodation, for example SC123456 or 2654321",
    )
    signed_off_by_name = forms.CharField(
        label="Senior manager who signed off (unregulated settings only)",
        max_length=200,
        required=False,
    )
    sign_off_reason = forms.CharField(
        label="Why no regulated placement could be used (unregulated settings only)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place_code"].choices = _with_blank(
            PLACEMENT_TYPES.choices(), "Select a placement type"
        )
        self.fields["authority"].queryset = Authority.objects.childrens_services().filter(
            end_date__isnull=True
        )
        self.fields["authority"].empty_label = "Select an authority"


class EndPlacementForm(forms.Form):
    end_date = GovukDateField(label="Date the placement ended")


class EndCareForm(forms.Form):
    """The end of a period of care: the day and why (the SSDA903 REC codes), one task."""

    end_date = GovukDateField(label="Date the child stopped being looked after")
    reason = forms.ChoiceField(
        label="Why did care end?",
        help_text="The reason the SSDA903 return gives (REC)",
        choices=[("", "Select a reason")]
        + [(c.code, f"{c.code}: {c.label}") for c in REASONS_CARE_ENDED.codes],
        error_messages={"required": "Select why care ended"},
    )


class NrmReferralForm(forms.Form):
    referred_on = GovukDateField(label="Date referred")
    first_responder = forms.CharField(
        label="First responder organisation",
        max_length=200,
        error_messages={"required": "Enter the first responder organisation"},
    )
    first_responder_kind = forms.ChoiceField(
        label="Kind of first responder",
        choices=FirstResponderKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of first responder"},
    )
    reference = forms.CharField(label="NRM reference (optional)", max_length=40, required=False)
    rg_decision = forms.ChoiceField(
        label="Reasonable grounds decision",
        choices=NrmDecision.choices,
        initial=NrmDecision.PENDING,
        widget=forms.RadioSelect,
    )
    rg_decided_on = GovukDateField(label="Date of reasonable grounds decision", required=False)
    cg_decision = forms.ChoiceField(
        label="Conclusive grounds decision",
        choices=NrmDecision.choices,
        initial=NrmDecision.PENDING,
        widget=forms.RadioSelect,
    )
    cg_decided_on = GovukDateField(label="Date of conclusive grounds decision", required=False)
    stayed = forms.BooleanField(
        label="The decision is stayed (for example while the child is missing)", required=False
    )
    stayed_on = GovukDateField(label="Date stayed", required=False)
    notes = forms.CharField(
        label="Notes (optional)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    public_order = forms.BooleanField(
        label="This is a public-order case",
        required=False,
        help_text="The Home Office decides these, also where the council's panel decides others",
    )


class AgeAssessmentForm(forms.Form):
    status = forms.ChoiceField(
        label="Age assessment status",
        choices=AgeAssessmentStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the age assessment status"},
    )
    status_from = GovukDateField(label="Status applies from")
    concluded_on = GovukDateField(label="Date concluded (if concluded)", required=False)
    assessed_date_of_birth = GovukDateField(
        label="Assessed date of birth (optional)", required=False
    )
    notes = forms.CharField(
        label="Notes (optional)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class GuardianForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of guardian or advocate",
        choices=GuardianKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of guardian or advocate"},
    )
    guardian_name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the guardian's name"}
    )
    service = forms.CharField(
        label="Organisation or service",
        max_length=200,
        error_messages={"required": "Enter the organisation or service"},
    )
    organisation = forms.ModelChoiceField(
        label="Their service on Visible (optional)",
        required=False,
        queryset=None,
        empty_label="Not on Visible",
        help_text="If the service uses Visible, its staff will see this child's limited record while the assignment lasts",
    )
    start_date = GovukDateField(label="Start date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from visible.agencies.models import Organisation, OrganisationKind

        self.fields["organisation"].queryset = Organisation.objects.filter(
            kind__in=(OrganisationKind.GUARDIAN_SERVICE, OrganisationKind.NGO), is_active=True
        ).order_by("name")


class EndGuardianForm(forms.Form):
    end_date = GovukDateField(label="Date the assignment ended")


class ChildSearchForm(forms.Form):
    """The list's search and filters (GET). Unknown values are errors, not silently ignored."""

    q = forms.CharField(label="Name or identifier", required=False, max_length=200)
    flag = forms.ChoiceField(
        label="Flag",
        required=False,
        choices=[("", "Any"), ("in_scope", "Any of the four groups in scope"), *FlagKind.choices],
    )
    nationality = forms.ChoiceField(label="Nationality", required=False, choices=[])
    gender = forms.ChoiceField(
        label="Gender", required=False, choices=[("", "Any"), *Gender.choices]
    )
    place_code = forms.ChoiceField(label="Current placement type", required=False, choices=[])
    out_of_area = forms.ChoiceField(
        label="Placed out of area",
        required=False,
        choices=[("", "Any"), ("yes", "Yes: placed in another authority's area"), ("no", "No")],
    )
    age_band = forms.ChoiceField(
        label="Age",
        required=False,
        choices=[("", "Any"), *((k, v[0]) for k, v in AGE_BANDS.items())],
    )
    active_from = forms.DateField(
        required=False, widget=forms.HiddenInput, input_formats=["%Y-%m-%d"]
    )
    active_to = forms.DateField(
        required=False, widget=forms.HiddenInput, input_formats=["%Y-%m-%d"]
    )
    own = forms.BooleanField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = [("", "Any"), *nationality_choices()]
        self.fields["place_code"].choices = [("", "Any"), *PLACEMENT_TYPES.choices()]

    def clean(self):
        data = super().clean()
        start, end = data.get("active_from"), data.get("active_to")
        if start and end and end < start:
            raise ValidationError("The end of the period must be after its start")
        return data


class CountsPeriodForm(forms.Form):
    start = GovukDateField(label="From")
    end = GovukDateField(label="To")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The 'to' date must be the same as or after the 'from' date")
        return data
