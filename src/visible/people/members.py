"""Changing someone's access: their role, their team; deactivating a leaver (at once: their
signed-in sessions and the API clients they created end) and reactivating a returner; and the
organisation a person in two organisations acts for. Each change is checked against the
policy (policy.py), refused with nothing changed when it would leave an organisation with no
active administrator, and audited, with who made it, in the writing transaction.

A leaver's sessions end because their account stops being active when they have no active
membership left (Django then no longer signs the session in: web/middleware.py ends it, with
a message, at the next click), and, for someone with another organisation still, because the
session's chosen organisation is no longer one they may act for (the same middleware)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from visible.agencies.models import ADMINISTRATOR_ROLES, Membership, Organisation, Team
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction

from . import invitations, policy
from .errors import refuse
from .models import EndedBecause, Invitation
from .roles import role_label
from .signals import membership_deactivated


def _locked(membership: Membership) -> Membership:
    """The membership, with its organisation's row locked: changes to one organisation's
    administrators happen one after another, so two cannot both remove "the other" one."""
    Organisation.objects.select_for_update().filter(pk=membership.organisation_id).first()
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organisation", "team")
        .get(pk=membership.pk)
    )


def _name(membership: Membership) -> str:
    user = membership.user
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def _require_manages(viewer: Viewer, membership: Membership) -> None:
    policy.require(
        policy.manages(viewer, membership.organisation),
        "Only the administrators of this person's organisation can change their access",
    )


def _other_active_administrators(membership: Membership) -> int:
    return (
        Membership.objects.filter(
            organisation_id=membership.organisation_id,
            is_active=True,
            role__in=ADMINISTRATOR_ROLES,
            user__is_active=True,
        )
        .exclude(pk=membership.pk)
        .count()
    )


def _refuse_last_administrator(membership: Membership, doing: str) -> None:
    if (
        membership.is_active
        and membership.role in ADMINISTRATOR_ROLES
        and _other_active_administrators(membership) == 0
    ):
        raise refuse(
            "__all__",
            f"{_name(membership)} is the last active administrator of "
            f"{membership.organisation.name}, so they cannot be {doing}: give someone else the "
            "administrator role first, so that someone can still manage its people",
        )


@transaction.atomic
def change_role(viewer: Viewer, membership: Membership, role: str) -> Membership:
    membership = _locked(membership)
    _require_manages(viewer, membership)
    errors: dict[str, list[str]] = {}
    invitations.check_role(errors, membership.organisation, role, viewer)
    if errors:
        raise ValidationError(errors)
    if role == membership.role:
        raise ValidationError({"role": [f"{_name(membership)} is already {role_label(role)}"]})
    if role not in ADMINISTRATOR_ROLES:
        _refuse_last_administrator(membership, "given another role")
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="membership",
        object_id=membership.pk,
        summary=f"Changed the role of {_name(membership)} in {membership.organisation.name} "
        f"from {role_label(old)} to {role_label(role)}",
        detail={"changes": {"role": [old, role]}},
    )
    return membership


@transaction.atomic
def move_team(viewer: Viewer, membership: Membership, team: Team | None) -> Membership:
    membership = _locked(membership)
    _require_manages(viewer, membership)
    errors: dict[str, list[str]] = {}
    invitations.check_team(errors, membership.organisation, team)
    if errors:
        raise ValidationError(errors)
    if (team.pk if team else None) == membership.team_id:
        where = f"in the {team.name} team" if team else "in no team"
        raise ValidationError({"team": [f"{_name(membership)} is already {where}"]})
    old = membership.team
    membership.team = team
    membership.save(update_fields=["team"])
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="membership",
        object_id=membership.pk,
        summary=f"Moved {_name(membership)} from {old.name if old else 'no team'} to "
        f"{team.name if team else 'no team'}",
        detail={
            "changes": {
                "team": [old.name if old else None, team.name if team else None],
                "team_id": [old.pk if old else None, team.pk if team else None],
            }
        },
    )
    return membership


@dataclass(frozen=True)
class Deactivated:
    membership: Membership
    account_closed: bool  # no active membership left: the account can no longer sign in
    also_ended: list[str] = field(default_factory=list)  # API clients revoked, in words


@transaction.atomic
def deactivate(
    viewer: Viewer, membership: Membership, *, now: dt.datetime | None = None
) -> Deactivated:
    """A leaver loses access to the organisation at once: their open invitation ends, their
    signed-in sessions end at their next click, and the API clients they created for the
    organisation are revoked. Their records and their history stay."""
    now = now or timezone.now()
    membership = _locked(membership)
    policy.require(
        policy.manages_membership(viewer, membership),
        "Only the administrators of this person's organisation can change their access",
    )
    if membership.deactivated_at is not None:
        raise refuse(
            "__all__",
            f"{_name(membership)} was already deactivated on "
            f"{timezone.localtime(membership.deactivated_at):%-d %B %Y}",
        )
    _refuse_last_administrator(membership, "deactivated")
    was_active = membership.is_active
    membership.is_active = False
    membership.deactivated_at = now
    membership.save(update_fields=["is_active", "deactivated_at"])
    Invitation.objects.filter(
        membership=membership, accepted_at__isnull=True, ended_at__isnull=True
    ).update(
        ended_at=now,
        ended_because=EndedBecause.DEACTIVATED,
        ended_by_name=viewer.display_name[:150],
    )
    user = membership.user
    account_closed = False
    if (
        user.is_active
        and not Membership.objects.filter(
            user=user, is_active=True, organisation__is_active=True
        ).exists()
    ):
        user.is_active = False
        user.save(update_fields=["is_active"])
        account_closed = True
    also_ended: list[str] = []
    for _receiver, ended in membership_deactivated.send(
        sender=Membership, membership=membership, by=viewer.username, now=now
    ):
        also_ended += list(ended or [])
    record(
        viewer,
        AuditAction.END,
        object_type="membership",
        object_id=membership.pk,
        summary=f"Deactivated {_name(membership)} in {membership.organisation.name}: their "
        "access ended at once"
        + ("" if was_active else " (they had not yet accepted their invitation)")
        + (f"; also ended: {', '.join(also_ended)}" if also_ended else ""),
        detail={
            "changes": {"is_active": [was_active, False]},
            "account_closed": account_closed,
            "also_ended": also_ended,
        },
    )
    return Deactivated(membership, account_closed, also_ended)


@dataclass(frozen=True)
class Reactivated:
    membership: Membership
    sent: invitations.Sent | None  # a new invitation, for someone who never chose a password


@transaction.atomic
def reactivate(
    viewer: Viewer, membership: Membership, *, site_url: str, now: dt.datetime | None = None
) -> Reactivated:
    """A returner gets their access back with the role and team they had. Someone who never
    accepted their invitation is sent a new one instead."""
    now = now or timezone.now()
    membership = _locked(membership)
    _require_manages(viewer, membership)
    invitations.check_active(membership.organisation)
    if membership.is_active:
        raise refuse("__all__", f"{_name(membership)} already has access")
    user = membership.user
    if membership.deactivated_at is None:
        raise refuse(
            "__all__",
            f"{_name(membership)} was never deactivated: they have not yet accepted their "
            "invitation. Resend it instead",
        )
    if invitations.needs_password(user) and not user.has_usable_password():
        membership.deactivated_at = None
        membership.save(update_fields=["deactivated_at"])
        sent = invitations.send_new_link(
            membership, user.email or user.username, viewer, site_url, now
        )
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="membership",
            object_id=membership.pk,
            summary=f"Reactivated {_name(membership)} in {membership.organisation.name}: they had "
            "never accepted, so a new invitation link was sent",
            detail={"invitation": sent.invitation.pk},
        )
        return Reactivated(membership, sent)
    membership.is_active = True
    membership.deactivated_at = None
    membership.save(update_fields=["is_active", "deactivated_at"])
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="membership",
        object_id=membership.pk,
        summary=f"Reactivated {_name(membership)} in {membership.organisation.name} as "
        f"{role_label(membership.role)}",
        detail={"changes": {"is_active": [False, True]}},
    )
    return Reactivated(membership, None)


def choose_organisation(user, organisation_id: int) -> Membership:
    """The organisation a person with several memberships acts for from now on (the web keeps
    the choice in the session). Only an active membership of an active organisation."""
    membership = (
        Membership.objects.select_related("organisation", "organisation__authority")
        .filter(
            user=user,
            organisation_id=organisation_id,
            is_active=True,
            organisation__is_active=True,
        )
        .first()
    )
    if membership is None:
        raise ValidationError(
            {"organisation": ["Choose one of the organisations you have access to"]}
        )
    record(
        Viewer(
            user_id=user.pk,
            username=user.get_username(),
            organisation=membership.organisation,
            role=membership.role,
        ),
        AuditAction.CHANGE,
        object_type="session",
        object_id=membership.pk,
        summary=f"Chose to act for {membership.organisation.name} as "
        f"{membership.get_role_display()}",
        detail={"organisation": membership.organisation_id, "role": membership.role},
    )
    return membership
