"""Tests: fast hashing, in-memory media, same database engine choice as the run (env DATABASE_URL)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "visible-test-key-0123456789-abcdefghijklmnopqrstuvwxyz"
VISIBLE_AUDIT_KEY = "visible-TEST-ONLY-audit-chain-key-NOT-FOR-PRODUCTION-0123456789"
VISIBLE_AUDIT_ANCHOR_FILE = str(
    Path(tempfile.mkdtemp(prefix="visible-anchors-")) / "audit-anchors.log"
)
# Each audit event is sealed into the chain as it is appended, so that tests can read its number
# at once; tests/audit/test_sealing.py turns this off to test sealing as it runs in service.
VISIBLE_AUDIT_SEAL_AT_ONCE = env_flag("VISIBLE_AUDIT_SEAL_AT_ONCE", True)  # noqa: F405
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher"
]  # fast; base.py's argon2 is tested
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
VISIBLE_BASE_URL = "https://visible.test"  # the address links in notifications and emails point to
MEDIA_ROOT = tempfile.mkdtemp(prefix="visible-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Rate limits count in a cache of each test process's own, which every test starts empty and
# which needs no database to clear. The real servers that tests start run on
# tests/server_settings.py: these settings with the shared cache of base.py.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None

# On SQLite, tests use a database file (not the shared-cache in-memory default), so that
# concurrent-transaction tests see real SQLite locking (WAL, busy timeout) rather than
# shared-cache "table is locked" errors a real deployment never has.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _test_file = Path(tempfile.gettempdir()) / f"visible-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_test_file)}  # noqa: F405

# Jobs run at once, in the test, unless a test starts a real `visible worker` (which sets
# VISIBLE_TASKS_IMMEDIATE=0 and its own VISIBLE_TASK_FILE); never a broker outside the run.
VISIBLE_TASKS_IMMEDIATE = env_flag("VISIBLE_TASKS_IMMEDIATE", True)  # noqa: F405
VISIBLE_TASK_BROKER = os.environ.get("VISIBLE_TASK_BROKER", "sqlite")
VISIBLE_TASK_FILE = os.environ.get("VISIBLE_TASK_FILE") or str(
    Path(tempfile.mkdtemp(prefix="visible-huey-")) / "huey.sqlite3"
)

# The tests' own OpenID Connect provider (tests/sso/provider.py) serves plain HTTP on 127.0.0.1.
VISIBLE_SSO_ALLOW_LOCAL_PROVIDERS = True
