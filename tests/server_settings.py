"""Settings for the real `visible serve` processes that tests start
(tests/test_production_server.py): the test settings, with the cache that production's rule
gives (base.caches_from: Redis when VISIBLE_REDIS_URL is set, otherwise the database's cache
table), shared by every process, instead of the tests' per-process one."""

import os

from visible.config.settings.base import caches_from
from visible.config.settings.test import *  # noqa: F403

CACHES = caches_from(os.environ)
