"""Every refusal is audited (docs/access.md, "Every refusal audited"): the four refusals the
security review found answering 404 or 403 with nothing in the audit log, and the central layer
that now records any refusal a page or the API makes without recording it itself, once, naming
the viewer, the route, what was asked for and why. The whole URLconf is tried in
tests/sharing/test_access_matrix.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import as_viewer, make_user, report_missing
from tests.sharing.refusals import comparable
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.children.models import ChildName
from visible.sharing import actions as sharing
from visible.sharing.models import BreakGlass
from visible.ssda903.models import ProblemReport

pytestmark = pytest.mark.django_db

REASON = "Found at Dover port at 02:00, needs the record now (synthetic)"


def _last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


def _denials_after(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="denied", seq__gt=seq).order_by("seq"))


def _one_denial(seq: int, user, route: str) -> AuditEvent:
    denied = _denials_after(seq)
    assert len(denied) == 1, [str(e) for e in denied]
    event = denied[0]
    assert event.actor_username == user.username
    assert event.detail_data.get("route") == route, event.detail_data
    assert event.summary
    return event


@pytest.fixture
def met(db):
    return Organisation.objects.get(name="Metropolitan Police Service")


def test_removing_another_councils_childs_name_is_not_found_and_audited(
    client, sw_a, sw_b, make_child
):
    own = make_child(sw_a)
    theirs = make_child(sw_b, other_names=[("A. Synthetic", "alias")])
    name = theirs.other_names.get()
    client.force_login(sw_a)
    before = _last_seq()
    response = client.post(reverse("web:name-remove", args=[own.pk, name.pk]))
    assert response.status_code == 404
    event = _one_denial(before, sw_a, "web:name-remove")
    assert (event.object_type, event.object_id) == ("childname", str(name.pk))
    assert ChildName.objects.filter(pk=name.pk).exists()


def test_ending_another_councils_share_is_not_found_and_audited(
    client, sw_a, sw_b, make_child, met
):
    own = make_child(sw_a)
    theirs = make_child(sw_b)
    share = sharing.share_grab_pack(as_viewer(sw_b), theirs, met)
    client.force_login(sw_a)
    before = _last_seq()
    assert client.post(reverse("web:share-end", args=[own.pk, share.pk])).status_code == 404
    event = _one_denial(before, sw_a, "web:share-end")
    assert (event.object_type, event.object_id) == ("grabpackshare", str(share.pk))
    share.refresh_from_db()
    assert share.ended_at is None


def test_reviewing_another_councils_break_glass_is_not_found_and_audited(
    client, manager_a, sw_a, sw_b, make_child
):
    own = make_child(sw_a)
    theirs = make_child(sw_b)
    glass = sharing.break_glass(as_viewer(sw_a), theirs, REASON)
    client.force_login(manager_a)
    before = _last_seq()
    assert (
        client.post(
            reverse("web:break-glass-review", args=[own.pk, glass.pk]), {"note": "Fine"}
        ).status_code
        == 404
    )
    event = _one_denial(before, manager_a, "web:break-glass-review")
    assert (event.object_type, event.object_id) == ("breakglass", str(glass.pk))
    assert BreakGlass.objects.get(pk=glass.pk).reviewed_at is None


def test_a_role_that_may_not_review_break_glass_is_refused_and_audited(
    client, sw_a, sw_b, make_child
):
    """The child's own council, but a social worker: 403 from sharing.actions, now audited."""
    own = make_child(sw_a)
    glass = sharing.break_glass(as_viewer(sw_b), own, REASON)
    client.force_login(sw_a)
    before = _last_seq()
    assert (
        client.post(
            reverse("web:break-glass-review", args=[own.pk, glass.pk]), {"note": "Fine"}
        ).status_code
        == 403
    )
    event = _one_denial(before, sw_a, "web:break-glass-review")
    assert event.object_id == str(glass.pk)
    assert "senior manager or coordinator" in event.summary


def test_another_councils_problems_csv_is_not_found_audited_and_looks_like_a_missing_one(
    client, manager_a, manager_b
):
    report_a = ProblemReport.objects.create(
        organisation=manager_a.memberships.get().organisation,
        created_by_name="manager.a",
        csv_text="file,row,problem\r\n",
    )
    client.force_login(manager_b)
    before = _last_seq()
    theirs = client.get(reverse("web:ssda903-problems", args=[report_a.pk]))
    assert theirs.status_code == 404
    event = _one_denial(before, manager_b, "web:ssda903-problems")
    assert (event.object_type, event.object_id) == ("problemreport", str(report_a.pk))
    before = _last_seq()
    missing = client.get(reverse("web:ssda903-problems", args=[report_a.pk + 1000]))
    assert (missing.status_code, comparable(missing)) == (theirs.status_code, comparable(theirs))
    assert _one_denial(before, manager_b, "web:ssda903-problems").object_id == str(
        report_a.pk + 1000
    )


