"""What the API reads and writes. Input serializers only check shape and type (the actions do
the domain validation, with the same messages as the web pages); output serializers give the
full or the limited view that policy allows."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from visible.agencies.models import Role
from visible.children.models import (
    CriminalisedStage,
    DobBasis,
    FlagKind,
    Gender,
    NameKind,
    PlacementDetail,
    Sex,
)
from visible.missing.models import (
    POLICE_GRADE_CHOICES,
    Category,
    ChallengeAnswer,
    FoundBy,
    LogKind,
    ReporterRole,
)
from visible.people import queries as people_queries
from visible.reference.codes import PLACEMENT_TYPES
from visible.reference.nationalities import nationality_name
from visible.risk import Grade

from .fields import (
    QueryBooleanField,
    QueryIntegerField,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictDateTimeField,
    UtcDateTimeField,
)

CODE = r"^[A-Z]{3}$"
GRADES = [g.value for g in Grade]


# --- every request body ----------------------------------------------------------------------

# Why a field the client may read cannot be sent back, where there is more to say than that.
CANNOT_CHANGE_BECAUSE = {
    "id": "The record's number is in the URL and never changes",
    "version": "Visible moves the version on with every change: send the version you read as If-Match (the ETag)",
    "responsible_organisation": "A child moves to another organisation only by a transfer, made on the web pages",
}


class WriteInput(serializers.Serializer):
    """The base of every request body. DRF quietly ignores a field a serializer does not
    declare, so a client that sent `responsible_organisation`, `version` or a misspelt name got
    200 and believed it had changed something. Here each such field is a 400 naming it: a
    field of the record this endpoint answers with (``answered_with``) that it does not take
    "cannot be changed" here; any other is unknown. Nested inputs (a child's other names) are
    checked the same way."""

    answered_with = ""  # the name of the output serializer in this module, for the read-only fields
    renamed: dict[str, str] = {}  # a field of the answer that this body takes under another name

    def to_internal_value(self, data):
        not_taken = self._fields_not_taken(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if not_taken and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **not_taken}) from error
            raise
        if not_taken:
            raise serializers.ValidationError(not_taken)
        return value

    def _fields_not_taken(self, data) -> dict[str, list[str]]:
        if not hasattr(data, "keys"):
            return {}  # not an object: DRF says so
        taken = {name for name, field in self.fields.items() if not field.read_only}
        answered = set(globals()[self.answered_with]().fields) if self.answered_with else set()
        problems = {}
        for name in sorted(str(key) for key in data.keys() if key not in taken):
            if name in self.renamed:
                problems[name] = [f"Send this as '{self.renamed[name]}'"]
            elif name in answered:
                why = CANNOT_CHANGE_BECAUSE.get(
                    name,
                    "Visible sets it, or another endpoint changes it (see the API documentation)",
                )
                problems[name] = [f"Cannot be changed here: leave it out. {why}"]
            else:
                problems[name or "(empty name)"] = [
                    f"Unknown field. The fields you can send here are: {', '.join(sorted(taken))}"
                ]
        return problems


# --- children: input -----------------------------------------------------------------------


class OtherNameInput(WriteInput):
    answered_with = "OtherNameOut"

    name = StrictCharField(max_length=300)
    kind = serializers.ChoiceField(choices=NameKind.choices, default=NameKind.ALIAS)


class ChildCoreInput(WriteInput):
    """The child's core fields (children.actions.CHILD_FIELDS)."""

    answered_with = "ChildFull"

    given_names = StrictCharField(max_length=200)
    family_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    preferred_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    date_of_birth = StrictDateField()
    dob_basis = serializers.ChoiceField(choices=DobBasis.choices)
    sex = serializers.ChoiceField(choices=Sex.choices)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    nationality = serializers.RegexField(
        CODE,
        help_text="ISO 3166-1 alpha-3; XXA stateless; XXX not known",
        error_messages={"invalid": "Must be a three-letter code in capitals, e.g. VNM"},
    )
    first_language = serializers.RegexField(
        r"^([a-z]{3})?$",
        required=False,
        allow_blank=True,
        help_text="ISO 639-3",
        error_messages={"invalid": "Must be a three-letter ISO 639-3 code, e.g. vie"},
    )
    other_languages = serializers.ListField(
        child=serializers.RegexField(
            r"^[a-z]{3}$", error_messages={"invalid": "Must be a three-letter ISO 639-3 code"}
        ),
        required=False,
        max_length=20,
    )
    interpreter_needed = StrictBooleanField(required=False)
    looked_after_from = StrictDateField()
    legal_status = StrictCharField(
        max_length=2, required=False, allow_blank=True, help_text="SSDA903 LS code"
    )
    council_id = StrictCharField(max_length=40, required=False, allow_blank=True)
    child_903_id = StrictCharField(max_length=10, required=False, allow_blank=True)
    home_office_ref = StrictCharField(max_length=40, required=False, allow_blank=True)
    police_ref = StrictCharField(max_length=40, required=False, allow_blank=True)
    nrm_ref = StrictCharField(max_length=40, required=False, allow_blank=True)

    def validate(self, attrs):
        return {k: v.strip() if isinstance(v, str) else v for k, v in attrs.items()}


class ChildCreateInput(ChildCoreInput):
    other_names = OtherNameInput(many=True, required=False)
    new_child_reason = StrictCharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="Only when a first request was refused with likely_matches: why this is a "
        "different child from each of them (audited with the new record)",
    )
    likely_matches_seen = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="The ids of the likely_matches the refusal listed, which the reason answers",
    )


