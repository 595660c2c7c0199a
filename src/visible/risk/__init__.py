"""The risk engine: plain facts about a child in; a proposed grade, reasons, markers, prompts
and alerts out. No Django here, so it can be tested and replayed on its own; see
docs/risk-engine.md."""

from visible.dates import CALENDAR_VERSION
from visible.risk.engine import (
    ALERT_RULES,
    ENGINE_VERSION,
    MARKERS,
    Alert,
    Assessment,
    Reason,
    assess_episode,
    check_override,
    sweep,
)
from visible.risk.factors import FACTORS, Factor
from visible.risk.facts import (
    ChildFacts,
    EpisodeFact,
    FlagFact,
    NrmFact,
    PlacementFact,
    ReturnInterviewFact,
)
from visible.risk.grades import Grade
from visible.risk.rules import RULES, Rule
from visible.risk.settings import DEFAULTS, RiskSettings
from visible.risk.words import Finding, check_text

__all__ = [
    "ALERT_RULES",
    "CALENDAR_VERSION",
    "DEFAULTS",
    "ENGINE_VERSION",
    "FACTORS",
    "MARKERS",
    "RULES",
    "Alert",
    "Assessment",
    "ChildFacts",
    "EpisodeFact",
    "Factor",
    "Finding",
    "FlagFact",
    "Grade",
    "NrmFact",
    "PlacementFact",
    "Reason",
    "ReturnInterviewFact",
    "RiskSettings",
    "Rule",
    "assess_episode",
    "check_override",
    "check_text",
    "sweep",
]
