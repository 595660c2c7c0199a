"""Signing in with the organisation's own identity provider, end to end through Visible's pages
and the tests' OpenID Connect provider (tests/sso/provider.py): the happy path, the provider's
MFA standing in only when its administrator says so, and every refusal refused and audited."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.factories import as_viewer, make_council
from tests.security.signing_in import is_signed_in, page_text
from tests.security.totp import fresh_code, give_authenticator
from tests.sso.journey import (
    OFFICE,
    come_back,
    kent_admin,
    member,
    provider_get,
    set_up_provider,
    sign_in_through,
    start,
)
from visible.agencies.models import Membership, Role
from visible.audit.models import AuditEvent
from visible.security.models import KnownAddress
from visible.sso import actions
from visible.sso.models import LinkedIdentity

pytestmark = pytest.mark.django_db

KENT_EMAIL = "sam.okafor@kent.gov.uk"  # synthetic


@pytest.fixture
def kent(council_b):
    return council_b  # Kent County Council's children's services


@pytest.fixture
def admin(kent):
    return kent_admin(kent)


@pytest.fixture
def worker(kent):
    return member("sw.kent", kent, KENT_EMAIL)


def failures() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="sign_in_failed").order_by("seq"))


def sign_ins() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="sign_in").order_by("seq"))


# --- the happy paths -----------------------------------------------------------------------


def test_a_councils_worker_signs_in_through_the_provider_then_enters_visibles_code(
    client, oidc, admin, worker
):
    set_up_provider(admin, oidc)
    give_authenticator(worker)
    oidc.sign_in_as(KENT_EMAIL)
    answer = sign_in_through(client, oidc, KENT_EMAIL, next_url="/children/")
    assert answer.status_code == 302 and answer["Location"] == reverse("web:second-factor")
    assert not is_signed_in(client)  # the provider's sign-in alone is not enough
    done = client.post(
        reverse("web:second-factor"), {"code": fresh_code(worker)}, REMOTE_ADDR=OFFICE
    )
    assert done.status_code == 302 and done["Location"] == "/children/"
    assert is_signed_in(client)
    [event] = sign_ins()
    assert event.actor_username == "sw.kent"
    assert (
        event.summary
        == f"Signed in with {worker.memberships.get().organisation.name}'s identity provider"
    )
    assert event.detail_data["second_factor"] == "Visible's own code"
    assert event.detail_data["via"] == "single sign-on"
    # What Visible sent: the code flow with PKCE (S256), a state and a nonce, the email as a hint.
    [asked] = oidc.authorize_requests
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32
    assert asked["login_hint"] == KENT_EMAIL
    [swapped] = oidc.token_requests
    assert swapped["method"] == "client_secret_basic"
    assert 43 <= len(swapped["form"]["code_verifier"]) <= 128
    assert LinkedIdentity.objects.get(user=worker).subject == oidc.person.subject


def test_someone_with_no_authenticator_yet_sets_one_up_after_the_provider(
    client, oidc, admin, worker
):
    set_up_provider(admin, oidc)
    oidc.sign_in_as(KENT_EMAIL)
    answer = sign_in_through(client, oidc, KENT_EMAIL)
    assert answer["Location"] == reverse("web:second-factor-set-up")
    assert not is_signed_in(client)


def test_the_providers_mfa_stands_in_only_when_the_administrator_says_it_enforces_it(
    client, oidc, admin, worker
):
    set_up_provider(admin, oidc, enforces_mfa=True)
    oidc.sign_in_as(KENT_EMAIL)
    answer = sign_in_through(client, oidc, KENT_EMAIL, next_url="/children/")
    assert answer.status_code == 302 and answer["Location"] == "/children/"
    assert is_signed_in(client)
    [event] = sign_ins()
    assert event.detail_data["amr"] == ["pwd", "mfa"]
    assert event.detail_data["acr"] == "urn:test:loa:2"
    assert "enforces MFA" in event.detail_data["second_factor"]
    # Signing in completed here, as after a code: the address is one the account has used.
    assert KnownAddress.objects.filter(user=worker, ip_address=OFFICE).exists()

    # The administrator takes it back: the next sign-in asks for Visible's code again.
    client.post(reverse("web:sign-out"))
    provider = actions.provider_of(admin.memberships.get().organisation)
    values = actions.ProviderInput(
        issuer=provider.issuer,
        client_id=provider.client_id,
        email_domains=tuple(provider.domain_names),
        enforces_mfa=False,
    )
    actions.configure(as_viewer(admin), provider.organisation, values, timezone.now())
    again = sign_in_through(client, oidc, KENT_EMAIL)
    assert again["Location"] == reverse("web:second-factor-set-up")
    assert not is_signed_in(client)


def test_the_email_is_matched_whatever_its_case(client, oidc, admin, kent):
    user = member("jo.kent", kent, "Jo.Bennett@Kent.gov.uk")
    set_up_provider(admin, oidc, enforces_mfa=True)
    oidc.sign_in_as("jo.bennett@kent.gov.uk")
    sign_in_through(client, oidc, "jo.bennett@kent.gov.uk")
    assert is_signed_in(client)
    assert sign_ins()[0].actor_user_id == user.pk


def test_the_token_endpoint_is_called_with_client_secret_post_when_that_is_all_it_takes(
    client, oidc, admin, worker
):
    oidc.auth_method = "client_secret_post"
    set_up_provider(admin, oidc, enforces_mfa=True)
    oidc.sign_in_as(KENT_EMAIL)
    sign_in_through(client, oidc, KENT_EMAIL)
    assert is_signed_in(client)
    assert oidc.token_requests[0]["method"] == "client_secret_post"


# --- refusals: the token -------------------------------------------------------------------

TOKEN_REFUSALS = [
    ("wrong_issuer", "wrong_issuer"),
    ("wrong_audience", "wrong_audience"),
    ("expired", "expired_token"),
    ("unverified_email", "unverified_email"),
    ("different_nonce", "nonce_mismatch"),
    ("bad_signature", "bad_signature"),
    ("unknown_key", "unknown_key"),
]


@pytest.mark.parametrize("misbehaviour,reason", TOKEN_REFUSALS)
def test_a_bad_id_token_is_refused_and_audited(client, oidc, admin, worker, misbehaviour, reason):
    provider = set_up_provider(admin, oidc, enforces_mfa=True)
    oidc.sign_in_as(KENT_EMAIL)
    oidc.misbehave = misbehaviour
    answer = sign_in_through(client, oidc, KENT_EMAIL)
    assert answer.status_code == 403
    assert "Visible could not confirm who you are" in page_text(answer)
    assert not is_signed_in(client)
    assert sign_ins() == []
    [event] = failures()
    assert event.detail_data["reason"] == reason
    assert event.detail_data["issuer"] == oidc.issuer
    assert event.object_type == "identity_provider" and event.object_id == str(provider.pk)
    assert event.organisation_id == provider.organisation_id
    # Nothing of the token but the email it gave: no subject, no nonce, no token.
    flat = str(event.detail_data) + event.summary
    assert (
        oidc.person.subject not in flat and "eyJ" not in flat and "nonce" not in event.detail_data
    )
    assert LinkedIdentity.objects.count() == 0


def test_the_provider_saying_no_is_refused_and_audited(client, oidc, admin, worker):
    set_up_provider(admin, oidc)
    oidc.sign_in_as(KENT_EMAIL)
    oidc.misbehave = "deny"
    answer = sign_in_through(client, oidc, KENT_EMAIL)
    assert answer.status_code == 403 and "You were not signed in" in page_text(answer)
    [event] = failures()
    assert event.detail_data["reason"] == "provider_error"
    assert event.detail_data["error"] == "access_denied"


# --- refusals: the account -----------------------------------------------------------------


def test_an_unknown_email_is_refused_never_registered_and_audited(client, oidc, admin, worker):
    set_up_provider(admin, oidc, enforces_mfa=True)
    users_before = get_user_model().objects.count()
    oidc.sign_in_as("new.starter@kent.gov.uk")
    answer = sign_in_through(client, oidc, "new.starter@kent.gov.uk")
    assert answer.status_code == 403
    text = page_text(answer)
    assert "You do not have a Visible account here" in text
    assert "Ask your organisation's Visible administrator to add you" in text
    assert not is_signed_in(client)
    assert get_user_model().objects.count() == users_before  # no self-registration
    assert not get_user_model().objects.filter(email__iexact="new.starter@kent.gov.uk").exists()
    [event] = failures()
    assert event.detail_data["reason"] == "unknown_email"
    assert event.actor_username == "new.starter@kent.gov.uk"


def _refused_for(client, oidc, email: str, typed: str = "") -> AuditEvent:
    oidc.sign_in_as(email)
    answer = sign_in_through(client, oidc, typed or email)
    assert answer.status_code == 403, answer
    assert "You do not have a Visible account here" in page_text(answer)
    assert not is_signed_in(client)
    return failures()[-1]


def test_a_member_of_another_organisation_is_refused(client, oidc, admin, council_a):
    set_up_provider(admin, oidc, enforces_mfa=True, domains=("kent.gov.uk", "croydon.gov.uk"))
    # An address at one of the provider's domains, but the account belongs to Croydon only.
    member("sw.croydon.kentmail", council_a, "pat.lee@kent.gov.uk")
    assert (
        _refused_for(client, oidc, "pat.lee@kent.gov.uk").detail_data["reason"]
        == "other_organisation"
    )


def test_an_address_at_a_domain_the_provider_does_not_serve_is_refused(
    client, oidc, admin, council_a
):
    set_up_provider(admin, oidc, enforces_mfa=True)
    member("sw.croydon", council_a, "alex.ward@croydon.gov.uk")
    # Kent's provider vouching for a Croydon address: refused, whoever has it.
    with_domain = _refused_for(
        client, oidc, "alex.ward@croydon.gov.uk", typed="alex.ward@kent.gov.uk"
    )
    assert with_domain.detail_data["reason"] == "email_domain_not_served"


def test_a_deactivated_account_is_refused(client, oidc, admin, worker):
    set_up_provider(admin, oidc, enforces_mfa=True)
    worker.is_active = False
    worker.save()
    assert _refused_for(client, oidc, KENT_EMAIL).detail_data["reason"] == "user_deactivated"


def test_an_ended_membership_is_refused(client, oidc, admin, worker):
    set_up_provider(admin, oidc, enforces_mfa=True)
    Membership.objects.filter(user=worker).update(is_active=False, deactivated_at=timezone.now())
    assert _refused_for(client, oidc, KENT_EMAIL).detail_data["reason"] == "membership_ended"


def test_an_address_given_to_someone_else_at_the_provider_is_refused(client, oidc, admin, worker):
    set_up_provider(admin, oidc, enforces_mfa=True)
    oidc.sign_in_as(KENT_EMAIL, subject="first-person")
    sign_in_through(client, oidc, KENT_EMAIL)
    assert is_signed_in(client)
    client.post(reverse("web:sign-out"))
    # The mailbox is reassigned at the provider: another subject, the same address.
    event = _refused_for(client, oidc, KENT_EMAIL.upper())
    assert event.detail_data["reason"] == "subject_mismatch"
    # Until the administrator forgets the link.
    provider = actions.provider_of(admin.memberships.get().organisation)
    assert actions.forget_link(as_viewer(admin), provider, worker.pk)
    oidc.sign_in_as(KENT_EMAIL, subject="second-person")
    sign_in_through(client, oidc, KENT_EMAIL)
    assert is_signed_in(client)


# --- refusals: the provider and the flow -----------------------------------------------------


def test_a_deactivated_organisation_cannot_sign_in_this_way(client, oidc, admin, worker, kent):
    set_up_provider(admin, oidc, enforces_mfa=True)
    kent.is_active = False
    kent.deactivated_at = timezone.now()
    kent.save()
    answer = client.post(reverse("web:sso-sign-in"), {"email": KENT_EMAIL}, REMOTE_ADDR=OFFICE)
    assert answer.status_code == 403
    assert "not available" in page_text(answer)
    assert failures()[-1].detail_data["reason"] == "organisation_deactivated"
    assert oidc.authorize_requests == []


def test_a_provider_turned_off_is_refused_at_the_start_and_on_the_way_back(
    client, oidc, admin, worker
):
    provider = set_up_provider(admin, oidc, enforces_mfa=True)
    oidc.sign_in_as(KENT_EMAIL)
    going = start(client, KENT_EMAIL)
    _, location = provider_get(going["Location"])
    actions.set_enabled(as_viewer(admin), provider, False, timezone.now())
    answer = come_back(client, location)
    assert answer.status_code == 403 and "not available" in page_text(answer)
    assert not is_signed_in(client)
    assert failures()[-1].detail_data["reason"] == "provider_disabled"
    again = client.post(reverse("web:sso-sign-in"), {"email": KENT_EMAIL}, REMOTE_ADDR=OFFICE)
    assert again.status_code == 403
    assert [e.detail_data["reason"] for e in failures()] == [
        "provider_disabled",
        "provider_disabled",
    ]


def test_an_answer_not_started_in_this_browser_is_refused(client, oidc, admin, worker):
    set_up_provider(admin, oidc, enforces_mfa=True)
    oidc.sign_in_as(KENT_EMAIL)
    going = start(client, KENT_EMAIL)
    _, location = provider_get(going["Location"])
    tampered = location.replace("state=", "state=x")
    answer = come_back(client, tampered)
    assert answer.status_code == 400 and "Start signing in again" in page_text(answer)
    assert failures()[-1].detail_data["reason"] == "state_mismatch"
    # The flow is spent: the genuine answer, after that, is refused too.
    assert come_back(client, location).status_code == 400
    assert not is_signed_in(client)


def test_an_answer_replayed_after_signing_in_is_refused(client, oidc, admin, worker):
    set_up_provider(admin, oidc, enforces_mfa=True)
    oidc.sign_in_as(KENT_EMAIL)
    going = start(client, KENT_EMAIL)
    _, location = provider_get(going["Location"])
    assert come_back(client, location).status_code == 302
    client.post(reverse("web:sign-out"))
    replay = come_back(client, location)
    assert replay.status_code == 400
    assert failures()[-1].detail_data["reason"] == "state_mismatch"


def test_an_unknown_domain_is_told_to_use_a_password(client, oidc, admin, worker):
    set_up_provider(admin, oidc)
    answer = client.post(reverse("web:sso-sign-in"), {"email": "someone@example.org"})
    assert answer.status_code == 200
    assert "No organisation signs in to Visible with addresses at example.org" in page_text(answer)
    bad = client.post(reverse("web:sso-sign-in"), {"email": "not an address"})
    assert "Enter your work email address in the correct format" in page_text(bad)


def test_repeated_refusals_from_one_address_lock_it_out(client, oidc, admin, worker, settings):
    settings.VISIBLE_SIGN_IN_MAX_FAILURES = 2
    settings.VISIBLE_SIGN_IN_SLOWDOWN = 0  # elsewhere, the account is slowed by 0 s, not locked
    set_up_provider(admin, oidc, enforces_mfa=True)
    oidc.sign_in_as(KENT_EMAIL)
    oidc.misbehave = "bad_signature"
    assert sign_in_through(client, oidc, KENT_EMAIL).status_code == 403
    assert sign_in_through(client, oidc, KENT_EMAIL).status_code == 429  # the second locks
    oidc.misbehave = None
    locked = client.post(reverse("web:sso-sign-in"), {"email": KENT_EMAIL}, REMOTE_ADDR=OFFICE)
    assert locked.status_code == 429 and "too many attempts" in page_text(locked)
    assert AuditEvent.objects.filter(action="sign_in_lockout").exists()
    # From another address, the right sign-in still works.
    sign_in_through(client, oidc, KENT_EMAIL, ip="198.51.100.7")
    assert is_signed_in(client)


def test_the_sign_in_page_offers_the_organisations_account(client):
    page = client.get(reverse("web:sign-in") + "?next=/children/")
    assert 'href="/sign-in/organisation?next=/children/"' in page.content.decode()
    assert "Sign in with your organisation's account" in page_text(page)


def test_someone_from_another_council_with_its_own_provider_signs_in_with_it(
    client, oidc, admin, worker
):
    """Two organisations, two providers: each email domain goes to its own."""
    from tests.sso.provider import TestProvider

    set_up_provider(admin, oidc, enforces_mfa=True)
    croydon = make_council("E09000008")
    croydon_admin = member(
        "admin.croydon", croydon, "admin@croydon.gov.uk", Role.ORGANISATION_ADMIN
    )
    other = TestProvider(client_id="croydon-client").start()
    try:
        set_up_provider(croydon_admin, other, enforces_mfa=True, domains=("croydon.gov.uk",))
        person = member("sw.croydon", croydon, "kim.hale@croydon.gov.uk")
        other.sign_in_as("kim.hale@croydon.gov.uk")
        sign_in_through(client, other, "kim.hale@croydon.gov.uk")
        assert is_signed_in(client)
        assert sign_ins()[-1].actor_user_id == person.pk
        assert oidc.authorize_requests == []
    finally:
        other.stop()
