"""What signing in needs to remember: failed attempts and lockouts (in the database, so every
process and both database engines see the same counts), each person's TOTP device and their
one-time recovery codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AttemptStage(models.TextChoices):
    PASSWORD = "password", "Username and password"
    CODE = "code", "Second factor (authenticator or recovery code)"


class FailedSignIn(models.Model):
    """One failed attempt. The username is kept as typed (lower-cased), whether or not such an
    account exists, so that a lockout says nothing about which accounts exist."""

    at = models.DateTimeField(db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    stage = models.CharField(max_length=16, choices=AttemptStage.choices)

    class Meta:
        indexes = [models.Index(fields=["username", "at"]), models.Index(fields=["ip_address", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.stage} {self.username} from {self.ip_address}"


class LockoutScope(models.TextChoices):
    ACCOUNT = "account", "Account"
    IP = "ip", "Client IP address"


class Lockout(models.Model):
    """Further attempts for `key` (a username or an IP address) are refused until `until`,
    unless an administrator unlocks it first."""

    scope = models.CharField(max_length=16, choices=LockoutScope.choices)
    key = models.CharField(max_length=150)
    started_at = models.DateTimeField()
    until = models.DateTimeField()
    unlocked_at = models.DateTimeField(null=True, blank=True)
    unlocked_by = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "until"])]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key} locked until {self.until:%Y-%m-%d %H:%M}"


class TotpDevice(models.Model):
    """A person's authenticator (RFC 6238: SHA-1, 6 digits, 30-second steps, the defaults every
    authenticator app supports). Unconfirmed until they have entered one code from it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64, help_text="Base32; shown once, at enrolment")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(
        default=0, help_text="The newest 30-second step whose code was accepted: no code at or before it is accepted again")

    def __str__(self) -> str:
        return f"Authenticator of {self.user} ({'confirmed' if self.confirmed_at else 'not yet confirmed'})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A one-time code for signing in without the authenticator. Only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Recovery code of {self.user} ({'used' if self.used_at else 'unused'})"
