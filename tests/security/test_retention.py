"""The retention schedule (rulebook §9): a looked-after child's record is kept until the 75th
birthday (England, Wales, Northern Ireland) or the 100th (Scotland); `visible retention report`
lists those past it, and `visible retention delete --confirm` deletes only those, in one
transaction, with an audit event per child that keeps nothing but the child's id, and the audit
chain still verifies. Every child here is synthetic and born long ago."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import as_viewer, make_council, make_user
from visible.agencies.models import Role
from visible.audit.log import verify
from visible.audit.models import AuditEvent
from visible.children import actions
from visible.children.inputs import ChildInput
from visible.children.models import AgeAssessment, Child, Flag
from visible.cli import main as visible
from visible.dates import years_before
from visible.security import retention

pytestmark = pytest.mark.django_db

AS_AT = dt.date(2031, 6, 1)
EDINBURGH = "S12000036"
CARDIFF = "W06000015"
BELFAST_TRUST = "NIHSCT-BEL"


def old_child(user, fake, dob: dt.date, **extra) -> Child:
    """A synthetic child looked after from 15, recorded back then (the clock is set to the
    time the record was made, as the register refuses a looked-after child over 25 today)."""
    looked_after_from = (
        dt.date(dob.year + 15, 1, 15) if dob.month > 1 else dt.date(dob.year + 15, 6, 1)
    )
    values = {
        "given_names": fake.first_name(),
        "family_name": fake.last_name(),
        "date_of_birth": dob,
        "dob_basis": "verified",
        "sex": "F",
        "gender": "girl",
        "nationality": "GBR",
        "first_language": "eng",
        "other_languages": [],
        "interpreter_needed": False,
        "looked_after_from": looked_after_from,
        "legal_status": "C2",
    }
    values.update(extra)
    with freeze_time(
        dt.datetime.combine(looked_after_from + dt.timedelta(days=30), dt.time(12), tzinfo=dt.UTC)
    ):
        return actions.create_child(as_viewer(user), ChildInput.from_mapping(values), [])


@pytest.fixture
def staff(council_a):
    from visible.reference.models import Authority

    assert Authority.objects.filter(code=BELFAST_TRUST).exists()
    return {
        "england": make_user("sw.croydon.r", council_a, Role.SOCIAL_WORKER),
        "scotland": make_user("sw.edinburgh", make_council(EDINBURGH), Role.SOCIAL_WORKER),
        "wales": make_user("sw.cardiff", make_council(CARDIFF), Role.SOCIAL_WORKER),
        "ni": make_user("sw.belfast", make_council(BELFAST_TRUST), Role.SOCIAL_WORKER),
    }


def test_the_rule_follows_the_nation_of_the_responsible_authority(staff, fake):
    born = dt.date(1950, 3, 10)  # 75 in 2025, 100 in 2050
    english = old_child(staff["england"], fake, born)
    welsh = old_child(staff["wales"], fake, born)
    scottish = old_child(staff["scotland"], fake, born)
    northern_irish = old_child(staff["ni"], fake, born)
    young = old_child(staff["england"], fake, dt.date(1960, 1, 1))  # 75 in 2035

    due = {d.child_id: d for d in retention.report(AS_AT).due}
    assert set(due) == {english.pk, welsh.pk, northern_irish.pk}
    assert scottish.pk not in due and young.pk not in due
    assert due[english.pk].keep_until == dt.date(2025, 3, 10)
    assert due[english.pk].rule.label == "England and Wales: until the 75th birthday"
    assert due[northern_irish.pk].rule.label == "Northern Ireland: until the 75th birthday"
    # Scotland: kept until the 100th birthday
    assert scottish.pk not in {d.child_id for d in retention.report(dt.date(2050, 3, 10)).due}
    assert scottish.pk in {d.child_id for d in retention.report(dt.date(2050, 3, 11)).due}


def test_a_record_is_kept_on_the_birthday_itself_and_due_the_day_after(staff, fake):
    child = old_child(staff["england"], fake, dt.date(1956, 5, 31))
    assert child.pk not in {d.child_id for d in retention.report(dt.date(2031, 5, 31)).due}
    assert child.pk in {d.child_id for d in retention.report(dt.date(2031, 6, 1)).due}


def test_a_leap_day_birthday_falls_on_the_first_of_march(staff, fake):
    child = old_child(staff["england"], fake, dt.date(1952, 2, 29))  # 75 in 2027, not a leap year
    assert child.pk not in {d.child_id for d in retention.report(dt.date(2027, 3, 1)).due}
    assert child.pk in {d.child_id for d in retention.report(dt.date(2027, 3, 2)).due}


def test_a_record_due_on_a_leap_day_is_reported_that_day(staff, fake):
    child = old_child(staff["england"], fake, dt.date(1953, 2, 28))  # 75 on 28 February 2028
    assert child.pk not in {d.child_id for d in retention.report(dt.date(2028, 2, 28)).due}
    assert child.pk in {d.child_id for d in retention.report(dt.date(2028, 2, 29)).due}


def test_a_disputed_age_keeps_the_record_until_the_later_date_of_birth(staff, fake):
    child = old_child(staff["england"], fake, dt.date(1950, 1, 1))
    AgeAssessment.objects.create(
        child=child,
        status="concluded",
        status_from=dt.date(1966, 3, 1),
        concluded_on=dt.date(1966, 3, 1),
        assessed_date_of_birth=dt.date(1958, 1, 1),
    )
    assert child.pk not in {d.child_id for d in retention.report(AS_AT).due}  # 75 only in 2033


def test_the_report_lists_ids_and_says_how_to_delete(staff, fake, capsys):
    child = old_child(staff["england"], fake, dt.date(1940, 7, 1), council_id="OLD-1")
    old_child(staff["scotland"], fake, dt.date(1940, 7, 1))
    assert visible(["retention", "report", "--as-at", "2031-06-01"]) == 0
    out = capsys.readouterr().out
    assert (
        "Retention schedule as at 01/06/2031: 1 child record past retention (2 old enough to check)."
        in out
    )
    assert f"{child.pk:>9}  01/07/2015  OLD-1" in out
    assert child.given_names not in out and child.family_name not in out
    assert "visible retention delete --confirm" in out
    assert AuditEvent.objects.filter(action="retention_report").count() == 1


def test_the_report_refuses_a_date_it_cannot_read(capsys):
    assert visible(["retention", "report", "--as-at", "1/6/2031"]) == 2
    assert "--as-at: '1/6/2031' is not a date; write it as YYYY-MM-DD" in capsys.readouterr().err


def test_delete_needs_confirm(staff, fake, capsys):
    old_child(staff["england"], fake, dt.date(1940, 7, 1))
    assert visible(["retention", "delete"]) == 2
    assert "deleting is permanent" in capsys.readouterr().err
    assert Child.objects.count() == 1


def test_delete_removes_only_records_past_retention_and_the_audit_chain_still_verifies(
    staff, fake, flag_on, capsys
):
    gone = old_child(staff["england"], fake, dt.date(1940, 7, 1))
    flag_on(staff["england"], gone)
    kept_scottish = old_child(staff["scotland"], fake, dt.date(1940, 7, 1))
    kept_young = old_child(staff["england"], fake, years_before(timezone.localdate(), 16))
    name, dob = gone.full_name, gone.date_of_birth
    events_before = AuditEvent.objects.filter(child_id=gone.pk).count()
    assert events_before >= 2

    assert visible(["retention", "delete", "--confirm"]) == 0
    assert f"Deleted 1 child record past retention (ids {gone.pk})" in capsys.readouterr().out

    assert not Child.objects.filter(pk=gone.pk).exists()
    assert not Flag.objects.filter(child_id=gone.pk).exists()
    assert set(Child.objects.values_list("pk", flat=True)) == {kept_scottish.pk, kept_young.pk}

    deleted = AuditEvent.objects.get(action="retention_delete")
    assert deleted.child_id == gone.pk and deleted.object_id == str(gone.pk)
    assert (
        deleted.summary
        == "Deleted under the retention schedule (England and Wales: until the 75th birthday)"
    )
    for text in (deleted.summary, deleted.detail, deleted.actor_username):
        assert (
            name.split()[0] not in text
            and dob.isoformat() not in text
            and str(dob.year) not in text
        )
    # earlier events about the child are untouched, and the chain is whole
    assert AuditEvent.objects.filter(child_id=gone.pk).count() == events_before + 1
    result = verify()
    assert result.ok, result.broken
    assert visible(["audit", "verify"]) == 0


def test_delete_is_all_or_nothing(staff, fake, monkeypatch):
    first = old_child(staff["england"], fake, dt.date(1940, 7, 1))
    second = old_child(staff["wales"], fake, dt.date(1941, 7, 1))
    real_delete = Child.delete

    def fail_on_second(self, *args, **kwargs):
        if self.pk == second.pk:
            raise RuntimeError("the database went away")
        return real_delete(self, *args, **kwargs)

    monkeypatch.setattr(Child, "delete", fail_on_second)
    with pytest.raises(RuntimeError):
        retention.delete_past_retention(by="test")
    assert set(Child.objects.values_list("pk", flat=True)) >= {first.pk, second.pk}
    assert not AuditEvent.objects.filter(action="retention_delete").exists()
    assert verify().ok


@pytest.fixture
def flag_on():
    def _flag(user, child):
        with freeze_time(
            dt.datetime.combine(
                child.looked_after_from + dt.timedelta(days=40), dt.time(12), tzinfo=dt.UTC
            )
        ):
            actions.record_flag(
                as_viewer(user), child, "uasc", child.looked_after_from, "Synthetic evidence"
            )

    return _flag
