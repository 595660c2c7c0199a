"""Each request has a reference and one line in the log, and nothing a person typed or a child's
record holds reaches the log: a search for a child by name, their record, a missing report
and an error on the way, logged as production logs them, hold the request's reference, route,
status, user and duration, and not the child's names, date of birth or the search."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.db.utils import DataError
from django.test import override_settings
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD, make_api_client
from tests.observability.support import forms_of, report_form, signed_in
from visible.children import queries
from visible.missing.models import Episode
from visible.observability.formatting import WITHHELD

pytestmark = pytest.mark.django_db

HEX_32 = re.compile(r"[0-9a-f]{32}")


def test_a_search_a_record_a_missing_report_and_an_error_log_ids_never_the_child(
    captured_logs, sw_a, fake, monkeypatch
):
    given, family = fake.first_name(), fake.last_name()
    own_script = "Nguyễn Văn Anh"
    child = factories.create_child(
        sw_a,
        fake,
        [(own_script, "own_script")],
        given_names=given,
        family_name=family,
    )
    full_name = f"{given} {family}"
    client = signed_in(sw_a)

    found = client.get(reverse("web:children"), {"q": full_name})
    assert found.status_code == 200 and family in found.content.decode()
    record = client.get(reverse("web:child", args=[child.pk]))
    assert record.status_code == 200 and given in record.content.decode()
    reported = client.post(reverse("web:report-missing", args=[child.pk]), report_form(full_name))
    assert reported.status_code == 302 and Episode.objects.filter(child=child).exists()
    assert client.get(f"/children/{quote(given)}/").status_code == 404  # a URL typed by hand

    # The search fails as a database does on a value it cannot read: quoting the value.
    def failing_search(viewer, filters, page=1, audit=True):
        raise DataError(f'invalid input syntax for type date: "{filters.q}"')

    monkeypatch.setattr(queries, "find_children", failing_search)
    error = client.get(reverse("web:children"), {"q": own_script})
    assert error.status_code == 500
    reference = error.headers["X-Request-ID"]
    assert f"Quote this reference: <strong>{reference}</strong>" in error.content.decode()

    text = captured_logs.text()
    born = child.date_of_birth
    for secret in (
        given,
        family,
        full_name,
        own_script,
        born.isoformat(),
        f"{born:%d/%m/%Y}",
        f"{born.day} {born:%B %Y}",
        sw_a.username,  # people are logged by number too
    ):
        for form in forms_of(secret):
            assert form not in text, f"{secret!r} is in the log"
    assert "?q=" not in text and "q=" not in text

    lines = captured_logs.requests()
    assert [(line["method"], line.get("view"), line["status"]) for line in lines] == [
        ("GET", "web:children", 200),
        ("GET", "web:child", 200),
        ("POST", "web:report-missing", 302),
        ("GET", None, 404),
        ("GET", "web:children", 500),
    ]
    assert [line.get("route") for line in lines] == [
        "children/",
        "children/<int:pk>/",
        "children/<int:pk>/report-missing",
        None,
        "children/",
    ]
    for line in lines:
        assert HEX_32.fullmatch(line["request_id"])
        assert line["user_id"] == sw_a.pk
        assert line["organisation_id"] == child.responsible_organisation_id
        assert line["duration_ms"] >= 0 and line["client_ip"] == "127.0.0.1"
        assert line["timestamp"].endswith("Z") and line["level"] == "INFO"
    assert len({line["request_id"] for line in lines}) == len(lines)

    # The error: Django's line, with the route for the path, the traceback in a field, the
    # exception's type kept and its message (the value that failed) withheld.
    errors = [line for line in captured_logs.lines() if line["level"] == "ERROR"]
    assert len(errors) == 1
    failure = errors[0]
    assert failure["logger"] == "django.request"
    assert failure["message"] == "Internal Server Error: children/"
    assert failure["request_id"] == reference == lines[-1]["request_id"]
    assert failure["user_id"] == sw_a.pk and failure["route"] == "children/"
    assert failure["exc_type"] == "django.db.utils.DataError"
    assert "in failing_search" in failure["traceback"]
    assert failure["traceback"].endswith(f"django.db.utils.DataError: {WITHHELD}")


def test_a_sane_incoming_request_id_is_kept_and_anything_else_replaced(client, captured_logs):
    nginx = "0f5c3a1e9b7d4c2a8e6f1b3d5a7c9e0f"
    uuid_form = "3f2b8c1e-9d4a-4b6e-8f0a-1c2d3e4f5a6b"
    for sent, kept in (
        (nginx, True),
        (uuid_form, True),
        ("Dawit-Tekle-2026", False),  # a word is not a request id
        ("0f5c3a1e\n{}", False),  # nor anything that would forge a line
        ("abc123", False),  # too short to be unique
        ("f" * 65, False),
    ):
        response = client.get(reverse("web:sign-in"), HTTP_X_REQUEST_ID=sent)
        answered = response.headers["X-Request-ID"]
        assert (answered == sent) is kept, sent
        if not kept:
            assert HEX_32.fullmatch(answered)
    assert [line["request_id"] for line in captured_logs.requests()][:2] == [nginx, uuid_form]
    assert "Dawit" not in captured_logs.text()


def test_a_request_answered_before_any_view_still_has_its_reference_and_line(client, captured_logs):
    # The HTTPS redirect is made by the first of Django's middlewares: the request's line is
    # written above it, with the route the URL would have reached and no user.
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = client.get(reverse("web:children"), {"q": "Dawit"})
    assert response.status_code == 301 and HEX_32.fullmatch(response.headers["X-Request-ID"])
    (line,) = captured_logs.requests()
    assert (line["view"], line["status"], line["request_id"]) == (
        "web:children",
        301,
        response.headers["X-Request-ID"],
    )
    assert "user_id" not in line and "Dawit" not in captured_logs.text()


def test_an_unknown_method_is_not_written_as_sent(client, captured_logs):
    client.generic("DAWIT", reverse("web:sign-in"))
    (line,) = captured_logs.requests()
    assert line["method"] == "OTHER" and "DAWIT" not in captured_logs.text()


def test_an_api_request_is_logged_with_its_client_and_organisation(council_a, captured_logs):
    made = make_api_client(council_a)
    response = factories.bearer(made.secret).get("/api/v1/children", {"q": "Dawit"})
    assert response.status_code == 200
    (line,) = captured_logs.requests()
    assert line["api_client"] == made.client.pk and line["organisation_id"] == council_a.pk
    assert line["route"].startswith("api/v1/") and line["status"] == 200
    assert "user_id" not in line and "Dawit" not in captured_logs.text()


def test_signing_in_logs_neither_the_username_nor_the_password(client, sw_a, captured_logs):
    response = client.post(
        reverse("web:sign-in"), {"username": sw_a.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    (line,) = captured_logs.requests()
    assert line["view"] == "web:sign-in" and line["status"] == 302
    assert sw_a.username not in captured_logs.text() and PASSWORD not in captured_logs.text()
