"""Multi-agency working in a real browser: a council shares a grab pack with its police force,
which sees it only once the child is reported missing to it; the trafficking SPOC's list; a
transfer seen from both councils; break-glass with the owner alerted and reviewing it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import BasePage, axe_violations, describe_violations
from tests.e2e.support import e2e_db
from tests.factories import create_uasc_child, make_user, missing_episode
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.missing.models import Alert
from visible.sharing.models import BreakGlass, Disclosure, Transfer

pytestmark = [pytest.mark.e2e, e2e_db]


def accessible(page, name: str) -> None:
    expect(page.locator("h1")).to_have_count(1)
    violations = axe_violations(page)
    assert not violations, f"{name} ({page.url}):\n" + describe_violations(violations)


def test_a_shared_grab_pack_reaches_the_police_only_once_the_child_is_missing_to_them(
    new_page, sw_a
):
    met = Organisation.objects.get(name="Metropolitan Police Service")
    officer = make_user("officer.met", met, Role.POLICE_OFFICER)
    child = create_uasc_child(sw_a)

    council = new_page(sw_a)
    screen = BasePage(council)
    screen.navigate(lambda: council.goto(f"/children/{child.pk}/"))
    screen.select("Police force", "Metropolitan Police Service")
    screen.press("Share the grab pack with this force")
    assert screen.success_message().startswith("Grab pack shared with Metropolitan Police Service")
    expect(council.get_by_test_id("grab-pack-shares")).to_contain_text(
        "Metropolitan Police Service"
    )

    police = new_page(officer)
    cop = BasePage(police)
    cop.navigate(lambda: police.goto("/"))
    expect(cop.h1).to_have_text("Reported missing to Metropolitan Police Service")
    expect(police.get_by_test_id("force-missing-empty")).to_be_visible()
    cop.navigate(lambda: police.goto(f"/children/{child.pk}/"))
    expect(cop.h1).to_have_text("Page not found")

    missing_episode(sw_a, child, force=met, clothing="Grey hoodie, black trainers")
    cop.navigate(lambda: police.goto("/police/missing"))
    expect(police.get_by_test_id("force-missing")).to_contain_text("Dawit Tekle")
    accessible(police, "The force's missing list")
    cop.follow("Dawit Tekle")
    accessible(police, "An episode seen by the police")
    cop.follow("Grab pack", exact=False)
    expect(police.locator("main")).to_contain_text("Grey hoodie, black trainers")
    assert Disclosure.objects.filter(child=child, organisation=met).exists()

    screen.navigate(lambda: council.reload())
    expect(council.get_by_test_id("disclosures")).to_contain_text("Metropolitan Police Service")
    expect(council.get_by_test_id("disclosures")).to_contain_text("DPA 2018 Part 3")
    accessible(council, "A child's record with disclosures")


def test_the_trafficking_spoc_sees_children_in_scope_after_they_come_back(
    new_page, sw_a, make_child
):
    met = Organisation.objects.get(name="Metropolitan Police Service")
    spoc = make_user("spoc.met", met, Role.TRAFFICKING_SPOC)
    officer = make_user("officer.met", met, Role.POLICE_OFFICER)
    back = create_uasc_child(sw_a)
    missing_episode(sw_a, back, force=met, hours_ago=60, returned_hours_ago=40)
    out_now = make_child(sw_a, given_names="Sam", family_name="Smith", nationality="GBR")
    missing_episode(sw_a, out_now, force=met)

    page = new_page(spoc)
    BasePage(page).navigate(lambda: page.goto("/police/missing"))
    rows = page.get_by_test_id("force-missing")
    expect(rows).to_contain_text("Dawit Tekle")
    dawit = rows.locator("tr", has_text="Dawit Tekle")
    expect(dawit).to_contain_text("Trafficked or unaccompanied: high risk if missing")
    expect(dawit).not_to_contain_text("In scope")
    expect(dawit.get_by_test_id("why-listed")).to_contain_text(
        "trafficked or unaccompanied, on your list until"
    )
    expect(rows).to_contain_text("Sam Smith")
    expect(rows.locator("tr", has_text="Sam Smith").get_by_test_id("why-listed")).to_have_text(
        "Missing now, reported to your force"
    )
    # The newer report is not on top: open before back, then the most urgent.
    expect(rows.locator("tbody tr").first).to_contain_text("Sam Smith")
    accessible(page, "The SPOC's list")

    other = new_page(officer)
    BasePage(other).navigate(lambda: other.goto("/police/missing"))
    expect(other.get_by_test_id("force-missing")).not_to_contain_text("Dawit Tekle")


def test_a_transfer_seen_from_both_councils(new_page, manager_a, manager_b, sw_a):
    child = create_uasc_child(sw_a)
    missing_episode(sw_a, child)  # open, with open alerts that move with the child

    sender = new_page(manager_a)
    screen = BasePage(sender)
    screen.navigate(lambda: sender.goto(f"/children/{child.pk}/"))
    screen.follow("Transfer Dawit Tekle to another authority")
    accessible(sender, "Transfer a child")
    screen.press("Transfer now")
    screen.expect_error_summary(
        "Choose the authority taking responsibility",
        "Say why the child is being transferred",
        "Confirm that responsibility moves now",
    )
    screen.select("Authority taking responsibility", "Kent children's services")
    screen.fill("Why", "National Transfer Protocol: accepted by Kent (synthetic)")
    screen.tick(
        "I understand that responsibility, the whole record and its open alerts move to the receiving authority now"
    )
    screen.press("Transfer now")
    assert "transferred to Kent children's services" in screen.success_message()
    expect(sender.get_by_test_id("read-only-view")).to_contain_text(
        "Transferred to Kent children's services"
    )
    expect(sender.get_by_role("button", name="Record a flag")).to_have_count(0)
    assert Transfer.objects.get().moved["open_episodes"] == 1

    receiver = new_page(manager_b)
    kent = BasePage(receiver)
    kent.navigate(lambda: receiver.goto("/alerts/"))
    expect(
        receiver.get_by_test_id("alert").filter(has_text="has been transferred to you")
    ).to_have_count(1)
    kent.navigate(lambda: receiver.goto(f"/children/{child.pk}/"))
    expect(receiver.get_by_test_id("transfers")).to_contain_text(
        "from Croydon children's services to Kent children's services"
    )
    expect(receiver.get_by_role("button", name="Record a flag")).to_be_visible()


def test_break_glass_is_refused_without_a_reason_and_the_owner_is_alerted(
    new_page, sw_b, manager_a, sw_a
):
    child = create_uasc_child(sw_a, date_of_birth=dt.date(2010, 5, 14))
    page = new_page(sw_b)
    screen = BasePage(page)
    screen.navigate(lambda: page.goto(f"/children/{child.pk}/"))
    expect(screen.h1).to_have_text("Page not found")
    screen.follow("ask for break-glass access")
    accessible(page, "Break-glass")
    screen.fill("Name", "Dawit Tekle")
    screen.fill_date("Date of birth", dt.date(2010, 5, 14))
    screen.press("Find the child")
    screen.fill("Why you need the record now", "urgent")
    screen.press("Open the record")
    screen.expect_error_summary(
        "Say why you need this record now, in at least 20 characters: the child's council will read it"
    )
    screen.fill(
        "Why you need the record now", "Found at Dover port at 02:00, says he lives in Croydon"
    )
    screen.press("Open the record")
    assert "Break-glass access to Dawit Tekle's record" in screen.success_message()
    expect(page.get_by_test_id("read-only-view")).to_contain_text("Break-glass access until")
    assert BreakGlass.objects.filter(child=child, username="sw.b").exists()

    owner = new_page(manager_a)
    mine = BasePage(owner)
    mine.navigate(lambda: owner.goto("/alerts/"))
    expect(
        owner.get_by_test_id("alert").filter(has_text="used break-glass access")
    ).to_contain_text("Found at Dover port")
    mine.navigate(lambda: owner.goto(f"/children/{child.pk}/"))
    card = owner.get_by_test_id("break-glass")
    card.get_by_label("Your review").fill("Justified: Kent duty team had him at the port")
    mine.navigate(lambda: card.get_by_role("button", name="Record the review").click())
    assert mine.success_message() == "Review recorded"
    expect(owner.get_by_test_id("break-glass")).to_contain_text("Reviewed by Manager")
    assert Alert.objects.filter(child=child, code="break_glass").count() == 1


def test_an_officer_finds_a_child_by_a_grab_pack_reference_or_name_and_date_of_birth(
    new_page, sw_a
):
    """Issue 16, point 3: a Kent officer holds a printed grab pack (or only what the child
    says), never Visible's internal number. They find the child, see only the name, the year of
    birth and the council, give the reason, and the record opens; each step is audited."""
    met = Organisation.objects.get(name="Metropolitan Police Service")
    officer = make_user(
        "officer.kent", Organisation.objects.get(name="Kent Police"), Role.POLICE_OFFICER
    )
    child = create_uasc_child(sw_a, date_of_birth=dt.date(2010, 5, 14), council_id="CR-40417")
    create_uasc_child(
        sw_a, given_names="Dawit", family_name="Tekle", date_of_birth=dt.date(2011, 2, 1)
    )
    missing_episode(sw_a, child, force=met, police_reference="CAD 4471/03DEC")

    page = new_page(officer)
    screen = BasePage(page)
    screen.navigate(lambda: page.goto("/break-glass"))
    expect(page.locator("main")).not_to_contain_text("Visible number")
    # The grab pack prints the council case ID under "Identifiers".
    screen.fill("Or a reference", "cr-40417")
    screen.press("Find the child")
    found = page.get_by_test_id("break-glass-open")
    expect(page.get_by_test_id("break-glass-found")).to_have_text("1 child found")
    expect(found).to_contain_text("Dawit Tekle, born 2010, Croydon children's services")
    expect(found).not_to_contain_text("14 May 2010")
    accessible(page, "Break-glass: the child found")

    # The other way: the name as the child says it, misspelt, and the date of birth.
    screen.fill("Or a reference", "")
    screen.fill("Name", "Dawitt Tekle")
    screen.fill_date("Date of birth", dt.date(2010, 5, 14))
    screen.press("Find the child")
    expect(page.get_by_test_id("break-glass-found")).to_have_text("1 child found")
    screen.choose("Which child?", "Dawit Tekle, born 2010, Croydon children's services")
    screen.fill("Why you need the record now", "Found at Dover port at 02:00, says he is 16")
    screen.press("Open the record")
    assert "Break-glass access to Dawit Tekle's record" in screen.success_message()
    expect(page.get_by_test_id("read-only-view")).to_contain_text("Break-glass access until")

    glass = BreakGlass.objects.get(child=child, username="officer.kent")
    assert glass.reason == "Found at Dover port at 02:00, says he is 16"
    events = AuditEvent.objects.filter(actor_user_id=officer.pk, object_type="breakglass").order_by(
        "seq"
    )
    assert [(e.action, e.detail_data.get("found")) for e in events] == [
        ("search", [child.pk]),
        ("search", [child.pk]),
        ("search", [child.pk]),
        ("create", None),
    ]
    assert Alert.objects.filter(child=child, code="break_glass").count() == 1


def test_the_force_list_shows_photograph_age_time_missing_and_reference(new_page, sw_a, make_child):
    """Issue 16, point 9: what an officer needs to recognise the child and act, on the list."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tests.factories import as_viewer
    from visible.children import actions as register

    met = Organisation.objects.get(name="Metropolitan Police Service")
    officer = make_user("officer.met", met, Role.POLICE_OFFICER)
    dawit = create_uasc_child(sw_a)
    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), (40, 90, 160)).save(buffer, "JPEG")
    register.set_photo(
        as_viewer(sw_a), dawit, SimpleUploadedFile("p.jpg", buffer.getvalue(), "image/jpeg"), None
    )
    newer = make_child(sw_a, given_names="Sam", family_name="Smith", nationality="GBR")
    missing_episode(sw_a, dawit, force=met, hours_ago=5, police_reference="MPS-5501")
    missing_episode(sw_a, newer, force=met, hours_ago=1, police_reference="MPS-5502")

    page = new_page(officer)
    BasePage(page).navigate(lambda: page.goto("/police/missing"))
    rows = page.get_by_test_id("force-row")
    expect(rows).to_have_count(2)
    first = rows.first
    expect(first).to_contain_text("Dawit Tekle")  # high risk before the newer report
    photo = first.get_by_role("img", name="Photograph of Dawit Tekle")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 30
    expect(first).to_contain_text("aged 16")
    expect(first).to_contain_text("5 hours")
    expect(first).to_contain_text("MPS-5501")
    expect(first).to_contain_text("Trafficked or unaccompanied: high risk if missing")
    expect(rows.nth(1)).to_contain_text("No photograph")
    expect(rows.nth(1)).to_contain_text("MPS-5502")
    accessible(page, "The force's missing list with photographs")
