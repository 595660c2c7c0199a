"""Records of what crosses between organisations. Nothing here is ever deleted: an ended share,
an expired break-glass or a completed transfer stays, so each child's record can list every
disclosure made about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from visible.agencies.models import Organisation
from visible.children.models import Child


class Basis(models.TextChoices):
    """Why another organisation sees a child (and the legal basis each rests on: LEGAL_BASIS)."""

    HOST = "host", "Child placed in their area"
    POLICE_MISSING = "police_missing", "Child reported missing to their force"
    SPOC = (
        "spoc",
        "Trafficking single point of contact: child in scope reported missing to their force",
    )
    GRAB_PACK_SHARE = "grab_pack_share", "Grab pack shared in advance (Philomena Protocol)"
    GUARDIAN = "guardian", "Child assigned to their guardian or advocacy service"
    TRANSFERRED_FROM = "transferred_from", "Child transferred from them: read-only for a set period"
    TRANSFER = "transfer", "Child transferred to them"
    BREAK_GLASS = "break_glass", "Break-glass access with a stated reason"


# Rulebook section 9: the lawful bases for sharing to safeguard a child.
SAFEGUARDING = (
    "UK GDPR art. 6(1)(e) public task; art. 9(2)(g) with DPA 2018 Sch. 1 para 18 "
    "(safeguarding of children and individuals at risk)"
)
LAW_ENFORCEMENT = (
    "DPA 2018 Part 3 (law enforcement processing) for the police; "
    + SAFEGUARDING
    + " for the council"
)
LEGAL_BASIS = {
    Basis.HOST: SAFEGUARDING,
    Basis.GUARDIAN: SAFEGUARDING,
    Basis.TRANSFER: SAFEGUARDING,
    Basis.TRANSFERRED_FROM: SAFEGUARDING,
    Basis.BREAK_GLASS: SAFEGUARDING,
    Basis.POLICE_MISSING: LAW_ENFORCEMENT,
    Basis.SPOC: LAW_ENFORCEMENT,
    Basis.GRAB_PACK_SHARE: LAW_ENFORCEMENT,
}


class Disclosure(models.Model):
    """Something about a child seen by, or given to, an organisation that is not responsible
    for them: to whom, what, on what legal basis, for what purpose."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="disclosures")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(max_length=150)
    what = models.CharField(max_length=200)
    basis = models.CharField(max_length=20, choices=Basis.choices)
    legal_basis = models.TextField()
    purpose = models.CharField(max_length=300)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["child", "at"])]

    def __str__(self) -> str:
        return f"{self.what} to {self.organisation_id}"


class GrabPackShare(models.Model):
    """A council's choice to share a child's grab pack and safety plan with a police force in
    advance. The force sees them only while the child is reported missing to it."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="grab_pack_shares")
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    shared_by_name = models.CharField(max_length=150)
    shared_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-shared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "force"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_share_per_force",
            )
        ]

    def __str__(self) -> str:
        return f"grab pack of {self.child_id} with {self.force_id}"


class BreakGlass(models.Model):
    """Access to a record outside the user's scope, for a stated reason, for a short time. The
    responsible organisation is alerted and can review every one."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    username = models.CharField(max_length=150)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    started_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by_name = models.CharField(max_length=150, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"break-glass on {self.child_id} by {self.username}"


class BreakGlassOutcome(models.TextChoices):
    GRANTED = "granted", "Record opened"
    NOT_FOUND = "not_found", "No child with that number"


class BreakGlassAttempt(models.Model):
    """One use of the break-glass form that got as far as a lookup: a record opened, or a
    number that matched no child. The daily limits (sharing.actions.break_glass_limits) count
    these, so the form cannot be used to try number after number either. It holds nothing
    about the child: the BreakGlass row says which record was opened."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=BreakGlassOutcome.choices)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["organisation", "at"])]

    def __str__(self) -> str:
        return f"break-glass {self.outcome} by {self.user_id} at {self.at:%Y-%m-%d %H:%M}"


class Transfer(models.Model):
    """Responsibility for a child moved from one authority to another, in one step. The
    sending authority keeps a read-only view until ``read_only_until``."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="transfers")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    transferred_at = models.DateTimeField(auto_now_add=True)
    transferred_by_name = models.CharField(max_length=150)
    read_only_until = models.DateField()
    moved = models.JSONField(
        default=dict, help_text="What moved with the child: counts of open alerts, episodes..."
    )

    class Meta:
        ordering = ["-transferred_at"]

    def __str__(self) -> str:
        return f"transfer of {self.child_id}"