# --- the central layer ---------------------------------------------------------------------


def test_a_denial_already_recorded_by_the_gate_is_not_recorded_twice_and_names_the_route(
    client, sw_a, sw_b, make_child
):
    theirs = make_child(sw_b)
    client.force_login(sw_a)
    before = _last_seq()
    assert client.get(reverse("web:child-edit", args=[theirs.pk])).status_code == 404
    event = _one_denial(before, sw_a, "web:child-edit")
    assert (event.object_type, event.object_id, event.child_id) == (
        "child",
        str(theirs.pk),
        theirs.pk,
    )
    assert event.detail_data["method"] == "GET"
    assert event.detail_data["path"] == reverse("web:child-edit", args=[theirs.pk])


def test_a_refusal_the_view_did_not_record_is_recorded_by_the_central_layer(
    client, sw_a, make_child
):
    """A child without a photograph: the view answers 404 itself, with nothing recorded; the
    layer records it, with the view's own words as the reason."""
    child = make_child(sw_a)
    client.force_login(sw_a)
    before = _last_seq()
    assert client.get(reverse("web:child-photo", args=[child.pk])).status_code == 404
    event = _one_denial(before, sw_a, "web:child-photo")
    assert (event.object_type, event.object_id) == ("child", str(child.pk))
    assert "No photograph" in event.summary and "404" in event.summary


def test_a_signed_in_user_without_an_organisation_is_refused_and_audited(client, django_user_model):
    loner = django_user_model.objects.create_user(
        username="no.org", password="synthetic-password-1"
    )
    client.force_login(loner)
    before = _last_seq()
    assert client.get(reverse("web:children")).status_code == 403
    _one_denial(before, loner, "web:children")


def test_an_unknown_address_is_not_a_refusal(client, sw_a):
    client.force_login(sw_a)
    before = _last_seq()
    assert client.get("/no-such-page/at-all").status_code == 404
    assert _denials_after(before) == []


def test_the_api_records_a_refusal_once_naming_the_route(sw_a, sw_b, make_child, met):
    from tests.factories import bearer, make_api_client

    own = make_child(sw_a)
    theirs = make_child(sw_b)
    register_flag = register.record_flag(
        as_viewer(sw_b), theirs, "uasc", theirs.looked_after_from, "Synthetic"
    )
    api = bearer(make_api_client(sw_a.memberships.get().organisation).secret)
    before = _last_seq()
    response = api.post(
        reverse("api:flag-end", args=[own.pk, register_flag.pk]),
        {"end_date": theirs.looked_after_from.isoformat(), "reason": "x"},
        format="json",
    )
    assert response.status_code == 404
    event = AuditEvent.objects.filter(action="denied", seq__gt=before).get()
    assert event.detail_data["route"] == "api:flag-end"
    assert (event.object_type, event.object_id) == ("flag", str(register_flag.pk))


def test_an_api_refusal_raised_without_a_record_is_recorded(sw_a, make_child):
    """A child with no photograph through the API: a 404 from the view, recorded centrally."""
    from tests.factories import bearer, make_api_client

    child = make_child(sw_a)
    api = bearer(make_api_client(sw_a.memberships.get().organisation).secret)
    before = _last_seq()
    assert api.get(reverse("api:child-photo", args=[child.pk])).status_code == 404
    event = AuditEvent.objects.filter(action="denied", seq__gt=before).get()
    assert event.detail_data["route"] == "api:child-photo"
    assert event.object_id == str(child.pk) and event.actor_username.startswith("api:")


def test_episode_routes_name_the_route_on_the_gates_event(client, sw_a, sw_b, make_child, met):
    theirs = make_child(sw_b)
    episode, _ = report_missing(sw_b, theirs, force=met)
    outsider = make_user(
        "officer.kent.r", Organisation.objects.get(name="Kent Police"), Role.POLICE_OFFICER
    )
    client.force_login(outsider)
    before = _last_seq()
    assert client.get(reverse("web:episode", args=[episode.pk])).status_code == 404
    event = _one_denial(before, outsider, "web:episode")
    assert (event.object_type, event.object_id) == ("episode", str(episode.pk))
