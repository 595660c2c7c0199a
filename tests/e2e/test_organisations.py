"""The national administrator in a real browser: set up by `visible setup`, signs in for the
first time (setting up the second factor), adds Kent by its GSS code and finds it in the list;
deactivates a council, and one of its people, signed in elsewhere, is signed out at their next
click. axe-core on each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.organisation_pages import OrganisationPage, OrganisationsPage
from tests.e2e.pages import ChildrenListPage, SetUpAuthenticatorPage, SignInPage
from tests.e2e.support import e2e_db
from tests.e2e.test_accessibility import check_page
from visible.audit.models import AuditEvent
from visible.cli import main

pytestmark = [pytest.mark.e2e]


@e2e_db
def test_the_national_administrator_sets_up_adds_kent_and_deactivates_a_council(
    new_page, sw_a, capsys
):
    assert (
        main(
            [
                "setup",
                "--national-body",
                "National Monitoring Body (synthetic)",
                "--admin-username",
                "nat.admin",
                "--admin-email",
                "nat.admin@national.example",
                "--admin-first-name",
                "Nat",
            ]
        )
        == 0
    )
    password = re.search(r"temporary password (\S+)$", capsys.readouterr().out, re.M).group(1)

    # First sign-in: the password, then setting up the authenticator, before anything opens.
    page = new_page()
    sign_in = SignInPage.open(page)
    sign_in.sign_in("nat.admin", password, second_factor=False)
    set_up = SetUpAuthenticatorPage(page)
    expect(set_up.h1).to_have_text(SetUpAuthenticatorPage.heading)
    set_up.set_up().carry_on()
    organisations = OrganisationsPage(page)
    expect(organisations.h1).to_have_text("Organisations")
    assert "Kent Police" in organisations.names()
    check_page(page, "Organisations")

    # Kent, by its GSS code: a mistyped code first.
    organisations.follow("Add an organisation")
    check_page(page, "Add an organisation")
    organisations.choose(
        "What kind of organisation?",
        "A council's children's services, or a Northern Ireland HSC Trust",
    )
    organisations.press("Continue")
    check_page(page, "Add a council or HSC Trust")
    organisations.fill("GSS code of the authority", "E1000016")
    organisations.press("Add the council")
    expect(organisations.error_summary).to_be_visible()
    assert organisations.error_summary_messages()[0].startswith(
        "There is no authority with the code \u2018E1000016\u2019. Did you mean E10000016 (Kent)"
    )
    check_page(page, "Add a council, wrong code", error=True)
    organisations.fill("GSS code of the authority", "E10000016")
    organisations.press("Add the council")
    kent = OrganisationPage(page)
    expect(kent.h1).to_have_text("Kent children's services")
    assert kent.success_message() == "Kent children's services is on Visible"
    assert kent.summary("Authority") == "Kent (E10000016)"
    assert kent.summary("People with access") == "0"
    check_page(page, "Kent children's services")

    kent.follow("Back to the organisations")
    listed = OrganisationsPage(page).filter(name_or_code="kent")
    assert listed.row_for("Kent children's services")[1:4] == [
        "Council (children's services authority)",
        "E10000016",
        "Active",
    ]
    assert sorted(listed.names()) == ["Kent Police", "Kent children's services"]

    # Croydon's social worker is at work in another browser.
    member = new_page(sw_a)
    member.goto("/children/")
    expect(ChildrenListPage(member).h1).to_have_text("Children")

    listed.filter(name_or_code="E09000008")
    croydon = listed.open("Croydon children's services")
    expect(croydon.h1).to_have_text("Croydon children's services")
    croydon.follow("Deactivate Croydon children's services")
    expect(croydon.h1).to_have_text(
        "Are you sure you want to deactivate Croydon children's services?"
    )
    check_page(page, "Deactivate, confirmation")
    croydon.press("Deactivate Croydon children's services")
    croydon.expect_error_summary("Say why")
    check_page(page, "Deactivate, no reason", error=True)
    croydon.fill("Why", "Test of deactivation (synthetic)")
    croydon.press("Deactivate Croydon children's services")
    assert (
        croydon.success_message()
        == "Croydon children's services is deactivated: 1 person lost access"
    )
    assert croydon.summary("Status").startswith("Deactivated on ")

    # Their next click: signed out, told why.
    ChildrenListPage(member).nav("Children")
    refused = SignInPage(member)
    expect(refused.h1).to_have_text("Sign in to Visible")
    assert refused.important_message().startswith(
        "You have been signed out: Croydon children's services no longer has access to Visible"
    )
    check_page(member, "Signed out, organisation deactivated")
    denied = AuditEvent.objects.filter(action="denied", actor_username="sw.a").latest("seq")
    assert "Croydon children's services was deactivated" in denied.summary


@e2e_db
def test_a_service_the_force_page_a_reorganisation_and_a_reactivation_in_the_browser(
    new_page, make_child, days_ago
):
    from tests.factories import make_council, make_user, record_placement
    from tests.organisations.support import make_national_admin
    from visible.agencies.models import Role
    from visible.children.models import Child

    cumbria = make_council("E10000006")
    make_council("E06000063")
    make_council("E06000064")
    worker = make_user("sw.cumbria", cumbria, Role.SOCIAL_WORKER)
    placed, unplaced = make_child(worker), make_child(worker)
    record_placement(worker, placed, "E06000063", days_ago(20))
    page = new_page(make_national_admin())
    page.goto("/organisations/")
    organisations = OrganisationsPage(page)

    # A guardian service, with the authorities it works in; a wrong code named.
    organisations.follow("Add an organisation")
    organisations.choose("What kind of organisation?", "A guardian or advocacy service, or an NGO")
    organisations.press("Continue")
    check_page(page, "Add a guardian or NGO service")
    organisations.fill("Name of the service", "Guardians of the North (synthetic)")
    organisations.choose("What kind of service is it?", "A guardian or advocacy service")
    organisations.fill("The authorities it works in", "E06000063, E06000099")
    organisations.press("Add the service")
    assert organisations.error_summary_messages()[0].startswith(
        "There is no authority with the code \u2018E06000099\u2019"
    )
    check_page(page, "Add a service, wrong code", error=True)
    organisations.fill("The authorities it works in", "E06000063, E06000064")
    organisations.press("Add the service")
    service = OrganisationPage(page)
    assert service.success_message() == "Guardians of the North (synthetic) is on Visible"
    expect(page.get_by_test_id("areas")).to_contain_text("Westmorland and Furness (E06000064)")
    check_page(page, "A guardian service")

    # Every force is there already: the page says so.
    page.goto("/organisations/add/police-force")
    expect(page.get_by_test_id("all-forces")).to_contain_text(
        "All 46 UK police forces are on Visible"
    )
    check_page(page, "Add a police force")

    # Cumbria's children to Cumberland and Westmorland and Furness: a child with no successor
    # first, then assigned; the plan shown before anything moves.
    page.goto("/organisations/")
    organisations.follow("Reorganise councils")
    check_page(page, "Reorganise councils")
    organisations.fill("GSS code of the authority that ended", "E10000006")
    organisations.press("Check what would move")
    assert f"Visible number {unplaced.pk}" in organisations.error_summary_messages()[0]
    check_page(page, "Reorganise, a child with no successor", error=True)
    organisations.fill(
        "Where each child goes, when there are two or more successors (optional)",
        f"{unplaced.pk}, E06000064",
    )
    organisations.press("Check what would move")
    expect(organisations.h1).to_have_text("Move 2 children of Cumbria children's services?")
    expect(page.get_by_test_id("moves")).to_contain_text(
        "Westmorland and Furness children's services"
    )
    check_page(page, "Reorganise, the plan")
    organisations.press("Move 2 children now")
    organisations.expect_error_summary("Confirm that the children move now")
    assert Child.objects.filter(responsible_organisation=cumbria).count() == 2
    organisations.tick(
        "I understand that these children move to their successors now, each as a transfer, "
        "and that this cannot be undone in one step"
    )
    organisations.press("Move 2 children now")
    done = OrganisationPage(page)
    assert done.success_message().startswith("2 children of Cumbria children's services moved")
    assert done.summary("Children's records held") == "0"

    # Deactivated, then reactivated from its page.
    done.deactivate("Cumbria County Council ended on 1 April 2023")
    expect(page.get_by_role("link", name="Reactivate Cumbria children's services")).to_be_visible()
    done.follow("Reactivate Cumbria children's services")
    check_page(page, "Reactivate")
    done.fill("Why", "Its people still need their read-only view (synthetic)")
    done.press("Reactivate Cumbria children's services")
    assert (
        done.success_message() == "Cumbria children's services is active again: 1 person has access"
    )
