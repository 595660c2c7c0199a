"""`visible users invite|list|deactivate|reactivate|resend|role|team ...`: people, from the
server's command line, as the operator (any organisation). They sit beside the `visible users`
commands of security/cli.py (unlock, lockouts, reset-second-factor), which visible/cli.py hands
the `users` group to.

Exit status: 0 done; 1 refused by the rules, nothing changed (someone who already has access,
the last administrator, a deactivated organisation...); 2 a mistake in what was asked (an
unknown organisation, person, role or team): each with a one-line message saying what to do."""

from __future__ import annotations

import argparse
import getpass
import sys


def _operator():
    from visible.agencies.viewer import Viewer

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "operator"
    return Viewer.system(f"cli:{who}")


def _organisation(name: str):
    from visible.agencies.models import Organisation

    organisation = Organisation.objects.filter(name=name).first()
    if organisation is None:
        organisation = Organisation.objects.filter(name__iexact=name.strip()).first()
    if organisation is None:
        close = list(
            Organisation.objects.filter(name__icontains=name.strip()[:20]).values_list(
                "name", flat=True
            )[:5]
        )
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"there is no organisation called '{name}'{hint} (`visible users list` names them)"
        )
    return organisation


def _role(text: str, organisation) -> str:
    from .roles import roles_for

    def plain(words: str) -> str:
        return "_".join(words.strip().lower().replace("-", " ").replace("_", " ").split())

    wanted = plain(text)
    for role in roles_for(organisation):
        if wanted in (role.value, plain(str(role.label))):
            return role.value
    choices = ", ".join(r.value for r in roles_for(organisation))
    raise ValueError(f"'{text}' is not a role in {organisation.name}; choose one of: {choices}")


def _team(text: str | None, organisation):
    from visible.agencies.models import Team

    if not text:
        return None
    team = Team.objects.filter(organisation=organisation, name__iexact=text.strip()).first()
    if team is None:
        names = ", ".join(
            Team.objects.filter(organisation=organisation).values_list("name", flat=True)
        )
        raise ValueError(
            f"{organisation.name} has no team called '{text}'; its teams: {names or 'none yet'}"
        )
    return team


def _membership(username: str, organisation_name: str | None):
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from visible.agencies.models import Membership

    user = (
        get_user_model()
        .objects.filter(
            Q(username=username) | Q(username__iexact=username) | Q(email__iexact=username)
        )
        .order_by("pk")
        .first()
    )
    if user is None:
        raise ValueError(f"there is no user '{username}'; `visible users list` shows them")
    memberships = Membership.objects.select_related("organisation", "user", "team").filter(
        user=user
    )
    if organisation_name:
        organisation = _organisation(organisation_name)
        membership = memberships.filter(organisation=organisation).first()
        if membership is None:
            raise ValueError(f"'{user.username}' has no access to {organisation.name}")
        return membership
    found = list(memberships)
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(f"'{user.username}' belongs to no organisation")
    raise ValueError(
        f"'{user.username}' belongs to {len(found)} organisations "
        f"({', '.join(m.organisation.name for m in found)}): say which with --organisation"
    )


def _site_url() -> str:
    from django.conf import settings

    return settings.VISIBLE_BASE_URL


def _refused(error) -> int:
    from django.core.exceptions import ValidationError

    if isinstance(error, ValidationError):
        messages = []
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                for e in errors:
                    for message in e.messages:
                        messages.append(message if field == "__all__" else f"{field}: {message}")
        else:
            messages = list(error.messages)
    else:
        messages = [str(error)]
    for message in messages:
        print(f"visible users: refused, nothing changed: {message}", file=sys.stderr)
    return 1


def _run(action) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    try:
        return action()
    except (ValidationError, PermissionDenied) as error:
        return _refused(error)


