"""Settings shared by every environment. Everything that differs is read from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from visible.observability.formatting import logging_config

SRC_DIR = Path(__file__).resolve().parents[2]  # .../src/visible
PROJECT_DIR = SRC_DIR.parents[1]
VAR_DIR = Path(os.environ.get("VISIBLE_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite database and uploads live here


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def installed_version() -> str:
    """The version of Visible installed (the release its error reports name)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"visible@{version('visible')}"
    except PackageNotFoundError:
        return ""


def num_proxies_from(environ) -> int:
    """VISIBLE_NUM_PROXIES: how many reverse proxies of ours stand in front of Visible, each
    appending to X-Forwarded-For. The older VISIBLE_CLIENT_IP_HEADER=HTTP_X_FORWARDED_FOR (use
    the last address in that header) meant exactly one; any other header is refused, as its
    rule cannot be kept."""
    legacy = environ.get("VISIBLE_CLIENT_IP_HEADER", "").strip()
    if legacy and legacy != "HTTP_X_FORWARDED_FOR":
        raise ImproperlyConfigured(
            f"VISIBLE_CLIENT_IP_HEADER={legacy} is no longer read. Visible takes the client's address from "
            "REMOTE_ADDR, or from X-Forwarded-For behind proxies: unset VISIBLE_CLIENT_IP_HEADER and set "
            "VISIBLE_NUM_PROXIES to the number of proxies in front of Visible that append to X-Forwarded-For."
        )
    text = environ.get("VISIBLE_NUM_PROXIES", "").strip()
    if not text:
        return 1 if legacy else 0
    try:
        proxies = int(text)
    except ValueError:
        proxies = -1
    if proxies < 0:
        raise ImproperlyConfigured(
            f"VISIBLE_NUM_PROXIES={text} is not a number of proxies: write 0 (no proxy: X-Forwarded-For is "
            "ignored) or how many proxies in front of Visible append to X-Forwarded-For, for example 1."
        )
    return proxies


def key_in_file(path: Path) -> str:
    """A random key made the first time and kept in ``path`` (mode 0600), for the local demo:
    never in the database. Made whole in a file of its own and then linked into place, so two
    processes starting at once read the same key, never half of one."""
    if not path.exists():
        spare = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, f"{secrets.token_hex(32)}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(spare, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(spare)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("VISIBLE_SECRET_KEY", "")
DEBUG = env_flag("VISIBLE_DEBUG", False)
ALLOWED_HOSTS = [
    h for h in os.environ.get("VISIBLE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "visible.reference",
    "visible.agencies",
    "visible.audit",
    "visible.children",
    "visible.missing",
    "visible.ssda903",
    "visible.register",
    "visible.returns",
    "visible.pseudo",
    "visible.national",
    "visible.sharing",
    "visible.transfers",
    "visible.security",
    "visible.sso",
    "visible.people",
    "visible.rota",
    "visible.worker",
    "visible.notifications",
    "visible.childpack",
    "rest_framework",
    "drf_spectacular",
    "visible.api",
    "visible.web",
]

MIDDLEWARE = [
    # First: the request's reference and its line in the log, timed from here (web/request_log.py).
    "visible.web.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language (English or Cymraeg): the footer's choice, kept in a cookie, else the
    # browser's Accept-Language (docs/welsh.md). After sessions, before CommonMiddleware.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "visible.audit.refusals.RefusalAuditMiddleware",  # every refusal audited, once (docs/access.md)
    "visible.web.middleware.SessionTimeoutMiddleware",
    # Who the person acts for (request.viewer); sessions whose access has ended end here.
    "visible.web.middleware.AccessMiddleware",
    "visible.web.request_log.RequestUserMiddleware",  # the user (by number) on each log line
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "visible.web.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "visible.config.urls"
WSGI_APPLICATION = "visible.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "visible.web.context.viewer",
                "visible.web.language.language",
            ],
        },
    }
]

