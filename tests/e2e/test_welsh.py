"""Visible in Welsh in a real browser (docs/welsh.md): a missing-children coordinator chooses
Cymraeg in the footer, sees the Missing now board and the navigation in Welsh on a page marked
lang="cy", with no serious accessibility problem, on one row, and chooses English again. With
JavaScript off too, as the switch is a plain form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.missing_pages import check_page
from tests.e2e.support import e2e_db
from tests.e2e.test_navigation import assert_one_row_or_one_column, nav_rows
from tests.factories import create_uasc_child, report_missing

pytestmark = [pytest.mark.e2e, e2e_db]


def _switch(page: Page, language: str) -> None:
    footer = page.locator("footer")
    footer.get_by_role("button", name=language).click()
    expect(footer.get_by_role("button", name=language)).to_have_count(0)
    expect(footer.locator("strong", has_text=language)).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_coordinator_switches_to_welsh_in_the_footer_and_back(
    new_page, sw_a, coordinator_a, javascript
):
    child = create_uasc_child(sw_a)
    report_missing(sw_a, child, hours_ago=2)
    page = new_page(coordinator_a, javascript=javascript)
    page.goto("/missing-now/")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.locator("h1")).to_have_text("Missing now")

    _switch(page, "Cymraeg")
    assert page.url.endswith("/missing-now/"), "the switch goes back to the page it was on"
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("h1")).to_have_text("Ar goll nawr")
    navigation = page.locator(".govuk-service-navigation")
    expect(navigation.get_by_role("link", name="Ar goll nawr")).to_have_attribute(
        "aria-current", "page"
    )
    expect(navigation.get_by_role("link", name="Plant", exact=True)).to_be_visible()
    expect(navigation.get_by_role("link", name=re.compile(r"^Rhybuddion \(\d+\)$"))).to_be_visible()
    expect(page.locator(".govuk-header").get_by_role("button", name="Allgofnodi")).to_be_visible()
    board = page.get_by_test_id("missing-now")
    expect(board.locator("caption")).to_have_text("1 plentyn ar goll neu i ffwrdd")
    expect(board.get_by_role("columnheader", name="Rhybudd mwyaf brys")).to_be_visible()
    expect(board.get_by_role("link", name=child.full_name)).to_be_visible()
    expect(page.get_by_test_id("translation-unchecked")).to_contain_text(
        "has not yet been checked by a fluent speaker"
    )
    if javascript:  # axe runs as a script in the page
        check_page(page, "Missing now in Welsh")
    assert_one_row_or_one_column("coordinator in Welsh", 1280, nav_rows(page))

    # The choice holds on the next page.
    navigation.get_by_role("link", name="Plant", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")

    _switch(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.locator(".govuk-header").get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_test_id("translation-unchecked")).to_have_count(0)
    page.goto("/missing-now/")
    expect(page.locator("h1")).to_have_text("Missing now")
