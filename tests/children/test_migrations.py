"""The migrations that make the database hold "one open flag of a kind per child" and "one child
per Home Office or NRM reference in an organisation", run over data recorded before them: open
duplicate flags are ended (kept, audited, never deleted); duplicate references stop the
migration with a list to put right, having changed nothing."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from visible.audit.log import verify
from visible.audit.models import AuditEvent

BEFORE = [("children", "0003_guardianassignment_organisation")]
BEFORE_CONSTRAINTS = [("children", "0004_end_duplicate_open_flags")]
AFTER = [("children", "0005_one_open_flag_and_unique_references")]
migrations_run = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest():
    """Every app at its newest migration again afterwards (migrations after AFTER included), so
    the tests that run next in this process find the schema the code expects."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _child(apps, organisation_id: int, **fields):
    Child = apps.get_model("children", "Child")
    today = timezone.localdate()
    return Child.objects.create(
        responsible_organisation_id=organisation_id,
        given_names="Synthetic",
        family_name="Child",
        date_of_birth=today - dt.timedelta(days=16 * 365),
        dob_basis="claimed",
        sex="M",
        nationality="ERI",
        looked_after_from=today - dt.timedelta(days=300),
        **fields,
    )


def _flag(apps, child, kind: str, start: dt.date, evidence: str, end: dt.date | None = None):
    Flag = apps.get_model("children", "Flag")
    return Flag.objects.create(
        child_id=child.pk,
        kind=kind,
        start_date=start,
        end_date=end,
        evidence=evidence,
        recorded_by_name="sw.a",
        recorded_at=timezone.now(),
    )


@migrations_run
def test_duplicate_open_flags_are_ended_kept_and_audited_and_the_earliest_stays_open(council_a):
    apps = migrate(BEFORE)
    today = timezone.localdate()
    child = _child(apps, council_a.pk)
    other = _child(apps, council_a.pk)
    later = _flag(
        apps, child, "uasc", today - dt.timedelta(days=10), "Second statement (synthetic)"
    )
    earliest = _flag(
        apps, child, "uasc", today - dt.timedelta(days=20), "Arrived alone (synthetic)"
    )
    same_day = _flag(
        apps, child, "uasc", today - dt.timedelta(days=10), "Third statement (synthetic)"
    )
    ended_before = _flag(
        apps,
        child,
        "uasc",
        today - dt.timedelta(days=90),
        "An earlier period",
        end=today - dt.timedelta(days=60),
    )
    single = _flag(apps, child, "cse", today - dt.timedelta(days=5), "Referral (synthetic)")
    others = _flag(apps, other, "uasc", today - dt.timedelta(days=3), "Another child (synthetic)")
    version_before = child.version
    events_before = AuditEvent.objects.count()

    apps = migrate(AFTER)
    Flag, Child = apps.get_model("children", "Flag"), apps.get_model("children", "Child")
    flags = {f.pk: f for f in Flag.objects.all()}
    assert len(flags) == 6  # nothing deleted
    assert [
        f.pk
        for f in flags.values()
        if f.child_id == child.pk and f.kind == "uasc" and f.end_date is None
    ] == [earliest.pk]
    for duplicate in (later, same_day):
        ended = flags[duplicate.pk]
        assert (
            ended.end_date == duplicate.start_date
        )  # a day the kept flag covers: no count changes
        assert ended.end_reason.startswith(f"Duplicate of flag {earliest.pk} (open from ")
        assert ended.ended_by_name == "<migration children.0004>"
        assert ended.evidence == duplicate.evidence
    assert flags[ended_before.pk].end_reason == "" and flags[single.pk].end_date is None
    assert flags[others.pk].end_date is None
    assert Child.objects.get(pk=child.pk).version == version_before + 1

    events = AuditEvent.objects.order_by("seq")[events_before:]
    assert sorted(int(e.object_id) for e in events) == sorted([later.pk, same_day.pk])
    assert {(e.action, e.object_type, e.child_id, e.actor_username) for e in events} == {
        ("end", "flag", child.pk, "<migration children.0004>")
    }
    assert verify().broken is None  # the events joined the hash chain as the log's own writer would


@migrations_run
def test_duplicate_references_stop_the_migration_with_a_list_and_change_nothing(council_a):
    refusal = importlib.import_module(
        f"visible.children.migrations.{AFTER[0][1]}"
    ).DuplicateReferences
    apps = migrate(BEFORE_CONSTRAINTS)
    first = _child(apps, council_a.pk, home_office_ref="HO-123")
    second = _child(apps, council_a.pk, home_office_ref="HO-123")
    with pytest.raises(refusal, match="Home Office reference 'HO-123' on children") as refused:
        migrate(AFTER)
    assert f"{first.pk}, {second.pk}" in str(refused.value)
    assert "correct or clear the reference" in str(refused.value)

    apps = migrate(BEFORE_CONSTRAINTS)  # still here, nothing changed
    apps.get_model("children", "Child").objects.filter(pk=second.pk).update(
        home_office_ref="HO-124"
    )
    migrate(AFTER)