class ChildUpdateInput(ChildCoreInput):
    """PATCH: any of the core fields; those left out keep their values."""

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class FlagInput(WriteInput):
    answered_with = "FlagFull"

    kind = serializers.ChoiceField(choices=FlagKind.choices)
    start_date = StrictDateField()
    evidence = StrictCharField(
        max_length=5000,
        allow_blank=True,
        help_text="What the flag rests on: an NRM decision, a referral...",
    )
    stage = serializers.ChoiceField(
        choices=CriminalisedStage.choices,
        required=False,
        help_text="Required for 'criminalised': arrested, bailed or charged",
    )


class EndFlagInput(WriteInput):
    answered_with = "FlagFull"
    renamed = {"end_reason": "reason"}

    end_date = StrictDateField()
    reason = StrictCharField(max_length=5000, allow_blank=True, help_text="Why the flag is ending")


class PlacementInput(WriteInput):
    answered_with = "PlacementOut"

    place_code = StrictCharField(
        max_length=3, help_text="SSDA903 PLACE code in use on the start date, e.g. U1"
    )
    detail = serializers.ChoiceField(
        choices=PlacementDetail.choices, required=False, allow_blank=True
    )
    start_date = StrictDateField()
    end_date = StrictDateField(required=False, allow_null=True)
    authority = serializers.RegexField(
        r"^[A-Z][0-9]{8}$",
        help_text="GSS code of the authority the placement is in",
        error_messages={"invalid": "Must be a GSS code, e.g. E10000016"},
    )
    postcode = StrictCharField(max_length=8, required=False, allow_blank=True)
    provider = StrictCharField(max_length=200, required=False, allow_blank=True)
    unregulated = serializers.BooleanField(
        required=False,
        help_text="Not a children's home, foster care or registered supported accommodation",
    )
    ofsted_urn = StrictCharField(
        max_length=10,
        required=False,
        allow_blank=True,
        help_text="The provider's Ofsted URN: needed for supported accommodation (K3, H5)",
    )
    signed_off_by_name = StrictCharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The senior manager who signed off an unregulated placement",
    )
    sign_off_reason = StrictCharField(
        required=False,
        allow_blank=True,
        help_text="Why no regulated placement could be used",
    )


class EndPlacementInput(WriteInput):
    answered_with = "PlacementOut"

    end_date = StrictDateField()


