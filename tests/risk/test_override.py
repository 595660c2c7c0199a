"""A professional confirms or overrides the proposed grade: upward freely, downward only with a
written reason, never below the floor."""

from __future__ import annotations

import pytest

from tests.risk.builders import at, child, episode, flag
from visible.risk import DEFAULTS, Grade, RiskSettings, assess_episode, check_override


def proposed(settings=None, **fields):
    facts = child(episodes=(episode(),), **fields)
    return assess_episode(facts, "e1", at(2024, 6, 2), settings or DEFAULTS)


def test_upward_is_always_allowed_without_a_reason():
    assessment = proposed()
    assert assessment.grade is Grade.MEDIUM
    assert check_override(assessment, Grade.HIGH, "") == []


def test_confirming_the_proposed_grade_needs_nothing():
    assessment = proposed()
    assert check_override(assessment, Grade.MEDIUM, "") == []


def test_downward_needs_a_written_reason():
    assessment = proposed(factors=frozenset({"trafficker_contact", "debt_bondage"}))
    assert assessment.grade is Grade.HIGH and assessment.floor is Grade.MEDIUM
    [error] = check_override(assessment, Grade.MEDIUM, "   ")
    assert "written reason" in error
    assert (
        check_override(
            assessment, Grade.MEDIUM, "Phone contact was with his brother, verified by police"
        )
        == []
    )


def test_never_below_r_high_for_a_child_in_scope_even_with_a_reason():
    assessment = proposed(flags=(flag("uasc"),))
    errors = check_override(assessment, Grade.MEDIUM, "Known to be at a friend's house")
    assert len(errors) == 1
    assert "cannot be lower than High" in errors[0]
    assert "Heading back to harm, Rec 5.ii" in errors[0]


def test_both_errors_when_below_the_floor_without_a_reason():
    assessment = proposed(flags=(flag("trafficked_identified"),))
    assert len(check_override(assessment, Grade.LOW, "")) == 2


def test_never_below_medium_for_a_child_under_r_min_child():
    assessment = proposed()
    [error] = check_override(assessment, Grade.LOW, "Returned within the hour last time")
    assert "cannot be lower than Medium" in error and "ACPO" in error


def test_without_r_min_child_a_downward_override_with_a_reason_is_allowed():
    assessment = proposed(
        RiskSettings(min_child_grade_medium=False), factors=frozenset({"isolated"})
    )
    assert assessment.grade is Grade.LOW
    assert (
        check_override(assessment, Grade.NO_APPARENT_RISK, "Attends college daily, friends nearby")
        == []
    )


def test_grade_given_as_its_code_or_label():
    assessment = proposed()
    assert check_override(assessment, "high", "") == []
    assert check_override(assessment, "Low", "reason") != []
    [error] = check_override(assessment, "severe", "reason")
    assert "Unknown risk grade 'severe'" in error


@pytest.mark.parametrize("grade", list(Grade))
def test_grades_are_ordered_and_labelled(grade):
    order = [Grade.NO_APPARENT_RISK, Grade.LOW, Grade.MEDIUM, Grade.HIGH]
    assert sorted(reversed(order)) == order
    assert Grade.parse(grade.label) is grade and Grade.parse(grade.value) is grade
    assert str(grade) == grade.label
    assert [g.label for g in order] == ["No apparent risk", "Low", "Medium", "High"]
