"""A police or council system on missing episodes: report, list, grade, log, police report,
return; and the grab pack as JSON and PDF. Police access follows access/missing.py: a force
acts on an open episode reported to it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import as_viewer, bearer, make_api_client, missing_episode
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.missing import actions
from visible.missing.inputs import ReturnInput
from visible.missing.models import Episode, LogEntry

NOW = timezone.now


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def report_body(**overrides) -> dict:
    return {
        "category": "M",
        "last_seen_at": iso(NOW() - dt.timedelta(hours=3)),
        "last_seen_place": "East Croydon station (synthetic)",
        "clothing": "Black puffer jacket",
        "reported_by_name": "Carer (synthetic)",
        "reported_by_role": "carer",
    } | overrides


@pytest.fixture
def kent_police(db):
    return Organisation.objects.get(name="Kent Police")


def test_report_missing_opens_a_graded_episode(api_a, sw_a, make_child):
    child = make_child(sw_a)
    response = api_a.post(
        f"/api/v1/children/{child.pk}/episodes",
        report_body(
            police_force="Kent Police",
            police_reported_at=iso(NOW() - dt.timedelta(hours=2)),
            police_reference="KP-1",
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    episode = Episode.objects.get(pk=body["id"])
    assert episode.child == child and episode.police_force.name == "Kent Police"
    assert body["is_open"] is True and body["grade"] and body["gradings"][0]["kind"] == "initial"
    assert response["Location"] == f"/api/v1/episodes/{episode.pk}"
    assert response["ETag"].startswith(f'"episode-{episode.pk}-v1')
    assert AuditEvent.objects.filter(
        action="create", object_type="episode", actor_username="api:Case management system"
    ).exists()


def test_report_missing_twice_is_a_conflict(api_a, sw_a, make_child):
    child = make_child(sw_a)
    missing_episode(sw_a, child)
    response = api_a.post(f"/api/v1/children/{child.pk}/episodes", report_body(), format="json")
    assert response.status_code == 409
    assert "already recorded as missing" in response.json()["errors"][0]["message"]


def test_report_problems_name_the_field(api_a, sw_a, make_child):
    child = make_child(sw_a)
    response = api_a.post(
        f"/api/v1/children/{child.pk}/episodes",
        report_body(last_seen_at="2026-01-01T10:00:00", police_force="Gotham Police"),
        format="json",
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "last_seen_at"
    }  # the type check comes first
    response = api_a.post(
        f"/api/v1/children/{child.pk}/episodes",
        report_body(police_force="Gotham Police"),
        format="json",
    )
    assert response.status_code == 400
    assert "Gotham Police" in response.json()["errors"][0]["message"]


def test_list_of_open_episodes_is_the_clients_own(api_a, api_b, client_b, sw_a, sw_b, make_child):
    ours = missing_episode(sw_a, make_child(sw_a))
    theirs = missing_episode(sw_b, make_child(sw_b))
    closed = make_child(sw_a)
    episode = missing_episode(sw_a, closed, hours_ago=30)
    actions.record_return(
        as_viewer(sw_a),
        episode,
        ReturnInput(returned_at=NOW() - dt.timedelta(hours=20), found_by="self"),
    )
    body = api_a.get("/api/v1/episodes").json()
    assert [r["id"] for r in body["results"]] == [ours.pk]
    assert body["results"][0]["access"] == "full"
    assert [r["id"] for r in api_b.get("/api/v1/episodes").json()["results"]] == [theirs.pk]
    assert AuditEvent.objects.filter(
        action="list",
        object_type="episode",
        actor_username=client_b.client.actor_name,
        detail__contains=str(theirs.pk),
    ).exists()


def test_episode_list_pages(api_a, sw_a, make_child):
    for _ in range(3):
        missing_episode(sw_a, make_child(sw_a))
    body = api_a.get("/api/v1/episodes", {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert api_a.get("/api/v1/episodes", {"page_size": 101}).status_code == 400


def test_read_an_episode_and_the_other_council_cannot(api_a, api_b, client_b, sw_a, make_child):
    episode = missing_episode(sw_a, make_child(sw_a))
    response = api_a.get(f"/api/v1/episodes/{episode.pk}")
    assert response.status_code == 200 and response.json()["gradings"]
    assert "ETag" in response
    response = api_b.get(f"/api/v1/episodes/{episode.pk}")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="denied",
        object_type="episode",
        object_id=str(episode.pk),
        actor_username=client_b.client.actor_name,
    ).exists()


def test_grade_confirm_and_override_with_reason(api_a, sw_a, make_child):
    episode = missing_episode(sw_a, make_child(sw_a))
    proposed = episode.gradings.first().proposed_grade
    confirmed = api_a.post(
        f"/api/v1/episodes/{episode.pk}/gradings", {"grade": proposed}, format="json"
    )
    assert confirmed.status_code == 201, confirmed.json()
    assert confirmed.json()["kind"] == "confirmed" and confirmed.json()["grade"] == proposed
    higher = api_a.post(
        f"/api/v1/episodes/{episode.pk}/gradings",
        {"grade": "high", "reason": "Seen with older men"},
        format="json",
    )
    assert higher.status_code == 201 and higher.json()["grade"] == "high"


def test_grade_below_the_floor_is_refused_with_the_engines_words(api_a, sw_a, make_child):
    child = make_child(sw_a)
    from visible.children import actions as register

    register.record_flag(
        as_viewer(sw_a),
        child,
        "trafficked_identified",
        timezone.localdate() - dt.timedelta(days=5),
        "Positive conclusive grounds decision (synthetic)",
    )
    episode = missing_episode(sw_a, child)
    response = api_a.post(
        f"/api/v1/episodes/{episode.pk}/gradings", {"grade": "low", "reason": ""}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "grade" and error["message"]


def test_stale_if_match_on_an_episode_action_is_412(api_a, sw_a, make_child):
    episode = missing_episode(sw_a, make_child(sw_a))
    etag = api_a.get(f"/api/v1/episodes/{episode.pk}")["ETag"]
    api_a.post(
        f"/api/v1/episodes/{episode.pk}/log",
        {
            "kind": "sighting",
            "occurred_at": iso(NOW()),
            "text": "Seen at the bus garage (synthetic)",
        },
        format="json",
    )
    response = api_a.post(
        f"/api/v1/episodes/{episode.pk}/return",
        {"returned_at": iso(NOW()), "found_by": "police"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 412
    assert Episode.objects.get(pk=episode.pk).returned_at is None


def test_log_police_report_and_return(api_a, sw_a, make_child):
    episode = missing_episode(sw_a, make_child(sw_a))
    logged = api_a.post(
        f"/api/v1/episodes/{episode.pk}/log",
        {"kind": "sighting", "occurred_at": iso(NOW()), "text": "Seen at East Croydon (synthetic)"},
        format="json",
    )
    assert logged.status_code == 201 and logged.json()["by_name"] == "api:Case management system"
    police = api_a.post(
        f"/api/v1/episodes/{episode.pk}/police-report",
        {
            "police_force": "Kent Police",
            "reported_at": iso(NOW() - dt.timedelta(hours=1)),
            "reference": "KP-42",
        },
        format="json",
    )
    assert police.status_code == 200 and police.json()["police_reference"] == "KP-42"
    etag = police["ETag"]
    returned = api_a.post(
        f"/api/v1/episodes/{episode.pk}/return",
        {
            "returned_at": iso(NOW()),
            "found_by": "police",
            "found_place": "Luton (synthetic)",
            "found_in_authority": "E06000032",
        },
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert returned.status_code == 200, returned.json()
    assert (
        returned.json()["is_open"] is False and returned.json()["found_in_authority"] == "E06000032"
    )
    again = api_a.post(
        f"/api/v1/episodes/{episode.pk}/return",
        {"returned_at": iso(NOW()), "found_by": "police"},
        format="json",
    )
    assert again.status_code == 409
    assert LogEntry.objects.filter(episode=episode).count() == 1


def test_other_councils_client_cannot_act_on_the_episode(api_b, client_b, sw_a, make_child):
    episode = missing_episode(sw_a, make_child(sw_a))
    for path, body in [
        ("gradings", {"grade": "high", "reason": "x"}),
        ("log", {"kind": "note", "occurred_at": iso(NOW()), "text": "x"}),
        ("return", {"returned_at": iso(NOW()), "found_by": "self"}),
    ]:
        assert (
            api_b.post(f"/api/v1/episodes/{episode.pk}/{path}", body, format="json").status_code
            == 404
        )
    assert (
        api_b.post(
            f"/api/v1/children/{episode.child_id}/episodes", report_body(), format="json"
        ).status_code
        == 404
    )
    episode.refresh_from_db()
    assert episode.is_open and episode.gradings.count() == 1 and not episode.log.exists()
    assert (
        AuditEvent.objects.filter(
            action="denied", actor_username=client_b.client.actor_name
        ).count()
        == 4
    )


def test_a_police_client_acts_on_an_open_episode_reported_to_its_force(
    kent_police, sw_a, make_child
):
    police = make_api_client(kent_police, role=Role.POLICE_OFFICER, name="Command and control")
    api = bearer(police.secret)
    child = make_child(sw_a)
    elsewhere = missing_episode(sw_a, make_child(sw_a))  # not reported to Kent
    episode = missing_episode(
        sw_a, child, police_force=kent_police, police_reported_at=NOW() - dt.timedelta(hours=2)
    )
    listed = api.get("/api/v1/episodes").json()["results"]
    assert [(r["id"], r["access"]) for r in listed] == [(episode.pk, "full")]
    assert api.get(f"/api/v1/episodes/{episode.pk}").json()["gradings"]  # the force's full view
    assert api.get(f"/api/v1/episodes/{elsewhere.pk}").status_code == 404
    logged = api.post(
        f"/api/v1/episodes/{episode.pk}/log",
        {
            "kind": "sighting",
            "occurred_at": iso(NOW()),
            "text": "CCTV at Ashford station (synthetic)",
        },
        format="json",
    )
    assert logged.status_code == 201 and logged.json()["by_organisation"] == "Kent Police"
    # While the child is missing to it, the force sees the record (the limited view, with the
    # sections access.register.sections_for gives its grant) but cannot change it.
    record = api.get(f"/api/v1/children/{child.pk}").json()
    assert record["access"] == "limited" and record["full_name"] == child.full_name
    assert (
        "placements" not in record
        and "age_assessments" not in record
        and "evidence" not in str(record["flags"])
    )
    assert (
        api.patch(
            f"/api/v1/children/{child.pk}", {"given_names": "X"}, format="json", HTTP_IF_MATCH="*"
        ).status_code
        == 403
    )
    returned = api.post(
        f"/api/v1/episodes/{episode.pk}/return",
        {"returned_at": iso(NOW()), "found_by": "police"},
        format="json",
    )
    assert returned.status_code == 200
    # Back: the child is no longer missing to the force, and the record closes to it again.
    assert api.get(f"/api/v1/children/{child.pk}").status_code == 404


# --- grab pack -----------------------------------------------------------------------------


def test_grab_pack_json_and_pdf(api_a, client_a, sw_a, make_child):
    child = make_child(sw_a, council_id="CR-5")
    episode = missing_episode(sw_a, child, clothing="Red hoodie (synthetic)")
    pack = api_a.get(f"/api/v1/episodes/{episode.pk}/grab-pack")
    assert pack.status_code == 200
    body = pack.json()
    assert body["child_id"] == child.pk and body["episode"]["episode_id"] == episode.pk
    assert body["episode"]["clothing"] == "Red hoodie (synthetic)"
    assert {"label": "Council case ID", "value": "CR-5"} in body["identifiers"]
    pdf = api_a.get(f"/api/v1/episodes/{episode.pk}/grab-pack.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "grab-pack-CR-5" in pdf["Content-Disposition"]
    part1 = api_a.get(f"/api/v1/children/{child.pk}/grab-pack")
    assert part1.status_code == 200 and part1.json()["episode"] is None
    assert part1.json()["open_episode_id"] == episode.pk
    actions_seen = set(
        AuditEvent.objects.filter(
            purpose="grab pack", actor_username=client_a.client.actor_name
        ).values_list("action", flat=True)
    )
    assert actions_seen == {"view", "export"}


def test_grab_pack_refused_to_the_other_council(api_b, client_b, sw_a, make_child):
    child = make_child(sw_a)
    episode = missing_episode(sw_a, child)
    for path in (
        f"/api/v1/episodes/{episode.pk}/grab-pack",
        f"/api/v1/episodes/{episode.pk}/grab-pack.pdf",
        f"/api/v1/children/{child.pk}/grab-pack",
        f"/api/v1/children/{child.pk}/grab-pack.pdf",
    ):
        response = api_b.get(path)
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert (
        AuditEvent.objects.filter(
            action="denied", purpose="grab pack", actor_username=client_b.client.actor_name
        ).count()
        == 4
    )
