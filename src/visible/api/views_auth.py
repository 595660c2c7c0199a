"""The OAuth2 client-credentials grant (RFC 6749 section 4.4), the published schema, and a
plain HTML rendering of it (no scripts, so it keeps to the strict Content-Security-Policy)."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import exceptions, permissions
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction

from . import tokens
from .errors import TITLES, ErrorSerializer, body
from .serializers import TokenError, TokenRequest, TokenResponse
from .throttles import TokenEndpointThrottle
from .views import ApiView


def _token_error(status_code: int, error: str, description: str, basic: bool = False) -> Response:
    data = {"error": error, "error_description": description, **body(status_code, description)}
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if status_code == 401:
        headers["WWW-Authenticate"] = (
            'Basic realm="Visible API"' if basic else 'Bearer realm="Visible API"'
        )
    return Response(data, status=status_code, headers=headers)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _, secret = decoded.partition(":")
    return unquote_plus(client_id), unquote_plus(secret)  # RFC 6749 2.3.1: form-encoded first


class TokenView(ApiView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [TokenEndpointThrottle]
    parser_classes = [FormParser, JSONParser]

    @extend_schema(
        operation_id="oauth_token",
        tags=["authentication"],
        auth=[],
        summary="Get an access token (OAuth2 client credentials)",
        description="Send grant_type=client_credentials with the client's id and secret (in the form, or as HTTP "
        "Basic). The access token works as a bearer token until it expires (expires_in seconds).",
        request={
            "application/x-www-form-urlencoded": TokenRequest,
            "application/json": TokenRequest,
        },
        responses={
            200: TokenResponse,
            400: OpenApiResponse(
                TokenError, description="invalid_request or unsupported_grant_type"
            ),
            401: OpenApiResponse(
                TokenError, description="invalid_client: unknown client, wrong secret, or revoked"
            ),
            429: OpenApiResponse(
                ErrorSerializer, description="Too many attempts from this address"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            data = request.data
        except (exceptions.UnsupportedMediaType, exceptions.ParseError):
            return _token_error(
                400,
                "invalid_request",
                "Send the form as application/x-www-form-urlencoded "
                "(or JSON) with grant_type, client_id and client_secret",
            )
        if not hasattr(data, "get"):
            return _token_error(
                400, "invalid_request", "Send grant_type, client_id and client_secret as a form"
            )
        grant = data.get("grant_type")
        if not grant or not isinstance(grant, str):
            return _token_error(
                400, "invalid_request", "grant_type is missing: send grant_type=client_credentials"
            )
        if grant != "client_credentials":
            return _token_error(
                400, "unsupported_grant_type", "Only grant_type=client_credentials is supported"
            )
        basic = _basic_credentials(request)
        client_id, secret = (
            basic if basic is not None else (data.get("client_id"), data.get("client_secret"))
        )
        if (
            not isinstance(client_id, str)
            or not isinstance(secret, str)
            or not client_id
            or not secret
        ):
            return _token_error(
                400,
                "invalid_request",
                "Send client_id and client_secret (in the form, or as HTTP Basic)",
            )
        client = tokens.client_for_credentials(client_id, secret)
        if client is None:
            record(
                Viewer(
                    user_id=None, username=f"api:{client_id[:60]}", organisation=None, role=None
                ),
                AuditAction.SIGN_IN_FAILED,
                object_type="apiclient",
                object_id=client_id[:64],
                summary="Failed API client authentication at the token endpoint",
            )
            return _token_error(
                401,
                "invalid_client",
                "Unknown client, wrong secret, or the client was revoked",
                basic=basic is not None,
            )
        issued = tokens.issue_access_token(client)
        return Response(
            {"access_token": issued.token, "token_type": "Bearer", "expires_in": issued.expires_in},
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI 3 schema, public (it describes the API; it holds no data)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []


@csrf_exempt  # answers every method; changes nothing
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/v1/: a JSON 404, not the web's HTML page."""
    return JsonResponse(
        body(404, "There is no such API endpoint: see /api/v1/schema.json"), status=404
    )


METHOD_ORDER = ("get", "post", "put", "patch", "delete")
CHOICE = re.compile(r"\*\s`([^`]*)`\s-\s(.+?)(?=\s*\*\s`|\Z)", re.S)


def _described(description: str, enum: list) -> tuple[str, list[str]]:
    """drf-spectacular writes choices as a markdown list ('* `M` - Male'): as 'M: Male' lines."""
    choices = [
        f"{value}: {label.strip()}" if label.strip() != value else value
        for value, label in CHOICE.findall(description or "")
    ]
    text = CHOICE.sub("", description or "").strip()
    return text, choices or [str(v) for v in enum or []]


def docs(request: HttpRequest) -> HttpResponse:
    """The schema as a page: each operation, its parameters, body and answers."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})

    def resolved(schema_or_ref: dict) -> dict:
        ref = (schema_or_ref or {}).get("$ref", "")
        return components.get(ref.rsplit("/", 1)[-1], {}) if ref else schema_or_ref or {}

    def fields_of(ref_holder: dict) -> list[dict]:
        found = resolved(ref_holder)
        required = set(found.get("required", []))
        fields = []
        for name, prop in found.get("properties", {}).items():
            target = resolved((prop.get("allOf") or [prop])[0])
            text, choices = _described(
                prop.get("description", "") or target.get("description", ""), target.get("enum", [])
            )
            fields.append(
                {
                    "name": name,
                    "type": target.get("type") or prop.get("type") or "object",
                    "required": name in required,
                    "description": text,
                    "enum": choices,
                }
            )
        return fields

    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method in METHOD_ORDER:
            op = methods.get(method)
            if not op:
                continue
            content = (op.get("requestBody") or {}).get("content", {})
            first_body = next(iter(content.values()), {}).get("schema") if content else None
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tag": (op.get("tags") or [""])[0],
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "description": _described(p.get("description", ""), [])[0],
                            "enum": _described(
                                p.get("description", ""), p.get("schema", {}).get("enum", [])
                            )[1],
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": fields_of(first_body) if first_body else [],
                    "responses": [
                        (code, r.get("description", ""))
                        for code, r in op.get("responses", {}).items()
                    ],
                    "anchor": op.get("operationId", ""),
                }
            )
    return render(
        request, "api/docs.html", {"schema": schema, "operations": operations, "titles": TITLES}
    )
