"""The DfE's own SSDA903 validator as an external check on Visible's export (and the yardstick
for the import's speed). It runs in its own virtual environment, var/dfe-validator, made by
`make dfe-validator` (it pins pandas below 2, which Visible does not share)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
VALIDATOR_PYTHON = REPO / "var" / "dfe-validator" / "bin" / "python"
SCRIPT = Path(__file__).with_name("dfe_validator_script.py")


class ValidatorMissing(RuntimeError):
    pass


@dataclass
class ValidatorReport:
    ruleset: str
    ran: list[str]
    skipped: list[str]
    failed: dict[str, str]
    errors: dict[str, dict]
    seconds: float
    seconds_with_import: float
    cpu_seconds: float = 0.0

    def error_lines(self) -> list[str]:
        return [
            f"rule {code}: {found['message']} {found['rows']}"
            for code, found in sorted(self.errors.items())
        ]


def validate_folder(
    folder: Path,
    year: int,
    authority_code: str,
    last_year: Path | None = None,
    timeout: float = 1800,
    rules: tuple[str, ...] = (),
) -> ValidatorReport:
    """Run the validator on a return (and, for the rules comparing the two, last year's): every
    rule of the year, or only `rules`."""
    if not VALIDATOR_PYTHON.exists():
        raise ValidatorMissing(
            f"The DfE validator's environment is not there ({VALIDATOR_PYTHON}): run `make dfe-validator`"
        )
    done = subprocess.run(
        [
            str(VALIDATOR_PYTHON),
            str(SCRIPT),
            str(folder),
            str(year),
            authority_code,
            *([str(last_year)] if last_year else []),
            *(["--rules", ",".join(rules)] if rules else []),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"The DfE validator stopped with code {done.returncode}:\n{done.stderr[-3000:]}"
        )
    return ValidatorReport(**json.loads(done.stdout))
