"""docs/risk-engine.md lists every rule, factor, alert and setting with the code's defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from visible.risk import ALERT_RULES, DEFAULTS, FACTORS, RULES, RiskSettings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "risk-engine.md").read_text()


def lines_with(token: str) -> list[str]:
    return [line for line in DOC.splitlines() if line.startswith("|") and token in line]


def test_every_rule_has_a_row():
    for rule_id in RULES:
        assert lines_with(f"| {rule_id} |"), rule_id


def test_every_factor_has_a_row_with_its_default_weight():
    for code, factor in FACTORS.items():
        rows = lines_with(f"| `{code}` |")
        assert rows, code
        assert any(f"| {factor.default_weight} |" in row for row in rows), code


def test_every_alert_code_has_a_row_with_its_rule():
    for code, rule_id in ALERT_RULES.items():
        assert any(f"| {rule_id} |" in row for row in lines_with(f"| `{code}` |")), code


def test_every_setting_has_a_row_and_simple_defaults_match():
    for field in dataclasses.fields(RiskSettings):
        rows = lines_with(f"| `{field.name}` |")
        assert rows, field.name
        value = getattr(DEFAULTS, field.name)
        if isinstance(value, bool | int):
            assert any(f"| {value} |" in row for row in rows), field.name
