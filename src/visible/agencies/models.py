"""Organisations, the people in them and the roles they hold.

A user acts for one organisation at a time (their membership). What they may see is decided
by the access policies (visible/access/), never by the views.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from visible.reference.models import Authority


class OrganisationKind(models.TextChoices):
    COUNCIL = "council", "Council (children's services authority)"
    HSC_TRUST = "hsc_trust", "Health and Social Care Trust"
    POLICE = "police", "Police force"
    NGO = "ngo", "Non-governmental organisation"
    GUARDIAN_SERVICE = "guardian_service", "Guardian or advocacy service"
    NATIONAL_BODY = "national_body", "National body"


# Kinds that are responsible for children in care (corporate parents).
RESPONSIBLE_KINDS = (OrganisationKind.COUNCIL, OrganisationKind.HSC_TRUST)


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    authority = models.OneToOneField(
        Authority,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisation",
        help_text="For councils and HSC Trusts: the authority whose children's services this is.",
    )
    is_active = models.BooleanField(default=True)
    areas = models.ManyToManyField(
        Authority,
        blank=True,
        related_name="covering_organisations",
        help_text=(
            "For police forces: the authorities in the force's area. For guardian services and "
            "NGOs: the authorities they work in. Councils and HSC Trusts have their own authority."
        ),
    )
    deactivated_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was deactivated: its people lost access then."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_responsible_body(self) -> bool:
        return self.kind in RESPONSIBLE_KINDS


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    MISSING_COORDINATOR = "missing_coordinator", "Missing-children coordinator"
    SENIOR_MANAGER = "senior_manager", "Senior manager"
    POLICE_OFFICER = "police_officer", "Police missing-persons officer"
    TRAFFICKING_SPOC = "trafficking_spoc", "Trafficking single point of contact"
    GUARDIAN = "guardian", "Independent guardian"
    NGO_WORKER = "ngo_worker", "NGO worker"
    ANALYST = "analyst", "Analyst"
    # Manages the people of their own organisation (invitations, roles, teams, leavers); sees
    # no child by holding it (issue 13).
    ORGANISATION_ADMIN = "organisation_admin", "Organisation administrator"
    # A member of the national body who puts organisations on Visible and appoints their first
    # administrators; sees no child by holding it.
    NATIONAL_ADMIN = "national_admin", "National administrator"


# What each council role may do with the register. Extended, not rewritten, by later issues.
ROLES_THAT_EDIT_REGISTER = {Role.SOCIAL_WORKER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
ROLES_THAT_SEE_COUNTS = {Role.SENIOR_MANAGER, Role.MISSING_COORDINATOR, Role.ANALYST}
# Roles that manage people (never children): their own organisation's, or (national) every
# organisation's first administrators.
ADMINISTRATOR_ROLES = {Role.ORGANISATION_ADMIN, Role.NATIONAL_ADMIN}


class Team(models.Model):
    """A team within an organisation (e.g. the UASC team, out-of-hours): people belong to at
    most one team in each organisation they are a member of; children are allocated to one."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="team_name_unique_in_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    job_title = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    started = models.DateField(auto_now_add=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    deactivated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person left (lost access): kept for the record."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="one_membership_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"


class InstallationMode(models.TextChoices):
    DEMO = "demo", "Demo (synthetic people only)"
    PRODUCTION = "production", "Production (real children's records)"


class Installation(models.Model):
    """What this database is: a demo of synthetic people, or a service holding real records.
    One row at most, written by `visible demo` and `visible generate` (demo) or by the set-up
    of a real service (production); none until one of them has run. installation.py reads it
    to keep the demo's generators away from real records, and the service's set-up away from
    a demo."""

    mode = models.CharField(max_length=16, choices=InstallationMode.choices)
    set_at = models.DateTimeField()
    set_by = models.CharField(max_length=100, blank=True, help_text="The command that set it.")

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_installation")]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} since {self.set_at:%d/%m/%Y %H:%M}"
