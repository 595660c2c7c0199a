"""The pages work without JavaScript: sign in, add a child, find them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import ChildRecordPage, ChildrenListPage, SignInPage
from tests.e2e.support import e2e_db
from tests.factories import PASSWORD
from visible.children.models import Child

pytestmark = [pytest.mark.e2e, e2e_db]


def test_add_a_child_and_find_them_without_javascript(new_page, sw_a, years_old, days_ago):
    page = new_page(javascript=False)
    SignInPage.open(page).sign_in("sw.a", PASSWORD)
    children = ChildrenListPage(page)
    expect(children.h1).to_have_text("Children")
    expect(page.locator("body.js-enabled")).to_have_count(0)  # GOV.UK Frontend did not start

    form = children.add_child()
    form.fill_details(
        given_names="Thi Mai",
        family_name="Đặng",
        other_names="Dang Thi Mai\nMai Dang",
        date_of_birth=days_ago(-3),
        dob_basis="Assessed (age assessment)",
        sex="Female",
        gender="Girl or young woman",
        nationality="Vietnam",
        looked_after_from=days_ago(3),
        council_id="CR-NOJS-1",
    )
    form.add()
    form.expect_error_summary("Date of birth must be today or in the past")
    assert Child.objects.count() == 0
    form.fill_date("Date of birth", years_old(14))
    form.add()
    record = ChildRecordPage(page)
    expect(record.h1).to_have_text("Thi Mai Đặng")
    assert record.success_message() == "Thi Mai Đặng has been added to the register"
    assert "Mai Dang" in record.other_names()

    # Search with and without the diacritics, and by the council ID.
    children = ChildrenListPage.open(page).search("Dang")
    assert children.names() == ["ĐẶNG, Thi Mai"]
    children.search("thi mai đặng")
    assert children.names() == ["ĐẶNG, Thi Mai"]
    children.search("CR-NOJS-1")
    assert children.names() == ["ĐẶNG, Thi Mai"]
    # The filters sit in a native <details>: they open without script.
    children.filter(Nationality="Vietnam", Age="14 to 15")
    assert children.names() == ["ĐẶNG, Thi Mai"]
    expect(children.open_child("ĐẶNG, Thi Mai").h1).to_have_text("Thi Mai Đặng")
