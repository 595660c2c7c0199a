"""Inviting someone into an organisation: a single-use link, sent by email, to set a password
and enrol the second factor (docs/provisioning.md, "People").

``invite`` makes the person's account (their username is their email address) unless they
already have one, and their membership of the organisation, not active until they accept. The
link holds a random token of 256 bits; only its SHA-256 digest is stored (models.Invitation).
It works once, for ``VISIBLE_INVITATION_DAYS`` days (7 unless set). Resending makes a new link
and ends the one before; withdrawing ends it. Following it, a new person chooses a password
(Django's validators) and then sets up their authenticator app on the usual set-up page, after
which they are signed in; someone who already has an account signs in as themselves and
accepts. The email says who invited them, to which organisation and role, and nothing else:
no child's details, ever.

Every invitation, resend, withdrawal and acceptance is audited in the writing transaction; if
the email cannot be handed to the mail server, the whole invitation is undone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from visible.agencies.models import Membership, Organisation, Role, Team
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.inputs import ActionInput

from . import policy
from .errors import Conflict, MailNotSent, refuse
from .models import EndedBecause, Invitation
from .roles import role_label, roles_for

TOKEN_BYTES = 32


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def lifetime() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "VISIBLE_INVITATION_DAYS", 7)))


def normalise_email(text: str) -> str:
    return (text or "").strip().lower()


def _date(at: dt.datetime) -> str:
    return f"{timezone.localtime(at):%-d %B %Y}"


@dataclass(frozen=True, kw_only=True)
class InviteInput(ActionInput):
    """Who to invite, and as what."""

    email: str
    given_name: str
    family_name: str
    role: str
    team: Team | None = None
    job_title: str = ""


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    link: str  # in the email; never stored


# --- checks ----------------------------------------------------------------------------------


def _check_details(organisation: Organisation, details: InviteInput, viewer: Viewer) -> str:
    """The email as it will be kept, or a ValidationError naming every field that is wrong."""
    errors: dict[str, list[str]] = {}
    email = normalise_email(details.email)
    if not email:
        errors["email"] = ["Enter their email address"]
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [
                "Enter an email address in the correct format, like name@example.gov.uk"
            ]
        if len(email) > 150:
            errors["email"] = ["The email address must be 150 characters or fewer"]
    if not details.given_name.strip():
        errors["given_name"] = ["Enter their first name"]
    if not details.family_name.strip():
        errors["family_name"] = ["Enter their last name"]
    if len(details.given_name) > 150 or len(details.family_name) > 150:
        errors.setdefault("given_name", []).append("Names must be 150 characters or fewer")
    check_role(errors, organisation, details.role, viewer)
    check_team(errors, organisation, details.team)
    if errors:
        raise ValidationError(errors)
    return email


def check_role(errors: dict, organisation: Organisation, role: str, viewer: Viewer) -> None:
    allowed = roles_for(organisation)
    if role not in allowed:
        errors["role"] = [
            f"Choose a role {organisation.name} has ({organisation.get_kind_display().lower()}): "
            + ", ".join(str(r.label) for r in allowed)
        ]
    elif not policy.may_give(viewer, organisation, role):
        errors["role"] = ["Only a national administrator can appoint a national administrator"]


def check_team(errors: dict, organisation: Organisation, team: Team | None) -> None:
    if team is None:
        return
    if team.organisation_id != organisation.pk:
        errors["team"] = [f"Choose one of {organisation.name}'s own teams"]
    elif not team.is_active:
        errors["team"] = [f"The {team.name} team is closed: choose an open team, or none"]


def check_active(organisation: Organisation) -> None:
    if not organisation.is_active:
        raise refuse(
            "__all__",
            f"{organisation.name} is deactivated, so nobody can be given access to it. "
            "A national administrator can reactivate it first.",
        )


def _account_for(email: str):
    """The one account with this email address (or username), or None; two is a fault."""
    accounts = list(
        get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email))[:2]
    )
    if len(accounts) > 1:
        raise refuse(
            "email",
            f"More than one account has the email address {email}, so Visible cannot tell which "
            "person this is. Ask the Visible operator to look at `visible users list --email "
            f"{email}`",
        )
    return accounts[0] if accounts else None


def latest_invitation(membership: Membership) -> Invitation | None:
    return membership.invitations.order_by("-created_at", "-pk").first()


def _refuse_duplicate(membership: Membership, email: str, now: dt.datetime) -> None:
    org = membership.organisation.name
    if membership.is_active:
        raise refuse(
            "email",
            f"{email} already has access to {org} as {membership.get_role_display()}: change "
            "their role or team on their page instead",
        )
    if membership.deactivated_at is not None:
        raise refuse(
            "email",
            f"{email} was deactivated on {_date(membership.deactivated_at)}: reactivate them "
            "instead of inviting them again",
        )
    last = latest_invitation(membership)
    if last is not None and last.state(now) == "open":
        raise refuse(
            "email",
            f"{email} was invited to {org} on {_date(last.created_at)} and the link works until "
            f"{_date(last.expires_at)}: resend the invitation if they cannot find the email",
        )


# --- sending ---------------------------------------------------------------------------------


def _inviter(viewer: Viewer) -> str:
    """How the email names who sent it."""
    if viewer.user_id is not None:
        user = get_user_model().objects.filter(pk=viewer.user_id).first()
        if user is not None:
            name = user.get_full_name() or user.get_username()
            return f"{name} ({viewer.organisation.name})" if viewer.organisation else name
    if viewer.organisation is not None:
        return f"{viewer.organisation.name}'s staff directory"
    return "the Visible service team"


def needs_password(user) -> bool:
    """A new account (or one no longer active) sets its password by the link; an active one
    signs in as itself to accept."""
    return not (user.is_active and user.has_usable_password())


def _send(invitation: Invitation, link: str, viewer: Viewer) -> None:
    membership = invitation.membership
    user = membership.user
    context = {
        "given_name": user.first_name or "there",
        "organisation": membership.organisation.name,
        "role": role_label(membership.role),
        "team": membership.team.name if membership.team else "",
        "inviter": _inviter(viewer),
        "link": link,
        "expires": _date(invitation.expires_at),
        "days": lifetime().days,
        "username": user.get_username(),
        "new_account": needs_password(user),
    }
    subject = f"You have been invited to Visible by {membership.organisation.name}"
    body = render_to_string("people/invitation_email.txt", context)
    message = EmailMessage(subject, body, to=[invitation.email])
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        raise MailNotSent(
            {
                "__all__": [
                    f"The invitation email to {invitation.email} could not be sent "
                    f"({type(error).__name__}), so nothing was saved. Check the mail server "
                    "settings (VISIBLE_EMAIL_HOST, VISIBLE_EMAIL_PORT) and try again"
                ]
            }
        ) from error


def link_for(token: str, site_url: str) -> str:
    if not site_url:
        raise ValueError(
            "the link in the email needs the address people open Visible at: set VISIBLE_BASE_URL "
            "(for example https://visible.example.gov.uk)"
        )
    return site_url.rstrip("/") + reverse("web:invitation", args=[token])


def send_new_link(
    membership: Membership, email: str, viewer: Viewer, site_url: str, now: dt.datetime
) -> Sent:
    """End the membership's open links, make a new one and email it."""
    Invitation.objects.filter(
        membership=membership, accepted_at__isnull=True, ended_at__isnull=True
    ).update(
        ended_at=now, ended_because=EndedBecause.REPLACED, ended_by_name=viewer.display_name[:150]
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = link_for(token, site_url)
    invitation = Invitation.objects.create(
        membership=membership,
        email=email,
        token_digest=digest(token),
        created_at=now,
        expires_at=now + lifetime(),
        invited_by_id=viewer.user_id,
        invited_by_name=viewer.display_name[:150],
    )
    _send(invitation, link, viewer)
    return Sent(invitation, link)


# --- the actions -----------------------------------------------------------------------------


@transaction.atomic
def invite(
    viewer: Viewer,
    organisation: Organisation,
    details: InviteInput,
    *,
    site_url: str,
    now: dt.datetime | None = None,
) -> Sent:
    """Invite someone into `organisation` (their own organisation, for an administrator; any,
    for a national administrator inviting an organisation administrator). Refused, with
    nothing changed: someone who already has access, is deactivated or has a working link
    there; an organisation that is deactivated; a role the organisation does not have."""
    now = now or timezone.now()
    if not policy.may_invite(viewer, organisation, details.role):
        own = viewer.organisation.name if viewer.organisation else "your organisation"
        policy.require(
            False,
            f"You can invite people only to {own}. To give someone access to "
            f"{organisation.name}, ask its administrators"
            + (
                "" if details.role == Role.ORGANISATION_ADMIN else " or the national administrators"
            ),
        )
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    check_active(organisation)
    email = _check_details(organisation, details, viewer)
    user = _account_for(email)
    membership = None
    if user is not None:
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .filter(user=user, organisation=organisation)
            .first()
        )
        if membership is not None:
            _refuse_duplicate(membership, email, now)
    else:
        user = get_user_model()(
            username=email,
            email=email,
            first_name=details.given_name.strip(),
            last_name=details.family_name.strip(),
        )
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise refuse(
                "email", f"{email} was invited a moment ago by someone else: reload the page"
            ) from None
    if membership is None:
        membership = Membership.objects.create(
            user=user,
            organisation=organisation,
            role=details.role,
            team=details.team,
            job_title=details.job_title.strip()[:200],
            is_active=False,
        )
    else:  # an earlier invitation ran out or was withdrawn: this one takes its place
        membership.role = details.role
        membership.team = details.team
        membership.job_title = details.job_title.strip()[:200]
        membership.save(update_fields=["role", "team", "job_title"])
    sent = send_new_link(membership, email, viewer, site_url, now)
    team = f" in the {details.team.name} team" if details.team else ""
    record(
        viewer,
        AuditAction.CREATE,
        object_type="membership",
        object_id=membership.pk,
        summary=f"Invited {email} ({user.get_full_name()}) to {organisation.name} as "
        f"{role_label(details.role)}{team}; the link works until {_date(sent.invitation.expires_at)}",
        detail={
            "email": email,
            "user": user.pk,
            "organisation": organisation.pk,
            "role": details.role,
            "team": details.team.pk if details.team else None,
            "invitation": sent.invitation.pk,
            "expires_at": sent.invitation.expires_at.isoformat(),
        },
    )
    return sent


