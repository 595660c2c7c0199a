"""Missing and away episodes, their risk gradings, the search log, the return and the return
interview; each child's safety plan; and the alerts the risk engine raises.

Writes go through missing/actions.py. A grading keeps the exact facts and settings the engine
was given, so "why was she graded high on 3 March?" is answered by replaying them.
"""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q

from visible.agencies.models import Organisation
from visible.children.models import Child
from visible.reference.models import Authority


class Category(models.TextChoices):
    # SSDA903 MISSING codes. There is deliberately no police 'absent' category for a child in
    # scope (rulebook section 2; Heading back to harm Rec 5).
    MISSING = "M", "Missing: whereabouts not known"
    AWAY = "A", "Away from placement without authorisation: whereabouts known"


class ReporterRole(models.TextChoices):
    CARER = "carer", "Carer or placement staff"
    SOCIAL_WORKER = "social_worker", "Social worker"
    OUT_OF_HOURS = "out_of_hours", "Out-of-hours duty worker"
    POLICE = "police", "Police"
    OTHER = "other", "Someone else"


class FoundBy(models.TextChoices):
    POLICE = "police", "Police"
    SELF = "self", "Came back by themselves"
    CARER = "carer", "Carer or placement staff"
    OTHER_AUTHORITY = "other_authority", "Another local authority"
    OTHER = "other", "Someone else"


