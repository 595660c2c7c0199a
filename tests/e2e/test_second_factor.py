"""The second factor in a real browser: setting up an authenticator app at the first sign-in
(copying the key, as a person without a QR scanner would), signing in with a code, a wrong
code refused, a recovery code, the lockout after repeated wrong codes; axe-core on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import e2e_db
from tests.e2e.pages import (
    ChildrenListPage,
    SecondFactorPage,
    SetUpAuthenticatorPage,
    SignInPage,
)
from tests.e2e.test_accessibility import check_page

pytestmark = [pytest.mark.e2e]


@e2e_db
def test_set_up_then_sign_in_with_a_code_a_wrong_code_refused_and_a_lockout(page, sw_a):
    page.goto("/children/")
    sign_in = SignInPage(page)
    sign_in.sign_in("sw.a", PASSWORD, second_factor=False)

    # First sign-in: set up the app. The QR code is drawn on the server; the key is there as text.
    set_up = SetUpAuthenticatorPage(page)
    expect(set_up.h1).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    assert len(set_up.secret()) == 32
    check_page(page, "Set up your authenticator app")
    page.goto("/children/")  # nothing is open yet: back to the set-up
    expect(set_up.h1).to_have_text("Set up your authenticator app")

    set_up.enter_code("000000")
    set_up.expect_error_summary("The code is not right or has run out. Enter the 6-digit code your app shows now")
    check_page(page, "Set up, wrong code", error=True)

    codes_page = set_up.set_up()
    expect(codes_page.h1).to_have_text("Save your recovery codes")
    codes = codes_page.codes()
    assert len(codes) == 10 and all(len(c) == 14 for c in codes)
    check_page(page, "Save your recovery codes")
    codes_page.carry_on()
    children = ChildrenListPage(page)
    expect(children.h1).to_have_text("Children")
    assert page.url.endswith("/children/")  # back where they were going

    # Next time: a code. A wrong one is refused, the right one signs in.
    sign_in = children.sign_out()
    sign_in.sign_in("sw.a", PASSWORD, second_factor=False)
    code_page = SecondFactorPage(page)
    expect(code_page.h1).to_have_text("Enter the code from your authenticator app")
    check_page(page, "Enter the code")
    code_page.enter_code("123456")
    code_page.expect_error_summary("The code is not right or has run out. Enter the 6-digit code your app shows now")
    check_page(page, "Enter the code, wrong code", error=True)
    code_page.enter_code(SecondFactorPage.code_for("sw.a"))
    expect(ChildrenListPage(page).h1).to_have_text("Children")

    # A recovery code, when the phone is not to hand.
    sign_in = ChildrenListPage(page).sign_out()
    sign_in.sign_in("sw.a", PASSWORD, second_factor=False)
    code_page.follow("I cannot use my authenticator app: use a recovery code")
    expect(code_page.h1).to_have_text("Enter a recovery code")
    check_page(page, "Enter a recovery code")
    code_page.fill("Enter a recovery code", codes[0])
    code_page.press("Continue")
    children = ChildrenListPage(page)
    assert "You have 9 recovery codes left" in children.success_message()

    # Wrong codes, again and again: signing in is paused, without saying more.
    sign_in = children.sign_out()
    sign_in.sign_in("sw.a", PASSWORD, second_factor=False)
    for attempt in range(4):
        code_page.enter_code(f"00000{attempt}")
        expect(code_page.error_summary).to_be_visible()
    code_page.enter_code("000009")
    locked = SignInPage(page)
    expect(locked.h1).to_have_text("Sign in to Visible")
    locked.expect_error_summary("There have been too many attempts to sign in. Wait 15 minutes, then try again")
    check_page(page, "Locked out", error=True)
    # even the right password and code do not get in now
    locked.sign_in("sw.a", PASSWORD, second_factor=False)
    locked.expect_error_summary("There have been too many attempts to sign in. Wait 15 minutes, then try again")
    page.goto("/children/")
    expect(SignInPage(page).h1).to_have_text("Sign in to Visible")


@e2e_db
def test_the_sign_in_helper_passes_the_second_factor_for_an_enrolled_user(page, sw_a):
    from tests.security.totp import give_authenticator

    give_authenticator(sw_a)
    SignInPage.open(page).sign_in("sw.a", PASSWORD)
    expect(ChildrenListPage(page).h1).to_have_text("Children")
