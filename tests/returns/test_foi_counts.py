"""Every answer of the FOI return on a register whose answers were worked out by hand
(tests/returns/register.py), including the edge cases: an incident spanning the period's start,
one open at its end, a child who turned 18 while missing, a flag ended before the period,
missing (M) against away (A), and children outside the groups or the authority."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import as_viewer
from tests.returns import register as known
from visible.agencies.viewer import Viewer
from visible.audit.models import AuditEvent
from visible.reference.models import Authority
from visible.returns import foi

pytestmark = pytest.mark.django_db

CROYDON = "E09000008"

# Worked out by hand from the table in tests/returns/register.py, for 1/4/2024 to 31/3/2025.
EXPECTED = {
    "trafficked_identified": dict(
        children=2,
        children_missing_or_away=1,
        children_missing=1,
        children_away=1,
        incidents=2,
        incidents_missing=1,
        incidents_away=1,
        incidents_started_before=0,
        incidents_under_24_hours=1,
        incidents_1_to_7_days=1,
        incidents_over_7_days=0,
        incidents_still_missing=0,
        incidents_returned_themselves=1,
        incidents_found=1,
        children_still_missing=0,
        children_still_missing_turned_18=0,
    ),
    "trafficked_suspected": dict(
        children=1,
        children_missing_or_away=1,
        children_missing=1,
        children_away=0,
        incidents=1,
        incidents_missing=1,
        incidents_away=0,
        incidents_started_before=0,
        incidents_under_24_hours=0,
        incidents_1_to_7_days=0,
        incidents_over_7_days=0,
        incidents_still_missing=1,
        incidents_returned_themselves=0,
        incidents_found=0,
        children_still_missing=1,
        children_still_missing_turned_18=0,
    ),
    "trafficked": dict(
        children=3,
        children_missing_or_away=2,
        children_missing=2,
        children_away=1,
        incidents=3,
        incidents_missing=2,
        incidents_away=1,
        incidents_started_before=0,
        incidents_under_24_hours=1,
        incidents_1_to_7_days=1,
        incidents_over_7_days=0,
        incidents_still_missing=1,
        incidents_returned_themselves=1,
        incidents_found=1,
        children_still_missing=1,
        children_still_missing_turned_18=0,
    ),
    "uasc": dict(
        children=2,
        children_missing_or_away=2,
        children_missing=2,
        children_away=1,
        incidents=3,
        incidents_missing=2,
        incidents_away=1,
        incidents_started_before=1,
        incidents_under_24_hours=0,
        incidents_1_to_7_days=0,
        incidents_over_7_days=1,
        incidents_still_missing=2,
        incidents_returned_themselves=0,
        incidents_found=1,
        children_still_missing=2,
        children_still_missing_turned_18=1,
    ),
    "separated": dict(
        children=2,
        children_missing_or_away=2,
        children_missing=2,
        children_away=0,
        incidents=2,
        incidents_missing=2,
        incidents_away=0,
        incidents_started_before=1,
        incidents_under_24_hours=0,
        incidents_1_to_7_days=0,
        incidents_over_7_days=0,
        incidents_still_missing=2,
        incidents_returned_themselves=0,
        incidents_found=0,
        children_still_missing=2,
        children_still_missing_turned_18=2,
    ),
    "unaccompanied": dict.fromkeys(foi.MEASURES_BY_CODE, 0),
    "uasc_or_separated": dict(
        children=3,
        children_missing_or_away=3,
        children_missing=3,
        children_away=1,
        incidents=4,
        incidents_missing=3,
        incidents_away=1,
        incidents_started_before=2,
        incidents_under_24_hours=0,
        incidents_1_to_7_days=0,
        incidents_over_7_days=1,
        incidents_still_missing=3,
        incidents_returned_themselves=0,
        incidents_found=1,
        children_still_missing=3,
        children_still_missing_turned_18=2,
    ),
    "any": dict(
        children=6,
        children_missing_or_away=5,
        children_missing=5,
        children_away=2,
        incidents=7,
        incidents_missing=5,
        incidents_away=2,
        incidents_started_before=2,
        incidents_under_24_hours=1,
        incidents_1_to_7_days=1,
        incidents_over_7_days=1,
        incidents_still_missing=4,
        incidents_returned_themselves=1,
        incidents_found=2,
        children_still_missing=4,
        children_still_missing_turned_18=2,
    ),
}


@pytest.fixture
def known_register(sw_a, sw_b, fake):
    return known.build(sw_a, fake, other_council_user=sw_b)


@pytest.fixture
def croydon(council_a) -> Authority:
    return Authority.objects.get(code=CROYDON)


def test_every_count_of_every_group_matches_the_hand_worked_answers(known_register, croydon):
    result = foi.count_return([croydon], known.P_START, known.P_END)
    got = {g.code: {m.code: result.count(g.code, m.code) for m in foi.MEASURES} for g in foi.GROUPS}
    assert got == EXPECTED


def test_who_is_counted_and_who_is_not(known_register, croydon):
    result = foi.count_return([croydon], known.P_START, known.P_END)
    kids = known_register.children
    names = {pk: name for name, child in kids.items() for pk in [child.pk]}
    assert {names[pk] for pk in result.children} == {"ann", "ben", "cara", "dan", "fay", "gus"}
    # Cara had both trafficking flags in the period: identified, and not also suspected (Q1b).
    assert result.children[kids["cara"].pk].groups == {"trafficked_identified", "trafficked", "any"}
    # Eve's UASC flag ended before the period; Hal was 18 before it; Ivy came into care after it;
    # Jon's flag starts after it; Kit is at risk only; Kentish is Kent's child.
    for name in ("eve", "hal", "ivy", "jon", "kit", "kent"):
        assert kids[name].pk not in result.children, name


def test_lengths_bands_and_the_period_edges(known_register, croydon):
    result = foi.count_return([croydon], known.P_START, known.P_END)
    kids = known_register.children
    by_child = {}
    for incident in result.incidents:
        by_child.setdefault(incident.child_id, []).append(incident)
    ann = sorted(by_child[kids["ann"].pk], key=lambda i: i.last_seen_at)
    assert [(i.category, i.hours, i.band, i.found_by) for i in ann] == [
        ("M", 10.0, "under_24_hours", "police"),
        ("A", 48.0, "1_to_7_days", "self"),
    ]
    fay = sorted(by_child[kids["fay"].pk], key=lambda i: i.last_seen_at)
    # Spans the period's start: counted, flagged as started before; 11 days less the hour the
    # clocks went forward on 31 March 2024.
    assert (fay[0].started_before, fay[0].hours, fay[0].band) == (True, 263.0, "over_7_days")
    # Open at the end of the period (returned three days later): still missing as at the end,
    # its length so far from noon on 30 March to midnight on 1 April 2025.
    assert (fay[1].still_missing, fay[1].band, fay[1].hours) == (True, "still_missing", 36.0)
    (dan,) = by_child[kids["dan"].pk]
    assert dan.still_missing and dan.turned_18_while_missing
    (gus,) = by_child[kids["gus"].pk]
    assert gus.started_before and gus.still_missing and gus.turned_18_while_missing
    (ben,) = by_child[kids["ben"].pk]
    assert (
        ben.still_missing and not ben.turned_18_while_missing
    )  # 18 in September 2025, after the period


def test_the_next_year_sees_ben_turn_18_while_still_missing(known_register, croydon):
    result = foi.count_return([croydon], dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    ben = known_register.children["ben"]
    assert ben.pk in result.children
    (incident,) = [i for i in result.incidents if i.child_id == ben.pk]
    assert incident.started_before and incident.still_missing and incident.turned_18_while_missing
    assert result.count("trafficked_suspected", "children_still_missing_turned_18") == 1
    # Fay came back on 3 April 2025: in this period that incident ended, found by herself.
    fay = known_register.children["fay"]
    (back,) = [i for i in result.incidents if i.child_id == fay.pk]
    assert not back.still_missing and back.found_by == "self" and back.band == "1_to_7_days"


def test_breakdowns_by_nationality_and_gender(known_register, croydon):
    result = foi.count_return([croydon], known.P_START, known.P_END)
    assert result.breakdown("any", "children") == {
        ("VNM", "girl"): 1,
        ("VNM", "boy"): 1,
        ("ALB", "boy"): 1,
        ("GBR", "girl"): 1,
        ("AFG", "boy"): 1,
        ("ERI", "girl"): 1,
    }
    assert result.breakdown("any", "children", by="nationality_group") == {
        ("non_eu", "girl"): 2,
        ("non_eu", "boy"): 3,
        ("british", "girl"): 1,
    }
    assert result.breakdown("uasc_or_separated", "incidents") == {
        ("AFG", "boy"): 1,
        ("ERI", "girl"): 2,
        ("VNM", "boy"): 1,
    }
    assert result.breakdown("any", "children_still_missing") == {
        ("ALB", "boy"): 1,
        ("AFG", "boy"): 1,
        ("ERI", "girl"): 1,
        ("VNM", "boy"): 1,
    }
    assert result.breakdown_rows("uasc_or_separated", "incidents")[0] == "ERI"  # largest first


def test_a_one_day_period_and_a_period_with_nothing(known_register, croydon):
    one_day = foi.count_return([croydon], dt.date(2024, 5, 1), dt.date(2024, 5, 1))
    assert one_day.count("trafficked_identified", "incidents") == 1  # Ann's 10 hours on 1 May 2024
    empty = foi.count_return([croydon], dt.date(2010, 1, 1), dt.date(2010, 12, 31))
    assert all(empty.count(g.code, m.code) == 0 for g in foi.GROUPS for m in foi.MEASURES)


def test_the_period_and_authority_are_checked_with_messages_that_say_how_to_fix_them(council_a):
    with pytest.raises(ValueError, match=r"--from \(2025-09-02\) is after --to \(2025-09-01\)"):
        foi.check_period(dt.date(2025, 9, 2), dt.date(2025, 9, 1))
    with pytest.raises(ValueError, match="no authority has the GSS code 'E99999999'"):
        foi.authority_by_code("E99999999")
    with pytest.raises(
        ValueError, match=r"Kent \(E10000016\) has no children's services on Visible"
    ):
        foi.authority_by_code("E10000016")
    assert foi.authority_by_code(" e09000008 ").code == CROYDON


def test_only_the_authoritys_own_managers_may_make_the_return_and_both_are_audited(
    manager_a, sw_a, manager_b, croydon
):
    result = foi.foi_return_for(as_viewer(manager_a), croydon, known.P_START, known.P_END)
    assert result.authority == croydon
    event = AuditEvent.objects.filter(action="count", object_type="foi_return").latest("seq")
    assert event.actor_username == "manager.a" and "Croydon" in event.summary
    for user in (sw_a, manager_b):
        with pytest.raises(PermissionDenied):
            foi.foi_return_for(as_viewer(user), croydon, known.P_START, known.P_END)
    denied = AuditEvent.objects.filter(action="denied", object_type="foi_return").values_list(
        "actor_username", flat=True
    )
    assert sorted(denied) == ["manager.b", "sw.a"]
    foi.foi_return_for(
        Viewer.system("foi-return"), croydon, known.P_START, known.P_END
    )  # the command line


def test_the_return_is_counted_in_a_handful_of_queries(
    known_register, croydon, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        result = foi.count_return([croydon], known.P_START, known.P_END)
        result.count("any", "incidents")
