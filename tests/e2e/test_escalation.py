"""Tell the right person at once, and escalate until someone acts (issue 14), in a real browser.

A coordinator reports an unaccompanied child missing; the on-call manager's open Missing now
board shows the child at the top without a reload; nobody acknowledges; the escalation (the
worker's task, driven with its clock moved past each deadline rather than by waiting 15
minutes) goes up the rota to the senior manager on call, who is told and sees the steps on the
alert's page; acknowledging stops it. And the rota and the deadlines are kept on GOV.UK pages:
a senior manager puts the on-call manager on the rota, a time the clocks skip is refused on its
field, a deadline longer than the national one is refused naming it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.missing_pages import AlertsPage, MissingNowPage, ReportMissingPage, check_page
from tests.e2e.pages import BasePage
from tests.e2e.support import e2e_db
from tests.factories import as_viewer, create_uasc_child, make_user, report_missing
from visible.agencies.models import Organisation, Role
from visible.children.actions import record_arrival_item
from visible.dates import uk_date
from visible.missing.models import Alert, AlertEscalation
from visible.notifications import jobs
from visible.risk.arrival import ITEMS
from visible.rota.models import Position, Shift

pytestmark = [pytest.mark.e2e, e2e_db]

POLL_SECONDS = 0.5
WITHIN = 30_000  # ms: sixty poll intervals, for a heavily loaded machine (the issue asks within a minute)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def fast_polls(settings):
    settings.VISIBLE_LIVE_POLL_SECONDS = POLL_SECONDS


def with_email(user):
    user.email = f"{user.username}@croydon.example"
    user.save()
    return user


@pytest.fixture
def croydon(council_a, coordinator_a, sw_a):
    """Croydon's people: the coordinator, and three who will be on the rota."""
    return {
        "coordinator": with_email(coordinator_a),
        "worker": with_email(sw_a),
        "first": with_email(make_user("fred.first", council_a, Role.SOCIAL_WORKER)),
        "on_call": with_email(make_user("olu.oncall", council_a, Role.SENIOR_MANAGER)),
        "senior": with_email(make_user("sade.senior", council_a, Role.SENIOR_MANAGER)),
    }


def on_rota(person, position, organisation):
    start = timezone.now() - dt.timedelta(hours=2)
    Shift.objects.create(
        organisation=organisation, position=position, person=person, starts_at=start,
        ends_at=start + dt.timedelta(hours=20), created_at=start, changed_by_name="test",
    )  # fmt: skip


def test_reported_missing_seen_at_once_escalated_to_the_senior_manager_and_stopped(
    new_page, fast_polls, council_a, croydon, make_child
):
    met = Organisation.objects.get(name="Metropolitan Police Service")
    on_rota(croydon["first"], Position.FIRST_ON_CALL, council_a)
    on_rota(croydon["on_call"], Position.ON_CALL_MANAGER, council_a)
    on_rota(croydon["senior"], Position.SENIOR_MANAGER, council_a)
    # Two children already missing (medium risk, the police told): on the board before her.
    for name in ("Sam", "Lan"):
        child = make_child(
            croydon["worker"], given_names=name, family_name="Synthetic", nationality="GBR"
        )
        report_missing(croydon["worker"], child, hours_ago=30, force=met)
    amira = create_uasc_child(
        croydon["worker"], given_names="Amira", family_name="Haile", days_in_care=3
    )
    # Her arrival checklist (opened when she was recorded as UASC) is done, so only the alerts
    # of her going missing escalate.
    arrival = amira.arrivals.get()
    for item in ITEMS:
        record_arrival_item(
            as_viewer(croydon["worker"]),
            arrival,
            item,
            arrival.arrived_at + dt.timedelta(hours=1),
            "Done with the carer (synthetic)",
            timezone.now(),
        )

    # The on-call manager has the board open, and the inbox in another tab.
    board_page = new_page(croydon["on_call"])
    board = MissingNowPage.open(board_page)
    assert "Amira Haile" not in [r["name"] for r in board.rows()]
    board_page.evaluate("() => { window.visibleTestMark = 'still here'; }")

    # The coordinator reports Amira missing.
    reporter = new_page(croydon["coordinator"])
    form = ReportMissingPage.open(reporter, amira.pk)
    form.report(
        last_seen=timezone.now() - dt.timedelta(minutes=20),
        place="Croydon bus garage",
        reporter="Carer (synthetic)",
    )
    form.submit()
    alert = Alert.objects.get(child=amira, code="high_risk_missing")
    # The on-call manager was told at once, by email.
    assert any(
        m.to == ["olu.oncall@croydon.example"] and "Child reported missing" in m.subject
        for m in mail.outbox
    )

    # On the board, at the top, without a reload.
    first_row = board_page.get_by_test_id("missing-row").first
    expect(first_row).to_contain_text("Amira Haile", timeout=WITHIN)
    expect(first_row.get_by_test_id("urgent-alert")).to_contain_text("Critical")
    assert board_page.evaluate("() => window.visibleTestMark") == "still here"
    check_page(board_page, "The on-call manager's live board")
    inbox_page = new_page(croydon["on_call"])
    AlertsPage.open(inbox_page)
    expect(AlertsPage(inbox_page).card("graded high risk")).to_be_visible()

    # Nobody acknowledges. The worker's escalation task runs with its clock past each deadline.
    deadline = alert.acknowledge_by
    assert deadline == alert.raised_at + 15 * MINUTE
    assert jobs.run_escalation(deadline - MINUTE).outcome.endswith("0 escalated")
    # Both of her critical alerts (graded high risk; not yet reported to the police) go to the
    # first on call.
    assert jobs.run_escalation(deadline).outcome.endswith("2 escalated")
    card = AlertsPage(inbox_page).card("graded high risk")
    # The open inbox learns of it without a reload (offering it, if focus is in the list).
    tag = card.get_by_test_id("escalated-tag")
    offer = inbox_page.get_by_role("button", name="Show the latest")
    expect(offer.or_(tag).first).to_be_visible(timeout=WITHIN)
    if offer.count():
        offer.click()
    expect(tag).to_be_visible(timeout=WITHIN)
    first_step = AlertEscalation.objects.get(alert=alert)
    jobs.run_escalation(first_step.respond_by)  # the on-call manager
    second_step = AlertEscalation.objects.get(alert=alert, step=2)
    jobs.run_escalation(second_step.respond_by)  # the senior manager on call
    top = AlertEscalation.objects.get(alert=alert, step=3)
    assert top.position == Position.SENIOR_MANAGER
    assert [u.username for u in top.to.all()] == ["sade.senior"]

    # The senior manager is told (the worker sends what has fallen due at that moment)...
    mail.outbox.clear()
    jobs.deliver_due(top.at)
    [told] = [
        m
        for m in mail.outbox
        if m.to == ["sade.senior@croydon.example"] and f"/alerts/{alert.pk}/details" in m.body
    ]
    assert told.subject.startswith("Visible: Escalated to you, not acknowledged in time")
    assert "Amira" not in told.subject + told.body and "Haile" not in told.body

    # ...follows the link, sees every step, and acknowledges.
    senior = new_page(croydon["senior"])
    senior.goto(f"/alerts/{alert.pk}/details")
    steps = senior.get_by_test_id("escalation-step")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("Step 1: escalated to First on call")
    expect(steps.nth(0)).to_contain_text("Fred told.")
    expect(steps.nth(2)).to_contain_text("Step 3: escalated to Senior manager on call")
    expect(senior.get_by_test_id("escalation-top")).to_be_visible()
    check_page(senior, "The alert's page with its escalation")
    BasePage(senior).press("Acknowledge and take on")
    expect(senior.get_by_test_id("escalation-stopped")).to_contain_text("no further escalation")
    expect(senior.get_by_test_id("alert-acknowledged")).to_contain_text("By Sade")
    check_page(senior, "The acknowledged alert's page")

    # Acknowledged: the worker takes no further step, however late.
    assert jobs.run_escalation(top.respond_by + 60 * MINUTE).outcome.endswith("0 escalated")
    assert AlertEscalation.objects.filter(alert=alert).count() == 3


