"""The provider's configuration (``/.well-known/openid-configuration``) and signing keys
(JWKS), fetched and cached on the provider's row.

The discovery document must name the issuer exactly as configured (OpenID Connect Discovery
4.3: otherwise a document at one address could speak for another issuer), and give the
authorization, token and JWKS endpoints, all over HTTPS. Both are kept for
``VISIBLE_SSO_CACHE_SECONDS`` (a day by default); the keys are fetched again at once when a
token names a key the cache does not have (the provider has rotated its keys), at most once a
minute.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, import_key

from .fetch import FetchError, check_url, get_json
from .models import IdentityProvider

# What Visible accepts an ID token signed with: asymmetric only (never "none", never HS256,
# whose key would be the client secret).
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
KEYS_REFETCH_AFTER = dt.timedelta(minutes=1)


class DiscoveryError(FetchError):
    """The provider's configuration or keys are not usable; the message says why."""


def cache_period() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "VISIBLE_SSO_CACHE_SECONDS", 24 * 60 * 60)))


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class Found:
    """What checking an issuer found, as the administrator's page shows it."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: list[str]
    scopes_supported: list[str]
    key_count: int
    pkce: bool


def check_document(issuer: str, document: dict[str, Any]) -> list[str]:
    """The algorithms Visible will accept from this provider, or DiscoveryError naming what is
    wrong with its document."""
    missing = [name for name in REQUIRED if not isinstance(document.get(name), str)]
    if missing:
        raise DiscoveryError("The provider's configuration does not give " + ", ".join(missing))
    if document["issuer"] != issuer:
        raise DiscoveryError(
            f"The provider says its issuer is {document['issuer'][:200]}, not {issuer}: enter "
            "the issuer exactly as the provider gives it (including any trailing slash)"
        )
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        check_url(document[name], f"The provider's {name.replace('_', ' ')}")
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in SIGNING_ALGORITHMS if alg in offered]
    if not algorithms:
        raise DiscoveryError(
            "The provider signs ID tokens only with "
            + ", ".join(str(a) for a in offered)[:200]
            + f": Visible accepts {', '.join(SIGNING_ALGORITHMS)}"
        )
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise DiscoveryError(
            "The provider does not support PKCE with S256 (code_challenge_methods_supported), "
            "which Visible requires"
        )
    return algorithms


def key_set(jwks: dict[str, Any]) -> KeySet:
    """The provider's signing keys. A key Visible cannot read (a type it does not know) or one
    meant for encryption is left out; a set with no signing key left is refused."""
    found = []
    listed = jwks.get("keys") if isinstance(jwks, dict) else None
    for data in listed if isinstance(listed, list) else []:
        if not isinstance(data, dict) or data.get("use", "sig") != "sig":
            continue
        try:
            found.append(import_key(data))
        except (JoseError, ValueError, TypeError, KeyError):
            continue
    if not found:
        raise DiscoveryError("The provider's keys (JWKS) list no signing key Visible can read")
    return KeySet(found)


def fetch(issuer: str) -> tuple[dict[str, Any], dict[str, Any], Found]:
    """Fetch and check the discovery document and the keys of `issuer` (nothing saved)."""
    document = get_json(
        discovery_url(check_url(issuer, "The issuer")), "the provider's configuration"
    )
    algorithms = check_document(issuer, document)
    jwks = get_json(document["jwks_uri"], "the provider's keys (JWKS)")
    keys = key_set(jwks)
    return (
        document,
        jwks,
        Found(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            algorithms=algorithms,
            scopes_supported=[str(s) for s in document.get("scopes_supported") or []],
            key_count=len(keys.keys),
            pkce="S256" in (document.get("code_challenge_methods_supported") or []),
        ),
    )


def _fresh(fetched_at: dt.datetime | None, now: dt.datetime) -> bool:
    return fetched_at is not None and now - fetched_at < cache_period()


def configuration(provider: IdentityProvider, now: dt.datetime) -> dict[str, Any]:
    """The provider's discovery document, from the cache while it is fresh."""
    if provider.discovery and _fresh(provider.discovery_fetched_at, now):
        return provider.discovery
    document = get_json(discovery_url(provider.issuer), "the provider's configuration")
    check_document(provider.issuer, document)
    provider.discovery, provider.discovery_fetched_at = document, now
    IdentityProvider.objects.filter(pk=provider.pk).update(
        discovery=document, discovery_fetched_at=now
    )
    return document


def keys(provider: IdentityProvider, now: dt.datetime, *, kid: str | None = None) -> KeySet:
    """The provider's keys, from the cache while it is fresh and has the key `kid` names;
    fetched again otherwise (not more than once a minute for an unknown kid)."""
    cached = provider.jwks if _fresh(provider.jwks_fetched_at, now) else None
    if cached is not None:
        known = {k.get("kid") for k in cached.get("keys", []) if isinstance(k, dict)}
        recently = provider.jwks_fetched_at and now - provider.jwks_fetched_at < KEYS_REFETCH_AFTER
        if kid is None or kid in known or recently:
            return key_set(cached)
    document = configuration(provider, now)
    jwks = get_json(document["jwks_uri"], "the provider's keys (JWKS)")
    result = key_set(jwks)
    provider.jwks, provider.jwks_fetched_at = jwks, now
    IdentityProvider.objects.filter(pk=provider.pk).update(jwks=jwks, jwks_fetched_at=now)
    return result


def algorithms(provider: IdentityProvider, now: dt.datetime) -> list[str]:
    return check_document(provider.issuer, configuration(provider, now))
