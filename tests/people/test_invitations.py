"""Inviting someone (docs/provisioning.md, "People"): the email, the single-use, expiring link
whose token only the hash of is kept, the page that sets the password and leads to the second
factor, and every way a link or an invitation can be refused, each clear and changing nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import as_viewer, create_uasc_child, make_user
from tests.people.support import SITE, invite, last_link, link_in, operator, token_in
from tests.security.signing_in import page_text
from tests.security.totp import fresh_code
from visible.agencies.models import Membership, Role, Team
from visible.audit.models import AuditEvent
from visible.people import invitations, members
from visible.people.errors import Conflict
from visible.people.models import Invitation
from visible.security import second_factor
from visible.security.models import TotpDevice

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "a long enough synthetic passphrase"


def _counts():
    return (
        User.objects.count(),
        Membership.objects.count(),
        Invitation.objects.count(),
        AuditEvent.objects.filter(object_type="membership").count(),
        len(mail.outbox),
    )


def test_an_administrator_invites_by_email_and_only_the_tokens_hash_is_kept(
    admin_a, council_a, sw_a
):
    create_uasc_child(sw_a)  # a child of the council: never in the email
    team = Team.objects.create(organisation=council_a, name="UASC team")
    sent = invite(admin_a, council_a, " Jo.Bloggs@Croydon.example ", Role.SOCIAL_WORKER, team=team)

    [message] = mail.outbox
    assert message.to == ["jo.bloggs@croydon.example"]
    assert message.subject == f"You have been invited to Visible by {council_a.name}"
    assert f"for {council_a.name}, as Social worker in the UASC team" in message.body
    assert "Admin" in message.body  # who invited them
    assert "Your username is jo.bloggs@croydon.example" in message.body
    assert "Dawit" not in message.body and "Tekle" not in message.body
    token = token_in(message)
    assert len(token) >= 40
    stored = Invitation.objects.get()
    assert stored.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(Invitation.objects.values()))  # only its hash
    assert stored.expires_at - stored.created_at == dt.timedelta(days=7)
    membership = sent.invitation.membership
    assert not membership.is_active and membership.team == team
    user = membership.user
    assert user.username == "jo.bloggs@croydon.example" and not user.has_usable_password()
    event = AuditEvent.objects.get(object_type="membership", action="create")
    assert (
        event.actor_username == "admin.a" and "Invited jo.bloggs@croydon.example" in event.summary
    )


def test_the_links_lifetime_is_a_setting(admin_a, council_a, settings):
    settings.VISIBLE_INVITATION_DAYS = 2
    invite(admin_a, council_a, "short@croydon.example", Role.SOCIAL_WORKER)
    stored = Invitation.objects.get()
    assert stored.expires_at - stored.created_at == dt.timedelta(days=2)
    assert "(2 days)" in mail.outbox[0].body


def test_following_the_link_sets_the_password_then_the_second_factor_then_signs_in(
    client, admin_a, council_a
):
    invite(admin_a, council_a, "new.sw@croydon.example", Role.SOCIAL_WORKER)
    link = last_link()
    # Opening the link changes nothing (mail scanners open links too).
    for _ in range(2):
        page = client.get(link)
        assert page.status_code == 200
        assert "Set up your Visible account" in page_text(page)
        assert "new.sw@croydon.example" in page_text(page)
    assert Invitation.objects.get().accepted_at is None

    # Django's validators: too short, then too common; nothing changes.
    for weak, words in (("short", "too short"), ("password12345", "too common")):
        refused = client.post(link, {"password": weak, "password_again": weak})
        assert refused.status_code == 200 and words in page_text(refused)
    mismatch = client.post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"})
    assert "The two passwords are not the same" in page_text(mismatch)
    user = User.objects.get(username="new.sw@croydon.example")
    assert not user.has_usable_password() and Invitation.objects.get().accepted_at is None

    chose = client.post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert chose.status_code == 302 and chose["Location"] == reverse("web:second-factor-set-up")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user).is_active
    assert client.get(reverse("web:children")).status_code == 302  # not signed in yet

    set_up = client.get(reverse("web:second-factor-set-up"))
    assert "Set up your authenticator app" in page_text(set_up)
    device = TotpDevice.objects.get(user=user)
    done = client.post(
        reverse("web:second-factor-set-up"), {"code": second_factor.current_code(device.secret)}
    )
    assert done["Location"] == reverse("web:recovery-codes")
    codes = client.get(reverse("web:recovery-codes"))
    assert "Save your recovery codes" in page_text(codes)
    assert client.get(reverse("web:children")).status_code == 200  # signed in

    # The link works once.
    client.post(reverse("web:sign-out"))
    again = client.get(link)
    assert again.status_code == 410
    assert "This link has already been used" in page_text(again)
    accepted = AuditEvent.objects.filter(object_type="membership", summary__startswith="Accepted")
    assert accepted.get().actor_username == "new.sw@croydon.example"


def test_expired_withdrawn_replaced_and_unknown_links_each_say_what_to_do(
    client, admin_a, council_a
):
    sent = invite(admin_a, council_a, "late@croydon.example", Role.SOCIAL_WORKER)
    first = last_link()
    later = timezone.now() + dt.timedelta(days=8)
    assert invitations.open_link(token_in(mail.outbox[-1]), later).state == "expired"
    Invitation.objects.filter(pk=sent.invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    expired = client.get(first)
    assert expired.status_code == 410
    assert "This link has run out" in page_text(expired)
    assert admin_a.get_full_name() in page_text(expired)  # who to ask
    refused = client.post(first, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert refused.status_code == 410
    assert not User.objects.get(username="late@croydon.example").has_usable_password()

    membership = sent.invitation.membership
    invitations.resend(as_viewer(admin_a), membership, site_url=SITE)
    second = last_link()
    invitations.resend(as_viewer(admin_a), membership, site_url=SITE)
    replaced = client.get(second)
    assert replaced.status_code == 410 and "A newer invitation link" in page_text(replaced)

    invitations.withdraw(as_viewer(admin_a), membership)
    withdrawn = client.get(last_link())
    assert withdrawn.status_code == 410 and "The invitation was withdrawn" in page_text(withdrawn)

    before = AuditEvent.objects.filter(action="denied", object_type="invitation").count()
    unknown = client.get(reverse("web:invitation", args=["not-a-real-link"]))
    assert unknown.status_code == 404 and "Check that you copied the whole link" in page_text(
        unknown
    )
    assert (
        AuditEvent.objects.filter(action="denied", object_type="invitation").count() == before + 1
    )


def test_a_deactivated_persons_link_no_longer_works(client, admin_a, council_a):
    sent = invite(admin_a, council_a, "gone@croydon.example", Role.SOCIAL_WORKER)
    members.deactivate(as_viewer(admin_a), sent.invitation.membership)
    page = client.get(last_link())
    assert page.status_code == 410 and "has been ended" in page_text(page)


@pytest.mark.parametrize("state", ["active", "invited", "deactivated"])
def test_duplicate_emails_are_refused_saying_what_to_do_and_nothing_changes(
    admin_a, council_a, state
):
    if state == "active":
        existing = make_user("dup", council_a, Role.SOCIAL_WORKER)
        existing.email = "dup@croydon.example"
        existing.save()
        advice = "already has access"
    else:
        sent = invite(admin_a, council_a, "dup@croydon.example", Role.SOCIAL_WORKER)
        advice = "resend the invitation"
        if state == "deactivated":
            members.deactivate(as_viewer(admin_a), sent.invitation.membership)
            advice = "reactivate them instead"
    before = _counts()
    with pytest.raises(Conflict) as refused:
        invite(admin_a, council_a, "DUP@croydon.example", Role.MISSING_COORDINATOR)
    assert advice in str(refused.value.message_dict["email"])
    assert _counts() == before


def test_two_accounts_with_one_email_are_refused(admin_a, council_a, council_b):
    for name, org in (("one", council_a), ("two", council_b)):
        user = make_user(name, org, Role.SOCIAL_WORKER)
        user.email = "shared@example.gov.uk"
        user.save()
    before = _counts()
    with pytest.raises(Conflict, match="More than one account"):
        invite(admin_a, council_a, "shared@example.gov.uk", Role.ANALYST)
    assert _counts() == before


def test_an_administrator_cannot_invite_into_another_organisation(admin_a, council_b):
    before = _counts()
    with pytest.raises(PermissionDenied, match="only to .*ask its administrators"):
        invite(admin_a, council_b, "x@kent.example", Role.SOCIAL_WORKER)
    assert _counts() == before


def test_nobody_is_invited_to_a_deactivated_organisation(admin_a, council_a, council_b):
    council_b.is_active = False
    council_b.deactivated_at = timezone.now()
    council_b.save()
    before = _counts()
    with pytest.raises(Conflict, match="is deactivated"):
        invite(operator(), council_b, "x@kent.example", Role.ORGANISATION_ADMIN)
    assert _counts() == before


def test_bad_details_are_named_field_by_field(admin_a, council_a, council_b):
    other_team = Team.objects.create(organisation=council_b, name="Kent team")
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        invite(
            admin_a,
            council_a,
            "not an email",
            Role.POLICE_OFFICER,
            given_name=" ",
            team=other_team,
        )
    errors = refused.value.message_dict
    assert errors["email"] == [
        "Enter an email address in the correct format, like name@example.gov.uk"
    ]
    assert errors["given_name"] == ["Enter their first name"]
    assert "Choose a role" in errors["role"][0] and "Social worker" in errors["role"][0]
    assert errors["team"] == [f"Choose one of {council_a.name}'s own teams"]
    assert _counts() == before


def test_a_national_administrator_invites_an_organisations_administrator_anywhere(
    national_admin, council_b
):
    sent = invite(national_admin, council_b, "first.admin@kent.example", Role.ORGANISATION_ADMIN)
    assert sent.invitation.membership.organisation == council_b
    assert "National monitoring body" in mail.outbox[-1].body  # who invited them
    with pytest.raises(PermissionDenied):
        invite(national_admin, council_b, "worker@kent.example", Role.SOCIAL_WORKER)
    with pytest.raises(ValidationError, match="national administrator"):
        invite(
            make_user(
                "admin.nat", national_admin.memberships.get().organisation, Role.ORGANISATION_ADMIN
            ),
            national_admin.memberships.get().organisation,
            "another@national.example",
            Role.NATIONAL_ADMIN,
        )


def test_someone_with_an_account_signs_in_to_accept_and_keeps_both(client, admin_b, sw_a):
    from tests.security.signing_in import sign_in
    from tests.security.totp import give_authenticator

    sw_a.email = "sw.a@example.gov.uk"
    sw_a.save()
    give_authenticator(sw_a)
    council_b = admin_b.memberships.get().organisation
    invite(admin_b, council_b, "sw.a@example.gov.uk", Role.SOCIAL_WORKER)
    assert "You already have a Visible account" in mail.outbox[-1].body
    link = last_link()
    page = client.get(link)
    assert "Sign in to accept" in page_text(page)
    sign_in(client, sw_a, next_url=link)
    page = client.get(link)
    assert "Accept" in page_text(page)
    done = client.post(link)
    assert done.status_code == 302
    assert sw_a.memberships.filter(is_active=True).count() == 2
    home = client.get(reverse("web:children"), follow=True)
    assert f"Social worker, {council_b.name}" in page_text(home)  # acting for the new one
    assert "Switch organisation" in page_text(home)
    assert fresh_code(sw_a)  # still their authenticator


def test_a_link_for_someone_else_changes_nothing_for_whoever_is_signed_in(
    client, admin_a, council_a, sw_a
):
    invite(admin_a, council_a, "other@croydon.example", Role.SOCIAL_WORKER)
    client.force_login(sw_a)
    page = client.post(last_link(), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert page.status_code == 403 and "This invitation is for someone else" in page_text(page)
    assert not User.objects.get(username="other@croydon.example").has_usable_password()


def test_when_the_mail_server_refuses_nothing_is_saved(admin_a, council_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    before = _counts()
    with pytest.raises(ValidationError, match="could not be sent .*nothing was saved"):
        invite(admin_a, council_a, "unlucky@croydon.example", Role.SOCIAL_WORKER)
    assert _counts() == before


def test_the_link_in_an_email_sent_from_the_command_line_needs_the_site_address(
    council_a, settings
):
    settings.VISIBLE_BASE_URL = ""
    with pytest.raises(ValueError, match="VISIBLE_BASE_URL"):
        invitations.invite(
            operator(),
            council_a,
            invitations.InviteInput(
                email="x@croydon.example",
                given_name="X",
                family_name="Y",
                role=Role.ORGANISATION_ADMIN,
            ),
            site_url=settings.VISIBLE_BASE_URL,
        )
    assert not User.objects.filter(username="x@croydon.example").exists()


def test_two_acceptances_of_one_link_use_it_once(admin_a, council_a):
    invite(admin_a, council_a, "twice@croydon.example", Role.SOCIAL_WORKER)
    token = token_in(mail.outbox[-1])
    invitations.accept(token, password=NEW_PASSWORD)
    with pytest.raises(invitations.LinkUnusable) as used:
        invitations.accept(token, password=NEW_PASSWORD + " again")
    assert used.value.state == "accepted"
    assert User.objects.get(username="twice@croydon.example").check_password(NEW_PASSWORD)


def test_the_link_page_shows_the_organisation_and_role_only(client, admin_a, council_a, sw_a):
    create_uasc_child(sw_a)
    invite(admin_a, council_a, "page@croydon.example", Role.MISSING_COORDINATOR)
    text = page_text(client.get(last_link()))
    assert council_a.name in text and "Missing-children coordinator" in text
    assert "Tekle" not in text
    assert link_in(mail.outbox[-1]).startswith("/invitation/")
