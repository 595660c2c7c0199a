"""Accessibility of every main page: axe-core finds no serious or critical violation; each page
has one h1 and a title ending "– Visible", starting "Error:" when the page shows errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import (
    AXE_JS,
    ChildFormPage,
    ChildRecordPage,
    ChildrenListPage,
    CountsPage,
    HistoryPage,
    SignInPage,
    axe_violations,
    describe_violations,
)
from tests.e2e.support import e2e_db
from tests.factories import COUNCIL_B_CODE

pytestmark = [pytest.mark.e2e]


def check_page(page: Page, name: str, *, error: bool = False) -> None:
    expect(page.locator("h1")).to_have_count(1)
    title = page.title()
    assert title.endswith(" – Visible"), f"{name}: title {title!r} does not end with '– Visible'"
    if error:
        assert title.startswith("Error: "), (
            f"{name}: a page showing errors must have a title starting 'Error:', not {title!r}"
        )
        expect(page.locator(".govuk-error-summary")).to_be_visible()
    else:
        assert not title.startswith("Error:"), f"{name}: title {title!r} says there is an error"
    violations = axe_violations(page)
    assert not violations, (
        f"{name} ({page.url}) has serious or critical accessibility problems:\n"
        + describe_violations(violations)
    )


def test_axe_core_is_installed():
    assert AXE_JS.is_file(), (
        f"{AXE_JS} is missing: run `npm ci` (axe-core is a devDependency in package.json)"
    )


@e2e_db
def test_main_pages_have_no_serious_accessibility_problems(
    new_page, manager_a, sw_a, make_child, flag, place, days_ago
):
    child = make_child(
        manager_a,
        given_names="Văn Anh",
        family_name="Nguyễn",
        other_names=[("Nguyen Van Anh", "other_spelling")],
    )
    flag(manager_a, child, "trafficked_suspected", start_days_ago=40)
    flag(manager_a, child, "uasc", start_days_ago=60, ended_days_ago=5)
    place(manager_a, child, COUNCIL_B_CODE, start_days_ago=30)

    anonymous = new_page()
    SignInPage.open(anonymous)
    check_page(anonymous, "Sign in")
    SignInPage(anonymous).sign_in("manager.a", "wrong-password")
    check_page(anonymous, "Sign in, wrong password", error=True)

    page = new_page(manager_a)
    ChildrenListPage.open(page)
    check_page(page, "Children list")
    ChildrenListPage(page).filter(Flag="Trafficked (suspected)")
    check_page(page, "Children list, filtered")
    ChildrenListPage.open(page, "q=Nguyen")
    check_page(page, "Children list, searched")

    ChildRecordPage.open(page, child.pk)
    check_page(page, "Child's record")

    form = ChildFormPage.open(page)
    check_page(page, "Add a child")
    form.fill_details(given_names="Minh", date_of_birth=days_ago(-400))
    form.add()
    check_page(page, "Add a child, with errors", error=True)

    record = ChildRecordPage.open(page, child.pk)
    form = record.record_flag()
    check_page(page, "Record a flag")
    form.submit("Record flag")
    check_page(page, "Record a flag, with errors", error=True)
    ChildRecordPage.open(page, child.pk).record_placement()
    check_page(page, "Record a placement")

    HistoryPage.open(page, child.pk)
    check_page(page, "History")

    counts = CountsPage.open(page)
    check_page(page, "Counts")
    counts.fill_date("From", days_ago(1))
    counts.fill_date("To", days_ago(10))
    counts.press("Show counts")
    check_page(page, "Counts, with errors", error=True)

    page.goto("/children/99999999/")
    check_page(page, "Page not found")

    kent_view = new_page(sw_a)
    ChildRecordPage.open(kent_view, child.pk)
    check_page(kent_view, "Child's record (social worker)")
