"""Triage (docs/alerts.md) through Django's test client: the inbox and the board most urgent
first, what is new since the person last looked, the older backlog apart, GOV.UK pagination,
"My alerts"; the live pages' polls (cheap, audited only when they show something new, through
the same access rules, not counted as activity); the banner for a new critical or high alert on
every page."""

from __future__ import annotations

import datetime as dt
import re
from importlib import import_module

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user, missing_episode, report_missing
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.missing import actions
from visible.missing.models import Alert, AlertDismissal
from visible.security import sessions
from visible.web.missing.views import ALERTS_PER_PAGE, pagination

pytestmark = pytest.mark.django_db
NOW = timezone.now
POLL = {"HTTP_X_VISIBLE_POLL": "1"}


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def cards(response) -> list[str]:
    """The inbox's alert cards in order: each card's title (severity, name, New)."""
    html = response.content.decode()
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", title)).strip()
        for title in re.findall(r'<h2 class="govuk-summary-card__title">(.*?)</h2>', html, re.S)
    ]


def board_names(response) -> list[str]:
    html = response.content.decode()
    return re.findall(
        r'data-testid="missing-row".*?<a class="govuk-link" href="/episodes/\d+/">([^<]+)</a>',
        html,
        re.S,
    )


def live_state(response) -> dict[str, str]:
    html = response.content.decode()
    found = re.search(
        r'data-live-url="([^"]*)" data-live-fingerprint="([^"]*)" data-live-since="([^"]*)"', html
    )
    assert found, "No live region on the page"
    url, fingerprint, since = found.groups()
    return {"url": url.replace("&amp;", "&"), "seen": fingerprint, "since": since}


def poll(client, state: dict[str, str]):
    url = state["url"]
    joiner = "&" if "?" in url else "?"
    return client.get(
        f"{url}{joiner}seen={state['seen']}&since={state['since'].replace('+', '%2B')}", **POLL
    )


def audit_count() -> int:
    return AuditEvent.objects.count()


def historic_nrm_alerts(child, n: int, due_days_ago: float) -> list[Alert]:
    """`n` NRM reasonable-grounds decisions overdue for the child, due `due_days_ago` days ago
    and raised then (as a first sweep over an old register raises them)."""
    due = NOW() - dt.timedelta(days=due_days_ago)
    return Alert.objects.bulk_create(
        [
            Alert(
                organisation=child.responsible_organisation,
                child=child,
                code="nrm_rg_overdue",
                key=f"{child.pk}/nrm_rg_overdue/history-{i}",
                text=f"NRM reasonable grounds decision overdue (synthetic {i:03d})",
                source="Home Office guidance",
                due_at=due - dt.timedelta(minutes=i),
                raised_at=due - dt.timedelta(minutes=i),
            ).fill_terms()
            for i in range(n)
        ]
    )


@pytest.fixture
def signed_in(client):
    def _sign_in(user):
        client.force_login(user)
        return client

    return _sign_in


@pytest.fixture
def met(db) -> Organisation:
    return Organisation.objects.get(name="Metropolitan Police Service")


# --- the order --------------------------------------------------------------------------------


def test_a_child_just_reported_missing_is_first_on_page_one_above_a_hundred_older_alerts(
    signed_in, coordinator_a, sw_a, uasc_child, make_child
):
    """The issue's case: the alert for a child just reported missing, police not told, was 105th
    of 105, on page 3, under NRM decisions overdue. Now it is first on page 1."""
    other = make_child(sw_a)
    historic_nrm_alerts(other, 100, due_days_ago=20)  # within the backlog cut-off: all "Open"
    report_missing(sw_a, uasc_child, hours_ago=8)  # police not told
    client = signed_in(coordinator_a)
    first = client.get(reverse("web:alerts"))
    titles = cards(first)
    assert len(titles) == ALERTS_PER_PAGE
    assert "Showing 1 to 50 of 102" in text_of(first)
    # Both of Dawit's alerts are critical: first and second, before any NRM decision.
    assert titles[0].startswith("Critical Dawit Tekle") and titles[1].startswith(
        "Critical Dawit Tekle"
    )
    assert all(t.startswith("Low ") for t in titles[2:])
    kinds = re.findall(r'data-testid="alert-kind">([^<]+)<', first.content.decode())
    assert set(kinds[:2]) == {"High-risk child missing", "No police report"}
    third = client.get(reverse("web:alerts") + "?page=3")
    assert "Dawit Tekle" not in text_of(third) and len(cards(third)) == 2


