"""`visible setup`: a new service, from an empty production database to its first national
administrator, in one idempotent command.

1. Refuse a demo's database before touching it (installation.require_production).
2. Apply the migrations (they create the tables, the audit chain's head, the authorities and
   the police forces with their areas).
3. Refresh the reference data (`visible reference load`, and the force areas from it).
4. Mark the database as a real service's (installation.mark_production): from then on the demo
   and the generator refuse it.
5. Put the national body on Visible, and make its first national administrator
   (Role.NATIONAL_ADMIN) with a temporary password, shown once. They set up their second
   factor (an authenticator app) at their first sign-in, as everyone does: the sign-in sends
   anyone without one to the set-up page (web/security/views.py) before anything opens.

Run again, it changes nothing and says what is there. Every option is checked before anything
is written; a mistake is a ValidationError (exit 2 at the command line), a clash with what is
there already (another national body, another first administrator) a conflict (exit 1).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from visible import installation
from visible.agencies.models import InstallationMode, Membership, Role
from visible.agencies.police import set_force_areas
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.reference.load import load_authorities

from . import actions
from .actions import _conflict
from .inputs import NationalBodyInput

SET_BY = "visible setup"


@dataclass(frozen=True)
class Options:
    national_body: str = ""
    username: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass
class Done:
    """What `visible setup` did, or found already there, in lines to print; and the first
    administrator's temporary password when it made them (shown once, never stored)."""

    lines: list[str] = field(default_factory=list)
    administrator: str = ""  # the line that gives the temporary password, when one was made


def _tidy(options: Options) -> Options:
    return Options(
        national_body=" ".join(options.national_body.split()),
        username=options.username.strip(),
        email=options.email.strip(),
        first_name=" ".join(options.first_name.split()),
        last_name=" ".join(options.last_name.split()),
    )


def _check_formats(options: Options) -> None:
    problems: dict[str, list[str]] = {}
    if options.username:
        try:
            UnicodeUsernameValidator()(options.username)
        except ValidationError:
            problems["username"] = [
                f"\u2018{options.username}\u2019 is not a username Visible can use: letters, "
                "digits and . @ + - _ only, for example jo.bloggs"
            ]
        if len(options.username) > 150:
            problems["username"] = ["The username must be 150 characters or fewer"]
    if options.email:
        try:
            validate_email(options.email)
        except ValidationError:
            problems["email"] = [
                f"\u2018{options.email}\u2019 is not an email address, for example "
                "jo.bloggs@national-body.example"
            ]
    for name in ("first_name", "last_name"):
        if len(getattr(options, name)) > 150:
            problems[name] = ["Names must be 150 characters or fewer"]
    if len(options.national_body) > 200:
        problems["national_body"] = ["The national body's name must be 200 characters or fewer"]
    if problems:
        raise ValidationError(problems)


def _national_admin() -> Membership | None:
    return (
        Membership.objects.filter(role=Role.NATIONAL_ADMIN, organisation__kind="national_body")
        .select_related("user", "organisation")
        .order_by("pk")
        .first()
    )


def _check_against_database(options: Options) -> None:
    """What is missing must be given; what is given must not clash with what is there."""
    migrated = installation.can_record()
    body = actions.national_body() if migrated else None
    admin = _national_admin() if migrated else None
    missing = []
    if body is None and not options.national_body:
        missing.append("--national-body NAME (the national body's name)")
    if admin is None:
        if not options.username:
            missing.append("--admin-username USERNAME (the first national administrator's)")
        if not options.email:
            missing.append("--admin-email ADDRESS (theirs)")
    if missing:
        raise ValidationError(
            "this database has no "
            + ("national body" if body is None else "national administrator")
            + " yet: give "
            + ", ".join(missing)
        )
    if body is not None and options.national_body and options.national_body != body.name:
        raise _conflict(
            None,
            f"the national body is already set up, as \u2018{body.name}\u2019: setup makes one "
            "national body, and this is it (leave out --national-body, or give that name)",
        )
    if admin is not None and options.username and options.username != admin.user.get_username():
        raise _conflict(
            None,
            f"\u2018{admin.user.get_username()}\u2019 is already the first national administrator: "
            "setup makes the first one only; further administrators are invited from the pages",
        )
    if admin is None and migrated:
        users = get_user_model().objects
        if users.filter(username=options.username).exists():
            raise _conflict(
                None,
                f"there is already an account \u2018{options.username}\u2019: choose another "
                "username for the national administrator",
            )
        if users.filter(email__iexact=options.email).exists():
            raise _conflict(
                None,
                f"another account already has the email address {options.email}: each person "
                "has one account",
            )