class ChildSearchQuery(serializers.Serializer):
    """The web list's filters."""

    q = serializers.CharField(
        required=False, max_length=200, help_text="A name (tolerant of spelling) or an identifier"
    )
    flag = serializers.ChoiceField(
        choices=[*FlagKind.choices, ("in_scope", "Any of the four groups in scope")], required=False
    )
    nationality = serializers.RegexField(
        CODE, required=False, help_text="ISO 3166-1 alpha-3, e.g. ERI"
    )
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    place_code = serializers.ChoiceField(
        choices=[c for c, _ in PLACEMENT_TYPES.choices()],
        required=False,
        help_text="Current placement's SSDA903 PLACE code",
    )
    out_of_area = serializers.ChoiceField(choices=[("yes", "yes"), ("no", "no")], required=False)
    age_band = serializers.ChoiceField(
        choices=["under_10", "10_13", "14_15", "16_17", "18_plus"], required=False
    )
    active_from = serializers.DateField(
        required=False, help_text="With flag: flag in force some time from this date"
    )
    active_to = serializers.DateField(required=False, help_text="With flag: ...to this date")
    own = QueryBooleanField(
        required=False,
        default=False,
        help_text="Only children your organisation is responsible for",
    )
    page = QueryIntegerField(
        required=False, min_value=1, max_value=100000, default=1, help_text="Page, from 1"
    )

    def validate(self, attrs):
        start, end = attrs.get("active_from"), attrs.get("active_to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"active_to": ["Must be the same as or after active_from"]}
            )
        return attrs


# --- children: output ----------------------------------------------------------------------


class OrganisationRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FlagLimited(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FlagKind.choices)
    label = serializers.CharField(source="get_kind_display")
    stage = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    active = serializers.SerializerMethodField()

    def get_active(self, flag) -> bool:
        return flag.is_active_on(timezone.localdate())


class FlagFull(FlagLimited):
    evidence = serializers.CharField()
    source = serializers.CharField()
    recorded_by_name = serializers.CharField()
    recorded_at = UtcDateTimeField()
    end_reason = serializers.CharField()
    ended_by_name = serializers.CharField()
    ended_at = UtcDateTimeField(allow_null=True)


class PlacementOut(serializers.Serializer):
    id = serializers.IntegerField()
    place_code = serializers.CharField()
    place_label = serializers.SerializerMethodField()
    detail = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    postcode = serializers.CharField()
    authority_code = serializers.CharField(source="authority.code")
    authority_name = serializers.CharField(source="authority.name")
    provider = serializers.CharField()

    def get_place_label(self, placement) -> str:
        return PLACEMENT_TYPES.label(placement.place_code)


class OtherNameOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=NameKind.choices)


def _current_placement(child):
    today = timezone.localdate()
    return next(
        (
            p
            for p in child.placements.all()
            if p.start_date <= today and (p.end_date is None or p.end_date >= today)
        ),
        None,
    )


class MatchedOut(serializers.Serializer):
    """Which of the child's names (or identifiers) a search matched."""

    kind = serializers.CharField(
        help_text="name, preferred name, alias or name used, other spelling, previous name, "
        "name in own script, or the identifier's name (e.g. Home Office reference)"
    )
    text = serializers.CharField(help_text="The name or identifier as recorded")
    matched_words = serializers.ListField(
        child=serializers.CharField(), help_text="The words of it that matched the search"
    )


class ChildSummary(serializers.Serializer):
    """A row of the list: what both the full and the limited view show."""

    id = serializers.IntegerField()
    access = serializers.ChoiceField(
        choices=[("full", "full"), ("limited", "limited")],
        help_text="full: your organisation is responsible; limited: placed in your area",
    )
    responsible_organisation = OrganisationRef()
    given_names = serializers.CharField()
    family_name = serializers.CharField()
    preferred_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    age = serializers.IntegerField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    gender = serializers.ChoiceField(choices=Gender.choices)
    nationality = serializers.CharField()
    active_flags = serializers.ListField(child=serializers.ChoiceField(choices=FlagKind.choices))
    current_placement = PlacementOut(allow_null=True)
    matched = MatchedOut(
        allow_null=True,
        help_text="With q: the name or identifier that matched (null in a list without q)",
    )


class NrmReferralOut(serializers.Serializer):
    id = serializers.IntegerField()
    referred_on = serializers.DateField()
    first_responder = serializers.CharField()
    first_responder_kind = serializers.CharField()
    reference = serializers.CharField()
    rg_decision = serializers.CharField()
    rg_decided_on = serializers.DateField(allow_null=True)
    cg_decision = serializers.CharField()
    cg_decided_on = serializers.DateField(allow_null=True)
    stayed = serializers.BooleanField()
    stayed_on = serializers.DateField(allow_null=True)


class AgeAssessmentOut(serializers.Serializer):
    status = serializers.CharField()
    status_from = serializers.DateField()
    concluded_on = serializers.DateField(allow_null=True)
    assessed_date_of_birth = serializers.DateField(allow_null=True)


