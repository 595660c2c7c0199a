"""A request body carrying a field the endpoint does not take is a 400 naming it, never a 200
that quietly ignored it: a field of the record that cannot be changed there (id, version, the
responsible organisation) says so; a field that does not exist is called unknown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import as_viewer, missing_episode
from visible.api.serializers import WriteInput
from visible.children import actions as register
from visible.children.inputs import PlacementInput
from visible.children.models import Child
from visible.sharing import actions as sharing_actions

TODAY = timezone.localdate


def _errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_patch_with_fields_that_cannot_be_changed_is_a_400_naming_them_and_saves_nothing(
    api_a, sw_a, council_b, make_child
):
    child = make_child(sw_a)
    etag = api_a.get(f"/api/v1/children/{child.pk}")["ETag"]
    response = api_a.patch(
        f"/api/v1/children/{child.pk}",
        {
            "preferred_name": "Dee",
            "responsible_organisation": {"id": council_b.pk},
            "version": 99,
            "id": 1,
        },
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 400
    errors = _errors(response)
    assert set(errors) == {"responsible_organisation", "version", "id"}
    assert all(
        message.startswith("Cannot be changed here: leave it out.") for message in errors.values()
    )
    assert "transfer" in errors["responsible_organisation"] and "If-Match" in errors["version"]
    saved = Child.objects.get(pk=child.pk)
    assert (saved.preferred_name, saved.version, saved.responsible_organisation_id) == (
        child.preferred_name,
        child.version,
        child.responsible_organisation_id,
    )


def test_a_misspelt_field_is_unknown_and_reported_with_the_other_mistakes(api_a, sw_a, make_child):
    child = make_child(sw_a)
    etag = api_a.get(f"/api/v1/children/{child.pk}")["ETag"]
    response = api_a.patch(
        f"/api/v1/children/{child.pk}",
        {"famly_name": "Tesfay", "date_of_birth": "27/03/2010"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 400
    errors = _errors(response)
    assert set(errors) == {"famly_name", "date_of_birth"}
    assert errors["famly_name"].startswith(
        "Unknown field. The fields you can send here are: child_903_id, council_id"
    )
    assert "family_name" in errors["famly_name"]


def test_a_nested_unknown_field_is_named_with_its_path(api_a, fake):
    from tests.factories import child_values

    body = {
        k: v.isoformat() if isinstance(v, dt.date) else v for k, v in child_values(fake).items()
    }
    body["other_names"] = [{"name": "Dawitt", "nickname": "D"}]
    response = api_a.post("/api/v1/children", body, format="json")
    assert response.status_code == 400
    assert set(_errors(response)) == {"other_names.0.nickname"}
    assert not Child.objects.exists()


def test_end_reason_is_sent_as_reason(api_a, sw_a, make_child):
    child = make_child(sw_a)
    flag = register.record_flag(as_viewer(sw_a), child, "cse", TODAY(), "Referral (synthetic)")
    response = api_a.post(
        f"/api/v1/children/{child.pk}/flags/{flag.pk}/end",
        {"end_date": TODAY().isoformat(), "end_reason": "Closed"},
        format="json",
    )
    assert response.status_code == 400
    assert _errors(response)["end_reason"] == "Send this as 'reason'"
    flag.refresh_from_db()
    assert flag.end_date is None


@pytest.fixture
def records(sw_a, council_a, make_child):
    """A child with a flag, a placement and an open episode: something for every write endpoint."""
    viewer = as_viewer(sw_a)
    child = make_child(sw_a)
    flag = register.record_flag(
        viewer, child, "uasc", TODAY() - dt.timedelta(days=5), "Arrived alone (synthetic)"
    )
    placement = sharing_actions.record_placement(
        viewer,
        child,
        PlacementInput(
            place_code="U1",
            start_date=TODAY() - dt.timedelta(days=30),
            authority=council_a.authority,
        ),
    )
    other = make_child(sw_a)
    episode = missing_episode(sw_a, other, hours_ago=2)
    return child, flag, placement, episode


@pytest.mark.parametrize(
    ("method", "path", "read_only"),
    [
        ("post", "/api/v1/children", "created_at"),
        ("patch", "/api/v1/children/{child}", "flags"),
        ("post", "/api/v1/children/{child}/flags", "recorded_by_name"),
        ("post", "/api/v1/children/{child}/flags/{flag}/end", "kind"),
        ("post", "/api/v1/children/{child}/placements", "authority_name"),
        ("post", "/api/v1/children/{child}/placements/{placement}/end", "place_code"),
        ("post", "/api/v1/children/{child}/episodes", "grade"),
        ("post", "/api/v1/episodes/{episode}/gradings", "floor"),
        ("post", "/api/v1/episodes/{episode}/log", "by_name"),
        ("post", "/api/v1/episodes/{episode}/police-report", "version"),
        ("post", "/api/v1/episodes/{episode}/return", "is_open"),
    ],
)
def test_every_write_endpoint_names_fields_it_does_not_take(
    api_a, records, method, path, read_only
):
    child, flag, placement, episode = records
    url = path.format(child=child.pk, flag=flag.pk, placement=placement.pk, episode=episode.pk)
    headers = {"HTTP_IF_MATCH": api_a.get(url)["ETag"]} if method == "patch" else {}
    response = getattr(api_a, method)(
        url, {"colour": "blue", read_only: "x"}, format="json", **headers
    )
    assert response.status_code == 400, response.json()
    errors = _errors(response)
    assert errors["colour"].startswith("Unknown field.")
    assert errors[read_only].startswith("Cannot be changed here")


def test_every_request_body_is_a_write_input_and_the_schema_says_it_is_closed(api_a):
    from visible.api import serializers

    inputs = [
        c
        for name, c in vars(serializers).items()
        if name.endswith("Input")
        and isinstance(c, type)
        and c not in (WriteInput, serializers.ChildCoreInput)
    ]  # bases, never a body themselves
    assert inputs and all(issubclass(c, WriteInput) for c in inputs)
    schemas = api_a.get("/api/v1/schema.json", HTTP_ACCEPT="application/json").json()["components"][
        "schemas"
    ]
    bodies = {name: schema for name, schema in schemas.items() if name.endswith("InputRequest")}
    assert len(bodies) == len(inputs)
    assert all(schema["additionalProperties"] is False for schema in bodies.values())