# Each server thread keeps its connection for VISIBLE_DB_CONN_MAX_AGE seconds and checks it
# before reusing it at the start of a request (a database restart costs no failed request).
# The server's threads are a fixed pool, so a server holds at most workers x threads
# connections (docs/decisions/0009-production-server.md).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'visible.sqlite3'}",
        conn_max_age=int(os.environ.get("VISIBLE_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the audit log's writes and page reads overlap; a busy timeout
    # keeps a second writer waiting instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache's table in the database (made by the migration web/0001_cache_table).
CACHE_TABLE = "visible_cache"


def caches_from(environ) -> dict:
    """Where the rate limits count (API clients, the token endpoint, password reset links):
    one cache shared by every server process, so a limit holds across them. Redis when
    VISIBLE_CACHE_REDIS_URL or VISIBLE_REDIS_URL is set: give the cache a Redis database of
    its own (VISIBLE_CACHE_REDIS_URL=redis://127.0.0.1:6379/1 beside the queue's
    VISIBLE_REDIS_URL=redis://127.0.0.1:6379/0), as clearing a cache empties its whole
    database. Otherwise the database's own cache table, which needs no other server.
    VISIBLE_CACHE_KEY_PREFIX keeps several Visibles apart in one Redis."""
    prefix = environ.get("VISIBLE_CACHE_KEY_PREFIX", "").strip() or "visible"
    redis_url = (
        environ.get("VISIBLE_CACHE_REDIS_URL", "").strip()
        or environ.get("VISIBLE_REDIS_URL", "").strip()
    )
    if redis_url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": prefix,
                # A Redis that does not answer fails the request in seconds, not minutes.
                "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
            }
        }
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "KEY_PREFIX": prefix,
            # Room for a count per client, address and email asked about: the default of 300
            # would let a flood of new keys push the counts of the rest out (culling).
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }


CACHES = caches_from(os.environ)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
# English and Welsh (docs/welsh.md, docs/decisions/0021): Welsh councils offer their services in
# Welsh. The pages' strings are marked for translation; the Welsh catalogue is
# src/visible/locale/cy/LC_MESSAGES/django.po, compiled at set-up (`make setup`).
USE_I18N = True
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [SRC_DIR / "locale"]
# The footer's language switch keeps the choice in this cookie for a year: not secret, but sent
# only to Visible, over HTTPS in production (production.py), and never read by a script.
LANGUAGE_COOKIE_NAME = "visible_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "d/m/Y"