class Episode(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="episodes")
    category = models.CharField(max_length=1, choices=Category.choices)
    last_seen_at = models.DateTimeField("last seen")
    last_seen_place = models.CharField("where last seen", max_length=300)
    with_whom = models.CharField("with whom", max_length=300, blank=True)
    clothing = models.TextField("clothing when last seen", blank=True)
    circumstances = models.TextField(blank=True)
    reported_by_name = models.CharField("reported by", max_length=150)
    reported_by_role = models.CharField(max_length=32, choices=ReporterRole.choices)
    reported_at = models.DateTimeField("reported to Visible")
    police_force = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="episodes_reported",
        limit_choices_to={"kind": "police"},
    )
    police_reported_at = models.DateTimeField("reported to police", null=True, blank=True)
    police_reference = models.CharField(max_length=60, blank=True)
    factors = models.JSONField(
        default=list,
        blank=True,
        help_text="Dynamic risk factors the professionals observed (risk.FACTORS codes)",
    )
    grade = models.CharField(
        max_length=16, blank=True, help_text="The grade in force: the latest grading's"
    )
    returned_at = models.DateTimeField("returned or found", null=True, blank=True)
    found_place = models.CharField("where found", max_length=300, blank=True)
    found_by = models.CharField(max_length=32, choices=FoundBy.choices, blank=True)
    return_condition = models.TextField("condition on return", blank=True)
    found_in_authority = models.ForeignKey(
        Authority, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_seen_at", "pk"]
        indexes = [
            models.Index(fields=["returned_at"]),
            models.Index(fields=["child", "last_seen_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True)
                | Q(returned_at__gte=models.F("last_seen_at")),
                name="episode_returns_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} from {self.last_seen_at:%d/%m/%Y %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class GradingKind(models.TextChoices):
    INITIAL = "initial", "Proposed by the risk engine on report"
    CONFIRMED = "confirmed", "Confirmed or changed by a professional"
    REVIEW = "review", "Reviewed"
    RETURN = "return", "Reviewed after return"


class Grading(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="gradings")
    kind = models.CharField(max_length=16, choices=GradingKind.choices)
    assessed_at = models.DateTimeField(
        help_text="The moment the engine assessed: part of the replay"
    )
    proposed_grade = models.CharField(max_length=16)
    floor = models.CharField(max_length=16)
    grade = models.CharField(
        max_length=16, help_text="The grade the professional confirmed or chose"
    )
    override_reason = models.TextField(blank=True)
    assessment = models.JSONField(
        help_text="The engine's output: reasons, markers, prompts, alerts"
    )
    facts = models.JSONField(help_text="The facts the engine was given, for replay")
    settings = models.JSONField(help_text="The settings the engine was given, for replay")
    graded_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_by_name = models.CharField(max_length=150)
    graded_by_organisation = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.grade} ({self.get_kind_display()})"

    @property
    def is_override(self) -> bool:
        return self.grade != self.proposed_grade


class LogKind(models.TextChoices):
    SIGHTING = "sighting", "Sighting"
    CALL = "call", "Call"
    ACTION = "action", "Action taken"
    CONTACT = "contact", "Contact with the child"
    NOTE = "note", "Note"


class LogEntry(models.Model):
    """The search timeline while an episode is open (and after)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="log")
    kind = models.CharField(max_length=16, choices=LogKind.choices)
    occurred_at = models.DateTimeField()
    text = models.TextField()
    by_name = models.CharField(max_length=150)
    by_organisation = models.CharField(max_length=200)
    flagged_words = models.JSONField(
        default=list, blank=True, help_text="Forbidden labels found in the text"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%d/%m/%Y %H:%M}"


class InterviewOutcome(models.TextChoices):
    OFFERED = "offered", "Offered, no answer yet"
    ACCEPTED = "accepted", "Accepted, not yet held"
    DECLINED = "declined", "Declined by the child"
    DONE = "done", "Held"


class ExploitationIndicator(models.TextChoices):
    TRAFFICKER_CONTACT = "trafficker_contact", "Contact with or control by traffickers"
    DEBT_BONDAGE = "debt_bondage", "Debt owed or bondage"
    NEW_PHONE = "new_phone", "New phone, SIM or unexplained money or goods"
    WORKING = "working", "Made to work (cannabis farm, nail bar, car wash, kitchen)"
    SEXUAL_EXPLOITATION = "sexual_exploitation", "Sexual exploitation"
    COUNTY_LINES = "county_lines", "Carrying drugs or money (county lines)"
    OLDER_ASSOCIATES = "older_associates", "Older associates or unknown adults"
    TRAVEL = "travel", "Travelled far or abroad"


class ReturnInterview(models.Model):
    episode = models.OneToOneField(
        Episode, on_delete=models.CASCADE, related_name="return_interview"
    )
    offered_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=InterviewOutcome.choices)
    done_at = models.DateTimeField(null=True, blank=True)
    interviewer_name = models.CharField(max_length=150, blank=True)
    interviewer_organisation = models.CharField(max_length=200, blank=True)
    independent = models.BooleanField(
        default=False, help_text="Independent of the child's care team"
    )
    language = models.CharField(max_length=3, blank=True, help_text="ISO 639-3")
    interpreter_used = models.BooleanField(default=False)
    where_been = models.TextField("where the child was", blank=True)
    who_with = models.TextField("who the child was with", blank=True)
    indicators = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Return interview: {self.get_outcome_display()}"


class SafetyPlan(models.Model):
    """What the child agreed, and what anyone looking for them needs: the missing route map
    and contingency plan (rulebook section 6) and part 1 of the Philomena grab pack."""

    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="safety_plan")
    agreed_on = models.DateField(null=True, blank=True)
    child_views = models.TextField("the child's own views", blank=True)
    description = models.TextField(
        "physical description", blank=True, help_text="Height, build, hair, eyes"
    )
    distinguishing_features = models.TextField(blank=True)
    medical_needs = models.TextField(blank=True)
    phone_numbers = models.TextField(blank=True, help_text="One per line")
    social_media = models.TextField(blank=True, help_text="One account per line")
    places = models.TextField(
        "places and routes",
        blank=True,
        help_text="One per line: stations, bus stops, cab offices, addresses",
    )
    associates = models.TextField(blank=True, help_text="One per line")
    contingency = models.TextField(
        "whom to notify",
        blank=True,
        help_text="Police, Home Office, NRM contact, guardian: one per line",
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"Safety plan for {self.child}"


class Alert(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="alerts")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="alerts")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    code = models.CharField(max_length=64)
    key = models.CharField(
        max_length=200, unique=True, help_text="Stable: re-raising the same alert finds this row"
    )
    text = models.TextField()
    source = models.CharField(max_length=300)
    due_at = models.DateTimeField()
    raised_at = models.DateTimeField()
    assigned_to = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_name = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_name = models.CharField(max_length=150, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["resolved_at", "due_at", "pk"]
        indexes = [models.Index(fields=["organisation", "resolved_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:60]}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AuthorityRiskSettings(models.Model):
    """An authority's own values for the rulebook's settings; the rest stay at the defaults."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="risk_settings"
    )
    values = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"Risk settings for {self.organisation}"
