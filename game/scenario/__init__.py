"""Layer 1, the bottom: the scenario as data (bands, caps, rules, bidders, money, value and band-plan sections) and units.

Imports nothing of the game above it. The rest of the game reads these names
from here: ``from game.scenario import Scenario, load_scenario``.
"""

from game.scenario.load import load_scenario, parse_scenario, resolve_scenario_path, shipped_scenarios
from game.scenario.model import (
    INFORMATION_POLICIES,
    SCENARIO_DIR,
    AssignmentRules,
    Band,
    BidderProfile,
    Caps,
    ClockRules,
    Obligation,
    PaymentTerms,
    Scenario,
    ScenarioError,
)
from game.scenario.schema import InformationPolicy

__all__ = [
    "INFORMATION_POLICIES", "SCENARIO_DIR", "AssignmentRules", "Band", "BidderProfile", "Caps", "ClockRules",
    "InformationPolicy", "Obligation", "PaymentTerms", "Scenario", "ScenarioError", "load_scenario", "parse_scenario",
    "resolve_scenario_path", "shipped_scenarios",
]