def _migrations_to_apply() -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def set_up(options: Options, by: Viewer, *, now: dt.datetime | None = None) -> Done:
    """Bring the database to a running service's starting point (the module's docstring says
    the steps). `by` is the operator at the command line (policy.operator)."""
    options = _tidy(options)
    _check_formats(options)
    if installation.can_record():
        installation.require_production()  # a demo's database is refused before anything
    _check_against_database(options)
    done = Done()

    pending = _migrations_to_apply()
    call_command("migrate", interactive=False, verbosity=0)
    done.lines.append(
        f"Database: {pending} migration{'s' if pending != 1 else ''} applied."
        if pending
        else "Database: up to date, no migrations to apply."
    )
    installation.require_production()  # a database an earlier demo made is marked by now

    created, updated = load_authorities()
    areas = set_force_areas()
    done.lines.append(
        f"Reference data: {created} authorities added, {updated} updated; "
        + (
            f"{areas} police force area{'s' if areas != 1 else ''} set."
            if areas
            else "police force areas already right."
        )
    )

    at = now or timezone.now()
    with transaction.atomic():
        before = installation.current()
        marked = installation.mark_production(SET_BY, at=at)
        if before is None:
            record(
                by,
                AuditAction.CREATE,
                object_type="installation",
                object_id=marked.pk,
                summary="Marked this database as a real service's: the demo and the "
                "synthetic generators refuse it from now on",
                detail={"mode": InstallationMode.PRODUCTION, "set_by": SET_BY},
            )
            done.lines.append("Installation: marked as a real service's (production) now.")
        else:
            done.lines.append(
                f"Installation: a real service's since "
                f"{timezone.localtime(marked.set_at):%-d %B %Y} ({marked.set_by or 'its set-up'})."
            )

        body = actions.national_body()
        if body is None:
            body = actions.add_national_body(by, NationalBodyInput(name=options.national_body))
            done.lines.append(f"National body: \u2018{body.name}\u2019 put on Visible.")
        else:
            done.lines.append(f"National body: \u2018{body.name}\u2019, already on Visible.")

        admin = _national_admin()
        if admin is not None:
            user = admin.user
            done.lines.append(
                f"National administrator: \u2018{user.get_username()}\u2019 "
                f"({user.email or 'no email address'}) of {admin.organisation.name}, already "
                "there; no password shown (they can reset it by email from the sign-in page)."
            )
        else:
            password = secrets.token_urlsafe(15)
            user = get_user_model().objects.create_user(
                options.username,
                options.email,
                password,
                first_name=options.first_name,
                last_name=options.last_name,
            )
            Membership.objects.create(user=user, organisation=body, role=Role.NATIONAL_ADMIN)
            record(
                by,
                AuditAction.CREATE,
                object_type="user",
                object_id=user.pk,
                summary=(
                    f"Made the first national administrator of {body.name}, "
                    f"\u2018{user.get_username()}\u2019 ({user.email}), with a temporary password"
                ),
                detail={
                    "organisation": body.name,
                    "role": Role.NATIONAL_ADMIN,
                    "email": user.email,
                },
            )
            done.administrator = (
                f"{user.get_username()} ({body.name}): temporary password {password}"
            )
    return done
