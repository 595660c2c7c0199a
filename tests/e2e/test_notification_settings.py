"""Your notification settings, in a real browser: a coordinator sets a mobile number and quiet
hours, is told what was wrong first, then sees the confirmation and what Visible will do; the
page has no serious accessibility problem; it works without JavaScript too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import axe_violations, describe_violations
from tests.e2e.support import e2e_db
from tests.notifications.notify_stub import API_KEY, TEMPLATE_IDS
from visible.notifications.models import Preferences

pytestmark = [pytest.mark.e2e, e2e_db]


@pytest.fixture
def text_messages_on(settings):
    """GOV.UK Notify set up (nothing is sent: the page only saves the settings)."""
    settings.VISIBLE_NOTIFY_API_KEY = API_KEY
    settings.VISIBLE_NOTIFY_SMS_TEMPLATE_ID = TEMPLATE_IDS["sms"]


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_set_a_mobile_number_and_quiet_hours(new_page, coordinator_a, text_messages_on, javascript):
    page = new_page(coordinator_a, javascript=javascript)
    page.goto("/children/")
    page.get_by_role("link", name="Your notification settings").click()
    expect(page.locator("h1")).to_have_text("Your notification settings")
    expect(page.get_by_test_id("current-settings")).to_contain_text("No way to reach you")

    page.get_by_label("Text message", exact=True).check()
    page.get_by_label("Mobile number for text messages").fill("020 7946 0000")
    page.get_by_label("Quiet hours start").fill("22:00")
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("not a mobile number")
    assert page.title().startswith("Error: ")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter when quiet hours end")

    page.get_by_label("Mobile number for text messages").fill("07700 900982")
    page.get_by_label("Quiet hours end").fill("07:00")
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Your notification settings have been saved")
    current = page.get_by_test_id("current-settings")
    expect(current).to_contain_text("Text messages to 07700 900982")
    expect(current).to_contain_text("22:00 to 07:00, UK time, except high-risk alerts")
    # The form shows what was saved.
    expect(page.get_by_label("Mobile number for text messages")).to_have_value("07700 900982")
    expect(page.get_by_label("Quiet hours start")).to_have_value("22:00")

    stored = Preferences.objects.get(user=coordinator_a)
    assert (stored.channels, stored.mobile) == ("sms", "+447700900982")
    assert f"{stored.quiet_from:%H:%M}-{stored.quiet_until:%H:%M}" == "22:00-07:00"
    if javascript:
        violations = axe_violations(page)
        assert not violations, describe_violations(violations)