class GuardianOut(serializers.Serializer):
    kind = serializers.CharField()
    guardian_name = serializers.CharField()
    service = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)


LANGUAGE_FIELDS = ("first_language", "other_languages", "interpreter_needed")
IDENTIFIER_FIELDS = ("council_id", "child_903_id", "home_office_ref", "police_ref", "nrm_ref")


class ChildLimited(serializers.Serializer):
    """The limited view: identity, photograph, flags, current placement; and the sections
    access.register.sections_for adds for the viewer's grant (languages and identifiers for the
    police force a child is missing to, NRM referrals for a guardian service)."""

    id = serializers.IntegerField()
    access = serializers.ChoiceField(choices=[("limited", "limited")])
    version = serializers.IntegerField()
    responsible_organisation = OrganisationRef()
    given_names = serializers.CharField()
    family_name = serializers.CharField()
    preferred_name = serializers.CharField()
    full_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    dob_basis = serializers.ChoiceField(choices=DobBasis.choices)
    age = serializers.IntegerField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    gender = serializers.ChoiceField(choices=Gender.choices)
    nationality = serializers.CharField()
    nationality_name = serializers.CharField()
    has_photo = serializers.BooleanField()
    photo_taken_on = serializers.DateField(allow_null=True)
    flags = FlagLimited(many=True)
    current_placement = PlacementOut(allow_null=True)
    first_language = serializers.CharField(required=False, help_text="With the languages section")
    other_languages = serializers.ListField(child=serializers.CharField(), required=False)
    interpreter_needed = serializers.BooleanField(required=False)
    council_id = serializers.CharField(required=False, help_text="With the identifiers section")
    child_903_id = serializers.CharField(required=False)
    home_office_ref = serializers.CharField(required=False)
    police_ref = serializers.CharField(required=False)
    nrm_ref = serializers.CharField(required=False)
    nrm_referrals = NrmReferralOut(many=True, required=False, help_text="With the NRM section")


