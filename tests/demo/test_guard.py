"""The demo never runs over real records, and a real service never runs over the demo.

`visible demo` and `visible generate` mark an empty database as the demo and go on with a
demo; a database marked production, or holding users, children or organisations with no mark,
is refused in one line (exit code 2) and left exactly as it was. `visible serve` prints the
demo's password and second-factor keys only on a demo database."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction

from tests.factories import PASSWORD
from visible import installation
from visible.agencies.models import Installation, InstallationMode, Organisation
from visible.audit.models import AuditEvent
from visible.children.models import Child
from visible.cli import main
from visible.demo.setup import DEMO_PASSWORD, DEMO_USERS, create_demo_users

pytestmark = pytest.mark.django_db

CROYDON = "E09000008"
GENERATE = ["generate", "--authority", CROYDON, "--children", "12", "--seed", "4", "--quiet"]


def snapshot() -> tuple:
    """Everything a refusal must leave as it was."""
    return (
        list(Installation.objects.values_list("mode", "set_at", "set_by")),
        get_user_model().objects.count(),
        Child.objects.count(),
        Organisation.objects.count(),
        AuditEvent.objects.count(),
    )


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_generate_marks_an_empty_database_as_the_demo_and_goes_on_with_it(capsys):
    assert installation.current() is None and installation.records_held() == {}
    code, out, _ = run(capsys, *GENERATE)
    assert code == 0 and "Generated 12 children" in out
    marked = Installation.objects.get()
    assert (marked.mode, marked.set_by) == (InstallationMode.DEMO, "visible generate")
    assert installation.is_demo()

    code, out, _ = run(capsys, *GENERATE[:-1])  # again, on the demo (with its progress bar)
    assert code == 0 and Child.objects.count() == 24
    assert Installation.objects.get().set_at == marked.set_at  # marked once


def test_generate_refuses_a_production_database_and_changes_nothing(capsys):
    installation.mark_production("visible setup")
    before = snapshot()
    code, out, err = run(capsys, *GENERATE)
    assert code == 2 and out == ""
    assert err.startswith("visible generate: this database holds a real service's records")
    assert "marked production" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert snapshot() == before and not Child.objects.exists()


def test_generate_refuses_unmarked_records_and_changes_nothing(sw_a, capsys):
    before = snapshot()
    code, _, err = run(capsys, *GENERATE)
    assert code == 2
    assert "already holds records (1 users, 1 organisations)" in err
    assert "not marked as a demo" in err and len(err.strip().splitlines()) == 1
    assert snapshot() == before
    assert installation.current() is None  # not marked either way


def test_an_unmarked_register_of_children_is_refused_by_the_demo_too(sw_a, make_child, capsys):
    make_child(sw_a)
    before = snapshot()
    code, _, err = run(capsys, "demo", "--children", "10")
    assert code == 2
    assert err.startswith("visible demo: this database already holds records")
    assert "1 children" in err
    assert snapshot() == before


def test_the_demo_refuses_a_production_database_before_touching_it(capsys):
    installation.mark_production("visible setup")
    before = snapshot()
    code, out, err = run(capsys, "demo", "--children", "10")
    assert code == 2 and "Setting up the database" not in out
    assert "holds a real service's records" in err
    assert snapshot() == before


def test_the_demo_sets_up_an_empty_database_and_keeps_it_on_a_second_run(capsys):
    code, out, _ = run(capsys, "demo", "--children", "30", "--seed", "5")
    assert code == 0
    assert installation.is_demo() and Installation.objects.get().set_by == "visible demo"
    # The 30 children asked for, and the one the arrival checklist's demo brings into care now.
    assert Child.objects.count() == 31 and "Arrival checklist:" in out
    assert f"password for all: {DEMO_PASSWORD}" in out and out.count("setup key:") == len(
        DEMO_USERS
    )
    code, out, _ = run(capsys, "demo", "--children", "30")
    assert code == 0 and "Keeping the existing register (31 children)" in out
    assert Child.objects.count() == 31


def test_a_real_service_refuses_a_demo_database():
    installation.mark_demo("visible demo")
    before = snapshot()
    with pytest.raises(installation.DemoDatabase, match="this database is a demo"):
        installation.require_production()
    with pytest.raises(installation.DemoDatabase):
        installation.mark_production("visible setup")
    assert snapshot() == before


def test_a_real_service_marks_an_empty_database_or_its_own_records(sw_a):
    installation.require_production()  # records with no mark: an existing service's
    marked = installation.mark_production("visible setup")
    assert marked.mode == InstallationMode.PRODUCTION and not installation.is_demo()
    assert installation.mark_production("visible setup again").set_at == marked.set_at
    with pytest.raises(installation.NotADemoDatabase):
        installation.mark_demo("visible demo")


def test_only_one_installation_row_can_exist():
    installation.mark_demo("visible demo")
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017  (the database refuses)
        Installation.objects.create(
            id=2, mode="production", set_at=Installation.objects.get().set_at
        )
    assert Installation.objects.count() == 1


def test_serve_prints_the_demo_logins_only_on_a_demo_database(monkeypatch, capsys):
    served = []
    # Not a real server: `visible serve` would become gunicorn (exec), replacing this process.
    monkeypatch.setattr(
        "visible.cli._exec_gunicorn", lambda args: served.append((args.host, args.port)) or 0
    )
    create_demo_users()  # users with the demo password, but the database is not a demo
    code, out, _ = run(capsys, "serve", "--port", "8123")
    assert code == 0 and served == [("127.0.0.1", 8123)]
    assert "Visible is running at http://127.0.0.1:8123/" in out
    assert DEMO_PASSWORD not in out and "setup key" not in out
    assert not any(d.username in out for d in DEMO_USERS)

    installation.mark_production("visible setup")
    _, out, _ = run(capsys, "serve")
    assert DEMO_PASSWORD not in out and "setup key" not in out

    Installation.objects.update(mode=InstallationMode.DEMO)  # the same users, on a demo
    _, out, _ = run(capsys, "serve")
    assert f"password for all: {DEMO_PASSWORD}" in out and out.count("setup key:") == len(
        DEMO_USERS
    )


# The migration that brought the mark in marks a database an earlier `visible demo` made.
def mark_earlier_demos():
    module = __import__(
        "visible.agencies.migrations.0003_installation", fromlist=["mark_earlier_demos"]
    )
    module.mark_earlier_demos(apps, None)


def test_the_migration_marks_a_database_an_earlier_demo_made():
    create_demo_users()
    # An earlier demo had the users the migration knows (later demos added more).
    known = __import__(
        "visible.agencies.migrations.0003_installation", fromlist=["DEMO_USERNAMES"]
    ).DEMO_USERNAMES
    get_user_model().objects.exclude(username__in=known).delete()
    mark_earlier_demos()
    assert installation.is_demo()


def test_the_migration_leaves_any_other_database_unmarked(sw_a):
    mark_earlier_demos()  # a user of a real service
    assert installation.current() is None
    create_demo_users()  # demo users alongside a real one
    mark_earlier_demos()
    assert installation.current() is None


def test_the_migration_leaves_demo_usernames_with_other_passwords_unmarked():
    create_demo_users()
    user = get_user_model().objects.get(username=DEMO_USERS[0].username)
    user.set_password(PASSWORD)
    user.save()
    mark_earlier_demos()
    assert installation.current() is None


def test_the_migration_leaves_an_empty_database_unmarked():
    mark_earlier_demos()
    assert installation.current() is None


def test_generate_on_a_database_not_yet_set_up_says_what_to_run(capsys, monkeypatch):
    monkeypatch.setattr(installation, "_tables", set)  # as before `visible manage migrate`
    code, _, err = run(capsys, *GENERATE)
    assert code == 2 and "run `visible manage migrate` and `visible reference load` first" in err
    assert not Child.objects.exists()
