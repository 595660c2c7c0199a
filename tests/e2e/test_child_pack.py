"""Information for the child in a real browser: a social worker opens the pack of a child whose
language is Tigrinya, sees that the translation is not yet checked by a fluent speaker, reads
an Arabic pack laid out right to left, on a phone's width too, and the PDF link gives the PDF.
A council administrator's translation page passes the same checks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.support import e2e_db
from tests.e2e.test_accessibility import check_page
from tests.factories import make_user
from visible.agencies.models import Role
from visible.audit.models import AuditEvent
from visible.childpack import texts

pytestmark = [pytest.mark.e2e, e2e_db]


def no_sideways_scroll(page, name: str) -> None:
    wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"{name} scrolls sideways: {wide}px in a {window}px window"


def test_a_social_worker_opens_a_tigrinya_childs_pack(new_page, sw_a, make_child, days_ago):
    child = make_child(
        sw_a,
        given_names="Kidane",
        family_name="Tesfay",
        first_language="tir",
        other_languages=["ara"],
        looked_after_from=days_ago(100),
    )
    page = new_page(sw_a)
    refused = []  # the CSP refusing an inline style or script shows in the console
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    page.goto(f"/children/{child.pk}")
    page.get_by_role("link", name="Information for the child").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Information for the child")
    check_page(page, "Information for the child (Tigrinya)")
    expect(page.get_by_label("Language of the pack")).to_have_value("tir")
    expect(page.get_by_test_id("needs-check")).to_contain_text(
        "This Tigrinya translation has not been checked by a fluent speaker"
    )
    tigrinya = page.locator('[data-testid="pack-side"][data-language="tir"]')
    expect(tigrinya).to_have_attribute("lang", "ti")
    expect(tigrinya.get_by_role("heading", level=2)).to_have_text(
        texts.shipped()["tir"].blocks["title"]
    )
    expect(tigrinya.get_by_test_id("pack-check")).to_contain_text(
        "Not yet checked by a fluent speaker"
    )
    expect(tigrinya).to_contain_text("116 000")

    # The PDF link gives the pack as a PDF (two sides: Tigrinya, then English)
    link = page.get_by_test_id("pack-pdf")
    expect(link).to_contain_text("two sides: Tigrinya, then English")
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action="export", child_id=child.pk, summary__contains="(Tigrinya)"
    ).exists()

    # Arabic, from the record's other languages: right to left, right-aligned, on a phone too
    page.get_by_label("Language of the pack").select_option("ara")
    page.get_by_role("button", name="Show the pack").click()
    arabic = page.locator('[data-testid="pack-side"][data-language="ara"]')
    expect(arabic).to_have_attribute("dir", "rtl")
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    heading = arabic.get_by_role("heading", level=2)
    box, side = heading.bounding_box(), arabic.bounding_box()
    assert box["x"] + box["width"] > side["x"] + side["width"] - 40  # starts at the right
    page.set_viewport_size({"width": 360, "height": 740})
    no_sideways_scroll(page, "The Arabic pack on a phone")
    check_page(page, "Information for the child (Arabic, phone)")
    assert refused == []


def test_a_council_administrator_adds_a_checked_translation(new_page, council_a, days_ago):
    admin = make_user("admin.a", council_a, Role.ORGANISATION_ADMIN)
    page = new_page(admin)
    page.goto("/people/")
    page.get_by_role("link", name="Child's pack: checked translations").click()
    check_page(page, "Child's pack: council settings")
    page.get_by_role("link", name="Add a checked translation in Somali").click()
    check_page(page, "Somali child's pack form")
    page.get_by_role("button", name="Save the checked translation").click()
    check_page(page, "Somali child's pack form with errors", error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the name of the fluent speaker who checked the translation"
    )
    page.get_by_label("Name of the fluent speaker who checked it").fill("Hodan Warsame")
    checked = days_ago(3)
    page.get_by_label("Day", exact=True).fill(str(checked.day))
    page.get_by_label("Month", exact=True).fill(str(checked.month))
    page.get_by_label("Year", exact=True).fill(str(checked.year))
    page.get_by_role("button", name="Save the checked translation").click()
    expect(page.get_by_test_id("pack-language-som")).to_contain_text("checked by Hodan Warsame")


def test_the_contacts_in_the_pack_and_whether_the_phone_is_safe(new_page, sw_a, make_child):
    child = make_child(sw_a, given_names="Selam", first_language="amh")
    page = new_page(sw_a)
    page.goto(f"/children/{child.pk}/information-for-child")
    expect(page.get_by_test_id("phone-safety")).to_contain_text("Not known: do not text")
    expect(page.get_by_test_id("no-text")).to_contain_text("Visible will not text the child")
    page.get_by_role("link", name="Change the contacts in the pack").click()
    check_page(page, "Contacts in the child's pack")
    page.get_by_label("Safe to text").check()
    page.get_by_label("Guardian's phone number (optional)").fill("ring the office")
    page.get_by_role("button", name="Save contacts").click()
    check_page(page, "Contacts in the child's pack with errors", error=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the child's mobile number, or do not mark it safe")
    expect(summary).to_contain_text("Enter the guardian's number using only numbers")
    page.get_by_label("Child's mobile number (optional)").fill("07700 900982")
    page.get_by_label("Not safe: do not text").check()
    page.get_by_label("Guardian's phone number (optional)").fill("07700 900123")
    page.get_by_label("Carer's name (optional)").fill("Ruth Carer")
    page.get_by_role("button", name="Save contacts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Information for the child")
    expect(page.get_by_test_id("phone-safety")).to_contain_text("Not safe: do not text")
    amharic = page.locator('[data-testid="pack-side"][data-language="amh"]')
    expect(amharic.get_by_test_id("pack-contact-guardian")).to_contain_text("07700 900123")
    expect(amharic.get_by_test_id("pack-contact-carer")).to_contain_text("Ruth Carer")
