"""Notifications: each person's preferences, each organisation's settings for what its email
may say, and every message Visible sends (a Notification: what about, to whom, by which
channel and address, when due, and how its sending went). A message's body is never stored:
it is made from its templates when it is sent (content.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from visible.agencies.models import Organisation
from visible.children.models import Child
from visible.missing.models import Alert, Episode


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class ChannelChoice(models.TextChoices):
    """What a person asks to be told by."""

    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    BOTH = "both", "Email and text message"


class Preferences(models.Model):
    """How one person wants to be told. A person with no row is told by email at their
    account's address, at any hour, with no digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    channels = models.CharField(
        max_length=8, choices=ChannelChoice.choices, default=ChannelChoice.EMAIL
    )
    email = models.EmailField(
        "email for notifications", blank=True, help_text="Empty: the account's email address"
    )
    mobile = models.CharField(
        "mobile for text messages",
        max_length=16,
        blank=True,
        help_text="A UK mobile number in international form (+447700900123)",
    )
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    daily_digest = models.BooleanField(
        default=False, help_text="A morning email of the person's own open alerts"
    )
    organisation_digest = models.BooleanField(
        default=False,
        help_text="A morning email of the organisation's overdue and unacknowledged alerts "
        "(coordinators and senior managers)",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "preferences"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_from__isnull=True, quiet_until__isnull=True)
                | models.Q(quiet_from__isnull=False, quiet_until__isnull=False),
                name="quiet_hours_both_or_neither",
            )
        ]

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"


class OrganisationSettings(models.Model):
    """What an organisation allows its notifications to say. By default nothing about a child
    but a reference and a link; an organisation may allow the child's name and the alert's
    details in email to the domains it marks secure (its own, a secure government domain),
    sent through its own mail server (never through GOV.UK Notify, and never by text)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="notification_settings"
    )
    secure_email_domains = models.JSONField(
        default=list,
        blank=True,
        help_text="Email domains, exactly as after the @ (lower case): council.gov.uk",
    )
    details_in_secure_email = models.BooleanField(
        default=False,
        help_text="Put the child's name and the alert's details in email to the secure domains",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name_plural = "organisation settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.organisation}"


class State(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent: the mail server took it"
    ACCEPTED = "accepted", "Accepted by GOV.UK Notify"
    RETRYING = "retrying", "Failed, retrying"
    GIVEN_UP = "given_up", "Given up"
    CANCELLED = "cancelled", "Not sent: no longer needed"


# States in which a message may still be sent (the rest are final).
PENDING_STATES = (State.QUEUED, State.RETRYING)
DONE_STATES = (State.SENT, State.ACCEPTED)


class Detail(models.TextChoices):
    REFERENCE = "reference", "A reference and a link only"
    FULL = "full", "The child's name and the alert's details (secure email)"


class Digest(models.Model):
    """One morning's digest for one person: of their own alerts, or of their organisation's.
    Unique by day, so two workers never send the same one twice."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", "Your alerts"
        ORGANISATION = "organisation", "Your organisation's alerts"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    day = models.DateField(help_text="The UK day it is for")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "kind", "day"], name="one_digest_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user} on {self.day}"


class Notification(models.Model):
    """One message to one person by one channel. The body is made from templates when it is
    sent (content.py) and never stored; the audit log records who was told what, and when."""

    kind = models.CharField(
        max_length=64,
        help_text="What it is about: reported_missing, an alert's code, or digest",
    )
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        help_text="The organisation whose alert it is (the child's council for a report)",
    )
    digest = models.ForeignKey(
        Digest, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    severity = models.CharField(
        max_length=16, blank=True, help_text="The alert's severity when queued, if it has one"
    )
    high_risk = models.BooleanField(
        default=False, help_text="About a missing child graded high, or a high or critical alert"
    )
    reason = models.CharField(max_length=64, help_text="Why this person: coordinator, ...")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient_name = models.CharField(max_length=300)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    provider = models.CharField(max_length=16, help_text="smtp or notify")
    address = models.CharField(max_length=254, help_text="The email address or mobile number")
    detail = models.CharField(max_length=16, choices=Detail.choices, blank=True)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="When it was first to be sent (after quiet hours)")
    held_for_quiet_hours = models.BooleanField(default=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["recipient", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient_name} about {self.kind}"

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING_STATES
