"""An organisation administrator's changes to their organisation's provider: set up or
change, check the issuer, turn on and off, forget a person's link. Each checks who is asking,
validates, writes and appends its audit event in one transaction. The client secret is never
in an event: only that it was set or changed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from visible.agencies.models import Organisation, Role
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction

from . import client_secret as stored
from . import discovery
from .fetch import FetchError, check_url
from .inputs import ProviderInput
from .models import EmailDomain, IdentityProvider, LinkedIdentity

# Checking the issuer changes what is kept of it (its configuration, keys and the result).
CHECKED = AuditAction.CHANGE
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def may_manage(viewer: Viewer, organisation: Organisation | None) -> bool:
    """An organisation administrator, for their own organisation only."""
    return (
        organisation is not None
        and viewer.organisation_id == organisation.pk
        and viewer.has_role(Role.ORGANISATION_ADMIN)
    )


def is_operator(viewer: Viewer) -> bool:
    """Whoever runs the server, from the command line (`visible sso`): Viewer.system('cli:...')."""
    return (
        viewer.user_id is None
        and viewer.organisation is None
        and viewer.username.startswith("<cli")
    )


def _require(viewer: Viewer, organisation: Organisation, *, operator_may: bool = False) -> None:
    """The organisation's own administrator; for checking and turning off (never setting up
    or turning on, which is the organisation's decision), also the server's operator."""
    if operator_may and is_operator(viewer):
        return
    if not may_manage(viewer, organisation):
        raise PermissionDenied(
            "Only the organisation's own administrator may set up its single sign-on"
        )


def provider_of(organisation: Organisation | None) -> IdentityProvider | None:
    if organisation is None:
        return None
    return IdentityProvider.objects.filter(organisation=organisation).first()


def _domains(values: tuple[str, ...], provider: IdentityProvider | None) -> list[str]:
    domains: list[str] = []
    problems = []
    for value in values:
        domain = value.strip().lower().lstrip("@").rstrip(".")
        if not domain:
            continue
        if not DOMAIN.match(domain):
            problems.append(
                f"'{value.strip()[:100]}' is not an email domain: write it as in an address "
                "after the @, like kent.gov.uk"
            )
            continue
        if domain not in domains:
            domains.append(domain)
    taken = EmailDomain.objects.filter(domain__in=domains)
    if provider is not None:
        taken = taken.exclude(provider=provider)
    for other in taken.select_related("provider__organisation"):
        problems.append(
            f"{other.domain} is already served by another organisation's provider: each domain "
            "can be served by one provider only"
        )
    if not domains and not problems:
        problems.append("Enter at least one email domain your people's addresses are at")
    if problems:
        raise ValidationError({"email_domains": problems})
    return domains


def _validate(values: ProviderInput, provider: IdentityProvider | None) -> list[str]:
    errors: dict[str, list[str]] = {}
    issuer = values.issuer.strip()
    if not issuer:
        errors["issuer"] = ["Enter the issuer URL your provider gives"]
    else:
        try:
            check_url(issuer, "The issuer")
        except FetchError as error:
            errors["issuer"] = [str(error)]
    if not values.client_id.strip():
        errors["client_id"] = ["Enter the client ID your provider gave Visible"]
    if provider is None and not values.client_secret.strip():
        errors["client_secret"] = ["Enter the client secret your provider gave Visible"]
    scopes = values.scopes.split()
    if "openid" not in scopes or "email" not in scopes:
        errors["scopes"] = [
            "The scopes must include openid and email (for example: openid email profile)"
        ]
    try:
        domains = _domains(values.email_domains, provider)
    except ValidationError as error:
        errors.update(error.message_dict)
        domains = []
    if errors:
        raise ValidationError(errors)
    return domains


def configure(
    viewer: Viewer, organisation: Organisation, values: ProviderInput, now: dt.datetime
) -> IdentityProvider:
    """Set up the organisation's provider, or change it. A new issuer turns single sign-on off
    (check the new one, then turn it on again) and forgets the links to the old issuer's
    subjects. Off until turned on."""
    _require(viewer, organisation)
    with transaction.atomic():
        provider = (
            IdentityProvider.objects.select_for_update().filter(organisation=organisation).first()
        )
        domains = _validate(values, provider)
        issuer, client_id = values.issuer.strip(), values.client_id.strip()
        scopes = " ".join(values.scopes.split())
        created = provider is None
        changed: dict[str, Any] = {}
        if provider is None:
            provider = IdentityProvider(organisation=organisation, created_at=now)
            before: dict[str, Any] = {}
        else:
            before = {
                "issuer": provider.issuer,
                "client_id": provider.client_id,
                "scopes": provider.scopes,
                "enforces_mfa": provider.enforces_mfa,
                "email_domains": provider.domain_names,
            }
        after = {
            "issuer": issuer,
            "client_id": client_id,
            "scopes": scopes,
            "enforces_mfa": values.enforces_mfa,
            "email_domains": sorted(domains),
        }
        for name, value in after.items():
            if before.get(name) != value:
                changed[name] = {"from": before.get(name), "to": value} if not created else value
        if values.client_secret.strip():
            provider.client_secret_encrypted = stored.encrypt(values.client_secret.strip())
            changed["client_secret"] = "set" if created else "changed"
        new_issuer = not created and before["issuer"] != issuer
        if created or new_issuer or before.get("client_id") != client_id:
            provider.discovery = provider.jwks = None
            provider.discovery_fetched_at = provider.jwks_fetched_at = None
            provider.check_ok, provider.checked_at, provider.check_message = False, None, ""
        if new_issuer and provider.enabled:
            provider.enabled = False
            changed["enabled"] = {"from": True, "to": False}
        provider.issuer, provider.client_id, provider.scopes = issuer, client_id, scopes
        provider.enforces_mfa = values.enforces_mfa
        provider.updated_at, provider.updated_by = now, viewer.display_name
        provider.save()
        if sorted(domains) != sorted(before.get("email_domains", [])):
            EmailDomain.objects.filter(provider=provider).exclude(domain__in=domains).delete()
            for domain in domains:
                EmailDomain.objects.get_or_create(provider=provider, domain=domain)
        forgotten = 0
        if new_issuer:
            forgotten, _ = LinkedIdentity.objects.filter(provider=provider).delete()
            changed["links_forgotten"] = forgotten
        if created or changed:
            summary = (
                f"Set up single sign-on for {organisation} with {issuer}"
                if created
                else f"Changed single sign-on for {organisation}: "
                + ", ".join(k.replace("_", " ") for k in changed)
            )
            if "enforces_mfa" in changed:
                summary += (
                    " (the provider's own MFA now stands in for Visible's second factor)"
                    if values.enforces_mfa
                    else " (Visible's own second factor is asked for again)"
                )
            record(
                viewer,
                AuditAction.CREATE if created else AuditAction.CHANGE,
                object_type="identity_provider",
                object_id=provider.pk,
                summary=summary,
                detail={"changed": changed},
            )
    return provider


def check(viewer: Viewer, provider: IdentityProvider, now: dt.datetime) -> discovery.Found:
    """Fetch the issuer's configuration and keys and keep them if they are usable; the result
    (found, or the problem in words) is kept on the provider and audited. Raises FetchError
    with the problem."""
    _require(viewer, provider.organisation, operator_may=True)
    try:
        document, jwks, found = discovery.fetch(provider.issuer)
    except FetchError as error:
        with transaction.atomic():
            IdentityProvider.objects.filter(pk=provider.pk).update(
                checked_at=now, check_ok=False, check_message=str(error)[:500]
            )
            record(
                viewer,
                CHECKED,
                object_type="identity_provider",
                object_id=provider.pk,
                summary=f"Checked the issuer {provider.issuer}: not usable",
                detail={"ok": False, "problem": str(error)[:500]},
            )
        raise
    message = (
        f"Found the provider's configuration and {found.key_count} signing "
        f"key{'s' if found.key_count != 1 else ''}"
    )
    with transaction.atomic():
        IdentityProvider.objects.filter(pk=provider.pk).update(
            discovery=document,
            discovery_fetched_at=now,
            jwks=jwks,
            jwks_fetched_at=now,
            checked_at=now,
            check_ok=True,
            check_message=message,
        )
        record(
            viewer,
            CHECKED,
            object_type="identity_provider",
            object_id=provider.pk,
            summary=f"Checked the issuer {provider.issuer}: usable",
            detail={"ok": True, "keys": found.key_count, "algorithms": found.algorithms},
        )
    provider.refresh_from_db()
    return found


def set_enabled(
    viewer: Viewer, provider: IdentityProvider, enabled: bool, now: dt.datetime
) -> IdentityProvider:
    """Turn signing in through the provider on (only once the issuer has been checked and
    found usable) or off (the server's operator may turn it off: a provider compromised)."""
    _require(viewer, provider.organisation, operator_may=not enabled)
    with transaction.atomic():
        provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
        if enabled and not provider.check_ok:
            raise ValidationError(
                "Check the issuer first: single sign-on can be turned on once Visible has found "
                "the provider's configuration and keys"
            )
        if provider.enabled == enabled:
            return provider
        provider.enabled = enabled
        provider.updated_at, provider.updated_by = now, viewer.display_name
        provider.save(update_fields=["enabled", "updated_at", "updated_by"])
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="identity_provider",
            object_id=provider.pk,
            summary=(
                f"Turned on single sign-on for {provider.organisation}"
                if enabled
                else f"Turned off single sign-on for {provider.organisation}"
            ),
            detail={"changed": {"enabled": {"from": not enabled, "to": enabled}}},
        )
    return provider


def forget_link(viewer: Viewer, provider: IdentityProvider, user_id: int) -> bool:
    """Forget the subject a person was linked to, so their next sign-in links them afresh
    (after the provider gave their address to a new account of theirs). False if none."""
    _require(viewer, provider.organisation)
    with transaction.atomic():
        link = (
            LinkedIdentity.objects.select_related("user")
            .filter(provider=provider, user_id=user_id)
            .first()
        )
        if link is None:
            return False
        link.delete()
        record(
            viewer,
            AuditAction.CHANGE,
            object_type="user",
            object_id=user_id,
            summary=f"Forgot {link.user.get_username()}'s link to {provider.organisation}'s identity provider",
            detail={"provider": provider.pk},
        )
    return True
