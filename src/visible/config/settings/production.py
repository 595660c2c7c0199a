"""Production: every secret from the environment; refuses to start without them."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

if not os.environ.get("VISIBLE_SECRET_KEY"):
    raise ImproperlyConfigured("Set VISIBLE_SECRET_KEY in the environment before starting Visible.")
SECRET_KEY = os.environ["VISIBLE_SECRET_KEY"]
# The audit chain's key (docs/security.md): from the secret store, never in the database,
# never the demo's key file.
if len(os.environ.get("VISIBLE_AUDIT_KEY", "")) < 32:
    raise ImproperlyConfigured(
        "Set VISIBLE_AUDIT_KEY in the environment before starting Visible: at least 32 random characters, kept in "
        "the secret store (it keys the audit log's hash chain)."
    )
VISIBLE_AUDIT_KEY = os.environ["VISIBLE_AUDIT_KEY"]
DEBUG = False  # never, whatever VISIBLE_DEBUG says
VISIBLE_ALLOW_DEMO_CODES = False
VISIBLE_SSO_ALLOW_LOCAL_PROVIDERS = (
    False  # never: a provider is fetched over HTTPS, at a public address
)
VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY = False  # never: pseudonymised records need VISIBLE_PSEUDO_KEY
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# __Host- cookies are sent only over HTTPS, to this exact host, for every path: no subdomain
# can set or read them.
SESSION_COOKIE_NAME = "__Host-visible-session"
CSRF_COOKIE_NAME = "__Host-visible-csrf"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_NAME = "__Host-visible-language"
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# HSTS preloading is the decision of whoever owns the whole domain Visible is served under (a
# council's, a police force's), not of this application: a preloaded domain is HTTPS-only in
# browsers for every subdomain, and leaving the list takes months. So the `preload` token is sent
# only when VISIBLE_HSTS_PRELOAD=1 says the domain's owner has chosen it, and `check --deploy`'s
# reminder (security.W021) is silenced otherwise; HSTS itself (a year, subdomains) is always on.
SECURE_HSTS_PRELOAD = env_flag("VISIBLE_HSTS_PRELOAD")  # noqa: F405
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env_flag("VISIBLE_BEHIND_TLS_PROXY"):  # noqa: F405
    # The proxy terminates TLS and says so; without this, SECURE_SSL_REDIRECT would loop.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Error reports to Sentry only when a DSN is set (observability/sentry.py says what a report
# may hold); without one sentry-sdk is not loaded at all.
if VISIBLE_SENTRY_DSN:  # noqa: F405
    from visible.observability.sentry import init_sentry

    init_sentry(
        VISIBLE_SENTRY_DSN,  # noqa: F405
        environment=VISIBLE_SENTRY_ENVIRONMENT,  # noqa: F405
        release=VISIBLE_RELEASE,  # noqa: F405
    )
