"""Single sign-on in a real browser: a council's administrator sets up its own OpenID Connect
provider (the tests' provider, tests/sso/provider.py) on the single sign-on page, checks the
issuer and turns it on; a social worker of the council signs in through the provider and lands
on their children; someone the council never added is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import BasePage, axe_violations, describe_violations
from tests.e2e.support import e2e_db
from tests.sso.journey import kent_admin, member, set_up_provider
from tests.sso.provider import TestProvider
from visible.audit.models import AuditEvent
from visible.sso.models import IdentityProvider

pytestmark = [pytest.mark.e2e, e2e_db]

EMAIL = "sam.okafor@kent.gov.uk"  # synthetic


def accessible(page, name: str, *, error: bool = False) -> None:
    """One h1, the title's form, and no serious or critical axe-core violation."""
    expect(page.locator("h1")).to_have_count(1)
    title = page.title()
    assert title.endswith(" – Visible") and title.startswith("Error: ") == error, (name, title)
    violations = axe_violations(page)
    assert not violations, f"{name}: " + describe_violations(violations)


@pytest.fixture
def oidc():
    provider = TestProvider().start()
    yield provider
    provider.stop()


def test_an_administrator_sets_up_single_sign_on_on_the_page(new_page, oidc, council_b):
    admin = kent_admin(council_b)
    page = new_page(admin)
    page.goto("/")
    page.get_by_role("link", name="Single sign-on").click()
    settings = BasePage(page)
    expect(settings.h1).to_have_text("Single sign-on")
    redirect_uri = page.get_by_test_id("redirect-uri").inner_text()
    assert redirect_uri.endswith("/sign-in/organisation/callback")
    accessible(page, "single sign-on settings")

    page.get_by_role("button", name="Save settings").click()  # nothing filled in
    settings.expect_error_summary("Enter the issuer URL your provider gives")
    accessible(page, "single sign-on settings with errors", error=True)

    page.get_by_label("Issuer URL").fill(oidc.issuer)
    page.get_by_label("Client ID").fill(oidc.client_id)
    page.get_by_label("Client secret").fill(oidc.client_secret)
    page.get_by_label("Email domains").fill("kent.gov.uk")
    page.get_by_label("Yes, for everyone who uses Visible").check()
    page.get_by_role("button", name="Save settings").click()
    assert settings.success_message() == "Single sign-on settings saved"
    expect(page.get_by_test_id("sso-status")).to_contain_text("Off")
    expect(page.get_by_test_id("sso-status")).to_contain_text(
        "Your provider's own MFA stands in for Visible's code"
    )
    expect(page.get_by_label("Client secret")).to_have_value("")  # never shown back

    page.get_by_role("button", name="Check the issuer").click()
    expect(page.get_by_test_id("check-found")).to_contain_text("The issuer is usable")
    accessible(page, "the issuer checked")
    page.get_by_role("button", name="Turn on single sign-on").click()
    assert settings.success_message().startswith("Single sign-on is on")
    expect(page.get_by_test_id("sso-status")).to_contain_text("On")
    assert IdentityProvider.objects.get().enabled


def test_a_councils_social_worker_signs_in_through_the_councils_provider(new_page, oidc, council_b):
    set_up_provider(kent_admin(council_b), oidc, enforces_mfa=True)
    member("sw.kent", council_b, EMAIL)
    oidc.sign_in_as(EMAIL)
    page = new_page()
    page.goto("/children/")
    page.get_by_role("link", name="Sign in with your organisation's account").click()
    expect(BasePage(page).h1).to_have_text("Sign in with your organisation's account")
    accessible(page, "sign in with your organisation's account")
    page.get_by_label("Your work email address").fill("sam.okafor@example.org")
    page.get_by_role("button", name="Continue").click()
    BasePage(page).expect_error_summary(
        "No organisation signs in to Visible with addresses at example.org. "
        "Sign in with your username and password instead"
    )
    accessible(page, "an email no organisation signs in with", error=True)
    page.get_by_label("Your work email address").fill(EMAIL)
    page.get_by_role("button", name="Continue").click()
    expect(BasePage(page).h1).to_have_text(f"Continue to {council_b.name}'s sign-in")
    accessible(page, "continue to the organisation's sign-in")
    page.get_by_role("button", name="Continue").click()  # to the provider, and back
    page.wait_for_url("**/children/")
    expect(BasePage(page).h1).to_have_text("Children")
    assert "Social worker" in BasePage(page).signed_in_as()
    event = AuditEvent.objects.filter(action="sign_in").get()
    assert event.actor_username == "sw.kent" and event.detail_data["amr"] == ["pwd", "mfa"]


def test_someone_the_council_never_added_is_refused(new_page, oidc, council_b):
    set_up_provider(kent_admin(council_b), oidc, enforces_mfa=True)
    oidc.sign_in_as("new.starter@kent.gov.uk")
    page = new_page()
    page.goto("/sign-in/organisation")
    page.get_by_label("Your work email address").fill("new.starter@kent.gov.uk")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()
    expect(BasePage(page).h1).to_have_text("You do not have a Visible account here")
    expect(page.get_by_test_id("sso-refused")).to_contain_text(
        "Ask your organisation's Visible administrator to add you"
    )
    accessible(page, "refused: no account")
    page.goto("/children/")
    expect(BasePage(page).h1).to_have_text("Sign in to Visible")  # not signed in
    event = AuditEvent.objects.filter(action="sign_in_failed").get()
    assert event.detail_data["reason"] == "unknown_email"
