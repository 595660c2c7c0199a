"""The people and teams pages, the choice of organisation, and what an administrator does not
see: through Django's test client (tests/e2e has the same in a real browser)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import as_viewer, create_uasc_child, make_user, report_missing
from tests.people.support import invite
from tests.security.signing_in import page_text
from visible.agencies.models import Membership, Role, Team
from visible.audit.log import record
from visible.audit.models import AuditAction, AuditEvent
from visible.people import members

pytestmark = pytest.mark.django_db


def _rows(response) -> list[str]:
    """Each person's row of the table, as text (the name first)."""
    html = response.content.decode().split("</tbody>")[0]
    return [
        page_text(type("R", (), {"content": ("<tr " + row).split("</tr>")[0].encode()})())
        .lstrip(">")
        .strip()
        for row in html.split('data-testid="person-row"')[1:]
    ]


def test_who_has_access_shows_each_person_with_what_they_last_did(
    client, admin_a, sw_a, coordinator_a, council_a
):
    team = Team.objects.create(organisation=council_a, name="UASC team")
    members.move_team(as_viewer(admin_a), sw_a.memberships.get(), team)
    sw_a.email = "sw.a@croydon.example"
    sw_a.last_login = timezone.now() - dt.timedelta(hours=2)
    sw_a.save()
    child = create_uasc_child(sw_a)  # audited as sw.a's last action
    invite(admin_a, council_a, "new@croydon.example", Role.ANALYST)
    members.deactivate(as_viewer(admin_a), coordinator_a.memberships.get())
    client.force_login(admin_a)
    page = client.get(reverse("web:people"))
    assert page.status_code == 200
    text = page_text(page)
    assert "People" in text and council_a.name in text
    rows = {row.split(" ")[0]: row for row in _rows(page)}
    sw = rows["Sw"]
    assert "sw.a@croydon.example" in sw and "Social worker" in sw and "UASC team" in sw
    assert "Active" in sw
    assert "Created: a child's record" in sw or "Created: a child's flag" in sw
    assert child.family_name not in text  # what they did, never which child
    assert "Deactivated" in rows["Coordinator"]
    assert "Invited" in rows["Sam"] and "Never" in rows["Sam"]
    # Filter by status.
    invited = client.get(reverse("web:people") + "?status=invited")
    assert [r.split(" ")[0] for r in _rows(invited)] == ["Sam"]
    listed = AuditEvent.objects.filter(action="list", object_type="membership").last()
    assert listed.actor_username == "admin.a"


def test_the_page_costs_the_same_few_queries_for_4_people_or_58(client, admin_a, council_a):
    def queries_for_page() -> int:
        client.force_login(admin_a)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("web:people")).status_code == 200
        return len(captured)

    for n in range(2):
        user = make_user(f"p{n}", council_a, Role.SOCIAL_WORKER)
        record(as_viewer(user), AuditAction.VIEW, object_type="child", summary="x")
    invite(admin_a, council_a, "invited@croydon.example", Role.SOCIAL_WORKER)
    few = queries_for_page()
    for n in range(2, 30):
        user = make_user(f"p{n}", council_a, Role.SOCIAL_WORKER)
        record(as_viewer(user), AuditAction.VIEW, object_type="child", summary="x")
        invite(admin_a, council_a, f"invited{n}@croydon.example", Role.SOCIAL_WORKER)
    many = queries_for_page()
    assert many == few, f"{few} queries for 4 people, {many} for 58"


def test_only_administrators_reach_the_people_pages(client, sw_a, manager_a, admin_b):
    for who in (sw_a, manager_a):
        client.force_login(who)
        before = AuditEvent.objects.filter(action="denied").count()
        response = client.get(reverse("web:people"))
        assert response.status_code == 403
        assert "Only your organisation's Visible administrators" in page_text(response)
        assert AuditEvent.objects.filter(action="denied").count() == before + 1
    client.force_login(admin_b)
    theirs = sw_a.memberships.get().pk
    for name in ("web:person", "web:person-role", "web:person-team", "web:person-deactivate"):
        assert client.get(reverse(name, args=[theirs])).status_code == 404
        assert client.get(reverse(name, args=[theirs + 10_000])).status_code == 404
    assert client.post(reverse("web:person-deactivate", args=[theirs])).status_code == 404
    assert sw_a.memberships.get().is_active


