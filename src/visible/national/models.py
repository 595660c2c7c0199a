"""Collections, the request to each authority, the returns received (versioned: nothing is
overwritten), data-quality queries, and custom groupings of authorities into regions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from visible.reference.models import Authority


class Edition(models.TextChoices):
    """Which data request a collection asks: its returns are checked against that schema."""

    E2016 = "2016", "2016 edition (Heading back to harm): one period, schema 1.x"
    E2024 = (
        "2024",
        (
            "2024 edition: calendar years plus a part year, with the overlap of unaccompanied or "
            "separated and trafficked children, schema 2.x"
        ),
    )


class MissingDefinition(models.TextChoices):
    """How a 2024 collection's request counts 'missing or absent' (returns/edition2024.py)."""

    MISSING_OR_AWAY = "missing_or_away", "Missing or away from placement (SSDA903 M and A)"
    MISSING_ONLY = "missing_only", "Missing only (SSDA903 M)"


class Collection(models.Model):
    """One data request, for one period, addressed to every authority in force in it. A 2024
    collection's periods are its dates cut at each 1 January (edition2024.request_periods)."""

    name = models.CharField(max_length=200, unique=True)
    edition = models.CharField(
        max_length=4,
        choices=Edition.choices,
        default=Edition.E2016,
        help_text="The data request asked: returns are checked against its schema",
    )
    missing_definition = models.CharField(
        max_length=20,
        choices=MissingDefinition.choices,
        blank=True,
        help_text="2024 edition only: how 'missing or absent' is counted; every return must agree",
    )
    period_from = models.DateField()
    period_to = models.DateField(help_text="Last day of the period (inclusive)")
    due_on = models.DateField(help_text="When returns are due")
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by_name = models.CharField(max_length=150)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_to", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_2024(self) -> bool:
        return self.edition == Edition.E2024


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    PROVIDED = "provided", "Provided"
    PARTIAL = "partial", "Partially provided"
    NOT_PROVIDED = "not_provided", "Not provided (cost limit, FOI section 12)"
    REFUSED = "refused", "Refused"
    NO_SUCH_CHILDREN = "no_such_children", "No such children"


# Statuses under which an authority gave no numbers at all ("providing no information").
NO_INFORMATION = (RequestStatus.REQUESTED, RequestStatus.NOT_PROVIDED, RequestStatus.REFUSED)


class Request(models.Model):
    """What one authority was asked for in a collection, and where it stands."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="requests")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    status_note = models.TextField(blank=True)
    due_on = models.DateField()
    last_chased_on = models.DateField(null=True, blank=True)
    times_chased = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["authority__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "authority"], name="one_request_per_authority"
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority.name}: {self.get_status_display()}"


class ReceivedVia(models.TextChoices):
    VISIBLE = "visible", "Submitted from Visible"
    UPLOAD = "upload", "Spreadsheet or JSON upload"
    KEYED = "keyed", "Keyed in by an analyst from a letter or email"


class Submission(models.Model):
    """One version of an authority's return. A resubmission is a new row; the latest counts."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="submissions")
    version = models.PositiveIntegerField()
    via = models.CharField(max_length=10, choices=ReceivedVia.choices)
    document = models.JSONField(
        help_text="The return in the FOI-return JSON format (docs/foi-return.md)"
    )
    filename = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    received_by_name = models.CharField(max_length=150)
    note = models.TextField(blank=True)
    stated_percentages = models.JSONField(
        default=dict,
        blank=True,
        help_text="Percentages the authority stated (group -> % went missing or away)",
    )
    # What the national tables read, taken from the document when it is received, so the
    # tables never parse the whole document (its incident list can be thousands of rows).
    counts = models.JSONField(default=dict, help_text="document['counts']")
    per_child = models.JSONField(
        default=dict, help_text="incidents per child -> children (from the incident list)"
    )
    first_days = models.JSONField(
        default=dict,
        blank=True,
        help_text="document['first_days']['counts'] (schema 1.1.0 on); empty if not given",
    )

    class Meta:
        ordering = ["request", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "version"], name="one_submission_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request.authority.name} v{self.version}"


class NationalityFigure(models.Model):
    """One cell of a return's nationality breakdown (group, measure, nationality, gender),
    taken from the document when it is received, so the national tables add them up in the
    database rather than parsing every document."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="nationality_figures"
    )
    group = models.CharField(max_length=32)
    measure = models.CharField(max_length=40)
    nationality = models.CharField(max_length=3)
    gender = models.CharField(max_length=16)
    value = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["submission", "group", "measure"])]

    def __str__(self) -> str:
        return f"{self.group}/{self.measure}/{self.nationality}/{self.gender}: {self.value}"


class QueryStatus(models.TextChoices):
    OPEN = "open", "Open: waiting for the authority"
    ANSWERED = "answered", "Answered"


class QualityQuery(models.Model):
    """A data-quality rule a submission trips, as raised with the authority and answered.
    Nothing is corrected silently: a corrected figure comes as a new submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="queries")
    rule = models.CharField(max_length=16)
    message = models.TextField()
    status = models.CharField(max_length=10, choices=QueryStatus.choices, default=QueryStatus.OPEN)
    raised_at = models.DateTimeField(auto_now_add=True)
    raised_by_name = models.CharField(max_length=150)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["submission", "rule", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "rule", "message"], name="one_query_per_finding"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.message[:60]}"


class Grouping(models.Model):
    """A custom grouping of authorities into regions (for example the report's twelve), loaded
    from a CSV. ONS regions and nations are the built-in default and need no row here."""

    name = models.CharField(max_length=200, unique=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GroupingMember(models.Model):
    grouping = models.ForeignKey(Grouping, on_delete=models.CASCADE, related_name="members")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grouping", "authority"], name="one_region_per_authority"
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority_id} in {self.region}"
