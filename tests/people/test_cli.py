"""`visible users invite|list|deactivate|reactivate|resend|role|team`, beside the `visible users`
commands that were there before (unlock, lockouts, reset-second-factor). Exit 0 done, 1
refused by the rules (nothing changed), 2 a mistake in what was asked; one line each."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.factories import make_user
from visible.agencies.models import Membership, Role, Team
from visible.audit.models import AuditEvent
from visible.cli import main

pytestmark = pytest.mark.django_db


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["users", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_invite_list_role_team_deactivate_reactivate(capsys, council_a, admin_a):
    Team.objects.create(organisation=council_a, name="UASC team")
    code, out, _ = run(
        capsys,
        "invite",
        "cli.sw@croydon.example",
        "--organisation",
        council_a.name,
        "--role",
        "social_worker",
        "--given-name",
        "Cli",
        "--family-name",
        "Worker",
        "--team",
        "uasc team",
    )
    assert code == 0 and "Invited cli.sw@croydon.example" in out and "works once" in out
    assert mail.outbox[0].to == ["cli.sw@croydon.example"]
    assert "https://visible.test/invitation/" in mail.outbox[0].body  # VISIBLE_BASE_URL
    code, out, _ = run(capsys, "list", "--organisation", council_a.name)
    assert code == 0
    assert "cli.sw@croydon.example" in out and "Social worker, UASC team (invited;" in out
    assert "admin.a" in out and "(active; never signed in)" in out
    code, out, _ = run(capsys, "role", "cli.sw@croydon.example", "missing coordinator")
    assert code == 0 and "is now Missing-children coordinator" in out
    code, out, _ = run(capsys, "team", "cli.sw@croydon.example", "--none")
    assert code == 0 and "is now in no team" in out
    code, out, _ = run(capsys, "deactivate", "cli.sw@croydon.example")
    assert code == 0 and "access ended now" in out
    code, out, _ = run(capsys, "reactivate", "cli.sw@croydon.example")
    assert code == 0 and "had never accepted" in out and len(mail.outbox) == 2
    code, out, _ = run(capsys, "resend", "cli.sw@croydon.example")
    assert code == 0 and len(mail.outbox) == 3
    code, out, _ = run(capsys, "list", "--status", "invited")
    assert code == 0 and "cli.sw@croydon.example" in out and "admin.a" not in out
    events = AuditEvent.objects.filter(object_type="membership").exclude(action="view")
    assert len(events) == 6 and all(e.actor_username.startswith("<cli:") for e in events)


def test_refusals_exit_1_and_change_nothing(capsys, council_a, admin_a, sw_a):
    sw_a.email = "sw.a@croydon.example"
    sw_a.save()
    before = Membership.objects.count(), AuditEvent.objects.count()
    code, _, err = run(
        capsys,
        "invite",
        "sw.a@croydon.example",
        "--organisation",
        council_a.name,
        "--role",
        "analyst",
        "--given-name",
        "S",
        "--family-name",
        "W",
    )
    assert code == 1 and "refused, nothing changed" in err and "already has access" in err
    code, _, err = run(capsys, "deactivate", "admin.a")
    assert code == 1 and "last active administrator" in err
    code, _, err = run(capsys, "role", "admin.a", "social_worker")
    assert code == 1 and "last active administrator" in err
    assert (Membership.objects.count(), AuditEvent.objects.count()) == before
    assert "Traceback" not in err


def test_mistakes_in_what_was_asked_exit_2(capsys, council_a, council_b, sw_a):
    code, _, err = run(
        capsys,
        "invite",
        "x@example.gov.uk",
        "--organisation",
        "Croydn",
        "--role",
        "social_worker",
        "--given-name",
        "X",
        "--family-name",
        "Y",
    )
    assert code == 2 and "there is no organisation called 'Croydn'" in err
    code, _, err = run(
        capsys,
        "invite",
        "x@example.gov.uk",
        "--organisation",
        council_a.name,
        "--role",
        "police_officer",
        "--given-name",
        "X",
        "--family-name",
        "Y",
    )
    assert code == 2 and "is not a role in" in err and "social_worker" in err
    code, _, err = run(capsys, "deactivate", "nobody.here")
    assert code == 2 and "there is no user 'nobody.here'" in err
    Membership.objects.create(user=sw_a, organisation=council_b, role=Role.SOCIAL_WORKER)
    code, _, err = run(capsys, "deactivate", "sw.a")
    assert code == 2 and "say which with --organisation" in err
    code, _, err = run(capsys, "team", "sw.a", "Nowhere", "--organisation", council_a.name)
    assert code == 2 and "has no team called 'Nowhere'" in err
    assert sw_a.memberships.filter(is_active=True).count() == 2


def test_the_earlier_users_commands_still_work(capsys, sw_a):
    code, out, _ = run(capsys, "lockouts")
    assert code == 0 and "No sign-in lockouts in force" in out
    code, out, _ = run(capsys, "reset-second-factor", "sw.a")
    assert code == 0 and "Removed the authenticator" in out
    code, _, err = run(capsys, "unlock")
    assert code == 2 and "name a USERNAME" in err


def test_a_national_administrator_can_be_invited_only_into_the_national_body(
    capsys, national_body, council_a
):
    make_user("existing.national", national_body, Role.NATIONAL_ADMIN)
    code, _, err = run(
        capsys,
        "invite",
        "nat@example.gov.uk",
        "--organisation",
        council_a.name,
        "--role",
        "national_admin",
        "--given-name",
        "N",
        "--family-name",
        "A",
    )
    assert code == 2 and "is not a role in" in err
    code, out, _ = run(
        capsys,
        "invite",
        "nat@example.gov.uk",
        "--organisation",
        national_body.name,
        "--role",
        "national_admin",
        "--given-name",
        "N",
        "--family-name",
        "A",
    )
    assert code == 0 and "as National administrator" in out
