"""Recording flags with their evidence, ending one with a reason, and keeping it in view."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import ChildRecordPage
from tests.e2e.support import e2e_db
from visible.children.models import Flag

pytestmark = [pytest.mark.e2e, e2e_db]

UASC = "Unaccompanied asylum-seeking child (UASC)"
SUSPECTED = "Trafficked (suspected)"


def short(day) -> str:
    return f"{day.day} {day:%b %Y}"


def test_record_flags_then_end_one_with_a_reason(new_page, sw_a, make_child, days_ago):
    child = make_child(sw_a, given_names="Dawit", family_name="Tesfaye", nationality="ERI")
    page = new_page(sw_a)
    record = ChildRecordPage.open(page, child.pk)
    expect(record.h1).to_have_text("Dawit Tesfaye")
    assert record.active_flags() == []

    form = record.record_flag()
    expect(form.h1).to_have_text("Record a flag")
    form.choose("Flag", UASC)
    form.fill_date("Date the flag applies from", days_ago(60))
    form.fill("Evidence", "Arrived at Dover alone; Home Office UASC referral (synthetic)")
    form.submit("Record flag")
    record = form.saved()
    assert record.success_message() == "The flag has been recorded"

    form = record.record_flag()
    form.choose("Flag", SUSPECTED)
    form.fill_date("Date the flag applies from", days_ago(30))
    form.fill("Evidence", "Found working in a nail bar; police referral (synthetic)")
    form.submit("Record flag")
    record = form.saved()
    assert sorted(record.active_flags()) == sorted([UASC, SUSPECTED])
    assert record.flag_cells(UASC)[:3] == [UASC, short(days_ago(60)), "In force"]
    assert "Arrived at Dover alone" in record.flag_cells(UASC)[3]
    assert "Recorded by Sw" in record.flag_cells(UASC)[3]  # the name, not sw.a
    # Trafficked but no NRM referral yet: the record says so.
    expect(
        page.get_by_text(
            "This child is flagged as trafficked but has no NRM referral recorded", exact=False
        )
    ).to_be_visible()

    # An end date before the flag's start is refused, on the field, and nothing changes.
    form = record.end_flag(UASC)
    expect(form.h1).to_have_text(f"End flag: {UASC}")
    form.fill_date("Date the flag ended", days_ago(70))
    form.fill("Why is the flag ending?", "Reunited with family (synthetic)")
    form.submit("End flag")
    message = f"Flag end date must be the same as or after the start date ({days_ago(60):%d/%m/%Y})"
    form.expect_error_summary(message)
    assert form.field_error("id_end_date") == message
    assert page.title().startswith("Error: ")
    assert Flag.objects.get(child=child, kind="uasc").end_date is None

    form.fill_date("Date the flag ended", days_ago(5))
    form.submit("End flag")
    record = form.saved()
    assert record.success_message() == "The flag has been ended"
    assert record.active_flags() == [SUSPECTED]
    # The ended flag is still there, greyed, with its end date and reason.
    cells = record.flag_cells(UASC)
    assert cells[0] == UASC and cells[1] == short(days_ago(60))
    assert cells[2].splitlines()[0] == short(days_ago(5))
    assert "Reunited with family" in cells[2]
    expect(record.flag_row(UASC).locator(".govuk-tag")).to_have_class(
        "govuk-tag govuk-tag--grey app-flag"
    )
    expect(record.flag_row(UASC).get_by_role("link", name=f"End flag {UASC}")).to_have_count(0)
    assert "ended by Sw" in cells[3]
    ended = Flag.objects.get(child=child, kind="uasc")
    assert (ended.end_date, ended.end_reason) == (days_ago(5), "Reunited with family (synthetic)")
