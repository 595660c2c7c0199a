"""Error reports to Sentry: sent only when VISIBLE_SENTRY_DSN is set, and then holding the
code's frames, the request's reference and the user's number, never the child's name, the
query string, the form, the cookies or the frames' variables. The reports go to a stand-in
for Sentry on this machine, as the SDK sends them (an HTTP POST of an envelope)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import pytest
from django.conf import settings
from django.db.utils import DataError
from django.test import Client, RequestFactory
from django.urls import reverse

from tests import factories
from tests.observability.support import forms_of, report_form
from visible.missing import actions as missing_actions
from visible.observability.formatting import WITHHELD
from visible.observability.sentry import SAFE_HEADERS, init_sentry

ROOT = Path(__file__).resolve().parents[2]


def failing_report(viewer, child, values):
    """Reporting fails as a database does on a value it cannot store: quoting the value."""
    raise DataError(f'value too long for type character varying: "{values.circumstances}"')


class StandIn(BaseHTTPRequestHandler):
    """Sentry's envelope endpoint: keeps each envelope it is sent, decompressed."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli  # type: ignore[import-not-found]

            body = brotli.decompress(body)
        self.server.envelopes.append(body.decode())  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture
def sentry():
    """Sentry on, as the production settings turn it on, sending to the stand-in."""
    import sentry_sdk

    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    server.envelopes = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    init_sentry(
        f"http://public@127.0.0.1:{server.server_address[1]}/1",
        environment="test",
        release="visible@test",
    )
    yield server
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)
    server.shutdown()
    server.server_close()


def events_in(envelopes: list[str]) -> list[dict]:
    """The events in the envelopes: each item is a header line, then its payload line."""
    events = []
    for envelope in envelopes:
        lines = envelope.splitlines()
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def through_the_server(environ: dict) -> tuple[str, dict[str, str], bytes]:
    """Answer a request as gunicorn has Django answer it (its WSGI handler, which sentry-sdk
    wraps to read the request), in this test's transaction: the signals that would close the
    test's database connection are held off, as Django's test client holds them off."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    answered: dict = {}

    def start_response(status, headers, exc_info=None):
        answered["status"], answered["headers"] = status, dict(headers)

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, start_response)
        body = b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answered["status"], answered["headers"], body


def test_an_error_report_has_the_reference_and_the_code_and_nothing_of_the_child(
    sentry, sw_a, fake, monkeypatch
):
    import sentry_sdk

    given, family = fake.first_name(), fake.last_name()
    full_name = f"{given} {family}"
    child = factories.create_child(sw_a, fake, given_names=given, family_name=family)
    client = Client()
    client.force_login(sw_a)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = "k" * 32

    monkeypatch.setattr(missing_actions, "report_missing", failing_report)
    url = reverse("web:report-missing", args=[child.pk])
    request = RequestFactory().post(
        f"{url}?{urlencode({'q': full_name})}",
        report_form(full_name) | {"csrfmiddlewaretoken": csrf},
        HTTP_COOKIE=(
            f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}; "
            f"last_search={quote_plus(full_name)}"
        ),
        HTTP_USER_AGENT="Mozilla/5.0 (a browser)",
        HTTP_REFERER=f"https://visible.example/children/?q={quote_plus(full_name)}",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    status, headers, page = through_the_server(request.environ)
    assert status.startswith("500") and headers["X-Request-ID"] in page.decode()
    sentry_sdk.flush(timeout=10)

    sent = "\n".join(sentry.envelopes)
    events = events_in(sentry.envelopes)
    assert events, "no report reached the stand-in"
    for event in events:
        assert event["tags"]["request_id"] == headers["X-Request-ID"]
        assert event["tags"]["route"] == "children/<int:pk>/report-missing"
        assert event["user"] == {"id": str(sw_a.pk)}
        assert event["environment"] == "test" and event["release"] == "visible@test"
        assert event["request"]["method"] == "POST"
        assert event["request"]["headers"]["User-Agent"] == "Mozilla/5.0 (a browser)"
        assert {name.lower() for name in event["request"]["headers"]} <= SAFE_HEADERS
    (error,) = [event for event in events if "exception" in event]
    (value,) = error["exception"]["values"]
    assert value["type"] == "DataError" and value["value"] == WITHHELD
    frames = value["stacktrace"]["frames"]
    assert any(frame["function"] == "report_missing" for frame in frames)
    assert all("vars" not in frame for frame in frames)

    born = child.date_of_birth
    for secret in (given, family, full_name, born.isoformat(), f"{born:%d/%m/%Y}", session, csrf):
        for form in forms_of(secret):
            assert form not in sent, f"{secret!r} was sent to Sentry"
    for left_behind in (
        "203.0.113.9",
        "q=",
        '"query_string"',
        '"cookies"',
        "last_search",
        "visible.example",
        '"data"',
        '"env"',
        '"vars"',
        '"extra"',
        '"breadcrumbs"',
        sw_a.username,
    ):
        assert left_behind not in sent, f"{left_behind!r} was sent to Sentry"


def _production(**env: str) -> subprocess.CompletedProcess:
    """A fresh process on the production settings, with their secrets and `env`."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VISIBLE_") and k != "DJANGO_SETTINGS_MODULE"
    }
    environment.update(
        PYTHONPATH=str(ROOT / "src"),
        DJANGO_SETTINGS_MODULE="visible.config.settings.production",
        VISIBLE_SECRET_KEY="s" * 50,
        VISIBLE_AUDIT_KEY="a" * 40,
        **env,
    )
    code = (
        "import sys, django; django.setup(); loaded = 'sentry_sdk' in sys.modules; "
        "import sentry_sdk; client = sentry_sdk.get_client(); "
        "collected = client.options.get('data_collection') or {}; "
        "print(loaded, client.is_active(), collected.get('user_info'), "
        "collected.get('stack_frame_variables'), collected.get('cookies', {}).get('mode'), "
        "collected.get('url_query_params', {}).get('mode'), collected.get('http_bodies'))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.real_clock
def test_without_a_dsn_sentry_is_not_even_loaded():
    result = _production()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["False", "False"]


@pytest.mark.real_clock
def test_with_a_dsn_the_production_settings_turn_it_on_collecting_no_personal_data():
    result = _production(VISIBLE_SENTRY_DSN="http://public@127.0.0.1:9/1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False", "False", "off", "off", "[]"]
