"""Rate limits per API client (429 with Retry-After), and the token endpoint's per address."""

from __future__ import annotations

from urllib.parse import urlencode

from django.test import override_settings
from rest_framework.test import APIClient


@override_settings(VISIBLE_API_RATE="3/min")
def test_a_client_over_its_rate_gets_429_with_retry_after(api_a, api_b):
    assert [api_a.get("/api/v1/children").status_code for _ in range(3)] == [200, 200, 200]
    response = api_a.get("/api/v1/children")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["status"] == 429 and "Try again in" in response.json()["detail"]
    # Per client: the other council's system is not held up.
    assert api_b.get("/api/v1/children").status_code == 200


@override_settings(VISIBLE_API_TOKEN_RATE="2/min")
def test_token_endpoint_is_limited_per_address(client_a):
    form = urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": client_a.client.client_id,
            "client_secret": "vis_sk_guess",
        }
    )
    http = APIClient()
    codes = [
        http.post(
            "/api/v1/oauth/token", form, content_type="application/x-www-form-urlencoded"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [401, 401, 429]


def token_form(client_a) -> str:
    return urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": client_a.client.client_id,
            "client_secret": "vis_sk_guess",
        }
    )


def test_a_new_x_forwarded_for_on_each_request_is_still_one_client(client_a):
    """No proxy configured (VISIBLE_NUM_PROXIES=0, the default): X-Forwarded-For is whatever
    the client sent, so it is ignored and the 30-a-minute limit holds for the address."""
    http = APIClient()
    codes = [
        http.post(
            "/api/v1/oauth/token",
            token_form(client_a),
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(1, 41)
    ]
    assert codes == [401] * 30 + [429] * 10


@override_settings(VISIBLE_API_TOKEN_RATE="2/min", VISIBLE_NUM_PROXIES=1)
def test_behind_one_proxy_the_address_it_appended_is_the_client(client_a):
    http = APIClient()

    def ask(forwarded: str) -> int:
        return http.post(
            "/api/v1/oauth/token",
            token_form(client_a),
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    # The client forges a new leftmost address each time; the proxy appends the one it saw.
    assert [ask(f"203.0.113.{n}, 198.51.100.7") for n in range(1, 4)] == [401, 401, 429]
    assert ask("198.51.100.8") == 401  # another client behind the same proxy has its own count
