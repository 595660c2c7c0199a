"""A search confirms nothing the searcher could not read on the record (docs/access.md): a
host council, the police force a child is missing to (officer and SPOC) and the child's
guardian service see a limited view, without the child's identifiers or other names, so
searching one of those finds nothing and never says an identifier matched, on the web list or
through the API. The child's own council still finds the child by any of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import as_viewer, bearer, make_api_client, report_missing
from visible.access import register as policy
from visible.agencies.models import Role
from visible.children import actions as register
from visible.children import queries
from visible.children.inputs import GuardianInput, PlacementInput
from visible.reference.models import Authority
from visible.sharing import actions as sharing_actions

pytestmark = pytest.mark.django_db

HOME_OFFICE = "T1234567"
COUNCIL_ID = "CR-SYN-0042"
CHILD_903 = "SYN903A"
POLICE_REF = "MPS-SYN-77"
NRM = "NRM-SYN-555"
ALIAS = "Yonas Okbazghi"  # synthetic alias, not the name the record is under
SECRETS = [
    HOME_OFFICE,
    HOME_OFFICE.lower(),
    COUNCIL_ID,
    CHILD_903,
    POLICE_REF,
    NRM,
    ALIAS,
    "Okbazghi",
    "Okbaz",
]


@pytest.fixture
def seen_by_all(sw_a, make_child, guardian_service, met):
    """Council A's child, placed in Kent, reported missing to the Met, with a guardian."""
    today = timezone.localdate()
    child = make_child(
        sw_a,
        given_names="Dawit",
        family_name="Tekle",
        nationality="ERI",
        home_office_ref=HOME_OFFICE,
        council_id=COUNCIL_ID,
        child_903_id=CHILD_903,
        police_ref=POLICE_REF,
        nrm_ref=NRM,
        other_names=[(ALIAS, "alias")],
    )
    viewer = as_viewer(sw_a)
    register.record_flag(
        viewer, child, "uasc", today - dt.timedelta(days=100), "Asylum claim (synthetic)"
    )
    sharing_actions.record_placement(
        viewer,
        child,
        PlacementInput(
            place_code="U1",
            start_date=today - dt.timedelta(days=30),
            authority=Authority.objects.get(code="E10000016"),
            postcode="ME14 1XX",
        ),
    )
    register.assign_guardian(
        viewer,
        child,
        GuardianInput(
            kind="ictg",
            guardian_name="A. Guardian (synthetic)",
            service=guardian_service.name,
            organisation=guardian_service,
            start_date=today - dt.timedelta(days=5),
        ),
    )
    report_missing(sw_a, child, force=met)
    return child


@pytest.fixture
def limited_viewers(sw_b, officer, spoc, guardian):
    return {
        "host council": sw_b,
        "police officer": officer,
        "trafficking SPOC": spoc,
        "guardian service": guardian,
    }


def test_each_limited_viewer_finds_the_child_by_name_but_not_by_what_their_view_does_not_show(
    seen_by_all, limited_viewers
):
    for who, user in limited_viewers.items():
        viewer = as_viewer(user)
        assert policy.access_to(viewer, seen_by_all) == policy.Access.LIMITED, who
        found = queries.find_children(viewer, queries.ChildFilters(q="Dawit Tekle"))
        assert [c.pk for c in found.children] == [seen_by_all.pk], who
        for secret in SECRETS:
            result = queries.find_children(viewer, queries.ChildFilters(q=secret))
            assert (result.total, result.matched_identifier) == (0, False), (who, secret)


def test_the_web_list_does_not_confirm_an_identifier_or_alias_to_a_limited_viewer(
    client, seen_by_all, limited_viewers
):
    for who, user in limited_viewers.items():
        client.force_login(user)
        page = client.get(reverse("web:children"), {"q": "Tekle"}).content.decode()
        assert reverse("web:child", args=[seen_by_all.pk]) in page, who
        for secret in SECRETS:
            page = client.get(reverse("web:children"), {"q": secret}).content.decode()
            assert reverse("web:child", args=[seen_by_all.pk]) not in page, (who, secret)
            assert "No children match" in page, (who, secret)


def test_the_api_does_not_confirm_an_identifier_or_alias_to_a_limited_viewer(
    seen_by_all, council_b, met, guardian_service
):
    clients = {
        "host council": make_api_client(council_b, Role.SOCIAL_WORKER),
        "police officer": make_api_client(
            met, Role.POLICE_OFFICER, name="Force missing persons system"
        ),
        "trafficking SPOC": make_api_client(met, Role.TRAFFICKING_SPOC, name="SPOC casework"),
        "guardian service": make_api_client(
            guardian_service, Role.GUARDIAN, name="Guardian casework"
        ),
    }
    for who, api_client in clients.items():
        api = bearer(api_client.secret)
        by_name = api.get("/api/v1/children", {"q": "Tekle"}).json()
        assert [r["id"] for r in by_name["results"]] == [seen_by_all.pk], who
        for secret in SECRETS:
            body = api.get("/api/v1/children", {"q": secret}).json()
            assert (body["count"], body["matched_identifier"], body["results"]) == (0, False, []), (
                who,
                secret,
            )


def test_the_childs_own_council_and_a_break_glass_reader_still_find_the_child_by_each(
    api_client_a_fixture, sw_b, seen_by_all
):
    api = bearer(api_client_a_fixture.secret)
    for secret in (HOME_OFFICE, COUNCIL_ID, CHILD_903, POLICE_REF, NRM):
        body = api.get("/api/v1/children", {"q": secret}).json()
        assert ([r["id"] for r in body["results"]], body["matched_identifier"]) == (
            [seen_by_all.pk],
            True,
        ), secret
    assert [r["id"] for r in api.get("/api/v1/children", {"q": "Okbazghi"}).json()["results"]] == [
        seen_by_all.pk
    ]
    # Break-glass shows the whole record, so the search may match all of it.
    from visible.sharing import actions as sharing

    sharing.break_glass(
        as_viewer(sw_b), seen_by_all, "Found at Dover port at 02:00, says he lives in Croydon"
    )
    result = queries.find_children(as_viewer(sw_b), queries.ChildFilters(q=HOME_OFFICE))
    assert ([c.pk for c in result.children], result.matched_identifier) == ([seen_by_all.pk], True)
    result = queries.find_children(as_viewer(sw_b), queries.ChildFilters(q="Okbazghi"))
    assert [c.pk for c in result.children] == [seen_by_all.pk]


@pytest.fixture
def api_client_a_fixture(council_a):
    return make_api_client(council_a)


def test_what_a_search_may_match_follows_the_sections_a_grant_shows():
    assert policy.searchable(policy.Grant(policy.Access.FULL, "responsible")) == policy.Searchable(
        policy.IDENTIFIER_FIELDS, True
    )
    assert (
        policy.searchable(policy.Grant(policy.Access.READ, "break_glass")).identifiers
        == policy.IDENTIFIER_FIELDS
    )
    for basis in ("host", "police_missing", "spoc", "guardian"):
        assert policy.searchable(policy.Grant(policy.Access.LIMITED, basis)) == policy.Searchable(
            (), False
        ), basis
