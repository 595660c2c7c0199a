"""From "he's not come back" to the risk review after the return interview, in a real browser;
a young person who turns 18 while missing; and the accessibility of the missing pages."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.missing_pages import (
    AlertsPage,
    EpisodePage,
    MissingNowPage,
    ReportMissingPage,
    SafetyPlanPage,
    check_page,
    uk_words,
)
from tests.e2e.pages import ChildRecordPage
from tests.e2e.support import e2e_db
from tests.factories import as_viewer, report_missing
from visible.children import actions as register
from visible.dates import eighteenth_birthday, years_before
from visible.missing import actions
from visible.missing.models import Alert, Episode, Grading

pytestmark = [pytest.mark.e2e, e2e_db]

R_HIGH_REASON = "UASC child missing"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e-screenshots"
R_HIGH_CITATION = "Heading back to harm, Rec 5.ii"


def route_exists(name: str, *args) -> bool:
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


def test_from_report_to_risk_review_after_the_return_interview(new_page, coordinator_a, uasc_child):
    now = timezone.now()
    last_seen = now - dt.timedelta(days=5, hours=2)
    page = new_page(coordinator_a)

    # 1. Reported missing from the child's record.
    record = ChildRecordPage.open(page, uasc_child.pk)
    record.navigate(lambda: page.get_by_role("button", name="Report missing or away").click())
    form = ReportMissingPage(page)
    expect(form.h1).to_have_text("Report missing or away")
    form.report(
        last_seen=last_seen,
        place="West Croydon bus station",
        with_whom="Two older men in a grey car",
        clothing="Black puffer jacket, white trainers",
        circumstances="Left the house after a phone call",
        reporter="Sam Carer (synthetic)",
        factors=("Contact with or control by traffickers (phone, SIM card, messages, visits)",),
    )
    episode_page = form.submit()

    # 2. Graded high, with every reason and its source.
    episode = Episode.objects.get(child=uasc_child)
    assert "reported missing" in episode_page.success_message()
    expect(episode_page.h1).to_have_text("Missing")
    assert episode_page.grade_in_force() == "High"
    assert episode_page.proposal() == "Visible proposes High"
    r_high = episode_page.reason_row(R_HIGH_REASON)
    expect(r_high).to_have_count(1)
    # Each source once, above the reasons that rest on it.
    expect(page.get_by_test_id("reason-source").filter(has=r_high).locator("th")).to_contain_text(
        R_HIGH_CITATION
    )
    expect(
        episode_page.reason_row(
            "Contact with or control by traffickers (phone, SIM card, messages, visits)"
        )
    ).to_have_count(1)
    episode_page.go_to("Summary")
    assert (
        f"{uk_words(last_seen)}, West Croydon bus station"
        == page.get_by_test_id("last-seen").inner_text().strip()
    )
    assert episode_page.status().startswith("Open")

    # The coordinator confirms the grade: both gradings are kept.
    episode_page.set_grade("High")
    assert episode_page.success_message() == "The grade has been recorded"
    assert [row[2] for row in episode_page.gradings()] == [
        "Confirmed or changed by a professional",
        "Proposed by the risk engine on report",
    ]

    # 3. The grab pack for the police, where that part of Visible is in place.
    if route_exists("web:grab-pack", episode.pk):
        expect(episode_page.grab_pack_link()).to_have_attribute(
            "href", reverse("web:grab-pack", args=[episode.pk])
        )
    if route_exists("web:grab-pack-pdf", episode.pk):
        link = episode_page.grab_pack_pdf_link()
        expect(link).to_be_visible()
        pdf = page.request.get(link.get_attribute("href"))  # the browser's own session
        assert pdf.ok and pdf.headers["content-type"].startswith("application/pdf")
        assert pdf.body()[:5] == b"%PDF-"

    # 4. Sightings logged, newest first.
    episode_page.log(
        "Sighting",
        last_seen + dt.timedelta(hours=2),
        "Seen by a bus driver on the 119 towards Purley (synthetic)",
    )
    episode_page.log("Call", last_seen + dt.timedelta(hours=3), "Called his phone: switched off")
    entries = episode_page.log_entries()
    assert entries[0].startswith("Call at") and entries[1].startswith("Sighting at")

    # 5. Reported to the police.
    episode_page.record_police_report(
        "Metropolitan Police Service", last_seen + dt.timedelta(minutes=30), "MPS-0001 (synthetic)"
    )
    assert episode_page.police_summary() == (
        f"Told Metropolitan Police Service at {uk_words(last_seen + dt.timedelta(minutes=30))}, "
        "reference MPS-0001 (synthetic)"
    )

    # 6. The return, more than 72 hours ago.
    returned = now - dt.timedelta(days=4)
    episode_page.record_return(
        returned,
        "Police",
        place="Birmingham New Street station",
        authority="Birmingham (West Midlands)",
        condition="Tired and hungry; a new phone",
    )
    assert episode_page.status().startswith("Closed")
    assert "Birmingham New Street station" in episode_page.return_summary()

    # 7. The interview is overdue: the alert is in the inbox.
    episode_page.navigate(
        lambda: page.get_by_role("link", name=re.compile(r"^Alerts \(\d+\)$")).click()
    )
    inbox = AlertsPage(page).check_for_new_alerts()
    assert inbox.success_message().startswith("Checked ")
    overdue = inbox.card("no independent return interview done within 72 hours")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text("Overdue")
    expect(overdue).to_contain_text("DfE statutory guidance 2014")
    inbox.acknowledge("no independent return interview done within 72 hours")
    expect(inbox.card("no independent return interview done within 72 hours")).to_contain_text(
        "Acknowledged"
    )

    # 8. The interview is held.
    inbox.navigate(
        lambda: (
            inbox.card("no independent return interview")
            .get_by_role("link", name="Dawit Tekle")
            .click()
        )
    )
    episode_page = EpisodePage(page)
    episode_page.record_interview(
        outcome="Held",
        offered=returned + dt.timedelta(hours=2),
        held=now - dt.timedelta(hours=1),
        interviewer="Amani Worker (synthetic)",
        organisation="Independent return interview service (synthetic)",
        independent=True,
        language="Tigrinya",
        interpreter=True,
        where_been="A flat above a car wash in Birmingham",
        who_with="Older men he did not know",
        indicators=("Made to work (cannabis farm, nail bar, car wash, kitchen)",),
        flags=("Trafficked (suspected)",),
    )
    assert episode_page.success_message() == "The return interview has been recorded"

    # 9. The alert has closed, because the condition no longer holds.
    inbox = AlertsPage.open(page)
    expect(inbox.card("no independent return interview done within 72 hours")).to_have_count(0)
    inbox.show("Resolved")
    resolved = inbox.card("no independent return interview done within 72 hours")
    expect(resolved).to_contain_text("Closed automatically")
    assert (
        Alert.objects.get(child=uasc_child, code="return_interview_overdue").resolved_at is not None
    )

    # 10. The risk has been reviewed after the return.
    episode_page = EpisodePage.open(page, episode.pk)
    assert episode_page.risk_review().startswith("Reviewed at")
    assert "Reviewed after return" in [row[2] for row in episode_page.gradings()]
    assert Grading.objects.filter(episode=episode, kind="return").exists()
    record = ChildRecordPage.open(page, uasc_child.pk)
    assert "Trafficked (suspected)" in record.active_flags()


def test_a_coordinator_ticks_two_risk_factors_and_both_are_saved(
    new_page, coordinator_a, uasc_child
):
    """'Tick any that apply' is checkboxes: ticking a second factor keeps the first."""
    traffickers = "Contact with or control by traffickers (phone, SIM card, messages, visits)"
    debt = "Debt bondage: owes money to the people who brought them"
    page = new_page(coordinator_a)
    form = ReportMissingPage.open(page, uasc_child.pk)
    form.report(
        last_seen=timezone.now() - dt.timedelta(hours=3),
        place="West Croydon bus station",
        reporter="Sam Carer (synthetic)",
        factors=(traffickers, debt),
    )
    factors = form.form.group("Risk factors you know about (optional)")
    expect(factors.get_by_role("checkbox")).to_have_count(5)
    expect(factors.get_by_label(traffickers, exact=True)).to_be_checked()
    expect(factors.get_by_label(debt, exact=True)).to_be_checked()
    episode_page = form.submit()

    episode = Episode.objects.get(child=uasc_child)
    assert episode.factors == ["debt_bondage", "trafficker_contact"]
    expect(episode_page.reason_row(traffickers)).to_have_count(1)
    expect(episode_page.reason_row(debt)).to_have_count(1)


def task_forms(page):
    """The page's own forms (not the alert banner's dismiss button on every page)."""
    return page.locator("main form[method=post]:not([data-banner-dismiss])")


TASK_PAGES = {
    "Risk grade": ("grade-form", "Save the grade"),
    "Search log": ("log-form", "Add to the log"),
    "Police report": ("police-form", "Save the police report"),
    "Return": ("return-form", "Record the return"),
}


def test_the_episode_is_a_short_summary_and_one_task_per_page(
    new_page, coordinator_a, sw_a, uasc_child
):
    """The case-work pattern: a summary that fits a screen or two, a sub-navigation, and each
    task on its own page with its one form, saving back to the summary with a banner."""
    episode, _ = report_missing(sw_a, uasc_child, hours_ago=5)
    page = new_page(coordinator_a)
    page.set_viewport_size({"width": 1280, "height": 900})
    episode_page = EpisodePage.open(page, episode.pk)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2500, f"The episode summary is {height} px tall at 1280 px wide"
    expect(task_forms(page)).to_have_count(0)
    navigation = episode_page.sub_navigation
    expect(navigation.get_by_role("link")).to_have_text(
        ["Summary", "Risk grade", "Search log", "Police report", "Return"]
    )
    expect(navigation.locator("[aria-current=page]")).to_have_text("Summary")
    check_page(page, "Episode summary")

    for task, (testid, button) in TASK_PAGES.items():
        episode_page.go_to(task)
        expect(episode_page.h1).to_have_text(task)
        expect(task_forms(page)).to_have_count(1)
        expect(page.get_by_test_id(testid).get_by_role("button", name=button)).to_have_count(1)
        check_page(page, f"Episode task: {task}")

    # Saving a task goes back to the summary, with a success banner.
    episode_page.log("Call", timezone.now() - dt.timedelta(minutes=20), "Called his phone: off")
    assert episode_page.success_message() == "The entry has been added to the search log"
    expect(navigation.locator("[aria-current=page]")).to_have_text("Summary")
    expect(page.get_by_test_id("log-entry")).to_have_count(1)  # the latest, on the summary

    # After the return, the interview is a task of its own.
    episode_page.record_return(timezone.now() - dt.timedelta(minutes=10), "Came back by themselves")
    assert episode_page.success_message().startswith("The return has been recorded")
    episode_page.go_to("Return interview")
    expect(task_forms(page)).to_have_count(1)
    expect(page.get_by_test_id("interview-form")).to_have_count(1)
    check_page(page, "Episode task: Return interview")

    # On a phone the sub-navigation stacks and nothing is wider than the screen. Screenshots
    # are kept for a reviewer (var/e2e-screenshots).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for task in ("Summary", "Risk grade"):
            episode_page.go_to(task)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{task} is {wide} px wide on a {width} px screen"
            name = task.lower().replace(" ", "-")
            page.screenshot(path=str(SCREENSHOTS / f"episode-{name}-{width}.png"), full_page=True)


def test_a_17_year_old_who_turns_18_while_missing_stays_missing_with_the_same_grade(
    new_page, monkeypatch, coordinator_a, sw_a, make_child, today, days_ago
):
    # 18 two days ago (three, when that day was a 29 February no one born 18 years before has).
    date_of_birth = years_before(days_ago(2), 18)
    eighteenth = eighteenth_birthday(date_of_birth)
    child = make_child(
        sw_a,
        given_names="Lan",
        family_name="Tran",
        date_of_birth=date_of_birth,
        looked_after_from=days_ago(300),
    )
    register.record_flag(
        as_viewer(sw_a), child, "separated", days_ago(300), "Separated from family (synthetic)"
    )
    # Reported four days ago, while still 17.
    then = timezone.now() - dt.timedelta(days=4)
    with monkeypatch.context() as patch:
        patch.setattr(actions, "_now", lambda: then)
        episode, grading = report_missing(
            sw_a,
            child,
            last_seen_at=then - dt.timedelta(hours=2),
            last_seen_place="Croydon town centre",
        )
    assert (
        grading.grade == "high" and "turned_18_while_missing" not in grading.assessment["markers"]
    )

    page = new_page(coordinator_a)
    episode_page = EpisodePage.open(page, episode.pk)
    expect(episode_page.h1).to_have_text("Missing")
    assert episode_page.grade_in_force() == "High"
    expect(page.get_by_test_id("turned-18")).to_contain_text("Turned 18 while missing")

    inbox = AlertsPage.open(page).check_for_new_alerts()
    expect(inbox.card("while still missing")).to_have_count(1)
    expect(inbox.card("while still missing")).to_contain_text(
        f"Turned 18 on {eighteenth.day} {eighteenth:%B %Y} while still missing"
    )

    # The grade cannot drop now that they are 18: the form offers High alone, and says why.
    episode_page = EpisodePage.open(page, episode.pk)
    assert episode_page.grades_offered() == ["High"]
    expect(episode_page.grade_hint()).to_contain_text("cannot be graded lower than High")
    episode_page.set_grade("High")
    assert episode_page.grade_in_force() == "High"
    assert "Turned 18 while missing" in episode_page.markers()
    expect(episode_page.go_to("Summary").h1).to_have_text("Missing")

    board = MissingNowPage.open(page)
    row = next(r for r in board.rows() if r["name"] == "Lan Tran")
    assert row["grade"] == "High" and row["category"] == "Missing"
    record = ChildRecordPage.open(page, child.pk)
    expect(page.get_by_test_id("missing-banner")).to_contain_text("Missing now")
    expect(page.get_by_test_id("episode-row").first).to_contain_text("Still missing")
    assert Episode.objects.get(pk=episode.pk).is_open
    assert record.heading_text() == "Lan Tran"


def test_report_and_log_a_sighting_without_javascript(new_page, sw_a, uasc_child):
    page = new_page(sw_a, javascript=False)
    form = ReportMissingPage.open(page, uasc_child.pk)
    form.report(
        category="Away from placement without authorisation: whereabouts known",
        last_seen=timezone.now() - dt.timedelta(hours=4),
        place="His cousin's flat in Thornton Heath (synthetic)",
        reporter="Sam Carer (synthetic)",
    )
    episode_page = form.submit()
    expect(episode_page.h1).to_have_text("Away from placement")
    assert episode_page.grade_in_force() == "High"
    episode_page.log(
        "Contact with the child",
        timezone.now() - dt.timedelta(minutes=10),
        "Spoke to him on the phone: he is safe",
    )
    assert episode_page.log_entries()[0].startswith("Contact with the child at")


def test_missing_pages_have_no_serious_accessibility_problems(
    new_page, coordinator_a, manager_a, uasc_child, days_ago
):
    page = new_page(coordinator_a)
    form = ReportMissingPage.open(page, uasc_child.pk)
    check_page(page, "Report missing or away")
    form.submit()
    check_page(page, "Report missing or away, with errors", error=True)

    form = ReportMissingPage(page)
    form.report(
        last_seen=timezone.now() - dt.timedelta(hours=3),
        place="East Croydon station",
        reporter="Sam Carer (synthetic)",
    )
    episode_page = form.submit()
    check_page(page, "Episode")
    episode_page.log("Note", timezone.now() - dt.timedelta(hours=1), "")
    check_page(page, "Episode, with errors", error=True)
    episode = Episode.objects.get(child=uasc_child)
    episode_page = EpisodePage.open(page, episode.pk)
    episode_page.record_return(timezone.now() - dt.timedelta(minutes=20), "Came back by themselves")
    check_page(page, "Episode after the return")

    MissingNowPage.open(page)
    check_page(page, "Missing now")
    AlertsPage.open(page)
    check_page(page, "Alerts")
    AlertsPage.open(page, "resolved")
    check_page(page, "Alerts, resolved")

    plan = SafetyPlanPage.open(page, uasc_child.pk)
    check_page(page, "Safety plan (none yet)")
    edit = plan.edit()
    check_page(page, "Write a safety plan")
    edit.form.fill("Physical description (optional)", "Known absconder")
    edit.save()
    check_page(page, "Write a safety plan, with errors", error=True)
    edit.form.fill("Physical description (optional)", "Tall, short black hair")
    edit.form.fill("Places and routes (optional)", "West Croydon bus station\nEast Croydon station")
    edit.save()
    check_page(page, "Safety plan")
    assert "West Croydon bus station" in SafetyPlanPage(page).value("Places and routes")

    settings_page = new_page(manager_a)
    settings_page.goto("/risk-settings/")
    check_page(settings_page, "Risk settings")