def test_older_backlog_is_kept_apart_with_its_count_but_never_a_child_missing_now(
    signed_in, coordinator_a, sw_a, uasc_child, make_child, met
):
    other = make_child(sw_a)
    historic_nrm_alerts(other, 30, due_days_ago=400)
    # Dawit has been missing for 40 days: his alerts fell due long ago, but he is missing now.
    report_missing(sw_a, uasc_child, hours_ago=40 * 24)
    actions.sweep_child(uasc_child)
    long_missing = Alert.objects.get(child=uasc_child, code="long_missing")
    assert long_missing.due_at < NOW() - dt.timedelta(days=30)
    client = signed_in(coordinator_a)
    page = client.get(reverse("web:alerts"))
    text = text_of(page)
    assert "Older backlog (30)" in text
    assert "30 older alerts (due more than 30 days ago, about no child missing now) are in" in text
    assert "Open (3)" in text and "Showing 1 to 3 of 3" in text
    assert all("Dawit Tekle" in t for t in cards(page))
    backlog = client.get(reverse("web:alerts") + "?show=backlog")
    assert "Showing 1 to 30 of 30" in text_of(backlog)
    assert not any("Dawit Tekle" in t for t in cards(backlog))
    # A child back for six weeks whose return interview was never held: history, in the backlog.
    back = make_child(sw_a, given_names="Lan", family_name="Tran")
    missing_episode(sw_a, back, hours_ago=45 * 24, returned_hours_ago=42 * 24, force=met)
    actions.sweep_child(back)
    assert Alert.objects.get(child=back, code="return_interview_overdue").due_at < NOW() - (
        dt.timedelta(days=30)
    )
    page = client.get(reverse("web:alerts"))
    assert "Older backlog (31)" in text_of(page) and "Open (3)" in text_of(page)
    backlog = client.get(reverse("web:alerts") + "?show=backlog")
    assert cards(backlog)[0] == "Medium Lan Tran"  # medium before the low NRM decisions


def test_what_is_new_since_the_person_last_looked_is_tagged_new(
    signed_in, coordinator_a, manager_a, sw_a, uasc_child, make_child
):
    historic_nrm_alerts(make_child(sw_a), 3, due_days_ago=5)
    client = signed_in(coordinator_a)
    first = client.get(reverse("web:alerts"))
    assert 'data-testid="new-tag"' not in first.content.decode()  # a first look: nothing is new
    report_missing(sw_a, uasc_child, hours_ago=0.5)
    second = client.get(reverse("web:alerts"))
    titles = cards(second)
    assert titles[0] == "Critical Dawit Tekle New"
    assert not any(t.endswith("New") for t in titles[1:])
    assert "1 alert raised since you last looked at" in text_of(second)
    third = client.get(reverse("web:alerts"))
    assert 'data-testid="new-tag"' not in third.content.decode()
    # Someone else's last look is their own.
    other = signed_in(manager_a).get(reverse("web:alerts"))
    assert 'data-testid="new-tag"' not in other.content.decode()


def test_the_board_tags_a_child_reported_since_the_last_look(
    signed_in, coordinator_a, sw_a, make_child, uasc_child, met
):
    earlier = make_child(sw_a, given_names="Sam", family_name="Smith", nationality="GBR")
    report_missing(sw_a, earlier, hours_ago=30, force=met)  # police told: no alert
    client = signed_in(coordinator_a)
    assert 'data-testid="new-tag"' not in client.get(reverse("web:missing-now")).content.decode()
    report_missing(sw_a, uasc_child, hours_ago=1)
    board = client.get(reverse("web:missing-now"))
    assert board_names(board) == ["Dawit Tekle", "Sam Smith"]
    assert "1 child reported since you last looked" in text_of(board)
    row = re.search(r'data-testid="missing-row".*?</tr>', board.content.decode(), re.S).group(0)
    assert "Dawit Tekle" in row and 'data-testid="new-tag"' in row


