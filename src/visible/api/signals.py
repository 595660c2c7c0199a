"""A leaver's API clients: when someone's access to an organisation ends
(visible.people.members.deactivate), the API clients they created for that organisation are
revoked in the same transaction, as they saw the secret when it was shown."""

from __future__ import annotations

from django.dispatch import receiver

from visible.people.signals import membership_deactivated

from . import tokens
from .models import ApiClient


@receiver(membership_deactivated)
def revoke_the_leavers_clients(sender, membership, by: str, now, **kwargs) -> list[str]:
    ended = []
    for client in ApiClient.objects.filter(
        created_by_id=membership.user_id,
        organisation_id=membership.organisation_id,
        revoked_at__isnull=True,
    ).order_by("pk"):
        tokens.revoke_client(client.client_id, by=by)
        ended.append(f"API client '{client.name}'")
    return ended
