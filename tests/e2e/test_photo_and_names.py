"""A child's photograph (uploaded, shown only through an access-checked address), other
names added and removed, and a guardian assignment ended: through their forms."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.pages import ChildRecordPage, SubFormPage
from tests.e2e.support import e2e_db
from visible.audit.models import AuditEvent
from visible.children import actions
from visible.children.inputs import GuardianInput
from visible.children.models import ChildName, GuardianAssignment

pytestmark = [pytest.mark.e2e, e2e_db]


def png_bytes(colour=(30, 100, 180)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_photograph_upload_is_shown_to_the_council_and_refused_to_others(
    new_page, sw_a, sw_b, make_child, days_ago, tmp_path
):
    child = make_child(sw_a, given_names="Kidane", family_name="Tesfay")
    page = new_page(sw_a)
    record = ChildRecordPage.open(page, child.pk)
    record.follow("Upload a photograph")
    form = SubFormPage(page)
    expect(form.h1).to_have_text("Upload a photograph")

    # A file that is not a picture is refused with the GOV.UK error pattern.
    not_a_photo = tmp_path / "notes.png"
    not_a_photo.write_text("this is not an image")
    page.get_by_label("Photograph", exact=True).set_input_files(str(not_a_photo))
    form.submit("Upload photograph")
    form.expect_error_summary("The photograph must be a JPEG or PNG image")

    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes())
    page.get_by_label("Photograph", exact=True).set_input_files(str(photo))
    form.fill_date("Date the photograph was taken", days_ago(3))
    form.submit("Upload photograph")
    record = form.saved()
    assert record.success_message() == "The photograph has been saved"
    image = page.get_by_role("img", name="Photograph of Kidane Tesfay", exact=False)
    expect(image).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 120

    # Another council cannot fetch the picture by its address, and the attempt is recorded.
    other = new_page(sw_b)
    response = other.goto(f"/children/{child.pk}/photo")
    assert response.status == 404
    assert AuditEvent.objects.filter(
        action="denied", actor_username="sw.b", object_id=str(child.pk)
    ).exists()


def test_other_names_are_added_and_removed(new_page, sw_a, make_child):
    child = make_child(sw_a, given_names="Mohammed", family_name="Rahimi")
    page = new_page(sw_a)
    record = ChildRecordPage.open(page, child.pk)
    record.follow("Add another name or spelling")
    form = SubFormPage(page)
    form.submit("Add name")
    form.expect_error_summary("Enter the other name or spelling")
    form.fill("Other name or spelling", "Muhammad Rahimi")
    form.choose("What kind of name is it?", "Other spelling")
    form.submit("Add name")
    record = form.saved()
    assert "Muhammad Rahimi (other spelling)" in record.other_names()
    assert ChildName.objects.filter(
        child=child, name="Muhammad Rahimi", kind="other_spelling"
    ).exists()

    record.navigate(lambda: page.get_by_role("button", name="Remove Muhammad Rahimi").click())
    assert record.success_message() == "'Muhammad Rahimi' has been removed"
    expect(page.get_by_test_id("other-names")).to_have_count(0)
    expect(
        record.section("Other names and spellings").locator("xpath=following-sibling::p[1]")
    ).to_have_text("None recorded.")
    assert not ChildName.objects.filter(child=child).exists()


def test_a_guardian_assignment_is_ended(new_page, sw_a, make_child, days_ago):
    child = make_child(sw_a, given_names="Ana", family_name="Popescu")
    from tests.factories import as_viewer

    actions.assign_guardian(
        as_viewer(sw_a),
        child,
        GuardianInput(
            kind="advocate",
            guardian_name="Jo Example",
            service="Example Advocacy (synthetic)",
            start_date=days_ago(30),
        ),
    )
    page = new_page(sw_a)
    record = ChildRecordPage.open(page, child.pk)
    record.follow("End assignment of Jo Example")
    form = SubFormPage(page)
    form.fill_date("Date the assignment ended", days_ago(40))
    form.submit("End assignment")
    form.expect_error_summary(
        f"Assignment end date must be the same as or after the start date ({days_ago(30):%d/%m/%Y})"
    )
    form.fill_date("Date the assignment ended", days_ago(1))
    form.submit("End assignment")
    record = form.saved()
    assert record.guardian_rows()[0][3] == f"{days_ago(1).day} {days_ago(1):%b %Y}"
    assert GuardianAssignment.objects.get(child=child).end_date == days_ago(1)
