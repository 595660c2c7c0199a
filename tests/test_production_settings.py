"""Outside the demo, Visible starts on its production settings or not at all: `visible`,
wsgi.py and manage.py never fall back to the development settings, and say in one line what
is missing. The demo says it is the demo (`visible demo`, `make run`). The server's size
follows the machine unless told otherwise."""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from visible import cli

# Not run with the clock frozen (tests/conftest.py): settings and start-up, in processes of their own; no date in them.
pytestmark = pytest.mark.timeless

ROOT = Path(__file__).resolve().parents[1]


def run_without_settings(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """A command in a fresh process whose environment names no settings and no secrets."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VISIBLE_") and k != "DJANGO_SETTINGS_MODULE"
    }
    environment["PYTHONPATH"] = str(ROOT / "src")
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
    )


def test_the_command_line_defaults_to_production_and_says_what_is_missing_in_one_line():
    result = run_without_settings(["-m", "visible.cli", "sweep", "--quiet"])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("visible sweep: Set VISIBLE_SECRET_KEY in the environment")
    assert "visible.config.settings.production" in lines[0]
    assert (
        "make run" in lines[0] and "DJANGO_SETTINGS_MODULE=visible.config.settings.dev" in lines[0]
    )
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_audit_key_is_asked_for_too():
    result = run_without_settings(
        ["-m", "visible.cli", "audit", "verify"], VISIBLE_SECRET_KEY="s" * 50
    )
    assert result.returncode == 2
    assert "Set VISIBLE_AUDIT_KEY in the environment" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "import visible.config.wsgi"],  # what gunicorn loads in each worker
        ["manage.py", "check"],
    ],
    ids=["wsgi", "manage.py"],
)
def test_the_server_and_manage_py_refuse_to_start_without_production_secrets(args):
    result = run_without_settings(args)
    assert result.returncode != 0
    assert "Set VISIBLE_SECRET_KEY in the environment before starting Visible" in result.stderr


def test_only_the_demos_own_commands_choose_the_development_settings_themselves(monkeypatch):
    for command in ("demo", "totp-code"):
        monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
        assert cli._choose_settings(command) == "visible.config.settings.dev"
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    for command in ("serve", "sweep", "manage", "worker", "status"):
        assert cli._choose_settings(command) == "visible.config.settings.production"
        monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "visible.config.settings.production")
    assert cli._choose_settings("demo") == "visible.config.settings.production"  # as told


def test_make_run_runs_the_demo_on_the_development_settings():
    makefile = (ROOT / "Makefile").read_text()
    assert "run: export DJANGO_SETTINGS_MODULE := visible.config.settings.dev" in makefile


@pytest.fixture
def gunicorn_config(monkeypatch):
    """visible/config/gunicorn.py read afresh under the environment the test sets."""
    for name in list(os.environ):
        if name.startswith("VISIBLE_WEB_") or name == "WEB_CONCURRENCY":
            monkeypatch.delenv(name)

    def load():
        import visible.config.gunicorn as config

        return importlib.reload(config)

    yield load
    monkeypatch.undo()
    load()


def test_the_server_is_sized_to_the_machine_unless_told(gunicorn_config, monkeypatch):
    config = gunicorn_config()
    cpus = len(os.sched_getaffinity(0))
    assert (config.workers, config.threads) == (cpus + 1, 4)
    assert config.worker_class == "gthread" and not config.preload_app
    assert config.backlog >= 1024  # runserver's 10 reset connections under load
    assert config.max_requests > 0 and config.max_requests_jitter > 0
    monkeypatch.setenv("VISIBLE_WEB_WORKERS", "7")
    monkeypatch.setenv("VISIBLE_WEB_THREADS", "2")
    monkeypatch.setenv("VISIBLE_WEB_MAX_REQUESTS", "500")
    config = gunicorn_config()
    assert (config.workers, config.threads) == (7, 2)
    assert (config.max_requests, config.max_requests_jitter) == (500, 50)


def test_a_mistyped_size_stops_the_server_with_its_name(gunicorn_config, monkeypatch):
    monkeypatch.setenv("VISIBLE_WEB_WORKERS", "four")
    with pytest.raises(SystemExit, match="VISIBLE_WEB_WORKERS=four is not a whole number"):
        gunicorn_config()


def test_visible_serve_runs_gunicorn_with_visibles_settings_and_the_size_asked_for():
    args = argparse.Namespace(host="::1", port=8123, workers=3, threads=None)
    command = cli.gunicorn_command(args)
    assert command[:3] == [sys.executable, "-m", "gunicorn"]
    assert command[3:] == [
        "--config",
        "python:visible.config.gunicorn",
        "--bind",
        "[::1]:8123",
        "--workers",
        "3",
    ]
    parsed = cli.build_parser().parse_args(["serve", "--workers", "2", "--threads", "8"])
    assert (parsed.workers, parsed.threads) == (2, 8)
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["serve", "--workers", "0"])


def test_the_cache_can_have_a_redis_database_apart_from_the_queue():
    """Clearing a cache empties its whole Redis database: the guide gives the cache /1 and
    the job queue /0 (docs/deployment.md), and the cache follows the queue's only when it is
    given no address of its own."""
    from visible.config.settings.base import caches_from

    queue = "redis://127.0.0.1:6379/0"
    apart = caches_from(
        {"VISIBLE_REDIS_URL": queue, "VISIBLE_CACHE_REDIS_URL": "redis://127.0.0.1:6379/1"}
    )
    assert apart["default"]["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert caches_from({"VISIBLE_REDIS_URL": queue})["default"]["LOCATION"] == queue
    assert caches_from({})["default"]["BACKEND"].endswith("DatabaseCache")
