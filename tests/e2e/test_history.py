"""A child's record shows its history: who changed what, with old and new values."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import ChildRecordPage, HistoryPage
from tests.e2e.support import e2e_db
from visible.audit.log import verify
from visible.audit.seal import seal_pending, unsealed

pytestmark = [pytest.mark.e2e, e2e_db]


def test_history_lists_who_changed_what_with_old_and_new_values(
    new_page, sw_a, coordinator_a, make_child, flag, days_ago, settings
):
    # Nothing seals the audit events (no worker, no sealing after commit): the history shows
    # them all the same, as it must in the moments before the worker seals them.
    settings.VISIBLE_AUDIT_SEAL_AT_ONCE = False
    settings.VISIBLE_AUDIT_SEAL_AFTER_COMMIT = False
    child = make_child(
        sw_a, given_names="Lan", family_name="Vo", council_id="CR-7001", nationality="VNM"
    )
    flag(coordinator_a, child, "separated", start_days_ago=20)

    page = new_page(sw_a)
    record = ChildRecordPage.open(page, child.pk)
    form = record.change_personal_details()
    expect(form.h1).to_have_text("Change details: Lan Vo")
    expect(page.get_by_label("Council case ID (optional)", exact=True)).to_have_value("CR-7001")
    form.fill_details(council_id="CR-7002", preferred_name="Lanny", nationality="Cambodia")
    form.save()
    record = ChildRecordPage(page)
    assert record.success_message() == "The child's details have been saved"
    assert "Council case ID: CR-7002" in record.detail("Identifiers")
    assert record.detail("Nationality") == "Cambodia"

    history = record.history()
    expect(history.h1).to_have_text("History of changes")
    assert page.title() == "History: Lan Vo – Visible"
    entries = history.entries()
    assert [e["who"] for e in entries] == ["Sw", "Coordinator", "Sw"]  # by name, newest first
    change, flagged, created = entries
    assert change["what"] == "Changed preferred_name, nationality, council_id"
    assert sorted(change["changes"]) == sorted(
        [
            "Council case ID: CR-7001 → CR-7002",
            "Nationality: Vietnam → Cambodia",
            "Preferred name: (blank) → Lanny",
        ]
    )
    assert flagged["what"] == f"Flagged Separated from {days_ago(20):%d/%m/%Y}"
    assert "Flag: (blank) → Separated" in flagged["changes"]
    assert created["what"] == "Added Lan Vo to the register"
    assert "Council case ID: (blank) → CR-7001" in created["changes"]
    assert all(e["when"] for e in entries)

    # The history has its own address, and reads the same when opened directly.
    assert HistoryPage.open(page, child.pk).entries() == entries

    # Sealed now, the events keep their order on the page, and the chain verifies.
    assert unsealed().filter(child_id=child.pk, action__in=["create", "change"]).count() == 3
    seal_pending()
    assert HistoryPage.open(page, child.pk).entries() == entries
    assert verify().ok


def test_a_stale_edit_is_refused_not_silently_overwritten(
    new_page, sw_a, coordinator_a, make_child
):
    child = make_child(sw_a, given_names="Hoa", family_name="Pham", council_id="CR-7101")
    first, second = new_page(sw_a), new_page(coordinator_a)
    mine = ChildRecordPage.open(first, child.pk).change_personal_details()
    theirs = ChildRecordPage.open(second, child.pk).change_personal_details()
    theirs.fill_details(council_id="CR-7102")
    theirs.save()
    mine.fill_details(council_id="CR-7103")
    mine.save()
    mine.expect_error_summary()
    expect(mine.error_summary).to_contain_text(
        "Someone else changed this record while you were editing it"
    )
    assert mine.page.title().startswith("Error: ")
    child.refresh_from_db()
    assert child.council_id == "CR-7102"