def cmd_invite(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from .invitations import InviteInput, invite

    organisation = _organisation(args.organisation)
    role = _role(args.role, organisation)
    team = _team(args.team, organisation)

    def go() -> int:
        sent = invite(
            _operator(),
            organisation,
            InviteInput(
                email=args.email,
                given_name=args.given_name,
                family_name=args.family_name,
                role=role,
                team=team,
                job_title=args.job_title or "",
            ),
            site_url=_site_url(),
        )
        expires = timezone.localtime(sent.invitation.expires_at)
        print(
            f"Invited {sent.invitation.email} to {organisation.name} as "
            f"{sent.invitation.membership.get_role_display()}: the link is in their email and "
            f"works once, until {expires:%d/%m/%Y %H:%M}."
        )
        return 0

    return _run(go)


def cmd_list(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from visible.agencies.models import Membership

    from .queries import STATUSES, people

    memberships = Membership.objects.order_by("organisation__name", "user__username")
    if args.organisation:
        memberships = memberships.filter(organisation=_organisation(args.organisation))
    if args.email:
        memberships = memberships.filter(user__email__iexact=args.email.strip())
    if args.status and args.status not in STATUSES:
        raise ValueError(f"--status: choose one of {', '.join(STATUSES)}")
    found = people(memberships, timezone.now(), last_actions=False)
    if args.status:
        found = [p for p in found if p.status == args.status]
    if not found:
        print("Nobody.")
    for p in found:
        m = p.membership
        seen = (
            f"last signed in {timezone.localtime(p.last_sign_in):%d/%m/%Y %H:%M}"
            if p.last_sign_in
            else "never signed in"
        )
        team = f", {m.team.name}" if m.team else ""
        print(
            f"  {p.user.username:<36} {m.organisation.name}: {m.get_role_display()}{team} "
            f"({p.status_label.lower()}; {seen})"
        )
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    from .members import deactivate

    membership = _membership(args.username, args.organisation)

    def go() -> int:
        done = deactivate(_operator(), membership)
        also = f" Also ended: {', '.join(done.also_ended)}." if done.also_ended else ""
        closed = " Their account can no longer sign in." if done.account_closed else ""
        print(
            f"Deactivated {membership.user.username} in {membership.organisation.name}: their "
            f"access ended now.{closed}{also}"
        )
        return 0

    return _run(go)


def cmd_reactivate(args: argparse.Namespace) -> int:
    from .members import reactivate

    membership = _membership(args.username, args.organisation)

    def go() -> int:
        done = reactivate(_operator(), membership, site_url=_site_url())
        if done.sent is not None:
            print(
                f"{membership.user.username} had never accepted their invitation: a new link was "
                f"sent to {done.sent.invitation.email}."
            )
        else:
            print(
                f"Reactivated {membership.user.username} in {membership.organisation.name} as "
                f"{membership.get_role_display()}."
            )
        return 0

    return _run(go)


def cmd_resend(args: argparse.Namespace) -> int:
    from .invitations import resend

    membership = _membership(args.username, args.organisation)

    def go() -> int:
        sent = resend(_operator(), membership, site_url=_site_url())
        print(
            f"Sent a new invitation link to {sent.invitation.email}; the earlier one no longer works."
        )
        return 0

    return _run(go)


def cmd_role(args: argparse.Namespace) -> int:
    from .members import change_role

    membership = _membership(args.username, args.organisation)
    role = _role(args.role, membership.organisation)

    def go() -> int:
        changed = change_role(_operator(), membership, role)
        print(
            f"{changed.user.username} is now {changed.get_role_display()} in "
            f"{changed.organisation.name}."
        )
        return 0

    return _run(go)


def cmd_team(args: argparse.Namespace) -> int:
    from .members import move_team

    membership = _membership(args.username, args.organisation)
    if not args.none and not args.team:
        raise ValueError("name the TEAM to move them to, or --none for no team")
    team = None if args.none else _team(args.team, membership.organisation)

    def go() -> int:
        move_team(_operator(), membership, team)
        where = f"the {team.name} team" if team else "no team"
        print(f"{membership.user.username} is now in {where} of {membership.organisation.name}.")
        return 0

    return _run(go)


def add_user_commands(users) -> None:
    """Add the people commands to the `visible users` group (security/cli.py makes it)."""
    org_help = "the organisation, by its exact name (needed if they are in more than one)"
    p = users.add_parser("invite", help="invite someone into an organisation by email")
    p.add_argument("email")
    p.add_argument("--organisation", required=True, help="the organisation, by its exact name")
    p.add_argument("--role", required=True, help="e.g. social_worker, organisation_admin")
    p.add_argument("--given-name", required=True)
    p.add_argument("--family-name", required=True)
    p.add_argument("--team", help="one of the organisation's teams, by name")
    p.add_argument("--job-title")
    p.set_defaults(func=cmd_invite)
    p = users.add_parser("list", help="who has access: role, team, status, last sign-in")
    p.add_argument("--organisation", help="only this organisation's people")
    p.add_argument("--status", help="active, invited, expired, withdrawn, deactivated")
    p.add_argument("--email", help="only the people with this email address")
    p.set_defaults(func=cmd_list)
    p = users.add_parser("deactivate", help="end a leaver's access now (sessions, API clients)")
    p.add_argument("username", help="their username (or email address)")
    p.add_argument("--organisation", help=org_help)
    p.set_defaults(func=cmd_deactivate)
    p = users.add_parser("reactivate", help="give a returner their access back")
    p.add_argument("username")
    p.add_argument("--organisation", help=org_help)
    p.set_defaults(func=cmd_reactivate)
    p = users.add_parser("resend", help="send a new invitation link (the old one stops working)")
    p.add_argument("username")
    p.add_argument("--organisation", help=org_help)
    p.set_defaults(func=cmd_resend)
    p = users.add_parser("role", help="change someone's role")
    p.add_argument("username")
    p.add_argument("role")
    p.add_argument("--organisation", help=org_help)
    p.set_defaults(func=cmd_role)
    p = users.add_parser("team", help="move someone to another team (or --none)")
    p.add_argument("username")
    p.add_argument("team", nargs="?")
    p.add_argument("--none", action="store_true", help="take them out of any team")
    p.add_argument("--organisation", help=org_help)
    p.set_defaults(func=cmd_team)
