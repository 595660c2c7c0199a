"""Issue 15 (data fidelity) in a real browser: the upload page of a council outside England,
recording the end of a child's care and the care history on the record."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import BasePage, axe_violations, describe_violations
from tests.e2e.support import e2e_db
from tests.factories import make_council, make_user
from visible.agencies.models import Role

pytestmark = [pytest.mark.e2e, e2e_db]


def accessible(page, name: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{name} ({page.url}):\n" + describe_violations(violations)


def test_a_scottish_councils_coordinator_is_told_the_903_is_englands_return(new_page):
    glasgow = make_council("S12000049")
    coordinator = make_user("coordinator.glasgow", glasgow, Role.MISSING_COORDINATOR)
    page = new_page(coordinator)
    BasePage(page).navigate(lambda: page.goto("/returns/ssda903/"))
    notice = page.get_by_test_id("ssda903-not-england")
    expect(notice).to_contain_text("is in Scotland")
    expect(notice).to_contain_text("Children Looked After Statistics (CLAS)")
    expect(page.get_by_test_id("ssda903-upload-form")).to_have_count(0)
    accessible(page, "903 upload page outside England")


def test_recording_that_care_ended_and_the_care_history(new_page, sw_a, make_child, days_ago):
    from tests.e2e.pages import ChildRecordPage

    child = make_child(
        sw_a, given_names="Selam", family_name="Haile", looked_after_from=days_ago(200)
    )
    page = new_page(sw_a)
    record = ChildRecordPage.open(page, child.pk)
    history = page.get_by_test_id("care-history")
    expect(history).to_contain_text("Still looked after")
    record.navigate(lambda: page.get_by_test_id("record-care-ended").click())
    form = BasePage(page)
    expect(page.locator("h1")).to_have_text("Record that care ended")
    accessible(page, "record that care ended")

    # A day in the future is refused on the field, nothing changes
    form.fill_date("Date the child stopped being looked after", days_ago(-3))
    form.select(
        "Why did care end?",
        "E4A: " + "Returned home to parents or others with "
        "parental responsibility, as part of the care plan",
    )
    form.press("Record care ended")
    expect(page.locator(".govuk-error-summary")).to_contain_text("today or in the past")
    accessible(page, "record that care ended, with an error")

    form.fill_date("Date the child stopped being looked after", days_ago(10))
    form.press("Record care ended")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The end of care has been recorded"
    )
    history = page.get_by_test_id("care-history")
    expect(history).to_contain_text("E4A")
    expect(history).to_contain_text(f"{days_ago(10):%-d %b %Y}")
    expect(history).to_contain_text("Recorded in Visible")
    expect(page.get_by_test_id("record-care-ended")).to_have_count(0)
    accessible(page, "child record with care history")
