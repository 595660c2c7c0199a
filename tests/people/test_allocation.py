"""A council child's allocated social worker and team: an audited change shown on the record and
in its history; the worker an active member of the child's council; "My children" and "My
team's children" as filters of the register's list, with links in the navigation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import as_viewer, create_child, make_user
from tests.security.signing_in import page_text
from visible.agencies.models import Role, Team
from visible.audit.models import AuditEvent
from visible.children import actions
from visible.children.models import Child
from visible.people import members

pytestmark = pytest.mark.django_db


@pytest.fixture
def uasc_team(council_a):
    return Team.objects.create(organisation=council_a, name="UASC team")


def test_allocating_is_audited_and_shown_on_the_record_and_in_its_history(
    client, sw_a, manager_a, uasc_team, fake
):
    child = create_child(sw_a, fake)
    version = child.version
    actions.allocate(as_viewer(manager_a), child, sw_a.pk, uasc_team, expected_version=version)
    child.refresh_from_db()
    assert child.allocated_worker == sw_a and child.allocated_team == uasc_team
    assert child.version == version + 1
    event = AuditEvent.objects.filter(child_id=child.pk, action="change").last()
    assert event.actor_username == "manager.a" and event.summary == "Allocated to Sw, UASC team"
    assert event.detail_data["changes"] == {
        "allocated_worker": [None, "Sw"],
        "allocated_team": [None, "UASC team"],
    }
    client.force_login(manager_a)
    record = page_text(client.get(reverse("web:child", args=[child.pk])))
    assert "Allocated social worker Sw" in record and "Allocated team UASC team" in record
    history = page_text(client.get(reverse("web:child-history", args=[child.pk])))
    assert "Allocated to Sw, UASC team" in history
    assert "Allocated social worker" in history and "Allocated team" in history


def test_the_worker_must_be_an_active_member_of_the_childs_council_in_a_register_role(
    sw_a, sw_b, admin_a, council_a, council_b, uasc_team, fake
):
    child = create_child(sw_a, fake)
    analyst = make_user("analyst.a", council_a, Role.ANALYST)
    leaver = make_user("leaver.a", council_a, Role.SOCIAL_WORKER)
    members.deactivate(as_viewer(admin_a), leaver.memberships.get())
    kent_team = Team.objects.create(organisation=council_b, name="Kent UASC")
    closed = Team.objects.create(organisation=council_a, name="Closed team", is_active=False)
    cases = [
        (sw_b.pk, None, "worker", "active member of"),
        (leaver.pk, None, "worker", "active member of"),
        (analyst.pk, None, "worker", "choose a social worker"),
        (None, kent_team, "team", "Choose one of"),
        (None, closed, "team", "is closed"),
    ]
    for worker, team, field, words in cases:
        with pytest.raises(ValidationError) as refused:
            actions.allocate(as_viewer(sw_a), child, worker, team)
        assert words in " ".join(refused.value.message_dict[field])
    child.refresh_from_db()
    assert child.allocated_worker is None and child.allocated_team is None
    assert not AuditEvent.objects.filter(child_id=child.pk, summary__startswith="Allocated")


def test_only_those_who_may_change_the_record_allocate(sw_a, sw_b, admin_a, uasc_team, fake):
    child = create_child(sw_a, fake)
    for who in (sw_b, admin_a):
        with pytest.raises(PermissionDenied):
            actions.allocate(as_viewer(who), child, sw_a.pk, uasc_team)
    assert Child.objects.get(pk=child.pk).allocated_worker is None


def test_a_stale_allocation_is_refused(sw_a, manager_a, uasc_team, fake):
    child = create_child(sw_a, fake)
    actions.allocate(as_viewer(sw_a), child, sw_a.pk, None)
    with pytest.raises(ValidationError, match="Someone else changed this record"):
        actions.allocate(
            as_viewer(manager_a), child, None, uasc_team, expected_version=child.version
        )


def test_my_children_and_my_teams_children(client, sw_a, coordinator_a, admin_a, uasc_team, fake):
    members.move_team(as_viewer(admin_a), sw_a.memberships.get(), uasc_team)
    mine = create_child(sw_a, fake, family_name="Minerva")
    teams = create_child(sw_a, fake, family_name="Teamson")
    neither = create_child(sw_a, fake, family_name="Otherly")
    actions.allocate(as_viewer(sw_a), mine, sw_a.pk, uasc_team)
    actions.allocate(as_viewer(sw_a), teams, coordinator_a.pk, uasc_team)
    client.force_login(sw_a)
    everything = page_text(client.get(reverse("web:children")))
    assert all(n in everything for n in ("MINERVA", "TEAMSON", "OTHERLY"))
    assert "My children" in everything and "My team's children" in everything  # navigation
    my = page_text(client.get(reverse("web:children") + "?allocated=me"))
    assert "MINERVA" in my and "TEAMSON" not in my and "OTHERLY" not in my
    assert "The children allocated to you" in my
    team = page_text(client.get(reverse("web:children") + "?team=mine"))
    assert "MINERVA" in team and "TEAMSON" in team and "OTHERLY" not in team
    assert "allocated to the UASC team" in team
    # Searching within My children keeps to them.
    searched = page_text(client.get(reverse("web:children") + "?allocated=me&q=Teamson"))
    assert "TEAMSON" not in searched
    listed = AuditEvent.objects.filter(action="list", object_type="child").last()
    assert listed.detail_data["filters"]["team_id"] == uasc_team.pk
    assert neither.pk not in listed.detail_data["shown"]
    # Without a team, "My team's children" says so and lists nobody.
    client.force_login(coordinator_a)
    no_team = page_text(client.get(reverse("web:children") + "?team=mine"))
    assert "You are not in a team" in no_team and "TEAMSON" not in no_team
    assert "My team's children" not in page_text(client.get(reverse("web:children")))


def test_the_allocation_page(client, sw_a, uasc_team, fake):
    child = create_child(sw_a, fake)
    client.force_login(sw_a)
    page = client.get(reverse("web:child-allocation", args=[child.pk]))
    assert "Allocated social worker and team" in page_text(page)
    done = client.post(
        reverse("web:child-allocation", args=[child.pk]),
        {"worker": sw_a.pk, "team": uasc_team.pk, "version": child.version},
        follow=True,
    )
    assert "The child's allocation has been saved" in page_text(done)
    assert Child.objects.get(pk=child.pk).allocated_team == uasc_team
    same = client.post(
        reverse("web:child-allocation", args=[child.pk]),
        {"worker": sw_a.pk, "team": uasc_team.pk, "version": child.version + 1},
    )
    assert "already the child's allocation" in page_text(same)
