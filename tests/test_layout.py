"""How the tests are laid out: fixtures live in conftest files, which pytest finds and loads
itself; the functions and constants behind them live in plain modules (tests/factories.py for
test data), and those are what a test module imports. A conftest is pytest's to load, not a
library, and a helper kept in one was copied into test modules rather than found (six copies
of one report-missing helper before tests/factories.py)."""

from __future__ import annotations

import ast
from pathlib import Path

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
