"""The ID token checks on their own, with tokens made here and an explicit clock: what a
provider could get wrong (or an attacker could try) beyond what the end-to-end tests send."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey

from tests.sso.provider import signing_keys
from visible.sso import tokens
from visible.sso.tokens import Refused

NOW = dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC)
ISSUER = "https://login.example.test/tenant/v2.0"
CLIENT = "visible-client"


def claims(**changes) -> dict:
    at = int(NOW.timestamp())
    values = {
        "iss": ISSUER,
        "sub": "subject-1",
        "aud": CLIENT,
        "iat": at - 5,
        "exp": at + 300,
        "nonce": "the-nonce",
        "email": "sam.okafor@kent.gov.uk",
        "email_verified": True,
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def sign(values: dict, *, key=None, header: dict | None = None) -> str:
    good = signing_keys()[0]
    return jwt.encode(header or {"alg": "RS256", "kid": good.kid}, values, key or good)


def check(raw: str, *, now: dt.datetime = NOW, nonce: str = "the-nonce"):
    published = KeySet([signing_keys()[0]])
    return tokens.check(
        raw,
        issuer=ISSUER,
        client_id=CLIENT,
        nonce=nonce,
        algorithms=["RS256"],
        keys=lambda kid: published,
        now=now,
    )


def reason(raw: str, **kwargs) -> str:
    with pytest.raises(Refused) as refused:
        check(raw, **kwargs)
    return refused.value.reason


def test_a_good_token_gives_who_signed_in():
    identity = check(sign(claims(amr=["pwd", "mfa"], acr="loa2")))
    assert identity.subject == "subject-1" and identity.email == "sam.okafor@kent.gov.uk"
    assert identity.amr == ["pwd", "mfa"] and identity.acr == "loa2"


def test_the_issuer_must_match_exactly():
    assert reason(sign(claims(iss=ISSUER + "/"))) == tokens.WRONG_ISSUER
    assert reason(sign(claims(iss=ISSUER.upper()))) == tokens.WRONG_ISSUER
    assert reason(sign(claims(iss=None))) == tokens.WRONG_ISSUER


def test_the_audience_must_be_visibles_client():
    assert reason(sign(claims(aud="another"))) == tokens.WRONG_AUDIENCE
    assert check(sign(claims(aud=["another", CLIENT], azp=CLIENT))).email
    # Several audiences: the authorized party must be Visible.
    assert reason(sign(claims(aud=["another", CLIENT]))) == tokens.WRONG_AUDIENCE
    assert reason(sign(claims(aud=[CLIENT], azp="another"))) == tokens.WRONG_AUDIENCE


def test_expiry_and_issue_time_are_read_against_the_clock_given_with_a_minutes_leeway():
    at = int(NOW.timestamp())
    assert reason(sign(claims(exp=at - 61))) == tokens.EXPIRED
    assert check(sign(claims(exp=at - 30))).email  # within the leeway
    assert reason(sign(claims(iat=at + 120))) == tokens.NOT_YET_VALID
    assert reason(sign(claims(nbf=at + 120))) == tokens.NOT_YET_VALID
    # Issued long ago, even if it has not expired: not fresh from the token endpoint.
    assert reason(sign(claims(iat=at - 3600, exp=at + 3600))) == tokens.EXPIRED
    assert reason(sign(claims(exp="tomorrow"))) == tokens.MALFORMED
    # The same token, read a day later, has expired.
    assert reason(sign(claims()), now=NOW + dt.timedelta(days=1)) == tokens.EXPIRED


def test_the_nonce_must_be_the_one_sent():
    assert reason(sign(claims()), nonce="another-nonce") == tokens.NONCE
    assert reason(sign(claims(nonce=None))) == tokens.NONCE


def test_the_email_must_be_there_and_verified():
    assert reason(sign(claims(email=None))) == tokens.NO_EMAIL
    assert reason(sign(claims(email_verified=False))) == tokens.UNVERIFIED_EMAIL
    assert reason(sign(claims(email_verified=None))) == tokens.UNVERIFIED_EMAIL
    assert reason(sign(claims(email_verified="false"))) == tokens.UNVERIFIED_EMAIL
    assert check(sign(claims(email_verified="true"))).email
    # Microsoft Entra ID: no email_verified, but the tenant has verified the address's domain.
    assert check(sign(claims(email_verified=None, xms_edov=True))).email
    assert reason(sign(claims(sub=None))) == tokens.NO_SUBJECT


def test_a_token_signed_by_another_key_or_with_another_algorithm_is_refused():
    rogue = signing_keys()[1]
    good = signing_keys()[0]
    forged = sign(claims(), key=rogue, header={"alg": "RS256", "kid": good.kid})
    assert reason(forged) == tokens.BAD_SIGNATURE
    assert reason(sign(claims(), key=rogue, header={"alg": "RS256", "kid": rogue.kid})) == (
        tokens.UNKNOWN_KEY
    )
    # HS256 with a key anyone could guess (the client id): never accepted.
    secret = OctKey.import_key(b"visible-client-visible-client-32")
    hs = jwt.encode({"alg": "HS256"}, claims(), secret)
    assert reason(hs) == tokens.ALGORITHM
    # "none": no signature at all.
    unsigned = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
        + "."
        + base64.urlsafe_b64encode(json.dumps(claims()).encode()).rstrip(b"=").decode()
        + "."
    )
    assert reason(unsigned) == tokens.ALGORITHM
    assert reason("not a token") == tokens.MALFORMED
    # A good token with its payload changed after signing.
    head, _, signature = sign(claims()).split(".")
    tampered_body = (
        base64.urlsafe_b64encode(json.dumps(claims(email="boss@kent.gov.uk")).encode())
        .rstrip(b"=")
        .decode()
    )
    assert reason(f"{head}.{tampered_body}.{signature}") == tokens.BAD_SIGNATURE
