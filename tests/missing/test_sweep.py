"""The national sweep: the same alerts, raised and closed, as sweep_child on every child, at
any moment; nothing new on a second run; closing and reopening as conditions change; and
`visible sweep` on the command line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from django.db import transaction
from django.utils import timezone

from visible.audit.log import verify
from visible.audit.models import AuditEvent
from visible.children.models import Child, Flag, NrmReferral
from visible.cli import main
from visible.demo.synthetic.generate import generate
from visible.missing import actions
from visible.missing.facts import facts_for
from visible.missing.models import Alert, AuthorityRiskSettings, Episode, LogEntry, ReturnInterview
from visible.missing.sweep import _load_facts, sweep_all

CROYDON, KENT = "E09000008", "E10000016"
RUN = dict(authorities=[CROYDON, KENT], national=False, children=400, seed=41, episodes_per_child=3)
NOW = timezone.now()
TODAY = timezone.localdate(NOW)  # the day in London: the register's dates are UK calendar days
AWAITED_NRM = "NRM-AWAITED-SIX-WEEKS"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def register(django_db_setup, django_db_blocker):
    """A generated register with the awkward cases the sweep must get right added by hand;
    made once for the module and rolled back after it."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            generate(progress=False, as_at=NOW, **RUN)  # drawn as at the moment the tests sweep
            _add_awkward_cases()
            yield
            transaction.set_rollback(True)


def _add_awkward_cases() -> None:
    rng = random.Random(7)
    episodes = list(Episode.objects.order_by("pk"))
    # Forbidden labels in a log entry and in the circumstances (and one 'wanted' that is the verb).
    first, second, third = rng.sample(episodes, 3)
    LogEntry.objects.create(
        episode=first,
        kind="note",
        occurred_at=first.last_seen_at,
        text="Police recorded him as an absconder",
        by_name="test",
        by_organisation="test",
    )
    Episode.objects.filter(pk=second.pk).update(
        circumstances="Listed as wanted by police after leaving"
    )
    LogEntry.objects.create(
        episode=third,
        kind="note",
        occurred_at=third.last_seen_at,
        text="She wanted to see her brother",
        by_name="test",
        by_organisation="test",
    )
    # A manual alert and R-EARLY's alert (stored by grading): a sweep raises neither, and
    # leaves both for a person to resolve.
    child = first.child
    # A reasonable grounds decision awaited for six weeks, whatever the generator drew (its
    # referrals are drawn relative to today, so on some days none is overdue).
    NrmReferral.objects.create(
        child=second.child,
        referred_on=TODAY - dt.timedelta(days=42),
        first_responder="Croydon children's services (synthetic)",
        first_responder_kind="local_authority",
        reference=AWAITED_NRM,
    )
    Alert.objects.create(
        organisation=child.responsible_organisation,
        child=child,
        code="manual",
        key=f"manual/{child.pk}/1",
        text="Check in with the school",
        source="manual",
        due_at=NOW,
        raised_at=NOW,
    )
    Alert.objects.create(
        organisation=child.responsible_organisation,
        child=child,
        episode=first,
        code="potential_trafficking_victim",
        key=f"{child.pk}/potential_trafficking_victim/{first.pk}",
        text="Potential trafficking victim",
        source="DfE 2014",
        due_at=NOW,
        raised_at=NOW,
    )
    # Kent keeps its own clocks: a longer return interview window, a later police report, a
    # longer wait for an NRM decision.
    kent = (
        Child.objects.filter(responsible_organisation__authority__code=KENT)
        .first()
        .responsible_organisation
    )
    AuthorityRiskSettings.objects.create(
        organisation=kent,
        values={
            "return_interview_hours": 120,
            "police_report_within_hours": 4,
            "rg_decision_working_days": 10,
        },
    )
    # NRM referrals waiting for their reasonable grounds decision: long overdue, brand new, and
    # around the five working days, so that sweeps a day or two apart fall either side.
    ages = (30, 2, 5, 6, 7, 8, 9, 10, 12)
    referred = Child.objects.filter(
        nrm_referrals__isnull=True, looked_after_from__lt=TODAY - dt.timedelta(days=31)
    )
    for child, days in zip(referred.order_by("pk")[: len(ages)], ages, strict=True):
        NrmReferral.objects.create(
            child=child,
            referred_on=TODAY - dt.timedelta(days=days),
            first_responder="Test",
            first_responder_kind="local_authority",
        )
    for child, days in zip(
        referred.filter(responsible_organisation=kent).order_by("-pk")[:3],
        (11, 12, 13),
        strict=True,
    ):
        NrmReferral.objects.create(
            child=child,
            referred_on=TODAY - dt.timedelta(days=days),
            first_responder="Test",
            first_responder_kind="local_authority",
        )
    # A Kent child back four days ago with no interview: overdue under the default 72 hours,
    # not yet under Kent's 120.
    quiet = (
        Child.objects.filter(
            responsible_organisation=kent,
            episodes__isnull=True,
            looked_after_from__lt=TODAY - dt.timedelta(days=10),
        )
        .order_by("pk")
        .first()
    )
    Episode.objects.create(
        child=quiet,
        category="M",
        last_seen_at=NOW - dt.timedelta(hours=110),
        last_seen_place="Station",
        reported_by_name="Carer (synthetic)",
        reported_by_role="carer",
        reported_at=NOW - dt.timedelta(hours=109),
        returned_at=NOW - dt.timedelta(hours=96),
        found_by="self",
    )


