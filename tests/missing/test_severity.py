"""Severity and acknowledgement deadlines (missing/severity.py, docs/alerts.md): every kind of
alert Visible raises has a level and a reason for it; the deadline is counted from when the
alert was raised; an authority's own deadlines stay within the national limits; the stored
alerts get theirs when raised, by every way of raising one, and the migration gave the alerts
already stored the same."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import as_viewer, report_missing
from visible.missing import actions, severity
from visible.missing.inputs import ReturnInput
from visible.missing.models import Alert
from visible.missing.severity import Severity
from visible.risk import ALERT_RULES

SRC = Path(__file__).resolve().parents[2] / "src" / "visible"
RAISED = dt.datetime(2026, 3, 3, 14, 5, tzinfo=dt.UTC)


def _codes_raised_outside_the_engine() -> set[str]:
    """Alert codes the sharing and missing actions pass when they store an alert themselves."""
    found = set()
    for path in (SRC / "sharing" / "actions.py", SRC / "missing" / "actions.py"):
        text = path.read_text()
        found |= set(re.findall(r'^\s+"([a-z_0-9]+)",\n\s+f"\{[a-z.]+\}/\1/', text, re.M))
    found.add(severity.HIGH_RISK_MISSING)
    found.add("break_glass_by_staff")  # sharing.actions.STAFF_BREAK_GLASS
    return found


def test_every_kind_of_alert_visible_raises_has_a_level_and_a_reason():
    outside = _codes_raised_outside_the_engine()
    assert {"placed_in_your_area", "break_glass", "transferred_in"} <= outside
    for code in set(ALERT_RULES) | outside:
        assert code in severity.KINDS, f"{code} has no severity: add it to missing/severity.py"
        kind = severity.KINDS[code]
        assert kind.why and kind.label, code


def test_the_scale_and_its_deadlines():
    assert severity.severity_of("high_risk_missing") == Severity.CRITICAL
    assert severity.severity_of("no_police_report") == Severity.CRITICAL
    assert severity.severity_of("long_missing") == Severity.HIGH
    assert severity.severity_of("return_interview_overdue") == Severity.MEDIUM
    assert severity.severity_of("nrm_rg_overdue") == Severity.LOW
    # The figure: a high-risk child missing is acknowledged within 15 minutes.
    assert severity.acknowledge_by("high_risk_missing", RAISED) == RAISED + dt.timedelta(minutes=15)
    assert severity.acknowledge_by("long_missing", RAISED) == RAISED + dt.timedelta(hours=1)
    assert severity.acknowledge_by("duty_to_notify", RAISED) == RAISED + dt.timedelta(days=1)
    assert severity.acknowledge_by("forbidden_label", RAISED) == RAISED + dt.timedelta(days=7)
    # A kind Visible does not know is medium: neither lost nor shouted.
    assert severity.severity_of("manual") == Severity.MEDIUM
    assert severity.label_of("manual") == "Manual"
    assert [s.label for s in sorted(Severity)] == ["Critical", "High", "Medium", "Low"]
    assert Severity.parse("critical") is Severity.CRITICAL and Severity.parse(4) is Severity.LOW
    with pytest.raises(ValueError, match="Unknown alert severity 'urgent'"):
        Severity.parse("urgent")


def test_an_authority_may_shorten_a_deadline_but_never_lengthen_it_past_the_national_floor():
    own = severity.deadlines({"critical": 10, "medium": 4 * 60})
    assert own[Severity.CRITICAL] == dt.timedelta(minutes=10)
    assert own[Severity.MEDIUM] == dt.timedelta(hours=4)
    assert own[Severity.HIGH] == dt.timedelta(hours=1)  # the national default, untouched
    assert severity.acknowledge_by("high_risk_missing", RAISED, {"critical": 10}) == (
        RAISED + dt.timedelta(minutes=10)
    )
    with pytest.raises(ValueError) as refused:
        severity.deadlines({"critical": 30, "low": 2, "urgent": 5, "high": "an hour"})
    message = str(refused.value)
    assert (
        "critical: 30 minutes is longer than the national deadline of 15 minutes: "
        "an authority may shorten it, never lengthen it"
    ) in message
    assert "low: 2 minutes is shorter than the shortest allowed, 1 day (1440 minutes)" in message
    assert "Unknown alert severity 'urgent'" in message
    assert "high: the deadline must be a whole number of minutes" in message
    # The national deadline is the most an authority may set: an hour and a minute is too long.
    with pytest.raises(
        ValueError, match="high: 61 minutes is longer than the national deadline of 1 hour"
    ):
        severity.deadlines({"high": 61})
    assert severity.deadlines({"high": 60})[Severity.HIGH] == dt.timedelta(hours=1)
    with pytest.raises(
        ValueError, match="critical: the deadline must be a whole number of minutes, 1 or more"
    ):
        severity.deadlines({"critical": 0})
    assert severity.describe(dt.timedelta(minutes=15)) == "15 minutes"
    assert severity.describe(dt.timedelta(days=7)) == "7 days"


def test_the_migration_backfills_as_the_module_raises():
    """The migration keeps its own copy of the table (a migration must give the same result
    whenever it runs); today the two agree."""
    migration = importlib.import_module(
        "visible.missing.migrations.0002_alert_severity_and_deadline"
    )
    assert migration.SEVERITY == {code: k.severity.value for code, k in severity.KINDS.items()}
    assert {level: migration.DEADLINE[level.value] for level in Severity} == {
        level: d.default for level, d in severity.DEADLINES.items()
    }
    assert migration.UNKNOWN == severity.UNKNOWN.value


# --- stored alerts ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_high_risk_child_reported_missing_raises_a_critical_alert_closed_when_they_come_back(
    sw_a, uasc_child
):
    episode, grading = report_missing(sw_a, uasc_child, hours_ago=0.5)
    assert grading.grade == "high"
    alert = Alert.objects.get(child=uasc_child, code="high_risk_missing")
    assert alert.level is Severity.CRITICAL and alert.episode == episode
    assert alert.acknowledge_by - alert.raised_at == dt.timedelta(minutes=15)
    assert "graded high risk" in alert.text and uasc_child.family_name not in alert.text
    # Reported again at the same grade (a second grading): still one alert for the episode.
    actions.grade_episode(as_viewer(sw_a), episode, "high", "")
    assert Alert.objects.filter(child=uasc_child, code="high_risk_missing").count() == 1
    actions.record_return(
        as_viewer(sw_a),
        episode,
        ReturnInput(returned_at=timezone.now() - dt.timedelta(minutes=5), found_by="self"),
    )
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_by_name == actions.AUTO_RESOLVER
    assert alert.resolution == "Closed automatically: the child came back"


@pytest.mark.django_db
def test_a_child_graded_up_to_high_while_missing_raises_it_then(sw_a, make_child):
    child = make_child(sw_a, nationality="GBR")
    episode, grading = report_missing(sw_a, child, hours_ago=0.5)
    assert grading.grade == "medium"
    assert not Alert.objects.filter(child=child, code="high_risk_missing").exists()
    actions.grade_episode(as_viewer(sw_a), episode, "high", "")
    assert Alert.objects.get(child=child, code="high_risk_missing").level is Severity.CRITICAL


@pytest.mark.django_db
def test_alerts_stored_every_way_get_their_level_and_deadline(sw_a, uasc_child):
    """Through save() (the actions, sharing's notices) and through bulk_create (the national
    sweep), the level and the deadline come from the kind and the moment it was raised."""
    from visible.missing.sweep import sweep_all

    report_missing(sw_a, uasc_child, hours_ago=3)  # police not told: no_police_report
    stored = Alert.objects.get(child=uasc_child, code="no_police_report")
    assert stored.level is Severity.CRITICAL
    assert stored.acknowledge_by == stored.raised_at + dt.timedelta(minutes=15)
    # The sweep, a day on, raises the long-missing alert a week in, in bulk.
    later = timezone.now() + dt.timedelta(days=8)
    sweep_all(later)
    swept = Alert.objects.get(child=uasc_child, code="long_missing")
    assert swept.level is Severity.HIGH and swept.raised_at == later
    assert swept.acknowledge_by == later + dt.timedelta(hours=1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_gives_the_alerts_already_stored_their_level_and_deadline(council_a, request):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def migrate(target):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([target])
        return executor.loader.project_state([target]).apps

    def to_the_latest():
        """Back to every app's latest migration: later migrations of missing (0004 onwards)
        must be there for the tests after this one."""
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    request.addfinalizer(to_the_latest)

    apps = migrate(("missing", "0001_initial"))
    today = timezone.localdate()
    child = apps.get_model("children", "Child").objects.create(
        responsible_organisation_id=council_a.pk,
        given_names="Synthetic",
        family_name="Child",
        date_of_birth=today - dt.timedelta(days=16 * 365),
        dob_basis="claimed",
        sex="M",
        nationality="ERI",
        looked_after_from=today - dt.timedelta(days=300),
    )
    old = apps.get_model("missing", "Alert")
    for code in ("nrm_rg_overdue", "no_police_report", "placed_in_your_area", "manual"):
        old.objects.create(
            organisation_id=council_a.pk,
            child_id=child.pk,
            code=code,
            key=f"{child.pk}/{code}",
            text="Synthetic",
            source="test",
            due_at=RAISED - dt.timedelta(days=400),
            raised_at=RAISED,
        )
    migrate(("missing", "0003_alert_deadline_required"))
    # then every app at its newest migration again (missing's later ones too), so that the
    # tests run after this one in the process find the schema the code expects
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    found = {
        a.code: (a.level, a.acknowledge_by - a.raised_at)
        for a in Alert.objects.filter(child_id=child.pk)
    }
    assert found == {
        "nrm_rg_overdue": (Severity.LOW, dt.timedelta(days=7)),
        "no_police_report": (Severity.CRITICAL, dt.timedelta(minutes=15)),
        "placed_in_your_area": (Severity.MEDIUM, dt.timedelta(days=1)),
        "manual": (Severity.MEDIUM, dt.timedelta(days=1)),
    }
