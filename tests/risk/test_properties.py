"""Property-based tests (hypothesis) for the invariants the issue names:

1. a child in scope who is missing is never graded below high;
2. no grade drops at an 18th birthday (nor at any later moment of an open episode);
3. the same facts always give the same output (whatever their order; nationality alone never
   changes the grade);
4. every alert (and every reason) carries its rule and source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visible.dates import age_on, eighteenth_birthday, uk_date, uk_midnight
from visible.risk import (
    FACTORS,
    RULES,
    ChildFacts,
    EpisodeFact,
    FlagFact,
    Grade,
    NrmFact,
    PlacementFact,
    ReturnInterviewFact,
    RiskSettings,
    assess_episode,
    check_override,
    sweep,
)

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

UTC = dt.UTC
SCOPE = {"trafficked_identified", "trafficked_suspected", "uasc", "unaccompanied", "separated"}
FLAG_KINDS = sorted(
    SCOPE | {"at_risk_of_trafficking", "cse", "cce", "gang", "criminalised", "age_disputed"}
)
PLACE_CODES = ["U4", "U6", "K2", "K3", "H5", "P2", "T4", "R1", "Z11"]
DETAILS = ["", "", "emergency", "hotel", "bed_and_breakfast", "specialist_foster"]
NOTES = [
    "",
    "Seen at the station",
    "absconder",
    "She wanted to go home",
    "Recorded as wanted",
    "Absconded",
]
NATIONALITIES = ["VNM", "GBR", "ALB", "ERI", "AFG", "SDN", "XXX"]
NATIONS = ["England", "Wales", "Scotland", "Northern Ireland"]


minutes = st.integers(min_value=1, max_value=60 * 24 * 45).map(lambda n: dt.timedelta(minutes=n))


@st.composite
def child_facts(draw) -> ChildFacts:
    dob = draw(st.dates(dt.date(2003, 1, 1), dt.date(2014, 12, 31)))
    looked_after = dob + dt.timedelta(days=draw(st.integers(10 * 365, 18 * 365 + 300)))
    first_start = dt.datetime.combine(looked_after, dt.time(0), tzinfo=UTC) + dt.timedelta(
        minutes=draw(st.integers(0, 60 * 24 * 120))
    )

    episodes = []
    cursor = first_start
    count = draw(st.integers(1, 4))
    for i in range(count):
        start = cursor + (dt.timedelta(0) if i == 0 else draw(minutes))
        is_open = i == count - 1 and draw(st.booleans())
        end = None if is_open else start + draw(minutes)
        police = draw(
            st.none() | st.integers(0, 60 * 48).map(lambda n, s=start: s + dt.timedelta(minutes=n))
        )
        interview = None
        if end is not None and draw(st.booleans()):
            outcome = draw(st.sampled_from(["offered", "accepted", "declined", "done", ""]))
            done_at = end + draw(minutes) if outcome == "done" else None
            interview = ReturnInterviewFact(end + dt.timedelta(hours=1), outcome, done_at)
        notes = tuple(draw(st.lists(st.sampled_from(NOTES), max_size=2)))
        episodes.append(
            EpisodeFact(
                f"e{i}", draw(st.sampled_from(["M", "A"])), start, end, police, interview, notes
            )
        )
        cursor = end or start

    span_days = (uk_date(cursor) - looked_after).days + 60

    def day_after_care(offset: int) -> dt.date:
        return looked_after + dt.timedelta(days=offset)

    flags = []
    for kind in draw(st.lists(st.sampled_from(FLAG_KINDS), max_size=4)):
        start = day_after_care(draw(st.integers(-30, span_days)))
        end = None if draw(st.booleans()) else start + dt.timedelta(days=draw(st.integers(0, 200)))
        flags.append(FlagFact(kind, start, end))

    placements = []
    day = looked_after
    for _ in range(draw(st.integers(0, 3))):
        length = draw(st.integers(1, 120))
        ends = draw(st.booleans())
        placements.append(
            PlacementFact(
                draw(st.sampled_from(PLACE_CODES)),
                draw(st.sampled_from(DETAILS)),
                day,
                day + dt.timedelta(days=length) if ends else None,
            )
        )
        day = day + dt.timedelta(days=length)

    referrals = []
    for _ in range(draw(st.integers(0, 2))):
        referred = day_after_care(draw(st.integers(0, span_days)))
        decision = draw(st.sampled_from(["pending", "positive", "negative"]))
        decided = (
            None
            if decision == "pending"
            else referred + dt.timedelta(days=draw(st.integers(0, 60)))
        )
        referrals.append(NrmFact(referred, decision, decided, "pending", None, draw(st.booleans())))

    return ChildFacts(
        child_id=draw(st.sampled_from(["c1", "child-7", "A123"])),
        date_of_birth=dob,
        looked_after_from=looked_after,
        nationality=draw(st.sampled_from(NATIONALITIES)),
        nation=draw(st.sampled_from(NATIONS)),
        flags=tuple(flags),
        placements=tuple(placements),
        nrm_referrals=tuple(referrals),
        episodes=tuple(episodes),
        has_guardian=draw(st.booleans()),
        age_assessment_status=draw(
            st.sampled_from(["none", "pending", "disputed", "concluded", "challenged"])
        ),
        factors=frozenset(draw(st.lists(st.sampled_from(sorted(FACTORS)), max_size=4))),
    )


risk_settings = st.builds(
    RiskSettings,
    min_child_grade_medium=st.booleans(),
    at_risk_in_high_scope=st.booleans(),
    early_missing_days=st.integers(0, 14),
    repeat_episodes=st.integers(2, 4),
    repeat_window_days=st.integers(1, 120),
    police_report_within_hours=st.integers(0, 6),
    approaching_18_days=st.integers(0, 180),
    long_missing_days=st.integers(1, 14),
    factor_weights=st.dictionaries(st.sampled_from(sorted(FACTORS)), st.integers(0, 5), max_size=5),
    score_low=st.integers(1, 3),
    score_medium=st.integers(3, 5),
    score_high=st.integers(5, 9),
)


@st.composite
def case(draw, with_settings: bool = True):
    """Facts, one of their episodes, a moment at or after it began, and settings."""
    facts = draw(child_facts())
    chosen = draw(st.sampled_from(facts.episodes))
    moment = chosen.started_at + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 400)))
    chosen_settings = draw(risk_settings) if with_settings else RiskSettings()
    return facts, chosen, moment, chosen_settings


def in_scope_kinds(
    facts: ChildFacts, episode: EpisodeFact, moment: dt.datetime, at_risk_counts: bool
) -> set[str]:
    """The test's own reading of R-HIGH's scope, written independently of the engine."""
    first, last = uk_date(episode.started_at), uk_date(moment)
    scope = SCOPE | ({"at_risk_of_trafficking"} if at_risk_counts else set())
    return {
        f.kind
        for f in facts.flags
        if f.kind in scope and f.start <= last and (f.end is None or f.end >= first)
    }


# 1. A child in scope who is missing is never graded below high ---------------------------


@PROPERTY
@given(case())
def test_a_child_in_scope_who_is_missing_is_never_below_high(example):
    facts, episode, moment, chosen_settings = example
    assessment = assess_episode(facts, episode.id, moment, chosen_settings)
    child_at_start = age_on(facts.date_of_birth, uk_date(episode.started_at)) < 18
    if child_at_start and in_scope_kinds(
        facts, episode, moment, chosen_settings.at_risk_in_high_scope
    ):
        assert assessment.grade is Grade.HIGH
        assert assessment.floor is Grade.HIGH
        assert any(r.rule_id == "R-HIGH" for r in assessment.reasons)
        # ...and no override can take it lower.
        for lower in (Grade.NO_APPARENT_RISK, Grade.LOW, Grade.MEDIUM):
            assert check_override(assessment, lower, "a written reason")


@PROPERTY
@given(case())
def test_no_override_goes_below_the_floor_and_upward_is_always_allowed(example):
    facts, episode, moment, chosen_settings = example
    assessment = assess_episode(facts, episode.id, moment, chosen_settings)
    assert assessment.floor <= assessment.grade
    for grade in Grade:
        errors = check_override(assessment, grade, "a written reason")
        assert bool(errors) is (grade < assessment.floor)
        if grade >= assessment.grade:
            assert check_override(assessment, grade, "") == []
        else:
            assert check_override(assessment, grade, "")


# 2. No grade drops at an 18th birthday ---------------------------------------------------


@st.composite
def missing_over_18th_birthday(draw):
    facts = draw(child_facts())
    last = max(facts.episodes, key=lambda e: e.started_at)
    still_missing = dataclasses.replace(last, ended_at=None)
    # Move the date of birth so the 18th birthday falls while this episode is open.
    birthday = uk_date(last.started_at) + dt.timedelta(days=draw(st.integers(1, 400)))
    if (birthday.month, birthday.day) == (2, 29):
        birthday += dt.timedelta(days=1)
    dob = birthday.replace(year=birthday.year - 18)
    episodes = tuple(still_missing if e.id == last.id else e for e in facts.episodes)
    facts = dataclasses.replace(facts, date_of_birth=dob, episodes=episodes)
    midnight = uk_midnight(eighteenth_birthday(dob))
    before = max(
        last.started_at, midnight - dt.timedelta(minutes=draw(st.integers(1, 60 * 24 * 30)))
    )
    after = midnight + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 400)))
    return facts, last.id, before, after, draw(risk_settings)


@PROPERTY
@given(missing_over_18th_birthday())
def test_no_grade_drops_at_the_18th_birthday(example):
    facts, episode_id, before, after, chosen_settings = example
    young = assess_episode(facts, episode_id, before, chosen_settings)
    adult = assess_episode(facts, episode_id, after, chosen_settings)
    assert adult.grade >= young.grade
    assert adult.floor >= young.floor
    assert "turned_18_while_missing" in adult.markers
    assert "turned_18_while_missing" not in young.markers


@PROPERTY
@given(case(), st.integers(0, 60 * 24 * 400))
def test_the_grade_of_an_open_episode_never_drops_as_time_passes(example, later_minutes):
    facts, episode, moment, chosen_settings = example
    open_episode = dataclasses.replace(episode, ended_at=None)
    facts = dataclasses.replace(
        facts, episodes=tuple(open_episode if e.id == episode.id else e for e in facts.episodes)
    )
    earlier = assess_episode(facts, episode.id, moment, chosen_settings)
    later = assess_episode(
        facts, episode.id, moment + dt.timedelta(minutes=later_minutes), chosen_settings
    )
    assert later.grade >= earlier.grade
    assert later.floor >= earlier.floor


# 3. Same facts, same output --------------------------------------------------------------


@PROPERTY
@given(case(), st.randoms(use_true_random=False))
def test_same_facts_same_output_whatever_their_order(example, shuffler):
    facts, episode, moment, chosen_settings = example

    def shuffled(items):
        items = list(items)
        shuffler.shuffle(items)
        return tuple(items)

    reordered = dataclasses.replace(
        facts,
        flags=shuffled(facts.flags),
        placements=shuffled(facts.placements),
        nrm_referrals=shuffled(facts.nrm_referrals),
        episodes=shuffled(facts.episodes),
    )
    first = assess_episode(facts, episode.id, moment, chosen_settings)
    assert assess_episode(facts, episode.id, moment, chosen_settings) == first
    assert assess_episode(reordered, episode.id, moment, chosen_settings) == first
    assert (
        assess_episode(reordered, episode.id, moment, chosen_settings).as_dict() == first.as_dict()
    )
    assert sweep(reordered, moment, chosen_settings) == sweep(facts, moment, chosen_settings)


@PROPERTY
@given(case(), st.sampled_from(NATIONALITIES))
def test_changing_only_nationality_never_changes_the_grade(example, nationality):
    facts, episode, moment, chosen_settings = example
    chosen_settings = dataclasses.replace(
        chosen_settings,
        nationality_patterns={
            "VNM": "Vietnamese children and cannabis cultivation",
            "ALB": "Albanian young people and criminal exploitation",
        },
    )
    original = assess_episode(facts, episode.id, moment, chosen_settings)
    other = assess_episode(
        dataclasses.replace(facts, nationality=nationality), episode.id, moment, chosen_settings
    )
    assert (
        other.grade,
        other.floor,
        other.score,
        other.markers,
        other.flags_to_raise,
        other.alerts,
    ) == (
        original.grade,
        original.floor,
        original.score,
        original.markers,
        original.flags_to_raise,
        original.alerts,
    )


@PROPERTY
@given(case(), st.sets(st.sampled_from(sorted(FACTORS)), max_size=4))
def test_more_risk_factors_never_lower_the_grade(example, extra):
    facts, episode, moment, chosen_settings = example
    fewer = assess_episode(facts, episode.id, moment, chosen_settings)
    more = assess_episode(
        dataclasses.replace(facts, factors=facts.factors | extra),
        episode.id,
        moment,
        chosen_settings,
    )
    assert more.grade >= fewer.grade
    assert more.floor == fewer.floor  # factors advise; they never move the floor


# 4. Every alert and every reason carries its rule and source -----------------------------


def assert_cited(item):
    rule = RULES[item.rule_id]
    assert item.text.strip()
    assert item.source == rule.source and item.source.strip()
    assert item.citation == rule.citation and item.citation.strip()


@PROPERTY
@given(case())
def test_every_alert_and_reason_carries_a_reason_and_source(example):
    facts, episode, moment, chosen_settings = example
    assessment = assess_episode(facts, episode.id, moment, chosen_settings)
    alerts = sweep(facts, moment, chosen_settings)
    for alert in alerts + assessment.alerts:
        assert_cited(alert)
        assert alert.key.startswith(f"{facts.child_id}/{alert.code}")
        assert alert.due_at.tzinfo is not None and alert.due_at <= moment  # raised only once due
        assert alert.episode_id is None or alert.episode_id in {e.id for e in facts.episodes}
    for reason in assessment.reasons:
        assert_cited(reason)
    assert len({a.key for a in alerts}) == len(alerts)
    assert assessment.prompts == tuple(dict.fromkeys(assessment.prompts))
    deciding = [r for r in assessment.reasons if r.floor == assessment.grade]
    assert deciding or assessment.grade is Grade.NO_APPARENT_RISK


@PROPERTY
@given(case(), st.integers(0, 60 * 24 * 30))
def test_rerunning_the_sweep_later_keeps_each_alerts_key_and_due_time(example, later_minutes):
    facts, _, moment, chosen_settings = example
    first = {a.key: a for a in sweep(facts, moment, chosen_settings)}
    later = {
        a.key: a
        for a in sweep(facts, moment + dt.timedelta(minutes=later_minutes), chosen_settings)
    }
    for key in first.keys() & later.keys():
        assert first[key] == later[key]
