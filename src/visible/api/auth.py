"""Bearer-token authentication for API clients.

`Authorization: Bearer <token>` carries either the client's secret token or an access token
from the OAuth2 client-credentials grant. The request then acts as the client's organisation in
the client's role: ``request.viewer`` is the Viewer every policy and action takes. There is no
session or password authentication on the API: people use the web pages, with their second
factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.observability import context as log_context

from . import tokens
from .models import ApiClient

REALM = "Visible API"


@dataclass(frozen=True)
class ClientPrincipal:
    """What DRF calls the request's user: the client, seen as its organisation and role."""

    client: ApiClient
    viewer: Viewer

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __str__(self) -> str:
        return self.client.actor_name


class ApiClientAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request):
        header = authentication.get_authorization_header(request).decode("latin-1").strip()
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>' (the client's secret or an access token)"
            )
        token = token.strip()
        client = tokens.client_for_token(token)
        if client is None:
            revoked = tokens.revoked_client_for_token(token)
            if revoked is not None:
                record(
                    tokens.viewer_for_client(revoked),
                    AuditAction.SIGN_IN_FAILED,
                    object_type="apiclient",
                    object_id=revoked.pk,
                    summary=f"Revoked API client '{revoked.name}' tried to use the API",
                )
            raise exceptions.AuthenticationFailed(
                "The token is not valid: it may have expired or been revoked. Get a new access token from "
                "POST /api/v1/oauth/token, or ask your Visible administrator for a new client"
            )
        principal = ClientPrincipal(client, tokens.viewer_for_client(client))
        log_context.bind(api_client=client.pk, organisation_id=client.organisation_id)
        # The web's name for it (visible/web/request.py), for helpers the pages and API share.
        setattr(request._request, "viewer", principal.viewer)  # noqa: B010
        return principal, client

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{REALM}"'


class IsApiClient(permissions.BasePermission):
    def has_permission(self, request: Request, view) -> bool:
        return isinstance(request.auth, ApiClient)


def viewer_of(request: Request) -> Viewer:
    """The Viewer an authenticated API request acts as (its client's organisation and role)."""
    return cast(ClientPrincipal, request.user).viewer


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "visible.api.auth.ApiClientAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The API client's secret token (vis_sk_...), or an access token (vis_at_...) "
            "from POST /api/v1/oauth/token.",
        }
