"""Statutory data in and out, in a real browser: a council's coordinator uploads an SSDA903
return with an error, sees the error report, fixes the file and uploads again; a senior
manager downloads the FOI return and the partnership's annual report as a PDF."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.pages import BasePage, axe_violations, describe_violations
from tests.e2e.support import e2e_db
from visible.demo.synthetic.generate import generate
from visible.reference.models import Authority
from visible.returns.models import PartnershipArea
from visible.ssda903.export import export_return

pytestmark = [pytest.mark.e2e, e2e_db]
YEAR = 2025


def accessible(page, name: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{name} ({page.url}):\n" + describe_violations(violations)


def test_a_903_return_with_an_error_then_the_foi_return_and_the_annual_report(
    new_page, coordinator_a, manager_a, council_a
):
    generate(
        authorities=[council_a.authority.code], national=False, children=25, seed=3, progress=False
    )
    folder = Path(tempfile.mkdtemp())
    export_return(council_a, YEAR, folder)
    files = {path.name: path.read_bytes() for path in folder.iterdir() if path.suffix == ".csv"}
    missing = files["missing.csv"].decode("utf-8").splitlines()
    assert len(missing) > 1, "the synthetic authority has missing episodes in the year"
    cells = missing[1].split(",")
    cells[3] = "31/02/2025"  # MIS_START: no such date
    broken = {
        **files,
        "missing.csv": ("\r\n".join([missing[0], ",".join(cells), *missing[2:]]) + "\r\n").encode(),
    }

    page = new_page(coordinator_a)
    screen = BasePage(page)
    screen.navigate(lambda: page.goto("/returns/ssda903/"))
    screen.select("Collection year", "2025/26")

    def upload(contents: dict[str, bytes]) -> None:
        page.get_by_label("Upload the return's files").set_input_files(
            [
                {"name": name, "mimeType": "text/csv", "buffer": data}
                for name, data in contents.items()
            ]
        )
        screen.press("Check and import")

    upload(broken)
    summary = page.get_by_test_id("ssda903-error-summary")
    expect(summary).to_contain_text("nothing has been imported")
    expect(page.get_by_test_id("ssda903-error").first).to_contain_text("missing.csv")
    expect(page.get_by_test_id("ssda903-error").first).to_contain_text("31/02/2025")
    accessible(page, "903 import with errors")
    with page.expect_download() as problems:
        page.get_by_test_id("ssda903-problems-csv").click()
    assert "31/02/2025" in Path(problems.value.path()).read_text(encoding="utf-8-sig")

    # The upload's page (the import ran at once here: the tests' jobs are immediate; the
    # import's progress is shown in test_import_progress.py): nothing went in, upload again.
    expect(page.get_by_test_id("ssda903-state")).to_have_text(
        "Not imported: there are problems in the files"
    )
    screen.follow("Upload the files again")
    screen.select("Collection year", "2025/26")
    upload(files)
    expect(page.get_by_test_id("ssda903-imported")).to_contain_text("Return imported")
    expect(page.get_by_test_id("ssda903-counts")).to_contain_text(
        "Children already as in the return"
    )

    # The senior manager: the FOI return for the year, and the partnership's annual report.
    area = PartnershipArea.objects.create(
        name="Croydon Safeguarding Children Partnership (synthetic)"
    )
    area.authorities.add(Authority.objects.get(code=council_a.authority.code))
    boss = new_page(manager_a)
    report = BasePage(boss)
    report.navigate(lambda: boss.goto("/returns/foi/"))
    report.fill_date("First day of the period", dt.date(YEAR, 4, 1))
    report.fill_date(
        "Last day of the period",
        dt.date(YEAR + 1, 3, 31)
        if dt.date(YEAR + 1, 3, 31) <= timezone.localdate()
        else timezone.localdate(),
    )
    report.press("Show the return")
    accessible(boss, "FOI return")
    with boss.expect_download() as foi:
        boss.locator("a[data-format='json'][data-suppressed='no']").click()
    document = json.loads(Path(foi.value.path()).read_text(encoding="utf-8"))
    assert (
        document["authority"]["code"] == council_a.authority.code
        and document["schema_version"] == "1.1.0"
    )

    report.navigate(lambda: boss.goto("/returns/partnerships/"))
    report.follow(f"Annual report {YEAR - 1} to {YEAR}", exact=False)
    expect(boss.get_by_test_id("report-title")).to_contain_text(
        "Croydon Safeguarding Children Partnership"
    )
    accessible(boss, "Partnership annual report")
    with boss.expect_download() as pdf:
        boss.get_by_test_id("report-pdf").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
