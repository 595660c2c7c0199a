"""A social worker adds a child: GOV.UK date inputs, radios and selects; a date of birth in the
future is refused with an error summary whose link takes the user to the field; nothing is saved
until the form is right."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import ChildRecordPage, ChildrenListPage
from tests.e2e.support import e2e_db
from visible.children.models import Child
from visible.dates import years_after

pytestmark = [pytest.mark.e2e, e2e_db]


def test_social_worker_adds_a_child_after_fixing_a_future_date_of_birth(
    new_page, sw_a, make_child, today, years_old, days_ago
):
    make_child(sw_a)  # the council already has one child on the register
    page = new_page(sw_a)
    children = ChildrenListPage.open(page)
    assert children.count() == 1

    form = children.add_child()
    expect(form.h1).to_have_text("Add a child to the register")
    next_year = years_after(today, 1)
    form.fill_details(
        given_names="Minh",
        family_name="Tran",
        other_names="Nguyễn Văn Anh",
        date_of_birth=next_year,
        dob_basis="Claimed by the child",
        sex="Male",
        gender="Boy or young man",
        nationality="Vietnam",
        first_language="Vietnamese",
        interpreter=True,
        looked_after_from=days_ago(10),
        legal_status="V2: Single period of accommodation under section 20 (Children Act 1989)",
        council_id="CR-E2E-0001",
    )
    form.add()

    # The error summary, then the field's own error; the title says there is an error.
    form.expect_error_summary("Date of birth must be today or in the past")
    assert page.title() == "Error: Add a child to the register – Visible"
    assert form.field_error("id_date_of_birth") == "Date of birth must be today or in the past"
    for box in ("#id_date_of_birth_0", "#id_date_of_birth_1", "#id_date_of_birth_2"):
        expect(page.locator(box)).to_have_class(re.compile(r"\bgovuk-input--error\b"))
    # What was typed is kept.
    expect(page.get_by_label("Given names", exact=True)).to_have_value("Minh")
    expect(page.get_by_label("Other names and spellings (optional)", exact=True)).to_have_value(
        "Nguyễn Văn Anh"
    )
    expect(form.group("Sex").get_by_label("Male", exact=True)).to_be_checked()
    expect(form.group("Date of birth").get_by_label("Year", exact=True)).to_have_value(
        str(next_year.year)
    )

    # The summary's link takes the user to the date of birth.
    form.error_summary.get_by_role(
        "link", name="Date of birth must be today or in the past"
    ).click()
    expect(page.locator("#id_date_of_birth_0")).to_be_focused()

    # Nothing was saved: the list, seen in another tab, still has one child.
    other_tab = ChildrenListPage.open(page.context.new_page())
    assert other_tab.count() == 1
    other_tab.page.close()
    assert Child.objects.count() == 1

    dob = years_old(15)
    form.fill_date("Date of birth", dob)
    form.add()

    record = ChildRecordPage(page)
    expect(record.h1).to_have_text("Minh Tran")
    assert record.success_message() == "Minh Tran has been added to the register"
    assert page.title() == "Minh Tran – Visible"
    assert record.detail("Date of birth") == f"{dob.day} {dob:%B %Y} (claimed by the child)"
    assert record.detail("Sex") == "Male"
    assert record.detail("Gender") == "Boy or young man"
    assert record.detail("Nationality") == "Vietnam"
    assert record.detail("Languages").startswith("Vietnamese")
    assert "Needs an interpreter" in record.detail("Languages")
    became = days_ago(10)
    assert record.detail("Became looked after") == f"{became.day} {became:%B %Y}"
    assert record.detail("Legal status").startswith("V2: Single period of accommodation")
    assert "Council case ID: CR-E2E-0001" in record.detail("Identifiers")
    assert "Nguyễn Văn Anh" in record.other_names()
    expect(page.get_by_text("15 years old")).to_be_visible()

    child = Child.objects.get(council_id="CR-E2E-0001")
    assert (child.given_names, child.family_name, child.date_of_birth, child.nationality) == (
        "Minh",
        "Tran",
        dob,
        "VNM",
    )
    assert list(child.other_names.values_list("name", flat=True)) == ["Nguyễn Văn Anh"]
    assert ChildrenListPage.open(page).count() == 2


def test_a_child_already_on_the_register_is_offered_before_a_second_record_is_made(
    new_page, sw_a, make_child, years_old, days_ago
):
    from tests.e2e.test_accessibility import check_page

    born = years_old(14)
    existing = make_child(
        sw_a, given_names="Mehari", family_name="Tesfay", date_of_birth=born, nationality="ERI"
    )
    page = new_page(sw_a)
    form = ChildrenListPage.open(page).add_child()
    form.fill_details(
        given_names="Mehary",  # another spelling
        family_name="Tesfay",
        date_of_birth=born,
        dob_basis="Claimed by the child",
        sex="Male",
        gender="Boy or young man",
        nationality="Eritrea",
        looked_after_from=days_ago(1),
    )
    form.add()
    matches = page.get_by_test_id("likely-match")
    expect(matches).to_have_count(1)
    expect(matches).to_contain_text("Mehari Tesfay")
    expect(matches).to_contain_text("A similar name and date of birth")
    check_page(page, "Add a child, likely match")
    assert Child.objects.count() == 1

    # Pressing on without a reason is refused; the worker opens the existing record instead.
    form.press("Add as a new child")
    form.expect_error_summary(
        "Say why this is a new child and not one of the children listed, or open their record"
    )
    assert Child.objects.count() == 1
    form.follow("Mehari Tesfay")
    expect(ChildRecordPage(page).h1).to_have_text("Mehari Tesfay")
    assert page.url.endswith(f"/children/{existing.pk}/")
