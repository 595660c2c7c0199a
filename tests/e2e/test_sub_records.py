"""A child's placements, NRM referral and decisions, age assessment and guardian, recorded
through their forms."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import ChildRecordPage
from tests.e2e.support import e2e_db
from visible.children.models import NrmReferral, Placement

pytestmark = [pytest.mark.e2e, e2e_db]

FOSTER_LONG = "U4: Foster placement with other foster carer: long term"
CHILDRENS_HOME = "K2: Children's home subject to Children's Homes Regulations"


def short(day) -> str:
    return f"{day.day} {day:%b %Y}"


def long(day) -> str:
    return f"{day.day} {day:%B %Y}"


def test_placements_out_of_area_overlap_refused_and_ended(new_page, sw_a, make_child, days_ago):
    child = make_child(sw_a, given_names="Hoa", family_name="Pham", looked_after_from=days_ago(200))
    page = new_page(sw_a)
    record = ChildRecordPage.open(page, child.pk)
    expect(record.page.get_by_text("No placements recorded.")).to_be_visible()

    form = record.record_placement()
    expect(form.h1).to_have_text("Record a placement")
    # The form starts with the child's own council as the authority.
    expect(page.get_by_label("Authority the placement is in", exact=True)).to_have_value(
        str(child.responsible_organisation.authority_id)
    )
    form.select("Placement type (SSDA903 PLACE code)", FOSTER_LONG)
    form.fill_date("Start date", days_ago(100))
    form.select("Authority the placement is in", "Kent (South East)")
    form.fill("Postcode (optional)", "ct1 1aa")
    form.submit("Record placement")
    record = form.saved()
    assert record.success_message() == "The placement has been recorded"
    row = record.placement_row("U4")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_contain_text("Kent, CT1 1AA")
    expect(row.locator(".govuk-tag")).to_have_text("Out of area")
    expect(row.locator("td").nth(3)).to_have_text("Current")

    # A second placement overlapping the first is refused, saying which one it overlaps.
    form = record.record_placement()
    form.select("Placement type (SSDA903 PLACE code)", CHILDRENS_HOME)
    form.fill_date("Start date", days_ago(50))
    form.submit("Record placement")
    message = (
        f"This placement overlaps another placement (from {days_ago(100):%d/%m/%Y} (still open)). "
        "End that one first, or change the dates"
    )
    form.expect_error_summary(message)
    assert form.field_error("id_start_date") == message
    assert Placement.objects.filter(child=child).count() == 1

    # End the first placement; then the new one (in Croydon, the child's own area) fits.
    record = ChildRecordPage.open(page, child.pk)
    form = record.end_placement("U4")
    expect(form.h1).to_have_text("End placement")
    form.fill_date("Date the placement ended", days_ago(51))
    form.submit("End placement")
    record = form.saved()
    assert record.success_message() == "The placement has been ended"
    expect(record.placement_row("U4").locator("td").nth(3)).to_have_text(short(days_ago(51)))
    expect(record.placement_row("U4").get_by_role("link", name="End placement U4")).to_have_count(0)

    form = record.record_placement()
    form.select("Placement type (SSDA903 PLACE code)", CHILDRENS_HOME)
    form.fill_date("Start date", days_ago(50))
    form.submit("Record placement")
    record = form.saved()
    home = record.placement_row("K2")
    expect(home.locator("td").nth(1)).to_contain_text("Croydon")
    expect(home.locator(".govuk-tag")).to_have_count(0)  # not out of area
    expect(home.locator("td").nth(3)).to_have_text("Current")
    assert list(
        Placement.objects.filter(child=child)
        .order_by("start_date")
        .values_list("place_code", "end_date")
    ) == [("U4", days_ago(51)), ("K2", None)]


def test_nrm_referral_and_decision_age_assessment_and_guardian(
    new_page, sw_a, make_child, days_ago
):
    child = make_child(sw_a, given_names="Lan", family_name="Vo")
    page = new_page(sw_a)
    record = ChildRecordPage.open(page, child.pk)
    expect(page.get_by_text("No NRM referral recorded.")).to_be_visible()

    # NRM referral: the first responder is filled in as the child's council.
    form = record.record_nrm_referral()
    expect(form.h1).to_have_text("Record an NRM referral")
    expect(page.get_by_label("First responder organisation", exact=True)).to_have_value(
        child.responsible_organisation.name
    )
    expect(
        form.group("Kind of first responder").get_by_label("Local authority", exact=True)
    ).to_be_checked()
    expect(
        form.group("Reasonable grounds decision").get_by_label("Awaiting decision", exact=True)
    ).to_be_checked()
    form.fill_date("Date referred", days_ago(40))
    form.fill("NRM reference (optional)", "NRM-E2E-1")
    form.submit("Record referral")
    record = form.saved()
    assert record.success_message() == "The NRM referral has been recorded"
    assert record.nrm_value("Referred") == (
        f"{long(days_ago(40))} by {child.responsible_organisation.name} "
        "(Local authority), reference NRM-E2E-1"
    )
    assert record.nrm_value("Reasonable grounds") == "Awaiting decision"

    # A positive reasonable grounds decision: a decision without its date is refused first.
    form = record.update_nrm_referral(days_ago(40))
    expect(form.h1).to_have_text("Update NRM referral and decisions")
    form.choose("Reasonable grounds decision", "Positive")
    form.submit("Save")
    form.expect_error_summary("Enter the date of the reasonable grounds decision")
    form.fill_date("Date of reasonable grounds decision", days_ago(10))
    form.submit("Save")
    record = form.saved()
    assert record.success_message() == "The NRM referral has been updated"
    assert record.nrm_value("Reasonable grounds") == f"Positive on {long(days_ago(10))}"
    assert record.nrm_value("Conclusive grounds") == "Awaiting decision"
    referral = NrmReferral.objects.get(child=child)
    assert (referral.rg_decision, referral.rg_decided_on) == ("positive", days_ago(10))

    # Age assessment status.
    form = record.record_age_assessment()
    expect(form.h1).to_have_text("Record age assessment status")
    form.choose("Age assessment status", "Disputed")
    form.fill_date("Status applies from", days_ago(15))
    form.submit("Save status")
    record = form.saved()
    assert record.success_message() == "The age assessment status has been recorded"
    assert record.age_assessment_rows() == [["Disputed Current", short(days_ago(15)), "", ""]]

    # An Independent Child Trafficking Guardian.
    expect(page.get_by_text("No guardian or advocate recorded.", exact=False)).to_be_visible()
    form = record.assign_guardian()
    expect(form.h1).to_have_text("Assign a guardian or advocate")
    form.choose("Kind of guardian or advocate", "Independent Child Trafficking Guardian")
    form.fill("Name", "Alex Example")
    form.fill("Organisation or service", "Example ICTG Service (synthetic)")
    form.fill_date("Start date", days_ago(7))
    form.submit("Assign")
    record = form.saved()
    assert record.success_message() == "The guardian or advocate has been recorded"
    assert [row[:4] for row in record.guardian_rows()] == [
        [
            "Independent Child Trafficking Guardian",
            "Alex Example, Example ICTG Service (synthetic)",
            short(days_ago(7)),
            "Current",
        ]
    ]
    expect(
        page.get_by_role("link", name="End assignment of Alex Example", exact=True)
    ).to_be_visible()
