"""What an administrator gives to set up their organisation's provider (sso/actions.py)."""

from __future__ import annotations

from dataclasses import dataclass

from visible.inputs import ActionInput

from .models import DEFAULT_SCOPES


@dataclass(frozen=True, kw_only=True)
class ProviderInput(ActionInput):
    issuer: str
    client_id: str
    client_secret: str = ""  # blank: keep the stored one (required the first time)
    email_domains: tuple[str, ...]
    scopes: str = DEFAULT_SCOPES
    enforces_mfa: bool = False

    def __post_init__(self) -> None:
        self._as_tuple("email_domains")
