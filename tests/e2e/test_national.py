"""National monitoring in a real browser: an analyst opens a collection, uploads a spreadsheet
return with an error, fixes it, sees the national tables, the map and a chart, and downloads
the published CSV; the pages meet the accessibility checks."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import BasePage, axe_violations, describe_violations
from tests.e2e.support import e2e_db
from tests.factories import as_viewer, make_user
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.national.models import Collection, Submission

pytestmark = [pytest.mark.e2e, e2e_db]

BAD_RETURN = b"group,measure,value\nuasc,children,<5\nuasc,children_missing_or_away,2\n"
GOOD_RETURN = (
    b"group,measure,value\nuasc,children,14\nuasc_or_separated,children,14\nuasc,children_missing_or_away,2\n"
    b"uasc_or_separated,children_missing_or_away,2\ntrafficked_identified,children,3\ntrafficked,children,3\n"
    b"trafficked_suspected,children,0\ntrafficked,children_missing_or_away,1\n"
    b"trafficked_identified,children_missing_or_away,1\nany,children,17\n"
)


def accessible(page, name: str) -> None:
    expect(page.locator("h1")).to_have_count(1)
    violations = axe_violations(page)
    assert not violations, f"{name} ({page.url}):\n" + describe_violations(violations)


def test_an_analyst_runs_a_collection_from_opening_to_the_published_csv(new_page):
    body = Organisation.objects.create(
        name="National monitoring body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )
    analyst = make_user("analyst.national", body, Role.ANALYST)
    page = new_page(analyst)
    screen = BasePage(page)
    screen.navigate(lambda: page.goto("/"))
    expect(screen.h1).to_have_text("National monitoring")

    # Open a collection: a mistake first, shown in place.
    screen.navigate(lambda: page.get_by_role("button", name="Open a collection").click())
    screen.fill("Name of the collection", "Missing children 2024 to 2025")
    screen.fill_date("First day of the period", parts=("1", "9", "2024"))
    screen.fill_date("Last day of the period", parts=("31", "8", "2025"))
    screen.fill_date("Returns due by", parts=("1", "8", "2025"))
    screen.press("Open the collection")
    screen.expect_error_summary("Returns can only be due after the period has ended")
    accessible(page, "Open a collection, with an error")
    screen.fill_date("Returns due by", parts=("30", "11", "2025"))
    screen.press("Open the collection")
    collection = Collection.objects.get()
    assert f"{collection.requests.count()} authorities asked" in screen.success_message()

    # Most authorities answer (recorded as the analyst would), so the tables have numbers.
    from visible.demo.synthetic.returns import fill_collection

    fill_collection(as_viewer(analyst), collection, seed=7)
    croydon = collection.requests.get(authority__code="E09000008")
    croydon.submissions.all().delete()
    croydon.status = "requested"
    croydon.save()
    screen.navigate(lambda: page.reload())
    accessible(page, "A collection")

    # Croydon's spreadsheet has a withheld figure: refused, nothing stored, where and why shown.
    screen.follow("Croydon")
    upload = page.get_by_label("The return file")
    upload.set_input_files({"name": "croydon.csv", "mimeType": "text/csv", "buffer": BAD_RETURN})
    screen.press("Upload the return")
    problems = page.get_by_test_id("return-problems")
    expect(problems).to_contain_text(
        "croydon.csv row 2, column value: '<5' is a suppressed or withheld figure"
    )
    assert not Submission.objects.filter(request=croydon).exists()
    accessible(page, "A return with problems")
    page.get_by_label("The return file").set_input_files(
        {"name": "croydon.csv", "mimeType": "text/csv", "buffer": GOOD_RETURN}
    )
    screen.press("Upload the return")
    assert screen.success_message() == "Return received from Croydon: version 1"
    expect(page.get_by_test_id("request-status")).to_have_text("Partially provided")
    accessible(page, "A received return")

    # The national tables, the map and a chart beside its table.
    screen.follow(f"Back to {collection.name}")
    screen.follow("See the national tables, charts and map")
    expect(page.get_by_test_id("view-published")).to_be_visible()
    map_svg = page.get_by_test_id("map").locator("svg")
    expect(map_svg).to_be_visible()
    assert map_svg.locator("polygon").count() == collection.requests.count()
    regional = page.locator("#table-regional")
    expect(regional.locator("svg")).to_be_visible()
    expect(regional.locator("table")).to_contain_text("London")
    accessible(page, "The national tables")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Every table, one CSV").click()
    download = download_info.value
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert rows[0] == ["collection", "table", "row", "column", "value", "coverage"]
    assert any(r[4] == "c" for r in rows[1:]), "small counts are suppressed in the published CSV"
    croydon_rows = [r for r in rows if r[1].startswith("The 10 authorities") and "Croydon" in r[2]]
    assert all(r[4] != "3" for r in croydon_rows)


def test_the_child_level_tables_say_who_could_not_be_linked_or_why_they_cannot_be_shown(
    new_page, sw_a, make_child
):
    """Children imported from a 903 return (no name) sharing a birthday are two children, and
    the page says they could not be linked and why; a submission made under the old linkage
    rule is refused on the page, with who must submit again. Both accessible."""
    import datetime as dt

    from visible.agencies.viewer import Viewer
    from visible.children import actions as register
    from visible.children.models import Child
    from visible.pseudo import actions as pseudo
    from visible.pseudo.models import PseudoChild
    from visible.pseudo.models import Submission as PseudoSubmission
    from visible.reference.models import Authority
    from visible.ssda903.writing import NAME_NOT_IN_RETURN

    for child_903_id in ("0000001", "0000002"):
        child = make_child(
            sw_a,
            looked_after_from=dt.date(2023, 5, 1),
            date_of_birth=dt.date(2008, 1, 1),
            child_903_id=child_903_id,
        )
        Child.objects.filter(pk=child.pk).update(given_names=NAME_NOT_IN_RETURN, family_name="")
        register.record_flag(
            as_viewer(sw_a), child, "uasc", dt.date(2023, 5, 1), "Asylum claim (synthetic)"
        )
    pseudo.submit(
        Viewer.system("test"),
        Authority.objects.get(code="E09000008"),
        dt.date(2024, 4, 1),
        dt.date(2025, 3, 31),
        key=b"test-national-key-0123456789abcdef-not-a-real-one",
    )
    body = Organisation.objects.create(
        name="National monitoring body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )
    page = new_page(make_user("analyst.national", body, Role.ANALYST))
    screen = BasePage(page)
    screen.navigate(lambda: page.goto("/national/child-level/?view=unsuppressed"))
    linkage = page.get_by_test_id("child-level-linkage")
    expect(linkage).to_contain_text("Children held by more than one authority: 0")
    expect(linkage).to_contain_text(
        "Children who could not be linked across authorities: 2 (2 with no name, Home Office or "
        "NRM reference, known only by their authority's SSDA903 CHILD id)."
    )
    table = page.get_by_role(
        "table", name="Children by how they could be linked across authorities"
    )
    expect(table.get_by_role("row", name="Croydon (E09000008)")).to_contain_text("2")
    accessible(page, "The child-level tables")

    PseudoSubmission.objects.update(linkage_rule=1)
    PseudoChild.objects.update(key_basis="name_dob")
    screen.navigate(lambda: page.reload())
    refused = page.get_by_test_id("child-level-refused")
    expect(refused).to_contain_text("Croydon (E09000008)")
    expect(refused).to_contain_text("must submit their child-level records for the period again")
    expect(page.get_by_test_id("child-level-table")).to_have_count(0)
    accessible(page, "The child-level tables, refused")


def test_an_analyst_runs_a_2024_edition_collection(new_page):
    """A 2024-edition collection: opened with its edition, Croydon's 2024-edition JSON (the
    hand-worked return of tests/national/test_collections_2024.py) uploaded, and the year's
    national table in the reports' shape shown, published."""
    import json

    from tests.national.test_collections_2024 import A, whole
    from visible.national.models import Edition

    body = Organisation.objects.create(
        name="National monitoring body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )
    page = new_page(make_user("analyst.national", body, Role.ANALYST))
    screen = BasePage(page)
    screen.navigate(lambda: page.goto("/national/collections/new"))
    screen.fill("Name of the collection", "Missing children 2024 (2024 edition)")
    screen.fill_date("First day of the period", parts=("1", "1", "2024"))
    screen.fill_date("Last day of the period", parts=("31", "12", "2024"))
    screen.fill_date("Returns due by", parts=("31", "3", "2025"))
    screen.choose("Edition of the data request", Edition.E2024.label)
    accessible(page, "Open a collection, choosing the edition")
    screen.press("Open the collection")
    collection = Collection.objects.get()
    assert collection.edition == "2024"

    screen.follow("Croydon")
    page.get_by_label("The return file").set_input_files(
        {
            "name": "croydon.json",
            "mimeType": "application/json",
            "buffer": json.dumps(whole(A)).encode(),
        }
    )
    screen.press("Upload the return")
    assert screen.success_message() == "Return received from Croydon: version 1"

    screen.follow(f"Back to {collection.name}")
    screen.follow("See the national tables")
    table = page.locator("#table-period_20240101_20241231")
    expect(table.get_by_role("row", name="Number in care")).to_contain_text("40")
    expect(table.get_by_role("row", name="Number in care")).to_contain_text("120")
    expect(page.locator("#table-request_trend")).to_contain_text("2024 (Visible)")
    accessible(page, "The 2024-edition national tables")
