"""Each grading rule: the grade, marker or prompt it produces, and that its reason names the
rule and its source."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.risk.builders import at, child, episode, flag
from visible.risk import (
    DEFAULTS,
    FACTORS,
    Grade,
    NrmFact,
    PlacementFact,
    RiskSettings,
    assess_episode,
)

SCOPE_KINDS = [
    "trafficked_identified",
    "trafficked_suspected",
    "uasc",
    "unaccompanied",
    "separated",
]


def reasons_for(assessment, rule_id):
    return [r for r in assessment.reasons if r.rule_id == rule_id]


# R-HIGH ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SCOPE_KINDS)
def test_child_in_scope_who_goes_missing_is_high(kind):
    facts = child(flags=(flag(kind),), episodes=(episode(),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 1, 13))
    assert assessment.grade is Grade.HIGH
    assert assessment.floor is Grade.HIGH
    [reason] = reasons_for(assessment, "R-HIGH")
    assert reason.citation == "Heading back to harm, Rec 5.ii"
    assert reason.source == "Heading back to harm (ECPAT UK and Missing People, 2016), Rec 5.ii"
    assert reason.binding and reason.floor is Grade.HIGH


def test_headline_reads_in_plain_words_with_its_source():
    facts = child(flags=(flag("uasc"),), episodes=(episode(),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 1, 13))
    assert assessment.headline == "High: UASC child missing (Heading back to harm, Rec 5.ii)"


def test_several_scope_flags_are_all_named():
    facts = child(flags=(flag("uasc"), flag("trafficked_suspected")), episodes=(episode(),))
    [reason] = reasons_for(assess_episode(facts, "e1", at(2024, 6, 2)), "R-HIGH")
    assert reason.text == "Suspected trafficked and UASC child missing"


def test_criminal_investigation_does_not_lower_r_high():
    facts = child(flags=(flag("uasc"), flag("criminalised")), episodes=(episode(),))
    assert assess_episode(facts, "e1", at(2024, 6, 2)).grade is Grade.HIGH


def test_away_from_placement_is_graded_like_missing_by_default():
    facts = child(flags=(flag("separated"),), episodes=(episode(category="A"),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    assert assessment.grade is Grade.HIGH
    assert reasons_for(assessment, "R-HIGH")[0].text == "Separated child away from placement"


def test_an_authority_can_keep_r_high_to_missing_episodes_only():
    facts = child(flags=(flag("separated"),), episodes=(episode(category="A"),))
    settings = RiskSettings(treat_away_as_missing=False)
    assessment = assess_episode(facts, "e1", at(2024, 6, 2), settings)
    assert assessment.grade is Grade.MEDIUM
    assert not reasons_for(assessment, "R-HIGH")


def test_at_risk_of_trafficking_is_scored_not_r_high_by_default():
    facts = child(flags=(flag("at_risk_of_trafficking"),), episodes=(episode(),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    assert not reasons_for(assessment, "R-HIGH")
    assert assessment.floor is Grade.MEDIUM
    assert any(
        r.text == FACTORS["at_risk_of_trafficking"].label
        for r in reasons_for(assessment, "R-SCORE")
    )


def test_an_authority_can_put_at_risk_of_trafficking_in_r_high_scope():
    facts = child(flags=(flag("at_risk_of_trafficking"),), episodes=(episode(),))
    assessment = assess_episode(
        facts, "e1", at(2024, 6, 2), RiskSettings(at_risk_in_high_scope=True)
    )
    assert assessment.floor is Grade.HIGH
    assert reasons_for(assessment, "R-HIGH")[0].text == "At risk of trafficking child missing"


def test_a_flag_that_ended_before_the_episode_does_not_count():
    facts = child(
        flags=(flag("uasc", dt.date(2023, 1, 1), dt.date(2024, 5, 1)),), episodes=(episode(),)
    )
    assert assess_episode(facts, "e1", at(2024, 6, 2)).grade is Grade.MEDIUM


def test_a_flag_recorded_during_the_episode_raises_the_grade_from_that_day():
    facts = child(flags=(flag("trafficked_suspected", dt.date(2024, 6, 5)),), episodes=(episode(),))
    assert assess_episode(facts, "e1", at(2024, 6, 4)).grade is Grade.MEDIUM
    assert assess_episode(facts, "e1", at(2024, 6, 5)).grade is Grade.HIGH


def test_an_adult_is_not_graded_by_r_high():
    facts = child(date_of_birth=dt.date(2004, 1, 1), flags=(flag("uasc"),), episodes=(episode(),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    assert not reasons_for(assessment, "R-HIGH")
    assert assessment.floor is Grade.NO_APPARENT_RISK


# R-MIN-CHILD -----------------------------------------------------------------------------


def test_no_child_is_graded_below_medium():
    facts = child(episodes=(episode(),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    assert assessment.grade is Grade.MEDIUM
    assert assessment.floor is Grade.MEDIUM
    [reason] = reasons_for(assessment, "R-MIN-CHILD")
    assert "ACPO" in reason.citation and "ACPO (2005)" in reason.source
    assert assessment.headline.startswith("Medium: A child is never graded below medium (ACPO 2005")


def test_r_min_child_is_a_setting():
    facts = child(episodes=(episode(),))
    assessment = assess_episode(
        facts, "e1", at(2024, 6, 2), RiskSettings(min_child_grade_medium=False)
    )
    assert assessment.grade is Grade.NO_APPARENT_RISK
    assert assessment.headline == "No apparent risk: no rule or risk factor applies"


# R-AGE -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "disputed", "challenged"])
def test_age_in_doubt_is_treated_as_a_child(status):
    facts = child(
        date_of_birth=dt.date(2005, 1, 1),
        age_assessment_status=status,
        flags=(flag("uasc"),),
        episodes=(episode(),),
    )
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    assert assessment.grade is Grade.HIGH
    [reason] = reasons_for(assessment, "R-AGE")
    assert reason.citation == "Modern Slavery Act 2015 s.51"
    assert status in reason.text


def test_concluded_age_assessment_is_not_presumed_a_child():
    facts = child(
        date_of_birth=dt.date(2005, 1, 1),
        age_assessment_status="concluded",
        flags=(flag("uasc"),),
        episodes=(episode(),),
    )
    assert assess_episode(facts, "e1", at(2024, 6, 2)).grade < Grade.HIGH


# R-EARLY ---------------------------------------------------------------------------------


def early_child(**fields):
    values = {
        "looked_after_from": dt.date(2024, 3, 1),
        "flags": (flag("uasc", dt.date(2024, 3, 1)),),
        "episodes": (episode(started_at=at(2024, 3, 4, 22)),),
    }
    values.update(fields)
    return child(**values)


def test_uasc_child_missing_within_a_week_of_care_is_a_potential_trafficking_victim():
    assessment = assess_episode(early_child(), "e1", at(2024, 3, 5))
    assert assessment.grade is Grade.HIGH
    assert "potential_trafficking_victim" in assessment.markers
    assert assessment.flags_to_raise == ("trafficked_suspected",)
    assert "Make an NRM referral" in assessment.prompts
    reason = reasons_for(assessment, "R-EARLY")[0]
    assert str(reason) == (
        "Potential trafficking victim: went missing 3 days after becoming looked after "
        "(DfE statutory guidance 2014)"
    )
    assert "run away or go missing from home or care (2014)" in reason.source
    [alert] = [a for a in assessment.alerts if a.code == "potential_trafficking_victim"]
    assert alert.rule_id == "R-EARLY" and alert.source == reason.source


@pytest.mark.parametrize(("days", "early"), [(0, True), (7, True), (8, False)])
def test_r_early_window_is_seven_days_inclusive(days, early):
    start = dt.datetime.combine(
        dt.date(2024, 3, 1) + dt.timedelta(days=days), dt.time(12), tzinfo=dt.UTC
    )
    facts = early_child(episodes=(episode(started_at=start),))
    assessment = assess_episode(facts, "e1", start)
    assert ("potential_trafficking_victim" in assessment.markers) is early


def test_r_early_counts_uk_days_not_utc_days():
    # Looked after from 1 June; 23:30 UTC on 8 June is 00:30 on 9 June in London (BST).
    late = early_child(
        looked_after_from=dt.date(2024, 6, 1),
        flags=(flag("unaccompanied", dt.date(2024, 6, 1)),),
        episodes=(episode(started_at=at(2024, 6, 8, 23, 30)),),
    )
    in_time = early_child(
        looked_after_from=dt.date(2024, 6, 1),
        flags=(flag("unaccompanied", dt.date(2024, 6, 1)),),
        episodes=(episode(started_at=at(2024, 6, 8, 22, 30)),),
    )
    assert "potential_trafficking_victim" not in assess_episode(late, "e1", at(2024, 6, 9)).markers
    assert "potential_trafficking_victim" in assess_episode(in_time, "e1", at(2024, 6, 9)).markers


def test_r_early_window_is_a_setting():
    assessment = assess_episode(
        early_child(), "e1", at(2024, 3, 5), RiskSettings(early_missing_days=2)
    )
    assert "potential_trafficking_victim" not in assessment.markers


def test_r_early_does_not_propose_a_flag_already_recorded_or_a_referral_already_made():
    facts = early_child(
        flags=(
            flag("uasc", dt.date(2024, 3, 1)),
            flag("trafficked_suspected", dt.date(2024, 3, 2)),
        ),
        nrm_referrals=(NrmFact(dt.date(2024, 3, 3)),),
    )
    assessment = assess_episode(facts, "e1", at(2024, 3, 5))
    assert "potential_trafficking_victim" in assessment.markers
    assert assessment.flags_to_raise == ()
    assert "Make an NRM referral" not in assessment.prompts


def test_r_early_is_for_unaccompanied_and_uasc_children_not_separated():
    facts = early_child(flags=(flag("separated", dt.date(2024, 3, 1)),))
    assessment = assess_episode(facts, "e1", at(2024, 3, 5))
    assert assessment.grade is Grade.HIGH  # R-HIGH still applies
    assert "potential_trafficking_victim" not in assessment.markers


# R-REPEAT --------------------------------------------------------------------------------


def episodes_on(*days: dt.date):
    return tuple(
        episode(
            f"e{i}",
            dt.datetime.combine(day, dt.time(18), tzinfo=dt.UTC),
            ended_at=dt.datetime.combine(day, dt.time(22), tzinfo=dt.UTC),
        )
        for i, day in enumerate(days, start=1)
    )


def test_three_episodes_in_ninety_days_is_repeat_missing():
    facts = child(
        episodes=episodes_on(dt.date(2024, 3, 1), dt.date(2024, 4, 1), dt.date(2024, 5, 29))
    )
    assessment = assess_episode(facts, "e3", at(2024, 5, 30))
    assert "repeat_missing" in assessment.markers
    assert "Hold a multi-agency strategy discussion" in assessment.prompts
    assert "Carry out a new risk assessment" in assessment.prompts
    [reason] = reasons_for(assessment, "R-REPEAT")
    assert reason.text == "Repeat missing: 3 episodes in 90 days"
    assert "Repeat missing" in reason.source


def test_episodes_outside_the_window_do_not_make_repeat_missing():
    # 1 March to 30 May is 91 days counting both ends.
    facts = child(
        episodes=episodes_on(dt.date(2024, 3, 1), dt.date(2024, 4, 1), dt.date(2024, 5, 30))
    )
    assert "repeat_missing" not in assess_episode(facts, "e3", at(2024, 5, 31)).markers


def test_two_episodes_are_not_repeat_missing_unless_the_authority_says_so():
    facts = child(episodes=episodes_on(dt.date(2024, 3, 1), dt.date(2024, 4, 1)))
    assert "repeat_missing" not in assess_episode(facts, "e2", at(2024, 4, 2)).markers
    settings = RiskSettings(repeat_episodes=2)
    assert "repeat_missing" in assess_episode(facts, "e2", at(2024, 4, 2), settings).markers


def test_later_episodes_do_not_count_towards_an_earlier_one():
    facts = child(
        episodes=episodes_on(dt.date(2024, 3, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 9))
    )
    assert "repeat_missing" not in assess_episode(facts, "e1", at(2024, 3, 20)).markers


# R-18 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("flags", [(), (flag("uasc", dt.date(2023, 1, 1), dt.date(2024, 6, 10)),)])
def test_turning_18_while_missing_keeps_the_grade(flags):
    # UASC status ceasing on the 18th birthday (903 DUC) must not lower the grade either.
    facts = child(
        date_of_birth=dt.date(2006, 6, 10),
        flags=flags,
        episodes=(episode(started_at=at(2024, 6, 1)),),
    )
    before = assess_episode(facts, "e1", at(2024, 6, 9, 22))
    after = assess_episode(facts, "e1", at(2024, 6, 10, 1))
    much_later = assess_episode(facts, "e1", at(2025, 6, 1))
    assert before.grade == after.grade == much_later.grade
    assert before.floor == after.floor == much_later.floor
    assert "turned_18_while_missing" not in before.markers
    assert "turned_18_while_missing" in after.markers
    [reason] = reasons_for(after, "R-18")
    assert (
        str(reason)
        == "Turned 18 on 10 June 2024 while missing: the risk does not drop (Heading back to harm, Rec 5.iii)"
    )


def test_born_on_29_february_turns_18_on_1_march_in_a_common_year():
    facts = child(
        date_of_birth=dt.date(2008, 2, 29), episodes=(episode(started_at=at(2026, 2, 20)),)
    )
    assert "turned_18_while_missing" not in assess_episode(facts, "e1", at(2026, 2, 28, 20)).markers
    assert "turned_18_while_missing" in assess_episode(facts, "e1", at(2026, 3, 1, 1)).markers


def test_a_young_person_who_returned_before_18_is_not_marked():
    facts = child(
        date_of_birth=dt.date(2006, 6, 10),
        episodes=(episode(started_at=at(2024, 6, 1), ended_at=at(2024, 6, 5)),),
    )
    assert "turned_18_while_missing" not in assess_episode(facts, "e1", at(2024, 7, 1)).markers


# R-LONG ----------------------------------------------------------------------------------


def test_missing_more_than_seven_days_is_marked_and_prompts_a_review():
    facts = child(episodes=(episode(started_at=at(2024, 6, 1)),))
    assert "long_missing" not in assess_episode(facts, "e1", at(2024, 6, 7, 23)).markers
    assessment = assess_episode(facts, "e1", at(2024, 6, 8))
    assert "long_missing" in assessment.markers
    assert "Review the risk assessment: missing 7 days or more" in assessment.prompts
    assert reasons_for(assessment, "R-LONG")[0].citation == "Heading back to harm, Key findings"


# R-SCORE ---------------------------------------------------------------------------------


def test_dynamic_factors_can_raise_a_grade_above_the_floor():
    facts = child(factors=frozenset({"trafficker_contact", "debt_bondage"}), episodes=(episode(),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    assert assessment.score == 6
    assert assessment.grade is Grade.HIGH
    assert assessment.floor is Grade.MEDIUM  # a score is advice, not a floor
    labels = {r.text for r in reasons_for(assessment, "R-SCORE")}
    assert FACTORS["trafficker_contact"].label in labels
    assert "Risk factors score 6" in labels
    assert all("ch. 3.2" in r.source for r in reasons_for(assessment, "R-SCORE"))


def test_score_thresholds_and_weights_are_settings():
    facts = child(factors=frozenset({"isolated"}), episodes=(episode(),))
    plain = assess_episode(facts, "e1", at(2024, 6, 2), RiskSettings(min_child_grade_medium=False))
    assert plain.grade is Grade.LOW and plain.score == 1
    heavier = RiskSettings(min_child_grade_medium=False, factor_weights={"isolated": 6})
    assert assess_episode(facts, "e1", at(2024, 6, 2), heavier).grade is Grade.HIGH
    switched_off = RiskSettings(min_child_grade_medium=False, factor_weights={"isolated": 0})
    off = assess_episode(facts, "e1", at(2024, 6, 2), switched_off)
    assert off.grade is Grade.NO_APPARENT_RISK and not reasons_for(off, "R-SCORE")


@pytest.mark.parametrize(
    ("placement", "unsuitable"),
    [
        (PlacementFact("K3", "", dt.date(2024, 1, 2)), True),
        (PlacementFact("H5", "", dt.date(2024, 1, 2)), True),
        (PlacementFact("P2", "", dt.date(2024, 1, 2)), True),
        (PlacementFact("T4", "", dt.date(2024, 1, 2)), True),
        (PlacementFact("U6", "emergency", dt.date(2024, 1, 2)), True),
        (PlacementFact("K2", "hotel", dt.date(2024, 1, 2)), True),
        (PlacementFact("U4", "", dt.date(2024, 1, 2)), False),
        (
            PlacementFact("K3", "", dt.date(2024, 1, 2), dt.date(2024, 3, 1)),
            False,
        ),  # moved on since
    ],
)
def test_unsuitable_placement_is_a_factor(placement, unsuitable):
    facts = child(placements=(placement,), episodes=(episode(),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    found = any(r.text == FACTORS["unsuitable_placement"].label for r in assessment.reasons)
    assert found is unsuitable


def test_a_recent_move_is_a_factor_but_the_first_placement_is_not():
    moved = child(
        placements=(
            PlacementFact("U4", "", dt.date(2024, 1, 2), dt.date(2024, 5, 10)),
            PlacementFact("K2", "", dt.date(2024, 5, 10)),
        ),
        episodes=(episode(),),
    )
    first = child(
        placements=(PlacementFact("K2", "", dt.date(2024, 5, 10)),), episodes=(episode(),)
    )
    label = FACTORS["placement_change_recent"].label
    assert any(r.text == label for r in assess_episode(moved, "e1", at(2024, 6, 2)).reasons)
    assert not any(r.text == label for r in assess_episode(first, "e1", at(2024, 6, 2)).reasons)


def test_derived_factors_no_guardian_age_dispute_previous_missing_and_exploitation_flags():
    facts = child(
        has_guardian=False,
        age_assessment_status="pending",
        flags=(flag("cse"), flag("cce"), flag("gang"), flag("criminalised")),
        episodes=(
            episode("e0", at(2024, 5, 1), ended_at=at(2024, 5, 2)),
            episode("e1", at(2024, 6, 1)),
        ),
    )
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    texts = {r.text for r in reasons_for(assessment, "R-SCORE")}
    for code in (
        "no_guardian",
        "age_in_dispute",
        "previous_missing",
        "cse",
        "cce",
        "gang",
        "criminalised_or_on_bail",
    ):
        assert FACTORS[code].label in texts, code
    assert assessment.score == 1 + 1 + 1 + 3 + 3 + 2 + 2


def test_trafficking_flag_without_a_referral_is_a_factor_and_prompts_a_referral():
    facts = child(flags=(flag("trafficked_identified"),), episodes=(episode(),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    assert FACTORS["trafficking_indicators_not_referred"].label in {
        r.text for r in assessment.reasons
    }
    assert "Make an NRM referral" in assessment.prompts
    assert any(r.rule_id == "R-DTN" and "s.52" in r.source for r in assessment.reasons)


def test_a_professional_is_prompted_when_factors_do_not_reach_high():
    facts = child(factors=frozenset({"isolated"}), episodes=(episode(),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    assert (
        "Professional judgement: do the risk factors listed call for a higher grade?"
        in assessment.prompts
    )


# R-NATIONALITY ---------------------------------------------------------------------------


def test_nationality_prompts_professional_judgement_but_never_sets_a_grade():
    vietnamese = child(nationality="VNM", episodes=(episode(),))
    british = child(nationality="GBR", episodes=(episode(),))
    a = assess_episode(vietnamese, "e1", at(2024, 6, 2))
    b = assess_episode(british, "e1", at(2024, 6, 2))
    assert (
        a.grade == b.grade and a.floor == b.floor and a.score == b.score and a.markers == b.markers
    )
    assert (
        "Professional judgement: nationality-linked exploitation pattern "
        "(Vietnamese children and cannabis cultivation)"
    ) in a.prompts
    [reason] = reasons_for(a, "R-NATIONALITY")
    assert reason.floor is None
    assert "Children's Commissioner" in reason.source
    assert not reasons_for(b, "R-NATIONALITY")


def test_nationality_patterns_are_a_setting():
    settings = RiskSettings(
        nationality_patterns={"ALB": "Albanian young people and criminal exploitation"}
    )
    facts = child(nationality="ALB", episodes=(episode(),))
    assert any(
        "Albanian" in p for p in assess_episode(facts, "e1", at(2024, 6, 2), settings).prompts
    )
    vietnamese = child(nationality="VNM", episodes=(episode(),))
    assert not reasons_for(
        assess_episode(vietnamese, "e1", at(2024, 6, 2), settings), "R-NATIONALITY"
    )


# R-WORDS ---------------------------------------------------------------------------------


def test_a_note_calling_the_child_an_absconder_is_flagged():
    facts = child(episodes=(episode(notes=("Police log: ABSCONDER from placement",)),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    [reason] = reasons_for(assessment, "R-WORDS")
    assert reason.citation == "Heading back to harm, Rec 5.iv"
    assert (
        "Remove 'absconder' from the notes and describe the child as missing" in assessment.prompts
    )
    assert any(a.code == "forbidden_label" for a in assessment.alerts)


def test_everyday_wanted_in_a_note_is_not_flagged():
    facts = child(episodes=(episode(notes=("She wanted to see her brother",)),))
    assert not reasons_for(assess_episode(facts, "e1", at(2024, 6, 2)), "R-WORDS")


# Replay ----------------------------------------------------------------------------------


def test_facts_recorded_after_the_moment_assessed_are_ignored():
    facts = child(flags=(flag("uasc", dt.date(2024, 7, 1)),), episodes=(episode(),))
    assert assess_episode(facts, "e1", at(2024, 6, 2)).grade is Grade.MEDIUM


def test_an_assessment_records_what_it_was_made_with():
    facts = child(episodes=(episode(),))
    assessment = assess_episode(facts, "e1", at(2024, 6, 2))
    assert assessment.settings_fingerprint == DEFAULTS.fingerprint()
    assert assessment.engine_version and assessment.calendar_version.startswith("holidays ")
    assert assessment.still_missing


def test_assessing_before_the_episode_began_is_an_error():
    facts = child(episodes=(episode(),))
    with pytest.raises(ValueError, match="began at"):
        assess_episode(facts, "e1", at(2024, 5, 31))


def test_assessing_an_unknown_episode_is_an_error():
    with pytest.raises(KeyError, match="no episode 'e9'"):
        assess_episode(child(episodes=(episode(),)), "e9", at(2024, 6, 2))


def test_a_naive_moment_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        assess_episode(child(episodes=(episode(),)), "e1", dt.datetime(2024, 6, 2, 12))


def test_switching_off_a_factors_weight_does_not_silence_the_nrm_prompt():
    facts = child(factors=frozenset({"trafficking_indicators_not_referred"}), episodes=(episode(),))
    settings = RiskSettings(factor_weights={"trafficking_indicators_not_referred": 0})
    assessment = assess_episode(facts, "e1", at(2024, 6, 2), settings)
    assert assessment.score == 0
    assert "Make an NRM referral" in assessment.prompts