def test_my_alerts_are_those_assigned_to_me(signed_in, coordinator_a, manager_a, sw_a, uasc_child):
    report_missing(sw_a, uasc_child, hours_ago=3)
    alert = Alert.objects.get(child=uasc_child, code="no_police_report")
    client = signed_in(coordinator_a)
    assert "My alerts (0)" in text_of(client.get(reverse("web:alerts")))
    client.post(reverse("web:alert-acknowledge", args=[alert.pk]))
    mine = client.get(reverse("web:alerts") + "?show=mine")
    assert "My alerts (1)" in text_of(mine)
    assert [t for t in cards(mine)] == ["Critical Dawit Tekle"]
    assert "not reported to the police" in text_of(mine)
    theirs = signed_in(manager_a).get(reverse("web:alerts") + "?show=mine")
    assert "My alerts (0)" in text_of(theirs) and "No open alerts are assigned to you" in text_of(
        theirs
    )


def test_pages_come_as_the_gov_uk_pagination_component_keeping_the_kind(
    signed_in, coordinator_a, sw_a, make_child
):
    child = make_child(sw_a)
    historic_nrm_alerts(child, 3 * ALERTS_PER_PAGE + 5, due_days_ago=2)
    client = signed_in(coordinator_a)
    second = client.get(reverse("web:alerts") + "?kind=nrm_rg_overdue&page=2")
    html = second.content.decode()
    nav = re.search(r'<nav class="govuk-pagination".*?</nav>', html, re.S).group(0)
    assert 'href="?kind=nrm_rg_overdue&amp;page=1" rel="prev"' in nav
    assert 'href="?kind=nrm_rg_overdue&amp;page=3" rel="next"' in nav
    assert re.findall(r'aria-label="Page (\d+)"', nav) == ["1", "2", "3", "4"]
    assert 'aria-label="Page 2" aria-current="page"' in nav
    assert "Showing 51 to 100 of 155" in text_of(second)


def test_pagination_items_keep_the_ends_and_the_neighbours(settings):
    from django.core.paginator import Paginator

    pages = Paginator(range(500), 50)

    def shown(n):
        return [
            "…"
            if item.get("ellipsis")
            else f"[{item['number']}]"
            if item["current"]
            else str(item["number"])
            for item in pagination(pages.page(n))
        ]

    assert shown(1) == ["[1]", "2", "…", "10"]
    assert shown(5) == ["1", "…", "4", "[5]", "6", "…", "10"]
    assert shown(9) == ["1", "…", "8", "[9]", "10"]
    assert [i["number"] for i in pagination(Paginator(range(60), 50).page(2))] == [1, 2]


# --- the polls --------------------------------------------------------------------------------


def test_the_inbox_poll_answers_no_change_cheaply_and_unaudited_then_the_new_alert_audited(
    signed_in, coordinator_a, sw_a, uasc_child, make_child
):
    historic_nrm_alerts(make_child(sw_a), 5, due_days_ago=3)
    client = signed_in(coordinator_a)
    client.get(reverse("web:alerts"))  # a first look
    state = live_state(client.get(reverse("web:alerts")))
    assert state["since"]
    before = audit_count()
    with CaptureQueriesContext(connection) as queries:
        unchanged = poll(client, state)
    assert unchanged.status_code == 204 and unchanged.content == b""
    assert audit_count() == before  # nothing shown, nothing audited
    on_alerts = [q["sql"] for q in queries.captured_queries if "missing_alert" in q["sql"]]
    assert len(on_alerts) == 2, on_alerts  # the counts, and the page's alerts

    report_missing(sw_a, uasc_child, hours_ago=0.5)
    before = audit_count()
    changed = poll(client, state)
    assert changed.status_code == 200
    assert changed["X-Visible-Fingerprint"] and changed["X-Visible-Fingerprint"] != state["seen"]
    html = changed.content.decode()
    assert "<html" not in html and 'data-testid="alert-tabs"' in html
    first = cards(changed)[0]
    assert first == "Critical Dawit Tekle New"  # new since the page was first shown
    shown = AuditEvent.objects.order_by("-seq").first()
    assert shown.action == "list" and "Viewed the alerts inbox (live update" in shown.summary
    assert audit_count() == before + 1
    # The same again, with the new fingerprint: no change.
    state["seen"] = changed["X-Visible-Fingerprint"]
    assert poll(client, state).status_code == 204 and audit_count() == before + 1


