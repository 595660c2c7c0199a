"""The register: each child in scope, with dated flags, placements, NRM referrals, age
assessments and guardians.

Writes go through children/actions.py; these classes only describe the data. Every flag is a
dated fact with who recorded it and on what evidence, because the counts the report could not
get (Rec 6.iii) are counts of these rows.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from visible.agencies.models import Organisation, Team
from visible.dates import age_on
from visible.reference.models import Authority


class DobBasis(models.TextChoices):
    CLAIMED = "claimed", "Claimed by the child"
    ASSESSED = "assessed", "Assessed (age assessment)"
    DOCUMENTED = "documented", "Documented (birth certificate, passport)"


DOB_BASIS_PHRASES: dict[str, str] = {
    DobBasis.CLAIMED: "claimed by the child",
    DobBasis.ASSESSED: "from an age assessment",
    DobBasis.DOCUMENTED: "from documents",
}


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Not known"


class Gender(models.TextChoices):
    BOY = "boy", "Boy or young man"
    GIRL = "girl", "Girl or young woman"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Describes themselves another way"
    NOT_KNOWN = "not_known", "Not known"


class Child(models.Model):
    responsible_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The council or HSC Trust responsible for the child (the corporate parent).",
    )
    given_names = models.CharField(max_length=200)
    family_name = models.CharField(max_length=200, blank=True)
    preferred_name = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField()
    dob_basis = models.CharField("basis of date of birth", max_length=16, choices=DobBasis.choices)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    gender = models.CharField(max_length=16, choices=Gender.choices, default=Gender.NOT_KNOWN)
    nationality = models.CharField(
        max_length=3, help_text="ISO 3166-1 alpha-3; XXA stateless; XXX not known"
    )
    first_language = models.CharField(
        "first language", max_length=3, blank=True, help_text="ISO 639-3"
    )
    other_languages = models.JSONField(default=list, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    looked_after_from = models.DateField("date became looked after")
    legal_status = models.CharField(
        "legal status", max_length=2, blank=True, help_text="SSDA903 LS code"
    )

    council_id = models.CharField("council case ID", max_length=40, blank=True)
    child_903_id = models.CharField("SSDA903 CHILD", max_length=10, blank=True)
    home_office_ref = models.CharField("Home Office reference", max_length=40, blank=True)
    police_ref = models.CharField("police reference", max_length=40, blank=True)
    nrm_ref = models.CharField("NRM reference", max_length=40, blank=True)

    photo = models.ImageField(upload_to="children/photos/", blank=True)
    photo_taken_on = models.DateField(null=True, blank=True)

    # Who in the responsible council looks after the child day to day, and in which team
    # ("My children", "My team's children"): children/actions.allocate, audited.
    allocated_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="allocated_children",
        verbose_name="allocated social worker",
    )
    allocated_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocated_children",
        verbose_name="allocated team",
    )

    # Folded (ASCII, lower case) name tokens of every name and alias, for tolerant search.
    search_text = models.TextField(blank=True, editable=False)
    version = models.PositiveIntegerField(
        default=1, help_text="Incremented on every change; edits carry it"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_names", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["responsible_organisation", "council_id"],
                condition=~Q(council_id=""),
                name="unique_council_id_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["responsible_organisation", "child_903_id"],
                condition=~Q(child_903_id=""),
                name="unique_903_child_per_organisation",
            ),
            # The actions refuse these duplicates too (validation.check_identifiers_unique);
            # the database holds the rule when two writes race past that check.
            models.UniqueConstraint(
                fields=["responsible_organisation", "home_office_ref"],
                condition=~Q(home_office_ref=""),
                name="unique_home_office_ref_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["responsible_organisation", "nrm_ref"],
                condition=~Q(nrm_ref=""),
                name="unique_nrm_ref_per_organisation",
            ),
        ]
        indexes = [models.Index(fields=["responsible_organisation", "family_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.family_name) if p)

    @property
    def dob_basis_phrase(self) -> str:
        """How the date of birth is known, as it reads after the date: "claimed by the child"."""
        return DOB_BASIS_PHRASES.get(self.dob_basis, "")

    def age_on(self, day: dt.date) -> int:
        return age_on(self.date_of_birth, day)


class NameKind(models.TextChoices):
    ALIAS = "alias", "Alias or name used"
    OTHER_SPELLING = "other_spelling", "Other spelling"
    PREVIOUS = "previous", "Previous name"
    OWN_SCRIPT = "own_script", "Name in own script"


class ChildName(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="other_names")
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=NameKind.choices, default=NameKind.ALIAS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class FlagKind(models.TextChoices):
    TRAFFICKED_IDENTIFIED = "trafficked_identified", "Trafficked (identified)"
    TRAFFICKED_SUSPECTED = "trafficked_suspected", "Trafficked (suspected)"
    AT_RISK_OF_TRAFFICKING = "at_risk_of_trafficking", "At risk of trafficking"
    UASC = "uasc", "Unaccompanied asylum-seeking child (UASC)"
    SEPARATED = "separated", "Separated"
    UNACCOMPANIED = "unaccompanied", "Unaccompanied"
    CSE = "cse", "Child sexual exploitation"
    CCE = "cce", "Child criminal exploitation or county lines"
    GANG = "gang", "Gang involvement"
    CRIMINALISED = "criminalised", "Criminalised (arrested, bailed or charged)"
    AGE_DISPUTED = "age_disputed", "Age disputed"


# The four groups the report counts (rulebook section 1); the others are risk markers.
SCOPE_FLAGS = (
    FlagKind.TRAFFICKED_IDENTIFIED,
    FlagKind.TRAFFICKED_SUSPECTED,
    FlagKind.AT_RISK_OF_TRAFFICKING,
    FlagKind.UASC,
    FlagKind.SEPARATED,
    FlagKind.UNACCOMPANIED,
)
TRAFFICKING_FLAGS = (FlagKind.TRAFFICKED_IDENTIFIED, FlagKind.TRAFFICKED_SUSPECTED)


class CriminalisedStage(models.TextChoices):
    ARRESTED = "arrested", "Arrested"
    BAILED = "bailed", "On bail"
    CHARGED = "charged", "Charged or prosecuted"


class FlagQuerySet(models.QuerySet["Flag"]):
    def active_on(self, day: dt.date) -> FlagQuerySet:
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))

    def active_between(self, start: dt.date, end: dt.date) -> FlagQuerySet:
        return self.filter(
            Q(start_date__lte=end), Q(end_date__isnull=True) | Q(end_date__gte=start)
        )


class Flag(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField("flag", max_length=32, choices=FlagKind.choices, db_index=True)
    stage = models.CharField(max_length=16, choices=CriminalisedStage.choices, blank=True)
    start_date = models.DateField("from")
    end_date = models.DateField("to", null=True, blank=True)
    evidence = models.TextField(
        help_text="What the flag rests on: an NRM decision, a CIN factor, a referral..."
    )
    source = models.CharField(
        max_length=64, blank=True, help_text="e.g. manual, CIN 12A, SSDA903 UASC"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField()
    end_reason = models.TextField("why it ended", blank=True)
    ended_by_name = models.CharField(max_length=150, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "pk"]
        indexes = [models.Index(fields=["kind", "start_date", "end_date"])]
        constraints = [
            # One open flag of a kind per child: the counts are counts of these rows, and two
            # open ones would be two stories about one fact. actions.record_flag checks first,
            # with a message; this holds the rule when two writes race past that check.
            models.UniqueConstraint(
                fields=["child", "kind"],
                condition=Q(end_date__isnull=True),
                name="one_open_flag_per_kind_per_child",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def is_active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class PlacementDetail(models.TextChoices):
    NONE = "", "No further detail"
    SPECIALIST_FOSTER = "specialist_foster", "Specialist foster care"
    EMERGENCY = "emergency", "Emergency placement"
    BED_AND_BREAKFAST = "bed_and_breakfast", "Bed and breakfast"
    HOTEL = "hotel", "Hotel"
    SECURE = "secure", "Secure accommodation"


class PlacementQuerySet(models.QuerySet["Placement"]):
    def current_on(self, day: dt.date) -> PlacementQuerySet:
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class Placement(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="placements")
    place_code = models.CharField("placement type (SSDA903 PLACE)", max_length=3)
    detail = models.CharField(max_length=32, choices=PlacementDetail.choices, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="placements",
        help_text="The authority whose area the placement is in",
    )
    provider = models.CharField(max_length=200, blank=True)
    # The suitability gate (risk/arrival.py check_placement): what the PLACE code cannot say.
    unregulated = models.BooleanField(
        "unregulated setting",
        default=False,
        help_text="Not a children's home, foster care or registered supported accommodation",
    )
    ofsted_urn = models.CharField("Ofsted URN", max_length=10, blank=True)
    signed_off_by_name = models.CharField(
        "senior manager who signed off", max_length=200, blank=True
    )
    sign_off_reason = models.TextField("why no regulated placement could be used", blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "pk"]
        indexes = [models.Index(fields=["authority", "end_date"])]

    def __str__(self) -> str:
        return f"{self.place_code} from {self.start_date}"


class CarePeriodSource(models.TextChoices):
    SSDA903 = "ssda903", "Imported from an SSDA903 return"
    RECORDED = "recorded", "Recorded in Visible"
    REGISTER = "register", "From the date the child became looked after (no end recorded)"


class CarePeriod(models.Model):
    """A period of being looked after: from the day the child became looked after to the day
    care ceased (SSDA903 DECOM of its first episode to DEC of its last, the one whose REC is
    not X1), with the reason (REC). Open while the child is looked after. A child is counted in
    a return or table for a period only if one of these overlaps it (returns/foi.py)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="care_periods")
    start_date = models.DateField("became looked after")
    end_date = models.DateField("ceased to be looked after", null=True, blank=True)
    end_reason = models.CharField("why care ended (SSDA903 REC)", max_length=3, blank=True)
    source = models.CharField(max_length=16, choices=CarePeriodSource.choices)
    recorded_by_name = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["child", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["child", "start_date"], name="one_care_period_a_start"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="care_period_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Looked after from {self.start_date}" + (
            f" to {self.end_date} ({self.end_reason})" if self.end_date else ""
        )

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.start_date <= end and (self.end_date is None or self.end_date >= start)


class NrmDecision(models.TextChoices):
    PENDING = "pending", "Awaiting decision"
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"


class FirstResponderKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    POLICE = "police", "Police"
    HOME_OFFICE = (
        "home_office",
        "Home Office (UK Visas and Immigration, Border Force, Immigration Enforcement)",
    )
    NGO = "ngo", "Non-governmental organisation"
    OTHER = "other", "Other first responder"


class NrmDecider(models.TextChoices):
    HOME_OFFICE = "home_office", "Home Office (5 working days)"
    PILOT_PANEL = "pilot_panel", "Devolved decision-making panel (45 days)"


class RgThreshold(models.TextChoices):
    BEFORE_2023 = "suspect_not_prove", "Before 30 January 2023: suspect but cannot prove"
    FROM_2023 = (
        "reasonable_grounds_to_believe_2023",
        "From 30 January 2023: reasonable grounds to believe, on objective factors",
    )


class NrmPilot(models.Model):
    """A council's dates in the devolved child decision-making pilot: referrals made between
    them are decided by its panel (45 days), except those the Home Office keeps."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="nrm_pilots"
    )
    start_date = models.DateField("in the pilot from")
    end_date = models.DateField("to", null=True, blank=True)
    recorded_by_name = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["organisation", "start_date"]

    def __str__(self) -> str:
        return f"NRM pilot from {self.start_date}"


class NrmReferral(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="nrm_referrals")
    referred_on = models.DateField()
    first_responder = models.CharField("first responder organisation", max_length=200)
    first_responder_kind = models.CharField(max_length=32, choices=FirstResponderKind.choices)
    reference = models.CharField(max_length=40, blank=True)
    rg_decision = models.CharField(
        "reasonable grounds decision",
        max_length=16,
        choices=NrmDecision.choices,
        default=NrmDecision.PENDING,
    )
    rg_decided_on = models.DateField(null=True, blank=True)
    cg_decision = models.CharField(
        "conclusive grounds decision",
        max_length=16,
        choices=NrmDecision.choices,
        default=NrmDecision.PENDING,
    )
    cg_decided_on = models.DateField(null=True, blank=True)
    stayed = models.BooleanField(
        default=False, help_text="Decision stayed or suspended while the child is missing"
    )
    stayed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    public_order = models.BooleanField(
        "public-order case", default=False, help_text="Decided by the Home Office in any area"
    )
    # Worked out by the action from the council's pilot dates (NrmPilot) and the child
    # (risk/nrm.py decider); the reasonable grounds clock follows it.
    decided_by = models.CharField(
        "who makes the reasonable grounds decision",
        max_length=16,
        choices=NrmDecider.choices,
        default=NrmDecider.HOME_OFFICE,
    )
    rg_threshold = models.CharField(
        "reasonable grounds test in force on the day of referral",
        max_length=40,
        choices=RgThreshold.choices,
        blank=True,
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-referred_on", "pk"]

    def __str__(self) -> str:
        return f"NRM referral {self.referred_on}"


class AgeAssessmentStatus(models.TextChoices):
    NONE = "none", "No assessment"
    PENDING = "pending", "Pending"
    DISPUTED = "disputed", "Disputed"
    CONCLUDED = "concluded", "Concluded"
    CHALLENGED = "challenged", "Challenged (judicial review or appeal)"


class AgeAssessment(models.Model):
    """Each row is the status from a date; the newest row is the current status."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="age_assessments")
    status = models.CharField(max_length=16, choices=AgeAssessmentStatus.choices)
    status_from = models.DateField()
    concluded_on = models.DateField(null=True, blank=True)
    assessed_date_of_birth = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-status_from", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} from {self.status_from}"


class GuardianKind(models.TextChoices):
    ICTG = "ictg", "Independent Child Trafficking Guardian"
    SCOTTISH_GUARDIANSHIP = "scottish_guardianship", "Scottish Guardianship Service"
    ADVOCATE = "advocate", "Other independent advocate"


class GuardianAssignment(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="guardians")
    kind = models.CharField(max_length=32, choices=GuardianKind.choices)
    guardian_name = models.CharField(max_length=200)
    service = models.CharField("organisation or service", max_length=200)
    organisation = models.ForeignKey(
        "agencies.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guardian_assignments",
        help_text="The guardian or advocacy service on Visible, whose staff then see the child (docs/access.md)",
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.guardian_name}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class Arrival(models.Model):
    """The first 72 hours of an unaccompanied, separated or possibly trafficked child's care:
    the moment they arrived, from which each checklist item's time runs (risk/arrival.py)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="arrivals")
    arrived_at = models.DateTimeField("arrived")
    time_estimated = models.BooleanField(
        "arrival time estimated",
        default=False,
        help_text="Opened by Visible when the child was recorded as in scope, the clock running "
        "from the start of the day they became looked after until someone records the time",
    )
    opened_by_name = models.CharField(max_length=150, blank=True)
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["-arrived_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["child", "arrived_at"], name="one_arrival_a_moment")
        ]

    def __str__(self) -> str:
        return f"Arrived {self.arrived_at:%Y-%m-%d %H:%M}"


class ArrivalItemDone(models.Model):
    """One checklist item done: by whom, when, and what was done."""

    arrival = models.ForeignKey(Arrival, on_delete=models.CASCADE, related_name="items_done")
    item = models.CharField(max_length=32)
    done_at = models.DateTimeField("done")
    done_by_name = models.CharField(max_length=150)
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["done_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["arrival", "item"], name="one_record_an_arrival_item")
        ]

    def __str__(self) -> str:
        return f"{self.item} done {self.done_at:%Y-%m-%d %H:%M}"


class PlacementRefusal(models.Model):
    """A placement the suitability gate refused (risk/arrival.py check_placement): what was
    tried, by whom, and why, so an attempt to put a child in a hotel is never invisible."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="placement_refusals")
    place_code = models.CharField("placement type (SSDA903 PLACE)", max_length=3)
    detail = models.CharField(max_length=32, choices=PlacementDetail.choices, blank=True)
    unregulated = models.BooleanField("unregulated setting", default=False)
    start_date = models.DateField()
    provider = models.CharField(max_length=200, blank=True)
    reasons = models.JSONField(default=list, help_text="[{rule_id, text}] from the gate")
    refused_by_name = models.CharField(max_length=150)
    refused_at = models.DateTimeField()

    class Meta:
        ordering = ["-refused_at", "pk"]

    def __str__(self) -> str:
        return f"Refused {self.place_code} from {self.start_date}"
