"""The NRM decision-making pilot in a real browser: a senior manager finds the page from the
risk settings, says the council joined the pilot a month ago, and a referral made since shows
the council's panel deciding, on its 45 days. The page has no serious accessibility problem."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import BasePage, axe_violations, describe_violations
from tests.e2e.support import e2e_db
from tests.factories import as_viewer
from visible.children import actions
from visible.children.inputs import NrmReferralInput

pytestmark = [pytest.mark.e2e, e2e_db]


def test_a_senior_manager_puts_the_council_in_the_pilot_and_a_referral_goes_to_its_panel(
    new_page, manager_a, sw_a, make_child, days_ago, years_old
):
    page = new_page(manager_a)
    screen = BasePage(page)
    page.goto("/risk-settings/")
    screen.follow("NRM decision-making pilot")
    expect(page.locator("h1")).to_have_text("NRM decision-making pilot")
    expect(page.get_by_test_id("pilot-today")).to_have_text(
        "Your council is not in the pilot today."
    )
    screen.fill_date("Date your council joined the pilot", days_ago(30))
    screen.navigate(lambda: page.get_by_role("button", name="Add the period").click())
    expect(page.get_by_role("alert")).to_contain_text("Your council is recorded in the pilot")
    expect(page.get_by_test_id("pilot-today")).to_contain_text("Your council is in the pilot today")
    expect(page.get_by_test_id("pilot-periods")).to_contain_text("Still in the pilot")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)

    child = make_child(sw_a, date_of_birth=years_old(15))
    actions.record_nrm_referral(
        as_viewer(sw_a),
        child,
        NrmReferralInput(
            referred_on=days_ago(1),
            first_responder="Croydon Children's Services",
            first_responder_kind="local_authority",
        ),
    )
    page.goto(f"/children/{child.pk}/")
    expect(page.get_by_test_id("nrm-decided-by")).to_contain_text(
        "Devolved decision-making panel (45 days)"
    )
