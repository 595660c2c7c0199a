"""Settings and facts reject bad values with a message that says what was wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.risk.builders import at, child, episode
from visible.risk import (
    DEFAULTS,
    EpisodeFact,
    FlagFact,
    NrmFact,
    PlacementFact,
    ReturnInterviewFact,
    RiskSettings,
)


def test_defaults_are_the_rulebooks():
    assert DEFAULTS.min_child_grade_medium is True
    assert DEFAULTS.early_missing_days == 7
    assert (DEFAULTS.repeat_episodes, DEFAULTS.repeat_window_days) == (3, 90)
    assert DEFAULTS.rg_decision_working_days == 5
    assert DEFAULTS.return_interview_hours == 72
    assert DEFAULTS.unsuitable_placement_codes == {"H5", "K3", "P2", "T4"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"early_missing_days": -1}, "early_missing_days must be 0 or more"),
        ({"repeat_episodes": 1}, "repeat_episodes must be 2 or more"),
        ({"repeat_window_days": 0}, "repeat_window_days must be 1 or more"),
        ({"rg_decision_working_days": 2.5}, "rg_decision_working_days must be a whole number"),
        ({"return_interview_hours": True}, "return_interview_hours must be a whole number"),
        ({"police_report_within_hours": -2}, "police_report_within_hours must be 0 or more"),
        ({"min_child_grade_medium": "yes"}, "min_child_grade_medium must be true or false"),
        ({"score_low": 4, "score_medium": 3}, "score thresholds must rise"),
        ({"factor_weights": {"isolatd": 1}}, "unknown factor code(s) isolatd"),
        ({"factor_weights": {"isolated": -1}}, "factor_weights['isolated'] must be 0 or more"),
        ({"nationality_patterns": {"vn": "x"}}, "must be an ISO 3166-1 alpha-3 code"),
        ({"nationality_patterns": {"VNM": " "}}, "must name the pattern in plain words"),
        ({"unsuitable_placement_codes": "K3"}, "must be a collection of codes"),
    ],
)
def test_invalid_settings_are_rejected_clearly(values, message):
    with pytest.raises(ValueError, match="Invalid risk settings") as error:
        RiskSettings(**values)
    assert message in str(error.value)


def test_several_problems_are_reported_together():
    with pytest.raises(ValueError) as error:
        RiskSettings(early_missing_days=-1, repeat_window_days=0)
    assert "early_missing_days" in str(error.value) and "repeat_window_days" in str(error.value)


def test_weight_overrides_merge_into_the_defaults():
    settings = RiskSettings(factor_weights={"isolated": 4})
    assert settings.weight("isolated") == 4
    assert settings.weight("trafficker_contact") == DEFAULTS.weight("trafficker_contact")


def test_settings_round_trip_and_fingerprint():
    settings = RiskSettings(
        early_missing_days=3,
        unsuitable_placement_codes=["K3", "P2"],
        factor_weights={"isolated": 2},
    )
    stored = settings.as_dict()
    assert stored["unsuitable_placement_codes"] == ["K3", "P2"]
    again = RiskSettings.from_dict(stored)
    assert again == settings and hash(again) == hash(settings)
    assert again.fingerprint() == settings.fingerprint() != DEFAULTS.fingerprint()
    with pytest.raises(ValueError, match="Unknown risk setting"):
        RiskSettings.from_dict({"early_days": 3})


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        DEFAULTS.early_missing_days = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        DEFAULTS.factor_weights["isolated"] = 9  # type: ignore[index]


def test_facts_reject_naive_instants_and_unknown_codes():
    with pytest.raises(ValueError, match="timezone-aware"):
        EpisodeFact("e1", "M", dt.datetime(2024, 6, 1, 12))
    with pytest.raises(ValueError, match="category 'absent'"):
        EpisodeFact("e1", "absent", at(2024, 6, 1))
    with pytest.raises(ValueError, match="Flag kind 'trafficked'"):
        FlagFact("trafficked", dt.date(2024, 1, 1))
    with pytest.raises(ValueError, match="Unknown risk factor code"):
        child(factors=frozenset({"nationality"}))
    with pytest.raises(ValueError, match="Nation 'UK'"):
        child(nation="UK")
    with pytest.raises(ValueError, match="alpha-3"):
        child(nationality="Vietnamese")
    with pytest.raises(ValueError, match="outcome"):
        ReturnInterviewFact(None, "missed", None)
    with pytest.raises(ValueError, match="reasonable grounds decision 'yes'"):
        NrmFact(dt.date(2024, 1, 1), rg_decision="yes")


def test_facts_reject_ends_before_starts_and_datetimes_for_dates():
    with pytest.raises(ValueError, match="before the start"):
        EpisodeFact("e1", "M", at(2024, 6, 2), ended_at=at(2024, 6, 1))
    with pytest.raises(ValueError, match="before the start"):
        PlacementFact("K2", "", dt.date(2024, 6, 2), dt.date(2024, 6, 1))
    with pytest.raises(TypeError, match="must be a date"):
        FlagFact("uasc", at(2024, 6, 1))
    with pytest.raises(ValueError, match="unique"):
        child(episodes=(episode("e1"), episode("e1", at(2024, 7, 1))))


def test_lists_and_sets_are_frozen_into_tuples():
    facts = child(episodes=[episode()], factors={"isolated"})
    assert isinstance(facts.episodes, tuple) and isinstance(facts.factors, frozenset)
    assert hash(facts)