def test_a_senior_manager_keeps_the_rota_and_the_deadlines(new_page, council_a, croydon):
    manager = croydon["senior"]
    page = new_page(manager)
    rota = BasePage(page)
    page.goto("/")
    rota.navigate(lambda: page.goto("/alerts/"))
    rota.follow("on-call rota")
    expect(rota.h1).to_have_text("On-call rota")
    expect(page.get_by_test_id("on-duty-on_call_manager")).to_contain_text("Nobody")
    check_page(page, "The on-call rota")

    rota.navigate(lambda: page.get_by_role("button", name="Add a shift").click())
    expect(rota.h1).to_have_text("Add a shift")
    check_page(page, "Add a shift")
    # A time the clocks skip: refused on its field, nothing saved.
    rota.choose("Position on the rota", "On-call manager")
    rota.select("Who is on call", "Olu (senior manager)")
    rota.fill_date("Date the shift starts", dt.date(2027, 3, 28))
    rota.fill("Time the shift starts", "01:30")
    rota.fill_date("Date the shift ends", dt.date(2027, 3, 28))
    rota.fill("Time the shift ends", "09:00")
    rota.press("Add the shift")
    rota.expect_error_summary(
        "There is no 01:30 on 28 March 2027 in the UK: the clocks go forward from 01:00 to "
        "02:00. Enter a time before 01:00 or from 02:00"
    )
    check_page(page, "Add a shift, with an error", error=True)
    assert not Shift.objects.exists()

    # Tomorrow, 17:00 to 09:00, and the same the week after.
    tomorrow = uk_date(timezone.now()) + dt.timedelta(days=1)
    rota.fill_date("Date the shift starts", tomorrow)
    rota.fill("Time the shift starts", "17:00")
    rota.fill_date("Date the shift ends", tomorrow + dt.timedelta(days=1))
    rota.fill("Time the shift ends", "09:00")
    rota.fill("For how many weeks?", "2")
    rota.press("Add the shift")
    assert rota.success_message() == "Olu added as on-call manager for 2 weeks"
    expect(page.get_by_test_id("rota-shift")).to_have_count(1)  # this week's one
    assert Shift.objects.count() == 2

    # Remove it: one task, its own page.
    rota.navigate(lambda: page.get_by_role("link", name="Remove Olu's shift", exact=False).click())
    expect(rota.h1).to_have_text("Remove Olu's shift?")
    check_page(page, "Remove a shift")
    rota.press("Remove the shift")
    assert rota.success_message() == "The shift has been taken off the rota"
    assert Shift.objects.count() == 1

    # The deadlines: shorter is allowed, longer than the national one is refused by name.
    page.goto("/rota/")
    rota.follow("Acknowledgement deadlines")
    expect(rota.h1).to_have_text("Acknowledgement deadlines")
    check_page(page, "Acknowledgement deadlines")
    rota.fill("Critical alerts: minutes to acknowledge", "20")
    rota.press("Save the deadlines")
    rota.expect_error_summary(
        "Critical deadline: 20 minutes is longer than the national deadline of 15 minutes: an "
        "authority may shorten it, never lengthen it"
    )
    check_page(page, "Acknowledgement deadlines, with an error", error=True)
    rota.fill("Critical alerts: minutes to acknowledge", "10")
    rota.press("Save the deadlines")
    assert rota.success_message() == "Your acknowledgement deadlines have been saved"
