"""`visible sso show|check|disable ORGANISATION`: the server operator's view of an
organisation's single sign-on. Setting it up and turning it on are the organisation
administrator's, on the single sign-on page (docs/sso.md); the operator can see it, check the
issuer, and turn it off at once (a provider compromised, a secret leaked). Mistakes in what was
asked for raise ValueError, which `visible` turns into one line and exit status 2."""

from __future__ import annotations

import argparse
import getpass


def _operator():
    from visible.agencies.viewer import Viewer

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Viewer.system(f"cli:{who}")


def _provider(name: str):
    from visible.agencies.models import Organisation

    from .models import IdentityProvider

    organisation = (
        Organisation.objects.filter(name__iexact=name).first()
        or Organisation.objects.filter(authority__code__iexact=name).first()
    )
    if organisation is None:
        raise ValueError(
            f"there is no organisation '{name}': give its name as Visible shows it, or a council's GSS code"
        )
    provider = IdentityProvider.objects.filter(organisation=organisation).first()
    if provider is None:
        raise ValueError(
            f"{organisation} has not set up single sign-on (its administrator does, on the single sign-on page)"
        )
    return provider


def cmd_show(args: argparse.Namespace) -> int:
    from django.utils import timezone

    provider = _provider(args.organisation)
    checked = (
        f"{timezone.localtime(provider.checked_at):%d/%m/%Y %H:%M}, "
        + ("usable" if provider.check_ok else f"not usable: {provider.check_message}")
        if provider.checked_at
        else "never"
    )
    for label, value in (
        ("Organisation", provider.organisation.name),
        ("Single sign-on", "on" if provider.enabled else "off"),
        ("Issuer", provider.issuer),
        ("Client ID", provider.client_id),
        ("Client secret", "stored (encrypted)" if provider.has_secret else "none"),
        ("Scopes", provider.scopes),
        ("Email domains", ", ".join(provider.domain_names)),
        (
            "Second factor",
            "the provider's MFA stands in (its administrator says it enforces MFA)"
            if provider.enforces_mfa
            else "Visible's own code after the provider",
        ),
        ("Issuer checked", checked),
        ("People linked", str(provider.linked_identities.count())),
    ):
        print(f"{label + ':':16} {value}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from . import actions
    from .fetch import FetchError

    provider = _provider(args.organisation)
    try:
        found = actions.check(_operator(), provider, timezone.now())
    except FetchError as error:
        print(f"{provider.issuer}: not usable: {error}")
        return 1
    print(
        f"{found.issuer}: usable. Sign-in page {found.authorization_endpoint}; token endpoint "
        f"{found.token_endpoint}; {found.key_count} signing key(s), {', '.join(found.algorithms)}"
    )
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from . import actions

    provider = _provider(args.organisation)
    was = provider.enabled
    actions.set_enabled(_operator(), provider, False, timezone.now())
    print(
        f"Single sign-on for {provider.organisation} is off"
        + ("" if was else " (it was already)")
        + ": its people sign in with their Visible password and code. Its administrator can turn it on again."
    )
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "sso", help="an organisation's single sign-on: show it, check the issuer, turn it off"
    )
    sso = p.add_subparsers(dest="sso_command", required=True, metavar="ACTION")
    for name, func, text in (
        ("show", cmd_show, "what the organisation's single sign-on is set to (never the secret)"),
        ("check", cmd_check, "fetch the issuer's configuration and keys; say what was found"),
        ("disable", cmd_disable, "turn single sign-on off for the organisation now (audited)"),
    ):
        s = sso.add_parser(name, help=text)
        s.add_argument("organisation", help="the organisation's name, or a council's GSS code")
        s.set_defaults(func=func)
