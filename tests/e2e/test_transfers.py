"""National Transfer Scheme transfers and children who stay missing, in a real browser: a
council refers a child, the receiving council finds the packet, acknowledges it and records the
arrival, and the child's timeline shows the move; a long-term missing case with its review;
the still-missing list over a generated national set, per council and nationally; a transfer
the receiving council declines, seen declined by the sender."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.missing_pages import check_page
from tests.e2e.pages import BasePage
from tests.e2e.support import e2e_db
from tests.factories import as_viewer, create_uasc_child, make_user, missing_episode
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.transfers import actions, queries
from visible.transfers.models import NtsTransfer

pytestmark = [pytest.mark.e2e, e2e_db]


def test_a_transfer_packet_is_acknowledged_by_the_receiving_council(new_page, sw_a, sw_b):
    child = create_uasc_child(sw_a)
    missing_episode(sw_a, child, hours_ago=6)

    sender = new_page(sw_a)
    screen = BasePage(sender)
    screen.navigate(lambda: sender.goto(f"/children/{child.pk}/"))
    screen.follow("National Transfer Scheme transfers")
    check_page(sender, "A child's National Transfer Scheme transfers")
    screen.press("Refer and send the transfer packet")
    screen.expect_error_summary(
        "Choose the council the child is being transferred to", "Enter the date of the referral"
    )
    check_page(sender, "The referral, with errors", error=True)
    screen.select("Receiving council", "Kent children's services")
    screen.fill_date("Date of the referral", timezone.localdate())
    screen.press("Refer and send the transfer packet")
    assert "Kent Police" in screen.success_message()
    expect(sender.get_by_test_id("nts-clock")).to_contain_text("On track")
    expect(sender.get_by_test_id("packet-open")).to_contain_text("1 open missing episode")
    check_page(sender, "The transfer packet, seen by the sending council")

    receiver = new_page(sw_b)
    kent = BasePage(receiver)
    kent.navigate(lambda: receiver.goto("/alerts/"))
    kent.follow("National Transfer Scheme transfers")
    check_page(receiver, "The receiving council's transfers")
    kent.follow("Dawit Tekle")
    expect(receiver.get_by_test_id("council-acknowledged")).to_have_text("Not yet")
    expect(receiver.get_by_test_id("packet-record")).to_contain_text("Eritrea")
    check_page(receiver, "The transfer packet, seen by the receiving council")
    kent.press("Acknowledge the transfer packet")
    assert kent.success_message().startswith("You have acknowledged the transfer packet")
    expect(receiver.get_by_test_id("council-acknowledged")).to_contain_text("by Sw")
    expect(receiver.get_by_role("button", name="Acknowledge the transfer packet")).to_have_count(0)
    transfer = NtsTransfer.objects.get()
    assert transfer.council_acknowledged_by_name == "Sw" and transfer.force_acknowledged_at is None

    kent.fill_date("Date the child arrived", timezone.localdate())
    kent.press("Record the arrival")
    assert "the record, its open alerts and open episodes are theirs now" in kent.success_message()
    expect(receiver.get_by_test_id("nts-clock")).to_contain_text("Arrived in time")
    kent.navigate(lambda: receiver.goto(f"/children/{child.pk}/timeline"))
    expect(receiver.get_by_test_id("timeline")).to_contain_text("Arrived in Kent")
    expect(receiver.get_by_test_id("timeline")).to_contain_text(
        "Referred under the National Transfer Scheme to Kent"
    )
    expect(receiver.get_by_test_id("timeline-episode").first).to_contain_text("Missing")
    check_page(receiver, "The child's timeline")


def test_the_receiving_council_declines_and_the_sender_sees_why(new_page, sw_a, sw_b):
    child = create_uasc_child(sw_a)
    croydon = sw_a.memberships.get().organisation
    kent = Organisation.objects.get(name="Kent children's services")
    transfer = actions.refer(as_viewer(sw_a), child, kent, timezone.localdate())

    receiver = new_page(sw_b)
    screen = BasePage(receiver)
    screen.navigate(lambda: receiver.goto(f"/transfers/{transfer.pk}"))
    screen.press("Decline this transfer")
    check_page(receiver, "Declining a transfer")
    screen.fill_date("Date declined", timezone.localdate())
    screen.fill("Why are you declining the transfer?", "No placement for him this month")
    screen.press("Decline the transfer")
    assert screen.success_message().startswith("You have declined the transfer of Dawit Tekle")
    expect(receiver.get_by_test_id("nts-clock")).to_contain_text("Declined")
    expect(receiver.get_by_role("button", name="Record the arrival")).to_have_count(0)

    sender = new_page(sw_a)
    home = BasePage(sender)
    home.navigate(lambda: sender.goto("/transfers"))
    expect(sender.get_by_test_id("nts-transfer-list")).to_contain_text("Declined")
    home.follow("Dawit Tekle")
    expect(sender.get_by_test_id("nts-ended")).to_contain_text(
        f"{kent.name} declined this transfer"
    )
    expect(sender.get_by_test_id("nts-outcome-reason")).to_have_text(
        "No placement for him this month"
    )
    expect(sender.get_by_test_id("nts-ended")).to_contain_text(f"stays with {croydon.name}")
    check_page(sender, "A declined transfer, seen by the sending council")


def test_a_long_term_missing_case_with_its_review(new_page, sw_a):
    child = create_uasc_child(sw_a, days_in_care=400)
    episode = missing_episode(sw_a, child, hours_ago=24 * 35)
    page = new_page(sw_a)
    screen = BasePage(page)
    screen.navigate(lambda: page.goto(f"/episodes/{episode.pk}/"))
    expect(page.get_by_test_id("long-term-case")).to_contain_text("Missing 35 days")
    screen.follow(
        "See the long-term case: reviews, the UK Missing Persons Unit, NRM status and the guardian"
    )
    expect(page.get_by_test_id("ukmpu")).to_contain_text("Not referred")
    check_page(page, "A long-term missing case")
    screen.fill_date("Date the review was held", timezone.localdate())
    screen.press("Record the review")
    screen.expect_error_summary(
        "Say who took part, for example 'Police, social care, guardian'",
        "Say what the review agreed",
    )
    check_page(page, "A long-term missing case, with errors", error=True)
    screen.fill_date("Date the review was held", timezone.localdate())
    screen.fill("Who took part", "Police, social care, the guardian")
    screen.fill("What was agreed", "Widen the search to Birmingham")
    screen.press("Record the review")
    assert screen.success_message() == "Review recorded"
    expect(page.get_by_test_id("reviews")).to_contain_text("Widen the search to Birmingham")


def test_the_still_missing_list_over_a_generated_national_set(new_page, sw_a):
    from visible.demo.synthetic.generate import generate

    generate(authorities=None, national=True, children=400, seed=11)
    today = timezone.localdate()
    everyone = queries.still_missing(today)
    assert everyone, "the generated set has children still missing"
    croydon = sw_a.memberships.get().organisation
    mine = queries.still_missing(today, croydon)

    page = new_page(sw_a)
    screen = BasePage(page)
    screen.navigate(lambda: page.goto("/alerts/"))
    screen.follow("children still missing")
    screen.fill_date("Still missing on", today)
    screen.press("Show the list")
    expect(page.get_by_test_id("still-missing-count")).to_have_text(
        f"{len(mine)} still missing on {today:%-d %B %Y}"
    )
    if mine:
        expect(page.get_by_test_id("still-missing").locator("tbody tr").first).to_contain_text(
            mine[0].how_long
        )
    check_page(page, "A council's still-missing list")

    body = Organisation.objects.create(name="National body", kind=OrganisationKind.NATIONAL_BODY)
    analyst = make_user("analyst.national", body, Role.ANALYST)
    national = new_page(analyst)
    nb = BasePage(national)
    nb.navigate(lambda: national.goto("/"))
    nb.follow("Children still missing, by authority and how long")
    nb.fill_date("Still missing on", today)
    nb.press("Show the table")
    table = national.get_by_test_id("national-still-missing")
    authorities = {r.organisation for r in everyone}
    expect(table.locator("tbody tr")).to_have_count(len(authorities) + 1)
    expect(table.locator("tbody tr").last).to_contain_text("Total")
    # Small counts are never shown: every authority's cells are c, 0, or 6 and over.
    for text in table.locator("tbody tr td").all_inner_texts()[:-5]:
        assert text == "c" or text == "0" or int(text) >= 6, text
    check_page(national, "The national still-missing table")
    with national.expect_download() as download:
        national.get_by_role("link", name="Download this table (CSV)").click()
    lines = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert lines[0].startswith("authority,Under 28 days") and len(lines) == len(authorities) + 2
