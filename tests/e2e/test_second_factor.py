"""The second factor in a real browser: setting up an authenticator app at the first sign-in
(copying the key, as a person without a QR scanner would), signing in with a code, a wrong
code refused, a recovery code, the lockout after repeated wrong codes; axe-core on each page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import (
    ChildrenListPage,
    SecondFactorPage,
    SetUpAuthenticatorPage,
    SignInPage,
)
from tests.e2e.support import back_date_last_activity, e2e_db
from tests.e2e.test_accessibility import check_page
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e]


@e2e_db
def test_set_up_then_sign_in_with_a_code_a_wrong_code_refused_and_a_lockout(page, sw_a):
    page.goto("/children/")
    sign_in = SignInPage(page)
    sign_in.sign_in("sw.a", PASSWORD, second_factor=False)

    # First sign-in: set up the app. The QR code is drawn on the server; the key is there as text.
    set_up = SetUpAuthenticatorPage(page)
    expect(set_up.h1).to_have_text("Set up your authenticator app")
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    assert len(set_up.secret()) == 32
    check_page(page, "Set up your authenticator app")
    page.goto("/children/")  # nothing is open yet: back to the set-up
    expect(set_up.h1).to_have_text("Set up your authenticator app")

    set_up.enter_code("000000")
    set_up.expect_error_summary(
        "The code is not right or has run out. Enter the 6-digit code your app shows now"
    )
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
    code_page.expect_error_summary(
        "The code is not right or has run out. Enter the 6-digit code your app shows now"
    )
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
    assert "You have 9 recovery codes left" in children.important_message()

    # Wrong codes, again and again: signing in is paused, without saying more.
    sign_in = children.sign_out()
    sign_in.sign_in("sw.a", PASSWORD, second_factor=False)
    for attempt in range(4):
        code_page.enter_code(f"00000{attempt}")
        expect(code_page.error_summary).to_be_visible()
    code_page.enter_code("000009")
    locked = SignInPage(page)
    expect(locked.h1).to_have_text("Sign in to Visible")
    locked.expect_error_summary(
        "There have been too many attempts to sign in. Wait 15 minutes, then try again"
    )
    check_page(page, "Locked out", error=True)
    # even the right password and code do not get in now
    locked.sign_in("sw.a", PASSWORD, second_factor=False)
    locked.expect_error_summary(
        "There have been too many attempts to sign in. Wait 15 minutes, then try again"
    )
    page.goto("/children/")
    expect(SignInPage(page).h1).to_have_text("Sign in to Visible")


@e2e_db
def test_the_sign_in_helper_passes_the_second_factor_for_an_enrolled_user(page, sw_a):
    from tests.security.totp import give_authenticator

    give_authenticator(sw_a)
    SignInPage.open(page).sign_in("sw.a", PASSWORD)
    expect(ChildrenListPage(page).h1).to_have_text("Children")


@e2e_db
def test_password_reset_change_and_the_timeout_message_pages(page, sw_a, settings):
    """The password pages and the timed-out sign-in page, as a person meets them."""
    import re

    from django.core import mail

    from tests.security.totp import give_authenticator

    give_authenticator(sw_a)
    sw_a.email = "sw.a@example.org"
    sw_a.save()
    new_password = "a-brand-new-synthetic-passphrase"

    sign_in = SignInPage.open(page)
    sign_in.follow("Forgotten your password?")
    expect(sign_in.h1).to_have_text("Reset your password")
    check_page(page, "Reset your password")
    sign_in.fill("Email", "sw.a@example.org")
    sign_in.press("Send the link")
    expect(sign_in.h1).to_have_text("Check your email")
    check_page(page, "Check your email")

    link = re.search(r"https?://[^/\s]+(/password-reset/\S+)", mail.outbox[-1].body).group(1)
    page.goto(link)
    expect(sign_in.h1).to_have_text("Set a new password")
    check_page(page, "Set a new password")
    sign_in.fill("New password", new_password)
    sign_in.fill("New password confirmation", new_password)
    sign_in.press("Set the new password")
    expect(sign_in.h1).to_have_text("Your password has been changed")
    check_page(page, "Your password has been changed")
    page.goto(link)
    expect(sign_in.h1).to_have_text("This link does not work")
    check_page(page, "This link does not work")

    SignInPage.open(page).sign_in("sw.a", new_password)
    expect(ChildrenListPage(page).h1).to_have_text("Children")
    page.goto("/account/password")
    expect(sign_in.h1).to_have_text("Change your password")
    check_page(page, "Change your password")

    settings.VISIBLE_SESSION_IDLE_TIMEOUT = 30 * 60
    back_date_last_activity(page, dt.timedelta(minutes=31))  # away from the desk for 31 minutes
    page.goto("/counts/")
    timed_out = SignInPage(page)
    expect(timed_out.h1).to_have_text("Sign in to Visible")
    expect(page.get_by_test_id("timed-out")).to_contain_text(
        "You were signed out after 30 minutes without activity"
    )
    check_page(page, "Signed out after a timeout")