class ChildFull(ChildLimited):
    access = serializers.ChoiceField(choices=[("full", "full")])
    first_language = serializers.CharField()
    other_languages = serializers.ListField(child=serializers.CharField())
    interpreter_needed = serializers.BooleanField()
    looked_after_from = serializers.DateField()
    legal_status = serializers.CharField()
    council_id = serializers.CharField()
    child_903_id = serializers.CharField()
    home_office_ref = serializers.CharField()
    police_ref = serializers.CharField()
    nrm_ref = serializers.CharField()
    other_names = OtherNameOut(many=True)
    flags = FlagFull(many=True)
    placements = PlacementOut(many=True)
    nrm_referrals = NrmReferralOut(many=True)
    age_assessments = AgeAssessmentOut(many=True)
    guardians = GuardianOut(many=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()


def child_data(child, full: bool, sections: frozenset[str] = frozenset()) -> dict:
    today = timezone.localdate()
    base = {
        "id": child.pk,
        "access": "full" if full else "limited",
        "version": child.version,
        "responsible_organisation": {
            "id": child.responsible_organisation_id,
            "name": child.responsible_organisation.name,
        },
        "given_names": child.given_names,
        "family_name": child.family_name,
        "preferred_name": child.preferred_name,
        "full_name": child.full_name,
        "date_of_birth": child.date_of_birth,
        "dob_basis": child.dob_basis,
        "age": child.age_on(today),
        "sex": child.sex,
        "gender": child.gender,
        "nationality": child.nationality,
        "nationality_name": nationality_name(child.nationality),
        "has_photo": bool(child.photo),
        "photo_taken_on": child.photo_taken_on,
        "flags": list(child.flags.all()),
        "current_placement": _current_placement(child),
    }
    if not full:
        extra = {f: getattr(child, f) for f in LANGUAGE_FIELDS} if "languages" in sections else {}
        extra |= (
            {f: getattr(child, f) for f in IDENTIFIER_FIELDS} if "identifiers" in sections else {}
        )
        if "nrm" in sections:
            extra["nrm_referrals"] = list(child.nrm_referrals.all())
        data = ChildLimited(base | extra).data
        return {k: v for k, v in data.items() if k in base or k in extra}
    base.update(
        {
            f: getattr(child, f)
            for f in (
                *LANGUAGE_FIELDS,
                *IDENTIFIER_FIELDS,
                "looked_after_from",
                "legal_status",
                "created_at",
                "updated_at",
            )
        }
    )
    base.update(
        {
            "other_names": list(child.other_names.all()),
            "placements": list(child.placements.select_related("authority")),
            "nrm_referrals": list(child.nrm_referrals.all()),
            "age_assessments": list(child.age_assessments.all()),
            "guardians": list(child.guardians.all()),
        }
    )
    return ChildFull(base).data


def summary_data(child, viewer_organisation_id: int | None, matched=None) -> dict:
    placement = child.current_placements[0] if child.current_placements else None
    return ChildSummary(
        {
            "id": child.pk,
            "access": "full"
            if child.responsible_organisation_id == viewer_organisation_id
            else "limited",
            "responsible_organisation": {
                "id": child.responsible_organisation_id,
                "name": child.responsible_organisation.name,
            },
            "given_names": child.given_names,
            "family_name": child.family_name,
            "preferred_name": child.preferred_name,
            "date_of_birth": child.date_of_birth,
            "age": child.age_on(timezone.localdate()),
            "sex": child.sex,
            "gender": child.gender,
            "nationality": child.nationality,
            "active_flags": [f.kind for f in child.active_flags],
            "current_placement": placement,
            "matched": {
                "kind": matched.kind,
                "text": matched.text,
                "matched_words": [text.strip() for text, marked in matched.parts if marked],
            }
            if matched
            else None,
        }
    ).data


class ChildPage(serializers.Serializer):
    count = serializers.IntegerField(help_text="Children found, on every page")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.CharField(
        allow_null=True, help_text="The next page's URL, or null on the last page"
    )
    previous = serializers.CharField(allow_null=True)
    matched_identifier = serializers.BooleanField(help_text="q matched an identifier exactly")
    results = ChildSummary(many=True)


# --- missing episodes ----------------------------------------------------------------------


class ReportMissingInput(WriteInput):
    answered_with = "EpisodeOut"

    category = serializers.ChoiceField(
        choices=Category.choices, help_text="M: missing; A: away from placement"
    )
    last_seen_at = StrictDateTimeField()
    last_seen_place = StrictCharField(max_length=300)
    with_whom = StrictCharField(max_length=300, required=False, allow_blank=True)
    clothing = StrictCharField(max_length=5000, required=False, allow_blank=True)
    circumstances = StrictCharField(max_length=10000, required=False, allow_blank=True)
    reported_by_name = StrictCharField(max_length=150)
    reported_by_role = serializers.ChoiceField(choices=ReporterRole.choices)
    police_force = StrictCharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The police force's name as Visible knows it, e.g. 'Kent Police'",
    )
    police_reported_at = StrictDateTimeField(required=False)
    police_reference = StrictCharField(max_length=60, required=False, allow_blank=True)
    factors = serializers.ListField(
        child=StrictCharField(max_length=64),
        required=False,
        max_length=50,
        help_text="Risk factor codes observed (see docs/risk-engine.md)",
    )


class GradeInput(WriteInput):
    answered_with = "GradingOut"

    grade = serializers.ChoiceField(choices=GRADES)
    reason = StrictCharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text="Required to grade below the proposal",
    )


class LogEntryInput(WriteInput):
    answered_with = "LogEntryOut"

    kind = serializers.ChoiceField(choices=LogKind.choices)
    occurred_at = StrictDateTimeField()
    text = StrictCharField(max_length=10000)


class PoliceReportInput(WriteInput):
    answered_with = "EpisodeOut"

    police_force = StrictCharField(
        max_length=200,
        required=False,
        help_text="Defaults to the client's own force for a police client",
    )
    reported_at = StrictDateTimeField()
    reference = StrictCharField(max_length=60, required=False, allow_blank=True)


class ReturnInput(WriteInput):
    answered_with = "EpisodeOut"

    returned_at = StrictDateTimeField()
    found_by = serializers.ChoiceField(choices=FoundBy.choices)
    found_place = StrictCharField(max_length=300, required=False, allow_blank=True)
    return_condition = StrictCharField(max_length=5000, required=False, allow_blank=True)
    found_in_authority = serializers.RegexField(
        r"^[A-Z][0-9]{8}$",
        required=False,
        help_text="GSS code of the authority the child was found in",
    )


class GradingOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    grade = serializers.CharField()
    proposed_grade = serializers.CharField()
    floor = serializers.CharField()
    override_reason = serializers.CharField()
    headline = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()
    graded_by_name = serializers.CharField()
    graded_by_organisation = serializers.CharField()
    recorded_at = UtcDateTimeField()

    def get_headline(self, grading) -> str:
        return grading.assessment.get("headline", "")

    def get_reasons(self, grading) -> list[str]:
        return [str(r.get("text", "")) for r in grading.assessment.get("reasons", [])]


class LogEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=LogKind.choices)
    occurred_at = UtcDateTimeField()
    text = serializers.CharField()
    by_name = serializers.CharField()
    by_organisation = serializers.CharField()
    flagged_words = serializers.ListField(child=serializers.CharField())
    recorded_at = UtcDateTimeField()


class EpisodeSummary(serializers.Serializer):
    id = serializers.IntegerField()
    child_id = serializers.IntegerField()
    child_name = serializers.CharField()
    access = serializers.ChoiceField(choices=[("full", "full"), ("limited", "limited")])
    category = serializers.ChoiceField(choices=Category.choices)
    is_open = serializers.BooleanField()
    last_seen_at = UtcDateTimeField()
    last_seen_place = serializers.CharField()
    grade = serializers.CharField(help_text="The grade in force ('' before any grading)")
    police_force = serializers.CharField(allow_null=True)
    police_reference = serializers.CharField()
    returned_at = UtcDateTimeField(allow_null=True)


class EpisodeOut(EpisodeSummary):
    version = serializers.IntegerField()
    with_whom = serializers.CharField()
    clothing = serializers.CharField()
    circumstances = serializers.CharField()
    reported_by_name = serializers.CharField()
    reported_by_role = serializers.CharField()
    reported_at = UtcDateTimeField()
    police_reported_at = UtcDateTimeField(allow_null=True)
    factors = serializers.ListField(child=serializers.CharField())
    found_place = serializers.CharField()
    found_by = serializers.CharField()
    return_condition = serializers.CharField()
    found_in_authority = serializers.CharField(allow_null=True)
    gradings = GradingOut(many=True, help_text="Newest first; empty in the limited view")
    log = LogEntryOut(
        many=True, help_text="The search log, newest first; empty in the limited view"
    )


def episode_summary(episode, viewer_organisation_id) -> dict:
    child = episode.child
    return {
        "id": episode.pk,
        "child_id": child.pk,
        "child_name": child.full_name,
        "access": "full"
        if child.responsible_organisation_id == viewer_organisation_id
        else "limited",
        "category": episode.category,
        "is_open": episode.is_open,
        "last_seen_at": episode.last_seen_at,
        "last_seen_place": episode.last_seen_place,
        "grade": episode.grade,
        "police_force": episode.police_force.name if episode.police_force_id else None,
        "police_reference": episode.police_reference,
        "returned_at": episode.returned_at,
    }


def episode_data(episode, full: bool) -> dict:
    data = episode_summary(episode, episode.child.responsible_organisation_id if full else None)
    data.update(
        {
            "version": episode.version,
            "with_whom": episode.with_whom,
            "clothing": episode.clothing,
            "circumstances": episode.circumstances,
            "reported_by_name": episode.reported_by_name,
            "reported_by_role": episode.reported_by_role,
            "reported_at": episode.reported_at,
            "police_reported_at": episode.police_reported_at,
            "factors": list(episode.factors or []),
            "found_place": episode.found_place,
            "found_by": episode.found_by,
            "return_condition": episode.return_condition,
            "found_in_authority": episode.found_in_authority.code
            if episode.found_in_authority_id
            else None,
            "gradings": list(episode.gradings.all()) if full else [],
            "log": list(episode.log.all()) if full else [],
        }
    )
    return EpisodeOut(data).data


# --- the police's grades and Visible's challenges (R-POLICE-GRADE) ---------------------------

POLICE_GRADES_GIVEN = [c for c in POLICE_GRADE_CHOICES if c[0] != "not_given"]


