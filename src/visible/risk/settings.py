"""Per-authority settings for the risk engine, with the rulebook's defaults.

The rulebook marks local practice as settings rather than constants (R-MIN-CHILD, the R-EARLY
and R-REPEAT thresholds, the clocks). Storing and auditing an authority's values is the
caller's job; the engine only takes a ``RiskSettings`` and records its ``fingerprint()`` on
every assessment, so a replay can prove it used the same values.

Settings can only tune rules, never switch off the statutory floor of R-HIGH for trafficked
(identified or suspected), unaccompanied, separated and UASC children.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from visible.risk.factors import FACTOR_CODES, FACTORS

# Rulebook section 3 "unsuitable placement (B&B, emergency, semi-independent, supported
# accommodation)", as SSDA903 PLACE codes: H5 semi-independent, K3 supported accommodation,
# P2 independent living incl. B&B, T4 temporary accommodation of seven days or less.
DEFAULT_UNSUITABLE_PLACEMENT_CODES = frozenset({"H5", "K3", "P2", "T4"})
# The register's placement detail values that mean the same whatever the PLACE code.
DEFAULT_UNSUITABLE_PLACEMENT_DETAILS = frozenset({"emergency", "bed_and_breakfast", "hotel"})

DEFAULT_FACTOR_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {code: factor.default_weight for code, factor in sorted(FACTORS.items())}
)

# The one nationality-linked pattern the report itself names (ch. 3.1 "Children from
# Vietnam"). It only ever produces a prompt for professional judgement.
DEFAULT_NATIONALITY_PATTERNS: Mapping[str, str] = MappingProxyType(
    {"VNM": "Vietnamese children and cannabis cultivation"}
)


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(sorted(value.items())))


@dataclass(frozen=True)
class RiskSettings:
    # R-MIN-CHILD: no child graded below medium (ACPO 2005; several forces' local rule).
    min_child_grade_medium: bool = True
    # R-HIGH scope: the rulebook's R-HIGH names trafficked (identified or suspected),
    # unaccompanied, separated and UASC children; 'at risk of trafficking' is scored as a
    # factor unless an authority opts to treat it as in scope too.
    at_risk_in_high_scope: bool = False
    # Grade 'away from placement' (903 A) episodes by the same floors as 'missing' (M): the
    # report (Rec 5) argues against any lesser category for these children.
    treat_away_as_missing: bool = True
    # R-EARLY: "soon after becoming looked after" (DfE 2014: most within a week).
    early_missing_days: int = 7
    # R-REPEAT: 3 or more episodes in 90 days (a common police definition).
    repeat_episodes: int = 3
    repeat_window_days: int = 90
    # NRM reasonable grounds decision target (Home Office guidance).
    rg_decision_working_days: int = 5
    # Independent return interview (DfE 2014).
    return_interview_hours: int = 72
    # No national figure: a child in scope is high risk, and a missing child is reported to
    # the police straight away; one hour allows the carer's first checks of known places.
    police_report_within_hours: int = 1
    # Warn while a young person is still missing this many days before their 18th birthday.
    approaching_18_days: int = 90
    # The report's duration band: missing more than 7 days (a third of these children, 2%
    # nationally).
    long_missing_days: int = 7
    # A move into a new placement this many days or fewer before the episode began.
    recent_placement_change_days: int = 28
    unsuitable_placement_codes: frozenset[str] = DEFAULT_UNSUITABLE_PLACEMENT_CODES
    unsuitable_placement_details: frozenset[str] = DEFAULT_UNSUITABLE_PLACEMENT_DETAILS
    # Dynamic scoring: weights per factor code, and the totals at which the score raises the
    # proposed grade to at least low, medium or high. Overrides are merged into the defaults.
    factor_weights: Mapping[str, int] = field(default_factory=lambda: DEFAULT_FACTOR_WEIGHTS)
    score_low: int = 1
    score_medium: int = 3
    score_high: int = 6
    # ISO alpha-3 -> the pattern named in the prompt. Prompts only; never a grade.
    nationality_patterns: Mapping[str, str] = field(
        default_factory=lambda: DEFAULT_NATIONALITY_PATTERNS
    )

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in ("min_child_grade_medium", "at_risk_in_high_scope", "treat_away_as_missing"):
            if not isinstance(getattr(self, name), bool):
                problems.append(f"{name} must be true or false (got {getattr(self, name)!r})")

        minimums = {
            "early_missing_days": 0,
            "repeat_episodes": 2,
            "repeat_window_days": 1,
            "rg_decision_working_days": 1,
            "return_interview_hours": 1,
            "police_report_within_hours": 0,
            "approaching_18_days": 0,
            "long_missing_days": 1,
            "recent_placement_change_days": 0,
            "score_low": 1,
        }
        for name, least in minimums.items():
            problems += _whole_number(name, getattr(self, name), least)
        for name in ("score_medium", "score_high"):
            problems += _whole_number(name, getattr(self, name), 1)
        if not problems and not (self.score_low <= self.score_medium <= self.score_high):
            problems.append(
                "score thresholds must rise: score_low <= score_medium <= score_high "
                f"(got {self.score_low}, {self.score_medium}, {self.score_high})"
            )

        for name in ("unsuitable_placement_codes", "unsuitable_placement_details"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Iterable):
                problems.append(f"{name} must be a collection of codes, not {value!r}")
            else:
                object.__setattr__(self, name, frozenset(value))

        weights = self.factor_weights
        if not isinstance(weights, Mapping):
            problems.append(
                f"factor_weights must be a mapping of factor code to weight (got {weights!r})"
            )
        else:
            unknown = sorted(set(weights) - FACTOR_CODES)
            if unknown:
                problems.append(
                    f"factor_weights has unknown factor code(s) {', '.join(unknown)}; "
                    f"known codes: {', '.join(sorted(FACTOR_CODES))}"
                )
            for code, weight in sorted(weights.items()):
                problems += _whole_number(f"factor_weights[{code!r}]", weight, 0)
            object.__setattr__(
                self, "factor_weights", _frozen_mapping({**DEFAULT_FACTOR_WEIGHTS, **weights})
            )

        patterns = self.nationality_patterns
        if not isinstance(patterns, Mapping):
            problems.append(
                f"nationality_patterns must be a mapping of ISO alpha-3 code to text (got {patterns!r})"
            )
        else:
            for code, text in sorted(patterns.items()):
                if not (
                    isinstance(code, str) and len(code) == 3 and code.isalpha() and code.isupper()
                ):
                    problems.append(
                        f"nationality_patterns key {code!r} must be an ISO 3166-1 alpha-3 code such as VNM"
                    )
                if not (isinstance(text, str) and text.strip()):
                    problems.append(
                        f"nationality_patterns[{code!r}] must name the pattern in plain words"
                    )
            object.__setattr__(self, "nationality_patterns", _frozen_mapping(patterns))

        if problems:
            raise ValueError("Invalid risk settings: " + "; ".join(problems))

    def weight(self, factor_code: str) -> int:
        return self.factor_weights[factor_code]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values, in a fixed order: what the caller stores and replays from."""
        result: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, Mapping):
                value = dict(sorted(value.items()))
            result[f.name] = value
        return result

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> RiskSettings:
        """Settings from stored values; unknown names are an error, missing ones take defaults."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"Unknown risk setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return cls(**dict(values))

    def fingerprint(self) -> str:
        """A short, stable digest of every value: equal settings give equal fingerprints."""
        canonical = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    # Mappings are not hashable; equal settings must still hash equal to be usable as keys.
    def __hash__(self) -> int:
        return hash(self.fingerprint())


def _whole_number(name: str, value: object, least: int) -> list[str]:
    # bool is an int in Python; True days is a mistake, not 1 day.
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"{name} must be a whole number (got {value!r})"]
    if value < least:
        return [f"{name} must be {least} or more (got {value})"]
    return []


DEFAULTS = RiskSettings()
