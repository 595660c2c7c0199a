"""Rate limits: per API client, and per address for the token endpoint.

Counts are kept in Django's cache, which every server process shares (settings CACHES: Redis,
or the database's cache table), so a limit holds across processes and machines. Two requests
at the very same moment may both pass the last free place (the count is read, then written).
Rates are read from settings on every request, so a change (or a test's override) takes
effect at once."""

from __future__ import annotations

import time

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from visible.security.throttle import client_ip

from .models import ApiClient


class _Throttle(SimpleRateThrottle):
    def timer(self) -> float:
        # Read the clock when asked: DRF's `timer = time.time` is bound when the class is made,
        # so a clock set by a test (or a frozen-date run) would not be the one it reads.
        return time.time()

    def get_ident(self, request) -> str:
        # The one rule for the client's address (VISIBLE_NUM_PROXIES): DRF's default, with
        # NUM_PROXIES unset, believed whatever X-Forwarded-For the client sent.
        return client_ip(request) or "unknown"


class ApiClientRateThrottle(_Throttle):
    scope = "api_client"

    def __init__(self) -> None:  # the rate is read per request, not once at import
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str:
        return getattr(settings, "VISIBLE_API_RATE", "120/min")

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiClient):
            return None  # unauthenticated requests are refused before this matters
        return f"visible-api-throttle:{request.auth.client_id}"


class TokenEndpointThrottle(_Throttle):
    """Guessing client secrets at the token endpoint: limited per client address."""

    scope = "api_token"

    def __init__(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str:
        return getattr(settings, "VISIBLE_API_TOKEN_RATE", "30/min")

    def get_cache_key(self, request, view) -> str:
        return f"visible-api-token-throttle:{self.get_ident(request)}"
