"""Live pages in a real browser (docs/alerts.md): with the missing-now board open, someone else
reports an unaccompanied child missing; the board shows the child at the top without a reload,
within the poll interval, and says so to screen readers; the banner for the new critical alert
appears on a page open elsewhere, and is dismissed in place. The inbox and the force's list
update the same way. Without JavaScript the board still works, with its Refresh link, and the
banner is on the next page shown."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.missing_pages import AlertsPage, MissingNowPage, ReportMissingPage, check_page
from tests.e2e.pages import BasePage
from tests.e2e.support import e2e_db
from tests.factories import create_uasc_child, make_user, report_missing
from visible.agencies.models import Organisation, Role
from visible.missing.models import Alert, AlertDismissal

pytestmark = [pytest.mark.e2e, e2e_db]

# Polls every half second here, so that "within the poll interval" is quick to prove.
POLL_SECONDS = 0.5
WITHIN = 5_000  # ms: ten poll intervals, on a loaded machine


@pytest.fixture
def fast_polls(settings):
    settings.VISIBLE_LIVE_POLL_SECONDS = POLL_SECONDS


def mark_page(page) -> None:
    """A flag in the page's window: a reload or a navigation would clear it."""
    page.evaluate("() => { window.visibleTestMark = 'still here'; }")


def not_reloaded(page) -> bool:
    return page.evaluate("() => window.visibleTestMark") == "still here"


def test_the_board_shows_a_child_reported_elsewhere_at_the_top_without_a_reload(
    new_page, fast_polls, coordinator_a, sw_a, make_child
):
    met = Organisation.objects.get(name="Metropolitan Police Service")
    for name in ("Sam", "Lan"):
        child = make_child(sw_a, given_names=name, family_name="Synthetic", nationality="GBR")
        report_missing(sw_a, child, hours_ago=30, force=met)  # medium, police told: no alert
    amira = create_uasc_child(sw_a, given_names="Amira", family_name="Haile", days_in_care=3)

    board_page = new_page(coordinator_a)
    board = MissingNowPage.open(board_page)
    assert [r["name"] for r in board.rows()] == ["Lan Synthetic", "Sam Synthetic"]  # newest first
    expect(board_page.get_by_test_id("live-status")).to_contain_text("Updates by itself every")
    mark_page(board_page)
    elsewhere = new_page(coordinator_a)
    elsewhere.goto("/children/")
    expect(elsewhere.get_by_test_id("alert-banner")).to_have_count(0)
    mark_page(elsewhere)

    # Another session reports Amira, an unaccompanied child in care three days, missing.
    reporter = new_page(sw_a)
    form = ReportMissingPage.open(reporter, amira.pk)
    form.report(
        last_seen=timezone.now() - dt.timedelta(minutes=20),
        place="Croydon bus garage",
        reporter="Carer (synthetic)",
    )
    form.submit()
    assert Alert.objects.filter(child=amira, code="high_risk_missing").exists()

    first_row = board_page.get_by_test_id("missing-row").first
    expect(first_row).to_contain_text("Amira Haile", timeout=WITHIN)
    expect(first_row.get_by_test_id("new-tag")).to_be_visible()
    expect(first_row.get_by_test_id("urgent-alert")).to_contain_text("Critical")
    expect(board_page.get_by_test_id("live-announcer")).to_contain_text(
        "Missing now: 1 new: Amira Haile, missing, high risk", timeout=WITHIN
    )
    assert not_reloaded(board_page)
    assert [r["name"] for r in board.rows()][0] == "Amira Haile"
    check_page(board_page, "The live missing-now board")

    # The banner, on the page open elsewhere, without a reload; it names no child.
    banner = elsewhere.get_by_test_id("alert-banner")
    expect(banner).to_be_visible(timeout=WITHIN)
    expect(banner).to_contain_text("Critical alert")
    expect(banner).not_to_contain_text("Amira")
    assert not_reloaded(elsewhere)
    check_page(elsewhere, "A page with the alert banner")
    # Dismissed in place: gone, and the next one (not yet put away) takes its place.
    first_shown = banner.get_attribute("data-alert")
    banner.get_by_role("button", name=re.compile("^Dismiss")).click()
    expect(elsewhere.locator(f'[data-alert="{first_shown}"]')).to_have_count(0)
    expect(elsewhere.get_by_test_id("alert-banner")).to_be_visible(timeout=WITHIN)
    assert not_reloaded(elsewhere)
    assert AlertDismissal.objects.filter(user=coordinator_a, alert_id=first_shown).exists()
    # "View the alert" opens it in the inbox.
    BasePage(elsewhere).navigate(
        lambda: (
            elsewhere.get_by_test_id("alert-banner")
            .get_by_role("link", name="View the alert")
            .click()
        )
    )
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("Alerts")
    assert re.search(r"/alerts/(\?.*)?#alert-\d+$", elsewhere.url)


