"""Time-based alerts from the sweep: each fires when it should, not before, names its rule
and source, and carries a key that stays the same when the sweep runs again."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.risk.builders import at, child, episode, flag
from visible.dates import add_working_days, is_working_day
from visible.risk import NrmFact, ReturnInterviewFact, RiskSettings, assess_episode, sweep


def codes(alerts):
    return [a.code for a in alerts]


def only(alerts, code):
    found = [a for a in alerts if a.code == code]
    assert len(found) == 1, codes(alerts)
    return found[0]


# NRM reasonable grounds decision: 5 working days, nation's bank holidays -----------------


def referred(nation: str, on: dt.date, **fields):
    return child(
        nation=nation, flags=(flag("trafficked_suspected"),), nrm_referrals=(NrmFact(on, **fields),)
    )


def test_the_calendars_are_the_real_ones():
    # Easter Monday 2024 is a bank holiday in England and Wales, not in Scotland.
    assert not is_working_day(dt.date(2024, 4, 1), "England")
    assert not is_working_day(dt.date(2024, 4, 1), "Wales")
    assert is_working_day(dt.date(2024, 4, 1), "Scotland")
    # St Patrick's Day (observed on Monday 18 March 2024) and the Twelfth (observed on
    # Monday 14 July 2025) are Northern Ireland's alone.
    assert not is_working_day(dt.date(2024, 3, 18), "Northern Ireland")
    assert is_working_day(dt.date(2024, 3, 18), "England")
    assert not is_working_day(dt.date(2025, 7, 14), "Northern Ireland")
    assert is_working_day(dt.date(2025, 7, 14), "England")
    # St Andrew's Day (observed on Monday 2 December 2024) is Scotland's alone.
    assert not is_working_day(dt.date(2024, 12, 2), "Scotland")
    assert is_working_day(dt.date(2024, 12, 2), "England")


def test_referral_on_the_thursday_before_easter_is_overdue_later_in_england_than_in_scotland():
    thursday = dt.date(2024, 3, 28)
    # England: Good Friday and Easter Monday skipped -> Tue 2 .. Mon 8 April.
    assert add_working_days(thursday, 5, "England") == dt.date(2024, 4, 8)
    # Scotland: only Good Friday -> Mon 1 .. Fri 5 April.
    assert add_working_days(thursday, 5, "Scotland") == dt.date(2024, 4, 5)

    saturday = at(2024, 4, 6)
    assert "nrm_rg_overdue" in codes(sweep(referred("Scotland", thursday), saturday))
    assert "nrm_rg_overdue" not in codes(sweep(referred("England", thursday), saturday))
    assert "nrm_rg_overdue" not in codes(sweep(referred("Wales", thursday), saturday))

    scotland = only(sweep(referred("Scotland", thursday), saturday), "nrm_rg_overdue")
    england = only(sweep(referred("England", thursday), at(2024, 4, 9)), "nrm_rg_overdue")
    # Overdue from the first moment of the day after the 5th working day, UK time (BST).
    assert scotland.due_at == dt.datetime(2024, 4, 5, 23, 0, tzinfo=dt.UTC)
    assert england.due_at == dt.datetime(2024, 4, 8, 23, 0, tzinfo=dt.UTC)
    assert england.text == (
        "NRM reasonable grounds decision overdue: referred on 28 March 2024, due by 8 April 2024 "
        "(5 working days, England bank holidays)."
    )
    assert england.rule_id == "R-NRM-RG"
    assert england.source.startswith(
        "Home Office NRM guidance: reasonable grounds decision within 5 working days of referral;"
    )
    assert "panel decisions within 45 days" in england.source  # the pilot's clock (ADR 22)


def test_not_overdue_until_the_fifth_working_day_has_ended():
    facts = referred("England", dt.date(2024, 3, 28))
    assert "nrm_rg_overdue" not in codes(
        sweep(facts, dt.datetime(2024, 4, 8, 22, 59, tzinfo=dt.UTC))
    )
    assert "nrm_rg_overdue" in codes(sweep(facts, dt.datetime(2024, 4, 8, 23, 0, tzinfo=dt.UTC)))


def test_northern_ireland_st_patricks_day_and_the_twelfth_push_the_decision_back():
    assert add_working_days(dt.date(2024, 3, 14), 5, "England") == dt.date(2024, 3, 21)
    assert add_working_days(dt.date(2024, 3, 14), 5, "Northern Ireland") == dt.date(2024, 3, 22)
    assert add_working_days(dt.date(2025, 7, 10), 5, "England") == dt.date(2025, 7, 17)
    assert add_working_days(dt.date(2025, 7, 10), 5, "Northern Ireland") == dt.date(2025, 7, 18)

    friday = at(2024, 3, 22)
    assert "nrm_rg_overdue" in codes(sweep(referred("England", dt.date(2024, 3, 14)), friday))
    assert "nrm_rg_overdue" not in codes(
        sweep(referred("Northern Ireland", dt.date(2024, 3, 14)), friday)
    )
    july = at(2025, 7, 18)
    assert "nrm_rg_overdue" in codes(sweep(referred("England", dt.date(2025, 7, 10)), july))
    assert "nrm_rg_overdue" not in codes(
        sweep(referred("Northern Ireland", dt.date(2025, 7, 10)), july)
    )


def test_working_days_cross_the_new_year_with_each_nations_holidays():
    # Christmas, Boxing Day, New Year's Day; and 2 January in Scotland.
    assert add_working_days(dt.date(2024, 12, 24), 5, "England") == dt.date(2025, 1, 3)
    assert add_working_days(dt.date(2024, 12, 24), 5, "Scotland") == dt.date(2025, 1, 6)


def test_a_referral_made_at_the_weekend_counts_from_monday():
    assert add_working_days(dt.date(2024, 6, 8), 5, "England") == dt.date(2024, 6, 14)


def test_a_decision_stops_the_alert_but_only_from_the_day_it_was_made():
    decided = referred(
        "England", dt.date(2024, 3, 28), rg_decision="positive", rg_decided_on=dt.date(2024, 4, 20)
    )
    assert "nrm_rg_overdue" in codes(sweep(decided, at(2024, 4, 19)))
    assert "nrm_rg_overdue" not in codes(sweep(decided, at(2024, 4, 20)))


def test_a_stayed_decision_is_still_overdue_and_says_so():
    facts = referred("England", dt.date(2024, 3, 28), stayed=True)
    alert = only(sweep(facts, at(2024, 5, 1)), "nrm_rg_overdue")
    assert "stayed while the child is missing" in alert.text


def test_the_working_day_target_is_a_setting():
    facts = referred("England", dt.date(2024, 6, 3))
    assert "nrm_rg_overdue" in codes(
        sweep(facts, at(2024, 6, 6), RiskSettings(rg_decision_working_days=2))
    )
    assert "nrm_rg_overdue" not in codes(sweep(facts, at(2024, 6, 6)))


# Duty to Notify --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["trafficked_identified", "trafficked_suspected"])
def test_trafficking_flag_without_nrm_referral_breaches_the_duty_to_notify(kind):
    facts = child(flags=(flag(kind, dt.date(2024, 6, 3)),))
    alert = only(sweep(facts, at(2024, 6, 3, 9)), "duty_to_notify")
    assert alert.rule_id == "R-DTN"
    assert alert.citation == "Modern Slavery Act 2015 s.52 (Duty to Notify)"
    assert alert.due_at == dt.datetime(2024, 6, 2, 23, 0, tzinfo=dt.UTC)  # midnight BST
    assert alert.episode_id is None
    assert "3 June 2024" in alert.text


def test_duty_to_notify_is_met_by_a_referral_and_not_raised_for_at_risk_or_ended_flags():
    assert "duty_to_notify" not in codes(
        sweep(
            child(
                flags=(flag("trafficked_suspected"),), nrm_referrals=(NrmFact(dt.date(2024, 2, 1)),)
            ),
            at(2024, 6, 3),
        )
    )
    assert "duty_to_notify" not in codes(
        sweep(child(flags=(flag("at_risk_of_trafficking"),)), at(2024, 6, 3))
    )
    assert "duty_to_notify" not in codes(
        sweep(
            child(flags=(flag("trafficked_suspected", dt.date(2024, 1, 1), dt.date(2024, 2, 1)),)),
            at(2024, 6, 3),
        )
    )


def test_duty_to_notify_replays_as_it_stood_before_the_referral():
    facts = child(
        flags=(flag("trafficked_suspected"),), nrm_referrals=(NrmFact(dt.date(2024, 6, 10)),)
    )
    assert "duty_to_notify" in codes(sweep(facts, at(2024, 6, 3)))
    assert "duty_to_notify" not in codes(sweep(facts, at(2024, 6, 10)))


# Return interview within 72 hours --------------------------------------------------------


def returned(interview=None):
    return child(
        episodes=(
            episode(
                started_at=at(2024, 6, 1),
                ended_at=at(2024, 6, 2, 10),
                police_reported_at=at(2024, 6, 1, 12, 30),
                return_interview=interview,
            ),
        )
    )


def test_return_interview_not_done_within_72_hours():
    facts = returned()
    assert "return_interview_overdue" not in codes(sweep(facts, at(2024, 6, 5, 9, 59)))
    alert = only(sweep(facts, at(2024, 6, 5, 10)), "return_interview_overdue")
    assert alert.due_at == at(2024, 6, 5, 10)
    assert alert.episode_id == "e1"
    assert "72 hours" in alert.text and "72 hours of return" in alert.source


@pytest.mark.parametrize(
    ("interview", "overdue"),
    [
        (ReturnInterviewFact(at(2024, 6, 2, 12), "done", at(2024, 6, 4, 10)), False),
        (ReturnInterviewFact(at(2024, 6, 2, 12), "declined", None), False),
        (ReturnInterviewFact(at(2024, 6, 2, 12), "offered", None), True),
        (ReturnInterviewFact(at(2024, 6, 2, 12), "accepted", None), True),
        (
            ReturnInterviewFact(at(2024, 6, 2, 12), "done", at(2024, 6, 20)),
            True,
        ),  # done later than now
    ],
)
def test_return_interview_outcomes(interview, overdue):
    assert (
        "return_interview_overdue" in codes(sweep(returned(interview), at(2024, 6, 10)))
    ) is overdue


def test_return_interview_clock_is_a_setting():
    assert "return_interview_overdue" in codes(
        sweep(returned(), at(2024, 6, 3, 10), RiskSettings(return_interview_hours=24))
    )


# Police report ---------------------------------------------------------------------------


def test_missing_episode_not_reported_to_the_police():
    facts = child(episodes=(episode(started_at=at(2024, 6, 1, 20)),))
    assert "no_police_report" not in codes(sweep(facts, at(2024, 6, 1, 20, 59)))
    alert = only(sweep(facts, at(2024, 6, 1, 21)), "no_police_report")
    assert alert.due_at == at(2024, 6, 1, 21)
    assert alert.citation == "College of Policing APP: missing persons"
    assert "21:00 on 1 June 2024" in alert.text  # shown in UK time (BST)


def test_a_police_report_stops_the_alert_and_away_episodes_do_not_need_one():
    reported = child(
        episodes=(
            episode(started_at=at(2024, 6, 1, 20), police_reported_at=at(2024, 6, 1, 20, 30)),
        )
    )
    away = child(episodes=(episode(started_at=at(2024, 6, 1, 20), category="A"),))
    assert "no_police_report" not in codes(sweep(reported, at(2024, 6, 2)))
    assert "no_police_report" not in codes(sweep(away, at(2024, 6, 2)))


def test_police_report_time_is_a_setting():
    facts = child(episodes=(episode(started_at=at(2024, 6, 1, 20)),))
    assert "no_police_report" not in codes(
        sweep(facts, at(2024, 6, 1, 22), RiskSettings(police_report_within_hours=4))
    )


# Approaching 18, turned 18, long missing -------------------------------------------------


def still_missing(dob: dt.date):
    return child(
        date_of_birth=dob,
        episodes=(episode(started_at=at(2024, 6, 1), police_reported_at=at(2024, 6, 1, 12)),),
    )


def test_still_missing_and_approaching_18():
    facts = still_missing(dt.date(2006, 8, 1))  # 18 on 1 August 2024
    alert = only(sweep(facts, at(2024, 6, 10)), "approaching_18")
    assert alert.due_at == at(2024, 6, 1)  # the window had begun before the episode
    assert "turns 18 on 1 August 2024" in alert.text
    assert alert.citation == "Heading back to harm, Rec 5.iii"
    assert "approaching_18" not in codes(
        sweep(still_missing(dt.date(2006, 12, 1)), at(2024, 6, 10))
    )
    assert "approaching_18" in codes(sweep(still_missing(dt.date(2006, 12, 1)), at(2024, 9, 2)))


def test_turned_18_while_still_missing():
    facts = still_missing(dt.date(2006, 8, 1))
    alerts = sweep(facts, at(2024, 8, 1, 9))
    assert "approaching_18" not in codes(alerts)
    alert = only(alerts, "turned_18_while_missing")
    assert alert.due_at == dt.datetime(2024, 7, 31, 23, 0, tzinfo=dt.UTC)
    assert "'wanted'" in alert.text


def test_no_age_alerts_once_found():
    facts = child(
        date_of_birth=dt.date(2006, 8, 1),
        episodes=(episode(started_at=at(2024, 6, 1), ended_at=at(2024, 6, 3)),),
    )
    assert not {"approaching_18", "turned_18_while_missing"} & set(
        codes(sweep(facts, at(2024, 7, 1)))
    )


def test_long_missing_alert():
    facts = still_missing(dt.date(2009, 1, 1))
    assert "long_missing" not in codes(sweep(facts, at(2024, 6, 7)))
    alert = only(sweep(facts, at(2024, 6, 8)), "long_missing")
    assert alert.due_at == at(2024, 6, 8)
    assert alert.rule_id == "R-LONG"


# Forbidden labels ------------------------------------------------------------------------


def test_notes_using_a_forbidden_label_raise_one_alert_per_episode():
    facts = child(episodes=(episode(notes=("Absconded again", "Recorded as wanted by police")),))
    alert = only(sweep(facts, at(2024, 6, 2)), "forbidden_label")
    assert "'absconded' and 'wanted'" in alert.text
    assert alert.citation == "Heading back to harm, Rec 5.iv"


# Keys and order --------------------------------------------------------------------------


def busy_child():
    return child(
        date_of_birth=dt.date(2006, 8, 1),
        flags=(flag("trafficked_suspected", dt.date(2024, 5, 1)),),
        nrm_referrals=(NrmFact(dt.date(2024, 5, 20)),),
        episodes=(
            episode("e1", at(2024, 5, 1), ended_at=at(2024, 5, 3)),
            episode("e2", at(2024, 6, 1), notes=("absconder",)),
        ),
    )


def test_keys_are_stable_across_runs_and_unique():
    first = sweep(busy_child(), at(2024, 6, 20))
    later = sweep(busy_child(), at(2024, 6, 25))
    assert len({a.key for a in first}) == len(first)
    assert {a.key: a.due_at for a in first}.items() <= {a.key: a.due_at for a in later}.items()
    assert set(codes(first)) == {
        "nrm_rg_overdue",
        "return_interview_overdue",
        "no_police_report",
        "long_missing",
        "approaching_18",
        "forbidden_label",
    }
    assert only(first, "no_police_report").key == "child-1/no_police_report/e2"
    assert only(first, "nrm_rg_overdue").key == "child-1/nrm_rg_overdue/2024-05-20"


def test_alerts_come_in_order_of_when_they_fell_due():
    alerts = sweep(busy_child(), at(2024, 6, 20))
    assert [a.due_at for a in alerts] == sorted(a.due_at for a in alerts)


def test_assessment_carries_the_alerts_for_its_episode_and_the_child():
    assessment = assess_episode(busy_child(), "e2", at(2024, 6, 20))
    assert {a.episode_id for a in assessment.alerts} <= {"e2", None}
    assert "return_interview_overdue" not in codes(assessment.alerts)  # that is e1's
    assert "nrm_rg_overdue" in codes(assessment.alerts)


def test_episodes_and_referrals_after_the_moment_are_ignored():
    facts = busy_child()
    assert sweep(facts, at(2024, 4, 1)) == ()
