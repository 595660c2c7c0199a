"""Forms for missing episodes, alerts, safety plans and risk settings, rendered in GOV.UK
Frontend patterns.

As with the register's forms, these only parse input (a real date, a time on the 24-hour clock,
a chosen option). The episode rules (a return after the child was last seen, a lower grade
only with a reason...) are checked by missing/actions.py and come back as field errors.

An instant (when last seen, when found) is asked for as a GOV.UK date input plus a 24-hour
time box. People type the time on the clock in front of them, so it is read as UK time
(Europe/London) and stored as UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import fields as dataclass_fields
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from visible.agencies.models import Organisation, OrganisationKind
from visible.children.models import FlagKind
from visible.missing.inputs import (
    ReportMissingInput,
    ReturnInput,
    ReturnInterviewInput,
    SafetyPlanInput,
)
from visible.missing.models import (
    POLICE_GRADE_CHOICES,
    Category,
    ChallengeAnswer,
    ExploitationIndicator,
    FoundBy,
    InterviewOutcome,
    LogKind,
    ReporterRole,
)
from visible.reference.models import Authority
from visible.reference.nationalities import language_choices
from visible.risk import DEFAULTS, FACTORS, Assessment, Grade, RiskSettings

from ..fields import AuthorityChoiceField, GovukDateField

UK_TIME = ZoneInfo("Europe/London")
TIME_HINT = _("Use the 24-hour clock, for example 21:30 or 09:05")
POLICE_TIME_NEEDED = (
    "Enter the date and time the police were told, or choose 'Not told yet' if nobody has told them"
)
POLICE_TOLD_HINT = _(
    "The date and time the police were told, not the time you record it. For example, 27 3 2026"
)
RETURNED_HINT = (
    "When they came back or were found, not the time you record it. For example, 27 3 2026"
)
HAPPENED_HINT = "When it happened, not the time you record it. For example, 27 3 2026"
_TIME = re.compile(r"^(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)$")


# --- date and time -------------------------------------------------------------------------


def uk_instant(day: dt.date, hour: int, minute: int) -> dt.datetime | None:
    """The UTC instant of a UK wall-clock time, or None if the clocks skipped that time (the
    hour lost when British Summer Time starts). In the hour repeated when it ends, the first
    (summer time) reading is taken."""
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UK_TIME)
    instant = local.astimezone(dt.UTC)
    back = instant.astimezone(UK_TIME)
    if (back.hour, back.minute) != (hour, minute):
        return None
    return instant


def time_field(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=5, help_text=TIME_HINT)


def instant_initial(value: dt.datetime | None, date_name: str, time_name: str) -> dict[str, Any]:
    if value is None:
        return {}
    local = timezone.localtime(value)
    return {date_name: local.date(), time_name: f"{local:%H:%M}"}


class InstantsForm(forms.Form):
    """A form with date + time pairs. `instants` maps the name the action expects to the
    (date field, time field, words used in messages); clean() puts the UTC instant under
    that name."""

    instants: dict[str, tuple[str, str, str]] = {}
    narrow_fields: frozenset[str] = frozenset()  # text inputs shown narrow (times, codes)
    hinted_radios: dict[str, dict[str, Any]] = {}  # radios whose options carry a hint

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.narrow_fields = frozenset(self.narrow_fields) | {
            t for _, t, _ in self.instants.values()
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, (date_name, time_name, words) in self.instants.items():
            data[name] = None
            if date_name in self.errors:
                continue
            day = data.get(date_name)
            text = (data.get(time_name) or "").strip().replace(" ", "")
            if day is None:
                if text:
                    self.add_error(date_name, f"Enter the date {words}, as well as the time")
                continue
            if not text:
                self.add_error(time_name, f"Enter the time {words}, for example 21:30")
                continue
            match = _TIME.match(text)
            if not match:
                self.add_error(
                    time_name,
                    f"Enter the time {words} as hours and minutes on the 24-hour clock, "
                    "for example 21:30 or 09:05",
                )
                continue
            hour, minute = int(match["hour"]), int(match["minute"])
            instant = uk_instant(day, hour, minute)
            if instant is None:
                self.add_error(
                    time_name,
                    f"There was no {hour:02d}:{minute:02d} on {day.day} {day:%B %Y} in the UK: "
                    "the clocks went forward an hour at 1am. Enter the time the clocks showed",
                )
                continue
            data[name] = instant
        return data

    def error_field_for(self, action_field: str, message: str = "") -> str | None:
        """Where an action's error about `action_field` belongs on this form."""
        if action_field in self.instants:
            return self.instants[action_field][0]
        return action_field if action_field in self.fields else None