def alert_state() -> list[tuple]:
    return sorted(
        Alert.objects.values_list(
            "key",
            "code",
            "child_id",
            "organisation_id",
            "episode_id",
            "text",
            "source",
            "due_at",
            "raised_at",
            "resolved_at",
            "resolved_by_name",
            "resolution",
            "acknowledged_at",
        )
    )


def audit_since(seq: int) -> list[tuple]:
    """The sweep's audit events after `seq`, without their times and place in the chain."""
    return sorted(
        AuditEvent.objects.filter(seq__gt=seq).values_list(
            "child_id", "actor_username", "action", "object_type", "summary", "detail"
        )
    )


def sweep_every_child(at: dt.datetime) -> tuple[list[tuple], list[tuple]]:
    """What sweep_child on every child leaves behind (alerts, audit events), undone afterwards."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    with transaction.atomic():
        for child in Child.objects.select_related("responsible_organisation__authority"):
            actions.sweep_child(child, at)
        expected = alert_state(), audit_since(last)
        transaction.set_rollback(True)
    return expected


def assert_same_as_sweep_child(at: dt.datetime):
    expected_alerts, expected_audit = sweep_every_child(at)
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    summary = sweep_all(at)
    assert alert_state() == expected_alerts
    assert audit_since(last) == expected_audit
    assert verify().ok
    return summary


def _check_first_sweep(summary) -> None:
    assert summary.alerts_raised > 50
    codes = set(Alert.objects.filter(resolved_at__isnull=True).values_list("code", flat=True))
    assert {
        "return_interview_overdue",
        "forbidden_label",
        "nrm_rg_overdue",
        "duty_to_notify",
        "long_missing",
        "manual",
        "potential_trafficking_victim",
    } <= codes


def _people_act_and_the_register_changes() -> None:
    """After the first sweep: people act on some alerts; the register changes under others."""
    open_alerts = list(
        Alert.objects.filter(resolved_at__isnull=True, code__in=actions.SWEEP_ALERT_CODES).order_by(
            "pk"
        )
    )
    for alert in open_alerts[::7]:
        alert.resolved_at, alert.resolved_by_name, alert.resolution = (
            NOW,
            "coordinator.a",
            "Done by phone",
        )
        alert.save()
    overdue = [a for a in open_alerts[1::7] if a.code == "return_interview_overdue"]
    for alert in overdue[:5]:
        episode = alert.episode
        ReturnInterview.objects.update_or_create(
            episode=episode,
            defaults={"offered_at": episode.returned_at, "outcome": "declined", "done_at": None},
        )
    for referral in NrmReferral.objects.filter(rg_decision="pending")[:3]:
        referral.rg_decision, referral.rg_decided_on = "positive", TODAY
        referral.save()
    for episode in Episode.objects.filter(returned_at__isnull=True)[:3]:
        Episode.objects.filter(pk=episode.pk).update(
            returned_at=NOW - dt.timedelta(hours=1), found_by="self"
        )
    # Ended yesterday: flags that began before today (one that began today cannot have).
    for flag in Flag.objects.filter(
        kind="trafficked_suspected", end_date__isnull=True, start_date__lt=TODAY
    ).order_by("pk")[:3]:
        Flag.objects.filter(pk=flag.pk).update(
            end_date=TODAY - dt.timedelta(days=1), end_reason="Test"
        )
    LogEntry.objects.filter(text__contains="absconder").delete()


def _closes_some(summary) -> None:
    assert summary.alerts_closed > 0


# The sweeps, in order, that sweep_all must match sweep_child on every child at: (id, moment,
# what the sweep's summary must show). The first runs on the register as generated; people
# act after it; then two hours on, days on (more interviews and NRM decisions fall due, Kent's
# interviews later than the rest, birthdays pass), and back in time, a little and a lot (what
# was not yet due closes, and reopens after).
SWEEPS = [
    ("now", dt.timedelta(0), _check_first_sweep),
    ("2-hours-on", dt.timedelta(hours=2), _closes_some),
    ("4-days-on", dt.timedelta(days=4), None),
    ("6-days-on", dt.timedelta(days=6), None),
    ("back-to-1-hour-on", dt.timedelta(hours=1), _closes_some),
    ("back-to-2-days-ago", -dt.timedelta(days=2), None),
    ("back-to-20-days-ago", -dt.timedelta(days=20), _closes_some),
    ("3-hours-on", dt.timedelta(hours=3), None),
]


@pytest.mark.parametrize("step", range(len(SWEEPS)), ids=[name for name, _, _ in SWEEPS])
def test_sweep_all_leaves_exactly_what_sweep_child_on_every_child_leaves(register, step):
    """One sweep of the sequence checked against the oracle (sweep_child on every child), so
    that xdist can spread the sequence over its workers. The sweeps before it are replayed
    with sweep_all alone: the state each leaves is what the test of that sweep checked, and
    neither the oracle nor the checks change the register (the oracle is rolled back)."""
    for index, (_, offset, check) in enumerate(SWEEPS[: step + 1]):
        if index < step:
            sweep_all(NOW + offset)
        else:
            summary = assert_same_as_sweep_child(NOW + offset)
            if check is not None:
                check(summary)
        if index == 0:
            _people_act_and_the_register_changes()


def _comparable(facts) -> dict:
    """ChildFacts with its collections in a fixed order (the engine sorts them itself)."""
    values = dataclasses.asdict(facts)
    for name in ("flags", "placements", "nrm_referrals"):
        values[name] = sorted(map(repr, values[name]))
    values["episodes"] = sorted(
        repr({**e, "notes": sorted(e["notes"])}) for e in values["episodes"]
    )
    return values


def test_facts_read_in_bulk_are_those_facts_for_reads(register):
    at = NOW + dt.timedelta(hours=1)
    children = list(
        Child.objects.select_related("responsible_organisation__authority").order_by("pk")
    )
    bulk, organisations = _load_facts([c.pk for c in children], at)
    for child in children:
        assert _comparable(bulk[child.pk]) == _comparable(facts_for(child, at)), child.pk
        assert organisations[child.pk] == child.responsible_organisation_id


def test_a_second_sweep_raises_and_closes_nothing(register):
    first = sweep_all(NOW)
    state = alert_state()
    again = sweep_all(NOW)
    assert (again.alerts_raised, again.alerts_closed) == (0, 0)
    assert alert_state() == state
    # And it looks at fewer children: lasting conditions whose alerts are on record (overdue
    # interviews, the Duty to Notify, long-overdue NRM decisions) need no engine run; children
    # missing now, waiting for an NRM decision or with a label in their notes still do.
    assert again.children_checked < first.children_checked
    still_looked_at = (
        set(Episode.objects.filter(returned_at__isnull=True).values_list("child_id", flat=True))
        | set(NrmReferral.objects.filter(rg_decision="pending").values_list("child_id", flat=True))
        | set(
            Episode.objects.filter(circumstances__icontains="wanted").values_list(
                "child_id", flat=True
            )
        )
        | set(
            LogEntry.objects.filter(text__icontains="abscond").values_list(
                "episode__child_id", flat=True
            )
        )
        | set(
            LogEntry.objects.filter(text__icontains="wanted").values_list(
                "episode__child_id", flat=True
            )
        )
    )
    assert again.children_checked <= len(still_looked_at)


def test_alerts_close_when_the_condition_goes_and_reopen_when_it_returns(register):
    sweep_all(NOW)
    alert = Alert.objects.filter(code="return_interview_overdue", resolved_at__isnull=True).first()
    episode = alert.episode
    interview, _ = ReturnInterview.objects.update_or_create(
        episode=episode,
        defaults={
            "offered_at": episode.returned_at + dt.timedelta(hours=1),
            "outcome": "done",
            "done_at": episode.returned_at + dt.timedelta(hours=30),
            "interviewer_name": "Independent worker (synthetic)",
            "independent": True,
        },
    )
    summary = sweep_all(NOW)
    alert.refresh_from_db()
    assert summary.alerts_closed >= 1
    assert alert.resolved_at == NOW and alert.resolved_by_name == actions.AUTO_RESOLVER
    assert "no longer holds" in alert.resolution

    interview.delete()  # recorded against the wrong episode
    summary = sweep_all(NOW + dt.timedelta(minutes=5))
    alert.refresh_from_db()
    assert summary.alerts_raised >= 1 and alert.resolved_at is None and alert.resolved_by_name == ""

    # An alert a person resolved stays resolved while its condition holds.
    alert.resolved_at, alert.resolved_by_name, alert.resolution = (
        NOW,
        "coordinator.a",
        "Chased the service",
    )
    alert.save()
    sweep_all(NOW + dt.timedelta(minutes=10))
    alert.refresh_from_db()
    assert alert.resolved_by_name == "coordinator.a"

    referral = NrmReferral.objects.get(reference=AWAITED_NRM)
    nrm = Alert.objects.get(
        code="nrm_rg_overdue", child=referral.child, key__endswith=referral.referred_on.isoformat()
    )
    assert nrm.resolved_at is None
    referral.rg_decision, referral.rg_decided_on = "negative", TODAY
    referral.save()
    sweep_all(NOW + dt.timedelta(minutes=15))
    nrm.refresh_from_db()
    assert nrm.resolved_by_name == actions.AUTO_RESOLVER


def test_an_empty_register_sweeps_to_nothing(db):
    Child.objects.all().delete()  # if this module's register is in place (undone after the test)
    summary = sweep_all()
    assert (summary.children_checked, summary.alerts_raised, summary.alerts_closed) == (0, 0, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        sweep_all(dt.datetime(2026, 1, 1, 12))


def test_cli_sweep(register, capsys):
    assert main(["sweep", "--quiet"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 3 and out[0].startswith("Swept:") and "children checked" in out[0]
    assert out[1].startswith("Transfers:")  # the National Transfer Scheme's clocks, swept too
    assert out[2].startswith(
        "Audit chain head anchored: event #"
    )  # the sweep anchors the chain when it finishes
    assert Alert.objects.filter(resolved_at__isnull=True).exists()