def test_an_alert_falling_overdue_changes_the_inbox_poll(
    signed_in, coordinator_a, sw_a, uasc_child, monkeypatch
):
    report_missing(sw_a, uasc_child, hours_ago=0.5)
    client = signed_in(coordinator_a)
    state = live_state(client.get(reverse("web:alerts")))
    assert poll(client, state).status_code == 204
    later = timezone.now() + dt.timedelta(minutes=16)
    monkeypatch.setattr(timezone, "now", lambda: later)
    overdue = poll(client, state)
    assert overdue.status_code == 200
    assert "Not acknowledged by" in text_of(overdue)


def test_the_board_poll_shows_a_child_reported_since_and_keeps_to_the_access_rules(
    signed_in, coordinator_a, sw_b, sw_a, uasc_child, make_child, met
):
    sam = make_child(sw_a, given_names="Sam", family_name="Smith", nationality="GBR")
    report_missing(sw_a, sam, hours_ago=30, force=met)
    client = signed_in(coordinator_a)
    board = client.get(reverse("web:missing-now"))
    state = live_state(board)
    assert state["url"] == reverse("web:missing-now-live")
    before = audit_count()
    with CaptureQueriesContext(connection) as queries:
        assert poll(client, state).status_code == 204
    assert audit_count() == before
    on_episodes = [q["sql"] for q in queries.captured_queries if '"missing_' in q["sql"]]
    assert len(on_episodes) == 2, on_episodes  # the episodes, and their open alerts

    report_missing(sw_a, uasc_child, hours_ago=1)
    changed = poll(client, state)
    assert changed.status_code == 200 and board_names(changed) == ["Dawit Tekle", "Sam Smith"]
    assert 'data-live-label="Dawit Tekle, missing, high risk"' in changed.content.decode()
    event = AuditEvent.objects.order_by("-seq").first()
    assert "Viewed the missing-now board (live update" in event.summary
    # Another council's board, polled: the child is not theirs to see.
    other = signed_in(sw_b)
    response = other.get(reverse("web:missing-now-live"), **POLL)
    assert response.status_code == 200 and "Dawit" not in response.content.decode()


def test_the_force_list_poll_is_for_the_force_the_child_was_reported_to(
    client, coordinator_a, sw_a, uasc_child, met
):
    officer = make_user("officer.met.live", met, Role.POLICE_OFFICER)
    client.force_login(officer)
    page = client.get(reverse("web:force-missing"))
    state = live_state(page)
    assert poll(client, state).status_code == 204
    report_missing(sw_a, uasc_child, hours_ago=2, force=met)
    changed = poll(client, state)
    assert changed.status_code == 200 and "Dawit Tekle" in changed.content.decode()
    assert "Viewed the force's missing list (live update" in (
        AuditEvent.objects.order_by("-seq").first().summary
    )
    # A council's coordinator is refused, and the refusal audited once.
    client.force_login(coordinator_a)
    before = AuditEvent.objects.filter(action="denied").count()
    assert client.get(reverse("web:force-missing-live"), **POLL).status_code == 403
    assert AuditEvent.objects.filter(action="denied").count() == before + 1


