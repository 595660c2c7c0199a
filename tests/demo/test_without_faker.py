"""A production install has no Faker (it comes with the optional extra `demo`): every module of
Visible but the demo imports and Django's checks pass without it, nothing imports the demo,
and `visible demo` / `visible generate` say in one line how to install it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import visible

# Not run with the clock frozen (tests/conftest.py): imports and checks in a process of its own; no date in it.
pytestmark = pytest.mark.real_clock

SRC = Path(visible.__file__).resolve().parent.parent

# Makes `import faker` fail as it does where Faker is not installed.
NO_FAKER = textwrap.dedent(
    """
    import importlib.abc, sys

    class NoFaker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "faker" or name.startswith("faker."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoFaker())
    """
)

PRODUCTION = NO_FAKER + textwrap.dedent(
    """
    import importlib, pkgutil
    import django
    from django.core.management import call_command

    django.setup()
    import visible

    imported = []

    def walk(package):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            if info.name == "visible.demo" or info.name.startswith("visible.demo."):
                continue
            module = importlib.import_module(info.name)
            imported.append(info.name)
            if info.ispkg:
                walk(module)

    walk(visible)
    call_command("check", fail_level="ERROR")
    loaded = sorted(name for name in sys.modules if name.split(".")[0] == "faker"
                    or name == "visible.demo" or name.startswith("visible.demo."))
    print("imported", len(imported), "modules; demo or Faker loaded:", loaded or "none")
    try:
        import faker  # noqa: F401
    except ImportError:
        print("faker is blocked")
    """
)


def run_python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VISIBLE_"))},
        "PYTHONPATH": str(SRC),
        "VISIBLE_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'visible.sqlite3'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=300,
    )


def test_production_imports_and_checks_without_faker(tmp_path):
    done = run_python(
        PRODUCTION,
        tmp_path,
        DJANGO_SETTINGS_MODULE="visible.config.settings.production",
        VISIBLE_SECRET_KEY="a production secret key for this test only, not a real one",
        VISIBLE_AUDIT_KEY="an audit chain key for this test only, not a real one",
        VISIBLE_ALLOWED_HOSTS="visible.example.org",
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout + done.stderr
    assert "demo or Faker loaded: none" in done.stdout
    assert "faker is blocked" in done.stdout  # the test would prove nothing otherwise
    imported = int(done.stdout.split("imported ")[1].split()[0])
    assert imported > 150  # every module of every app, web pages, API and migrations


def test_the_demo_commands_say_how_to_install_the_demo(tmp_path):
    for command in (
        ["demo"],
        ["generate", "--authority", "E09000008", "--children", "5"],
    ):
        done = run_python(
            NO_FAKER + f"from visible.cli import main\nsys.exit(main({command!r}))",
            tmp_path,
            DJANGO_SETTINGS_MODULE="visible.config.settings.dev",
        )
        assert done.returncode == 2, done.stderr
        assert done.stdout == ""
        assert done.stderr.strip() == (
            f"visible {command[0]}: the demo is not installed with this copy of Visible (it "
            "needs Faker): install it with pip install 'visible[demo]', then run this again"
        )
    assert not (tmp_path / "visible.sqlite3").exists()  # nothing was set up
