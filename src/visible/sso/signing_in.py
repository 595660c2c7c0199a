"""Signing in through an organisation's provider: the authorization request (the code flow
with PKCE, state and nonce), the code exchanged for an ID token, and who that token signs in.

Nobody is ever created here: the token's email must be that of an active account with an
active membership of the provider's own organisation, at one of the email domains the
administrator listed for the provider, and (after the first time) the provider's subject
must be the one the account was first signed in as. Every refusal raises ``Refused`` with its
reason; ``refuse`` writes it to the audit log.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import urllib.parse
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from visible.agencies.models import Membership
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction

from . import client_secret as stored
from . import discovery, tokens
from .fetch import FetchError, post_form
from .models import EmailDomain, IdentityProvider, LinkedIdentity
from .tokens import Identity, Refused

FLOW_LIFETIME = dt.timedelta(minutes=10)

# Reasons beyond the token's own (tokens.REASONS).
PROVIDER_DISABLED = "provider_disabled"
ORGANISATION_DEACTIVATED = "organisation_deactivated"
PROVIDER_UNREACHABLE = "provider_unreachable"
PROVIDER_ERROR = "provider_error"
TOKEN_REQUEST_FAILED = "token_request_failed"
STATE_MISMATCH = "state_mismatch"
FLOW_EXPIRED = "flow_expired"
DOMAIN_NOT_SERVED = "email_domain_not_served"
UNKNOWN_EMAIL = "unknown_email"
OTHER_ORGANISATION = "other_organisation"
USER_DEACTIVATED = "user_deactivated"
MEMBERSHIP_ENDED = "membership_ended"
AMBIGUOUS_EMAIL = "ambiguous_email"
SUBJECT_MISMATCH = "subject_mismatch"

REASONS = {
    **tokens.REASONS,
    PROVIDER_DISABLED: "signing in with the organisation's provider is turned off",
    ORGANISATION_DEACTIVATED: "the organisation is deactivated",
    PROVIDER_UNREACHABLE: "the provider could not be reached or its configuration is not usable",
    PROVIDER_ERROR: "the provider answered with an error instead of a code",
    TOKEN_REQUEST_FAILED: "the provider did not give an ID token for the code",
    STATE_MISMATCH: "the answer does not belong to a sign-in started in this browser",
    FLOW_EXPIRED: "the sign-in took too long",
    DOMAIN_NOT_SERVED: "the email address is not at a domain this provider serves",
    UNKNOWN_EMAIL: "no account has this email address",
    OTHER_ORGANISATION: "the account is not a member of this organisation",
    USER_DEACTIVATED: "the account is deactivated",
    MEMBERSHIP_ENDED: "the account's membership of this organisation has ended",
    AMBIGUOUS_EMAIL: "more than one account has this email address",
    SUBJECT_MISMATCH: "the account was first signed in as another person at the provider",
}
# Refusals that mean "there is no usable account for you here": the page tells the person to
# ask their administrator, and nothing more (which of them it was is in the audit log).
NO_ACCOUNT = {
    UNKNOWN_EMAIL,
    OTHER_ORGANISATION,
    USER_DEACTIVATED,
    MEMBERSHIP_ENDED,
    AMBIGUOUS_EMAIL,
    SUBJECT_MISMATCH,
    DOMAIN_NOT_SERVED,
}


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def provider_for_email(email: str) -> IdentityProvider | None:
    """The provider serving the domain of `email` (enabled or not), if any."""
    domain = email_domain(email)
    if not domain:
        return None
    found = (
        EmailDomain.objects.select_related("provider__organisation").filter(domain=domain).first()
    )
    return found.provider if found else None


def usable(provider: IdentityProvider) -> str | None:
    """Why `provider` cannot be used to sign in now, or None."""
    organisation = provider.organisation
    if not organisation.is_active or organisation.deactivated_at is not None:
        return ORGANISATION_DEACTIVATED
    if not provider.enabled:
        return PROVIDER_DISABLED
    return None


# --- the authorization request -------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """One sign-in on its way to the provider and back, kept in the session: never sent
    anywhere but the state, the nonce and the PKCE challenge (not the verifier)."""

    provider_id: int
    state: str
    nonce: str
    verifier: str
    email: str
    next: str
    started: str  # ISO 8601

    def as_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Any) -> Flow | None:
        try:
            return cls(**data)
        except TypeError:
            return None

    def expired(self, now: dt.datetime) -> bool:
        return now - dt.datetime.fromisoformat(self.started) > FLOW_LIFETIME


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(
    provider: IdentityProvider, redirect_uri: str, email: str, next_url: str, now: dt.datetime
) -> tuple[str, Flow]:
    """The address to send the browser to, and the flow to keep in the session. FetchError if
    the provider's configuration cannot be had."""
    document = discovery.configuration(provider, now)
    discovery.check_document(provider.issuer, document)
    flow = Flow(
        provider_id=provider.pk,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(48),  # 64 characters: RFC 7636 asks for 43 to 128
        email=email,
        next=next_url,
        started=now.isoformat(),
    )
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scopes,
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": _challenge(flow.verifier),
        "code_challenge_method": "S256",
        "login_hint": email,
    }
    endpoint = document["authorization_endpoint"]
    joiner = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    return endpoint + joiner + urllib.parse.urlencode(query), flow


# --- the answer ----------------------------------------------------------------------------


def _token_auth_method(document: dict[str, Any]) -> str:
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"


