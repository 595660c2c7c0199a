"""The register import in a real browser (issue 15, point 5): a coordinator whose council's
SSDA903 return is in sets the column mapping once, previewing a file from the case system,
then uploads the register; the worker imports it and the upload's page says what changed. A
file with a bad cell is refused, naming its row and column, and the register is unchanged.
Every page passes the accessibility checks the other pages do."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.missing_pages import check_page
from tests.e2e.pages import BasePage
from tests.e2e.support import e2e_db
from tests.e2e.test_import_progress import WAIT_MS, worker  # noqa: F401 (a fixture)
from tests.register.files import CASE_SYSTEM, csv_bytes, rows_for_register, xlsx_bytes
from tests.ssda903.test_problems import good_files
from tests.ssda903.test_problems import run as import_903
from visible.children.models import Child
from visible.register.fields import BY_NAME
from visible.register.models import ColumnMapping

pytestmark = [pytest.mark.e2e, e2e_db]


def choose_file(page, label: str, name: str, content: bytes) -> None:
    page.get_by_label(label).set_input_files(
        [{"name": name, "mimeType": "application/octet-stream", "buffer": content}]
    )


def test_a_coordinator_maps_the_columns_once_then_imports_the_register(
    new_page,
    coordinator_a,
    council_a,
    worker,  # noqa: F811
):
    assert import_903(good_files()).imported
    rows = rows_for_register(council_a)
    rows[1]["other_names"] = "Semhar"
    page = new_page(coordinator_a)
    screen = BasePage(page)
    screen.navigate(lambda: page.goto("/returns/ssda903/"))
    screen.follow("Import the register from your case system")
    expect(screen.h1).to_have_text("Import the register from your case system")
    check_page(page, "Register import")

    screen.follow("Set your column mapping")
    expect(screen.h1).to_have_text("Your register's columns")
    check_page(page, "Column mapping")

    # A preview of the case system's file before the mapping: its own headings are not read.
    choose_file(
        page,
        "A file from your case system to preview (optional)",
        "cases.xlsx",
        xlsx_bytes(rows, CASE_SYSTEM),
    )
    screen.press("Preview the file with these columns")
    expect(page.get_by_test_id("preview-problems")).to_contain_text(
        "The file has no column for SSDA903 CHILD id"
    )
    expect(page.get_by_test_id("preview-headings")).to_contain_text("Not read")
    check_page(page, "Column mapping, a preview")

    # Each field's heading in the case system, then the preview again: the rows as read.
    for name, heading in CASE_SYSTEM.items():
        field = BY_NAME[name]
        page.get_by_label(field.label + (" (required)" if field.required else ""), exact=True).fill(
            heading
        )
    choose_file(
        page,
        "A file from your case system to preview (optional)",
        "cases.xlsx",
        xlsx_bytes(rows, CASE_SYSTEM),
    )
    screen.press("Preview the file with these columns")
    preview = page.get_by_test_id("preview-rows")
    expect(preview).to_contain_text(rows[0]["given_names"])
    expect(preview).to_contain_text(rows[1]["family_name"])
    expect(page.get_by_test_id("preview-headings")).not_to_contain_text("Not read")
    check_page(page, "Column mapping, previewed with the headings")

    screen.press("Save the column mapping")
    expect(page.get_by_test_id("mapping-saved")).to_contain_text("Column mapping saved")
    expect(page.get_by_test_id("register-mapping")).to_contain_text("Forename")
    assert ColumnMapping.objects.get(organisation=council_a).headings == CASE_SYSTEM
    check_page(page, "Register import, mapping saved")

    # The upload, imported by the worker; its page says what changed.
    choose_file(page, "Upload the register", "cases.csv", csv_bytes(rows, CASE_SYSTEM))
    screen.press("Check and import")
    assert "/returns/ssda903/uploads/" in page.url
    expect(screen.h1).to_have_text("Importing the register from the case system")
    worker.run()
    expect(page.get_by_test_id("ssda903-imported")).to_contain_text(
        "Register imported", timeout=WAIT_MS
    )
    expect(page.get_by_test_id("ssda903-counts")).to_contain_text("Children changed")
    expect(page.get_by_test_id("ssda903-counts")).to_contain_text("Other names added")
    check_page(page, "Register upload, imported")
    c2 = Child.objects.get(child_903_id="C2")
    assert c2.given_names == rows[1]["given_names"] and c2.other_names.get().name == "Semhar"

    # The child's record shows the name the return did not have.
    screen.follow("Back to the register import")
    expect(page.get_by_test_id("register-uploads")).to_contain_text("Imported")


def test_a_bad_cell_is_refused_with_its_row_and_column_and_nothing_changes(
    new_page,
    manager_a,
    council_a,
    worker,  # noqa: F811
):
    assert import_903(good_files()).imported
    before = list(Child.objects.order_by("pk").values_list("pk", "version", "given_names"))
    rows = rows_for_register(council_a)
    rows[1]["date_of_birth"] = "31/02/2010"
    page = new_page(manager_a)
    screen = BasePage(page)
    screen.navigate(lambda: page.goto("/register/import/"))
    screen.press("Check and import")  # no file
    check_page(page, "Register import, no file", error=True)
    choose_file(page, "Upload the register", "register.csv", csv_bytes(rows))
    screen.press("Check and import")
    worker.run()
    summary = page.get_by_test_id("ssda903-error-summary")
    expect(summary).to_contain_text("nothing has been imported", timeout=WAIT_MS)
    error = page.get_by_test_id("ssda903-error").first
    expect(error).to_contain_text("register.csv, column Date of birth: Not a real date")
    expect(error).to_contain_text("31/02/2010")
    check_page(page, "Register upload, refused", error=True)
    assert list(Child.objects.order_by("pk").values_list("pk", "version", "given_names")) == before
