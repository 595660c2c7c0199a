"""What signing in needs to remember: failed attempts and lockouts (in the database, so every
process and both database engines see the same counts), the addresses each person has signed
in from, each person's TOTP device and their one-time recovery codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AttemptStage(models.TextChoices):
    PASSWORD = "password", "Username and password"
    CODE = "code", "Second factor (authenticator or recovery code)"
    SSO = "sso", "Single sign-on (the organisation's identity provider)"


class FailedSignIn(models.Model):
    """One failed attempt. The username is kept as typed (lower-cased), whether or not such an
    account exists, so that a lockout says nothing about which accounts exist.

    The row is written *before* the password or code is checked (a reservation, see
    throttle.begin) and deleted if it was right: requests sent at the same moment each see the
    others' rows, so no more than the limit are ever checked."""

    at = models.DateTimeField(db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    stage = models.CharField(max_length=16, choices=AttemptStage.choices)
    checking = models.BooleanField(
        default=False,
        help_text="Reserved, and the password or code still being checked: it counts towards the "
        "limit, but no lockout is decided on it until it has failed",
    )

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"]),
            models.Index(fields=["ip_address", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.stage} {self.username} from {self.ip_address}"


class LockoutScope(models.TextChoices):
    # Since the account-and-address policy an account is only ever slowed, never locked: rows of
    # this scope are unlocks (marks from which its failures count again) and older lockouts.
    ACCOUNT = "account", "Account"
    ACCOUNT_ADDRESS = "account_ip", "Account, from one client address"
    IP = "ip", "Client IP address"


class Lockout(models.Model):
    """Further attempts for `key` (a username or an IP address; for ACCOUNT_ADDRESS, a username
    from `ip_address`) are refused until `until`, unless an administrator unlocks it first."""

    scope = models.CharField(max_length=16, choices=LockoutScope.choices)
    key = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField(
        null=True,
        blank=True,
        help_text="For a lockout of an account from one address: that address",
    )
    started_at = models.DateTimeField()
    until = models.DateTimeField()
    unlocked_at = models.DateTimeField(null=True, blank=True)
    unlocked_by = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "until"])]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        what = f"{self.key} from {self.ip_address}" if self.ip_address else self.key
        return f"{self.get_scope_display()} {what} locked until {self.until:%Y-%m-%d %H:%M}"


class SignInGuard(models.Model):
    """One row per username and per client address that has been tried. An attempt locks the
    rows of its username and its address (select_for_update; on SQLite the write transaction
    does) while it counts earlier failures and reserves its own, so attempts for one username
    or from one address are counted one after another, never side by side. The row also
    remembers when the account's owner was last told by email, and when its slowdown began."""

    scope = models.CharField(max_length=16, choices=LockoutScope.choices)
    key = models.CharField(max_length=150)
    touched_at = models.DateTimeField(
        db_index=True, help_text="The last attempt: rows untouched for a day are cleared away"
    )
    slowed_at = models.DateTimeField(
        null=True, blank=True, help_text="An account: when its slowdown last began"
    )
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="An account: when its owner was last emailed"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="one_sign_in_guard_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}"


class KnownAddress(models.Model):
    """A client address a person has signed in from (password and code). Failures from other
    addresses do not slow them down here. A few per person, forgotten after a while unused."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_addresses"
    )
    ip_address = models.GenericIPAddressField()
    first_signed_in_at = models.DateTimeField()
    last_signed_in_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "ip_address"], name="one_known_address_per_user"
            )
        ]
        ordering = ["-last_signed_in_at"]

    def __str__(self) -> str:
        return f"{self.user} signed in from {self.ip_address}, last {self.last_signed_in_at:%Y-%m-%d %H:%M}"


class TotpDevice(models.Model):
    """A person's authenticator (RFC 6238: SHA-1, 6 digits, 30-second steps, the defaults every
    authenticator app supports). Unconfirmed until they have entered one code from it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.CharField(max_length=64, help_text="Base32; shown once, at enrolment")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(
        default=0,
        help_text="The newest 30-second step whose code was accepted: no code at or before it is accepted again",
    )

    def __str__(self) -> str:
        return f"Authenticator of {self.user} ({'confirmed' if self.confirmed_at else 'not yet confirmed'})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A one-time code for signing in without the authenticator. Only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Recovery code of {self.user} ({'used' if self.used_at else 'unused'})"