STATIC_URL = "/static/"
STATIC_ROOT: Path | None = VAR_DIR / "staticfiles"  # None where nothing is collected
STATICFILES_DIRS = [PROJECT_DIR / "build" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT: Path | str = VAR_DIR / "media"

# Uploads (visible/uploads.py): every limit is checked before a file is parsed, with a message
# naming it. Sized to real data: the largest authority's SSDA903 return is about 250,000 rows
# (about 14 MB of CSV, 50 MB as XML); a national return has 128 figures and at most about 40,000
# nationality rows (8 groups x 4 measures x ~250 nationalities x 5 genders).
_MB = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = (
    5 * _MB
)  # an uploaded file larger than this waits in a temporary file, not memory
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * _MB  # a request's body apart from its files (forms, API JSON)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20  # an SSDA903 return is at most 11 CSV files
FILE_UPLOAD_HANDLERS = [
    "visible.uploads.RequestSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# A whole request (the backstop; each page's own limit below gives the message). Set the
# reverse proxy's body limit (nginx client_max_body_size) to the same.
VISIBLE_UPLOAD_MAX_REQUEST_BYTES = _env_int("VISIBLE_UPLOAD_MAX_REQUEST_BYTES", 110 * _MB)
# An SSDA903 return's files together (CSV or the XML form), or one CIN factors file.
VISIBLE_SSDA903_MAX_BYTES = _env_int("VISIBLE_SSDA903_MAX_BYTES", 100 * _MB)
VISIBLE_SSDA903_MAX_ROWS = _env_int("VISIBLE_SSDA903_MAX_ROWS", 600_000)  # over the files together
VISIBLE_CSV_MAX_LINE_CHARACTERS = _env_int(
    "VISIBLE_CSV_MAX_LINE_CHARACTERS", 10_000
)  # any uploaded CSV
# A national return (XLSX, CSV or JSON), or a CSV grouping authorities into regions.
VISIBLE_RETURN_MAX_BYTES = _env_int("VISIBLE_RETURN_MAX_BYTES", 10 * _MB)
VISIBLE_RETURN_MAX_ROWS = _env_int("VISIBLE_RETURN_MAX_ROWS", 50_000)  # in a sheet or CSV file
VISIBLE_RETURN_MAX_COLUMNS = _env_int("VISIBLE_RETURN_MAX_COLUMNS", 50)
VISIBLE_RETURN_MAX_SHEETS = _env_int("VISIBLE_RETURN_MAX_SHEETS", 20)
VISIBLE_XLSX_MAX_PARTS = _env_int("VISIBLE_XLSX_MAX_PARTS", 200)  # files inside the workbook's zip
VISIBLE_XLSX_MAX_UNPACKED_BYTES = _env_int("VISIBLE_XLSX_MAX_UNPACKED_BYTES", 20 * _MB)
VISIBLE_XLSX_MAX_COMPRESSION_RATIO = _env_int(
    "VISIBLE_XLSX_MAX_COMPRESSION_RATIO", 100
)  # parts over 1 MB
# A child's photograph: JPEG or PNG only (by content), re-encoded without its metadata.
VISIBLE_PHOTO_MAX_BYTES = _env_int("VISIBLE_PHOTO_MAX_BYTES", 10 * _MB)
VISIBLE_PHOTO_MAX_PIXELS = _env_int("VISIBLE_PHOTO_MAX_PIXELS", 40_000_000)

# Live pages (the missing-now board, a force's list, the alerts inbox, the banner on every page)
# ask for changes this often, in seconds (docs/alerts.md). Polls do not count as activity for
# the idle timeout below.
VISIBLE_LIVE_POLL_SECONDS = float(os.environ.get("VISIBLE_LIVE_POLL_SECONDS", 15))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Signing in (docs/security.md). Times in seconds; each can be set from the environment.
VISIBLE_SESSION_IDLE_TIMEOUT = int(os.environ.get("VISIBLE_SESSION_IDLE_TIMEOUT", 30 * 60))
VISIBLE_SESSION_ABSOLUTE_TIMEOUT = (
    SESSION_COOKIE_AGE  # signed out 8 hours after signing in, active or not
)
VISIBLE_SECOND_FACTOR_TIMEOUT = 10 * 60  # from the password to the code
# An account is locked from one address after MAX_FAILURES there, and slowed (never locked) from
# addresses it has not signed in from after MAX_FAILURES from anywhere: SLOWDOWN seconds after
# the last failure, doubling, at most SLOWDOWN_MAX (security/throttle.py).
VISIBLE_SIGN_IN_MAX_FAILURES = int(
    os.environ.get("VISIBLE_SIGN_IN_MAX_FAILURES", 5)
)  # per username
VISIBLE_SIGN_IN_MAX_FAILURES_PER_IP = int(os.environ.get("VISIBLE_SIGN_IN_MAX_FAILURES_PER_IP", 20))
VISIBLE_SIGN_IN_FAILURE_WINDOW = int(os.environ.get("VISIBLE_SIGN_IN_FAILURE_WINDOW", 15 * 60))
VISIBLE_SIGN_IN_LOCKOUT = int(os.environ.get("VISIBLE_SIGN_IN_LOCKOUT", 15 * 60))
VISIBLE_SIGN_IN_SLOWDOWN = int(os.environ.get("VISIBLE_SIGN_IN_SLOWDOWN", 2))
VISIBLE_SIGN_IN_SLOWDOWN_MAX = int(os.environ.get("VISIBLE_SIGN_IN_SLOWDOWN_MAX", 3 * 60))
# The addresses each person has signed in from, which failures elsewhere do not slow: the most
# recent few, each forgotten after so many days unused.
VISIBLE_SIGN_IN_KNOWN_ADDRESSES = int(os.environ.get("VISIBLE_SIGN_IN_KNOWN_ADDRESSES", 10))
VISIBLE_SIGN_IN_KNOWN_ADDRESS_DAYS = int(os.environ.get("VISIBLE_SIGN_IN_KNOWN_ADDRESS_DAYS", 90))
# Password reset links asked for, per address and per client in an hour, before more are
# quietly not sent (the page says the same either way). Counted in the shared cache (CACHES).
VISIBLE_PASSWORD_RESETS_PER_HOUR = int(os.environ.get("VISIBLE_PASSWORD_RESETS_PER_HOUR", 5))
# The client's address, for every limit and record (security/throttle.client_ip): how many
# reverse proxies of ours in front of Visible append to X-Forwarded-For. 0: the header is
# ignored (anyone can send it) and REMOTE_ADDR is the client. N: the Nth address from the right.
VISIBLE_NUM_PROXIES = num_proxies_from(os.environ)
VISIBLE_TOTP_ISSUER = "Visible"
# Single sign-on with an organisation's own provider (docs/sso.md): how long its configuration
# and keys are cached, and the clock drift allowed on its ID tokens. Plain HTTP and local
# addresses for a provider only where a setting allows them (the tests' own provider).
VISIBLE_SSO_CACHE_SECONDS = int(os.environ.get("VISIBLE_SSO_CACHE_SECONDS", 24 * 60 * 60))
VISIBLE_SSO_CLOCK_LEEWAY = int(os.environ.get("VISIBLE_SSO_CLOCK_LEEWAY", 60))
VISIBLE_SSO_ALLOW_LOCAL_PROVIDERS = False
VISIBLE_ALLOW_DEMO_CODES = False  # `visible totp-code`: the local demo only (dev.py)
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link runs out after an hour (and works once)
EMAIL_BACKEND = os.environ.get(
    "VISIBLE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("VISIBLE_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("VISIBLE_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("VISIBLE_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("VISIBLE_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("VISIBLE_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("VISIBLE_FROM_EMAIL", "Visible <no-reply@localhost>")
# Invitations (docs/provisioning.md, "People"): the link in the email works once, for this
# many days. Links in emails sent from the command line start with VISIBLE_BASE_URL (below); a
# page or an API call uses the address it was asked at.
VISIBLE_INVITATION_DAYS = int(os.environ.get("VISIBLE_INVITATION_DAYS", 7))

# Notifications (docs/notifications.md): email through the SMTP relay above (EMAIL_*), and text
# messages (and, with VISIBLE_NOTIFY_EMAIL=1, email) through GOV.UK Notify, which is off until
# VISIBLE_NOTIFY_API_KEY is set. Bodies never name a child: a reference and a link to
# VISIBLE_BASE_URL, Visible's address as its users reach it (the one setting for every link
# Visible sends: notifications, digests, invitations sent from the command line).
VISIBLE_BASE_URL = os.environ.get("VISIBLE_BASE_URL", "").strip().rstrip("/") or (
    f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS and ALLOWED_HOSTS[0] != "*" else ""
)
VISIBLE_NOTIFY_API_KEY = os.environ.get("VISIBLE_NOTIFY_API_KEY", "").strip()
VISIBLE_NOTIFY_BASE_URL = os.environ.get(
    "VISIBLE_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
).strip()
VISIBLE_NOTIFY_EMAIL = env_flag("VISIBLE_NOTIFY_EMAIL", False)  # email by Notify, not SMTP
VISIBLE_NOTIFY_SMS_TEMPLATE_ID = os.environ.get("VISIBLE_NOTIFY_SMS_TEMPLATE_ID", "").strip()
VISIBLE_NOTIFY_EMAIL_TEMPLATE_ID = os.environ.get("VISIBLE_NOTIFY_EMAIL_TEMPLATE_ID", "").strip()
VISIBLE_NOTIFY_DIGEST_TEMPLATE_ID = os.environ.get("VISIBLE_NOTIFY_DIGEST_TEMPLATE_ID", "").strip()
# The text to a child with the pack's numbers (childpack/texting.py): a template of one field,
# ((body)). Empty: no text is ever sent to a child.
VISIBLE_NOTIFY_CHILD_SMS_TEMPLATE_ID = os.environ.get(
    "VISIBLE_NOTIFY_CHILD_SMS_TEMPLATE_ID", ""
).strip()
# A send that fails is tried again after each of these delays (seconds), then given up, and the
# child's missing-children coordinators are alerted that the person was not told.
VISIBLE_NOTIFY_RETRY_DELAYS = [
    int(part)
    for part in os.environ.get("VISIBLE_NOTIFY_RETRY_DELAYS", "30,120,600,1800").split(",")
    if part.strip()
]
# One try's limit for the mail server or Notify to answer; a message still being sent after
# VISIBLE_NOTIFY_STUCK_SECONDS (its worker died) is tried again.
VISIBLE_NOTIFY_TIMEOUT_SECONDS = _env_int("VISIBLE_NOTIFY_TIMEOUT_SECONDS", 30)
VISIBLE_NOTIFY_STUCK_SECONDS = _env_int("VISIBLE_NOTIFY_STUCK_SECONDS", 5 * 60)
# The morning digest goes out from this UK time (HH:MM).
VISIBLE_DIGEST_AT = os.environ.get("VISIBLE_DIGEST_AT", "07:00").strip()


def notify_problems(key: str, templates: dict[str, str]) -> list[str]:
    """What is wrong with the GOV.UK Notify settings, in words (never quoting the key)."""
    import re

    if not key:
        return []
    found = []
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    if not re.fullmatch(rf".+-{uuid}-{uuid}", key):
        found.append(
            "VISIBLE_NOTIFY_API_KEY is not a GOV.UK Notify API key (the key's name, the service "
            "id and the secret, joined by hyphens): copy the whole key from Notify's API "
            "integration page"
        )
    for name, value in templates.items():
        if not re.fullmatch(uuid, value):
            found.append(
                f"{name} must be the id of a template in your Notify service (a UUID): "
                "docs/notifications.md lists the templates to make"
            )
    return found


_NOTIFY_PROBLEMS = notify_problems(
    VISIBLE_NOTIFY_API_KEY,
    {
        "VISIBLE_NOTIFY_SMS_TEMPLATE_ID": VISIBLE_NOTIFY_SMS_TEMPLATE_ID,
        **(
            {
                "VISIBLE_NOTIFY_EMAIL_TEMPLATE_ID": VISIBLE_NOTIFY_EMAIL_TEMPLATE_ID,
                "VISIBLE_NOTIFY_DIGEST_TEMPLATE_ID": VISIBLE_NOTIFY_DIGEST_TEMPLATE_ID,
            }
            if VISIBLE_NOTIFY_EMAIL
            else {}
        ),
    },
)
if _NOTIFY_PROBLEMS:
    raise ImproperlyConfigured("; ".join(_NOTIFY_PROBLEMS))
if VISIBLE_NOTIFY_EMAIL and not VISIBLE_NOTIFY_API_KEY:
    raise ImproperlyConfigured(
        "VISIBLE_NOTIFY_EMAIL=1 sends email through GOV.UK Notify, which needs VISIBLE_NOTIFY_API_KEY"
    )
if not VISIBLE_NOTIFY_RETRY_DELAYS or min(VISIBLE_NOTIFY_RETRY_DELAYS) < 1:
    raise ImproperlyConfigured(
        "VISIBLE_NOTIFY_RETRY_DELAYS lists the seconds to wait before each new try, at least "
        "one, each 1 or more: for example 30,120,600,1800"
    )

# The audit log (docs/security.md, docs/decisions/0007). Each event's hash is an HMAC with
# VISIBLE_AUDIT_KEY, which is never in the database (production: the environment, required;
# the demo: var/audit.key). The chain's head is appended to VISIBLE_AUDIT_ANCHOR_FILE (and
# sent to syslog at VISIBLE_AUDIT_ANCHOR_SYSLOG: '/dev/log', 'host' or 'host:port'; empty:
# off) whenever the last anchor is VISIBLE_AUDIT_ANCHOR_INTERVAL seconds old and events are
# written, and by `visible audit anchor` and `visible sweep`.
VISIBLE_AUDIT_KEY = os.environ.get("VISIBLE_AUDIT_KEY", "")
VISIBLE_AUDIT_ANCHOR_FILE = os.environ.get("VISIBLE_AUDIT_ANCHOR_FILE") or str(
    VAR_DIR / "audit-anchors.log"
)
VISIBLE_AUDIT_ANCHOR_SYSLOG = os.environ.get("VISIBLE_AUDIT_ANCHOR_SYSLOG", "")
VISIBLE_AUDIT_ANCHOR_INTERVAL = int(os.environ.get("VISIBLE_AUDIT_ANCHOR_INTERVAL", 60 * 60))
# Events are appended unsealed and sealed into the chain moments later (audit/seal.py,
# docs/decisions/0010): by the worker every VISIBLE_AUDIT_SEAL_EVERY_SECONDS, and, should the
# oldest event waiting have waited VISIBLE_AUDIT_SEAL_DELAY seconds (the worker behind, or
# down), by a request once its transaction commits, if the chain's head is free
# (VISIBLE_AUDIT_SEAL_AFTER_COMMIT; off: only the worker and bulk writers seal).
# `visible audit verify`, /readyz and `visible status` fail once an event has waited
# VISIBLE_AUDIT_SEAL_LIMIT seconds.
VISIBLE_AUDIT_SEAL_EVERY_SECONDS = _env_int("VISIBLE_AUDIT_SEAL_EVERY_SECONDS", 5)
VISIBLE_AUDIT_SEAL_AFTER_COMMIT = env_flag("VISIBLE_AUDIT_SEAL_AFTER_COMMIT", True)
VISIBLE_AUDIT_SEAL_DELAY = float(os.environ.get("VISIBLE_AUDIT_SEAL_DELAY", 10))
VISIBLE_AUDIT_SEAL_LIMIT = _env_int("VISIBLE_AUDIT_SEAL_LIMIT", 5 * 60)
# Seal each event in the transaction that appends it, waiting for the chain's head, as before
# ADR 10: every write queues on the head again, and an event deleted from the database is
# detected even in its first seconds. The tests' setting (so that every event has its number
# when `record` returns); a deployment may choose it, at the cost bench/results shows.
VISIBLE_AUDIT_SEAL_AT_ONCE = env_flag("VISIBLE_AUDIT_SEAL_AT_ONCE", False)

# Logs (docs/operations.md): one line per request and per event, to standard error, as JSON
# (VISIBLE_LOG_FORMAT=json; the demo: text), with the request's reference, the route, the user
# and organisation by number, never a child's name, a path or a query string. Visible's own
# lines at VISIBLE_LOG_LEVEL (INFO: every request), libraries' at WARNING. An exception's
# message is withheld from its traceback unless its type is known not to quote data, or
# VISIBLE_LOG_EXCEPTION_MESSAGES=1.
VISIBLE_LOG_FORMAT = os.environ.get("VISIBLE_LOG_FORMAT", "json").strip().lower()
VISIBLE_LOG_LEVEL = os.environ.get("VISIBLE_LOG_LEVEL", "INFO").strip().upper()
VISIBLE_LOG_EXCEPTION_MESSAGES = env_flag("VISIBLE_LOG_EXCEPTION_MESSAGES", False)


def logging_from(log_format: str, level: str, exception_messages: bool) -> dict:
    try:
        return logging_config(log_format, level, exception_messages)
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from None


LOGGING = logging_from(VISIBLE_LOG_FORMAT, VISIBLE_LOG_LEVEL, VISIBLE_LOG_EXCEPTION_MESSAGES)

# Error reports to Sentry (observability/sentry.py), under the production settings only, and
# only when VISIBLE_SENTRY_DSN is set: nothing is sent, or even loaded, without it. Reports
# carry the code's frames, the request's reference and route, and the user by number: no
# request body, query string, cookie, local variable or exception message that may quote data.
VISIBLE_SENTRY_DSN = os.environ.get("VISIBLE_SENTRY_DSN", "").strip()
VISIBLE_SENTRY_ENVIRONMENT = os.environ.get("VISIBLE_SENTRY_ENVIRONMENT", "production")
VISIBLE_RELEASE = os.environ.get("VISIBLE_RELEASE", "").strip() or installed_version()

# Domain settings (rulebook): values here are defaults; per-authority settings come later.
VISIBLE_MAX_AGE_LOOKED_AFTER = 25  # a looked-after child's implied age above this is an error

# Break-glass access (docs/access.md): how many uses of the break-glass form (a record opened,
# or a number that matched no child) one person, and one organisation, may make in a UK
# calendar day; beyond them the form refuses and says who to ask.
VISIBLE_BREAK_GLASS_PER_USER_PER_DAY = int(
    os.environ.get("VISIBLE_BREAK_GLASS_PER_USER_PER_DAY", 3)
)
VISIBLE_BREAK_GLASS_PER_ORGANISATION_PER_DAY = int(
    os.environ.get("VISIBLE_BREAK_GLASS_PER_ORGANISATION_PER_DAY", 10)
)

# Pseudonymised child-level records (docs/pseudonymisation.md): the national body's key, from
# the secrets store. Without it (or set to the development key in pseudo/pseudonymise.py) no
# pseudonymised record is made, except in the local demo, which allows the development key.
VISIBLE_PSEUDO_KEY = os.environ.get("VISIBLE_PSEUDO_KEY", "")
VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY = False

# Copies of an SSDA903 import kept beside the register (security/retention.py): the tables
# Visible does not read (ssda903.KeptFile) for this many days, long enough for the next year's
# return; a problem report (ssda903.ProblemReport) this many, for the download after the
# upload. `visible retention delete --confirm` deletes those older.
VISIBLE_SSDA903_KEPT_FILE_DAYS = int(os.environ.get("VISIBLE_SSDA903_KEPT_FILE_DAYS", 400))
VISIBLE_SSDA903_PROBLEM_REPORT_DAYS = int(os.environ.get("VISIBLE_SSDA903_PROBLEM_REPORT_DAYS", 30))
# An upload made on the page is imported by the background worker (ssda903/imports.py; its
# files are deleted once it has run). A job that has not said how far it has gone for this many
# minutes is taken for dead (its worker stopped) and marked failed; the longest silence of a
# live one is its write transaction, seconds. One no worker has taken within this many hours
# is failed too, and its files deleted. The upload's page looks again every few seconds.
VISIBLE_IMPORT_STALE_MINUTES = _env_int("VISIBLE_IMPORT_STALE_MINUTES", 10)
VISIBLE_IMPORT_QUEUED_HOURS = _env_int("VISIBLE_IMPORT_QUEUED_HOURS", 24)
VISIBLE_IMPORT_REFRESH_SECONDS = _env_int("VISIBLE_IMPORT_REFRESH_SECONDS", 3)

# REST API (docs/api.md): API clients' bearer tokens only (people use the web pages), JSON,
# one error shape, a rate limit per client. Rates are read per request.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["visible.api.auth.ApiClientAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["visible.api.auth.IsApiClient"],
    "DEFAULT_THROTTLE_CLASSES": ["visible.api.throttles.ApiClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "visible.api.errors.exception_handler",
    "DATE_INPUT_FORMATS": ["iso-8601"],
    # The same rule as Visible's own client_ip, which the API's throttles use (api/throttles.py).
    "NUM_PROXIES": VISIBLE_NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Visible API",
    "DESCRIPTION": "The register of trafficked, unaccompanied and separated children in care, and their missing "
    "episodes, for the systems of councils and police forces. Every request acts as one API "
    "client's organisation and role, under the same rules as the web pages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "FlagKindEnum": "visible.children.models.FlagKind",
        "NameKindEnum": "visible.children.models.NameKind",
        "LogKindEnum": "visible.missing.models.LogKind",
        # An episode's category (M, A) keeps its name beside the police grade's category.
        "CategoryEnum": "visible.missing.models.Category",
        "PoliceGradeEnum": "visible.missing.models.POLICE_GRADE_CHOICES",
        "AccessEnum": [("full", "full"), ("limited", "limited")],
        "FullAccessEnum": [("full", "full")],
        "LimitedAccessEnum": [("limited", "limited")],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "visible.api.schema.add_response_headers",
        "visible.api.schema.closed_request_bodies",
    ],
}
VISIBLE_API_RATE = os.environ.get("VISIBLE_API_RATE", "120/min")  # per API client
VISIBLE_API_TOKEN_RATE = os.environ.get(
    "VISIBLE_API_TOKEN_RATE", "30/min"
)  # token endpoint, per address
VISIBLE_API_ACCESS_TOKEN_SECONDS = int(os.environ.get("VISIBLE_API_ACCESS_TOKEN_SECONDS", 3600))

# The background worker and its scheduler (`visible worker`; docs/decisions/0008): Huey. Its
# broker holds the queue of jobs: Redis when VISIBLE_REDIS_URL (or REDIS_URL) is set, else a
# SQLite file beside the database, which needs no server but serves one machine only. With
# VISIBLE_TASK_BROKER=postgres, Huey's own PostgreSQL storage in Visible's database (tables
# huey_*, which Huey makes itself).
VISIBLE_REDIS_URL = os.environ.get("VISIBLE_REDIS_URL") or os.environ.get("REDIS_URL", "")
VISIBLE_TASK_BROKER = os.environ.get("VISIBLE_TASK_BROKER") or (
    "redis" if VISIBLE_REDIS_URL else "sqlite"
)
VISIBLE_TASK_FILE = os.environ.get("VISIBLE_TASK_FILE") or str(VAR_DIR / "huey.sqlite3")
VISIBLE_TASK_QUEUE = os.environ.get("VISIBLE_TASK_QUEUE", "visible")  # one per Visible per broker
# Jobs run at once where they are asked for, with no worker: the tests only.
VISIBLE_TASKS_IMMEDIATE = False
# Threads taking jobs in one `visible worker`: the sweep, the heartbeat and two long jobs at once.
VISIBLE_WORKER_THREADS = _env_int("VISIBLE_WORKER_THREADS", 4)
# On SIGTERM the worker takes no new job and waits this long for those running to finish
# (systemd's TimeoutStopSec must be longer).
VISIBLE_WORKER_SHUTDOWN_SECONDS = _env_int("VISIBLE_WORKER_SHUTDOWN_SECONDS", 60)
# The sweep (missing/sweep.py) and the worker's heartbeat run this often. A sweep's lock in the
# database lapses after VISIBLE_SWEEP_LOCK_SECONDS, should its worker die in the middle of one
# on another machine (on its own machine, the next worker to start frees it at once); a sweep
# of 100,000 children takes seconds.
VISIBLE_SWEEP_EVERY_SECONDS = _env_int("VISIBLE_SWEEP_EVERY_SECONDS", 60)
VISIBLE_SWEEP_LOCK_SECONDS = _env_int("VISIBLE_SWEEP_LOCK_SECONDS", 5 * 60)
# /readyz and `visible status`: ready while a worker was seen and a sweep ended well this recently.
VISIBLE_READY_WORKER_SECONDS = _env_int("VISIBLE_READY_WORKER_SECONDS", 2 * 60)
VISIBLE_READY_SWEEP_SECONDS = _env_int("VISIBLE_READY_SWEEP_SECONDS", 5 * 60)
if VISIBLE_TASK_BROKER not in ("sqlite", "redis", "postgres"):
    raise ImproperlyConfigured(
        f"VISIBLE_TASK_BROKER={VISIBLE_TASK_BROKER} is not a broker Visible knows: write sqlite (a file "
        "beside the database, one machine), redis (with VISIBLE_REDIS_URL) or postgres."
    )
if VISIBLE_TASK_BROKER == "redis" and not VISIBLE_REDIS_URL:
    raise ImproperlyConfigured(
        "VISIBLE_TASK_BROKER=redis needs VISIBLE_REDIS_URL, for example redis://127.0.0.1:6379/0."
    )
# Load balancers ask for the health checks over plain HTTP, straight to the application.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
