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
    form = urlencode({"grant_type": "client_credentials", "client_id": client_a.client.client_id,
                      "client_secret": "vis_sk_guess"})
    http = APIClient()
    codes = [http.post("/api/v1/oauth/token", form, content_type="application/x-www-form-urlencoded").status_code
             for _ in range(3)]
    assert codes == [401, 401, 429]
