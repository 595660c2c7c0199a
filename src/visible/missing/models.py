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
from visible.risk.police import PoliceGrade

from .severity import Severity, acknowledge_by, severity_of


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
    day_only = models.BooleanField(
        "days, not times",
        default=False,
        help_text="Its source gave days, not times (an SSDA903 return): the times shown are "
        "noon, and its length is counted in days (docs/ssda903.md)",
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

    @property
    def not_reported_words(self) -> str:
        """How the episode page and the grab pack say the police have not been told (the
        R-POLICE alert's view too): a force chosen without the time it was told, as episodes
        recorded before both were needed may have, is not a report."""
        force = self.police_force if self.police_force_id else None
        return not_reported_words(force.name if force is not None else "")


def not_reported_words(force_name: str) -> str:
    if force_name:
        return (
            f"Not reported to the police yet: {force_name} was chosen, but not when they were told"
        )
    return "Not reported to the police yet"


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


POLICE_GRADE_CHOICES = [(g.value, g.label) for g in PoliceGrade]


class PoliceGrading(models.Model):
    """A grade the police gave an episode, as the force gave it (rule R-POLICE-GRADE): its own
    words, and the College of Policing APP category they name, beside the grade Visible had
    then. Never changed once recorded: a new grade from the force is a new row, so the list is
    the history of the force's grades."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="police_gradings")
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    as_written = models.CharField("the grade as the force wrote it", max_length=200, blank=True)
    category = models.CharField(max_length=16, choices=POLICE_GRADE_CHOICES)
    graded_at = models.DateTimeField(
        "when the force graded", null=True, blank=True, help_text="If the force said"
    )
    visible_grade = models.CharField(
        max_length=16, blank=True, help_text="The grade Visible had in force when this arrived"
    )
    recorded_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=150)
    recorded_by_organisation = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"Police grade {self.get_category_display()} ({self.as_written or 'no words'})"

    @property
    def grade(self) -> PoliceGrade:
        return PoliceGrade(self.category)


class ChallengeAnswer(models.TextChoices):
    REGRADED = "regraded", "The force changed its grade"
    KEPT = "kept", "The force kept its grade"


class ChallengeOutcome(models.TextChoices):
    REGRADED_HIGH = "regraded_high", "Regraded high"
    REGRADED_BELOW_HIGH = "regraded_below_high", "Regraded, but still below high"
    KEPT = "kept", "Grade kept below high"


class PoliceGradeChallenge(models.Model):
    """Visible's challenge to a force that graded a child in scope below high: addressed to the
    force's trafficking SPOC, with the risk engine's reasons; then the SPOC's answer and the
    outcome. One open challenge per episode at a time."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="police_challenges")
    police_grading = models.ForeignKey(
        PoliceGrading, on_delete=models.CASCADE, related_name="challenges"
    )
    force = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="police_grade_challenges"
    )
    reasons = models.JSONField(help_text="The engine's case for high (risk/police.py Challenge)")
    proposed_grade = models.CharField(max_length=16)
    opened_at = models.DateTimeField()
    answer = models.CharField(max_length=16, choices=ChallengeAnswer.choices, blank=True)
    answer_reasons = models.TextField(blank=True)
    regraded_to = models.CharField(max_length=16, choices=POLICE_GRADE_CHOICES, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_by_name = models.CharField(max_length=150, blank=True)
    outcome = models.CharField(max_length=24, choices=ChallengeOutcome.choices, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["force", "opened_at"])]

    def __str__(self) -> str:
        return f"Challenge to {self.force} ({self.get_outcome_display() or 'open'})"

    @property
    def is_open(self) -> bool:
        return not self.outcome

    @property
    def reason_texts(self) -> list[str]:
        return [r["text"] for r in self.reasons.get("reasons", [])]


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
    # Fixed by the kind when the alert is raised (missing/severity.py), so that the inbox's
    # "most urgent first" is a database ORDER BY.
    severity = models.PositiveSmallIntegerField(
        choices=[(s.value, s.label) for s in Severity],
        help_text="1 critical, 2 high, 3 medium, 4 low: lower is more urgent",
    )
    acknowledge_by = models.DateTimeField(
        help_text="When someone must have acknowledged it: raised_at plus its level's deadline"
    )

    class Meta:
        ordering = ["resolved_at", "due_at", "pk"]
        indexes = [
            models.Index(fields=["organisation", "resolved_at", "due_at"]),
            models.Index(
                fields=["organisation", "resolved_at", "severity", "acknowledge_by"],
                name="alert_triage_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:60]}"

    def save(self, *args, **kwargs) -> None:
        self.fill_terms()
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def level(self) -> Severity:
        return Severity(self.severity)

    def fill_terms(self, settings=None) -> Alert:
        """Set the severity and the acknowledgement deadline from the kind and the moment it
        was raised (``settings``: an authority's own deadlines, severity.deadlines). Every way
        of storing an alert goes through this: save() calls it, bulk_create callers call it."""
        if self.severity is None:
            self.severity = severity_of(self.code).value
        if self.acknowledge_by is None and self.raised_at is not None:
            if settings is None:
                settings = deadline_settings_of(self.organisation_id)
            try:
                self.acknowledge_by = acknowledge_by(self.code, self.raised_at, settings)
            except ValueError:
                # Stored before the national deadline was shortened below it: the national one.
                self.acknowledge_by = acknowledge_by(self.code, self.raised_at)
        return self


class AlertEscalation(models.Model):
    """One step of an alert's escalation: nobody acknowledged it by its deadline (or by the
    last step's), so it went to the next person on the organisation's on-call rota
    (notifications/escalation.py, ADR 0019). Unique by step, so two workers running the
    escalation at once cannot both take the same step."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(help_text="1 for the first escalation, then 2, ...")
    position = models.CharField(
        max_length=32,
        help_text="The rota position escalated to (rota.Position), or 'coordinators' when "
        "nobody was on the rota",
    )
    to = models.ManyToManyField(django_settings.AUTH_USER_MODEL, related_name="+", blank=True)
    to_names = models.CharField(max_length=500, help_text="Who was told, as they were named then")
    at = models.DateTimeField()
    why = models.CharField(max_length=500)
    respond_by = models.DateTimeField(
        help_text="When the next step is taken if nobody has acknowledged the alert by then"
    )

    class Meta:
        ordering = ["alert", "step"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "step"], name="alert_escalation_step_once")
        ]

    def __str__(self) -> str:
        return f"Escalation {self.step} of alert {self.alert_id} to {self.to_names}"


class AcknowledgementDeadlines(models.Model):
    """An organisation's own acknowledgement deadlines, in minutes by severity ({"critical":
    10}); a level it has not set keeps the national one. Never longer than the national
    deadline (severity.deadlines refuses it). Changed by missing.actions.save_deadlines,
    audited; an alert keeps the deadline it was raised with."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="acknowledgement_deadlines"
    )
    minutes = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name_plural = "acknowledgement deadlines"

    def __str__(self) -> str:
        return f"Acknowledgement deadlines of {self.organisation}"


def deadline_settings_of(organisation_id: int | None) -> dict[str, int] | None:
    """The organisation's own deadlines as severity.deadlines takes them; None for the
    national ones."""
    if organisation_id is None:
        return None
    found = (
        AcknowledgementDeadlines.objects.filter(organisation_id=organisation_id)
        .values_list("minutes", flat=True)
        .first()
    )
    return dict(found) if found else None


class LastLooked(models.Model):
    """When a person last looked at a live page (the alerts inbox, the missing-now board, the
    force's list): what arrived since is tagged "New" for them."""

    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    page = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "page"], name="last_looked_once_per_page")
        ]

    def __str__(self) -> str:
        return f"{self.page} at {self.at:%d/%m/%Y %H:%M}"


class AlertDismissal(models.Model):
    """A person has put away the banner for one alert; the alert itself stays in the inbox."""

    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="dismissals")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "alert"], name="alert_dismissed_once")
        ]

    def __str__(self) -> str:
        return f"Banner dismissed at {self.at:%d/%m/%Y %H:%M}"


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
