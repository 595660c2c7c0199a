"""The engine is plain Python: no Django, no clock, no randomness, no I/O; and its answer does
not depend on the order the facts were listed in or on the process it runs in."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.risk.builders import at, child, episode, flag
from visible.risk import NrmFact, PlacementFact, ReturnInterviewFact, assess_episode, sweep

SRC = Path(__file__).resolve().parents[2] / "src" / "visible"
PACKAGE = SRC / "risk"
# The engine's modules, and the one module outside the package it may import: visible.dates,
# which holds to the same rules.
PURE_MODULES = [*sorted(PACKAGE.glob("*.py")), SRC / "dates.py"]
ALLOWED_IMPORTS = {
    "__future__",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "hashlib",
    "json",
    "re",
    "types",
    "typing",
    "collections",
    "zoneinfo",
    "holidays",
}
# (The modules time, random, os and socket are already kept out by the import check.)
FORBIDDEN_CALLS = {"now", "today", "utcnow", "open", "getenv", "urandom"}


def imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


def test_the_package_imports_only_the_standard_library_holidays_dates_and_itself():
    for path in PURE_MODULES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for module in imported_modules(tree):
            # The engine may import itself and visible.dates; dates.py nothing of Visible.
            own = path.parent == PACKAGE and (
                module.startswith("visible.risk") or module == "visible.dates"
            )
            assert own or module.split(".")[0] in ALLOWED_IMPORTS, f"{path.name} imports {module}"


def test_the_package_reads_no_clock_and_draws_no_random_numbers():
    for path in PURE_MODULES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                assert name not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {name}()"


@pytest.mark.parametrize("module", ["visible.risk", "visible.dates"])
def test_importing_the_engine_or_its_dates_loads_no_django(module):
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.strip() == "[]"


def rich_child():
    return child(
        child_id="c-42",
        nationality="VNM",
        looked_after_from=dt.date(2024, 5, 28),
        has_guardian=False,
        age_assessment_status="disputed",
        factors=frozenset({"trafficker_contact", "isolated", "debt_bondage"}),
        flags=(
            flag("uasc", dt.date(2024, 5, 28)),
            flag("cce", dt.date(2024, 6, 3)),
            flag("at_risk_of_trafficking", dt.date(2024, 5, 1)),
        ),
        placements=(
            PlacementFact("U4", "", dt.date(2024, 5, 28), dt.date(2024, 5, 30)),
            PlacementFact("K3", "emergency", dt.date(2024, 5, 30)),
        ),
        nrm_referrals=(NrmFact(dt.date(2024, 6, 4), stayed=True), NrmFact(dt.date(2024, 6, 10))),
        episodes=(
            episode(
                "a",
                at(2024, 5, 29, 20),
                ended_at=at(2024, 5, 30, 8),
                return_interview=ReturnInterviewFact(at(2024, 5, 30, 9), "offered", None),
            ),
            episode("b", at(2024, 6, 1, 23), notes=("absconder again", "he wanted to leave")),
        ),
    )


def reversed_lists(facts):
    return dataclasses.replace(
        facts,
        flags=facts.flags[::-1],
        placements=facts.placements[::-1],
        nrm_referrals=facts.nrm_referrals[::-1],
        episodes=facts.episodes[::-1],
    )


def test_the_order_facts_are_listed_in_does_not_matter():
    facts = rich_child()
    moment = at(2024, 6, 20)
    assert assess_episode(facts, "b", moment) == assess_episode(reversed_lists(facts), "b", moment)
    assert sweep(facts, moment) == sweep(reversed_lists(facts), moment)


REPLAY = """
import datetime as dt, json, sys
sys.path.insert(0, {root!r})
from tests.risk.test_purity import rich_child
from visible.risk import assess_episode, sweep
moment = dt.datetime(2024, 6, 20, 12, tzinfo=dt.UTC)
print(json.dumps(assess_episode(rich_child(), "b", moment).as_dict()))
print(json.dumps([a.as_dict() for a in sweep(rich_child(), moment)]))
"""


def test_the_same_facts_give_the_same_output_in_another_process():
    # Different hash seeds change the iteration order of sets of strings; the output must not.
    root = str(Path(__file__).resolve().parents[2])
    outputs = []
    for seed in ("1", "2"):
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "PYTHONHASHSEED": seed,
        }
        result = subprocess.run(
            [sys.executable, "-c", REPLAY.format(root=root)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=root,
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert '"grade": "high"' in outputs[0]


def test_two_referrals_on_one_day_give_the_same_alert_whatever_their_order():
    same_day = (NrmFact(dt.date(2024, 6, 3), stayed=True), NrmFact(dt.date(2024, 6, 3)))
    facts = child(nrm_referrals=same_day)
    assert sweep(facts, at(2024, 7, 1)) == sweep(reversed_lists(facts), at(2024, 7, 1))
