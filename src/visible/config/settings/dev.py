"""Local demo: `make run`. Debug off unless VISIBLE_DEBUG=1; a fixed, clearly non-secret key."""

import os

from .base import *  # noqa: F403
from .base import SECRET_KEY as _KEY
from .base import (
    VAR_DIR,
    VISIBLE_AUDIT_KEY,
    VISIBLE_LOG_LEVEL,
    env_flag,
    key_in_file,
    logging_from,
)

SECRET_KEY = _KEY or "visible-local-demo-key-not-for-production-use-0123456789"
# The audit chain's key: random, made once and kept in var/audit.key (never in the database).
VISIBLE_AUDIT_KEY = VISIBLE_AUDIT_KEY or key_in_file(VAR_DIR / "audit.key")

# The demo serves static files straight from build/static through WhiteNoise.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # nothing is collected for the demo; WhiteNoise serves build/static directly

# Password reset emails are printed in the terminal; `visible totp-code USERNAME` prints a demo
# user's current second-factor code (refused under any other settings).
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Links in notifications point at the demo's own server.
VISIBLE_BASE_URL = os.environ.get("VISIBLE_BASE_URL", "").strip().rstrip("/") or (
    "http://127.0.0.1:8000"
)
VISIBLE_ALLOW_DEMO_CODES = True

# The demo sends pseudonymised child-level records with the development key, which anyone can
# read: allowed here only (docs/pseudonymisation.md). Set VISIBLE_PSEUDO_KEY to try a real one.
VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY = True

# Logs a person reads in the terminal, exception messages included (the demo's people are
# synthetic); VISIBLE_LOG_FORMAT=json shows production's lines.
VISIBLE_LOG_FORMAT = os.environ.get("VISIBLE_LOG_FORMAT", "text").strip().lower()
VISIBLE_LOG_EXCEPTION_MESSAGES = env_flag("VISIBLE_LOG_EXCEPTION_MESSAGES", True)
LOGGING = logging_from(VISIBLE_LOG_FORMAT, VISIBLE_LOG_LEVEL, VISIBLE_LOG_EXCEPTION_MESSAGES)
