"""Settings shared by every environment. Everything that differs is read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

SRC_DIR = Path(__file__).resolve().parents[2]  # .../src/visible
PROJECT_DIR = SRC_DIR.parents[1]
VAR_DIR = Path(os.environ.get("VISIBLE_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite database and uploads live here


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("VISIBLE_SECRET_KEY", "")
DEBUG = env_flag("VISIBLE_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("VISIBLE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

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
    "visible.returns",
    "visible.pseudo",
    "visible.national",
    "visible.sharing",
    "visible.security",
    "rest_framework",
    "drf_spectacular",
    "visible.api",
    "visible.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "visible.web.middleware.SessionTimeoutMiddleware",
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
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'visible.sqlite3'}",
        conn_max_age=int(os.environ.get("VISIBLE_DB_CONN_MAX_AGE", "60")),
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

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "d/m/Y"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [PROJECT_DIR / "build" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# Uploads (visible/uploads.py): every limit is checked before a file is parsed, with a message
# naming it. Sized to real data: the largest authority's SSDA903 return is about 250,000 rows
# (about 14 MB of CSV, 50 MB as XML); a national return has 128 figures and at most about 40,000
# nationality rows (8 groups x 4 measures x ~250 nationalities x 5 genders).
_MB = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * _MB  # an uploaded file larger than this waits in a temporary file, not memory
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
VISIBLE_CSV_MAX_LINE_CHARACTERS = _env_int("VISIBLE_CSV_MAX_LINE_CHARACTERS", 10_000)  # any uploaded CSV
# A national return (XLSX, CSV or JSON), or a CSV grouping authorities into regions.
VISIBLE_RETURN_MAX_BYTES = _env_int("VISIBLE_RETURN_MAX_BYTES", 10 * _MB)
VISIBLE_RETURN_MAX_ROWS = _env_int("VISIBLE_RETURN_MAX_ROWS", 50_000)  # in a sheet or CSV file
VISIBLE_RETURN_MAX_COLUMNS = _env_int("VISIBLE_RETURN_MAX_COLUMNS", 50)
VISIBLE_RETURN_MAX_SHEETS = _env_int("VISIBLE_RETURN_MAX_SHEETS", 20)
VISIBLE_XLSX_MAX_PARTS = _env_int("VISIBLE_XLSX_MAX_PARTS", 200)  # files inside the workbook's zip
VISIBLE_XLSX_MAX_UNPACKED_BYTES = _env_int("VISIBLE_XLSX_MAX_UNPACKED_BYTES", 20 * _MB)
VISIBLE_XLSX_MAX_COMPRESSION_RATIO = _env_int("VISIBLE_XLSX_MAX_COMPRESSION_RATIO", 100)  # parts over 1 MB
# A child's photograph: JPEG or PNG only (by content), re-encoded without its metadata.
VISIBLE_PHOTO_MAX_BYTES = _env_int("VISIBLE_PHOTO_MAX_BYTES", 10 * _MB)
VISIBLE_PHOTO_MAX_PIXELS = _env_int("VISIBLE_PHOTO_MAX_PIXELS", 40_000_000)

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
VISIBLE_SESSION_ABSOLUTE_TIMEOUT = SESSION_COOKIE_AGE  # signed out 8 hours after signing in, active or not
VISIBLE_SECOND_FACTOR_TIMEOUT = 10 * 60  # from the password to the code
VISIBLE_SIGN_IN_MAX_FAILURES = int(os.environ.get("VISIBLE_SIGN_IN_MAX_FAILURES", 5))  # per username
VISIBLE_SIGN_IN_MAX_FAILURES_PER_IP = int(os.environ.get("VISIBLE_SIGN_IN_MAX_FAILURES_PER_IP", 20))
VISIBLE_SIGN_IN_FAILURE_WINDOW = int(os.environ.get("VISIBLE_SIGN_IN_FAILURE_WINDOW", 15 * 60))
VISIBLE_SIGN_IN_LOCKOUT = int(os.environ.get("VISIBLE_SIGN_IN_LOCKOUT", 15 * 60))
# Password reset links asked for, per address and per client in an hour, before more are
# quietly not sent (the page says the same either way). Counted in the cache, per process.
VISIBLE_PASSWORD_RESETS_PER_HOUR = int(os.environ.get("VISIBLE_PASSWORD_RESETS_PER_HOUR", 5))
# Behind a reverse proxy, the META key of the header it puts the client's address in
# (e.g. HTTP_X_FORWARDED_FOR); empty: REMOTE_ADDR.
VISIBLE_CLIENT_IP_HEADER = os.environ.get("VISIBLE_CLIENT_IP_HEADER", "")
VISIBLE_TOTP_ISSUER = "Visible"
VISIBLE_ALLOW_DEMO_CODES = False  # `visible totp-code`: the local demo only (dev.py)
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link runs out after an hour (and works once)
EMAIL_BACKEND = os.environ.get("VISIBLE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("VISIBLE_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("VISIBLE_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("VISIBLE_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("VISIBLE_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("VISIBLE_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("VISIBLE_FROM_EMAIL", "Visible <no-reply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("VISIBLE_LOG_LEVEL", "WARNING")},
}

# Domain settings (rulebook): values here are defaults; per-authority settings come later.
VISIBLE_MAX_AGE_LOOKED_AFTER = 25  # a looked-after child's implied age above this is an error

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
        "FlagKindEnum": "visible.children.models.FlagKind", "NameKindEnum": "visible.children.models.NameKind",
        "LogKindEnum": "visible.missing.models.LogKind", "AccessEnum": [("full", "full"), ("limited", "limited")],
        "FullAccessEnum": [("full", "full")], "LimitedAccessEnum": [("limited", "limited")],
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "visible.api.schema.add_response_headers"],
}
VISIBLE_API_RATE = os.environ.get("VISIBLE_API_RATE", "120/min")  # per API client
VISIBLE_API_TOKEN_RATE = os.environ.get("VISIBLE_API_TOKEN_RATE", "30/min")  # token endpoint, per address
VISIBLE_API_ACCESS_TOKEN_SECONDS = int(os.environ.get("VISIBLE_API_ACCESS_TOKEN_SECONDS", 3600))
