"""The demo's newly arrived child: a part-done arrival checklist and a refused hotel placement."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from tests.factories import as_viewer
from visible.audit.models import AuditEvent
from visible.children.models import ArrivalItemDone, Placement, PlacementRefusal
from visible.demo.arrival import set_up_arrival_demo
from visible.missing.models import Alert

pytestmark = pytest.mark.django_db


def test_the_demo_shows_an_arriving_child_part_way_through_the_first_72_hours(council_a, sw_a):
    out = io.StringIO()
    child = set_up_arrival_demo(council_a, as_viewer(sw_a), timezone.now(), out)
    assert child is not None and child.age_on(timezone.localdate()) == 15
    assert set(ArrivalItemDone.objects.values_list("item", flat=True)) == {
        "grab_pack",
        "placement_check",
    }
    # The safety plan (due at 24 hours) is overdue, and says so in the council's alerts.
    overdue = Alert.objects.filter(child=child, code="arrival_item_overdue", resolved_at=None)
    assert [a.key.rsplit("/", 1)[1] for a in overdue] == ["safety_plan"]
    refusal = PlacementRefusal.objects.get(child=child)
    assert refusal.detail == "hotel" and refusal.reasons[0]["rule_id"] == "R-PLACE-UNDER-16"
    assert Placement.objects.get(child=child).place_code == "U6"
    assert AuditEvent.objects.filter(child_id=child.pk, summary__startswith="Placement refused")
    # Run again: nothing more is made.
    assert set_up_arrival_demo(council_a, as_viewer(sw_a), timezone.now(), out) is None
