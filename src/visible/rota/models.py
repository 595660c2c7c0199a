"""The on-call rota: dated shifts, each one person at one position from one moment to another
(ADR 0019: a council's out-of-hours service keeps its rota as the shifts it has staffed, swaps
and sickness included, not as a pattern with exceptions). Stored as instants in UTC; entered
and shown in UK time, so a shift from 17:00 to 09:00 across the night the clocks change is
15 or 17 hours long, as it was worked."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from visible.agencies.models import Organisation


class Position(models.TextChoices):
    """The escalation ladder, lowest first: an alert nobody acknowledges goes up it."""

    FIRST_ON_CALL = "first_on_call", "First on call"
    ON_CALL_MANAGER = "on_call_manager", "On-call manager"
    SENIOR_MANAGER = "senior_manager", "Senior manager on call"


LADDER = (Position.FIRST_ON_CALL, Position.ON_CALL_MANAGER, Position.SENIOR_MANAGER)


class Shift(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="rota_shifts"
    )
    position = models.CharField(max_length=32, choices=Position.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rota_shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="The moment the next shift takes over (not included)")
    note = models.CharField(max_length=200, blank=True, help_text="A swap, cover for sickness")
    created_at = models.DateTimeField()
    changed_by_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["starts_at", "position", "pk"]
        indexes = [models.Index(fields=["organisation", "position", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()}: {self.person} from {self.starts_at:%Y-%m-%d %H:%M}"
