"""Every part of Visible reads the time from one clock, Django's (`timezone.now()`, and
`timezone.localdate()` for the day in the UK), so a test or a frozen-date run that sets it
sets it for everything, and a "today" is always the UK's day, never the server's.

The readings this forbids each gave a wrong day or an unfreezable clock somewhere:
`date.today()` and `datetime.now()` use the server's time zone (UTC on most servers: the
wrong day between midnight and 1 a.m. in summer), `datetime.utcnow()` is naive, and
`time.time()` bound at import (DRF's throttles) ignores a clock set later."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import visible

# Not run with the clock frozen (tests/conftest.py): reads the source for clock readings.
pytestmark = pytest.mark.timeless

SRC = Path(visible.__file__).parent
FORBIDDEN = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today")}
# time.time() is allowed only where it is the clock a library asks us for (read when called).
ALLOWED_TIME_TIME = {"api/throttles.py"}


def _clock_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if (owner_name, node.func.attr) in FORBIDDEN:
            found.append(f"{path.relative_to(SRC)}:{node.lineno} {owner_name}.{node.func.attr}()")
        if (owner_name, node.func.attr) == ("time", "time") and str(
            path.relative_to(SRC)
        ) not in ALLOWED_TIME_TIME:
            found.append(f"{path.relative_to(SRC)}:{node.lineno} time.time()")
    return found


def test_the_time_is_read_only_from_djangos_clock():
    reads = [r for path in sorted(SRC.rglob("*.py")) for r in _clock_reads(path)]
    assert reads == [], (
        "read the time with django.utils.timezone.now() / localdate() instead:\n" + "\n".join(reads)
    )


def test_the_check_finds_a_server_clock_reading(tmp_path):
    sample = SRC / "_clock_sample_for_test.py"
    try:
        sample.write_text("import datetime as dt\nDAY = dt.date.today()\nNOW = dt.datetime.now()\n")
        assert [r.split(" ")[1] for r in _clock_reads(sample)] == ["date.today()", "datetime.now()"]
    finally:
        sample.unlink()
