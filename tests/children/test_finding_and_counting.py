"""Finding children (tolerant of spelling and transliteration), and counting them, only ever
within what the viewer may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from tests.factories import as_viewer
from visible.access import register as policy
from visible.access.opening import open_child
from visible.audit.models import AuditEvent
from visible.children import actions
from visible.children.inputs import PlacementInput
from visible.children.queries import ChildFilters, count_children, find_children
from visible.reference.models import Authority

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate  # read when used: a run can pass midnight


def names(result):
    return {c.full_name for c in result.children}


@pytest.fixture
def register(sw_a, make_child):
    viewer = as_viewer(sw_a)
    anh = make_child(
        sw_a,
        given_names="Van Anh",
        family_name="Nguyen",
        other_names=[("Nguyễn Văn Anh", "own_script")],
        council_id="CR-77",
        nationality="VNM",
    )
    hoa = make_child(
        sw_a, given_names="Thi Hoa", family_name="Nguyễn", nationality="VNM", sex="F", gender="girl"
    )
    mo = make_child(
        sw_a,
        given_names="Mohammed",
        family_name="Rahimi",
        nationality="AFG",
        home_office_ref="HO-123456",
    )
    actions.record_flag(viewer, anh, "uasc", TODAY() - dt.timedelta(days=100), "Asylum claim")
    actions.record_flag(
        viewer, anh, "trafficked_suspected", TODAY() - dt.timedelta(days=50), "Cannabis farm"
    )
    actions.record_flag(
        viewer, hoa, "trafficked_identified", TODAY() - dt.timedelta(days=400), "Positive CG"
    )
    old = actions.record_flag(
        viewer, mo, "separated", TODAY() - dt.timedelta(days=400), "Separated at Calais"
    )
    actions.end_flag(viewer, old, TODAY() - dt.timedelta(days=300), "Reunited with uncle")
    kent = Authority.objects.get(code="E10000016")
    actions.record_placement(
        viewer,
        mo,
        PlacementInput(
            place_code="K3",
            start_date=TODAY() - dt.timedelta(days=30),
            authority=kent,
            ofsted_urn="2654321",
        ),
    )
    return {"anh": anh, "hoa": hoa, "mo": mo}


@pytest.mark.parametrize("query", ["Nguyen", "nguyễn", "NGUYEN", "Ngyuen", "Nguyen Van", "van anh"])
def test_search_is_tolerant_of_accents_case_and_misspelling(sw_a, register, query):
    found = names(find_children(as_viewer(sw_a), ChildFilters(q=query)))
    assert "Van Anh Nguyen" in found


def test_search_by_identifier_and_by_alias(sw_a, register):
    viewer = as_viewer(sw_a)
    assert names(find_children(viewer, ChildFilters(q="cr-77"))) == {"Van Anh Nguyen"}
    assert names(find_children(viewer, ChildFilters(q="HO-123456"))) == {"Mohammed Rahimi"}
    assert "Mohammed Rahimi" in names(find_children(viewer, ChildFilters(q="Muhammad")))
    assert names(find_children(viewer, ChildFilters(q="Smith"))) == set()


def test_filters_narrow_the_list(sw_a, register):
    viewer = as_viewer(sw_a)
    assert names(find_children(viewer, ChildFilters(flag="uasc"))) == {"Van Anh Nguyen"}
    assert names(find_children(viewer, ChildFilters(flag="in_scope"))) == {
        "Van Anh Nguyen",
        "Thi Hoa Nguyễn",
    }
    assert names(find_children(viewer, ChildFilters(nationality="AFG"))) == {"Mohammed Rahimi"}
    assert names(find_children(viewer, ChildFilters(out_of_area="yes"))) == {"Mohammed Rahimi"}
    assert names(find_children(viewer, ChildFilters(place_code="K3"))) == {"Mohammed Rahimi"}
    assert names(find_children(viewer, ChildFilters(age_band="16_17"))) == {
        "Van Anh Nguyen",
        "Thi Hoa Nguyễn",
        "Mohammed Rahimi",
    }
    assert names(find_children(viewer, ChildFilters(age_band="under_10"))) == set()
    # An ended flag counts for a period it was in force, not today.
    assert names(find_children(viewer, ChildFilters(flag="separated"))) == set()
    period = ChildFilters(
        flag="separated", active_from=TODAY() - dt.timedelta(days=365), active_to=TODAY()
    )
    assert names(find_children(viewer, period)) == {"Mohammed Rahimi"}


def test_counts_match_the_children_their_links_show(manager_a, register):
    viewer = as_viewer(manager_a)
    start, end = TODAY() - dt.timedelta(days=365), TODAY()
    counts = count_children(viewer, start, end)
    by_flag = {kind: n for kind, _, n in counts.by_flag}
    assert (
        by_flag["uasc"] == 1 and by_flag["trafficked_identified"] == 1 and by_flag["separated"] == 1
    )
    assert counts.total_in_scope == 3
    for kind, _, n in counts.by_flag:
        listed = find_children(
            viewer,
            ChildFilters(flag=kind, active_from=start, active_to=end, own_only=True),
            audit=False,
        )
        assert listed.total == n, kind
    vietnam = dict((nat, row) for nat, row, _ in counts.by_nationality)["VNM"]
    assert vietnam == {"boy": 1, "girl": 1}
    assert AuditEvent.objects.filter(action="count", actor_username="manager.a").exists()


def test_a_social_worker_cannot_see_counts(sw_a):
    assert not policy.can_see_counts(as_viewer(sw_a))
    with pytest.raises(policy.PermissionDenied):
        count_children(as_viewer(sw_a), TODAY(), TODAY())


def test_another_council_cannot_open_find_or_count_a_child_and_the_attempt_is_audited(
    sw_b, manager_b, register
):
    anh = register["anh"]
    with pytest.raises(Http404):
        open_child(as_viewer(sw_b), anh.pk)
    denied = AuditEvent.objects.get(action="denied", actor_username="sw.b")
    assert denied.object_id == str(anh.pk)
    assert find_children(as_viewer(sw_b), ChildFilters(q="Nguyen")).total == 0
    search = AuditEvent.objects.filter(action="search", actor_username="sw.b").latest("seq")
    assert search.detail_data["total"] == 0 and search.detail_data["filters"] == {"q": "Nguyen"}
    assert (
        count_children(
            as_viewer(manager_b), TODAY() - dt.timedelta(days=365), TODAY()
        ).total_in_scope
        == 0
    )


def test_the_host_council_sees_a_child_placed_in_its_area_in_a_limited_view(sw_b, register):
    mo = register["mo"]
    child, access = open_child(as_viewer(sw_b), mo.pk)
    assert access == policy.Access.LIMITED
    assert not policy.can_edit(as_viewer(sw_b), child)
    assert names(find_children(as_viewer(sw_b), ChildFilters(q="Rahimi"))) == {"Mohammed Rahimi"}
    assert names(find_children(as_viewer(sw_b), ChildFilters(q="Rahimi", own_only=True))) == set()


def test_a_user_with_no_organisation_sees_nothing(db, register):
    from django.contrib.auth import get_user_model

    lone = get_user_model().objects.create_user("lone", password="x" * 12)
    assert find_children(as_viewer(lone), ChildFilters()).total == 0
