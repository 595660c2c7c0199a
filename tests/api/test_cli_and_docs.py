"""`visible api-client ...` and the published schema and documentation page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import bearer
from visible.api.models import ApiClient
from visible.audit.models import AuditEvent
from visible.cli import main


@pytest.mark.django_db
def test_create_prints_the_token_once_and_it_works(council_a, capsys):
    code = main(
        [
            "api-client",
            "create",
            "--organisation",
            council_a.name,
            "--role",
            "senior_manager",
            "--name",
            "Case management system",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    secret = re.search(r"secret token:\s+(vis_sk_\S+)", out).group(1)
    client = ApiClient.objects.get()
    assert client.role == "senior_manager" and client.created_by_name.startswith("cli")
    assert secret not in (client.secret_digest, client.secret_hint)
    assert bearer(secret).get("/api/v1/children").status_code == 200
    assert AuditEvent.objects.filter(
        action="create", object_type="apiclient", object_id=str(client.pk)
    ).exists()

    assert main(["api-client", "list"]) == 0
    listed = capsys.readouterr().out
    assert client.client_id in listed and secret not in listed

    assert main(["api-client", "revoke", client.client_id]) == 0
    capsys.readouterr()
    assert bearer(secret).get("/api/v1/children").status_code == 401


@pytest.mark.django_db
def test_create_mistakes_are_one_line_errors(council_a, capsys):
    code = main(
        [
            "api-client",
            "create",
            "--organisation",
            council_a.name,
            "--role",
            "police_officer",
            "--name",
            "x",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "cannot act as 'police_officer'" in err and "Traceback" not in err


@pytest.mark.django_db
def test_schema_is_published_without_a_token():
    response = Client().get("/api/v1/schema.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert {
        "/api/v1/children",
        "/api/v1/children/{id}",
        "/api/v1/episodes",
        "/api/v1/oauth/token",
    } <= set(paths)
    assert set(paths["/api/v1/children/{id}"]["patch"]["responses"]) >= {
        "200",
        "400",
        "401",
        "403",
        "404",
        "412",
        "428",
        "429",
    }
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


@pytest.mark.django_db
def test_docs_page_lists_every_operation_without_scripts():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for operation in (
        "GET /api/v1/children",
        "PATCH /api/v1/children/{id}",
        "POST /api/v1/oauth/token",
        "GET /api/v1/episodes/{id}/grab-pack.pdf",
    ):
        assert operation in html
