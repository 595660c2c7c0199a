"""`visible api-client create|list|revoke`: API clients for organisations' systems. The secret
token is printed once, at creation; Visible keeps only its digest. Mistakes raise ValueError,
which `visible` prints as a one-line message (exit status 2)."""

from __future__ import annotations

import argparse
import getpass


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def cmd_create(args: argparse.Namespace) -> int:
    from . import tokens

    holder = _holder(args.holder, args.organisation) if args.holder else None
    made = tokens.create_client(
        args.organisation, args.role, args.name, by=_operator(), created_by=holder
    )
    client = made.client
    print(
        f"Created API client '{client.name}' for {client.organisation.name}, acting as {client.get_role_display()}."
    )
    print(f"  client_id:     {client.client_id}")
    print(f"  secret token:  {made.secret}")
    print(
        "The secret token is shown only now: store it in the system's secret store. Use it as "
        "'Authorization: Bearer <token>', or as client_secret at POST /api/v1/oauth/token (docs/api.md)."
    )
    return 0


def _holder(username: str, organisation_name: str):
    """The person the secret is handed to: an active member of the client's organisation."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if (
        user is None
        or not user.memberships.filter(
            organisation__name=organisation_name, is_active=True
        ).exists()
    ):
        raise ValueError(
            f"--for: '{username}' is not an active member of {organisation_name}; name the person "
            "of that organisation the secret is handed to"
        )
    return user


def cmd_list(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from .models import ApiClient

    clients = ApiClient.objects.select_related("organisation")
    if args.organisation:
        clients = clients.filter(organisation__name=args.organisation)
    if not clients:
        print("No API clients.")
    for c in clients:
        state = (
            f"revoked {timezone.localtime(c.revoked_at):%d/%m/%Y %H:%M}"
            if c.revoked_at
            else f"last used {timezone.localtime(c.last_used_at):%d/%m/%Y %H:%M}"
            if c.last_used_at
            else "never used"
        )
        print(
            f"  {c.client_id}  {c.organisation.name}: {c.name} (as {c.role}; token {c.secret_hint}...; {state})"
        )
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from . import tokens

    client = tokens.revoke_client(args.client_id, by=_operator())
    print(
        f"Revoked '{client.name}' of {client.organisation.name}: its secret and access tokens no longer work."
    )
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "api-client", help="API clients for organisations' systems (REST API, docs/api.md)"
    )
    actions = p.add_subparsers(dest="api_client_command", required=True, metavar="ACTION")
    c = actions.add_parser("create", help="a new client; prints its secret token once")
    c.add_argument(
        "--organisation", required=True, metavar="NAME", help="the organisation's exact name"
    )
    c.add_argument(
        "--role",
        required=True,
        metavar="ROLE",
        help="the role the client acts as, e.g. senior_manager (a council's case system) or police_officer",
    )
    c.add_argument(
        "--name", required=True, help="what the system is, e.g. 'Case management system'"
    )
    c.add_argument(
        "--for",
        dest="holder",
        metavar="USERNAME",
        help="the member of the organisation the secret is handed to: if they leave "
        "(deactivated), the client is revoked with their access",
    )
    c.set_defaults(func=cmd_create)
    c = actions.add_parser("list", help="the clients, with when each was last used")
    c.add_argument("--organisation", metavar="NAME")
    c.set_defaults(func=cmd_list)
    c = actions.add_parser("revoke", help="stop a client's secret and access tokens working, now")
    c.add_argument("client_id")
    c.set_defaults(func=cmd_revoke)
