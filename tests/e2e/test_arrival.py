"""A UASC child arrives: the arrival checklist opens itself when he is recorded as UASC, the
duty worker records when he arrived, a step is done with who and when, and a hotel placement for the 15-year-old is refused and kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.missing_pages import check_page
from tests.e2e.pages import BasePage, ChildRecordPage
from tests.e2e.support import e2e_db
from visible.children.models import ArrivalItemDone, Placement, PlacementRefusal

pytestmark = [pytest.mark.e2e, e2e_db]


def test_a_uasc_child_arrives_the_checklist_runs_and_a_hotel_is_refused(
    new_page, sw_a, make_child, flag, years_old, days_ago
):
    child = make_child(
        sw_a,
        given_names="Dawit",
        family_name="Berhane",
        date_of_birth=years_old(15),
        looked_after_from=days_ago(1),
    )
    flag(sw_a, child, "uasc", start_days_ago=1)
    page = new_page(sw_a)
    # Recorded as UASC the day after he came into care: the checklist opened itself, its clock
    # from the start of that day, and asks when he arrived.
    record = ChildRecordPage.open(page, child.pk)
    expect(page.get_by_test_id("arrival-summary")).to_contain_text("0 of 7 steps")
    record.follow("See the arrival checklist")
    expect(page.get_by_test_id("arrival-estimated")).to_contain_text(
        "its clock runs from the start of"
    )
    check_page(page, "arrival checklist (time estimated)")
    form = BasePage(page)
    form.follow("Record when the child arrived")
    expect(form.h1).to_have_text("When did the child arrive?")

    arrived = timezone.localtime(timezone.now() - dt.timedelta(hours=26))
    form.fill_date("Date the child arrived", arrived.date())
    form.fill("Time the child arrived", f"{arrived:%H:%M}")
    form.press("Save the time")
    expect(form.h1).to_have_text("Arrival checklist")
    check_page(page, "arrival checklist")
    expect(page.get_by_test_id("arrival-progress")).to_have_text("0 of 7 done, 3 overdue")
    steps = page.get_by_test_id("arrival-checklist").locator(".govuk-task-list__item")
    expect(steps).to_have_count(7)
    expect(steps.nth(0).locator(".govuk-task-list__status")).to_have_text("Overdue")
    due = timezone.localtime(
        arrived.replace(second=0, microsecond=0).astimezone(dt.UTC) + dt.timedelta(hours=48)
    )
    expect(steps.nth(3).locator(".govuk-task-list__status")).to_have_text(
        f"Due by {due:%H:%M} on {due.day} {due:%B %Y}"
    )

    # The grab pack is done: a wrong time is refused first, naming the field.
    form.follow("Make the grab pack ready")
    done = timezone.localtime(timezone.now() - dt.timedelta(hours=1))
    form.fill_date("Date it was done", done.date())
    form.fill("Time it was done", "9pm")
    form.fill("What was done", "Photograph taken and description written with the carer")
    form.press("Record as done")
    expect(form.error_summary).to_contain_text("24-hour clock")
    check_page(page, "arrival item (error)", error=True)
    assert not ArrivalItemDone.objects.exists()
    form.fill("Time it was done", f"{done:%H:%M}")
    form.press("Record as done")
    expect(page.get_by_test_id("arrival-progress")).to_have_text("1 of 7 done, 2 overdue")
    expect(steps.nth(0).locator(".govuk-task-list__status")).to_have_text("Done")
    expect(steps.nth(0)).to_contain_text(f"Done at {done:%H:%M}")
    expect(steps.nth(0)).to_contain_text("by Sw")

    # A hotel for a 15-year-old is refused, even signed off; the attempt stays on the record.
    record = ChildRecordPage.open(page, child.pk)
    expect(page.get_by_test_id("arrival-summary")).to_contain_text("1 of 7 steps")
    placement = record.record_placement()
    placement.select("Placement type (SSDA903 PLACE code)", "Z11: Other placement (Z11)")
    placement.select("Further detail (optional)", "Hotel")
    placement.fill_date("Start date", days_ago(0))
    placement.fill("Provider or carer (optional)", "Harbour View Hotel")
    placement.fill("Senior manager who signed off (unregulated settings only)", "Pat Senior")
    placement.submit("Record placement")
    placement.expect_error_summary(
        "A child under 16 cannot be placed in a hotel or bed and breakfast: the child is 15 on "
        "the start date. Choose foster care or a registered children's home"
    )
    check_page(page, "placement refused", error=True)
    assert not Placement.objects.filter(child=child).exists()
    assert PlacementRefusal.objects.filter(child=child).count() == 1
    record = ChildRecordPage.open(page, child.pk)
    expect(page.get_by_test_id("placement-refusals")).to_contain_text("Harbour View Hotel")
    history = record.history()
    whats = [entry["what"] for entry in history.entries()]
    assert any(w.startswith("Placement refused: Z11 (hotel)") for w in whats), whats
    assert any("Arrival checklist: make the grab pack ready" in w for w in whats), whats
