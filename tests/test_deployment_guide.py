"""docs/deployment.md works as written: scripts/check-deployment-guide runs its one-machine
commands, read out of the guide itself, against this machine's PostgreSQL and Redis (about a
minute and a half), and a block the check does not know what to do with fails it."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "check-deployment-guide"


def load_script():
    """The script as a module (its name has no .py)."""
    loader = SourceFileLoader("check_deployment_guide", str(SCRIPT))
    module = module_from_spec(spec_from_loader(loader.name, loader))
    sys.modules[loader.name] = module  # its dataclasses look themselves up there
    loader.exec_module(module)
    return module


def test_every_command_block_of_the_guide_says_what_the_check_does_with_it():
    check = load_script()
    blocks = check.read_blocks(ROOT / "docs" / "deployment.md")
    kinds = {block.kind for block in blocks}
    assert {"run", "file", "start", "not"} <= kinds
    # The one-machine path's essentials are run, not merely shown.
    ran = "\n".join(block.text for block in blocks if block.kind == "run")
    for command in ("createdb", "manage migrate", "collectstatic", "pg_dump", "pg_restore"):
        assert command in ran, command
    assert "audit verify --anchors" in ran and "visible-admin status" in ran
    written = [block.marker for block in blocks if block.kind == "file"]
    assert "file /etc/systemd/system/visible-web.service" in written
    assert "file /etc/systemd/system/visible-worker.service" in written


def test_a_command_block_without_a_check_comment_fails_the_check(tmp_path):
    check = load_script()
    guide = tmp_path / "guide.md"
    guide.write_text(
        "# Guide\n\n<!-- check: run -->\n```sh\necho checked\n```\n\n"
        "A new step:\n\n```sh\nvisible-admin something-new\n```\n"
    )
    with pytest.raises(check.GuideError, match="line 10: a sh block with no"):
        check.read_blocks(guide)


@pytest.mark.xdist_group("fifty-connections")  # a web server and a worker on PostgreSQL
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the deployment guide is for PostgreSQL: its check runs in the PostgreSQL half of the suite",
)
@pytest.mark.real_clock  # the guide's server and worker run on the real clock
def test_the_one_machine_path_of_the_deployment_guide_works_on_this_machine():
    venv = Path(sys.executable).parents[1]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--venv", str(venv)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "Visible is ready." in output
    assert "first.admin signed in: password, authenticator set up" in output
    assert "the restored copy's audit chain held" in output and "Anchors match" in output
    assert "visible-web.service: SIGTERM" in output and "visible-worker.service: SIGTERM" in output
    assert "The deployment guide's one-machine path works on this machine." in output
