"""Generated missing and away episodes: they keep to the episode rules, look like the report's
numbers, have return interviews and engine-made gradings that replay exactly."""

from __future__ import annotations

import collections
import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from tests.factories import CROYDON, KENT
from visible.children.models import Child
from visible.dates import uk_date
from visible.demo.synthetic.episodes import graded_from
from visible.demo.synthetic.generate import generate
from visible.missing.facts import facts_from_json
from visible.missing.models import Episode, Grading, ReturnInterview
from visible.risk import RiskSettings, assess_episode, check_text

RUNS = [
    dict(authorities=[CROYDON, KENT], national=False, children=2500, seed=31),
    dict(authorities=None, national=True, children=1500, seed=32),
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def episodes_by_child(generated):
    found: dict[int, list[Episode]] = collections.defaultdict(list)
    for episode in Episode.objects.order_by("child_id", "last_seen_at"):
        found[episode.child_id].append(episode)
    return found


def test_summary_counts_the_episodes(generated):
    assert sum(s.episodes for s in generated) == Episode.objects.count() > 0
    assert (
        sum(s.open_episodes for s in generated)
        == Episode.objects.filter(returned_at__isnull=True).count()
        > 0
    )
    assert sum(s.return_interviews for s in generated) == ReturnInterview.objects.count() > 0
    assert sum(s.gradings for s in generated) == Grading.objects.count() > 0
    assert "missing or away episodes" in generated[0].describe()


def test_episodes_keep_to_the_episode_rules(generated, episodes_by_child):
    now = timezone.now()
    children = Child.objects.in_bulk(list(episodes_by_child))
    for child_id, episodes in episodes_by_child.items():
        child = children[child_id]
        open_ones = [e for e in episodes if e.returned_at is None]
        assert len(open_ones) <= 1, child_id  # 903 rule 586: never two open at once
        if open_ones:
            assert open_ones[0] is episodes[-1], child_id  # and nothing starts after an open one
        for i, e in enumerate(episodes):
            assert e.category in ("M", "A")
            assert uk_date(e.last_seen_at) >= child.looked_after_from, child_id  # 903 rule 581
            assert uk_date(e.last_seen_at) >= child.date_of_birth
            assert e.last_seen_at <= now and e.reported_at <= now
            assert e.last_seen_at <= e.reported_at
            if e.returned_at is not None:
                assert e.last_seen_at <= e.returned_at <= now, child_id  # 903 rule 567
                assert e.found_by and e.found_place
            if e.police_reported_at is not None:
                assert e.last_seen_at <= e.police_reported_at <= now
                assert e.police_force_id is not None and e.police_force.kind == "police"
            if i + 1 < len(episodes):  # 903 rule 574: no overlaps
                assert (
                    e.returned_at is not None and e.returned_at <= episodes[i + 1].last_seen_at
                ), child_id
            for text in (
                e.circumstances,
                e.last_seen_place,
                e.with_whom,
                e.clothing,
                e.found_place,
                e.return_condition,
            ):
                assert not check_text(text), text  # never 'absconder' or 'wanted'


def test_episodes_look_like_the_reports_numbers(generated, episodes_by_child):
    children = Child.objects.count()
    went_missing = len(episodes_by_child)
    episodes = sum(len(v) for v in episodes_by_child.values())
    # Report: 28% of trafficked and 13% of unaccompanied children went missing, about 2.4 times each.
    assert 0.1 < went_missing / children < 0.3
    assert 1.7 < episodes / went_missing < 3.2
    assert max(len(v) for v in episodes_by_child.values()) >= 5  # some go missing again and again
    trafficked = set(
        Child.objects.filter(
            flags__kind__in=["trafficked_suspected", "trafficked_identified"]
        ).values_list("pk", flat=True)
    )
    others = set(Child.objects.values_list("pk", flat=True)) - trafficked
    rate = lambda group: len(group & set(episodes_by_child)) / len(group)  # noqa: E731
    assert rate(trafficked) > rate(others)
    # About a third of episodes longer than a week (2% nationally).
    closed = Episode.objects.filter(returned_at__isnull=False).values_list(
        "last_seen_at", "returned_at"
    )
    long = sum(1 for start, end in closed if end - start > dt.timedelta(days=7))
    assert 0.18 < long / len(closed) < 0.45
    # Some are still missing; mostly 'missing', some 'away'; most reported to the police.
    still = Episode.objects.filter(returned_at__isnull=True).count()
    assert 0.1 < still / went_missing < 0.4
    away = Episode.objects.filter(category="A").count()
    assert 0.05 < away / episodes < 0.3
    assert Episode.objects.filter(police_reported_at__isnull=False).count() / episodes > 0.7


def test_many_go_missing_soon_after_becoming_looked_after(generated, episodes_by_child):
    children = Child.objects.in_bulk(list(episodes_by_child))
    early = sum(
        1
        for child_id, episodes in episodes_by_child.items()
        if (uk_date(episodes[0].last_seen_at) - children[child_id].looked_after_from).days <= 7
    )
    assert early / len(episodes_by_child) > 0.1
    # R-EARLY: those unaccompanied children carry the suspected-trafficking flag from then on.
    assert Child.objects.filter(
        flags__evidence__contains="Raised by the risk engine",
        flags__kind="trafficked_suspected",
    ).exists()


def test_some_turned_18_while_still_missing(generated):
    open_episodes = Episode.objects.filter(returned_at__isnull=True).select_related("child")
    turned = [e for e in open_episodes if e.child.age_on(timezone.localdate()) >= 18]
    assert turned
    for e in turned:
        assert e.child.age_on(uk_date(e.last_seen_at)) < 18  # went missing as a child


def test_police_force_is_the_one_covering_the_placement(generated):
    by_force = collections.Counter(
        Episode.objects.filter(
            child__responsible_organisation__authority__code=CROYDON, police_force__isnull=False
        ).values_list("police_force__name", flat=True)
    )
    assert by_force.most_common(1)[0][0] == "Metropolitan Police Service"
    kent = collections.Counter(
        Episode.objects.filter(
            child__responsible_organisation__authority__code=KENT, police_force__isnull=False
        ).values_list("police_force__name", flat=True)
    )
    assert kent.most_common(1)[0][0] == "Kent Police"
    scotland = set(
        Episode.objects.filter(
            child__responsible_organisation__authority__nation="Scotland",
            police_force__isnull=False,
        ).values_list("police_force__name", flat=True)
    )
    assert scotland <= {"Police Scotland"} | set(by_force)  # a placement across the border is rare


def test_return_interviews_mostly_in_time_some_late_declined_or_missing(generated):
    closed = Episode.objects.filter(returned_at__isnull=False)
    assert not ReturnInterview.objects.filter(episode__returned_at__isnull=True).exists()
    in_time = late = 0
    for interview in ReturnInterview.objects.select_related("episode"):
        returned = interview.episode.returned_at
        assert interview.offered_at >= returned
        if interview.outcome == "done":
            assert (
                interview.done_at >= interview.offered_at
                and interview.independent
                and interview.interviewer_name
            )
            if interview.done_at - returned <= dt.timedelta(hours=72):
                in_time += 1
            else:
                late += 1
        else:
            assert interview.done_at is None
    total = closed.count()
    assert in_time / total > 0.5 and late > 0
    assert ReturnInterview.objects.filter(outcome="declined").exists()
    without = closed.filter(return_interview__isnull=True).count()
    assert 0.03 < without / total < 0.2


def test_gradings_come_from_the_engine_and_replay_exactly(generated):
    recent = graded_from(timezone.localdate())
    should = Episode.objects.filter(Q(returned_at__isnull=True) | Q(last_seen_at__gte=recent))
    assert set(Grading.objects.values_list("episode_id", flat=True)) == set(
        should.values_list("pk", flat=True)
    )
    assert not Grading.objects.values("episode").annotate(n=Count("id")).filter(n__gt=1).exists()
    for grading in Grading.objects.select_related("episode")[:300]:
        assert grading.kind == "initial"
        # by the person who recorded the child's flags, by name
        assert grading.graded_by_name in set(
            grading.episode.child.flags.values_list("recorded_by_name", flat=True)
        )
        assert grading.episode.grade == grading.grade == grading.proposed_grade
        replayed = assess_episode(
            facts_from_json(grading.facts),
            str(grading.episode_id),
            grading.assessed_at,
            RiskSettings.from_dict(grading.settings),
        )
        assert replayed.as_dict() == grading.assessment
    # Every child generated is in scope, so every grading is at least medium, mostly high.
    grades = collections.Counter(Grading.objects.values_list("grade", flat=True))
    assert set(grades) <= {"medium", "high"} and grades["high"] > grades["medium"]
    assert not Episode.objects.exclude(pk__in=should).exclude(grade="").exists()


def test_episodes_per_child_scales_and_leaves_the_children_alone():
    arguments = dict(authorities=[CROYDON], national=False, children=300, seed=8)

    def run(**extra):
        with transaction.atomic():
            summary = generate(**arguments, **extra)
            people = list(
                Child.objects.order_by("council_id").values_list(
                    "council_id", "given_names", "family_name", "date_of_birth", "looked_after_from"
                )
            )
            transaction.set_rollback(True)
        return summary, people

    default, people = run()
    none, same_people = run(episodes_per_child=0)
    many, more_people = run(episodes_per_child=5)
    assert none.episodes == 0 and none.return_interviews == 0 and none.gradings == 0
    assert 0 < default.episodes < 300
    # About five each, fewer for children in care only a short while (how many depends on the day).
    assert 3.5 < many.episodes / 300 < 5.5
    assert people == same_people == more_people
    with pytest.raises(ValueError, match="0 or more"):
        generate(**arguments, episodes_per_child=-1)