class PoliceGradeInput(WriteInput):
    """The grade the force gave, as the web page's form takes it (missing.actions
    .record_police_grade checks the rest, with the page's messages)."""

    answered_with = "PoliceGradingOut"

    as_written = StrictCharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The grade exactly as the force wrote it, e.g. 'Medium risk', 'ABSENT', 'NAR'",
    )
    category = serializers.ChoiceField(
        choices=POLICE_GRADE_CHOICES,
        required=False,
        help_text="Which of the College of Policing APP grades it is. Optional when the words "
        "name exactly one; refused if the words name another. With neither, 'not_given'.",
    )
    graded_at = StrictDateTimeField(
        required=False,
        help_text="When the force graded, if it said: not before the child was "
        "last seen, not in the future",
    )


class ChallengeAnswerInput(WriteInput):
    """The force's trafficking SPOC answers Visible's challenge, as on the challenge's page."""

    answered_with = "PoliceChallengeOut"

    answer = serializers.ChoiceField(
        choices=ChallengeAnswer.choices,
        help_text="regraded: the force changed its grade (give regraded_to); kept: it kept it",
    )
    answer_reasons = StrictCharField(
        max_length=10000, allow_blank=True, help_text="The force's reasons, either way"
    )
    regraded_to = serializers.ChoiceField(
        choices=POLICE_GRADES_GIVEN,
        required=False,
        allow_blank=True,
        help_text="The force's new grade, when it changed its grade; leave out when it kept it",
    )


class PoliceGradingOut(serializers.Serializer):
    id = serializers.IntegerField()
    force = serializers.CharField(help_text="The police force whose grade it is")
    as_written = serializers.CharField(help_text="Exactly as the force wrote it ('' if no words)")
    category = serializers.ChoiceField(choices=POLICE_GRADE_CHOICES)
    category_label = serializers.CharField()
    graded_at = UtcDateTimeField(allow_null=True, help_text="When the force graded, if it said")
    visible_grade = serializers.CharField(help_text="Visible's grade when this grade arrived")
    recorded_by_name = serializers.CharField()
    recorded_by_organisation = serializers.CharField()
    recorded_at = UtcDateTimeField()
    challenge_id = serializers.IntegerField(
        allow_null=True, help_text="The challenge this grade opened, if it opened one"
    )


class PoliceChallengeOut(serializers.Serializer):
    id = serializers.IntegerField()
    episode_id = serializers.IntegerField()
    police_grading_id = serializers.IntegerField(help_text="The grade challenged")
    force = serializers.CharField(help_text="The force whose trafficking SPOC it is put to")
    police_grade = serializers.ChoiceField(
        choices=POLICE_GRADE_CHOICES, help_text="The grade challenged"
    )
    proposed_grade = serializers.CharField(help_text="Visible's grade: high")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="The risk engine's reasons for high"
    )
    opened_at = UtcDateTimeField()
    state = serializers.ChoiceField(choices=[("open", "open"), ("answered", "answered")])
    answer = serializers.CharField(help_text="regraded, kept, or '' while open")
    answer_reasons = serializers.CharField()
    regraded_to = serializers.CharField(help_text="The force's new grade, if it changed it")
    answered_at = UtcDateTimeField(allow_null=True)
    answered_by_name = serializers.CharField()
    outcome = serializers.CharField(
        help_text="regraded_high, regraded_below_high, kept, or '' while open"
    )
    outcome_label = serializers.CharField()


class PoliceGradesOut(serializers.Serializer):
    episode_id = serializers.IntegerField()
    access = serializers.ChoiceField(choices=[("full", "full"), ("limited", "limited")])
    police_gradings = PoliceGradingOut(
        many=True,
        help_text="The force's grades as received, newest first; empty in the limited view",
    )
    challenges = PoliceChallengeOut(
        many=True, help_text="Visible's challenges to them, newest first; empty in the limited view"
    )


def _challenge_row(challenge) -> dict:
    return {
        "id": challenge.pk,
        "episode_id": challenge.episode_id,
        "police_grading_id": challenge.police_grading_id,
        "force": challenge.force.name,
        "police_grade": challenge.police_grading.category,
        "proposed_grade": challenge.proposed_grade,
        "reasons": challenge.reason_texts,
        "opened_at": challenge.opened_at,
        "state": "open" if challenge.is_open else "answered",
        "answer": challenge.answer,
        "answer_reasons": challenge.answer_reasons,
        "regraded_to": challenge.regraded_to,
        "answered_at": challenge.answered_at,
        "answered_by_name": challenge.answered_by_name,
        "outcome": challenge.outcome,
        "outcome_label": challenge.get_outcome_display() if challenge.outcome else "",
    }


