"""The client secret, kept encrypted.

Fernet (AES-128-CBC with an HMAC-SHA256 tag) under a key derived from Django's SECRET_KEY with
HKDF for this one purpose, so the database alone (a backup, a read replica, a stolen dump) does
not give the secret. Whoever has SECRET_KEY can already forge sessions, so a key of its own
would add a secret to keep without keeping out anyone new. SECRET_KEY_FALLBACKS are tried
when decrypting, so the secret survives a rotation of SECRET_KEY while the old key is listed
there; after that the administrator enters the secret again (docs/sso.md).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PURPOSE = b"visible.sso.client-secret"


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted with SECRET_KEY or its fallbacks."""


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
        secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(k) for k in keys if k])


def encrypt(secret: str) -> str:
    return _keys().encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    try:
        return _keys().decrypt(stored.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise SecretUnreadable(
            "The client secret cannot be read: it was stored under another SECRET_KEY. Enter it again."
        ) from None
