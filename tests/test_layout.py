"""How the tests are laid out: fixtures live in conftest files, which pytest finds and loads
itself; the functions and constants behind them live in plain modules (tests/factories.py for
test data), and those are what a test module imports. A conftest is pytest's to load, not a
library, and a helper kept in one was copied into test modules rather than found (six copies
of one report-missing helper before tests/factories.py)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Not run with the clock frozen (tests/conftest.py): reads the test code.
pytestmark = pytest.mark.timeless

TESTS = Path(__file__).resolve().parent


def _imports_a_conftest(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[-1] == "conftest" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        module = (node.module or "").split(".")
        return module[-1] == "conftest" or any(alias.name == "conftest" for alias in node.names)
    return False


def test_no_test_module_imports_a_conftest():
    sources = sorted(TESTS.rglob("*.py"))
    assert len(sources) > 100, "the tests folder was not found"
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{node.lineno}"
        for path in sources
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if _imports_a_conftest(node)
    ]
    assert offenders == [], "import these helpers from a plain module (tests/factories.py): " + (
        ", ".join(offenders)
    )


def test_the_check_sees_every_way_of_importing_a_conftest():
    for source in (
        "from tests.conftest import as_viewer",
        "from .conftest import CROYDON",
        "from tests.api import conftest",
        "import tests.sharing.conftest",
    ):
        assert _imports_a_conftest(ast.parse(source).body[0]), source
    assert not _imports_a_conftest(ast.parse("from tests.factories import as_viewer").body[0])


def test_with_the_clock_frozen_only_the_tests_it_cannot_reach_or_that_hold_no_date_are_left_out():
    """`make test-frozen` runs every date-sensitive test at each awkward moment; a test whose
    work runs in another process on the real clock (`real_clock`), or that reads only code
    (`timeless`), is deselected there, and nothing else is."""
    files = ["tests/test_dates.py", "tests/worker/test_worker_process.py", "tests/test_layout.py"]

    def collected(**env: str) -> list[str]:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *files],
            cwd=TESTS.parent,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return [line for line in result.stdout.splitlines() if "::" in line]

    everything = collected(VISIBLE_FROZEN_AT="")
    frozen = collected(VISIBLE_FROZEN_AT="2028-02-29T12:00:00+00:00")
    assert any(t.startswith("tests/worker/test_worker_process.py") for t in everything)
    assert frozen == [t for t in everything if t.startswith("tests/test_dates.py")]
    assert len(frozen) > 10
