"""How Visible reaches a provider: over HTTPS, at a public address, no redirects, small
answers; its configuration and keys cached, the keys fetched again when the provider rotates
them."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from joserfc.jwk import RSAKey

from tests.factories import as_viewer
from tests.security.signing_in import is_signed_in
from tests.sso.journey import kent_admin, member, set_up_provider, sign_in_through
from visible.audit.models import AuditEvent
from visible.sso import actions, discovery
from visible.sso.fetch import MAX_BYTES, FetchError, get_json
from visible.sso.inputs import ProviderInput
from visible.sso.models import IdentityProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.VISIBLE_SSO_ALLOW_LOCAL_PROVIDERS = False


def test_in_production_an_issuer_must_be_https(production, council_b):
    admin = kent_admin(council_b)
    with pytest.raises(ValidationError) as refused:
        actions.configure(
            as_viewer(admin),
            council_b,
            ProviderInput(
                issuer="http://idp.kent.example/",
                client_id="c",
                client_secret="s",
                email_domains=("kent.gov.uk",),
            ),
            timezone.now(),
        )
    assert "The issuer must start with https://" in str(refused.value.message_dict["issuer"])
    assert IdentityProvider.objects.count() == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_in_production_nothing_is_sent_to_a_local_address(production, oidc, host):
    port = oidc.base.rsplit(":", 1)[1]
    with pytest.raises(FetchError, match="not on the public internet"):
        discovery.fetch(f"https://{host}:{port}/realms/test")
    assert oidc.discovery_requests == 0  # refused on connecting, before a byte was sent


class _Answer(BaseHTTPRequestHandler):
    status = 200
    body = b"{}"
    headers_to_send: dict[str, str] = {}

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(self.status)
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture
def answering():
    servers = []

    def serve(status=200, body=b"{}", **headers):
        handler = type(
            "Handler", (_Answer,), {"status": status, "body": body, "headers_to_send": headers}
        )
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_redirect_is_not_followed(answering):
    url = answering(302, b"", Location="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(FetchError, match="answered with a redirect to http://169.254.169.254"):
        get_json(url, "the provider's configuration")


def test_a_huge_answer_is_refused(answering):
    url = answering(200, b"[" + b"0," * MAX_BYTES + b"0]")
    with pytest.raises(FetchError, match="sent more than 512 KB"):
        get_json(url, "the provider's configuration")


def test_an_answer_that_is_not_json_is_refused(answering):
    with pytest.raises(FetchError, match=r"did not answer with JSON \(HTTP 200\)"):
        get_json(answering(200, b"<html>"), "the provider's configuration")
    with pytest.raises(FetchError, match="answered HTTP 500"):
        get_json(answering(500, b"{}"), "the provider's configuration")


def test_configuration_and_keys_are_cached_and_the_keys_fetched_again_when_rotated(
    client, oidc, council_b
):
    admin = kent_admin(council_b)
    member("sw.kent", council_b, "sam.okafor@kent.gov.uk")
    set_up_provider(admin, oidc, enforces_mfa=True)
    fetched = (oidc.discovery_requests, oidc.jwks_requests)  # by the administrator's check
    oidc.sign_in_as("sam.okafor@kent.gov.uk")
    sign_in_through(client, oidc, "sam.okafor@kent.gov.uk")
    assert is_signed_in(client)
    assert (oidc.discovery_requests, oidc.jwks_requests) == fetched  # from the cache
    client.logout()
    # The provider rotates its signing key: the new key id is not in the cache, so the keys
    # are fetched again and the sign-in goes through.
    # are fetched again and the sign-in goes through; but not more than once a minute, so a
    # flood of tokens naming made-up keys cannot make Visible hammer the provider.
    oidc.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-2", "use": "sig"})
    sign_in_through(client, oidc, "sam.okafor@kent.gov.uk")
    assert not is_signed_in(client)
    assert AuditEvent.objects.filter(action="sign_in_failed").get().detail_data["reason"] == (
        "unknown_key"
    )
    assert oidc.jwks_requests == fetched[1]
    IdentityProvider.objects.update(jwks_fetched_at=timezone.now() - dt.timedelta(minutes=2))
    sign_in_through(client, oidc, "sam.okafor@kent.gov.uk")
    assert is_signed_in(client)
    assert oidc.jwks_requests == fetched[1] + 1
    assert IdentityProvider.objects.get().jwks["keys"][0]["kid"] == "test-key-2"
