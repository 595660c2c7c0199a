"""The force's grade in a real browser (R-POLICE-GRADE): the council records it as the force
gave it and sees it beside Visible's; a grade below high for a child in scope is challenged,
and the force's trafficking SPOC answers from the alerts inbox; every page accessible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.missing_pages import check_page
from tests.e2e.pages import BasePage
from tests.e2e.support import e2e_db
from tests.factories import create_uasc_child, make_user, missing_episode
from visible.agencies.models import Organisation, Role
from visible.missing.models import PoliceGradeChallenge

pytestmark = [pytest.mark.e2e, e2e_db]


def test_a_low_police_grade_is_challenged_and_the_spoc_answers(new_page, sw_a):
    met = Organisation.objects.get(name="Metropolitan Police Service")
    spoc = make_user("spoc.met", met, Role.TRAFFICKING_SPOC)
    child = create_uasc_child(sw_a)
    episode = missing_episode(sw_a, child, force=met, police_reference="MPS-31")

    council = new_page(sw_a)
    screen = BasePage(council)
    screen.navigate(lambda: council.goto(f"/episodes/{episode.pk}/police"))
    check_page(council, "The police page with the force's grade form")
    screen.fill("The force's grade, in the force's words", "Amber")
    screen.press("Save the force's grade")
    check_page(council, "The force's grade refused", error=True)
    expect(council.locator(".govuk-error-summary")).to_contain_text("does not name one")
    screen.fill("The force's grade, in the force's words", "Very low risk")
    screen.press("Save the force's grade")
    assert screen.success_message().startswith("The force's grade has been recorded")
    expect(council.get_by_test_id("police-grade-summary")).to_contain_text("Very low")
    expect(council.get_by_test_id("police-grade-summary")).to_contain_text("Challenged by Visible")
    expect(council.get_by_test_id("grade-in-force")).to_contain_text("High")
    check_page(council, "The episode summary with both grades")

    police = new_page(spoc)
    lead = BasePage(police)
    lead.navigate(lambda: police.goto("/alerts/"))
    expect(police.get_by_test_id("alert")).to_contain_text("Police grade challenged")
    check_page(police, "The SPOC's alerts inbox")
    lead.follow(child.full_name)
    lead.follow("Answer the challenge", exact=False)
    expect(police.get_by_test_id("challenge-reasons")).to_contain_text("child missing")
    check_page(police, "The challenge page")
    lead.choose("What did the force decide?", "The force changed its grade")
    lead.press("Send the force's answer")
    check_page(police, "The challenge answer refused", error=True)
    lead.choose("What did the force decide?", "The force changed its grade")
    lead.select("The force's new grade (if it changed its grade)", "High")
    lead.fill("The force's reasons", "Agreed: trafficking indicators (synthetic)")
    lead.press("Send the force's answer")
    assert lead.success_message() == "Your answer has been recorded: regraded high"
    expect(police.get_by_test_id("challenge-outcome")).to_have_text("Regraded high")
    check_page(police, "The answered challenge")
    assert PoliceGradeChallenge.objects.get().outcome == "regraded_high"

    screen.navigate(lambda: council.goto(f"/episodes/{episode.pk}/police"))
    expect(council.get_by_test_id("police-grade")).to_contain_text("High")
    expect(council.get_by_test_id("police-challenge")).to_contain_text("Regraded high")
    expect(council.get_by_test_id("police-grade-history")).to_contain_text("Very low risk")
