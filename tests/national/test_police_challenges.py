"""The national table of challenges to police grades (R-POLICE-GRADE), per force: opened in
the collection's period (UK days), each outcome as it stood at the period's end, published
with disclosure control."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import as_viewer, create_uasc_child, missing_episode
from visible.agencies.models import Organisation
from visible.dates import uk_midnight
from visible.missing import actions
from visible.missing.models import PoliceGradeChallenge
from visible.national import tables
from visible.returns.disclosure import TOTAL, ProtectedTable, recoverable_by_subtraction

pytestmark = pytest.mark.django_db
FROM, TO = dt.date(2024, 1, 1), dt.date(2024, 12, 31)


@pytest.fixture
def challenges(sw_a):
    """Met: 9 opened in 2024 (4 regraded high, 2 below high, 2 kept, 1 answered only in
    2025); Kent: 1 kept; one Met challenge from 2023 that must not count."""
    met = Organisation.objects.get(name="Metropolitan Police Service")
    kent = Organisation.objects.get(name="Kent Police")
    child = create_uasc_child(sw_a)
    episode = missing_episode(sw_a, child, force=met)
    actions.record_police_grade(as_viewer(sw_a), episode, "Medium")
    first = PoliceGradeChallenge.objects.get()
    grading = first.police_grading
    first.delete()

    def opened(force, day, outcome="", answered=None):
        at = uk_midnight(day) + dt.timedelta(hours=10)
        PoliceGradeChallenge.objects.create(
            episode=episode,
            police_grading=grading,
            force=force,
            reasons={},
            proposed_grade="high",
            opened_at=at,
            outcome=outcome,
            answered_at=uk_midnight(answered) if answered else (at if outcome else None),
        )

    for n in range(4):
        opened(met, dt.date(2024, 3, 1 + n), "regraded_high")
    for n in range(2):
        opened(met, dt.date(2024, 6, 1 + n), "regraded_below_high")
    for n in range(2):
        opened(met, dt.date(2024, 9, 1 + n), "kept")
    opened(met, dt.date(2024, 12, 31), "kept", answered=dt.date(2025, 1, 2))
    opened(kent, dt.date(2024, 1, 1), "kept")
    opened(met, dt.date(2023, 12, 31), "regraded_high")
    return met, kent


def test_challenges_are_counted_by_force_with_the_outcome_at_the_period_s_end(challenges):
    table = tables.police_challenges(FROM, TO)
    values = table.published(suppress=False)
    met = "Metropolitan Police Service"
    assert [label for _, label in table.rows] == ["Kent Police", met, "All forces"]
    assert values[met, "opened"] == 9
    assert values[met, "regraded_high"] == 4
    assert values[met, "regraded_below_high"] == 2
    assert values[met, "kept"] == 2
    assert values[met, "open"] == 1  # answered in 2025
    assert values["Kent Police", "kept"] == 1  # opened at 10:00 on the period's first day
    assert values[TOTAL, "opened"] == 10
    assert values[met, "high_pct"] == pytest.approx(44.4)


def test_published_the_small_counts_are_hidden_and_cannot_be_worked_out(challenges):
    table = tables.police_challenges(FROM, TO)
    shown = table.published(suppress=True)
    met = "Metropolitan Police Service"
    for key in ("regraded_high", "regraded_below_high", "kept", "open"):
        assert shown[met, key] == "c"
    assert shown["Kent Police", "opened"] == "c"
    assert shown[TOTAL, "opened"] == 10  # totals rounded to the nearest 10
    assert recoverable_by_subtraction(ProtectedTable(shown), table.relations) == []


def test_the_table_is_among_the_national_tables(challenges, analyst):
    from visible.national import actions as national

    collection = national.open_collection(
        as_viewer(analyst), "Calendar year 2024", FROM, TO, dt.date(2025, 3, 31)
    )
    built = tables.all_tables(tables.collect(collection, with_detail=False))
    assert built[-1].key == "police_challenges"
    assert built[-1].values[TOTAL, "opened"] == 10
