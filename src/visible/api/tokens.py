"""Creating and revoking API clients, issuing OAuth2 access tokens and recognising a token on
a request. Each change is audited in the same transaction as the change itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction

from .models import AccessToken, ApiClient

SECRET_PREFIX = "vis_sk_"  # the client's own secret: a bearer token and the OAuth2 client_secret
ACCESS_PREFIX = "vis_at_"  # a short-lived access token from POST /api/v1/oauth/token
CLIENT_ID_PREFIX = "visc_"
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # last_used_at is written at most once a minute

# The roles a client of each kind of organisation may act as: the roles its people hold, and
# the organisation's administrator, for a client that provisions its people from its own
# directory (the people API, docs/api.md; it sees no child, as an administrator does not).
ROLES_FOR_KIND = {
    OrganisationKind.COUNCIL: (
        Role.SOCIAL_WORKER,
        Role.MISSING_COORDINATOR,
        Role.SENIOR_MANAGER,
        Role.ANALYST,
        Role.ORGANISATION_ADMIN,
    ),
    OrganisationKind.HSC_TRUST: (
        Role.SOCIAL_WORKER,
        Role.MISSING_COORDINATOR,
        Role.SENIOR_MANAGER,
        Role.ANALYST,
        Role.ORGANISATION_ADMIN,
    ),
    OrganisationKind.POLICE: (Role.POLICE_OFFICER, Role.TRAFFICKING_SPOC, Role.ORGANISATION_ADMIN),
    OrganisationKind.GUARDIAN_SERVICE: (Role.GUARDIAN, Role.ORGANISATION_ADMIN),
    OrganisationKind.NGO: (Role.NGO_WORKER, Role.ORGANISATION_ADMIN),
    OrganisationKind.NATIONAL_BODY: (Role.ANALYST, Role.ORGANISATION_ADMIN),
}


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def access_token_lifetime() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "VISIBLE_API_ACCESS_TOKEN_SECONDS", 3600)))


def viewer_for_client(client: ApiClient) -> Viewer:
    """The client is a member of its organisation in its acting role, for every policy."""
    return Viewer(
        user_id=None, username=client.actor_name, organisation=client.organisation, role=client.role
    )


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    secret: str  # shown once, never stored


@transaction.atomic
def create_client(
    organisation_name: str, role: str, name: str, by: str, created_by=None
) -> NewClient:
    """A new client and its secret token. Mistakes raise ValueError saying how to fix them."""
    organisation = Organisation.objects.filter(name=organisation_name).first()
    if organisation is None:
        close = list(
            Organisation.objects.filter(name__icontains=organisation_name.strip()[:20]).values_list(
                "name", flat=True
            )[:5]
        )
        hint = (
            f"; did you mean {', '.join(repr(c) for c in close)}?"
            if close
            else "; give its exact name"
        )
        raise ValueError(f"there is no organisation called '{organisation_name}'{hint}")
    if not organisation.is_active:
        raise ValueError(
            f"'{organisation.name}' is no longer active; clients are for active organisations"
        )
    allowed = ROLES_FOR_KIND.get(organisation.kind, ())
    if role not in allowed:
        choices = ", ".join(r.value for r in allowed) or "none"
        raise ValueError(
            f"a client of {organisation.name} ({organisation.get_kind_display().lower()}) cannot act "
            f"as '{role}'; choose one of: {choices}"
        )
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError(
            "give the client a name of 1 to 100 characters, e.g. 'Case management system'"
        )
    if ApiClient.objects.filter(
        organisation=organisation, name=name, revoked_at__isnull=True
    ).exists():
        raise ValueError(
            f"{organisation.name} already has an active client called '{name}'; "
            "revoke it first or choose another name"
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        organisation=organisation,
        name=name,
        role=role,
        client_id=CLIENT_ID_PREFIX + secrets.token_hex(10),
        secret_digest=digest(secret),
        secret_hint=secret[:12],
        created_by=created_by,
        created_by_name=by[:150],
    )
    record(
        Viewer(user_id=None, username=by, organisation=None, role=None),
        AuditAction.CREATE,
        object_type="apiclient",
        object_id=client.pk,
        summary=f"Created API client '{name}' for {organisation.name}, acting as {client.get_role_display()}",
        detail={"client_id": client.client_id, "organisation": organisation.pk, "role": role},
    )
    return NewClient(client, secret)


@transaction.atomic
def revoke_client(client_id: str, by: str) -> ApiClient:
    client = ApiClient.objects.select_for_update().filter(client_id=client_id).first()
    if client is None:
        raise ValueError(
            f"there is no API client '{client_id}'; `visible api-client list` shows them"
        )
    if client.revoked_at is not None:
        raise ValueError(
            f"'{client.name}' was already revoked on {timezone.localtime(client.revoked_at):%d/%m/%Y %H:%M}"
        )
    client.revoked_at = timezone.now()
    client.revoked_by_name = by[:150]
    client.save(update_fields=["revoked_at", "revoked_by_name"])
    AccessToken.objects.filter(client=client).delete()
    record(
        Viewer(user_id=None, username=by, organisation=None, role=None),
        AuditAction.END,
        object_type="apiclient",
        object_id=client.pk,
        summary=f"Revoked API client '{client.name}' of {client.organisation.name}",
        detail={"client_id": client.client_id},
    )
    return client


def _touch(client: ApiClient, now: dt.datetime) -> None:
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now


def client_for_token(token: str) -> ApiClient | None:
    """The active client a bearer token belongs to (its secret, or an unexpired access token)."""
    now = timezone.now()
    client: ApiClient | None = None
    if token.startswith(ACCESS_PREFIX):
        access = (
            AccessToken.objects.select_related("client__organisation__authority")
            .filter(digest=digest(token), expires_at__gt=now)
            .first()
        )
        client = access.client if access else None
    elif token.startswith(SECRET_PREFIX):
        client = (
            ApiClient.objects.select_related("organisation__authority")
            .filter(secret_digest=digest(token))
            .first()
        )
    if client is None or not client.is_active:
        return None
    _touch(client, now)
    return client


def revoked_client_for_token(token: str) -> ApiClient | None:
    """The revoked client a secret belonged to, so that its use can be audited."""
    if not token.startswith(SECRET_PREFIX):
        return None
    return ApiClient.objects.filter(secret_digest=digest(token), revoked_at__isnull=False).first()


def client_for_credentials(client_id: str, client_secret: str) -> ApiClient | None:
    client = ApiClient.objects.select_related("organisation").filter(client_id=client_id).first()
    if client is None or not hmac.compare_digest(client.secret_digest, digest(client_secret)):
        return None
    return client if client.is_active else None


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


@transaction.atomic
def issue_access_token(client: ApiClient) -> IssuedToken:
    """OAuth2 client credentials: a new access token; the client's expired ones are cleared."""
    now = timezone.now()
    lifetime = access_token_lifetime()
    AccessToken.objects.filter(client=client, expires_at__lte=now).delete()
    token = ACCESS_PREFIX + secrets.token_urlsafe(32)
    AccessToken.objects.create(
        client=client, digest=digest(token), issued_at=now, expires_at=now + lifetime
    )
    _touch(client, now)
    record(
        viewer_for_client(client),
        AuditAction.SIGN_IN,
        object_type="apiclient",
        object_id=client.pk,
        summary=f"API client '{client.name}' obtained an access token (client credentials)",
        detail={"client_id": client.client_id, "expires_at": (now + lifetime).isoformat()},
    )
    return IssuedToken(token, int(lifetime.total_seconds()))