def _police_forces():
    return Organisation.objects.filter(kind=OrganisationKind.POLICE, is_active=True).order_by(
        "name"
    )


class PoliceForceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


# --- reporting -----------------------------------------------------------------------------

CATEGORY_HINTS = {
    Category.MISSING: _(
        "Not at their placement or where they are expected to be, and nobody knows where they are "
        "(SSDA903 code M)."
    ),
    Category.AWAY: _(
        "Known to be somewhere else without permission, and the carer is worried or has told the council "
        "or the police (SSDA903 code A)."
    ),
}

# The dynamic factors only a professional can know: those the engine does not find in the
# record for itself (flags, placements, guardians, age assessment, earlier episodes).
OBSERVED_FACTORS = [
    (code, factor.label) for code, factor in FACTORS.items() if not factor.derived_from
]
RECORD_FACTORS = [factor.label for factor in FACTORS.values() if factor.derived_from]


class ReportMissingForm(InstantsForm):
    instants = {
        "last_seen_at": ("last_seen_date", "last_seen_time", "the child was last seen"),
        "police_reported_at": (
            "police_reported_date",
            "police_reported_time",
            "the police were told",
        ),
    }
    narrow_fields = frozenset({"police_reference"})
    hinted_radios = {"category": {k.value: v for k, v in CATEGORY_HINTS.items()}}

    category = forms.ChoiceField(
        label=_("Is the child missing or away from placement?"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "There is no 'absent' category for a child in care (Heading back to harm, Rec 5)"
        ),
        error_messages={"required": _("Select missing or away from placement")},
    )
    last_seen_date = GovukDateField(label=_("Date last seen"), help_text=_("For example, 3 3 2026"))
    last_seen_time = time_field(_("Time last seen"))
    last_seen_place = forms.CharField(
        label=_("Where were they last seen?"),
        max_length=300,
        error_messages={"required": _("Enter where the child was last seen")},
    )
    with_whom = forms.CharField(
        label=_("Who were they with? (optional)"), max_length=300, required=False
    )
    clothing = forms.CharField(
        label=_("What were they wearing? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Clothes, shoes, bag, anything they were carrying"),
    )
    circumstances = forms.CharField(
        label=_("What happened? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Describe what happened and why you are worried. Do not use labels such as 'absconder' or 'wanted'"
        ),
    )
    reported_by_name = forms.CharField(
        label=_("Name of the person reporting"),
        max_length=150,
        error_messages={"required": _("Enter the name of the person reporting")},
    )
    reported_by_role = forms.ChoiceField(
        label=_("Who is reporting?"),
        choices=ReporterRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select who is reporting")},
    )
    police_force = PoliceForceField(
        label=_("Police force told (optional)"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Not told yet"),
        error_messages={"invalid_choice": _("Select a police force from the list")},
    )
    police_reported_date = GovukDateField(
        label=_("Date the police were told (optional)"), required=False, help_text=POLICE_TOLD_HINT
    )
    police_reported_time = time_field(_("Time the police were told (optional)"))
    police_reference = forms.CharField(
        label=_("Police reference (optional)"), max_length=60, required=False
    )
    factors = forms.MultipleChoiceField(
        label=_("Risk factors you know about (optional)"),
        required=False,
        choices=OBSERVED_FACTORS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick any that apply. Visible finds the others from the record itself: flags, placements, "
            "guardian, age assessment and earlier episodes"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["police_force"].queryset = _police_forces()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A report to the police is a force and when it was told: a force alone would be
        # remembered while the page and the alert say nobody has told the police.
        told = ("police_reported_date", "police_reported_time")
        if (
            data.get("police_force")
            and data.get("police_reported_at") is None
            and not any(name in self.errors for name in told)
        ):
            self.add_error("police_reported_date", POLICE_TIME_NEEDED)
        return data

    def action_values(self) -> ReportMissingInput:
        data = self.cleaned_data
        return ReportMissingInput(
            category=data["category"],
            last_seen_at=data["last_seen_at"],
            last_seen_place=data["last_seen_place"].strip(),
            with_whom=data["with_whom"].strip(),
            clothing=data["clothing"].strip(),
            circumstances=data["circumstances"].strip(),
            reported_by_name=data["reported_by_name"].strip(),
            reported_by_role=data["reported_by_role"],
            police_force=data["police_force"],
            police_reported_at=data["police_reported_at"],
            police_reference=data["police_reference"].strip(),
            factors=tuple(data["factors"]),
        )


# --- on the episode page -------------------------------------------------------------------

GRADE_CHOICES = [(g.value, g.label) for g in sorted(Grade, reverse=True)]


class GradeForm(InstantsForm):
    """The grades a professional may choose for this child now: none below the engine's binding
    floor (a UASC child who is missing is at least High), with the floor's reasons as the hint.
    Offering a grade that can never be accepted only leads to errors."""

    grade = forms.ChoiceField(
        label="Grade",
        choices=GRADE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a grade"},
    )
    reason = forms.CharField(
        label="Why? (needed if you choose a lower grade than proposed)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, assessment: Assessment | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if assessment is None:
            return
        floor = assessment.floor
        field = self.fields["grade"]
        assert isinstance(field, forms.ChoiceField)
        allowed = [g for g in sorted(Grade, reverse=True) if g >= floor]
        field.choices = [(g.value, g.label) for g in allowed]
        holding = [r for r in assessment.reasons if r.binding and r.floor == floor]
        if holding and len(allowed) < len(Grade):
            field.help_text = f"This child cannot be graded lower than {floor.label}: " + "; ".join(
                str(r) for r in holding
            )
            field.error_messages["invalid_choice"] = (
                f"Choose {' or '.join(g.label for g in allowed)}: this child cannot be graded "
                "lower (" + "; ".join(f"{r.text}, {r.citation}" for r in holding) + ")"
            )
        if assessment.grade <= floor:
            # Nothing lower than the proposal can be chosen, so there is nothing to explain.
            del self.fields["reason"]

    def error_field_for(self, action_field: str, message: str = "") -> str | None:
        # check_override's messages all come under "grade"; the missing reason belongs by the box.
        return "reason" if "written reason" in message and "reason" in self.fields else "grade"


class LogEntryForm(InstantsForm):
    instants = {"occurred_at": ("occurred_date", "occurred_time", "it happened")}

    kind = forms.ChoiceField(
        label="What kind of entry is it?",
        choices=LogKind.choices,
        widget=forms.RadioSelect,
        initial=LogKind.SIGHTING,
        error_messages={"required": "Select what kind of entry it is"},
    )
    occurred_date = GovukDateField(label="Date it happened", help_text=HAPPENED_HINT)
    occurred_time = time_field("Time it happened")
    text = forms.CharField(
        label="What happened?",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Who saw them or who you spoke to, where, and what was done",
    )


class PoliceReportForm(InstantsForm):
    instants = {
        "police_reported_at": (
            "police_reported_date",
            "police_reported_time",
            "the police were told",
        )
    }
    narrow_fields = frozenset({"police_reference"})

    police_force = PoliceForceField(
        label="Police force",
        queryset=Organisation.objects.none(),
        empty_label="Select a police force",
        error_messages={
            "required": "Select the police force the child was reported to",
            "invalid_choice": "Select a police force from the list",
        },
    )
    police_reported_date = GovukDateField(
        label="Date the police were told", help_text=POLICE_TOLD_HINT
    )
    police_reported_time = time_field("Time the police were told")
    police_reference = forms.CharField(
        label="Police reference (optional)", max_length=60, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["police_force"].queryset = _police_forces()


class PoliceGradeForm(InstantsForm):
    """The grade the force gave, as the force gave it (R-POLICE-GRADE): its words, and which of
    the police's grades they are. A grade below high for a child in scope is challenged."""

    instants = {"graded_at": ("graded_date", "graded_time", "the force graded")}

    as_written = forms.CharField(
        label="The force's grade, in the force's words",
        max_length=200,
        required=False,
        help_text="Exactly as the force gave it, for example \u201cMedium risk\u201d or "
        "\u201cAbsent\u201d",
    )
    category = forms.ChoiceField(
        label="Which of the police's grades is it? (optional if the words say)",
        choices=POLICE_GRADE_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        help_text="Police grade under the College of Policing's guidance, from no apparent risk "
        "(absent) to high. Leave it and Visible takes the grade from the force's words.",
    )
    graded_date = GovukDateField(label="Date the force graded (optional)", required=False)
    graded_time = time_field("Time the force graded (optional)")


class ChallengeAnswerForm(forms.Form):
    """The force's trafficking SPOC answers Visible's challenge to the force's grade."""

    answer = forms.ChoiceField(
        label="What did the force decide?",
        choices=ChallengeAnswer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the force changed its grade or kept it"},
    )
    regraded_to = forms.ChoiceField(
        label="The force's new grade (if it changed its grade)",
        choices=[("", "Select the new grade")]
        + [c for c in POLICE_GRADE_CHOICES if c[0] != "not_given"],
        required=False,
    )
    # Checked by missing.actions.answer_police_challenge, with the new grade, all at once.
    answer_reasons = forms.CharField(
        label="The force's reasons", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReturnForm(InstantsForm):
    instants = {
        "returned_at": ("returned_date", "returned_time", "the child came back or was found")
    }

    returned_date = GovukDateField(
        label="Date they came back or were found", help_text=RETURNED_HINT
    )
    returned_time = time_field("Time they came back or were found")
    found_by = forms.ChoiceField(
        label="Who found them?",
        choices=FoundBy.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select who found the child, or whether they came back by themselves"
        },
    )
    found_place = forms.CharField(
        label="Where were they found? (optional)", max_length=300, required=False
    )
    found_in_authority = AuthorityChoiceField(
        label="Council area they were found in (optional)",
        queryset=Authority.objects.none(),
        required=False,
        help_text="Choose one if they were found in another council's area",
        error_messages={"invalid_choice": "Select a council area from the list"},
    )
    return_condition = forms.CharField(
        label="How were they when they came back? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Injuries, health, tiredness, new phone or money, what they said",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["found_in_authority"]
        field.queryset = Authority.objects.childrens_services().filter(end_date__isnull=True)
        field.empty_label = "Not known, or our own area"

    def action_values(self) -> ReturnInput:
        data = self.cleaned_data
        return ReturnInput(
            returned_at=data["returned_at"],
            found_by=data["found_by"],
            found_place=data["found_place"].strip(),
            found_in_authority=data["found_in_authority"],
            return_condition=data["return_condition"].strip(),
        )


# Flags a return interview often brings to light (rulebook sections 1 and 5).
INTERVIEW_FLAGS = [
    (k.value, k.label)
    for k in (
        FlagKind.TRAFFICKED_SUSPECTED,
        FlagKind.AT_RISK_OF_TRAFFICKING,
        FlagKind.CSE,
        FlagKind.CCE,
        FlagKind.GANG,
    )
]


class ReturnInterviewForm(InstantsForm):
    instants = {
        "offered_at": ("offered_date", "offered_time", "the interview was offered"),
        "done_at": ("done_date", "done_time", "the interview was held"),
    }

    outcome = forms.ChoiceField(
        label="What happened to the offer?",
        choices=InterviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the interview was offered, accepted, declined or held"
        },
    )
    offered_date = GovukDateField(label="Date the interview was offered")
    offered_time = time_field("Time the interview was offered")
    done_date = GovukDateField(label="Date the interview was held (if held)", required=False)
    done_time = time_field("Time the interview was held (if held)")
    interviewer_name = forms.CharField(label="Interviewer's name", max_length=150, required=False)
    interviewer_organisation = forms.CharField(
        label="Interviewer's organisation (optional)", max_length=200, required=False
    )
    independent = forms.BooleanField(
        label="The interviewer is independent of the child's care team",
        required=False,
        help_text="The interview must be offered by someone the child does not already see as part of their care",
    )
    language = forms.ChoiceField(
        label="Language the interview was held in (optional)", choices=[], required=False
    )
    interpreter_used = forms.BooleanField(label="An interpreter was used", required=False)
    where_been = forms.CharField(
        label="Where had the child been? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    who_with = forms.CharField(
        label="Who were they with? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    indicators = forms.MultipleChoiceField(
        label="Signs of exploitation (optional)",
        required=False,
        choices=ExploitationIndicator.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label="Anything else learnt (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    raise_flags = forms.MultipleChoiceField(
        label="Record these concerns as flags on the child's record (optional)",
        required=False,
        choices=INTERVIEW_FLAGS,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each flag starts today, with the interview as its evidence",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", "Select a language"), *language_choices()]

    def action_values(self) -> ReturnInterviewInput:
        data = self.cleaned_data
        return ReturnInterviewInput(
            offered_at=data["offered_at"],
            outcome=data["outcome"],
            done_at=data["done_at"],
            interviewer_name=data["interviewer_name"].strip(),
            interviewer_organisation=data["interviewer_organisation"].strip(),
            independent=data["independent"],
            language=data["language"],
            interpreter_used=data["interpreter_used"],
            where_been=data["where_been"].strip(),
            who_with=data["who_with"].strip(),
            indicators=tuple(data["indicators"]),
            notes=data["notes"].strip(),
        )


# --- alerts --------------------------------------------------------------------------------


class ResolveAlertForm(forms.Form):
    # Required-ness is the action's rule (resolve_alert); the form only carries the text.
    resolution = forms.CharField(
        label="What was done?", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- safety plan ---------------------------------------------------------------------------


class SafetyPlanForm(forms.Form):
    agreed_on = GovukDateField(label="Date agreed with the child (optional)", required=False)
    child_views = forms.CharField(
        label="The child's own views (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the child said about what would keep them safe, in their words",
    )
    description = forms.CharField(
        label="Physical description (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Height, build, hair, eyes",
    )
    distinguishing_features = forms.CharField(
        label="Distinguishing features (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Scars, tattoos, glasses",
    )
    medical_needs = forms.CharField(
        label="Medical needs (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Conditions and medicines someone finding them must know about",
    )
    phone_numbers = forms.CharField(
        label="Phone numbers (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, with whose number it is",
    )
    social_media = forms.CharField(
        label="Social media accounts (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One account per line",
    )
    places = forms.CharField(
        label="Places and routes (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: stations, bus stops, cab offices, addresses they go to",
    )
    associates = forms.CharField(
        label="People they may be with (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: friends, relatives, adults of concern",
    )
    contingency = forms.CharField(
        label="Whom to notify if they go missing (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: police, Home Office, NRM contact, guardian",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def action_values(self) -> SafetyPlanInput:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return SafetyPlanInput.from_mapping(
            {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        )


# --- risk settings -------------------------------------------------------------------------

# Plain words for each RiskSettings field, with the rule it tunes.
SETTING_LABELS: dict[str, tuple[str, str]] = {
    "min_child_grade_medium": ("Never grade a child below medium", "R-MIN-CHILD"),
    "at_risk_in_high_scope": (
        "Grade children at risk of trafficking high when missing, like trafficked children",
        "R-HIGH",
    ),
    "treat_away_as_missing": ("Grade 'away from placement' the same as 'missing'", "R-HIGH"),
    "early_missing_days": (
        "Days after becoming looked after that count as 'soon' for a potential trafficking victim",
        "R-EARLY",
    ),
    "repeat_episodes": ("Episodes that make a child 'repeat missing'", "R-REPEAT"),
    "repeat_window_days": ("Within this many days", "R-REPEAT"),
    "rg_decision_working_days": ("Working days for an NRM reasonable grounds decision", "R-NRM-RG"),
    "return_interview_hours": ("Hours after return to hold the return interview", "R-RETURN"),
    "police_report_within_hours": (
        "Hours within which a missing child must be reported to the police",
        "R-POLICE",
    ),
    "approaching_18_days": (
        "Days before an 18th birthday to warn while a child is still missing",
        "R-APPROACHING-18",
    ),
    "long_missing_days": ("Days after which a child is 'long missing'", "R-LONG"),
    "recent_placement_change_days": (
        "Days since a placement move that count as a recent change",
        "R-SCORE",
    ),
    "unsuitable_placement_codes": (
        "Placement codes that count as unsuitable (SSDA903 PLACE codes, separated by commas)",
        "R-SCORE",
    ),
    "unsuitable_placement_details": (
        "Placement details that count as unsuitable (separated by commas)",
        "R-SCORE",
    ),
    "score_low": ("Risk score that raises the grade to at least low", "R-SCORE"),
    "score_medium": ("Risk score that raises the grade to at least medium", "R-SCORE"),
    "score_high": ("Risk score that raises the grade to at least high", "R-SCORE"),
    "nationality_patterns": (
        "Nationality-linked exploitation patterns (prompts only, never a grade)",
        "R-NATIONALITY",
    ),
}
BOOL_SETTINGS = ("min_child_grade_medium", "at_risk_in_high_scope", "treat_away_as_missing")
LIST_SETTINGS = ("unsuitable_placement_codes", "unsuitable_placement_details")
WEIGHT_PREFIX = "weight_"


def _show_default(name: str) -> str:
    value = getattr(DEFAULTS, name)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    if name == "nationality_patterns":
        return "; ".join(f"{code}: {text}" for code, text in value.items()) or "none"
    return str(value)


class RiskSettingsForm(forms.Form):
    @property
    def rule_references(self) -> list[dict[str, str]]:
        """Each rule a setting tunes, by id and title, for the page's "Rule references"."""
        from visible.risk.rules import RULES

        return [{"rule_id": r, "title": RULES[r].title if r in RULES else ""} for r in self.rules]

    """One field per setting, each showing the rulebook's default. Values are checked by
    RiskSettings itself (through save_risk_settings), so its messages land on these fields."""

    def __init__(self, *args: Any, current: RiskSettings, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.numbers: list[str] = []
        self.weights: list[str] = []
        self.rules: list[str] = []  # the rulebook's rules these settings tune, in form order
        for f in dataclass_fields(RiskSettings):
            name = f.name
            if name == "factor_weights":
                continue
            label, rule = SETTING_LABELS[name]
            hint = f"Default: {_show_default(name)}"  # the rule's id only in Rule references
            if rule not in self.rules:
                self.rules.append(rule)
            value = getattr(current, name)
            if name in BOOL_SETTINGS:
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    choices=[("yes", "Yes"), ("no", "No")],
                    widget=forms.RadioSelect,
                    help_text=hint,
                    error_messages={"required": f"Select yes or no: {label.lower()}"},
                )
                self.initial[name] = "yes" if value else "no"
            elif name in LIST_SETTINGS:
                self.fields[name] = forms.CharField(label=label, required=False, help_text=hint)
                self.initial[name] = ", ".join(sorted(value))
            elif name == "nationality_patterns":
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 3}),
                    help_text=f"One per line: the ISO country code, a colon, then the pattern. Default: {_show_default(name)}",
                )
                self.initial[name] = "\n".join(f"{code}: {text}" for code, text in value.items())
            else:
                self.fields[name] = forms.IntegerField(
                    label=label,
                    help_text=hint,
                    error_messages={
                        "required": f"Enter a number: {label.lower()}",
                        "invalid": f"Enter a whole number: {label.lower()}",
                    },
                )
                self.initial[name] = value
                self.numbers.append(name)
        for code, factor in FACTORS.items():
            name = f"{WEIGHT_PREFIX}{code}"
            self.fields[name] = forms.IntegerField(
                label=f"Weight: {factor.label}",
                help_text=f"Default: {factor.default_weight}. 0 switches the factor off",
                error_messages={
                    "required": f"Enter a weight for '{factor.label}'",
                    "invalid": f"Enter a whole number for '{factor.label}'",
                },
            )
            self.initial[name] = current.weight(code)
            self.weights.append(name)
        self.narrow_fields = frozenset(self.numbers + self.weights)

    def clean_nationality_patterns(self) -> dict[str, str]:
        patterns: dict[str, str] = {}
        for number, line in enumerate(
            (self.cleaned_data.get("nationality_patterns") or "").splitlines(), start=1
        ):
            if not line.strip():
                continue
            code, colon, text = line.partition(":")
            if not colon or not text.strip():
                raise forms.ValidationError(
                    f"Line {number} must be a country code, a colon and the pattern, "
                    "for example VNM: Vietnamese children and cannabis cultivation"
                )
            patterns[code.strip().upper()] = text.strip()
        return patterns

    def setting_values(self) -> dict[str, Any]:
        """Only the values that differ from the rulebook's defaults: the rest follow the
        defaults, including any later change to them."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for name in self.fields:
            if name.startswith(WEIGHT_PREFIX):
                continue
            raw = data.get(name)
            if name in BOOL_SETTINGS:
                value: Any = raw == "yes"
            elif name in LIST_SETTINGS:
                value = sorted({part.strip() for part in (raw or "").split(",") if part.strip()})
                if frozenset(value) == getattr(DEFAULTS, name):
                    continue
                values[name] = value
                continue
            elif name == "nationality_patterns":
                value = raw or {}
                if value == dict(DEFAULTS.nationality_patterns):
                    continue
                values[name] = value
                continue
            else:
                value = raw
            if value != getattr(DEFAULTS, name):
                values[name] = value
        weights = {name[len(WEIGHT_PREFIX) :]: data.get(name) for name in self.weights}
        changed = {code: w for code, w in weights.items() if w != DEFAULTS.weight(code)}
        if changed:
            values["factor_weights"] = changed
        return values

    def field_for_problem(self, problem: str) -> str | None:
        """The field a RiskSettings problem ("early_missing_days must be ...") is about."""
        match = re.match(r"factor_weights\['([a-z_]+)'\]", problem)
        if match and f"{WEIGHT_PREFIX}{match[1]}" in self.fields:
            return f"{WEIGHT_PREFIX}{match[1]}"
        if problem.startswith("score thresholds"):
            return "score_medium"
        name = problem.split(" ", 1)[0].split("[", 1)[0]
        return name if name in self.fields else None

    def problem_in_words(self, field: str | None, problem: str) -> str:
        if field is None:
            return problem
        if field.startswith(WEIGHT_PREFIX):
            label = self.fields[field].label
            return re.sub(
                r"^factor_weights\['[a-z_]+'\]", f"The {label[0].lower()}{label[1:]}", problem
            )
        if problem.startswith(field):
            return f"'{self.fields[field].label}'{problem[len(field) :]}"
        return problem
