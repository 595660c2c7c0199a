"""The still-missing list over a generated country (issue 17): every child whose whereabouts
were not known at the end of the day, counted again here straight from their episodes, in the
right council and band of how long; and the national table built from the same list with its
disclosure control."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from visible.demo.synthetic.generate import generate
from visible.missing.models import Episode
from visible.returns import disclosure
from visible.transfers import queries

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def _still_missing_by_hand(as_at: dt.date) -> dict[int, tuple[str, int]]:
    """child -> (authority code, days since last seen), from each child's open missing episode
    with the earliest last-seen moment, reading every episode in Python."""
    end = dt.datetime.combine(as_at + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)
    found: dict[int, tuple[dt.datetime, str]] = {}
    for e in Episode.objects.select_related("child__responsible_organisation__authority"):
        if e.category != "M" or e.last_seen_at >= end:
            continue
        if e.returned_at is not None and e.returned_at < end:
            continue
        code = e.child.responsible_organisation.authority.code
        if e.child_id not in found or e.last_seen_at < found[e.child_id][0]:
            found[e.child_id] = (e.last_seen_at, code)
    return {
        child: (code, (as_at - seen.astimezone(LONDON).date()).days)
        for child, (seen, code) in found.items()
    }


def test_the_still_missing_list_and_national_table_over_a_generated_country():
    generate(None, True, 600, seed=2016)
    # Today's list, and the annual one (last 31 March), which the same query answers.
    for as_at in (timezone.localdate(), queries.last_31_march(timezone.localdate())):
        _check_the_list_and_table(as_at)


def _check_the_list_and_table(as_at: dt.date) -> None:
    expected = _still_missing_by_hand(as_at)
    assert expected, f"the generated country should leave some children missing on {as_at}"

    rows = queries.still_missing(as_at)
    assert {r.child_id: (r.authority_code, r.days_missing) for r in rows} == expected
    # Longest missing first.
    assert [r.days_missing for r in rows] == sorted((r.days_missing for r in rows), reverse=True)

    table = queries.national_still_missing(as_at)
    counts: dict[str, Counter] = defaultdict(Counter)
    for code, days in expected.values():
        counts[code][queries.band_of(days)] += 1
    published = table.published
    for code, bands in counts.items():
        assert (code, disclosure.TOTAL) in published, f"{code} is missing from the table"
        for band, n in bands.items():
            shown = published[code, band]
            # A count of 1 to 5 never shows; a larger one shows exactly unless hidden so that a
            # small one cannot be worked out.
            assert shown == disclosure.CONFIDENTIAL if n < 6 else shown in (n, "c")
    national = published[disclosure.TOTAL, disclosure.TOTAL]
    # The national total is rounded to 10, unless it is itself a count of 1 to 5.
    assert national == (
        disclosure.CONFIDENTIAL if len(expected) < 6 else disclosure.round_to_base(len(expected))
    )
    assert table.suppressed >= sum(1 for b in counts.values() for n in b.values() if n < 6)
