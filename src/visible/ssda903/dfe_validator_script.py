"""Run the DfE's SSDA903 validator (PyPI csc-validator-be-903, imported as lac_validator) on a
folder of return files and print what it found as JSON.

This file runs in the validator's own virtual environment (var/dfe-validator, made by
`make dfe-validator`; the validator pins pandas below 2), never inside Visible: Visible calls it
as a subprocess (ssda903/oracle.py). It imports nothing from Visible.

    var/dfe-validator/bin/python dfe_validator_script.py DIR YEAR LA_CODE [LAST_YEARS_DIR] [--rules 574,146]

YEAR is the collection year by the year it starts (2025 for 2025/26), as in Visible.

The validator's own loop hands each rule a shallow copy of the tables, and some rules change
the tables they are given, so one rule's changes leak into the next. Here each rule gets a
deep copy. A rule that raises is listed under "failed" with its error (0.1.17's rules 231 and
233 always do).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import sys
import time
import warnings
from pathlib import Path


def real_postcodes(authorities: list[str], letters: str, count: int) -> int:
    """Print {authority: [postcodes]}: real postcodes in each authority from the validator's own
    postcode list, for tests that need placements the validator can place on the map."""
    with contextlib.redirect_stdout(sys.stderr):
        from lac_validator.datastore import la_df, postcodes

        postcodes.load_postcodes(list(letters))
    frame = postcodes.dataframe.merge(la_df, how="left", left_on="laua", right_on="LTLA21CD")
    found = {}
    for authority in authorities:
        chosen = frame[frame["UTLA21CD"] == authority].sort_values("pcd").head(count)
        found[authority] = [str(p) for p in chosen["pcd"]]
    json.dump(found, sys.stdout)
    return 0


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--postcodes":
        return real_postcodes(argv[1].split(","), argv[2], int(argv[3]))
    rules = None
    if "--rules" in argv:  # only these rules (a test that looks for one rule's finding)
        at = argv.index("--rules")
        rules, argv = argv[at + 1].split(","), argv[:at] + argv[at + 2 :]
    folder, year, authority = Path(argv[0]), int(argv[1]), argv[2]
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        from lac_validator.datastore import create_datastore
        from lac_validator.lac_validator import LacValidator
        from lac_validator.rules.ruleset_utils import get_year_ruleset

    class DeepCopyValidator(LacValidator):
        def validate(self, selected_rules=None):
            data_store = create_datastore(self.dfs, self.metadata)
            self.outcomes = {}
            for code, rule in self.get_rules_to_run(self.registry, selected_rules).items():
                tables = {
                    k: (v.copy(deep=True) if k != "metadata" else copy.deepcopy(v))
                    for k, v in data_store.items()
                }
                try:
                    result = rule.func(tables)
                except Exception as error:  # noqa: BLE001 - a crashing rule is reported, not fatal
                    self.fails.append(code)
                    self.outcomes[code] = {"failed": f"{type(error).__name__}: {error}"[:300]}
                    continue
                if result == {}:
                    self.skips.append(code)
                    continue
                self.dones.append(code)
                found = {
                    table: [int(i) for i in rows] for table, rows in result.items() if len(rows)
                }
                if found:
                    self.outcomes[code] = {"message": rule.message, "rows": found}

    files = [
        {"name": str(p), "description": "This year", "file_content": p.read_bytes()}
        for p in sorted(folder.glob("*.csv"))
    ]
    if len(argv) > 3:  # last year's return, for the rules that compare the two
        files += [
            {"name": str(p), "description": "Prev year", "file_content": p.read_bytes()}
            for p in sorted(Path(argv[3]).glob("*.csv"))
        ]
    loaded = time.perf_counter()
    # The validator names a year by its end: 2026 is 2025/26 (collection 01/04/2025 to 31/03/2026).
    end_year = str(year + 1)
    with contextlib.redirect_stdout(sys.stderr):  # the validator prints as it goes
        validator = DeepCopyValidator(
            metadata={"collectionYear": end_year, "localAuthority": authority},
            files=files,
            registry=get_year_ruleset(end_year),
            selected_rules=rules,
        )
    errors = {code: o for code, o in validator.outcomes.items() if "rows" in o}
    report = {
        "ruleset": f"lac{year}_{str(year + 1)[2:]}",
        "ran": sorted(validator.dones),
        "skipped": sorted(validator.skips),
        "failed": {code: validator.outcomes[code]["failed"] for code in sorted(validator.fails)},
        "errors": errors,
        "seconds": round(time.perf_counter() - loaded, 3),
        "seconds_with_import": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time(), 3),
    }
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
