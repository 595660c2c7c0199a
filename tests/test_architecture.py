"""The import contracts in .importlinter hold for this checkout, and they catch what they are
there to catch: a layer importing one above it, access reaching up into the domain operations,
the register, missing and sharing apps looping back on each other, the register importing the
missing-episode or sharing apps at all, the risk engine importing Django, and an import cycle
inside a package (docs/architecture.md, "Layers")."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Not run with the clock frozen (tests/conftest.py): the import contracts read code.
pytestmark = pytest.mark.timeless

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(src: Path, *config: str) -> subprocess.CompletedProcess:
    """Run import-linter's own command from the repository root (where it finds .importlinter,
    unless given a config file) on the package under ``src``. The package is found through
    PYTHONPATH, so it is this checkout's code (or a copy), never whichever copy the virtualenv
    has installed."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *config],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contracts_hold():
    result = lint_imports(ROOT / "src")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = re.search(r"Contracts: (\d+) kept, (\d+) broken", output)
    assert summary, output
    kept, broken = map(int, summary.groups())
    assert broken == 0 and kept >= 7, output


def copy_of_the_package(tmp_path: Path) -> Path:
    """The Python files of src/visible, copied: enough for import-linter, which reads source."""
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "visible",
        src / "visible",
        ignore=lambda folder, names: [
            n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()
        ],
    )
    return src


# Each: the module a bad import is added to, the import, and what lint-imports must say.
BAD_IMPORTS = {
    "access reaches up into a domain operation": (
        "access/register.py",
        "from visible.children import actions",
        "visible.access is not allowed to import visible.children.actions",
    ),
    "the register's models import sharing (the old cycle)": (
        "children/models.py",
        "from visible.sharing import models",
        "visible.children.models is not allowed to import visible.sharing.models",
    ),
    "the register raises a missing-episode alert itself (the old placement notice)": (
        "children/actions.py",
        "from visible.missing.models import Alert",
        "visible.children is not allowed to import visible.missing",
    ),
    "the register reads the sharing records itself": (
        "children/queries.py",
        "from visible.sharing import models",
        "visible.children is not allowed to import visible.sharing",
    ),
    "a domain operation imports a page": (
        "missing/actions.py",
        "from visible.web import views",
        "visible.missing.actions is not allowed to import visible.web",
    ),
    "the risk engine imports Django": (
        "risk/grades.py",
        "import django.db",
        "visible.risk is not allowed to import django",
    ),
    "a production module imports demo code": (
        "returns/foi.py",
        "from visible.demo.synthetic import people",
        "Illegal imports of protected package visible.demo",
    ),
    "a cycle inside a package": (
        "audit/watch.py",
        "from . import log",
        "No cycles are allowed in visible.audit",
    ),
}


@pytest.mark.parametrize("case", BAD_IMPORTS, ids=list(BAD_IMPORTS))
def test_a_bad_import_breaks_a_contract(case, tmp_path):
    module, statement, complaint = BAD_IMPORTS[case]
    src = copy_of_the_package(tmp_path)
    path = src / "visible" / module
    path.write_text(path.read_text() + f"\n{statement}  # noqa\n")
    result = lint_imports(src, "--config", str(ROOT / ".importlinter"))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert complaint in " ".join(output.split()), output
