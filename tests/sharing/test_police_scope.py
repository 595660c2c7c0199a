"""What a police force sees of a child's missing episodes while the child is missing to it
(docs/access.md): the open episode in full; the force's past episodes of the child only in
outline (no gradings, no search log) for an officer; in full for the force's trafficking SPOC
where the child is within the SPOC's rules (in scope, missing now or back within 90 days); and
nothing of episodes reported to other forces. On the episode page and through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import as_viewer, bearer, make_api_client, report_missing
from visible.access import missing as missing_policy
from visible.agencies.models import Role
from visible.children import actions as register
from visible.missing import actions as missing
from visible.missing.inputs import ReturnInput

pytestmark = pytest.mark.django_db

LOGGED = "Seen by a youth worker near Brixton market (synthetic)"


def _past(user, child, force, days_ago: int):
    episode, _ = report_missing(user, child, force=force, hours_ago=24 * days_ago)
    viewer = as_viewer(user)
    missing.add_log_entry(
        viewer, episode, "sighting", episode.last_seen_at + dt.timedelta(hours=2), LOGGED
    )
    missing.record_return(
        viewer,
        episode,
        ReturnInput(returned_at=episode.last_seen_at + dt.timedelta(hours=30), found_by="police"),
    )
    episode.refresh_from_db()
    return episode


@pytest.fixture
def history(sw_a, make_child, met, kent_police):
    """Two children of council A, each missing to the Met now, each with past episodes reported
    to the Met (200 and 20 days ago) and to Kent Police (100 days ago): one in scope (UASC), one not."""
    today = timezone.localdate()
    made = {}
    for kind in ("in_scope", "not_in_scope"):
        child = make_child(
            sw_a,
            looked_after_from=today - dt.timedelta(days=400),
            nationality="ERI" if kind == "in_scope" else "GBR",
        )
        if kind == "in_scope":
            register.record_flag(
                as_viewer(sw_a),
                child,
                "uasc",
                today - dt.timedelta(days=400),
                "Asylum claim (synthetic)",
            )
        made[kind] = {
            "child": child,
            "old": _past(sw_a, child, met, 200),
            "other_force": _past(sw_a, child, kent_police, 100),
            "recent": _past(sw_a, child, met, 20),
            "open": report_missing(sw_a, child, force=met, hours_ago=3)[0],
        }
    return made


def test_an_officer_sees_the_open_episode_in_full_and_the_forces_past_ones_only_in_outline(
    officer, history
):
    viewer = as_viewer(officer)
    for kind in ("in_scope", "not_in_scope"):
        episodes = history[kind]
        assert missing_policy.episode_view(viewer, episodes["open"]) == "full"
        assert missing_policy.episode_view(viewer, episodes["old"]) == "limited"
        assert missing_policy.episode_view(viewer, episodes["recent"]) == "limited"
        assert missing_policy.episode_view(viewer, episodes["other_force"]) == "none"


def test_the_spoc_sees_the_forces_past_episodes_in_full_only_for_a_child_within_the_spoc_rules(
    spoc, history
):
    viewer = as_viewer(spoc)
    in_scope, not_in_scope = history["in_scope"], history["not_in_scope"]
    assert [
        missing_policy.episode_view(viewer, in_scope[k])
        for k in ("open", "old", "recent", "other_force")
    ] == ["full", "full", "full", "none"]
    assert [
        missing_policy.episode_view(viewer, not_in_scope[k])
        for k in ("open", "old", "recent", "other_force")
    ] == ["full", "limited", "limited", "none"]


def test_the_episode_page_shows_an_officer_a_past_episode_without_its_search_log(
    client, officer, spoc, history
):
    episodes = history["in_scope"]
    client.force_login(officer)
    page = client.get(reverse("web:episode", args=[episodes["old"].pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert LOGGED not in html and 'data-testid="limited-view"' in html
    assert "A past episode reported to Metropolitan Police Service" in html
    assert (
        'data-testid="limited-view"'
        not in client.get(reverse("web:episode", args=[episodes["open"].pk])).content.decode()
    )
    assert client.get(reverse("web:episode", args=[episodes["other_force"].pk])).status_code == 404
    # Not theirs to act on: the past episode takes no sighting from the force.
    response = client.post(
        reverse("web:episode-log", args=[episodes["old"].pk]),
        {"log-kind": "sighting", "log-occurred_at": "", "log-text": "x"},
    )
    assert response.status_code in (403, 404)
    client.force_login(spoc)
    assert LOGGED in client.get(reverse("web:episode", args=[episodes["old"].pk])).content.decode()


def test_the_api_gives_an_officer_the_outline_of_a_past_episode_and_the_spoc_the_whole(
    officer, spoc, met, history
):
    episodes = history["in_scope"]
    as_officer = bearer(
        make_api_client(met, Role.POLICE_OFFICER, name="Force missing persons system").secret
    )
    as_spoc = bearer(make_api_client(met, Role.TRAFFICKING_SPOC, name="SPOC casework").secret)
    old = as_officer.get(f"/api/v1/episodes/{episodes['old'].pk}").json()
    assert old["log"] == [] and old["gradings"] == [] and old["is_open"] is False
    now_open = as_officer.get(f"/api/v1/episodes/{episodes['open'].pk}").json()
    assert now_open["gradings"] != []
    assert as_officer.get(f"/api/v1/episodes/{episodes['other_force'].pk}").status_code == 404
    whole = as_spoc.get(f"/api/v1/episodes/{episodes['old'].pk}").json()
    assert [entry["text"] for entry in whole["log"]] == [LOGGED]
