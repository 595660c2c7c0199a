"""An organisation's own identity provider, and the people it has signed in."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from visible.agencies.models import Organisation

DEFAULT_SCOPES = "openid email profile"


class IdentityProvider(models.Model):
    """One OpenID Connect provider per organisation, set up by its administrator.

    The client secret is stored encrypted (sso/client_secret.py) and never shown back. The provider's
    discovery document and keys (JWKS) are cached here, with when they were fetched, so a
    sign-in needs no fetch unless the cache is stale or the token is signed with a key it does
    not have (the provider rotated its keys)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="identity_provider"
    )
    issuer = models.URLField(
        max_length=500,
        help_text="The provider's issuer identifier, exactly as its ID tokens give it (iss).",
    )
    client_id = models.CharField(max_length=255)
    client_secret_encrypted = models.TextField(blank=True)
    scopes = models.CharField(max_length=255, default=DEFAULT_SCOPES)
    enforces_mfa = models.BooleanField(
        default=False,
        help_text=(
            "The administrator says the provider asks everyone for a second factor: then "
            "Visible does not ask for its own code after the provider's sign-in."
        ),
    )
    enabled = models.BooleanField(default=False)
    discovery = models.JSONField(null=True, blank=True)
    discovery_fetched_at = models.DateTimeField(null=True, blank=True)
    jwks = models.JSONField(null=True, blank=True)
    jwks_fetched_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_ok = models.BooleanField(default=False)
    check_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.issuer}"

    @property
    def has_secret(self) -> bool:
        return bool(self.client_secret_encrypted)

    @property
    def domain_names(self) -> list[str]:
        return sorted(d.domain for d in self.domains.all())


class EmailDomain(models.Model):
    """An email domain whose people sign in through this provider: someone who types an address
    at it is sent there. A domain belongs to one provider at most."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class LinkedIdentity(models.Model):
    """The provider's subject (sub) a person was first signed in as. An address reused at the
    provider for someone else (a leaver's mailbox given to a newcomer) then has another subject,
    and is refused until an administrator removes the link."""

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="linked_identities"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="linked_identities"
    )
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField()
    last_signed_in_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="one_user_per_subject"),
            models.UniqueConstraint(fields=["provider", "user"], name="one_subject_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.provider.organisation}"
