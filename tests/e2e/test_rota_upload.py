"""Uploading a rota in a real browser (issue 14): a senior manager goes from the rota to
"Upload a rota", downloads the template, uploads a spreadsheet with a bad row and sees the
problem named by its row and column (nothing added), fixes the file, checks the shifts grouped
by week and confirms; the rota page says how many were added and shows them. Every page passes
the accessibility checks the other pages do. Dated from the clock (tests/frozen_dates.txt)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.missing_pages import check_page
from tests.e2e.pages import BasePage
from tests.e2e.support import e2e_db
from tests.factories import make_user
from visible.agencies.models import Role
from visible.dates import uk_date
from visible.rota.models import Shift

pytestmark = [pytest.mark.e2e, e2e_db]
HEADER = "position,person,start date,start time,end date,end time,note\n"


def choose_file(page, name: str, rows: list[str]) -> None:
    content = (HEADER + "".join(r + "\n" for r in rows)).encode()
    page.get_by_label("Upload the rota").set_input_files(
        [{"name": name, "mimeType": "text/csv", "buffer": content}]
    )


def test_a_senior_manager_uploads_a_rota_fixes_a_bad_row_and_confirms(new_page, council_a):
    manager = make_user("sade.senior", council_a, Role.SENIOR_MANAGER)
    olu = make_user("olu.oncall", council_a, Role.SOCIAL_WORKER)
    olu.email = "olu.oncall@croydon.example"
    olu.save()
    today = uk_date(timezone.now())
    # Next Monday onwards, so that the shifts fall in two whole weeks whatever today is.
    monday = today + dt.timedelta(days=7 - today.weekday())

    def day(days: int) -> str:
        return f"{monday + dt.timedelta(days=days):%d/%m/%Y}"

    page = new_page(manager)
    rota = BasePage(page)
    rota.navigate(lambda: page.goto("/rota/"))
    rota.navigate(lambda: page.get_by_role("button", name="Upload a rota").click())
    expect(rota.h1).to_have_text("Upload a rota")
    check_page(page, "Upload a rota")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (CSV)").click()
    assert download.value.suggested_filename == "rota-template.csv"

    rows = [
        f"On-call manager,olu.oncall@croydon.example,{day(0)},17:00,{day(1)},09:00,",
        f"Senior manager on call,sade.senior,{day(0)},17:00,{day(7)},09:00,",
        f"On-call manager,olu.oncall,{day(8)},25:00,{day(9)},09:00,Swap with Sam",
    ]
    choose_file(page, "rota.csv", rows)
    rota.press("Check the shifts")
    rota.expect_error_summary(
        "rota.csv has 1 problem, listed below: nothing has been added. Fix the file and upload "
        "it again"
    )
    problem = page.get_by_test_id("rota-problem")
    expect(problem).to_have_count(1)
    expect(problem.locator("td")).to_have_text(
        ["4", "start time", "25:00 is not a time: use the 24-hour clock, like 17:00"]
    )
    check_page(page, "Upload a rota, with a bad row", error=True)
    assert not Shift.objects.exists()

    rows[2] = rows[2].replace("25:00", "17:00")
    choose_file(page, "rota.csv", rows)
    rota.press("Check the shifts")
    expect(rota.h1).to_have_text("Check the shifts before adding them")
    expect(page.get_by_test_id("rota-to-add")).to_have_text("3")
    weeks = page.get_by_test_id("rota-upload-week")
    expect(weeks).to_have_count(2)
    expect(weeks.nth(1)).to_contain_text("Swap with Sam")
    check_page(page, "Check the shifts before adding them")
    assert not Shift.objects.exists()

    rota.press("Add 3 shifts to the rota")
    expect(rota.h1).to_have_text("On-call rota")
    assert rota.success_message() == "3 shifts added to the rota from rota.csv"
    expect(page.get_by_test_id("rota-shift")).to_have_count(2)  # the first week's
    check_page(page, "The on-call rota after an upload")
    assert Shift.objects.count() == 3
