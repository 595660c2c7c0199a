"""The audit chain's key: each event's hash is an HMAC made with a key the database does not
hold, so someone who can rewrite the audit table cannot make the rewritten chain verify.

The key comes from the VISIBLE_AUDIT_KEY setting: the environment in production (which
refuses to start without it), a file under VAR_DIR made once for the local demo, a fixed
key for the tests. Each event records the key's id, a short fingerprint that tells keys
apart without revealing them, so `visible audit verify` can say "written with a different
key" rather than only "broken"."""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MINIMUM_KEY_LENGTH = 32
UNKEYED = ""  # the key id of events written before the chain was keyed (`visible audit rekey`)


def chain_key() -> bytes:
    """The key the chain is hashed with, from settings.VISIBLE_AUDIT_KEY."""
    key = getattr(settings, "VISIBLE_AUDIT_KEY", "") or ""
    if len(key) < MINIMUM_KEY_LENGTH:
        problem = "is not set" if not key else "is too short"
        raise ImproperlyConfigured(
            f"VISIBLE_AUDIT_KEY {problem}: the audit log is hashed with it. Use at least {MINIMUM_KEY_LENGTH} random "
            "characters (python -c 'import secrets; print(secrets.token_hex(32))'), kept in the secret store."
        )
    return key.encode("utf-8")


@functools.lru_cache(maxsize=8)
def key_id(key: bytes) -> str:
    """The first 8 hex digits of the key's SHA-256: enough to tell keys apart, nothing to
    rebuild the key from."""
    return hashlib.sha256(key).hexdigest()[:8]


def current_key_id() -> str:
    return key_id(chain_key())