def exchange(
    provider: IdentityProvider, flow: Flow, code: str, redirect_uri: str, now: dt.datetime
) -> Identity:
    """Swap the code for an ID token at the provider's token endpoint and check it."""
    try:
        document = discovery.configuration(provider, now)
        algorithms = discovery.check_document(provider.issuer, document)
        secret = stored.decrypt(provider.client_secret_encrypted)
    except (FetchError, stored.SecretUnreadable) as error:
        raise Refused(PROVIDER_UNREACHABLE, extra={"problem": str(error)[:300]}) from None
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": flow.verifier,
    }
    basic = None
    if _token_auth_method(document) == "client_secret_basic":
        basic = (provider.client_id, secret)
    else:
        fields.update(client_id=provider.client_id, client_secret=secret)
    try:
        status, answer = post_form(
            document["token_endpoint"], fields, "the provider's token endpoint", basic
        )
    except FetchError as error:
        raise Refused(PROVIDER_UNREACHABLE, extra={"problem": str(error)[:300]}) from None
    raw = answer.get("id_token")
    if status != 200 or not isinstance(raw, str):
        said = answer.get("error")
        problem = said[:100] if isinstance(said, str) else ""
        raise Refused(TOKEN_REQUEST_FAILED, extra={"status": status, "error": problem})

    def keys(kid: str | None):
        try:
            return discovery.keys(provider, now, kid=kid)
        except FetchError as error:
            raise Refused(PROVIDER_UNREACHABLE, extra={"problem": str(error)[:300]}) from None

    return tokens.check(
        raw,
        issuer=provider.issuer,
        client_id=provider.client_id,
        nonce=flow.nonce,
        algorithms=algorithms,
        keys=keys,
        now=now,
    )


def account_for(provider: IdentityProvider, identity: Identity):
    """The one active account, with an active membership of the provider's organisation, that
    `identity` signs in; Refused otherwise. Never creates one."""
    email = identity.email
    domains = set(provider.domain_names)
    if email_domain(email) not in domains:
        raise Refused(DOMAIN_NOT_SERVED, email)
    users = list(get_user_model().objects.filter(email__iexact=email))
    if not users:
        raise Refused(UNKNOWN_EMAIL, email)
    members = [
        u
        for u in users
        if Membership.objects.filter(user=u, organisation=provider.organisation).exists()
    ]
    if not members:
        raise Refused(OTHER_ORGANISATION, email)
    active = [u for u in members if u.is_active]
    if not active:
        raise Refused(USER_DEACTIVATED, email)
    current = [
        u
        for u in active
        if Membership.objects.filter(
            user=u,
            organisation=provider.organisation,
            is_active=True,
            deactivated_at__isnull=True,
        ).exists()
    ]
    if not current:
        raise Refused(MEMBERSHIP_ENDED, email)
    if len(current) > 1:
        raise Refused(AMBIGUOUS_EMAIL, email)
    user = current[0]
    linked = LinkedIdentity.objects.filter(provider=provider, user=user).first()
    if linked is not None and linked.subject != identity.subject:
        raise Refused(SUBJECT_MISMATCH, email)
    other = (
        LinkedIdentity.objects.filter(provider=provider, subject=identity.subject)
        .exclude(user=user)
        .exists()
    )
    if other:
        raise Refused(SUBJECT_MISMATCH, email)
    return user


def link(provider: IdentityProvider, user, identity: Identity, now: dt.datetime) -> None:
    """Remember the subject the account signed in as (the first time), or when it last did."""
    updated = LinkedIdentity.objects.filter(
        provider=provider, user=user, subject=identity.subject
    ).update(last_signed_in_at=now)
    if updated:
        return
    try:
        with transaction.atomic():
            LinkedIdentity.objects.create(
                provider=provider,
                user=user,
                subject=identity.subject,
                linked_at=now,
                last_signed_in_at=now,
            )
    except IntegrityError:  # linked to another subject at the same moment: refuse this one
        raise Refused(SUBJECT_MISMATCH, identity.email) from None


# --- the audit log -------------------------------------------------------------------------


def refuse(
    provider: IdentityProvider | None,
    reason: str,
    *,
    email: str = "",
    ip: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """A refused sign-in through a provider, in the audit log: the reason, the provider, the
    address the token gave (nothing else of the token's) and the client's address."""
    organisation = provider.organisation if provider else None
    who = Viewer(user_id=None, username=email[:150], organisation=organisation, role=None)
    detail: dict[str, Any] = {"via": "single sign-on", "reason": reason, "ip": ip}
    if provider is not None:
        detail["issuer"] = provider.issuer
    if extra:
        detail.update(extra)
    words = REASONS.get(reason, reason)
    record(
        who,
        AuditAction.SIGN_IN_FAILED,
        object_type="identity_provider",
        object_id=provider.pk if provider else "",
        summary=(
            f"Sign-in with {organisation}'s identity provider refused: {words}"
            if organisation
            else f"Sign-in with an organisation's identity provider refused: {words}"
        ),
        detail=detail,
    )


def signed_in_detail(
    provider: IdentityProvider, identity: Identity, second_factor: str
) -> dict[str, Any]:
    """What the 'Signed in' event says of a sign-in through the provider."""
    detail: dict[str, Any] = {
        "via": "single sign-on",
        "issuer": provider.issuer,
        "organisation": provider.organisation.name,
        "second_factor": second_factor,
    }
    if identity.amr:
        detail["amr"] = identity.amr
    if identity.acr:
        detail["acr"] = identity.acr
    return detail
