"""Invitations: the single-use, expiring link a new member of an organisation follows to set
a password and enrol the second factor.

Only the SHA-256 digest of the link's token is stored: the token is 256 bits from the
operating system's random source, so there is nothing to guess and a fast hash is enough (as
for API client secrets, api/models.py). A person invited has a membership that is not active
until they accept; resending makes a new invitation and ends the one before it, so each row
is one link that was sent, kept for the record.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from visible.agencies.models import Membership


class EndedBecause(models.TextChoices):
    WITHDRAWN = "withdrawn", "Withdrawn by an administrator"
    REPLACED = "replaced", "Replaced by a new link"
    DEACTIVATED = "deactivated", "The person was deactivated"


class Invitation(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(help_text="Where the link was sent")
    token_digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_by_name = models.CharField(
        max_length=150, help_text="Who sent it: a person, 'api:<client>' or 'cli:<operator>'"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_because = models.CharField(max_length=16, choices=EndedBecause.choices, blank=True)
    ended_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["membership", "-created_at"])]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.membership.organisation} ({self.state(None)})"

    def state(self, now: dt.datetime | None) -> str:
        """'accepted', 'ended', 'expired' or 'open' (as at `now`; None: open means unexpired)."""
        if self.accepted_at is not None:
            return "accepted"
        if self.ended_at is not None:
            return "ended"
        if now is not None and now >= self.expires_at:
            return "expired"
        return "open"
