"""R-POLICE-GRADE: the police grade as the force gave it, its APP category, and the challenge
Visible opens when a force grades a child in scope below high."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.risk.builders import at, child, episode, flag
from visible.risk import RULES, Grade, assess_episode
from visible.risk.police import PoliceGrade, category_of, challenge_for


@pytest.mark.parametrize(
    "written, category",
    [
        ("No apparent risk (absent)", PoliceGrade.NO_APPARENT_RISK),
        ("ABSENT", PoliceGrade.NO_APPARENT_RISK),
        ("NAR", PoliceGrade.NO_APPARENT_RISK),
        ("Very low risk", PoliceGrade.VERY_LOW),
        ("very-low", PoliceGrade.VERY_LOW),
        ("Low", PoliceGrade.LOW),
        ("Medium risk", PoliceGrade.MEDIUM),
        ("MED", PoliceGrade.MEDIUM),
        ("High risk missing", PoliceGrade.HIGH),
        ("", PoliceGrade.NOT_GIVEN),
        ("Not yet graded", PoliceGrade.NOT_GIVEN),
    ],
)
def test_a_force_s_own_words_name_the_app_category(written, category):
    assert category_of(written) is category


@pytest.mark.parametrize("written", ["Low to medium", "Amber", "Grade 2"])
def test_words_naming_no_category_or_two_are_left_to_a_person(written):
    assert category_of(written) is None


def test_the_categories_run_from_absent_to_high_and_not_given_has_no_place():
    order = [g for g in PoliceGrade if g.rank is not None]
    assert order == sorted(order, key=lambda g: g.rank)
    assert [g.below_high for g in PoliceGrade] == [True, True, True, True, False, False]
    assert PoliceGrade.parse("No apparent risk (absent)") is PoliceGrade.NO_APPARENT_RISK
    with pytest.raises(ValueError, match="very_low"):
        PoliceGrade.parse("amber")


def _assessment(*flags, looked_after_from=dt.date(2024, 1, 2)):
    facts = child(flags=flags, episodes=(episode(),), looked_after_from=looked_after_from)
    return assess_episode(facts, "e1", at(2024, 6, 1, 13))


@pytest.mark.parametrize(
    "police",
    [PoliceGrade.NO_APPARENT_RISK, PoliceGrade.VERY_LOW, PoliceGrade.LOW, PoliceGrade.MEDIUM],
)
def test_a_child_in_scope_graded_below_high_by_the_force_is_challenged(police):
    assessment = _assessment(flag("trafficked_suspected"))
    challenge = challenge_for(assessment, police)
    assert challenge is not None
    assert challenge.proposed_grade is Grade.HIGH
    assert [r.rule_id for r in challenge.reasons] == ["R-HIGH"]
    assert police.label.lower() in challenge.text
    assert "Suspected trafficked child missing" in challenge.text
    assert challenge.as_dict()["rule_id"] == "R-POLICE-GRADE"


def test_a_newly_arrived_unaccompanied_child_is_in_scope_through_r_early_too():
    assessment = _assessment(
        flag("uasc", dt.date(2024, 5, 30)), looked_after_from=dt.date(2024, 5, 30)
    )
    challenge = challenge_for(assessment, "low")
    assert challenge is not None
    assert {r.rule_id for r in challenge.reasons} == {"R-HIGH", "R-EARLY"}


@pytest.mark.parametrize("police", [PoliceGrade.HIGH, PoliceGrade.NOT_GIVEN])
def test_high_or_no_grade_is_not_challenged(police):
    assert challenge_for(_assessment(flag("uasc")), police) is None


def test_a_child_not_in_scope_is_not_challenged_whatever_the_force_says():
    assessment = _assessment(flag("at_risk_of_trafficking"))
    assert challenge_for(assessment, PoliceGrade.NO_APPARENT_RISK) is None


def test_a_flag_that_ended_before_the_episode_puts_the_child_out_of_scope():
    assessment = _assessment(flag("uasc", dt.date(2023, 1, 1), dt.date(2024, 3, 1)))
    assert challenge_for(assessment, "medium") is None


def test_the_rule_is_in_the_rulebook_with_its_sources():
    rule = RULES["R-POLICE-GRADE"]
    assert "Rec 5.ii" in rule.source and "College of Policing" in rule.source