@transaction.atomic
def resend(
    viewer: Viewer, membership: Membership, *, site_url: str, now: dt.datetime | None = None
) -> Sent:
    """A new link for someone invited and not yet in (the old link stops working)."""
    now = now or timezone.now()
    membership = _locked(membership)
    policy.require(
        policy.manages_membership(viewer, membership),
        "You cannot manage this person's access",
    )
    check_active(membership.organisation)
    name = membership.user.get_username()
    if membership.is_active:
        raise refuse("__all__", f"{name} has already accepted: they sign in as usual")
    if membership.deactivated_at is not None:
        raise refuse("__all__", f"{name} was deactivated: reactivate them instead")
    email = membership.user.email or name
    sent = send_new_link(membership, email, viewer, site_url, now)
    record(
        viewer,
        AuditAction.CHANGE,
        object_type="membership",
        object_id=membership.pk,
        summary=f"Sent {email} a new invitation link to {membership.organisation.name}; the "
        f"earlier link no longer works; the new one works until {_date(sent.invitation.expires_at)}",
        detail={"invitation": sent.invitation.pk, "email": email},
    )
    return sent


@transaction.atomic
def withdraw(viewer: Viewer, membership: Membership, *, now: dt.datetime | None = None) -> None:
    """The link stops working at once; the person can be invited again later."""
    now = now or timezone.now()
    membership = _locked(membership)
    policy.require(
        policy.manages_membership(viewer, membership),
        "You cannot manage this person's access",
    )
    ended = Invitation.objects.filter(
        membership=membership, accepted_at__isnull=True, ended_at__isnull=True, expires_at__gt=now
    ).update(
        ended_at=now, ended_because=EndedBecause.WITHDRAWN, ended_by_name=viewer.display_name[:150]
    )
    if not ended:
        raise refuse(
            "__all__",
            f"{membership.user.get_username()} has no invitation link that still works",
        )
    record(
        viewer,
        AuditAction.END,
        object_type="membership",
        object_id=membership.pk,
        summary=f"Withdrew the invitation of {membership.user.get_username()} to "
        f"{membership.organisation.name}: the link no longer works",
    )


