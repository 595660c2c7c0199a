"""The arrival checklist's clock and the placement suitability gate (risk/arrival.py), and the
engine's R-ARRIVAL alerts: an in-scope child's arrival items are never silently dropped."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visible.risk import RULES, PlacementFact, sweep
from visible.risk.arrival import (
    ARRIVAL_ITEMS,
    ITEMS,
    PlacementProposal,
    check_placement,
    checklist,
    estimated_arrival,
    opens_automatically,
)
from visible.risk.engine import ALERT_RULES, _factors_present, _View
from visible.risk.facts import ArrivalFact

from .builders import at, child, episode, flag

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
UTC = dt.UTC
CODES = [item.code for item in ARRIVAL_ITEMS]


def arrived(arrival: ArrivalFact, **fields):
    return child(flags=(flag("uasc", dt.date(2024, 12, 1)),), arrival=arrival, **fields)


def overdue_items(facts, moment) -> set[str]:
    return {
        a.key.rsplit("/", 1)[1] for a in sweep(facts, moment) if a.code == "arrival_item_overdue"
    }


# --- the clock ------------------------------------------------------------------------------


def test_items_fall_due_24_48_and_72_hours_after_arrival():
    arrival = ArrivalFact(arrived_at=at(2024, 12, 4, 14))
    due = {s.item.code: s.due_at for s in checklist(arrival, at(2024, 12, 4, 15))}
    assert due["grab_pack"] == at(2024, 12, 5, 14)
    assert due["safety_plan"] == at(2024, 12, 5, 14)
    assert due["phones"] == at(2024, 12, 6, 14)
    assert due["nrm_decision"] == at(2024, 12, 7, 14)
    assert due["references"] == at(2024, 12, 7, 14)


def test_nothing_overdue_before_its_time_and_overdue_after_it():
    facts = arrived(ArrivalFact(arrived_at=at(2024, 12, 4, 14)))
    assert overdue_items(facts, at(2024, 12, 5, 13, 59)) == set()
    assert overdue_items(facts, at(2024, 12, 5, 14)) == {
        "grab_pack",
        "placement_check",
        "safety_plan",
    }
    assert overdue_items(facts, at(2024, 12, 7, 14)) == set(CODES)


def test_an_item_done_closes_its_alert_and_one_done_later_is_not_known_earlier():
    arrival = ArrivalFact(
        arrived_at=at(2024, 12, 4, 14), done=(("grab_pack", at(2024, 12, 5, 18)),)
    )
    facts = arrived(arrival)
    assert "grab_pack" in overdue_items(facts, at(2024, 12, 5, 17))
    assert "grab_pack" not in overdue_items(facts, at(2024, 12, 5, 18))


def test_the_alert_names_the_item_the_deadline_and_the_rule():
    facts = arrived(ArrivalFact(arrived_at=at(2024, 12, 4, 14)))
    alert = next(a for a in sweep(facts, at(2024, 12, 6, 0)) if "grab_pack" in a.key)
    assert alert.rule_id == "R-ARRIVAL"
    assert alert.due_at == at(2024, 12, 5, 14)
    assert "Make the grab pack ready" in alert.text
    assert "was due by 14:00 on 5 December 2024" in alert.text
    assert "Operation Innerste" in alert.source
    assert ALERT_RULES["arrival_item_overdue"] in RULES


def test_due_times_are_in_hours_across_the_clock_change():
    # Arrived 12:00 UK time on Saturday 26 October 2024; clocks went back at 02:00 on the 27th,
    # so 24 hours later it is 11:00 by the clock, whether the arrival was given in UTC or in
    # London time.
    from visible.dates import UK_TIME

    for arrived in (
        dt.datetime(2024, 10, 26, 11, 0, tzinfo=UTC),
        dt.datetime(2024, 10, 26, 12, 0, tzinfo=UK_TIME),
    ):
        arrival = ArrivalFact(arrived_at=arrived)
        due = {s.item.code: s.due_at for s in checklist(arrival, at(2024, 10, 26, 12))}
        assert due["grab_pack"] == dt.datetime(2024, 10, 27, 11, 0, tzinfo=UTC)
        assert due["grab_pack"].astimezone(UK_TIME).hour == 11


def test_unknown_item_and_naive_times_are_refused():
    with pytest.raises(ValueError, match="not one of"):
        ArrivalFact(arrived_at=at(2024, 12, 4), done=(("sandwiches", at(2024, 12, 5)),))
    with pytest.raises(ValueError, match="timezone-aware"):
        ArrivalFact(arrived_at=dt.datetime(2024, 12, 4, 12))


# --- invariants -----------------------------------------------------------------------------

moments = st.datetimes(
    min_value=dt.datetime(2016, 1, 1), max_value=dt.datetime(2040, 12, 31), timezones=st.just(UTC)
)


@st.composite
def arrivals(draw):
    arrived_at = draw(moments)
    done = []
    for code in draw(st.lists(st.sampled_from(CODES), unique=True)):
        done.append((code, arrived_at + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 10)))))
    return ArrivalFact(arrived_at=arrived_at, done=tuple(done))


@PROPERTY
@given(arrival=arrivals(), later=st.integers(0, 60 * 24 * 14), more=st.integers(0, 60 * 24 * 14))
def test_arrival_items_are_never_silently_dropped(arrival, later, more):
    """At any moment every item is on the checklist once, and each is done, not yet due, or
    raises an alert; an alert raised stays raised until its item is done."""
    facts = arrived(arrival)
    first = arrival.arrived_at + dt.timedelta(minutes=later)
    second = first + dt.timedelta(minutes=more)
    for moment in (first, second):
        statuses = checklist(arrival, moment)
        assert [s.item.code for s in statuses] == CODES
        alerted = overdue_items(facts, moment)
        for status in statuses:
            done = arrival.done_at(status.item.code, moment) is not None
            assert (status.item.code in alerted) == (not done and moment >= status.due_at)
            assert status.due_at > arrival.arrived_at
    for code in overdue_items(facts, first):
        assert code in overdue_items(facts, second) or arrival.done_at(code, second) is not None


@PROPERTY
@given(arrival=arrivals(), later=st.integers(0, 60 * 24 * 14))
def test_arrival_alerts_do_not_depend_on_the_order_items_were_listed(arrival, later):
    moment = arrival.arrived_at + dt.timedelta(minutes=later)
    reversed_ = dataclasses.replace(arrival, done=tuple(reversed(arrival.done)))
    assert sweep(arrived(arrival), moment) == sweep(arrived(reversed_), moment)


# --- the placement gate ---------------------------------------------------------------------

FIFTEEN = dt.date(2009, 6, 1)  # 15 on 1 December 2024
SIXTEEN = dt.date(2008, 6, 1)


def refused(**fields) -> set[str]:
    values = {"date_of_birth": FIFTEEN, "start": dt.date(2024, 12, 1), "place_code": "U6"}
    values.update(fields)
    return {r.rule_id for r in check_placement(PlacementProposal(**values))}


def test_the_checklist_opens_itself_only_in_the_first_week_of_care():
    today = dt.date(2027, 3, 1)
    assert opens_automatically(today, today)
    assert opens_automatically(dt.date(2027, 2, 22), today)  # 7 days
    assert not opens_automatically(dt.date(2027, 2, 21), today)  # 8 days
    assert not opens_automatically(dt.date(2027, 3, 2), today)  # not yet looked after


@PROPERTY
@given(
    day=st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)),
    minutes=st.integers(0, 24 * 60 - 1),
    after=st.integers(0, 10 * 24 * 60),
)
def test_an_estimated_arrival_never_makes_a_step_due_later_than_it_should_be(day, minutes, after):
    """Whenever on the day care began the child really arrived (clock changes included), the
    clock Visible starts on its own runs no later than theirs: each step is due no later."""
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    start = dt.datetime.combine(day, dt.time.min, tzinfo=london).astimezone(UTC)
    real = (start + dt.timedelta(minutes=minutes)).astimezone(london)
    on_the_day = real.date() == day  # a 23-hour day (clocks forward) ends an hour early
    now = real + dt.timedelta(minutes=after)
    estimate = estimated_arrival(day, now)
    assert estimate <= now
    if on_the_day:
        assert estimate <= real
        early = checklist(ArrivalFact(estimate, ()), now)
        true = checklist(ArrivalFact(real, ()), now)
        for guessed, actual in zip(early, true, strict=True):
            assert guessed.due_at <= actual.due_at
            assert actual.state != "overdue" or guessed.state == "overdue"


def test_a_hotel_for_a_child_under_16_is_refused_whatever_the_sign_off():
    assert refused(detail="hotel", signed_off_by="A Senior", sign_off_reason="none free") == {
        "R-PLACE-UNDER-16"
    }
    assert refused(place_code="K3", ofsted_urn="2654321") == {"R-PLACE-UNDER-16"}
    assert refused(place_code="Z11", unregulated=True) == {"R-PLACE-UNDER-16"}


def test_foster_care_and_childrens_homes_for_a_child_under_16_are_allowed():
    assert refused(place_code="U6") == set()
    assert refused(place_code="K2") == set()


def test_16th_birthday_is_the_line():
    # Born 1 June 2008: 16 on 1 June 2024.
    assert refused(date_of_birth=SIXTEEN, start=dt.date(2024, 5, 31), detail="hotel") == {
        "R-PLACE-UNDER-16"
    }
    assert refused(date_of_birth=SIXTEEN, start=dt.date(2024, 6, 1), detail="hotel") == {
        "R-PLACE-SIGN-OFF"
    }


def test_supported_accommodation_needs_its_ofsted_urn_from_28_october_2023():
    assert refused(date_of_birth=SIXTEEN, place_code="K3") == {"R-PLACE-URN"}
    assert refused(date_of_birth=SIXTEEN, place_code="K3", ofsted_urn="2654321") == set()
    assert refused(date_of_birth=SIXTEEN, place_code="K3", ofsted_urn="not a urn") == {
        "R-PLACE-URN"
    }
    early = dict(date_of_birth=dt.date(2006, 1, 1), place_code="H5")
    assert refused(start=dt.date(2023, 10, 27), **early) == set()
    assert refused(start=dt.date(2023, 10, 28), **early) == {"R-PLACE-URN"}


def test_an_unregulated_placement_at_16_needs_a_senior_managers_written_sign_off():
    base = dict(date_of_birth=SIXTEEN, place_code="Z11", unregulated=True)
    assert refused(**base) == {"R-PLACE-SIGN-OFF"}
    assert refused(signed_off_by="A Senior", **base) == {"R-PLACE-SIGN-OFF"}
    assert refused(signed_off_by="A Senior", sign_off_reason="No bed tonight", **base) == set()


def test_every_refusal_names_its_rule_and_a_field():
    for rule_id in ("R-PLACE-UNDER-16", "R-PLACE-URN", "R-PLACE-SIGN-OFF"):
        assert rule_id in RULES and RULES[rule_id].source


def test_an_unregulated_placement_counts_as_unsuitable_in_the_score():
    placement = PlacementFact("Z11", "", dt.date(2024, 1, 10), unregulated=True)
    facts = child(placements=(placement,), episodes=(episode(),))
    view = _View(facts, at(2024, 6, 2))
    found = _factors_present(
        facts, view, facts.episodes[0], dt.date(2024, 6, 1), frozenset(), _default()
    )
    assert "unsuitable_placement" in found
    plain = child(placements=(dataclasses.replace(placement, unregulated=False),))
    plain = dataclasses.replace(plain, episodes=(episode(),))
    found = _factors_present(
        plain,
        _View(plain, at(2024, 6, 2)),
        plain.episodes[0],
        dt.date(2024, 6, 1),
        frozenset(),
        _default(),
    )
    assert "unsuitable_placement" not in found


def _default():
    from visible.risk import DEFAULTS

    return DEFAULTS


def test_items_table_is_whole():
    assert set(ITEMS) == set(CODES) and len(CODES) == 7


# --- NRM timers that follow who decides ------------------------------------------------------


def test_a_pilot_panels_referral_is_due_in_45_days_and_the_home_offices_in_5_working_days():
    from visible.risk import NrmFact

    referred = dt.date(2024, 11, 1)  # a Friday
    for decided_by, not_yet, overdue in (
        ("home_office", at(2024, 11, 8, 23), at(2024, 11, 9, 1)),
        ("pilot_panel", at(2024, 12, 16, 23), at(2024, 12, 17, 1)),
    ):
        facts = child(nrm_referrals=(NrmFact(referred, decided_by=decided_by),))
        assert not [a for a in sweep(facts, not_yet) if a.code == "nrm_rg_overdue"], decided_by
        alert = next(a for a in sweep(facts, overdue) if a.code == "nrm_rg_overdue")
        assert ("45 days" in alert.text) == (decided_by == "pilot_panel")


def test_who_decides():
    from visible.risk.nrm import THRESHOLD_2023, THRESHOLD_BEFORE_2023, decider, threshold_on

    base = dict(date_of_birth=dt.date(2010, 6, 1), referred_on=dt.date(2024, 11, 1))
    panel = dict(in_pilot=True, age_disputed=False, public_order=False)
    assert decider(**base, **panel)[0] == "pilot_panel"
    assert decider(**base, **(panel | {"in_pilot": False}))[0] == "home_office"
    assert decider(**base, **(panel | {"age_disputed": True}))[0] == "home_office"
    assert decider(**base, **(panel | {"public_order": True}))[0] == "home_office"
    # 100 days before the 18th birthday (1 June 2028) the Home Office takes it back.
    near = dict(date_of_birth=dt.date(2010, 6, 1), referred_on=dt.date(2028, 2, 22))
    assert decider(**near, **panel) == ("home_office", "Within 100 days of turning 18")
    assert decider(**(near | {"referred_on": dt.date(2028, 2, 21)}), **panel)[0] == "pilot_panel"
    assert threshold_on(dt.date(2023, 1, 29)) == THRESHOLD_BEFORE_2023
    assert threshold_on(dt.date(2023, 1, 30)) == THRESHOLD_2023