def test_an_administrator_sees_people_and_never_a_child(client, admin_a, sw_a, council_a):
    from tests.factories import record_placement

    child = create_uasc_child(sw_a)
    record_placement(sw_a, child, council_a.authority.code, timezone.localdate())
    report_missing(sw_a, child)
    client.force_login(admin_a)
    home = client.get(reverse("web:home"))
    assert home["Location"] == reverse("web:people")
    nav = page_text(client.get(reverse("web:people")))
    assert "Teams" in nav and "Missing now" not in nav and "Alerts" not in nav
    for name in ("web:children", "web:missing-now", "web:alerts"):
        response = client.get(reverse(name))
        assert "Tekle" not in page_text(response), name
    assert client.get(reverse("web:child", args=[child.pk])).status_code == 404
    assert client.get(reverse("web:child-history", args=[child.pk])).status_code == 404


def test_inviting_through_the_page(client, admin_a, council_a):
    from django.core import mail

    team = Team.objects.create(organisation=council_a, name="UASC team")
    client.force_login(admin_a)
    form = client.get(reverse("web:people-invite"))
    assert "Missing-children coordinator" in page_text(form)
    assert "Police missing-persons officer" not in page_text(form)
    values = {
        "email": "jo@croydon.example",
        "given_name": "Jo",
        "family_name": "Bloggs",
        "role": Role.SOCIAL_WORKER,
        "team": team.pk,
    }
    done = client.post(reverse("web:people-invite"), values, follow=True)
    assert "Invitation sent to jo@croydon.example" in page_text(done)
    assert "Invited" in page_text(done) and "UASC team" in page_text(done)
    assert len(mail.outbox) == 1
    again = client.post(reverse("web:people-invite"), values)
    assert again.status_code == 200
    assert "There is a problem" in page_text(again)
    assert "resend the invitation" in page_text(again)
    assert len(mail.outbox) == 1


def test_deactivating_through_the_page_asks_first_and_refuses_the_last_administrator(
    client, admin_a, sw_a
):
    client.force_login(admin_a)
    theirs = sw_a.memberships.get().pk
    confirm = client.get(reverse("web:person-deactivate", args=[theirs]))
    assert "signed out at their next click" in page_text(confirm)
    assert sw_a.memberships.get().is_active
    done = client.post(reverse("web:person-deactivate", args=[theirs]), follow=True)
    assert "has been deactivated" in page_text(done)
    assert "Reactivate" in page_text(done)
    history = page_text(done)
    assert "Deactivated Sw (sw.a)" in history and "Admin" in history  # who did it, by name
    mine = admin_a.memberships.get().pk
    refused = client.post(reverse("web:person-deactivate", args=[mine]))
    assert refused.status_code == 409
    assert "last active administrator" in page_text(refused)
    assert admin_a.memberships.get().is_active
    back = client.post(reverse("web:person-reactivate", args=[theirs]), follow=True)
    assert "has access again" in page_text(back)


def test_resending_and_withdrawing_an_invitation_through_the_page(client, admin_a, council_a):
    sent = invite(admin_a, council_a, "resend@croydon.example", Role.SOCIAL_WORKER)
    pk = sent.invitation.membership.pk
    client.force_login(admin_a)
    page = page_text(client.get(reverse("web:person", args=[pk])))
    assert "Send a new invitation link" in page and "Withdraw the invitation" in page
    resent = client.post(reverse("web:person-resend", args=[pk]), follow=True)
    assert "A new invitation link has been sent" in page_text(resent)
    withdrawn = client.post(reverse("web:person-withdraw", args=[pk]), follow=True)
    assert "has been withdrawn" in page_text(withdrawn)
    assert "Invitation withdrawn" in page_text(withdrawn)
    again = client.post(reverse("web:person-withdraw", args=[pk]))
    assert again.status_code == 409 and "no invitation link that still works" in page_text(again)


