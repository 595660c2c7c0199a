"""Is this database a demo or a real service? The guard between the two.

The demo (`visible demo`) and the synthetic register generator (`visible generate`) write
thousands of made-up children, users with a published password and second-factor keys printed
on screen. They must never run over real children's records, and a real service's set-up must
never adopt a demo's users. The database therefore records what it is, once, in its
`Installation` row:

- `mark_demo()`: `visible demo` and `visible generate` call it before writing anything. On an
  empty database it records the demo; on a demo it goes on; on a database holding real records
  (marked production, or holding users, children or organisations with no mark at all) it
  refuses with `NotADemoDatabase`, having changed nothing.
- `require_production()` and `mark_production()`: for the service's own set-up, which refuses
  a demo database (`DemoDatabase`) the same way.
- `is_demo()`: for whatever shows demo-only things, such as the demo's logins `visible serve`
  prints.

"Empty" means what a freshly migrated database holds: the reference data (authorities, and the
police forces loaded with them as organisations) and the audit chain's head, nothing else.

The refusals are ValueErrors, so the command line reports them in one line with exit code 2.
Everything here copes with a database not yet migrated (no tables), so `visible demo` can ask
before it migrates.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from visible.agencies.models import Installation, InstallationMode, Organisation, OrganisationKind
from visible.children.models import Child


class NotADemoDatabase(ValueError):
    """The demo or the generator was asked to write into a database holding real records."""


class DemoDatabase(ValueError):
    """A real service's set-up was asked to run over a demo database."""


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def can_record() -> bool:
    """Whether the database is migrated far enough to record its mode. (Migrating a database
    made by an earlier `visible demo` marks it as the demo: agencies migration 0003.)"""
    return Installation._meta.db_table in _tables()


def _require_migrated() -> None:
    if not can_record():
        raise ValueError(
            "this database is not set up yet: run `visible manage migrate` and "
            "`visible reference load` first (or `visible demo`, which does both)"
        )


def current() -> Installation | None:
    """The database's Installation row, or None if nothing has recorded a mode yet (or the
    database is not migrated)."""
    if not can_record():
        return None
    return Installation.objects.filter(pk=1).first()


def is_demo() -> bool:
    """True only on a database recorded as the demo's."""
    found = current()
    return found is not None and found.mode == InstallationMode.DEMO


def records_held() -> dict[str, int]:
    """What the database holds beyond an empty one's reference data: users, children, and
    organisations other than the police forces loaded with the reference data. Only the
    kinds that hold any are listed; an empty dict means an empty database."""
    tables = _tables()
    counts = {
        "users": (get_user_model().objects, get_user_model()._meta.db_table),
        "children": (Child.objects, Child._meta.db_table),
        "organisations": (
            Organisation.objects.exclude(kind=OrganisationKind.POLICE),
            Organisation._meta.db_table,
        ),
    }
    held = {}
    for what, (query, table) in counts.items():
        if table in tables:
            count = query.count()
            if count:
                held[what] = count
    return held


def _describe(held: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {what}" for what, count in held.items())


def refuse_unless_demo_or_empty() -> None:
    """Raise NotADemoDatabase unless the database is the demo's or empty. Changes nothing."""
    found = current()
    if found is not None and found.mode == InstallationMode.DEMO:
        return
    if found is not None:
        raise NotADemoDatabase(
            f"this database holds a real service's records (marked {found.mode} on "
            f"{timezone.localtime(found.set_at):%d/%m/%Y} by {found.set_by or 'its set-up'}): "
            "the demo's synthetic children and published logins never go into it. "
            "Point DATABASE_URL at an empty database for the demo"
        )
    held = records_held()
    if held:
        raise NotADemoDatabase(
            f"this database already holds records ({_describe(held)}) and is not marked as a "
            "demo, so they may be real: the demo and the generator write only to an empty "
            "database or to one `visible demo` made. Point DATABASE_URL at an empty database "
            "(or, if this is an old demo of your own, delete it and run `visible demo` again)"
        )


def mark_demo(by: str, at: dt.datetime | None = None) -> Installation:
    """Record that this (migrated) database is a demo, when it is empty or a demo already;
    otherwise raise NotADemoDatabase and change nothing. `by` names the command; `at` is when
    (default now). Keeps the first time it was marked."""
    _require_migrated()
    with transaction.atomic():
        refuse_unless_demo_or_empty()
        installation, _ = Installation.objects.select_for_update().get_or_create(
            pk=1,
            defaults={"mode": InstallationMode.DEMO, "set_at": at or timezone.now(), "set_by": by},
        )
        if installation.mode != InstallationMode.DEMO:  # marked by another process meanwhile
            raise NotADemoDatabase(f"this database was marked {installation.mode} meanwhile")
    return installation


def require_production() -> None:
    """Raise DemoDatabase if the database is the demo's: a real service's set-up never runs
    over synthetic children and users whose password is published. Changes nothing."""
    found = current()
    if found is not None and found.mode == InstallationMode.DEMO:
        raise DemoDatabase(
            f"this database is a demo (marked on {timezone.localtime(found.set_at):%d/%m/%Y} "
            f"by {found.set_by or 'the demo'}): its children are synthetic and its logins "
            "published. Set up the service on a new, empty database"
        )


def mark_production(by: str, at: dt.datetime | None = None) -> Installation:
    """Record that this (migrated) database holds a real service's records, unless it is a
    demo (DemoDatabase, nothing changed). From then on the demo and the generator refuse it.
    Keeps the first time it was marked."""
    _require_migrated()
    with transaction.atomic():
        require_production()
        installation, _ = Installation.objects.select_for_update().get_or_create(
            pk=1,
            defaults={
                "mode": InstallationMode.PRODUCTION,
                "set_at": at or timezone.now(),
                "set_by": by,
            },
        )
        if installation.mode != InstallationMode.PRODUCTION:
            raise DemoDatabase(f"this database was marked {installation.mode} meanwhile")
    return installation