def test_a_poll_is_not_activity_an_idle_session_still_ends(signed_in, coordinator_a):
    client = signed_in(coordinator_a)
    state = live_state(client.get(reverse("web:missing-now")))
    store = import_module(settings.SESSION_ENGINE).SessionStore

    def last_seen() -> dt.datetime:
        session = store(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
        return dt.datetime.fromisoformat(session[sessions.LAST_SEEN])

    def move_back(by: dt.timedelta) -> None:
        session = store(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
        session[sessions.LAST_SEEN] = (
            dt.datetime.fromisoformat(session[sessions.LAST_SEEN]) - by
        ).isoformat()
        session.save()

    move_back(dt.timedelta(minutes=10))
    was = last_seen()
    assert poll(client, state).status_code == 204
    assert last_seen() == was  # the poll did not count
    client.get(reverse("web:missing-now"))
    assert last_seen() > was  # a page did
    move_back(sessions.idle_timeout() + dt.timedelta(minutes=1))
    response = poll(client, state)
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:sign-in"))


def test_a_bad_since_or_fingerprint_is_only_a_full_answer(signed_in, coordinator_a):
    client = signed_in(coordinator_a)
    response = client.get(reverse("web:alerts-live") + "?since=yesterday&seen=&page=x", **POLL)
    assert response.status_code == 200 and 'data-testid="alert-tabs"' in response.content.decode()
    assert client.post(reverse("web:alerts-live"), **POLL).status_code == 405


# --- the banner ------------------------------------------------------------------------------


def banner(response) -> str:
    found = re.search(
        r'<div class="govuk-notification-banner"[^>]*data-testid="alert-banner".*?</form>',
        response.content.decode(),
        re.S,
    )
    return found.group(0) if found else ""


def test_a_new_high_risk_alert_shows_a_banner_on_every_page_of_those_who_act_on_it(
    client, coordinator_a, sw_a, council_a, council_b, uasc_child
):
    analyst = make_user("analyst.a.banner", council_a, Role.ANALYST)
    other_council = make_user("coordinator.b.banner", council_b, Role.MISSING_COORDINATOR)
    client.force_login(coordinator_a)
    assert banner(client.get(reverse("web:children"))) == ""
    report_missing(sw_a, uasc_child, hours_ago=0.5)
    alert = Alert.objects.get(child=uasc_child, code="high_risk_missing")
    for page in ("web:children", "web:missing-now", "web:alerts"):
        shown = banner(client.get(reverse(page)))
        assert "Critical alert" in shown and "High-risk child missing: raised at" in shown, page
        assert f'href="{reverse("web:alert", args=[alert.pk])}"' in shown
        assert "Dawit" not in shown and "Tekle" not in shown  # never the child
    child_page = banner(client.get(reverse("web:child", args=[uasc_child.pk])))
    assert "Critical alert" in child_page
    for who in (analyst, other_council):
        client.force_login(who)
        assert banner(client.get(reverse("web:children"))) == "", who.username
    # Acknowledged by anyone: someone has it; the banner goes for everyone.
    client.force_login(sw_a)
    client.post(reverse("web:alert-acknowledge", args=[alert.pk]))
    client.force_login(coordinator_a)
    assert banner(client.get(reverse("web:children"))) == ""


def test_the_banner_link_opens_the_alert_where_it_is_in_the_inbox(
    signed_in, coordinator_a, sw_a, uasc_child, make_child
):
    historic_nrm_alerts(make_child(sw_a), 120, due_days_ago=2)
    report_missing(sw_a, uasc_child, hours_ago=0.5)
    alert = Alert.objects.get(child=uasc_child, code="high_risk_missing")
    client = signed_in(coordinator_a)
    response = client.get(reverse("web:alert", args=[alert.pk]))
    assert response["Location"] == reverse("web:alerts") + f"#alert-{alert.pk}"
    # The NRM decision raised last has the latest deadline: last of all, on page 3.
    low = Alert.objects.filter(code="nrm_rg_overdue").order_by("-raised_at", "-pk").first()
    response = client.get(reverse("web:alert", args=[low.pk]))
    assert response["Location"] == reverse("web:alerts") + f"?page=3#alert-{low.pk}"
    page = client.get(response["Location"].split("#")[0])
    assert f'id="alert-{low.pk}"' in page.content.decode()


def test_a_banner_dismissed_is_gone_for_that_person_only_and_the_next_one_shows(
    client, coordinator_a, manager_a, sw_a, uasc_child, make_child
):
    report_missing(sw_a, uasc_child, hours_ago=0.5)
    second = make_child(sw_a, given_names="Lan", family_name="Tran", nationality="GBR")
    report_missing(sw_a, second, hours_ago=3)  # police not told: critical too, raised later
    first = Alert.objects.get(child=uasc_child, code="high_risk_missing")
    client.force_login(coordinator_a)
    shown = banner(client.get(reverse("web:children")))
    assert f'data-alert="{first.pk}"' in shown and "1 more critical or high alert" in shown
    response = client.post(
        reverse("web:alert-dismiss", args=[first.pk]), {"next": reverse("web:missing-now")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:missing-now")
    assert AlertDismissal.objects.filter(user=coordinator_a, alert=first).exists()
    now_shown = banner(client.get(reverse("web:children")))
    assert now_shown and f'data-alert="{first.pk}"' not in now_shown
    # The script's way: 204, no redirect. A next address on another site is not followed.
    other = Alert.objects.get(child=second, code="no_police_report")
    response = client.post(
        reverse("web:alert-dismiss", args=[other.pk]), HTTP_X_REQUESTED_WITH="fetch"
    )
    assert response.status_code == 204
    assert banner(client.get(reverse("web:children"))) == ""
    response = client.post(
        reverse("web:alert-dismiss", args=[other.pk]), {"next": "https://example.org/"}
    )
    assert response["Location"] == reverse("web:home")
    # The alerts stay in the inbox; the other coordinator still has the banner.
    assert Alert.objects.filter(pk__in=[first.pk, other.pk], resolved_at__isnull=True).count() == 2
    client.force_login(manager_a)
    assert f'data-alert="{first.pk}"' in banner(client.get(reverse("web:children")))


def test_the_banner_poll_and_its_limits(client, coordinator_a, sw_a, uasc_child):
    client.force_login(coordinator_a)
    url = reverse("web:alert-banner")
    assert client.get(url + "?seen=", **POLL).status_code == 204  # nothing, as shown
    report_missing(sw_a, uasc_child, hours_ago=0.5)
    alert = Alert.objects.get(child=uasc_child, code="high_risk_missing")
    before = audit_count()
    response = client.get(url + "?seen=&next=/children/", **POLL)
    assert response.status_code == 200 and response["X-Visible-Fingerprint"] == f"{alert.pk}:1"
    html = response.content.decode()
    assert "Critical alert" in html and 'name="next" value="/children/"' in html
    assert "<html" not in html
    assert audit_count() == before  # names no child: nothing disclosed, nothing to audit
    assert client.get(url + f"?seen={alert.pk}:1", **POLL).status_code == 204
    # A day on, it is no longer news: the inbox has it, the banner does not.
    Alert.objects.filter(pk=alert.pk).update(raised_at=NOW() - dt.timedelta(hours=25))
    response = client.get(url + f"?seen={alert.pk}:1", **POLL)
    assert response.status_code == 200 and response.content.decode().strip() == ""


def test_a_banner_is_only_for_alerts_in_ones_own_inbox(client, sw_b, sw_a, uasc_child):
    report_missing(sw_a, uasc_child, hours_ago=0.5)
    alert = Alert.objects.get(child=uasc_child, code="high_risk_missing")
    client.force_login(sw_b)
    before = AuditEvent.objects.filter(action="denied").count()
    assert client.post(reverse("web:alert-dismiss", args=[alert.pk])).status_code == 404
    assert client.get(reverse("web:alert", args=[alert.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="denied").count() == before + 2
    assert not AlertDismissal.objects.exists()
