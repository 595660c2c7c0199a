"""A council's case system on the register: find, add, read, change, flag. Every answer as an
integrator would see it, and every refusal as the other council's client would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import as_viewer, bearer, child_values, make_api_client
from visible.agencies.models import Role
from visible.audit.models import AuditEvent
from visible.children import actions
from visible.children.inputs import GuardianInput, NrmReferralInput, PlacementInput
from visible.children.models import Child, Flag
from visible.reference.models import Authority
from visible.sharing import actions as sharing_actions

TODAY = timezone.localdate


def _json_child(fake, **overrides) -> dict:
    values = child_values(fake, **overrides)
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def denied(client, **filters) -> bool:
    return AuditEvent.objects.filter(
        action="denied", actor_username=client.client.actor_name, **filters
    ).exists()


# --- the list and search -------------------------------------------------------------------


def test_list_shows_own_children_and_is_audited(api_a, client_a, sw_a, sw_b, make_child):
    mine = [make_child(sw_a, family_name=f"Synthetic{i}") for i in range(3)]
    theirs = make_child(sw_b)
    response = api_a.get("/api/v1/children")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["page"] == 1 and body["pages"] == 1 and body["next"] is None
    assert {r["id"] for r in body["results"]} == {c.pk for c in mine}
    assert theirs.pk not in {r["id"] for r in body["results"]}
    assert all(r["access"] == "full" for r in body["results"])
    event = AuditEvent.objects.filter(
        action="list", actor_username="api:Case management system"
    ).latest("seq")
    assert str(mine[0].pk) in event.detail


def test_search_by_name_tolerates_spelling_and_excludes_the_other_councils_child(
    api_a, api_b, client_b, sw_a, sw_b, make_child
):
    ours = make_child(sw_a, given_names="Mohammed", family_name="Haile")
    make_child(
        sw_b, given_names="Mohammed", family_name="Haile"
    )  # council B's own child of the same name
    found = api_a.get("/api/v1/children", {"q": "Mohamed Haile"}).json()
    assert [r["id"] for r in found["results"]] == [ours.pk]
    other = api_b.get("/api/v1/children", {"q": "Mohamed Haile"}).json()
    assert ours.pk not in [r["id"] for r in other["results"]]
    search = AuditEvent.objects.filter(
        action="search", actor_username=client_b.client.actor_name
    ).latest("seq")
    assert "Mohamed Haile" in search.detail


def test_search_by_identifier(api_a, sw_a, make_child):
    child = make_child(sw_a, council_id="CR-1234")
    body = api_a.get("/api/v1/children", {"q": "cr-1234"}).json()
    assert body["matched_identifier"] is True and [r["id"] for r in body["results"]] == [child.pk]


def test_filters_as_on_the_web_list(api_a, sw_a, make_child):
    flagged = make_child(sw_a, nationality="ERI")
    make_child(sw_a, nationality="VNM")
    actions.record_flag(
        as_viewer(sw_a), flagged, "uasc", TODAY() - dt.timedelta(days=10), "Arrived alone at Dover"
    )
    body = api_a.get("/api/v1/children", {"flag": "in_scope"}).json()
    assert [r["id"] for r in body["results"]] == [flagged.pk]
    assert body["results"][0]["active_flags"] == ["uasc"]
    assert api_a.get("/api/v1/children", {"nationality": "ERI"}).json()["count"] == 1


def test_pages_of_fifty_with_links(api_a, sw_a, make_child):
    for i in range(52):
        make_child(sw_a, family_name=f"Page{i:02d}")
    first = api_a.get("/api/v1/children").json()
    assert first["count"] == 52 and first["pages"] == 2 and len(first["results"]) == 50
    assert first["next"].endswith("page=2") and first["previous"] is None
    second = api_a.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"flag": "pirate"}, "flag"),
        ({"page": "0"}, "page"),
        ({"active_from": "yesterday"}, "active_from"),
        ({"nationality": "vietnam"}, "nationality"),
    ],
)
def test_bad_filters_name_the_field(api_a, query, field):
    response = api_a.get("/api/v1/children", query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_host_council_sees_a_child_placed_in_its_area_in_the_limited_view(
    api_b, client_b, sw_a, make_child
):
    child = make_child(sw_a)
    kent = Authority.objects.get(code="E10000016")
    sharing_actions.record_placement(
        as_viewer(sw_a),
        child,
        PlacementInput(
            place_code="U1",
            start_date=TODAY() - dt.timedelta(days=30),
            authority=kent,
            postcode="ME14 1XX",
        ),
    )
    row = api_b.get("/api/v1/children").json()["results"][0]
    assert row["id"] == child.pk and row["access"] == "limited"
    record = api_b.get(f"/api/v1/children/{child.pk}")
    assert record.status_code == 200
    body = record.json()
    assert (
        body["access"] == "limited" and body["current_placement"]["authority_code"] == "E10000016"
    )
    assert (
        "council_id" not in body
        and "placements" not in body
        and "evidence" not in str(body["flags"])
    )
    assert "first_language" not in body and "nrm_referrals" not in body
    assert record["ETag"].endswith('-limited"')
    # Seen, but not theirs to change: 403, audited.
    response = api_b.patch(
        f"/api/v1/children/{child.pk}",
        {"given_names": "X"},
        format="json",
        HTTP_IF_MATCH=record["ETag"],
    )
    assert response.status_code == 403
    assert denied(client_b, object_id=str(child.pk), summary__contains="edit details")


# --- reading one child ---------------------------------------------------------------------


def test_read_full_record_with_etag(api_a, sw_a, make_child):
    child = make_child(sw_a, council_id="CR-77", other_names=[("Mohamed", "other_spelling")])
    response = api_a.get(f"/api/v1/children/{child.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["access"] == "full" and body["council_id"] == "CR-77"
    assert body["other_names"][0]["name"] == "Mohamed"
    assert response["ETag"] == f'"child-{child.pk}-v{child.version}"'
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(
        action="view",
        object_type="child",
        object_id=str(child.pk),
        actor_username="api:Case management system",
    ).exists()


def test_other_councils_client_gets_404_and_the_attempt_is_audited(
    api_b, client_b, sw_a, make_child
):
    child = make_child(sw_a)
    response = api_b.get(f"/api/v1/children/{child.pk}")
    assert response.status_code == 404
    assert response.json()["detail"] == "No child record with that number is available to you"
    assert denied(client_b, object_type="child", object_id=str(child.pk))


def test_a_guessed_id_looks_the_same_as_someone_elses_child(api_b, client_b, sw_a, make_child):
    child = make_child(sw_a)
    theirs = api_b.get(f"/api/v1/children/{child.pk}")
    missing = api_b.get(f"/api/v1/children/{child.pk + 1000}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert denied(client_b, object_id=str(child.pk + 1000))


def test_unknown_api_path_is_a_json_404(api_a):
    response = api_a.get("/api/v1/children/not-a-number")
    assert response.status_code == 404
    assert response.json()["status"] == 404


# --- adding and changing -------------------------------------------------------------------


def test_create_a_child(api_a, client_a, council_a, fake):
    body = _json_child(fake, given_names="Dawit", family_name="Tesfay", council_id="CR-9") | {
        "other_names": [{"name": "Dawitt", "kind": "other_spelling"}]
    }
    response = api_a.post("/api/v1/children", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    child = Child.objects.get(pk=created["id"])
    assert child.responsible_organisation == council_a and child.council_id == "CR-9"
    assert response["Location"] == f"/api/v1/children/{child.pk}"
    assert response["ETag"] == f'"child-{child.pk}-v1"'
    assert created["other_names"][0]["name"] == "Dawitt"
    event = AuditEvent.objects.get(action="create", object_type="child", object_id=str(child.pk))
    assert (
        event.actor_username == "api:Case management system"
        and event.organisation_id == council_a.pk
    )


def test_create_reports_every_problem_with_the_fields_and_the_web_pages_words(api_a, fake):
    body = _json_child(
        fake, date_of_birth=(TODAY() + dt.timedelta(days=3)).isoformat(), nationality="QQQ"
    )
    response = api_a.post("/api/v1/children", body, format="json")
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["date_of_birth"] == "Date of birth must be today or in the past"
    assert "'QQQ' is not a nationality code" in errors["nationality"]
    assert not Child.objects.exists()


def test_create_rejects_wrong_types_before_anything_else(api_a, fake):
    body = _json_child(fake) | {"given_names": 12, "interpreter_needed": "yes"}
    response = api_a.post("/api/v1/children", body, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"given_names", "interpreter_needed"}


def test_duplicate_council_id_is_a_conflict_naming_the_field(api_a, sw_a, make_child, fake):
    make_child(sw_a, council_id="CR-1")
    response = api_a.post("/api/v1/children", _json_child(fake, council_id="CR-1"), format="json")
    assert response.status_code == 409  # as when another request took the number a moment before
    assert response.json()["errors"][0]["field"] == "council_id"
    assert "already has council case ID CR-1" in response.json()["errors"][0]["message"]


def test_a_role_that_cannot_add_children_gets_403(council_a, fake):
    analyst = make_api_client(council_a, role=Role.ANALYST, name="Reporting")
    response = bearer(analyst.secret).post("/api/v1/children", _json_child(fake), format="json")
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="denied", actor_username="api:Reporting").exists()


def test_update_needs_if_match(api_a, sw_a, make_child):
    child = make_child(sw_a)
    response = api_a.patch(f"/api/v1/children/{child.pk}", {"preferred_name": "Dee"}, format="json")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]


def test_update_with_the_current_etag(api_a, sw_a, make_child):
    child = make_child(sw_a)
    etag = api_a.get(f"/api/v1/children/{child.pk}")["ETag"]
    response = api_a.patch(
        f"/api/v1/children/{child.pk}",
        {"preferred_name": "Dee", "police_ref": "MPS-1"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["preferred_name"] == "Dee"
    assert response["ETag"] != etag
    child.refresh_from_db()
    assert child.preferred_name == "Dee" and child.police_ref == "MPS-1"
    assert AuditEvent.objects.filter(
        action="change", object_id=str(child.pk), summary__contains="preferred_name"
    ).exists()


def test_two_concurrent_updates_the_second_with_a_stale_etag_gets_412_and_the_first_stands(
    client_a, sw_a, make_child
):
    child = make_child(sw_a)
    first_system, second_system = bearer(client_a.secret), bearer(client_a.secret)
    etag = first_system.get(f"/api/v1/children/{child.pk}")["ETag"]
    assert (
        second_system.get(f"/api/v1/children/{child.pk}")["ETag"] == etag
    )  # both read the same version
    first = first_system.patch(
        f"/api/v1/children/{child.pk}", {"family_name": "Kidane"}, format="json", HTTP_IF_MATCH=etag
    )
    second = second_system.patch(
        f"/api/v1/children/{child.pk}", {"family_name": "Kidana"}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200 and second.status_code == 412
    assert "changed since you read it" in second.json()["title"]
    child.refresh_from_db()
    assert child.family_name == "Kidane"


def test_a_flag_changes_the_etag(api_a, sw_a, make_child):
    child = make_child(sw_a)
    etag = api_a.get(f"/api/v1/children/{child.pk}")["ETag"]
    actions.record_flag(
        as_viewer(sw_a), child, "cse", TODAY(), "Referral from the school (synthetic)"
    )
    response = api_a.patch(
        f"/api/v1/children/{child.pk}", {"preferred_name": "Dee"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412


def test_update_problems_name_the_field(api_a, sw_a, make_child):
    child = make_child(sw_a)
    etag = api_a.get(f"/api/v1/children/{child.pk}")["ETag"]
    response = api_a.patch(
        f"/api/v1/children/{child.pk}",
        {"looked_after_from": "1990-01-01"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "looked_after_from"


def test_other_councils_client_cannot_edit_or_learn_the_child_exists(
    api_b, client_b, sw_a, make_child
):
    child = make_child(sw_a)
    response = api_b.patch(
        f"/api/v1/children/{child.pk}",
        {"given_names": "Changed"},
        format="json",
        HTTP_IF_MATCH=f'"child-{child.pk}-v1"',
    )
    assert response.status_code == 404
    child.refresh_from_db()
    assert child.given_names != "Changed"
    assert denied(client_b, object_id=str(child.pk))


# --- flags ---------------------------------------------------------------------------------


def test_add_and_end_a_flag(api_a, sw_a, make_child):
    child = make_child(sw_a)
    added = api_a.post(
        f"/api/v1/children/{child.pk}/flags",
        {
            "kind": "trafficked_suspected",
            "start_date": (TODAY() - dt.timedelta(days=2)).isoformat(),
            "evidence": "Positive reasonable grounds decision (synthetic)",
        },
        format="json",
    )
    assert added.status_code == 201, added.json()
    flag = Flag.objects.get(pk=added.json()["id"])
    assert flag.source == "api" and flag.recorded_by_name == "api:Case management system"
    again = api_a.post(
        f"/api/v1/children/{child.pk}/flags",
        {"kind": "trafficked_suspected", "start_date": TODAY().isoformat(), "evidence": "Again"},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "kind"
    ended = api_a.post(
        f"/api/v1/children/{child.pk}/flags/{flag.pk}/end",
        {"end_date": TODAY().isoformat(), "reason": "Negative conclusive grounds decision"},
        format="json",
    )
    assert ended.status_code == 200 and ended.json()["end_date"] == TODAY().isoformat()
    twice = api_a.post(
        f"/api/v1/children/{child.pk}/flags/{flag.pk}/end",
        {"end_date": TODAY().isoformat(), "reason": "Again"},
        format="json",
    )
    assert twice.status_code == 409


def test_flag_needs_its_evidence(api_a, sw_a, make_child):
    child = make_child(sw_a)
    response = api_a.post(
        f"/api/v1/children/{child.pk}/flags",
        {"kind": "criminalised", "start_date": TODAY().isoformat(), "evidence": " "},
        format="json",
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"evidence", "stage"} <= fields


def test_other_councils_client_cannot_flag_or_end_flags(api_b, client_b, sw_a, make_child):
    child = make_child(sw_a)
    flag = actions.record_flag(as_viewer(sw_a), child, "uasc", TODAY(), "Arrived alone (synthetic)")
    response = api_b.post(
        f"/api/v1/children/{child.pk}/flags",
        {"kind": "cse", "start_date": TODAY().isoformat(), "evidence": "x"},
        format="json",
    )
    assert response.status_code == 404
    response = api_b.post(
        f"/api/v1/children/{child.pk}/flags/{flag.pk}/end",
        {"end_date": TODAY().isoformat(), "reason": "x"},
        format="json",
    )
    assert response.status_code == 404
    assert Flag.objects.filter(child=child).count() == 1 and Flag.objects.get().end_date is None
    assert (
        AuditEvent.objects.filter(
            action="denied", actor_username=client_b.client.actor_name
        ).count()
        == 2
    )


def test_a_flag_of_another_child_is_not_found(api_a, sw_a, make_child):
    one, two = make_child(sw_a), make_child(sw_a)
    flag = actions.record_flag(as_viewer(sw_a), two, "uasc", TODAY(), "Arrived alone (synthetic)")
    response = api_a.post(
        f"/api/v1/children/{one.pk}/flags/{flag.pk}/end",
        {"end_date": TODAY().isoformat(), "reason": "x"},
        format="json",
    )
    assert response.status_code == 404


# --- placements ----------------------------------------------------------------------------


def test_record_and_end_a_placement_and_the_host_council_then_sees_the_child(
    api_a, api_b, sw_a, make_child
):
    child = make_child(sw_a)
    start = TODAY() - dt.timedelta(days=20)
    added = api_a.post(
        f"/api/v1/children/{child.pk}/placements",
        {
            "place_code": "U1",
            "start_date": start.isoformat(),
            "authority": "E10000016",
            "postcode": "me14 1xx",
        },
        format="json",
    )
    assert added.status_code == 201, added.json()
    assert added.json()["authority_code"] == "E10000016" and added.json()["postcode"] == "ME14 1XX"
    assert [r["id"] for r in api_b.get("/api/v1/children").json()["results"]] == [child.pk]
    overlapping = api_a.post(
        f"/api/v1/children/{child.pk}/placements",
        {
            "place_code": "U1",
            "start_date": (start + dt.timedelta(days=1)).isoformat(),
            "authority": "E09000008",
        },
        format="json",
    )
    assert (
        overlapping.status_code == 400 and "overlaps" in overlapping.json()["errors"][0]["message"]
    )
    placement_id = added.json()["id"]
    ended = api_a.post(
        f"/api/v1/children/{child.pk}/placements/{placement_id}/end",
        {"end_date": (TODAY() - dt.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert ended.status_code == 200
    again = api_a.post(
        f"/api/v1/children/{child.pk}/placements/{placement_id}/end",
        {"end_date": TODAY().isoformat()},
        format="json",
    )
    assert again.status_code == 409
    assert api_b.get("/api/v1/children").json()["count"] == 0


def test_other_councils_client_cannot_record_a_placement(api_b, client_b, sw_a, make_child):
    child = make_child(sw_a)
    response = api_b.post(
        f"/api/v1/children/{child.pk}/placements",
        {"place_code": "U1", "start_date": TODAY().isoformat(), "authority": "E10000016"},
        format="json",
    )
    assert response.status_code == 404 and not child.placements.exists()
    assert denied(client_b, object_id=str(child.pk))


def test_own_filter_leaves_out_children_placed_in_the_area(api_b, sw_a, sw_b, make_child):
    hosted = make_child(sw_a)
    sharing_actions.record_placement(
        as_viewer(sw_a),
        hosted,
        PlacementInput(
            place_code="U1",
            start_date=TODAY() - dt.timedelta(days=5),
            authority=Authority.objects.get(code="E10000016"),
        ),
    )
    own = make_child(sw_b)
    assert {r["id"] for r in api_b.get("/api/v1/children").json()["results"]} == {hosted.pk, own.pk}
    assert [r["id"] for r in api_b.get("/api/v1/children", {"own": "true"}).json()["results"]] == [
        own.pk
    ]
    assert api_b.get("/api/v1/children", {"own": "yes"}).status_code == 400


def test_a_guardian_services_client_sees_its_child_with_the_nrm_section(sw_a, make_child):
    from visible.agencies.models import Organisation, OrganisationKind

    service = Organisation.objects.create(
        name="Synthetic Guardianship Service", kind=OrganisationKind.GUARDIAN_SERVICE
    )
    child = make_child(sw_a)
    viewer = as_viewer(sw_a)
    actions.record_nrm_referral(
        viewer,
        child,
        NrmReferralInput(
            referred_on=TODAY() - dt.timedelta(days=10),
            first_responder="Croydon children's services",
            first_responder_kind="local_authority",
        ),
    )
    actions.assign_guardian(
        viewer,
        child,
        GuardianInput(
            kind="ictg",
            guardian_name="A. Guardian (synthetic)",
            service=service.name,
            organisation=service,
            start_date=TODAY() - dt.timedelta(days=5),
        ),
    )
    guardian = bearer(make_api_client(service, role=Role.GUARDIAN, name="Casework").secret)
    body = guardian.get(f"/api/v1/children/{child.pk}").json()
    assert body["access"] == "limited" and len(body["nrm_referrals"]) == 1
    assert "placements" not in body and "council_id" not in body
    assert (
        guardian.patch(
            f"/api/v1/children/{child.pk}", {"given_names": "X"}, format="json", HTTP_IF_MATCH="*"
        ).status_code
        == 403
    )


def test_a_body_that_is_not_json_is_415_and_malformed_json_400(api_a):
    response = api_a.post(
        "/api/v1/children", "given_names=Dawit", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415 and response.json()["status"] == 415
    response = api_a.post("/api/v1/children", '{"given_names": ', content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]


def test_photograph_for_whoever_may_open_the_record(api_a, api_b, client_b, sw_a, make_child):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    child = make_child(sw_a)
    assert api_a.get(f"/api/v1/children/{child.pk}/photo").status_code == 404  # none yet
    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), (30, 100, 180)).save(buffer, format="PNG")
    actions.set_photo(
        as_viewer(sw_a), child, ContentFile(buffer.getvalue(), name="synthetic.png"), TODAY()
    )
    response = api_a.get(f"/api/v1/children/{child.pk}/photo")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(
        action="view", purpose="photograph", object_id=str(child.pk)
    ).exists()
    assert api_a.get(f"/api/v1/children/{child.pk}").json()["has_photo"] is True
    assert api_b.get(f"/api/v1/children/{child.pk}/photo").status_code == 404
    assert denied(client_b, object_id=str(child.pk), purpose="photograph")
