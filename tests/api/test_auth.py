"""Authenticating API clients: bearer secret, OAuth2 client credentials, expiry, revocation,
and that people's sessions do not open the API."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import urlencode

import pytest
from django.test import Client
from freezegun import freeze_time
from rest_framework.test import APIClient

from tests.factories import bearer, make_api_client
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.api import tokens
from visible.api.models import AccessToken, ApiClient
from visible.audit.models import AuditEvent


def _form(http: APIClient, data: dict):
    return http.post(
        "/api/v1/oauth/token", urlencode(data), content_type="application/x-www-form-urlencoded"
    )


def _token(http: APIClient, client_id: str, secret: str):
    return _form(
        http, {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )


def test_no_token_is_401_with_a_bearer_challenge(db):
    response = APIClient().get("/api/v1/children")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_a_made_up_token_is_401(db):
    response = bearer("vis_sk_not-a-real-token").get("/api/v1/children")
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


def test_the_secret_works_as_a_bearer_token_and_only_its_digest_is_stored(client_a, api_a):
    assert api_a.get("/api/v1/children").status_code == 200
    stored = ApiClient.objects.get(pk=client_a.client.pk)
    assert client_a.secret not in (stored.secret_digest, stored.secret_hint)
    assert stored.secret_digest == tokens.digest(client_a.secret)
    assert stored.last_used_at is not None


def test_a_revoked_client_gets_401_and_the_attempt_is_audited(client_a, api_a):
    assert api_a.get("/api/v1/children").status_code == 200
    tokens.revoke_client(client_a.client.client_id, by="test")
    response = api_a.get("/api/v1/children")
    assert response.status_code == 401
    assert AuditEvent.objects.filter(
        action="sign_in_failed", object_type="apiclient", object_id=str(client_a.client.pk)
    ).exists()


def test_client_credentials_grant_gives_a_working_short_lived_token(client_a):
    response = _token(APIClient(), client_a.client.client_id, client_a.secret)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["access_token"].startswith("vis_at_")
    assert response["Cache-Control"] == "no-store"
    assert AccessToken.objects.filter(client=client_a.client).count() == 1
    assert bearer(body["access_token"]).get("/api/v1/children").status_code == 200
    assert AuditEvent.objects.filter(action="sign_in", object_type="apiclient").exists()


def test_client_credentials_by_http_basic(client_a):
    http = APIClient()
    pair = base64.b64encode(f"{client_a.client.client_id}:{client_a.secret}".encode()).decode()
    http.credentials(HTTP_AUTHORIZATION=f"Basic {pair}")
    response = _form(http, {"grant_type": "client_credentials"})
    assert response.status_code == 200


def test_an_access_token_stops_working_when_it_expires(client_a):
    with freeze_time("2026-03-02 09:00:00"):
        access = _token(APIClient(), client_a.client.client_id, client_a.secret).json()[
            "access_token"
        ]
        assert bearer(access).get("/api/v1/children").status_code == 200
    with freeze_time("2026-03-02 09:59:00"):
        assert bearer(access).get("/api/v1/children").status_code == 200
    with freeze_time("2026-03-02 10:00:01"):
        response = bearer(access).get("/api/v1/children")
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]


def test_revoking_a_client_ends_its_access_tokens(client_a):
    access = _token(APIClient(), client_a.client.client_id, client_a.secret).json()["access_token"]
    tokens.revoke_client(client_a.client.client_id, by="test")
    assert bearer(access).get("/api/v1/children").status_code == 401
    assert _token(APIClient(), client_a.client.client_id, client_a.secret).status_code == 401


def test_wrong_secret_is_invalid_client_and_audited(client_a):
    response = _token(APIClient(), client_a.client.client_id, "vis_sk_wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert AuditEvent.objects.filter(
        action="sign_in_failed", summary__contains="token endpoint"
    ).exists()


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "invalid_request"),
    ],
)
def test_token_request_mistakes_are_rfc6749_errors(client_a, form, error):
    response = _form(APIClient(), form)
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_a_signed_in_person_cannot_use_the_api_with_their_session(sw_a):
    browser = Client()
    browser.force_login(sw_a)
    response = browser.get("/api/v1/children")
    assert response.status_code == 401


def test_the_viewer_is_the_clients_organisation_and_role(client_a):
    viewer = tokens.viewer_for_client(client_a.client)
    assert viewer.organisation == client_a.client.organisation
    assert viewer.role == Role.SENIOR_MANAGER
    assert viewer.user_id is None and viewer.username == "api:Case management system"


def test_a_client_acts_only_as_a_role_its_kind_of_organisation_has(council_a):
    with pytest.raises(ValueError, match="cannot act as 'police_officer'"):
        make_api_client(council_a, role=Role.POLICE_OFFICER)
    force = Organisation.objects.get_or_create(
        name="Kent Police", defaults={"kind": OrganisationKind.POLICE}
    )[0]
    made = make_api_client(force, role=Role.POLICE_OFFICER, name="Command and control")
    assert made.client.role == Role.POLICE_OFFICER


def test_unknown_organisation_is_named_in_the_error(db):
    with pytest.raises(ValueError, match="no organisation called 'Nowhere'"):
        tokens.create_client("Nowhere", Role.SENIOR_MANAGER, "x", by="test")


def test_expired_tokens_are_cleared_when_a_new_one_is_issued(client_a):
    with freeze_time(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)):
        _token(APIClient(), client_a.client.client_id, client_a.secret)
    with freeze_time(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)):
        _token(APIClient(), client_a.client.client_id, client_a.secret)
        assert AccessToken.objects.filter(client=client_a.client).count() == 1
