"""The ID token, checked (OpenID Connect Core 3.1.3.7), every refusal with its reason.

Signature against the provider's keys, with an algorithm Visible accepts; the issuer exactly as
configured; the audience containing the client id (and, with several audiences, the
authorized party being it); the expiry and issue time against the caller's clock, allowing
``VISIBLE_SSO_CLOCK_LEEWAY`` seconds of drift; the nonce Visible sent; an email the provider
says it has verified. The reasons are codes the audit log keeps (``Refused.reason``); what
people see is decided by the pages.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

# How old an ID token may be when it reaches Visible (it is fetched from the token endpoint
# moments after it is issued).
MAX_AGE = dt.timedelta(minutes=10)

BAD_SIGNATURE = "bad_signature"
UNKNOWN_KEY = "unknown_key"
ALGORITHM = "algorithm_not_accepted"
MALFORMED = "malformed_token"
WRONG_ISSUER = "wrong_issuer"
WRONG_AUDIENCE = "wrong_audience"
EXPIRED = "expired_token"
NOT_YET_VALID = "token_not_yet_valid"
NONCE = "nonce_mismatch"
NO_EMAIL = "no_email"
UNVERIFIED_EMAIL = "unverified_email"
NO_SUBJECT = "no_subject"

REASONS = {
    BAD_SIGNATURE: "the ID token's signature does not match the provider's keys",
    UNKNOWN_KEY: "the ID token is signed with a key the provider does not publish",
    ALGORITHM: "the ID token is signed with an algorithm Visible does not accept",
    MALFORMED: "the ID token could not be read",
    WRONG_ISSUER: "the ID token was issued by another issuer",
    WRONG_AUDIENCE: "the ID token was issued for another client",
    EXPIRED: "the ID token has expired",
    NOT_YET_VALID: "the ID token is dated in the future",
    NONCE: "the ID token does not carry the nonce Visible sent",
    NO_EMAIL: "the ID token has no email address",
    UNVERIFIED_EMAIL: "the provider does not say the email address is verified",
    NO_SUBJECT: "the ID token has no subject",
}


class Refused(Exception):
    """An ID token (or a sign-in) refused: ``reason`` is the code the audit log records,
    ``email`` the address the token gave, if it got that far."""

    def __init__(self, reason: str, email: str = "", extra: dict[str, Any] | None = None):
        super().__init__(REASONS.get(reason, reason))
        self.reason = reason
        self.email = email
        self.extra = extra or {}


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: all Visible takes from the token."""

    subject: str
    email: str
    amr: list[str] = field(default_factory=list)
    acr: str = ""


def leeway() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "VISIBLE_SSO_CLOCK_LEEWAY", 60)))


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(MALFORMED, extra={"claim": name})
    return float(value)


def _verified(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def check(
    raw: str,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    algorithms: list[str],
    keys: Callable[[str | None], KeySet],
    now: dt.datetime,
) -> Identity:
    """Check the ID token `raw`; the Identity it vouches for, or Refused. `keys(kid)` gives the
    provider's keys for the key id the token names (fetching them again if need be)."""
    try:
        header = jws.extract_compact(raw.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError):
        raise Refused(MALFORMED) from None
    if header.get("alg") not in algorithms:
        raise Refused(ALGORITHM, extra={"alg": str(header.get("alg"))[:20]})
    kid = header.get("kid")
    try:
        token = jwt.decode(raw, keys(kid if isinstance(kid, str) else None), algorithms=algorithms)
    except InvalidKeyIdError:
        raise Refused(UNKNOWN_KEY) from None
    except BadSignatureError:
        raise Refused(BAD_SIGNATURE) from None
    except JoseError:
        raise Refused(MALFORMED) from None
    claims = token.claims
    given = claims.get("email")
    email = given.strip() if isinstance(given, str) else ""
    # The issuer exactly: no trailing-slash or case forgiveness (Core 3.1.3.7 step 2).
    if claims.get("iss") != issuer:
        raise Refused(WRONG_ISSUER, email)
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise Refused(WRONG_AUDIENCE, email)
    # Several audiences: the authorized party must be named, and be Visible (Core 3.1.3.7 4-5).
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise Refused(WRONG_AUDIENCE, email)
    moment = now.timestamp()
    drift = leeway().total_seconds()
    if _number(claims, "exp") <= moment - drift:
        raise Refused(EXPIRED, email)
    issued = _number(claims, "iat")
    if issued > moment + drift:
        raise Refused(NOT_YET_VALID, email)
    if issued < moment - drift - MAX_AGE.total_seconds():
        raise Refused(EXPIRED, email)
    if "nbf" in claims and _number(claims, "nbf") > moment + drift:
        raise Refused(NOT_YET_VALID, email)
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
        raise Refused(NONCE, email)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise Refused(NO_SUBJECT, email)
    if not email:
        raise Refused(NO_EMAIL)
    # Microsoft Entra ID sends no email_verified; its optional claim xms_edov says the address's
    # domain is one the tenant has verified (docs/sso.md).
    if not (_verified(claims.get("email_verified")) or _verified(claims.get("xms_edov"))):
        raise Refused(UNVERIFIED_EMAIL, email)
    amr = claims.get("amr")
    acr = claims.get("acr")
    return Identity(
        subject=subject[:255],
        email=email,
        amr=[str(a)[:40] for a in amr][:10] if isinstance(amr, list) else [],
        acr=str(acr)[:200] if isinstance(acr, str) else "",
    )
