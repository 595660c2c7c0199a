"""A senior manager's counts: each number links to exactly the children behind it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import CountsPage
from tests.e2e.support import e2e_db

pytestmark = [pytest.mark.e2e, e2e_db]

SUSPECTED = "Trafficked (suspected)"
UASC = "Unaccompanied asylum-seeking child (UASC)"


def test_counts_for_a_period_link_to_the_children_behind_them(
    new_page, sw_a, sw_b, manager_a, make_child, flag, days_ago
):
    in_period = []
    for given, family, start, ended in (
        ("Lan", "Vo", 90, None),
        ("Minh", "Tran", 20, None),
        ("Dawit", "Tesfaye", 120, 50),
    ):
        child = make_child(sw_a, given_names=given, family_name=family)
        flag(sw_a, child, "trafficked_suspected", start_days_ago=start, ended_days_ago=ended)
        in_period.append(child)
    gone = make_child(sw_a, given_names="Harriet", family_name="Walker")
    flag(
        sw_a, gone, "trafficked_suspected", start_days_ago=150, ended_days_ago=70
    )  # ended before the period
    flag(sw_a, gone, "uasc", start_days_ago=150)
    kent = make_child(sw_b, given_names="Amir", family_name="Karimi")  # another council's child
    flag(sw_b, kent, "trafficked_suspected", start_days_ago=30)

    page = new_page(manager_a)
    page.goto("/")
    counts_nav = page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Counts", exact=True
    )
    with page.expect_navigation():
        counts_nav.click()
    counts = CountsPage(page)
    expect(counts.h1).to_have_text("Children in scope: counts")

    counts.set_period(days_ago(60), days_ago(0))
    start, end = days_ago(60), days_ago(0)
    assert counts.period_heading() == f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"
    assert counts.count_for_flag(SUSPECTED) == 3
    assert counts.count_for_flag(UASC) == 1
    assert counts.count_for_flag("Separated") == 0
    expect(page.get_by_test_id("total-in-scope")).to_have_text("4")

    children = counts.open_flag(SUSPECTED)
    expect(children.h1).to_have_text("Children")
    assert children.count() == 3
    expect(children.rows).to_have_count(3)
    assert sorted(children.names()) == ["TESFAYE, Dawit", "TRAN, Minh", "VO, Lan"]
    expect(page.get_by_text("Filtered by:", exact=False)).to_contain_text(
        f"Flag active between: {start.day} {start:%B %Y} and {end.day} {end:%B %Y}"
    )

    # A narrower period that misses the flag ended 50 days ago.
    counts = CountsPage.open(page).set_period(days_ago(40), days_ago(1))
    assert counts.count_for_flag(SUSPECTED) == 2
    children = counts.open_flag(SUSPECTED)
    assert children.count() == 2
    assert sorted(children.names()) == ["TRAN, Minh", "VO, Lan"]


def test_counts_period_must_run_forwards(new_page, manager_a, days_ago):
    page = new_page(manager_a)
    counts = CountsPage.open(page)
    counts.fill_date("From", days_ago(1))
    counts.fill_date("To", days_ago(10))
    counts.press("Show counts")
    counts.expect_error_summary("The 'to' date must be the same as or after the 'from' date")
    assert page.title().startswith("Error: ")
    expect(page.get_by_test_id("counts-by-flag")).to_have_count(0)
