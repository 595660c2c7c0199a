"""Signing in and out, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import ChildrenListPage, SignInPage
from tests.e2e.support import chromium_problem, e2e_db
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e]


def test_debian_chromium_is_installed():
    """The browser tests need /usr/bin/chromium: without it they fail, saying what to do."""
    problem = chromium_problem()
    assert problem is None, problem


@e2e_db
def test_sign_in_with_a_wrong_password_then_the_right_one_and_sign_out(page, sw_a):
    page.goto("/children/")
    sign_in = SignInPage(page)
    expect(sign_in.h1).to_have_text("Sign in to Visible")
    assert page.title() == "Sign in – Visible"
    expect(page.locator("body.js-enabled")).to_have_count(
        1
    )  # GOV.UK Frontend started (CSP allows our script)

    sign_in.sign_in("sw.a", "not-the-password")
    sign_in.expect_error_summary("Enter a correct username and password. Both are case-sensitive.")
    assert page.title() == "Error: Sign in – Visible"
    expect(page.get_by_label("Username", exact=True)).to_have_value("sw.a")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")

    sign_in.sign_in("sw.a", PASSWORD)
    children = ChildrenListPage(page)
    expect(children.h1).to_have_text("Children")
    assert page.url.endswith("/children/")
    assert "Sw" in children.signed_in_as() and "Social worker" in children.signed_in_as()
    expect(children.error_summary).to_have_count(0)

    signed_out = children.sign_out()
    expect(signed_out.h1).to_have_text("Sign in to Visible")
    page.goto("/children/")
    expect(SignInPage(page).h1).to_have_text("Sign in to Visible")  # the session is gone