def _locked(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organisation", "team")
        .get(pk=membership.pk)
    )


# --- following the link ------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """What a link is now: 'open' (it can be used), 'unknown' (no such link), 'accepted'
    (used), 'withdrawn', 'replaced' (a newer link was sent), 'deactivated', 'expired', or
    'organisation_inactive'."""

    state: str
    invitation: Invitation | None = None

    @property
    def needs_password(self) -> bool:
        return bool(self.invitation and needs_password(self.invitation.membership.user))


def _state(invitation: Invitation | None, now: dt.datetime) -> str:
    if invitation is None:
        return "unknown"
    state = invitation.state(now)
    if state == "ended":
        return invitation.ended_because or "withdrawn"
    if state == "open" and not invitation.membership.organisation.is_active:
        return "organisation_inactive"
    return state


def open_link(token: str, now: dt.datetime | None = None) -> Opened:
    """Look a link up (nothing is changed: mail scanners that open links use nothing up)."""
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related(
            "membership__user", "membership__organisation", "membership__team"
        )
        .filter(token_digest=digest(token or ""))
        .first()
    )
    return Opened(_state(invitation, now), invitation)


class LinkUnusable(ValidationError):
    def __init__(self, state: str):
        super().__init__("This invitation link cannot be used", code=state)
        self.state = state


@transaction.atomic
def accept(
    token: str, *, password: str | None = None, user=None, now: dt.datetime | None = None
) -> Membership:
    """Use the link: a new person gives the password they chose (checked by Django's password
    validators); someone with an account is already signed in as `user`. The membership
    becomes active and the link is used up. Raises LinkUnusable if the link cannot be used."""
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("membership__user", "membership__organisation")
        .filter(token_digest=digest(token or ""))
        .first()
    )
    state = _state(invitation, now)
    if state != "open" or invitation is None:
        raise LinkUnusable(state)
    membership = invitation.membership
    account = membership.user
    set_password = needs_password(account)
    if set_password:
        if not password:
            raise ValidationError({"password": ["Choose a password"]})
        try:
            password_validation.validate_password(password, account)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        account.set_password(password)
        account.is_active = True
        account.save(update_fields=["password", "is_active"])
    elif user is None or user.pk != account.pk:
        policy.require(
            False,
            f"This invitation is for {account.get_username()}: sign out, then sign in as them "
            "to accept it",
        )
    membership.is_active = True
    membership.deactivated_at = None
    membership.save(update_fields=["is_active", "deactivated_at"])
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    record(
        Viewer(
            user_id=account.pk,
            username=account.get_username(),
            organisation=membership.organisation,
            role=membership.role,
        ),
        AuditAction.CHANGE,
        object_type="membership",
        object_id=membership.pk,
        summary=f"Accepted the invitation to {membership.organisation.name} as "
        f"{membership.get_role_display()}" + (" and chose a password" if set_password else ""),
        detail={"invitation": invitation.pk, "changes": {"is_active": [False, True]}},
    )
    return membership


__all__ = [
    "Conflict",
    "InviteInput",
    "LinkUnusable",
    "Opened",
    "Sent",
    "accept",
    "invite",
    "open_link",
    "resend",
    "withdraw",
]
