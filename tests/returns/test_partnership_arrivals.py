"""The partnership report's placement kinds and first days in care (issue 17): children in each
kind of setting, refused placements, and the time from arriving to first going missing."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from tests.factories import as_viewer, report_missing
from visible.agencies.viewer import Viewer
from visible.children import actions as register
from visible.children.inputs import PlacementInput
from visible.reference.models import Authority
from visible.returns import actions, partnership
from visible.sharing import actions as sharing_actions

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def test_placements_by_kind_refusals_and_hours_from_arriving_to_going_missing(
    sw_a, make_child, council_a
):
    area, _ = actions.define_partnership(
        Viewer.system("test"), "Croydon Safeguarding Children Partnership", ["E09000008"]
    )
    croydon = Authority.objects.get(code="E09000008")
    viewer = as_viewer(sw_a)
    arrived = dt.datetime(2025, 1, 5, 10, 0, tzinfo=UTC)
    with freeze_time("2025-01-05 12:00"):
        child = make_child(
            sw_a, date_of_birth=dt.date(2010, 3, 1), looked_after_from=dt.date(2025, 1, 5)
        )
        register.record_flag(viewer, child, "uasc", dt.date(2025, 1, 5), "Found at Dover")
        register.record_arrival_time(
            viewer, child.arrivals.get(), arrived, arrived + dt.timedelta(hours=2)
        )
        hotel = PlacementInput(
            place_code="Z1", detail="hotel", start_date=dt.date(2025, 1, 5), authority=croydon
        )
        with pytest.raises(register.PlacementRefused):
            sharing_actions.record_placement(viewer, child, hotel)
        sharing_actions.record_placement(
            viewer,
            child,
            PlacementInput(place_code="U6", start_date=dt.date(2025, 1, 5), authority=croydon),
        )
    with freeze_time("2025-01-07 12:00"):
        report_missing(sw_a, child, last_seen_at=arrived + dt.timedelta(hours=30))
    with freeze_time("2025-06-01 12:00"):
        report = partnership.build_report(area, 2024)
        html = partnership.render_html(report, pdf=False)

    placed = {row.label: row.this for row in report.section("placements").rows}
    assert placed["Foster care"] == 1
    assert placed["Hotels, B&B and other unregulated settings"] == 0
    assert "Placements refused as unsuitable in 2024 to 2025: 1 (0 in 2023 to 2024)" in html
    first_days = {row.label: row.this for row in report.section("arrivals").rows}
    assert first_days == {
        "Arrived": 1,
        "Went missing or away after arriving": 1,
        "Within 48 hours of arriving": 1,
        "Within 7 days of arriving": 1,
    }
    assert "first did so within 30 hours of arriving" in html
    assert report.previous.arrivals["arrived"] == 0


def test_the_kind_of_a_placement():
    assert partnership.placement_kind("Z11", "hotel", False) == "unregulated"
    assert partnership.placement_kind("Z11", "", True) == "unregulated"
    assert partnership.placement_kind("P2", "", False) == "unregulated"
    assert partnership.placement_kind("K3", "", False) == "supported"
    assert partnership.placement_kind("U4", "", False) == "foster"
    assert partnership.placement_kind("K2", "", False) == "residential"
    assert partnership.placement_kind("T4", "", False) == "other"
