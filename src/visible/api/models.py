"""API clients: the systems (a council's case-management system, a police force's command and
control) that use the REST API on behalf of one organisation.

A client belongs to an organisation and acts as one role, so the same policy functions that
decide what a person in that organisation and role sees decide what the client sees. Clients
are for systems, never for people: a person signs in to the web pages with a password and a
second factor, and there is no API token tied to a person.

Secrets and access tokens are stored only as SHA-256 digests: each is 256 bits from the
operating system's random source, so a fast hash is enough (there is nothing to guess), and
a request can be checked without the cost of a password hash.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from visible.agencies.models import Organisation, Role


class ApiClient(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(
        max_length=100, help_text="What the system is, e.g. 'Mosaic case system'"
    )
    role = models.CharField(
        "acting role",
        max_length=32,
        choices=Role.choices,
        help_text="The role the client acts as: policies treat it as a member in this role",
    )
    client_id = models.CharField(
        max_length=40, unique=True, help_text="Public identifier (OAuth2 client_id)"
    )
    secret_digest = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the secret token"
    )
    secret_hint = models.CharField(
        max_length=16, help_text="The token's first characters, to tell tokens apart"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_name = models.CharField(max_length=150, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_api_client_name_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation}, acting as {self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.organisation.is_active

    @property
    def actor_name(self) -> str:
        """How the client appears in the audit log and on the records it writes."""
        return f"api:{self.name}"


class AccessToken(models.Model):
    """A short-lived token from the OAuth2 client-credentials grant."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="access_tokens")
    digest = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"Access token for {self.client.name} until {self.expires_at:%Y-%m-%d %H:%M}"