def test_teams_are_created_renamed_closed_and_reopened(client, admin_a, sw_a, council_a):
    client.force_login(admin_a)
    made = client.post(reverse("web:teams"), {"name": "  UASC   team "}, follow=True)
    assert "The UASC team team has been created" in page_text(made)
    team = Team.objects.get(organisation=council_a)
    assert team.name == "UASC team"
    duplicate = client.post(reverse("web:teams"), {"name": "uasc TEAM"})
    assert duplicate.status_code == 400 and "already has a team called UASC team" in page_text(
        duplicate
    )
    renamed = client.post(reverse("web:team-rename", args=[team.pk]), {"name": "UASC"}, follow=True)
    assert "The team is now called UASC" in page_text(renamed)
    members.move_team(as_viewer(admin_a), sw_a.memberships.get(), Team.objects.get(pk=team.pk))
    refused = client.post(reverse("web:team-close", args=[team.pk]))
    assert refused.status_code == 409
    assert "1 person is still in the UASC team" in page_text(refused)
    assert Team.objects.get(pk=team.pk).is_active
    members.move_team(as_viewer(admin_a), sw_a.memberships.get(), None)
    child = create_uasc_child(sw_a)
    from visible.children import actions

    actions.allocate(as_viewer(sw_a), child, sw_a.pk, Team.objects.get(pk=team.pk))
    closed = client.post(reverse("web:team-close", args=[team.pk]), follow=True)
    assert "1 child is still allocated to it" in page_text(closed)
    assert not Team.objects.get(pk=team.pk).is_active
    reopened = client.post(reverse("web:team-reopen", args=[team.pk]), follow=True)
    assert "is open again" in page_text(reopened)
    assert [e.action for e in AuditEvent.objects.filter(object_type="team")] == [
        "create",
        "change",
        "end",
        "change",
    ]


def test_a_person_in_two_organisations_chooses_and_the_choice_is_followed_and_audited(
    client, sw_a, council_a, council_b, fake
):
    from tests.factories import create_child, make_council

    other = make_user("sw.b.world", council_b, Role.SOCIAL_WORKER)
    kent_child = create_child(other, fake, family_name="Kentish")
    croydon_child = create_child(sw_a, fake, family_name="Croydonian")
    Membership.objects.create(user=sw_a, organisation=council_b, role=Role.MISSING_COORDINATOR)
    # A third membership, no longer active, and one of a deactivated organisation: never offered.
    third = make_council("E09000001")
    Membership.objects.create(
        user=sw_a, organisation=third, role=Role.SOCIAL_WORKER, is_active=False
    )
    closed = make_council("E09000002")
    closed.is_active = False
    closed.save()
    Membership.objects.create(user=sw_a, organisation=closed, role=Role.SOCIAL_WORKER)
    client.force_login(sw_a)
    asked = client.get(reverse("web:children"))
    assert asked.status_code == 302 and asked["Location"].startswith(
        reverse("web:choose-organisation")
    )
    choice = page_text(client.get(asked["Location"]))
    assert council_a.name in choice and council_b.name in choice
    assert third.name not in choice and closed.name not in choice
    chosen = client.post(
        reverse("web:choose-organisation"),
        {"organisation": council_b.pk, "next": reverse("web:children")},
        follow=True,
    )
    text = page_text(chosen)
    assert f"You are working for {council_b.name}" in text
    assert "KENTISH" in text and "CROYDONIAN" not in text
    assert "Switch organisation" in text
    event = AuditEvent.objects.get(object_type="session")
    assert event.organisation_name == council_b.name and event.role == Role.MISSING_COORDINATOR
    listed = AuditEvent.objects.filter(action="list", object_type="child").last()
    assert listed.organisation_name == council_b.name  # what they do is done for B
    refused = client.post(reverse("web:choose-organisation"), {"organisation": third.pk})
    assert "Choose one of the answers given" in page_text(refused)
    client.post(reverse("web:choose-organisation"), {"organisation": council_a.pk})
    assert "CROYDONIAN" in page_text(client.get(reverse("web:children")))
    assert kent_child.pk != croydon_child.pk


def test_a_national_administrator_invites_an_organisations_first_administrator(
    client, national_admin, council_b
):
    from django.core import mail

    client.force_login(national_admin)
    page = client.get(reverse("web:invite-administrator") + f"?organisation={council_b.pk}")
    assert page.status_code == 200
    done = client.post(
        reverse("web:invite-administrator"),
        {
            "organisation": council_b.pk,
            "email": "first@kent.example",
            "given_name": "First",
            "family_name": "Admin",
        },
        follow=True,
    )
    text = page_text(done)
    assert f"as an administrator of {council_b.name}" in text
    assert "first@kent.example" in text  # in the list of administrators not yet in
    assert len(mail.outbox) == 1
    pending = Membership.objects.get(user__username="first@kent.example")
    assert pending.role == Role.ORGANISATION_ADMIN and pending.organisation == council_b
    resent = client.post(reverse("web:person-resend", args=[pending.pk]))
    assert resent.status_code == 302 and len(mail.outbox) == 2


def test_other_roles_cannot_invite_other_organisations_administrators(client, admin_a):
    client.force_login(admin_a)
    assert client.get(reverse("web:invite-administrator")).status_code == 403
