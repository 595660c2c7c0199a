"""The missing-episode pages through Django's test client: each renders for the people who use
it, other councils get a 404 (audited as denied), roles without the right get a 403, and bad
input shows the GOV.UK error summary with nothing saved."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import COUNCIL_B_CODE, as_viewer, make_user, report_missing
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.children.inputs import PlacementInput
from visible.dates import years_before
from visible.missing import actions
from visible.missing.inputs import ReturnInput, SafetyPlanInput
from visible.missing.models import (
    Alert,
    AuthorityRiskSettings,
    Episode,
    Grading,
    LogEntry,
    ReturnInterview,
    SafetyPlan,
)
from visible.reference.models import Authority
from visible.sharing import actions as sharing_actions

pytestmark = pytest.mark.django_db
NOW = timezone.now


# --- helpers -------------------------------------------------------------------------------

# Reports here were made two hours ago unless a test says otherwise.
report = partial(report_missing, hours_ago=2)


def when(instant: dt.datetime, prefix: str, date_name: str, time_name: str) -> dict[str, str]:
    """POST data for a GOV.UK date input and a 24-hour time box, in UK time."""
    local = timezone.localtime(instant)
    p = f"{prefix}-" if prefix else ""
    return {
        f"{p}{date_name}_0": str(local.day),
        f"{p}{date_name}_1": str(local.month),
        f"{p}{date_name}_2": str(local.year),
        f"{p}{time_name}": f"{local:%H:%M}",
    }


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def error_summary(response) -> list[str]:
    html = response.content.decode()
    block = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert block, "No GOV.UK error summary on the page"
    return [
        re.sub(r"<[^>]+>", "", item).replace("&#x27;", "'").strip()
        for item in re.findall(r"<li>(.*?)</li>", block.group(0), re.S)
    ]


def denied(user, object_type: str) -> bool:
    return AuditEvent.objects.filter(
        action="denied", actor_username=user.username, object_type=object_type
    ).exists()


@pytest.fixture
def signed_in(client):
    def _sign_in(user):
        client.force_login(user)
        return client

    return _sign_in


@pytest.fixture
def analyst_a(council_a):
    return make_user("analyst.a", council_a, Role.ANALYST)


def report_form_data(**overrides) -> dict[str, str]:
    data = {
        "category": "M",
        **when(NOW() - dt.timedelta(hours=3), "", "last_seen_date", "last_seen_time"),
        "last_seen_place": "East Croydon station",
        "with_whom": "Two older boys",
        "clothing": "Black puffer jacket",
        "circumstances": "Left after a phone call",
        "reported_by_name": "Sam Carer (synthetic)",
        "reported_by_role": "carer",
        "police_force": "",
        "police_reference": "",
        "factors": ["trafficker_contact"],
    }
    data.update(overrides)
    return data


# --- pages render for the people who use them ----------------------------------------------


def test_every_missing_page_renders_for_the_social_worker(signed_in, sw_a, uasc_child):
    episode, _ = report(sw_a, uasc_child)
    client = signed_in(sw_a)
    for url in (
        reverse("web:report-missing", args=[uasc_child.pk]),
        reverse("web:episode", args=[episode.pk]),
        reverse("web:missing-now"),
        reverse("web:alerts"),
        reverse("web:alerts") + "?show=resolved",
        reverse("web:alerts") + "?show=mine",
        reverse("web:safety-plan", args=[uasc_child.pk]),
        reverse("web:safety-plan-edit", args=[uasc_child.pk]),
        reverse("web:child", args=[uasc_child.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content.decode().count("<h1") == 1, url
    assert AuditEvent.objects.filter(
        action="view", object_type="episode", object_id=str(episode.pk)
    ).exists()
    assert AuditEvent.objects.filter(
        action="list", object_type="episode", actor_username="sw.a"
    ).exists()
    assert AuditEvent.objects.filter(
        action="list", object_type="alert", actor_username="sw.a"
    ).exists()
    assert AuditEvent.objects.filter(
        action="view", object_type="safetyplan", child_id=uasc_child.pk
    ).exists()


def test_the_child_record_has_the_missing_section_and_the_nav_counts_open_alerts(
    signed_in, sw_a, analyst_a, uasc_child
):
    episode, _ = report(sw_a, uasc_child, hours_ago=3)  # no police report after an hour: one alert
    page = text_of(signed_in(sw_a).get(reverse("web:child", args=[uasc_child.pk])))
    assert "Missing episodes" in page and "Report missing or away" in page and "Missing now" in page
    assert "Still missing" in page and "Safety plan" in page
    open_alerts = Alert.objects.filter(
        organisation=uasc_child.responsible_organisation, resolved_at__isnull=True
    ).count()
    assert open_alerts >= 1 and f"Alerts ({open_alerts})" in page
    # An analyst sees the episodes but has no button to report.
    page = text_of(signed_in(analyst_a).get(reverse("web:child", args=[uasc_child.pk])))
    assert "Missing episodes" in page and "Report missing or away" not in page


def test_risk_settings_only_for_a_senior_manager(signed_in, sw_a, manager_a):
    response = signed_in(manager_a).get(reverse("web:risk-settings"))
    assert response.status_code == 200
    page = text_of(response)
    assert "Default: 7" in page and "Default: 72" in page and "Risk factor weights" in page
    response = signed_in(sw_a).get(reverse("web:risk-settings"))
    assert response.status_code == 403 and denied(sw_a, "authorityrisksettings")


# --- other councils and roles --------------------------------------------------------------


def test_another_council_gets_404_for_every_page_of_a_child_not_theirs_and_it_is_audited(
    signed_in, sw_a, sw_b, uasc_child
):
    episode, _ = report(sw_a, uasc_child, hours_ago=3)
    alert = Alert.objects.filter(child=uasc_child).first()
    client = signed_in(sw_b)
    for url, object_type in (
        (reverse("web:episode", args=[episode.pk]), "episode"),
        (reverse("web:report-missing", args=[uasc_child.pk]), "child"),
        (reverse("web:safety-plan", args=[uasc_child.pk]), "child"),
        (reverse("web:safety-plan-edit", args=[uasc_child.pk]), "child"),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert denied(sw_b, object_type), url
    for name in (
        "episode-grade",
        "episode-log",
        "episode-police",
        "episode-return",
        "episode-interview",
    ):
        assert client.post(reverse(f"web:{name}", args=[episode.pk]), {}).status_code == 404, name
        assert client.get(reverse(f"web:{name}", args=[episode.pk])).status_code == 404, name
    assert client.post(reverse("web:alert-acknowledge", args=[alert.pk])).status_code == 404
    assert (
        client.post(
            reverse("web:alert-resolve", args=[alert.pk]), {f"alert-{alert.pk}-resolution": "x"}
        ).status_code
        == 404
    )
    assert denied(sw_b, "alert")
    # Their board and inbox do not show the child.
    assert "Tekle" not in text_of(client.get(reverse("web:missing-now")))
    assert "Tekle" not in text_of(client.get(reverse("web:alerts")))
    alert.refresh_from_db()
    assert alert.acknowledged_at is None and alert.resolved_at is None


def test_a_role_that_cannot_act_sees_the_episode_but_gets_403_on_every_write(
    signed_in, sw_a, analyst_a, uasc_child
):
    episode, _ = report(sw_a, uasc_child, hours_ago=3)
    client = signed_in(analyst_a)
    page = client.get(reverse("web:episode", args=[episode.pk]))
    assert page.status_code == 200 and "Save the grade" not in page.content.decode()
    # Each task page shows what it holds, without its form.
    grade_page = client.get(reverse("web:episode-grade", args=[episode.pk]))
    assert grade_page.status_code == 200 and "UASC child missing" in text_of(grade_page)
    assert 'data-testid="grade-form"' not in grade_page.content.decode()
    for name in ("episode-log", "episode-police", "episode-return"):
        task = client.get(reverse(f"web:{name}", args=[episode.pk]))
        assert task.status_code == 200 and 'method="post" action="/episodes/' not in (
            task.content.decode()
        ), name
    assert client.get(reverse("web:report-missing", args=[uasc_child.pk])).status_code == 403
    assert (
        client.post(
            reverse("web:episode-grade", args=[episode.pk]), {"grade-grade": "high"}
        ).status_code
        == 403
    )
    assert client.get(reverse("web:safety-plan-edit", args=[uasc_child.pk])).status_code == 403
    assert client.post(reverse("web:alerts-sweep")).status_code == 403
    assert (
        denied(analyst_a, "episode")
        and denied(analyst_a, "child")
        and denied(analyst_a, "safetyplan")
    )
    assert Grading.objects.filter(episode=episode).count() == 1


def test_the_host_council_sees_open_episodes_of_children_placed_with_it_but_not_closed_ones(
    signed_in, sw_a, sw_b, uasc_child
):
    sharing_actions.record_placement(
        as_viewer(sw_a),
        uasc_child,
        PlacementInput(
            place_code="U4",
            start_date=timezone.localdate() - dt.timedelta(days=30),
            authority=Authority.objects.get(code=COUNCIL_B_CODE),
            provider="Example Fostering (synthetic)",
        ),
    )
    episode, _ = report(sw_a, uasc_child, hours_ago=5)
    client = signed_in(sw_b)
    board = text_of(client.get(reverse("web:missing-now")))
    assert "Dawit Tekle" in board and "Placed here by Croydon" in board
    assert "West Croydon bus station" not in board  # the host's board is the limited view
    page = client.get(reverse("web:episode", args=[episode.pk]))
    assert page.status_code == 200
    body = text_of(page)
    assert (
        "placed in your area" in body and "Save the grade" not in body and "Search log" not in body
    )
    assert client.post(reverse("web:episode-log", args=[episode.pk]), {}).status_code == 403
    # The task pages hold what the host does not see: they lead back to the outline.
    task = client.get(reverse("web:episode-log", args=[episode.pk]))
    assert task.status_code == 302 and task["Location"] == reverse("web:episode", args=[episode.pk])
    actions.record_return(
        as_viewer(sw_a),
        episode,
        ReturnInput(returned_at=NOW() - dt.timedelta(hours=1), found_by="police"),
    )
    assert client.get(reverse("web:episode", args=[episode.pk])).status_code == 404
    assert denied(sw_b, "episode")


# --- reporting -----------------------------------------------------------------------------


def test_reporting_goes_to_the_episode_with_the_grade_and_every_reason(signed_in, sw_a, uasc_child):
    client = signed_in(sw_a)
    response = client.post(
        reverse("web:report-missing", args=[uasc_child.pk]), report_form_data(), follow=True
    )
    episode = Episode.objects.get(child=uasc_child)
    assert response.redirect_chain[-1][0] == reverse("web:episode", args=[episode.pk])
    assert (
        episode.factors == ["trafficker_contact"]
        and episode.last_seen_place == "East Croydon station"
    )
    page = text_of(response)
    assert "Visible proposes High: UASC child missing (Heading back to harm, Rec 5.ii)" in page
    reasons = text_of(client.get(reverse("web:episode-grade", args=[episode.pk])))
    assert "UASC child missing" in reasons and "Heading back to harm, Rec 5.ii" in reasons
    assert "Contact with or control by traffickers" in reasons  # the ticked factor is a reason
    # The time typed is UK time, stored as UTC.
    local = timezone.localtime(episode.last_seen_at)
    assert f"{local:%H:%M} on {local.day} {local:%B %Y}" in page


def test_the_report_form_offers_m_and_a_with_their_definitions_and_no_absent(
    signed_in, sw_a, uasc_child
):
    page = signed_in(sw_a).get(reverse("web:report-missing", args=[uasc_child.pk])).content.decode()
    assert 'value="M"' in page and 'value="A"' in page and 'value="absent"' not in page.lower()
    assert "SSDA903 code M" in page and "SSDA903 code A" in page
    assert "Contact with or control by traffickers" in page  # a factor only a professional can know
    assert (
        'name="factors" type="checkbox" value="no_guardian"' not in page
    )  # the engine finds this one itself


@pytest.mark.parametrize("case", ["empty", "bad_time", "future", "absent", "before_looked_after"])
def test_a_bad_report_shows_the_error_summary_and_saves_nothing(signed_in, sw_a, uasc_child, case):
    data = {
        "empty": {},
        "bad_time": report_form_data(last_seen_time="25:61"),
        "future": report_form_data(
            **when(NOW() + dt.timedelta(hours=2), "", "last_seen_date", "last_seen_time")
        ),
        "absent": report_form_data(category="absent"),
        "before_looked_after": report_form_data(
            **when(NOW() - dt.timedelta(days=400), "", "last_seen_date", "last_seen_time")
        ),
    }[case]
    expected = {
        "empty": "Select missing or away from placement",
        "bad_time": "Enter the time the child was last seen as hours and minutes on the 24-hour clock",
        "future": "When last seen must be now or in the past",
        "absent": "Choose one of the answers given",
        "before_looked_after": "SSDA903 rule 581",
    }[case]
    before = (
        Episode.objects.count(),
        Grading.objects.count(),
        AuditEvent.objects.filter(action="create").count(),
    )
    response = signed_in(sw_a).post(reverse("web:report-missing", args=[uasc_child.pk]), data)
    assert response.status_code == 200
    assert any(expected in m for m in error_summary(response)), error_summary(response)
    assert "<title>Error: " in response.content.decode()
    assert (
        Episode.objects.count(),
        Grading.objects.count(),
        AuditEvent.objects.filter(action="create").count(),
    ) == before


def test_a_time_the_clocks_skipped_is_refused(signed_in, sw_a, uasc_child):
    data = report_form_data(
        last_seen_date_0="29", last_seen_date_1="3", last_seen_date_2="2026", last_seen_time="01:30"
    )
    response = signed_in(sw_a).post(reverse("web:report-missing", args=[uasc_child.pk]), data)
    assert any("There was no 01:30 on 29 March 2026" in m for m in error_summary(response))
    assert not Episode.objects.exists()


def test_a_child_already_missing_gets_a_link_to_the_open_episode_not_a_second_report(
    signed_in, sw_a, uasc_child
):
    episode, _ = report(sw_a, uasc_child)
    response = signed_in(sw_a).get(reverse("web:report-missing", args=[uasc_child.pk]))
    assert "already recorded as missing" in text_of(response)
    assert reverse("web:episode", args=[episode.pk]) in response.content.decode()


# --- the episode page ----------------------------------------------------------------------


def test_lowering_the_grade_without_a_reason_is_refused_and_confirming_it_is_recorded(
    signed_in, coordinator_a, sw_a, make_child
):
    # Risk factors raise the proposal to High; as a child, the floor is Medium.
    child = make_child(sw_a)
    episode, grading = report(
        sw_a, child, factors=("trafficker_contact", "debt_bondage", "isolated")
    )
    assert (grading.proposed_grade, grading.floor) == ("high", "medium")
    client = signed_in(coordinator_a)
    url = reverse("web:episode-grade", args=[episode.pk])
    response = client.post(url, {"grade-grade": "medium", "grade-reason": ""})
    assert error_summary(response) == [
        "Write down why the grade should be Medium rather than the proposed High: "
        "a lower grade needs a written reason."
    ]
    assert 'href="#id_grade-reason"' in response.content.decode()
    assert Grading.objects.filter(episode=episode).count() == 1
    response = client.post(url, {"grade-grade": "high", "grade-reason": ""}, follow=True)
    assert "The grade has been recorded" in text_of(response)
    assert response.redirect_chain[-1][0] == reverse("web:episode", args=[episode.pk])
    confirmed = Grading.objects.filter(episode=episode, kind="confirmed").get()
    assert confirmed.graded_by_name == "Coordinator"  # by name, not username
    assert "Confirmed or changed by a professional" in text_of(client.get(url))


def grade_form_of(response) -> tuple[list[str], str]:
    """The grades the grade form offers (its radios' values, in order) and its words."""
    html = response.content.decode()
    form = re.search(r'<form[^>]*data-testid="grade-form".*?</form>', html, re.S)
    assert form, "No grade form on the page"
    offered = re.findall(r'<input[^>]*name="grade-grade"[^>]*value="([^"]+)"', form.group(0))
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", form.group(0))).replace("&#x27;", "'")
    return offered, words


def test_the_grade_form_offers_only_the_grades_the_rules_allow_and_says_why(
    signed_in, coordinator_a, sw_a, uasc_child, make_child
):
    episode, _ = report(sw_a, uasc_child)
    client = signed_in(coordinator_a)
    offered, words = grade_form_of(client.get(reverse("web:episode-grade", args=[episode.pk])))
    assert offered == ["high"]
    assert (
        "This child cannot be graded lower than High: "
        "UASC child missing (Heading back to harm, Rec 5.ii)" in words
    )
    assert "Low" not in words and "No apparent risk" not in words

    # A grade the form does not offer, sent anyway: one error that says why, nothing saved.
    url = reverse("web:episode-grade", args=[episode.pk])
    response = client.post(url, {"grade-grade": "low", "grade-reason": "Safe with a cousin"})
    assert error_summary(response) == [
        "Choose High: this child cannot be graded lower "
        "(UASC child missing, Heading back to harm, Rec 5.ii)"
    ]
    assert Grading.objects.filter(episode=episode).count() == 1

    # A child with no trafficking concern is never graded below Medium while a child.
    other = make_child(sw_a)
    medium, _ = report(sw_a, other)
    offered, words = grade_form_of(client.get(reverse("web:episode-grade", args=[medium.pk])))
    assert offered == ["high", "medium"]
    assert (
        "This child cannot be graded lower than Medium: A child is never graded below medium"
        in words
    )


def test_a_search_log_entry_with_a_forbidden_label_shows_a_warning_and_an_empty_one_is_refused(
    signed_in, sw_a, uasc_child
):
    episode, _ = report(sw_a, uasc_child)
    client = signed_in(sw_a)
    url = reverse("web:episode-log", args=[episode.pk])
    data = {
        "log-kind": "sighting",
        **when(NOW() - dt.timedelta(minutes=30), "log", "occurred_date", "occurred_time"),
        "log-text": "",
    }
    response = client.post(url, data)
    assert "Enter what happened" in error_summary(response) and not LogEntry.objects.exists()
    data["log-text"] = "Seen at the station; the police call him an absconder"
    response = client.post(url, data, follow=True)
    page = text_of(response)
    assert "Sighting at" in page and "This entry calls the child 'absconder'" in page


def test_police_report_return_and_interview_through_their_forms(signed_in, sw_a, uasc_child):
    episode, _ = report(sw_a, uasc_child, hours_ago=100)
    client = signed_in(sw_a)
    met = Organisation.objects.get(name="Metropolitan Police Service")
    response = client.post(
        reverse("web:episode-police", args=[episode.pk]),
        {
            "police-police_force": met.pk,
            **when(
                NOW() - dt.timedelta(hours=99),
                "police",
                "police_reported_date",
                "police_reported_time",
            ),
            "police-police_reference": "MPS-0001",
        },
        follow=True,
    )
    assert "Told Metropolitan Police Service" in text_of(response) and "MPS-0001" in text_of(
        response
    )

    url = reverse("web:episode-return", args=[episode.pk])
    response = client.post(
        url,
        {
            **when(NOW() - dt.timedelta(hours=101), "return", "returned_date", "returned_time"),
            "return-found_by": "police",
        },
    )
    assert any("rule 567" in m for m in error_summary(response))
    episode.refresh_from_db()
    assert episode.is_open
    response = client.post(
        url,
        {
            **when(NOW() - dt.timedelta(hours=80), "return", "returned_date", "returned_time"),
            "return-found_by": "police",
            "return-found_place": "Birmingham New Street",
        },
        follow=True,
    )
    episode.refresh_from_db()
    assert not episode.is_open and "Record the return interview" in text_of(response)
    assert Alert.objects.filter(
        child=uasc_child, code="return_interview_overdue", resolved_at__isnull=True
    ).exists()

    url = reverse("web:episode-interview", args=[episode.pk])
    held = {
        "interview-outcome": "done",
        **when(NOW() - dt.timedelta(hours=79), "interview", "offered_date", "offered_time"),
        **when(NOW() - dt.timedelta(hours=2), "interview", "done_date", "done_time"),
        "interview-interviewer_name": "Independent worker (synthetic)",
        "interview-language": "tir",
        "interview-interpreter_used": "on",
        "interview-where_been": "A house in Birmingham",
        "interview-indicators": ["new_phone", "working"],
        "interview-raise_flags": ["trafficked_suspected"],
    }
    response = client.post(url, held)  # not independent: refused
    assert any("independent of the child's care team" in m for m in error_summary(response))
    assert (
        not ReturnInterview.objects.exists()
        and not uasc_child.flags.filter(kind="trafficked_suspected").exists()
    )
    response = client.post(url, held | {"interview-independent": "on"}, follow=True)
    assert "The return interview has been recorded" in text_of(response)
    page = text_of(client.get(url))
    assert "Held" in page and "Tigrinya" in page
    assert "New phone, SIM or unexplained money or goods" in page
    assert uasc_child.flags.filter(kind="trafficked_suspected", end_date__isnull=True).exists()
    grade_page = text_of(client.get(reverse("web:episode-grade", args=[episode.pk])))
    assert "Reviewed after return" in grade_page and "Reviewed at" in grade_page  # risk review
    alert = Alert.objects.get(child=uasc_child, code="return_interview_overdue")
    assert alert.resolved_at is not None


def test_turning_18_while_missing_keeps_the_label_missing(signed_in, sw_a, make_child):
    today = timezone.localdate()
    child = make_child(
        sw_a,
        date_of_birth=years_before(today, 18) - dt.timedelta(days=1),
        looked_after_from=today - dt.timedelta(days=300),
    )
    register.record_flag(
        as_viewer(sw_a), child, "separated", today - dt.timedelta(days=300), "Separated (synthetic)"
    )
    episode, grading = report(sw_a, child, hours_ago=24 * 3)
    assert grading.grade == "high"
    page = text_of(signed_in(sw_a).get(reverse("web:episode", args=[episode.pk])))
    assert "Turned 18 while missing" in page and re.search(
        r"<h1[^>]*>\s*Missing\s*</h1>",
        signed_in(sw_a).get(reverse("web:episode", args=[episode.pk])).content.decode(),
    )
    assert "Visible proposes High" in page


# --- missing now and alerts ----------------------------------------------------------------


def test_missing_now_puts_the_most_urgent_alert_first_then_the_grade_then_the_newest(
    signed_in, sw_a, uasc_child, make_child
):
    """The board's order (docs/alerts.md): the most urgent open alert, nobody's yet, earliest
    deadline first; then the grade; then the newest report."""
    met = Organisation.objects.get(name="Metropolitan Police Service")
    plain = make_child(sw_a, given_names="Sam", family_name="Smith", nationality="GBR")
    report(sw_a, plain, hours_ago=50, force=met)  # medium, police told: no alert at all
    other = make_child(sw_a, given_names="Lan", family_name="Tran")
    register.record_flag(
        as_viewer(sw_a),
        other,
        "separated",
        timezone.localdate() - dt.timedelta(days=100),
        "Separated (synthetic)",
    )
    report(sw_a, other, hours_ago=10, force=met)  # high: a critical alert, raised first
    report(sw_a, uasc_child, hours_ago=2, force=met)  # high: a critical alert, raised second
    client = signed_in(sw_a)
    page = text_of(client.get(reverse("web:missing-now")))
    order = [page.index(name) for name in ("Lan Tran", "Dawit Tekle", "Sam Smith")]
    assert order == sorted(order)
    assert "2 days 2 hours" in page
    # Someone acknowledges Lan's alert: someone has it in hand, so Dawit's comes first.
    lan = Alert.objects.get(child=other, code="high_risk_missing")
    client.post(reverse("web:alert-acknowledge", args=[lan.pk]), follow=True)  # its message shown
    page = text_of(client.get(reverse("web:missing-now")))
    order = [page.index(name) for name in ("Dawit Tekle", "Lan Tran", "Sam Smith")]
    assert order == sorted(order)


def test_resolving_an_alert_needs_a_resolution(signed_in, coordinator_a, sw_a, uasc_child):
    report(sw_a, uasc_child, hours_ago=3)
    alert = Alert.objects.get(child=uasc_child, code="no_police_report")
    client = signed_in(coordinator_a)
    response = client.post(
        reverse("web:alert-resolve", args=[alert.pk]), {f"alert-{alert.pk}-resolution": "  "}
    )
    assert "Enter what was done about the alert" in error_summary(response)
    alert.refresh_from_db()
    assert alert.resolved_at is None
    client.post(reverse("web:alert-acknowledge", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.acknowledged_by_name == "Coordinator"
    response = client.post(
        reverse("web:alert-resolve", args=[alert.pk]),
        {f"alert-{alert.pk}-resolution": "Reported by phone, reference to follow"},
        follow=True,
    )
    assert "Alert resolved" in text_of(response)
    resolved = text_of(client.get(reverse("web:alerts") + "?show=resolved"))
    assert "Reported by phone, reference to follow" in resolved


def test_check_for_new_alerts_raises_what_has_fallen_due(signed_in, monkeypatch, sw_a, uasc_child):
    # Everything happened four days ago, as it stood then: the return interview was not yet due.
    then = NOW() - dt.timedelta(days=4)
    with monkeypatch.context() as patch:
        patch.setattr(actions, "_now", lambda: then)
        episode, _ = report(sw_a, uasc_child, last_seen_at=then - dt.timedelta(hours=5))
        actions.record_police_report(
            as_viewer(sw_a),
            episode,
            Organisation.objects.get(name="Metropolitan Police Service"),
            then - dt.timedelta(hours=4),
            "MPS-2",
        )
        actions.record_return(
            as_viewer(sw_a),
            episode,
            ReturnInput(returned_at=then - dt.timedelta(hours=1), found_by="self"),
        )
    assert not Alert.objects.filter(code="return_interview_overdue").exists()
    client = signed_in(sw_a)
    response = client.post(reverse("web:alerts-sweep"), follow=True)
    page = text_of(response)
    assert "1 new alert" in page
    assert Alert.objects.filter(
        child=uasc_child, code="return_interview_overdue", resolved_at__isnull=True
    ).exists()
    assert "72 hours" in page and "Overdue" in page


def test_a_long_inbox_comes_in_pages_and_narrows_by_kind(signed_in, coordinator_a, uasc_child):
    """A council with years of history can have hundreds of open alerts: fifty a page,
    earliest due first, a filter by kind with counts, and acting on one returns to the same
    page and kind."""
    due = NOW() - dt.timedelta(days=10)
    Alert.objects.bulk_create(
        [
            Alert(
                organisation=uasc_child.responsible_organisation,
                child=uasc_child,
                code="return_interview_overdue" if i < 45 else "duty_to_notify",
                key=f"test/{i}",
                text=f"Synthetic alert number {i:03d}",
                source="test",
                due_at=due + dt.timedelta(minutes=i),
                raised_at=due + dt.timedelta(minutes=i),  # the first raised is the most overdue
            ).fill_terms()
            for i in range(60)
        ]
    )
    client = signed_in(coordinator_a)
    response = client.get(reverse("web:alerts"))
    first = text_of(response)
    assert "Showing 1 to 50 of 60" in first
    assert 'aria-label="Page 2"' in response.content.decode()
    assert "Synthetic alert number 000" in first and "Synthetic alert number 050" not in first
    second = text_of(client.get(reverse("web:alerts") + "?page=2"))
    assert "Showing 51 to 60 of 60" in second and "Synthetic alert number 059" in second
    assert "Return interview overdue (45)" in first and "Duty to Notify (15)" in first
    narrowed = text_of(client.get(reverse("web:alerts") + "?kind=duty_to_notify"))
    assert "Showing 1 to 15 of 15" in narrowed and "Synthetic alert number 044" not in narrowed
    alert = Alert.objects.get(key="test/59")
    response = client.post(
        reverse("web:alert-resolve", args=[alert.pk]),
        {
            f"alert-{alert.pk}-resolution": "Notified the Home Office",
            "kind": "duty_to_notify",
            "page": "1",
        },
    )
    assert response["Location"] == reverse("web:alerts") + "?kind=duty_to_notify"
    assert "Showing 1 to 14 of 14" in text_of(client.get(response["Location"]))


# --- safety plan and settings --------------------------------------------------------------


def test_safety_plan_saves_refuses_labels_and_stale_edits(signed_in, sw_a, uasc_child):
    client = signed_in(sw_a)
    url = reverse("web:safety-plan-edit", args=[uasc_child.pk])
    response = client.post(url, {"description": "Tall, known absconder", "version": ""})
    assert any("Rec 5.iv" in m for m in error_summary(response)) and not SafetyPlan.objects.exists()
    response = client.post(
        url,
        {
            "description": "Tall, short black hair",
            "places": "West Croydon bus station",
            "agreed_on_0": "1",
            "agreed_on_1": "9",
            "agreed_on_2": "2026",
            "version": "",
        },
        follow=True,
    )
    assert "The safety plan has been saved" in text_of(
        response
    ) and "West Croydon bus station" in text_of(response)
    plan = SafetyPlan.objects.get(child=uasc_child)
    response = client.post(url, {"description": "Changed", "version": str(plan.version)})
    assert response.status_code == 302
    response = client.post(
        url, {"description": "An old copy", "version": str(plan.version)}
    )  # stale
    assert any("Someone else changed this safety plan" in m for m in error_summary(response))
    plan.refresh_from_db()
    assert plan.description == "Changed"


def test_a_plan_written_by_someone_else_while_the_form_was_open_is_not_overwritten(
    signed_in, sw_a, coordinator_a, uasc_child
):
    client = signed_in(sw_a)
    url = reverse("web:safety-plan-edit", args=[uasc_child.pk])
    assert 'name="version" value="0"' in client.get(url).content.decode()
    actions.save_safety_plan(
        as_viewer(coordinator_a),
        uasc_child,
        SafetyPlanInput(places="Coordinator's version"),
        expected_version=None,
    )
    response = client.post(url, {"places": "Social worker's version", "version": "0"})
    assert any("Someone else changed this safety plan" in m for m in error_summary(response))
    assert SafetyPlan.objects.get(child=uasc_child).places == "Coordinator's version"


def test_risk_settings_save_only_changes_and_show_problems_on_their_fields(signed_in, manager_a):
    client = signed_in(manager_a)
    url = reverse("web:risk-settings")
    page = client.get(url).content.decode()
    data = {
        name: value
        for name, value in re.findall(r'name="([a-z0-9_]+)" type="text" value="([^"]*)"', page)
    }
    data |= {
        "min_child_grade_medium": "yes",
        "at_risk_in_high_scope": "no",
        "treat_away_as_missing": "yes",
        "nationality_patterns": "VNM: Vietnamese children and cannabis cultivation",
    }
    response = client.post(url, data | {"early_missing_days": "-1"})
    messages = error_summary(response)
    assert any("'Days after becoming looked after" in m and "0 or more" in m for m in messages), (
        messages
    )
    assert 'href="#id_early_missing_days"' in response.content.decode()
    assert not AuthorityRiskSettings.objects.exists()
    response = client.post(
        url, data | {"early_missing_days": "14", "weight_isolated": "2"}, follow=True
    )
    assert "The risk settings have been saved" in text_of(response)
    stored = AuthorityRiskSettings.objects.get(
        organisation=manager_a.memberships.get().organisation
    )
    assert stored.values == {"early_missing_days": 14, "factor_weights": {"isolated": 2}}
    assert AuditEvent.objects.filter(object_type="authorityrisksettings", action="change").exists()


def test_acknowledging_an_alert_puts_it_in_my_inbox(client, coordinator_a, sw_a, make_child):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import PASSWORD, as_viewer
    from visible.children import actions as register
    from visible.missing.models import Alert

    today = timezone.localdate()
    child = make_child(sw_a, looked_after_from=today - dt.timedelta(days=90))
    register.record_flag(
        as_viewer(sw_a), child, "uasc", today - dt.timedelta(days=90), "Asylum claim"
    )
    report_missing(sw_a, child, hours_ago=3)
    alert = Alert.objects.get(child=child, code="no_police_report")
    client.login(username=coordinator_a.username, password=PASSWORD)
    mine_before = client.get("/alerts/?show=mine").content.decode()
    assert "not reported to the police" not in mine_before
    client.post(f"/alerts/{alert.pk}/acknowledge", {"show": "open"})
    alert.refresh_from_db()
    assert alert.assigned_to == coordinator_a
    assert "not reported to the police" in client.get("/alerts/?show=mine").content.decode()


def test_every_kind_of_alert_the_engine_raises_has_a_name_in_the_inbox_filter():
    from visible.risk import ALERT_RULES
    from visible.web.missing.views import ALERT_KINDS

    assert set(ALERT_RULES) <= set(ALERT_KINDS)
