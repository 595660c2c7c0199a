"""People in a real browser: an organisation administrator invites a social worker and a
coordinator; each follows the link in their email, chooses a password, sets up the second
factor and lands signed in; the administrator deactivates the coordinator, whose open session
is refused at the next click; a child allocated to the social worker shows in "My children".
axe-core on each new page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.pages import BasePage, ChildrenListPage, SetUpAuthenticatorPage, SignInPage
from tests.e2e.support import e2e_db
from tests.e2e.test_accessibility import check_page
from tests.factories import create_child, make_user
from tests.people.support import link_in
from visible.agencies.models import Role, Team

pytestmark = [pytest.mark.e2e, e2e_db]
PASSWORD = "a synthetic passphrase for the browser"


def invite(screen: BasePage, email: str, first: str, last: str, role: str, team: str) -> None:
    screen.press("Invite someone")  # a link styled as a button
    expect(screen.h1).to_have_text("Invite someone")
    screen.fill("Email address", email)
    screen.fill("First name", first)
    screen.fill("Last name", last)
    screen.choose("Role", role)
    screen.select("Team (optional)", team)
    screen.press("Send invitation")
    assert screen.success_message().startswith(f"Invitation sent to {email}")


def accept(page, email: str) -> None:
    """Open the link in the person's email, choose a password, set up the authenticator."""
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    screen = BasePage(page)
    screen.navigate(lambda: page.goto(link_in(message)))
    expect(screen.h1).to_have_text("Set up your Visible account")
    expect(page.get_by_test_id("invited-username")).to_have_text(email)
    check_page(page, "Set up your Visible account")
    screen.fill("Choose a password", PASSWORD)
    screen.fill("Type the password again", PASSWORD)
    screen.press("Continue")
    set_up = SetUpAuthenticatorPage(page)
    expect(set_up.h1).to_have_text("Set up your authenticator app")
    set_up.set_up().carry_on()


def test_an_administrator_invites_two_people_deactivates_one_and_a_child_is_allocated(
    new_page, council_a
):
    admin = make_user("admin.croydon", council_a, Role.ORGANISATION_ADMIN)
    Team.objects.create(organisation=council_a, name="UASC team")

    admin_page = new_page(admin)
    screen = BasePage(admin_page)
    screen.navigate(lambda: admin_page.goto("/"))
    expect(screen.h1).to_have_text("People")  # an administrator's home: their people
    expect(admin_page.get_by_role("link", name="Children", exact=True)).to_have_count(0)
    check_page(admin_page, "People")
    invite(screen, "sam.sw@croydon.example", "Sam", "Social-Worker", "Social worker", "UASC team")
    check_page(admin_page, "A person, invited")
    screen.follow("Back to people")
    invite(
        screen,
        "chris.coord@croydon.example",
        "Chris",
        "Coordinator",
        "Missing-children coordinator",
        "No team",
    )
    screen.follow("Back to people")
    rows = admin_page.get_by_test_id("person-row")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="sam.sw@croydon.example")).to_contain_text("Invited")
    body = mail.outbox[0].body
    assert "Sam" in body and "Social worker in the UASC team" in body

    # The social worker accepts: a password, the second factor, and they are in.
    worker_page = new_page()
    accept(worker_page, "sam.sw@croydon.example")
    worker = ChildrenListPage(worker_page)
    expect(worker.h1).to_have_text("Children")
    assert "Sam Social-Worker" in worker.signed_in_as()

    # So does the coordinator, who stays signed in.
    coordinator_page = new_page()
    accept(coordinator_page, "chris.coord@croydon.example")
    expect(BasePage(coordinator_page).h1).to_have_text("Children")

    # The administrator sees them active, and deactivates the coordinator.
    screen.navigate(lambda: admin_page.reload())
    expect(rows.filter(has_text="chris.coord@croydon.example")).to_contain_text("Active")
    screen.follow("Chris Coordinator")
    check_page(admin_page, "A person")
    screen.press("Deactivate Chris Coordinator")
    expect(screen.h1).to_have_text("Deactivate Chris Coordinator?")
    check_page(admin_page, "Deactivate someone")
    screen.press("Deactivate now")
    assert screen.success_message().startswith("Chris Coordinator has been deactivated")
    expect(admin_page.get_by_test_id("person-status")).to_contain_text("Deactivated")
    expect(admin_page.get_by_test_id("access-history")).to_contain_text("Admin")

    # The coordinator's open session is refused at the next click.
    coordinator = BasePage(coordinator_page)
    coordinator.nav("Missing now")
    expect(coordinator.h1).to_have_text("Sign in to Visible")
    expect(coordinator_page.get_by_test_id("timed-out")).to_contain_text(
        "your access to Visible has ended"
    )
    SignInPage(coordinator_page).sign_in(
        "chris.coord@croydon.example", PASSWORD, second_factor=False
    )
    expect(coordinator.h1).to_have_text("Sign in to Visible")  # the password no longer works

    # A child allocated to the social worker is in "My children".
    sam = get_user_model().objects.get(username="sam.sw@croydon.example")
    child = create_child(sam, family_name="Allocatee", given_names="Mira")
    other = create_child(sam, family_name="Unallocated", given_names="Noor")
    worker.navigate(lambda: worker_page.goto(f"/children/{child.pk}/"))
    expect(worker_page.get_by_test_id("allocation")).to_contain_text("Not allocated")
    worker.follow("Change the allocation of Mira Allocatee")
    check_page(worker_page, "Allocate a child")
    worker.select("Allocated social worker", "Sam Social-Worker (Social worker, UASC team)")
    worker.select("Allocated team", "UASC team")
    worker.press("Save allocation")
    assert worker.success_message() == "The child's allocation has been saved"
    expect(worker_page.get_by_test_id("allocation")).to_contain_text("Sam Social-Worker")
    worker.nav("My children")
    expect(worker.h1).to_have_text("My children")
    expect(worker_page.get_by_test_id("child-row")).to_have_count(1)
    expect(worker_page.get_by_test_id("child-row")).to_contain_text("ALLOCATEE")
    check_page(worker_page, "My children")
    worker.nav("My team's children")
    expect(worker_page.get_by_test_id("child-row")).to_contain_text("ALLOCATEE")
    assert other.family_name.upper() not in worker_page.locator("main").inner_text()


def test_teams_and_the_refused_links_in_a_browser(new_page, council_a, page):
    admin = make_user("admin.croydon", council_a, Role.ORGANISATION_ADMIN)
    admin_page = new_page(admin)
    screen = BasePage(admin_page)
    screen.navigate(lambda: admin_page.goto("/teams/"))
    check_page(admin_page, "Teams")
    screen.fill("Team name", "Out of hours")
    screen.press("Create team")
    assert screen.success_message() == "The Out of hours team has been created"
    screen.fill("Team name", "out of HOURS")
    screen.press("Create team")
    screen.expect_error_summary(f"{council_a.name} already has a team called Out of hours")
    check_page(admin_page, "Teams, a duplicate", error=True)
    refused = BasePage(page)
    refused.navigate(lambda: page.goto("/invitation/not-a-real-link"))
    expect(refused.h1).to_have_text("This link does not work")
    check_page(page, "An invitation link that does not work")
