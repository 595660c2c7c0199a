"""Councils are kept apart: Kent (council B) cannot open, find or count Croydon's (council A)
children, and every attempt is audited; but a Croydon child placed in Kent is visible to Kent,
in a limited view."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import ChildrenListPage, CountsPage
from tests.e2e.support import e2e_db
from tests.factories import COUNCIL_B_CODE, as_viewer
from visible.audit.models import AuditEvent
from visible.children import actions
from visible.children.inputs import NrmReferralInput

pytestmark = [pytest.mark.e2e, e2e_db]

SUSPECTED = "Trafficked (suspected)"


@pytest.fixture
def croydon_child(sw_a, make_child, flag):
    child = make_child(
        sw_a, given_names="Yonas", family_name="Haile", nationality="ERI", council_id="CR-8001"
    )
    flag(sw_a, child, "trafficked_suspected", start_days_ago=30)
    return child


def test_another_council_cannot_open_find_or_count_a_child(
    new_page, sw_b, manager_b, make_child, flag, croydon_child
):
    kent_child = make_child(sw_b, given_names="Amir", family_name="Karimi", nationality="IRN")
    flag(sw_b, kent_child, "trafficked_suspected", start_days_ago=10)
    page = new_page(sw_b)

    # By URL: "Page not found", exactly as for a record that does not exist; the attempt is audited.
    response = page.goto(f"/children/{croydon_child.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Haile")).to_have_count(0)
    not_there = page.goto("/children/99999999/")
    assert not_there.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    denied = AuditEvent.objects.filter(
        action="denied", actor_username="sw.b", child_id=croydon_child.pk
    )
    assert denied.count() == 1
    assert denied.get().object_id == str(croydon_child.pk)
    for path in ("history", "edit", "flags/add"):
        assert page.goto(f"/children/{croydon_child.pk}/{path}").status == 404
    assert (
        AuditEvent.objects.filter(
            action="denied", actor_username="sw.b", child_id=croydon_child.pk
        ).count()
        == 4
    )

    # By name search: not found, and the search is audited with what was asked.
    children = ChildrenListPage.open(page).search("Haile")
    assert children.count() == 0
    searches = list(AuditEvent.objects.filter(action="search", actor_username="sw.b"))
    assert len(searches) == 1
    assert json.loads(searches[0].detail)["filters"] == {"q": "Haile"}
    assert json.loads(searches[0].detail)["total"] == 0
    assert children.search("CR-8001").count() == 0
    assert ChildrenListPage.open(page).names() == ["KARIMI, Amir"]

    # Kent's manager counts Kent's children only.
    counts = CountsPage.open(new_page(manager_b))
    assert counts.count_for_flag(SUSPECTED) == 1
    listed = counts.open_flag(SUSPECTED)
    assert listed.names() == ["KARIMI, Amir"]


def test_a_child_placed_in_another_area_is_visible_there_in_a_limited_view(
    new_page, sw_a, sw_b, manager_b, croydon_child, place
):
    place(sw_a, croydon_child, COUNCIL_B_CODE, start_days_ago=20)  # now living in Kent
    actions.record_nrm_referral(
        as_viewer(sw_a),
        croydon_child,
        NrmReferralInput(
            referred_on=croydon_child.looked_after_from,
            first_responder="Croydon children's services",
            first_responder_kind="local_authority",
            reference="NRM-SECRET-1",
        ),
    )
    page = new_page(sw_b)

    children = ChildrenListPage.open(page).search("Haile")
    assert children.names() == ["HAILE, Yonas"]
    expect(children.row_for("HAILE, Yonas")).to_contain_text(
        f"Placed in your area by {croydon_child.responsible_organisation.name}"
    )

    record = children.open_child("HAILE, Yonas")
    expect(record.h1).to_have_text("Yonas Haile")
    expect(record.limited_view_banner()).to_be_visible()
    expect(record.limited_view_banner()).to_contain_text("You see a limited view")
    assert record.active_flags() == [SUSPECTED]
    expect(
        page.get_by_text(
            "U4: Foster placement with other foster carer: long term, Kent", exact=False
        )
    ).to_be_visible()
    # Not the identifiers, NRM, guardians, history, nor any way to change the record.
    assert not record.has_detail("Identifiers")
    assert not record.has_detail("Languages")
    expect(page.get_by_text("CR-8001")).to_have_count(0)
    expect(page.get_by_text("NRM-SECRET-1")).to_have_count(0)
    expect(record.section("National Referral Mechanism")).to_have_count(0)
    expect(record.section("Guardians and advocates")).to_have_count(0)
    expect(record.section("Other names and spellings")).to_have_count(0)
    expect(page.get_by_role("link", name="Change personal details", exact=False)).to_have_count(0)
    expect(page.get_by_role("button", name="Record a flag")).to_have_count(0)
    assert page.goto(f"/children/{croydon_child.pk}/history").status == 404
    assert AuditEvent.objects.filter(
        action="view",
        actor_username="sw.b",
        child_id=croydon_child.pk,
        summary="Viewed record (limited view)",
    ).exists()

    # Kent counts its own children, not those it hosts.
    counts = CountsPage.open(new_page(manager_b))
    assert counts.count_for_flag(SUSPECTED) == 0
