"""A real `visible worker`, started as its own process against the test database."""

from __future__ import annotations

import pytest

from .support import Starter


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """start_worker(broker="sqlite", **environment) -> Worker: `visible worker` in a process
    of its own on the test database, sweeping every second; killed afterwards if still running
    (support.Starter)."""
    starter = Starter(tmp_path)
    yield starter.start
    starter.close()
