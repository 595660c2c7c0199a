"""A small OpenID Connect provider for the tests, on 127.0.0.1: discovery, keys (JWKS), an
authorization endpoint that approves at once for the person it is told is signing in, and a
token endpoint that checks the client, the redirect URI and the PKCE verifier before it gives
an ID token signed with an RSA key made once per test run.

It can be told to misbehave, one way at a time (``provider.misbehave = "..."``):

- ``wrong_issuer``: the ID token's iss is another issuer's;
- ``wrong_audience``: its aud is another client's;
- ``expired``: it ran out an hour ago;
- ``unverified_email``: email_verified is false;
- ``different_nonce``: its nonce is not the one Visible sent;
- ``bad_signature``: it is signed with a key the provider does not publish under that key's id;
- ``unknown_key``: it is signed with a key the provider does not publish at all;
- ``deny``: the authorization endpoint answers error=access_denied (the person cancelled).

Nothing in it is Visible's code: it speaks the protocol as a real provider does, so the tests
go through Visible's pages to it and back as a browser would.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

MISBEHAVIOURS = (
    "wrong_issuer",
    "wrong_audience",
    "expired",
    "unverified_email",
    "different_nonce",
    "bad_signature",
    "unknown_key",
    "deny",
)


@functools.lru_cache(maxsize=1)
def signing_keys() -> tuple[RSAKey, RSAKey]:
    """The provider's key and a rogue one, made once per test run (2048-bit RSA)."""
    return (
        RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"}),
        RSAKey.generate_key(2048, parameters={"kid": "rogue-key", "use": "sig", "alg": "RS256"}),
    )


@dataclass
class Person:
    """Who the provider signs in: its subject and what it says of their email."""

    email: str
    subject: str = ""
    email_verified: bool = True
    amr: list[str] = field(default_factory=lambda: ["pwd", "mfa"])

    def __post_init__(self) -> None:
        self.subject = self.subject or "sub-" + hashlib.sha256(self.email.encode()).hexdigest()[:16]


class TestProvider:
    """Start with ``start()``, stop with ``stop()``; ``issuer`` is its issuer URL."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, client_id: str = "visible-test-client", client_secret: str = "") -> None:
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.person: Person | None = None
        self.misbehave: str | None = None
        self.auth_method = "client_secret_basic"  # or client_secret_post (what it advertises)
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, Any]] = []
        self.authorize_requests: list[dict[str, str]] = []
        self.discovery_requests = 0
        self.jwks_requests = 0
        self.key: RSAKey | None = None  # a rotated key, in place of the run's (signing_keys)
        self._server: ThreadingHTTPServer | None = None

    # --- running ---------------------------------------------------------------------------

    def start(self) -> TestProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                provider._get(self)

            def do_POST(self) -> None:
                provider._post(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return self.base + "/realms/test"

    def sign_in_as(self, email: str, **kwargs: Any) -> Person:
        self.person = Person(email=email, **kwargs)
        return self.person

    # --- the endpoints ---------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": [self.auth_method],
            "code_challenge_methods_supported": ["S256"],
        }

    def _send(
        self, handler: BaseHTTPRequestHandler, status: int, body: Any = None, **headers: str
    ) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        handler.send_response(status)
        if body is not None:
            handler.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _get(self, handler: BaseHTTPRequestHandler) -> None:
        url = urllib.parse.urlsplit(handler.path)
        path = url.path
        if path == "/realms/test/.well-known/openid-configuration":
            self.discovery_requests += 1
            return self._send(handler, 200, self.discovery())
        if path == "/realms/test/jwks":
            self.jwks_requests += 1
            key = self.key or signing_keys()[0]
            return self._send(handler, 200, {"keys": [key.as_dict(private=False)]})
        if path == "/realms/test/authorize":
            return self._authorize(handler, dict(urllib.parse.parse_qsl(url.query)))
        return self._send(handler, 404, {"error": "not_found"})

    def _authorize(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        self.authorize_requests.append(query)
        redirect = query.get("redirect_uri", "")
        problems = []
        if query.get("client_id") != self.client_id:
            problems.append("client_id")
        if query.get("response_type") != "code":
            problems.append("response_type")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            problems.append("pkce")
        if "openid" not in query.get("scope", "").split():
            problems.append("scope")
        if problems or not redirect:
            return self._send(handler, 400, {"error": "invalid_request", "problems": problems})
        answer: dict[str, str] = {"state": query.get("state", "")}
        if self.misbehave == "deny" or self.person is None:
            answer["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "person": self.person,
                "nonce": query.get("nonce", ""),
                "challenge": query["code_challenge"],
                "redirect_uri": redirect,
            }
            answer["code"] = code
        self._send(handler, 302, Location=redirect + "?" + urllib.parse.urlencode(answer))

    def _post(self, handler: BaseHTTPRequestHandler) -> None:
        if urllib.parse.urlsplit(handler.path).path != "/realms/test/token":
            return self._send(handler, 404, {"error": "not_found"})
        length = int(handler.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(handler.rfile.read(length).decode()))
        client_id, client_secret, method = (
            form.get("client_id"),
            form.get("client_secret"),
            "client_secret_post",
        )
        authorization = handler.headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            pair = base64.b64decode(authorization[6:]).decode()
            user, _, password = pair.partition(":")
            client_id, client_secret = urllib.parse.unquote(user), urllib.parse.unquote(password)
            method = "client_secret_basic"
        self.token_requests.append({"form": form, "method": method})
        if client_id != self.client_id or client_secret != self.client_secret:
            return self._send(handler, 401, {"error": "invalid_client"})
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return self._send(handler, 400, {"error": "invalid_grant"})
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._send(handler, 400, {"error": "invalid_grant", "problem": "redirect_uri"})
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if challenge != grant["challenge"]:
            return self._send(handler, 400, {"error": "invalid_grant", "problem": "code_verifier"})
        token = self.id_token(grant["person"], grant["nonce"])
        self._send(
            handler,
            200,
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": token,
            },
            **{"Cache-Control": "no-store"},
        )

    def id_token(self, person: Person, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": person.subject,
            "aud": self.client_id,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "email": person.email,
            "email_verified": person.email_verified,
            "amr": person.amr,
            "acr": "urn:test:loa:2",
        }
        good, rogue = signing_keys()
        good = self.key or good
        key, kid = good, good.kid
        if self.misbehave == "wrong_issuer":
            claims["iss"] = self.base + "/realms/someone-else"
        elif self.misbehave == "wrong_audience":
            claims["aud"] = "another-client"
        elif self.misbehave == "expired":
            claims["iat"], claims["exp"] = now - 3900, now - 3600
        elif self.misbehave == "unverified_email":
            claims["email_verified"] = False
        elif self.misbehave == "different_nonce":
            claims["nonce"] = "not-the-nonce-" + secrets.token_urlsafe(8)
        elif self.misbehave == "bad_signature":
            key = rogue  # signed with another key, under the published key's id
        elif self.misbehave == "unknown_key":
            key, kid = rogue, rogue.kid
        return jwt.encode({"alg": "RS256", "kid": kid}, claims, key)
