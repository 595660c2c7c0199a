"""`visible setup` and `visible organisations ...` as an operator uses them: on an empty
production database (a real process, production settings), again (nothing changes), over a
demo (refused); the organisation commands' tables, messages and exit statuses (0 done,
1 refused because of what is there, 2 a mistake in what was asked)."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

import visible
from tests.factories import make_council, make_user, record_placement
from tests.security.signing_in import password_step
from visible import installation
from visible.agencies.models import Membership, Organisation, Role
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.cli import build_parser, main

SRC = Path(visible.__file__).resolve().parent.parent
SETUP = [
    "setup",
    "--national-body",
    "National Monitoring Body (synthetic)",
    "--admin-username",
    "nat.admin",
    "--admin-email",
    "nat.admin@national.example",
    "--admin-first-name",
    "Nat",
    "--admin-last-name",
    "Admin",
]


def run_visible(args: list[str], database: Path) -> subprocess.CompletedProcess:
    """`visible ARGS` in a new process on production settings and its own SQLite database."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VISIBLE_"))},
        "PYTHONPATH": str(SRC),
        "DATABASE_URL": f"sqlite:///{database}",
        "VISIBLE_VAR_DIR": str(database.parent / "var"),
        "VISIBLE_SECRET_KEY": "a production secret key for this test only, not a real one",
        "VISIBLE_AUDIT_KEY": "an audit chain key for this test only, not a real one",
        "VISIBLE_ALLOWED_HOSTS": "visible.example.org",
    }
    return subprocess.run(
        [sys.executable, "-m", "visible.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=database.parent,
        timeout=300,
    )


def _tables(database: Path) -> set[str]:
    if not database.exists():
        return set()
    with sqlite3.connect(database) as db:
        return {r[0] for r in db.execute("select name from sqlite_master where type='table'")}


@pytest.mark.real_clock
def test_setup_on_an_empty_production_database_then_again(tmp_path):
    database = tmp_path / "visible.sqlite3"

    # Without what it needs to make: one line saying what to give, and nothing made.
    missing = run_visible(["setup"], database)
    assert missing.returncode == 2, missing.stderr
    assert missing.stderr.strip() == (
        "visible setup: this database has no national body yet: give --national-body NAME "
        "(the national body's name), --admin-username USERNAME (the first national "
        "administrator's), --admin-email ADDRESS (theirs)"
    )
    assert "agencies_organisation" not in _tables(database)

    first = run_visible(SETUP, database)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert re.search(r"^Database: \d+ migrations applied\.$", out, re.M), out
    assert "Installation: marked as a real service's (production) now." in out
    assert "National body: \u2018National Monitoring Body (synthetic)\u2019 put on Visible." in out
    password = re.search(
        r"^nat\.admin \(National Monitoring Body \(synthetic\)\): temporary password (\S+)$",
        out,
        re.M,
    )
    assert password and len(password.group(1)) >= 20
    assert "At their first sign-in they set up an authenticator app" in out
    with sqlite3.connect(database) as db:
        mode = db.execute("select mode, set_by from agencies_installation").fetchall()
        roles = db.execute(
            "select u.username, m.role, o.kind from agencies_membership m "
            "join auth_user u on u.id = m.user_id join agencies_organisation o on o.id = m.organisation_id"
        ).fetchall()
        areas = db.execute("select count(*) from agencies_organisation_areas").fetchone()[0]
        audited = db.execute(
            "select action, object_type, actor_username from audit_auditevent order by seq"
        ).fetchall()
    assert mode == [("production", "visible setup")]
    assert roles == [("nat.admin", "national_admin", "national_body")]
    assert areas > 200  # the police forces' areas, from the migration
    assert [a[:2] for a in audited] == [
        ("create", "installation"),
        ("create", "organisation"),
        ("create", "user"),
    ]
    assert {a[2] for a in audited} == {f"cli:{_login()}"}  # the operator, by their login

    again = run_visible(SETUP, database)
    assert again.returncode == 0, again.stderr
    assert "Database: up to date, no migrations to apply." in again.stdout
    assert (
        "National body: \u2018National Monitoring Body (synthetic)\u2019, already on Visible."
        in again.stdout
    )
    assert (
        "National administrator: \u2018nat.admin\u2019 (nat.admin@national.example)" in again.stdout
    )
    assert "temporary password" not in again.stdout
    with sqlite3.connect(database) as db:
        assert db.execute("select count(*) from audit_auditevent").fetchone()[0] == 3
        assert db.execute("select count(*) from auth_user").fetchone()[0] == 1

    # Another first administrator, another national body: refused, exit 1.
    other = run_visible(
        [*SETUP[:3], "--admin-username", "someone.else", "--admin-email", "s@e.example"], database
    )
    assert other.returncode == 1
    assert "\u2018nat.admin\u2019 is already the first national administrator" in other.stderr

    # The demo refuses the service's database (installation.py).
    demo = run_visible(
        ["generate", "--authority", "E09000008", "--children", "1", "--quiet"], database
    )
    assert demo.returncode == 2 and "holds a real service's records" in demo.stderr


def _login() -> str:
    import getpass

    return getpass.getuser()


@pytest.mark.real_clock
def test_setup_refuses_a_demos_database_and_changes_nothing(tmp_path):
    database = tmp_path / "visible.sqlite3"
    with sqlite3.connect(database):
        pass
    migrated = run_visible(["manage", "migrate", "--no-input", "--verbosity", "0"], database)
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(database) as db:
        db.execute(
            "insert into agencies_installation (id, mode, set_at, set_by) "
            "values (1, 'demo', '2026-01-01 00:00:00', 'visible demo')"
        )
    refused = run_visible(SETUP, database)
    assert refused.returncode == 2
    assert refused.stderr.startswith("visible setup: this database is a demo (marked on 01/01/2026")
    with sqlite3.connect(database) as db:
        assert db.execute("select count(*) from auth_user").fetchone()[0] == 0


# --- in this process, on the test database --------------------------------------------------------


@pytest.mark.django_db
def test_the_first_national_administrator_must_set_up_a_second_factor_at_first_sign_in(
    client, capsys
):
    assert main(SETUP) == 0
    out = capsys.readouterr().out
    password = re.search(r"temporary password (\S+)$", out, re.M).group(1)
    admin = get_user_model().objects.get(username="nat.admin")
    assert admin.get_full_name() == "Nat Admin" and admin.email == "nat.admin@national.example"
    assert Membership.objects.get(user=admin).role == Role.NATIONAL_ADMIN
    assert installation.current().mode == "production"
    response = password_step(client, "nat.admin", password)
    assert response.status_code == 302 and response["Location"] == reverse(
        "web:second-factor-set-up"
    )
    assert client.get(reverse("web:organisations")).status_code == 302  # nothing opens before it


@pytest.mark.django_db
def test_bad_options_are_refused_before_anything_is_written(capsys):
    args = [*SETUP]
    args[args.index("nat.admin@national.example")] = "not-an-address"
    args[args.index("nat.admin")] = "nat admin"
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "\u2018nat admin\u2019 is not a username Visible can use" in err
    assert "\u2018not-an-address\u2019 is not an email address" in err
    assert (
        installation.current() is None
        and not Organisation.objects.filter(kind="national_body").exists()
    )


@pytest.mark.django_db
def test_setup_refuses_a_demo_database_in_process(capsys):
    installation.mark_demo("visible demo")
    assert main(SETUP) == 2
    assert "this database is a demo" in capsys.readouterr().err
    assert not get_user_model().objects.exists()


def test_the_help_lists_the_organisation_commands(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["organisations", "--help"])
    out = capsys.readouterr().out
    for action in (
        "list",
        "show",
        "add-council",
        "add-force",
        "add-service",
        "add-national-body",
        "deactivate",
        "reactivate",
        "reorganise",
    ):
        assert action in out
    with pytest.raises(SystemExit):
        build_parser().parse_args(["setup", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--national-body NAME" in out and "Run again, it changes nothing" in out


@pytest.mark.django_db
def test_adding_listing_and_showing_with_exit_codes(capsys):
    assert main(["organisations", "add-council", "E10000016"]) == 0
    assert capsys.readouterr().out.startswith("Added Kent children's services (E10000016), number ")
    assert main(["organisations", "add-council", "E10000016"]) == 1
    assert "is already on Visible" in capsys.readouterr().err
    assert main(["organisations", "add-council", "E10000006"]) == 2
    assert capsys.readouterr().err.strip() == (
        "visible organisations: Cumbria (E10000006) ended on 1 April 2023: it was replaced by "
        "Cumberland (E06000063) and Westmorland and Furness (E06000064). Use one of those instead"
    )
    assert (
        main(
            [
                "organisations",
                "add-service",
                "Guardians (synthetic)",
                "--kind",
                "guardian_service",
                "--area",
                "E10000016,E09000008",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["organisations", "list", "--search", "kent"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "No.",
        "Name",
        "Kind",
        "GSS",
        "code",
        "Status",
        "People",
        "Administrators",
    ]
    assert any(
        "Kent children's services" in line and "E10000016" in line and "active" in line
        for line in lines
    )
    assert any(line.split()[1:3] == ["Kent", "Police"] for line in lines[2:-1])
    assert lines[-1] == "2 organisations."
    assert main(["organisations", "show", "Kent Police"]) == 0
    shown = capsys.readouterr().out
    assert "Area (2 authorities):" in shown and "E06000035  Medway" in shown
    assert main(["organisations", "show", "Kentt Police"]) == 2
    assert "did you mean 'Kent Police'" in capsys.readouterr().err


@pytest.mark.django_db
def test_deactivating_and_reactivating_from_the_command_line(sw_b, capsys):
    assert main(["organisations", "deactivate", "E10000016", "--reason", "Test"]) == 0
    assert capsys.readouterr().out.startswith(
        "Deactivated Kent children's services: 1 person lost access (signed out at their next page)"
    )
    assert main(["organisations", "deactivate", "E10000016", "--reason", "Test"]) == 1
    assert (
        main(["organisations", "reactivate", "Kent children's services", "--reason", "Back"]) == 0
    )
    assert "1 person has access again" in capsys.readouterr().out
    event = AuditEvent.objects.filter(object_type="organisation", action="change").latest("seq")
    assert event.actor_username.startswith("cli") and event.summary.endswith(": Back")


@pytest.mark.django_db
def test_reorganising_from_the_command_line_with_an_assignments_file(tmp_path, make_child, capsys):
    cumbria = make_council("E10000006")
    make_council("E06000063")
    make_council("E06000064")
    worker = make_user("sw.cumbria", cumbria, Role.SOCIAL_WORKER)
    children = [make_child(worker) for _ in range(2)]
    record_placement(worker, children[0], "E06000063", timezone.localdate() - dt.timedelta(days=9))

    assert main(["organisations", "reorganise", "--from", "E10000006"]) == 1
    assert f"no successor: Visible number {children[1].pk}." in capsys.readouterr().err

    bad = tmp_path / "bad.csv"
    bad.write_text("visible_number,successor\nabc,E06000064\n")
    assert (
        main(["organisations", "reorganise", "--from", "E10000006", "--assignments", str(bad)]) == 2
    )
    assert (
        f"{bad}, row 2, column visible_number: 'abc' is not a Visible number"
        in capsys.readouterr().err
    )

    good = tmp_path / "assignments.csv"
    good.write_text(f"visible_number,successor\n{children[1].pk},E06000064\n")
    assert (
        main(
            [
                "organisations",
                "reorganise",
                "--from",
                "E10000006",
                "--assignments",
                str(good),
                "--dry-run",
            ]
        )
        == 0
    )
    assert "Would move 2 children" in capsys.readouterr().out
    assert Child.objects.filter(responsible_organisation=cumbria).count() == 2  # nothing moved
    assert (
        main(["organisations", "reorganise", "--from", "E10000006", "--assignments", str(good)])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("Moved 2 children of Cumbria children's services, each as a transfer")
    assert (
        "Cumberland children's services: 1; Westmorland and Furness children's services: 1" in out
    )
    assert main(["organisations", "reorganise", "--from", "E10000006"]) == 0
    assert capsys.readouterr().out.startswith(
        "Nothing to move: Cumbria children's services has no children"
    )


@pytest.mark.django_db
def test_reference_load_puts_back_the_force_areas(capsys):
    kent = Organisation.objects.get(name="Kent Police")
    kent.areas.clear()
    assert main(["reference", "load"]) == 0
    assert "police force areas: 1 changed" in capsys.readouterr().out
    assert set(kent.areas.values_list("code", flat=True)) == {"E10000016", "E06000035"}