def test_the_inbox_takes_a_new_alert_without_losing_what_someone_is_typing(
    new_page, fast_polls, coordinator_a, sw_a, make_child
):
    report_missing(sw_a, make_child(sw_a, nationality="GBR"), hours_ago=3)  # no police report
    page = new_page(coordinator_a)
    inbox = AlertsPage.open(page)
    expect(inbox.cards()).to_have_count(1)
    mark_page(page)
    expect(page.get_by_role("button", name="Show the latest")).to_have_count(0)
    typing = inbox.cards().first.get_by_label("What was done?", exact=True)
    typing.fill("Rang the Met: reference to follow")

    amira = create_uasc_child(sw_a, given_names="Amira", family_name="Haile")
    report_missing(sw_a, amira, hours_ago=0.5)
    offer = page.get_by_role("button", name="Show the latest")
    expect(offer).to_be_visible(timeout=WITHIN)
    expect(typing).to_have_value("Rang the Met: reference to follow")  # not pulled from under them
    typing.fill("")
    page.get_by_role("heading", level=1).click()  # focus out of the list
    offer.click()
    expect(offer).to_have_count(0)
    expect(inbox.cards()).to_have_count(2)
    # Both critical: the older alert's deadline comes first, then Amira's, tagged New.
    expect(inbox.cards().first).to_contain_text("not reported to the police")
    amiras = inbox.card("graded high risk")
    expect(amiras).to_contain_text("Amira Haile")
    expect(amiras.get_by_test_id("new-tag")).to_be_visible()
    expect(page.get_by_test_id("live-announcer")).to_contain_text("Alerts: 1 new: Critical")

    # Two kinds of alert now: the kind filter shows "All kinds", which nobody chose, so the
    # inbox is not busy and the next alert arrives by itself, without the offer.
    expect(page.get_by_test_id("alert-kind-filter")).to_be_visible()
    report_missing(sw_a, create_uasc_child(sw_a, given_names="Dawit"), hours_ago=0.5)
    expect(inbox.cards()).to_have_count(3, timeout=WITHIN)
    expect(offer).to_have_count(0)
    expect(page.get_by_test_id("live-announcer")).to_contain_text("Alerts: 1 new: Critical")
    assert not_reloaded(page)
    check_page(page, "The live alerts inbox")


def test_the_force_list_shows_a_child_reported_to_the_force_without_a_reload(
    new_page, fast_polls, sw_a
):
    met = Organisation.objects.get(name="Metropolitan Police Service")
    officer = make_user("officer.met.live", met, Role.POLICE_OFFICER)
    page = new_page(officer)
    page.goto("/police/missing")
    expect(page.get_by_test_id("force-missing-empty")).to_be_visible()
    mark_page(page)
    amira = create_uasc_child(sw_a, given_names="Amira", family_name="Haile")
    report_missing(sw_a, amira, hours_ago=2, force=met)
    expect(page.get_by_test_id("force-row").first).to_contain_text("Amira Haile", timeout=WITHIN)
    assert not_reloaded(page)


def test_without_javascript_the_board_works_with_its_refresh_link_and_the_banner(
    new_page, fast_polls, coordinator_a, sw_a
):
    page = new_page(coordinator_a, javascript=False)
    board = MissingNowPage.open(page)
    expect(page.get_by_test_id("nobody-missing")).to_be_visible()
    status = page.get_by_test_id("live-status")
    expect(status).to_contain_text("Shown at")
    amira = create_uasc_child(sw_a, given_names="Amira", family_name="Haile")
    report_missing(sw_a, amira, hours_ago=2)
    page.wait_for_timeout(3 * POLL_SECONDS * 1000)
    expect(page.get_by_test_id("nobody-missing")).to_be_visible()  # nothing polls
    board.navigate(lambda: status.get_by_role("link", name=re.compile("^Refresh")).click())
    assert [r["name"] for r in board.rows()] == ["Amira Haile"]
    banner = page.get_by_test_id("alert-banner")
    expect(banner).to_contain_text("Critical alert")
    board.navigate(lambda: banner.get_by_role("button", name=re.compile("^Dismiss")).click())
    expect(page.get_by_role("heading", level=1)).to_have_text("Missing now")
    # Two critical alerts (high risk, no police report): the other one shows next.
    expect(page.get_by_test_id("alert-banner")).to_have_count(1)
    board.navigate(
        lambda: (
            page.get_by_test_id("alert-banner")
            .get_by_role("button", name=re.compile("^Dismiss"))
            .click()
        )
    )
    expect(page.get_by_test_id("alert-banner")).to_have_count(0)
    assert AlertDismissal.objects.filter(user=coordinator_a).count() == 2
