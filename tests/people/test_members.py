"""Changing someone's access: role, team, deactivating a leaver (at once: their open session is
refused at the next click, the API clients they created are revoked), reactivating a returner;
never leaving an organisation without an active administrator. Each change audited with who
made it; each refusal changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import as_viewer, make_user
from tests.people.support import SITE, invite, operator
from tests.security.signing_in import page_text
from visible.agencies.models import Membership, Role, Team
from visible.api import tokens
from visible.audit.models import AuditEvent
from visible.people import members
from visible.people.errors import Conflict

pytestmark = pytest.mark.django_db


def _membership(user) -> Membership:
    return user.memberships.get()


def _events(membership) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="membership", object_id=str(membership.pk)).order_by(
            "seq"
        )
    )


def test_an_administrator_changes_a_role_and_a_team_and_each_is_audited(admin_a, sw_a, council_a):
    team = Team.objects.create(organisation=council_a, name="Out of hours")
    membership = _membership(sw_a)
    members.change_role(as_viewer(admin_a), membership, Role.MISSING_COORDINATOR)
    members.move_team(as_viewer(admin_a), membership, team)
    membership.refresh_from_db()
    assert membership.role == Role.MISSING_COORDINATOR and membership.team == team
    role_event, team_event = _events(membership)
    assert role_event.actor_username == "admin.a"
    assert role_event.detail_data["changes"] == {"role": ["social_worker", "missing_coordinator"]}
    assert "from Social worker to Missing-children coordinator" in role_event.summary
    assert team_event.summary == "Moved Sw (sw.a) from no team to Out of hours"


def test_only_the_organisations_own_administrators_change_its_people(admin_b, manager_a, sw_a):
    membership = _membership(sw_a)
    for who in (admin_b, manager_a):
        with pytest.raises(PermissionDenied):
            members.change_role(as_viewer(who), membership, Role.ANALYST)
        with pytest.raises(PermissionDenied):
            members.deactivate(as_viewer(who), membership)
    membership.refresh_from_db()
    assert membership.role == Role.SOCIAL_WORKER and membership.is_active
    assert _events(membership) == []


def test_a_role_the_organisation_does_not_have_or_a_closed_team_is_refused(
    admin_a, sw_a, council_a, council_b
):
    membership = _membership(sw_a)
    with pytest.raises(ValidationError, match="Choose a role"):
        members.change_role(as_viewer(admin_a), membership, Role.POLICE_OFFICER)
    closed = Team.objects.create(organisation=council_a, name="Old team", is_active=False)
    with pytest.raises(ValidationError, match="closed"):
        members.move_team(as_viewer(admin_a), membership, closed)
    theirs = Team.objects.create(organisation=council_b, name="Kent team")
    with pytest.raises(ValidationError, match="own teams"):
        members.move_team(as_viewer(admin_a), membership, theirs)
    membership.refresh_from_db()
    assert membership.role == Role.SOCIAL_WORKER and membership.team is None


def test_the_last_active_administrator_cannot_be_demoted_or_deactivated(admin_a, council_a):
    membership = _membership(admin_a)
    for change in (
        lambda: members.change_role(as_viewer(admin_a), membership, Role.SOCIAL_WORKER),
        lambda: members.deactivate(as_viewer(admin_a), membership),
        lambda: members.deactivate(operator(), membership),
    ):
        with pytest.raises(Conflict, match="last active administrator of .*someone else"):
            change()
    membership.refresh_from_db()
    assert membership.is_active and membership.role == Role.ORGANISATION_ADMIN
    assert _events(membership) == []
    # With a second administrator, the first may step down.
    make_user("admin.a2", council_a, Role.ORGANISATION_ADMIN)
    members.change_role(as_viewer(admin_a), membership, Role.SENIOR_MANAGER)
    assert Membership.objects.get(pk=membership.pk).role == Role.SENIOR_MANAGER


def test_a_deactivated_administrator_does_not_count_as_the_other_one(admin_a, council_a):
    other = make_user("admin.a2", council_a, Role.ORGANISATION_ADMIN)
    members.deactivate(as_viewer(admin_a), _membership(other))
    with pytest.raises(Conflict, match="last active administrator"):
        members.deactivate(as_viewer(admin_a), _membership(admin_a))


def test_a_leavers_open_session_is_refused_at_the_next_click(client, admin_a, coordinator_a):
    client.force_login(coordinator_a)
    assert client.get(reverse("web:children")).status_code == 200
    done = members.deactivate(as_viewer(admin_a), _membership(coordinator_a))
    assert done.account_closed
    coordinator_a.refresh_from_db()
    assert not coordinator_a.is_active
    refused = client.get(reverse("web:children"))
    assert refused.status_code == 302 and refused["Location"] == reverse("web:sign-in")
    sign_in = client.get(reverse("web:sign-in"))
    assert "your access to Visible has ended" in page_text(sign_in)
    assert client.get(reverse("web:children")).status_code == 302  # and stays out
    ended = AuditEvent.objects.filter(action="sign_out", actor_user_id=coordinator_a.pk).last()
    assert "their access had ended" in ended.summary
    deactivated = _events(_membership(coordinator_a))[-1]
    assert deactivated.action == "end" and deactivated.actor_username == "admin.a"
    # The password no longer signs in either.
    from tests.security.signing_in import password_step

    assert password_step(client, "coordinator.a").status_code == 200


def test_a_leavers_api_clients_are_revoked_with_their_access(admin_a, sw_a, council_a):
    theirs = tokens.create_client(
        council_a.name, Role.SOCIAL_WORKER, "Their script", by="sw.a", created_by=sw_a
    )
    someone_elses = tokens.create_client(
        council_a.name, Role.SOCIAL_WORKER, "Case system", by="cli:ops"
    )
    done = members.deactivate(as_viewer(admin_a), _membership(sw_a))
    assert done.also_ended == ["API client 'Their script'"]
    for made, works in ((theirs, False), (someone_elses, True)):
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {made.secret}")
        assert (http.get("/api/v1/children").status_code == 200) is works
    assert "also ended: API client 'Their script'" in _events(_membership(sw_a))[-1].summary


def test_someone_in_two_organisations_keeps_the_other(client, admin_b, sw_a, council_b):
    Membership.objects.create(user=sw_a, organisation=council_b, role=Role.SOCIAL_WORKER)
    client.force_login(sw_a)
    client.post(
        reverse("web:choose-organisation"), {"organisation": council_b.pk, "next": "/children/"}
    )
    done = members.deactivate(as_viewer(admin_b), sw_a.memberships.get(organisation=council_b))
    assert not done.account_closed
    # The session acted for council B: it ends; the account still signs in for council A.
    assert client.get(reverse("web:children"))["Location"] == reverse("web:sign-in")
    client.force_login(sw_a)
    assert client.get(reverse("web:children")).status_code == 200


def test_reactivating_a_returner_gives_back_the_role_and_team(client, admin_a, sw_a, council_a):
    team = Team.objects.create(organisation=council_a, name="UASC team")
    membership = _membership(sw_a)
    members.move_team(as_viewer(admin_a), membership, team)
    members.deactivate(as_viewer(admin_a), membership)
    with pytest.raises(Conflict, match="already deactivated"):
        members.deactivate(as_viewer(admin_a), membership)
    done = members.reactivate(as_viewer(admin_a), membership, site_url=SITE)
    assert done.sent is None
    membership.refresh_from_db()
    sw_a.refresh_from_db()
    assert membership.is_active and membership.deactivated_at is None and sw_a.is_active
    assert membership.team == team and membership.role == Role.SOCIAL_WORKER
    with pytest.raises(Conflict, match="already has access"):
        members.reactivate(as_viewer(admin_a), membership, site_url=SITE)
    client.force_login(sw_a)
    assert client.get(reverse("web:children")).status_code == 200


def test_reactivating_someone_who_never_accepted_sends_a_new_link(admin_a, council_a):
    from django.core import mail

    sent = invite(admin_a, council_a, "never@croydon.example", Role.SOCIAL_WORKER)
    members.deactivate(as_viewer(admin_a), sent.invitation.membership)
    done = members.reactivate(as_viewer(admin_a), sent.invitation.membership, site_url=SITE)
    assert done.sent is not None and len(mail.outbox) == 2
    assert not Membership.objects.get(pk=sent.invitation.membership.pk).is_active


def test_nobody_is_reactivated_in_a_deactivated_organisation(admin_a, sw_a, council_a):
    members.deactivate(as_viewer(admin_a), _membership(sw_a))
    council_a.is_active = False
    council_a.save()
    with pytest.raises(Conflict, match="is deactivated"):
        members.reactivate(operator(), _membership(sw_a), site_url=SITE)
    assert not _membership(sw_a).is_active


def test_a_client_handed_to_someone_on_the_command_line_ends_when_they_leave(
    capsys, admin_a, sw_a, council_a
):
    from visible.api.models import ApiClient
    from visible.cli import main

    code = main(
        [
            "api-client",
            "create",
            "--organisation",
            council_a.name,
            "--role",
            "organisation_admin",
            "--name",
            "Staff directory",
            "--for",
            "admin.a",
        ]
    )
    assert code == 0
    assert (
        main(
            [
                "api-client",
                "create",
                "--organisation",
                council_a.name,
                "--role",
                "analyst",
                "--name",
                "X",
                "--for",
                "nobody",
            ]
        )
        == 2
    )
    assert "is not an active member" in capsys.readouterr().err
    make_user("admin.a2", council_a, Role.ORGANISATION_ADMIN)
    members.deactivate(operator(), _membership(admin_a))
    client = ApiClient.objects.get(name="Staff directory")
    assert client.created_by == admin_a and client.revoked_at is not None