def police_challenge_data(challenge) -> dict:
    return PoliceChallengeOut(_challenge_row(challenge)).data


def police_grades_data(episode, full: bool) -> dict:
    gradings = list(episode.police_gradings.select_related("force")) if full else []
    challenges = (
        list(episode.police_challenges.select_related("police_grading", "force")) if full else []
    )
    opened = {c.police_grading_id: c.pk for c in challenges}
    return PoliceGradesOut(
        {
            "episode_id": episode.pk,
            "access": "full" if full else "limited",
            "police_gradings": [
                {
                    "id": g.pk,
                    "force": g.force.name,
                    "as_written": g.as_written,
                    "category": g.category,
                    "category_label": g.get_category_display(),
                    "graded_at": g.graded_at,
                    "visible_grade": g.visible_grade,
                    "recorded_by_name": g.recorded_by_name,
                    "recorded_by_organisation": g.recorded_by_organisation,
                    "recorded_at": g.recorded_at,
                    "challenge_id": opened.get(g.pk),
                }
                for g in gradings
            ],
            "challenges": [_challenge_row(c) for c in challenges],
        }
    ).data


class EpisodePage(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = EpisodeSummary(many=True)


class PageQuery(serializers.Serializer):
    page = QueryIntegerField(
        required=False, min_value=1, max_value=100000, default=1, help_text="Page, from 1"
    )
    page_size = QueryIntegerField(
        required=False,
        min_value=1,
        max_value=100,
        default=50,
        help_text="Episodes a page, 1 to 100",
    )


# --- OAuth2 ----------------------------------------------------------------------------------


class TokenRequest(serializers.Serializer):
    grant_type = serializers.ChoiceField(choices=[("client_credentials", "client_credentials")])
    client_id = serializers.CharField(
        required=False, help_text="Or send client_id:client_secret as HTTP Basic"
    )
    client_secret = serializers.CharField(required=False)


class TokenResponse(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=[("Bearer", "Bearer")])
    expires_in = serializers.IntegerField(help_text="Seconds until the token stops working")


class TokenError(serializers.Serializer):
    error = serializers.ChoiceField(
        choices=["invalid_request", "invalid_client", "unsupported_grant_type"],
        help_text="RFC 6749 section 5.2",
    )
    error_description = serializers.CharField()
    status = serializers.IntegerField()
    title = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.ListField(child=serializers.DictField())


# --- people (the people API, api/views_people.py) ------------------------------------------

PERSON_STATUSES = list(people_queries.STATUSES)


class TeamPart(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="The person's access to your organisation (not the account)"
    )
    username = serializers.CharField(help_text="Their username: their email address, when invited")
    email = serializers.CharField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    team = TeamPart(allow_null=True)
    job_title = serializers.CharField()
    status = serializers.ChoiceField(
        choices=PERSON_STATUSES,
        help_text="active; invited (link not yet used); expired or withdrawn (the link); "
        "deactivated; none",
    )
    active = serializers.BooleanField(help_text="May use Visible for your organisation now")
    invitation_expires_at = UtcDateTimeField(
        allow_null=True, help_text="When the invitation link runs out, while they are invited"
    )
    last_sign_in_at = UtcDateTimeField(allow_null=True)
    deactivated_at = UtcDateTimeField(allow_null=True)


class PeoplePage(serializers.Serializer):
    count = serializers.IntegerField()
    results = PersonOut(many=True)


class PeopleQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=PERSON_STATUSES, required=False)
    email = serializers.CharField(
        required=False, max_length=254, help_text="Only the person with this email address"
    )


class PersonCreateInput(WriteInput):
    answered_with = "PersonOut"

    email = StrictCharField(max_length=254, help_text="Their work email; it becomes their username")
    given_name = StrictCharField(max_length=150)
    family_name = StrictCharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    team = StrictCharField(
        max_length=200, required=False, allow_blank=True, help_text="The name of one of your teams"
    )
    job_title = StrictCharField(max_length=200, required=False, allow_blank=True)
