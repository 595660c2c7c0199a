"""The only way Visible reaches an identity provider: HTTPS to a public address, a short
timeout, a small answer, no redirects.

An organisation's administrator types the issuer, so the server fetching it is a way to make
Visible reach any address it can: its own database, a cloud metadata service, a neighbour on a
private network. So the address a connection actually reaches is checked after connecting
and before anything is sent (checking the name's addresses first, then connecting, would let a
name that resolves differently the second time through): loopback, private, link-local,
reserved and multicast addresses are refused. ``VISIBLE_SSO_ALLOW_LOCAL_PROVIDERS`` lets
plain HTTP and local addresses through, for the tests' own provider on 127.0.0.1 and a
developer's; production settings never set it.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

TIMEOUT_SECONDS = 10
MAX_BYTES = 512 * 1024


class FetchError(Exception):
    """The provider could not be reached, or its answer was not usable: the message says which,
    in words an administrator can act on."""


def local_allowed() -> bool:
    return bool(getattr(settings, "VISIBLE_SSO_ALLOW_LOCAL_PROVIDERS", False))


def check_url(url: str, what: str = "The address") -> str:
    """The URL if Visible may fetch it (scheme and form; the address is checked on connecting)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "https" and not (parsed.scheme == "http" and local_allowed()):
        raise FetchError(f"{what} must start with https:// (it is {url[:100]})")
    if not parsed.hostname:
        raise FetchError(f"{what} has no host name ({url[:100]})")
    if parsed.username or parsed.password:
        raise FetchError(f"{what} must not contain a user name or password")
    return url


def _check_peer(address: str) -> None:
    if local_allowed():
        return
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast:
        raise FetchError(
            "The provider's address is not on the public internet (a private, loopback or "
            "reserved address): Visible does not fetch from those"
        )


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        # The plain socket first, its peer checked, then TLS: nothing is sent to a refused
        # address, not even the TLS greeting.
        http.client.HTTPConnection.connect(self)
        _check_peer(self.sock.getpeername()[0])
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock.getpeername()[0])


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise FetchError(
            f"{req.full_url[:100]} answered with a redirect to {newurl[:100]}: give the address "
            "it redirects to"
        )


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_HTTPSHandler(), _HTTPHandler(), _NoRedirects())


def _read(request: urllib.request.Request, what: str) -> tuple[int, Any]:
    """(status, parsed JSON). An HTTP error with a JSON body is returned (the token endpoint
    says what is wrong that way); anything else that fails is a FetchError."""
    try:
        response = _opener().open(request, timeout=TIMEOUT_SECONDS)
        status = response.status
    except urllib.error.HTTPError as error:
        response, status = error, error.code
    except FetchError:
        raise
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, FetchError):
            raise reason from None
        raise FetchError(f"Could not reach {what}: {reason}") from None
    with response:
        body = response.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise FetchError(f"{what} sent more than {MAX_BYTES // 1024} KB: not a provider's answer")
    try:
        data = json.loads(body)
    except ValueError:
        raise FetchError(f"{what} did not answer with JSON (HTTP {status})") from None
    return status, data


def get_json(url: str, what: str) -> dict[str, Any]:
    check_url(url, what)
    status, data = _read(urllib.request.Request(url, headers={"Accept": "application/json"}), what)
    if status != 200:
        raise FetchError(f"{what} answered HTTP {status}")
    if not isinstance(data, dict):
        raise FetchError(f"{what} did not answer with a JSON object")
    return data


def post_form(
    url: str, fields: dict[str, str], what: str, basic_auth: tuple[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    check_url(url, what)
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    if basic_auth:
        # RFC 6749 2.3.1: each part form-encoded before joining.
        user, password = (urllib.parse.quote(part, safe="") for part in basic_auth)
        headers["Authorization"] = "Basic " + base64.b64encode(
            f"{user}:{password}".encode()
        ).decode("ascii")
    body = urllib.parse.urlencode(fields).encode("ascii")
    status, data = _read(urllib.request.Request(url, data=body, headers=headers), what)
    if not isinstance(data, dict):
        raise FetchError(f"{what} did not answer with a JSON object")
    return status, data
