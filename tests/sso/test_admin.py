"""The organisation administrator's single sign-on page: set up, check the issuer, turn on and
off; only their own organisation's, only them; the secret kept encrypted and never shown;
every change audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_user
from tests.security.signing_in import page_text
from tests.sso.journey import kent_admin, set_up_provider
from visible.agencies.models import Role
from visible.audit.models import AuditEvent
from visible.sso import client_secret
from visible.sso.models import IdentityProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(council_b):
    return kent_admin(council_b)


def form(oidc, **changes) -> dict:
    values = {
        "issuer": oidc.issuer,
        "client_id": oidc.client_id,
        "client_secret": oidc.client_secret,
        "email_domains": "kent.gov.uk\n@KENT.police.uk",
        "scopes": "openid email profile",
        "enforces_mfa": "no",
    }
    values.update(changes)
    return values


def events(object_type: str = "identity_provider") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("seq"))


def test_an_administrator_sets_up_checks_and_turns_on_single_sign_on(client, oidc, admin):
    client.force_login(admin)
    page = client.get(reverse("web:sso-settings"))
    assert page.status_code == 200
    text = page_text(page)
    assert "Set up single sign-on" in text
    assert "http://testserver/sign-in/organisation/callback" in text  # the redirect URI to register
    assert '"/organisation/sign-in"' in page.content.decode()  # in the navigation

    saved = client.post(reverse("web:sso-settings"), form(oidc))
    assert saved.status_code == 302
    provider = IdentityProvider.objects.get()
    assert provider.domain_names == ["kent.gov.uk", "kent.police.uk"]
    assert not provider.enabled and not provider.enforces_mfa
    # The secret: encrypted at rest, and never on the page again.
    assert oidc.client_secret not in provider.client_secret_encrypted
    assert client_secret.decrypt(provider.client_secret_encrypted) == oidc.client_secret
    shown = client.get(reverse("web:sso-settings"))
    assert oidc.client_secret not in shown.content.decode()
    assert "A secret is stored, encrypted" in page_text(shown)

    # Turning on before checking the issuer is refused.
    early = client.post(reverse("web:sso-enable"), {"enabled": "on"})
    assert early.status_code == 400 and "Check the issuer first" in page_text(early)

    checked = client.post(reverse("web:sso-check"))
    assert checked.status_code == 200
    text = page_text(checked)
    assert "The issuer is usable" in text
    assert oidc.issuer + "/authorize" in text and "1, signed with RS256" in text
    on = client.post(reverse("web:sso-enable"), {"enabled": "on"})
    assert on.status_code == 302
    assert IdentityProvider.objects.get().enabled
    off = client.post(reverse("web:sso-enable"), {"enabled": "off"})
    assert off.status_code == 302 and not IdentityProvider.objects.get().enabled

    summaries = [e.summary for e in events()]
    assert summaries[0].startswith("Set up single sign-on for ")
    assert summaries[1:] == [
        f"Checked the issuer {oidc.issuer}: usable",
        f"Turned on single sign-on for {provider.organisation}",
        f"Turned off single sign-on for {provider.organisation}",
    ]
    created = events()[0]
    assert created.actor_username == "admin.kent"
    assert created.detail_data["changed"]["client_secret"] == "set"
    assert oidc.client_secret not in created.detail


def test_saying_the_provider_enforces_mfa_is_audited_with_its_consequence(client, oidc, admin):
    client.force_login(admin)
    client.post(reverse("web:sso-settings"), form(oidc))
    client.post(reverse("web:sso-settings"), form(oidc, client_secret="", enforces_mfa="yes"))
    provider = IdentityProvider.objects.get()
    assert provider.enforces_mfa
    assert client_secret.decrypt(provider.client_secret_encrypted) == oidc.client_secret  # kept
    change = events()[-1]
    assert "stands in for Visible's second factor" in change.summary
    assert change.detail_data["changed"] == {"enforces_mfa": {"from": False, "to": True}}
    page = page_text(client.get(reverse("web:sso-settings")))
    assert "Your provider's own MFA stands in for Visible's code" in page


def test_bad_settings_are_refused_with_each_problem_and_nothing_saved(client, oidc, admin):
    client.force_login(admin)
    answer = client.post(
        reverse("web:sso-settings"),
        form(
            oidc,
            issuer="ftp://idp.example",
            client_secret="",
            email_domains="kent gov uk",
            scopes="profile",
        ),
    )
    assert answer.status_code == 200
    text = page_text(answer)
    assert "There is a problem" in text
    assert "The issuer must start with https://" in text
    assert "Enter the client secret your provider gave Visible" in text
    assert "'kent' is not an email domain" in text
    assert "The scopes must include openid and email" in text
    assert IdentityProvider.objects.count() == 0
    assert events() == []


def test_an_email_domain_served_by_another_organisation_is_refused(client, oidc, admin, council_a):
    croydon_admin = make_user("admin.croydon", council_a, Role.ORGANISATION_ADMIN)
    set_up_provider(croydon_admin, oidc, domains=("croydon.gov.uk",))
    client.force_login(admin)
    answer = client.post(reverse("web:sso-settings"), form(oidc, email_domains="croydon.gov.uk"))
    assert "croydon.gov.uk is already served by another organisation's provider" in page_text(
        answer
    )
    assert IdentityProvider.objects.count() == 1


def test_checking_an_issuer_that_names_another_issuer_says_so(client, oidc, admin):
    client.force_login(admin)
    client.post(reverse("web:sso-settings"), form(oidc, issuer=oidc.issuer + "/"))
    answer = client.post(reverse("web:sso-check"))
    text = page_text(answer)
    assert "The issuer cannot be used" in text
    assert f"The provider says its issuer is {oidc.issuer}, not {oidc.issuer}/" in text
    provider = IdentityProvider.objects.get()
    assert not provider.check_ok and provider.checked_at is not None
    assert events()[-1].detail_data["ok"] is False


def test_checking_an_issuer_nobody_answers_at_says_so(client, oidc, admin):
    client.force_login(admin)
    client.post(reverse("web:sso-settings"), form(oidc, issuer="http://127.0.0.1:9/realms/none"))
    text = page_text(client.post(reverse("web:sso-check")))
    assert "The issuer cannot be used" in text and "Could not reach" in text


def test_a_new_issuer_turns_single_sign_on_off_and_forgets_the_links(client, oidc, admin):
    set_up_provider(admin, oidc)
    client.force_login(admin)
    client.post(
        reverse("web:sso-settings"),
        form(oidc, issuer=oidc.base + "/realms/other", client_secret=""),
    )
    provider = IdentityProvider.objects.get()
    assert not provider.enabled and not provider.check_ok
    assert events()[-1].detail_data["changed"]["enabled"] == {"from": True, "to": False}


@pytest.mark.parametrize(
    "role",
    [Role.SOCIAL_WORKER, Role.SENIOR_MANAGER, Role.MISSING_COORDINATOR, Role.NATIONAL_ADMIN],
)
def test_nobody_but_the_organisations_administrator_may_open_the_page(client, council_b, role):
    someone = make_user(f"someone.{role}", council_b, role)
    client.force_login(someone)
    for name, method in (
        ("web:sso-settings", "get"),
        ("web:sso-settings", "post"),
        ("web:sso-check", "post"),
        ("web:sso-enable", "post"),
        ("web:sso-forget-link", "post"),
    ):
        before = AuditEvent.objects.filter(action="denied").count()
        answer = getattr(client, method)(reverse(name))
        assert answer.status_code == 403, (role, name, method)
        assert AuditEvent.objects.filter(action="denied").count() == before + 1
    assert IdentityProvider.objects.count() == 0


def test_an_administrator_sees_only_their_own_organisations_provider(
    client, oidc, admin, council_a
):
    croydon_admin = make_user("admin.croydon", council_a, Role.ORGANISATION_ADMIN)
    set_up_provider(croydon_admin, oidc, domains=("croydon.gov.uk",))
    client.force_login(admin)
    page = client.get(reverse("web:sso-settings"))
    assert "croydon.gov.uk" not in page.content.decode()
    assert "Set up single sign-on" in page_text(page)
    # Turning "it" off acts on nothing of Croydon's.
    client.post(reverse("web:sso-enable"), {"enabled": "off"})
    assert IdentityProvider.objects.get().enabled
