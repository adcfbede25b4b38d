"""Shared test helpers: the shipped scenarios and small scenarios built in code.

Small scenarios are TOML-shaped dicts passed to ``parse_scenario``, so they
go through the same validation as the shipped files. Import the helpers with
``from conftest import ...`` (pytest puts this directory on ``sys.path``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from game.agents.base import Agent
from game.agents.registry import make_agent
from game.economics.values import Valuation, draw_valuations
from game.engine.allocation import ClockAuction, RoundResult
from game.engine.rules import Bid
from game.records.view import build_view
from game.scenario import Scenario, load_scenario, parse_scenario

PAKISTAN = "pakistan-2026"
LITERAL = "pakistan-2026-directive-literal"


def band_table(
    band_id: str, lots: int, reserve_usd: int, *, lot_mhz: int = 10, points: int | None = None, low_band: bool = False
) -> dict[str, Any]:
    """A TDD band whose base price is consistent with its reserve (reserve per 10 MHz lot)."""
    return {
        "id": band_id,
        "name": f"{band_id} MHz",
        "duplex": "TDD",
        "lots": lots,
        "lot_mhz": lot_mhz,
        "offered_mhz": lots * lot_mhz,
        "base_price_usd_per_mhz": reserve_usd // lot_mhz,
        "reserve_usd": reserve_usd,
        "eligibility_points": points if points is not None else max(1, reserve_usd // 100_000),
        "low_band": low_band,
        "positioning": False,
    }


def scenario_tree(
    bands: Sequence[Mapping[str, Any]],
    bidders: Mapping[str, Mapping[str, float]],
    *,
    overall_mhz: float = 1000,
    low_band_mhz: float = 1000,
    band_caps: Mapping[str, float] | None = None,
    obligation: Mapping[str, int] | None = None,
    incumbents: Sequence[str] = (),
    increment_percent: int = 5,
    price_step_usd: int = 1_000,
    max_rounds: int = 500,
    initial_eligibility: int | str = "unlimited",
    other_low_bands: Sequence[str] = (),
) -> dict[str, Any]:
    """A complete scenario tree; ``bidders`` maps id to existing holdings in MHz."""
    low = [b["id"] for b in bands if b.get("low_band")] + list(other_low_bands)
    rules: dict[str, Any] = {
        "increment_percent": increment_percent,
        "price_step_usd": price_step_usd,
        "activity_requirement_percent": 100,
        "initial_eligibility": initial_eligibility,
        "max_rounds": max_rounds,
        "information_policy": "aggregate",
        "deposit_usd": 15_000_000,
        "success_threshold_percent": 50,
    }
    if obligation:
        rules["round1_obligation"] = {"applies_to": "incumbents", "min_lots": dict(obligation)}
    return {
        "scenario": {"id": "test", "name": "test scenario", "description": "built in code"},
        "rules": rules,
        "caps": {
            "overall_mhz": overall_mhz,
            "low_band_mhz": low_band_mhz,
            "low_band_bands": low,
            "band_mhz": dict(band_caps or {}),
        },
        "money": {"exchange_rate_pkr_per_usd": "279.37", "kibor_percent": "10.85"},
        "other_bands": {b: {"low_band": True} for b in other_low_bands},
        "bands": [dict(b) for b in bands],
        "bidders": {
            bidder: {"name": bidder.capitalize(), "incumbent": bidder in incumbents, "holdings_mhz": dict(h)}
            for bidder, h in bidders.items()
        },
    }


def build_scenario(*args: Any, **kwargs: Any) -> Scenario:
    return parse_scenario(scenario_tree(*args, **kwargs), source="test.toml")


def one_band(lots: int = 10, reserve_usd: int = 1_000_000, bidders: Sequence[str] = ("a", "b"), **kw: Any) -> Scenario:
    """One band 'x' of ``lots`` lots, bidders with no holdings and no binding caps."""
    return build_scenario([band_table("x", lots, reserve_usd)], {b: {} for b in bidders}, **kw)


def two_bands(
    lots_x: int = 4, lots_y: int = 4, reserve_x: int = 1_000_000, reserve_y: int = 1_000_000,
    bidders: Sequence[str] = ("a", "b"), points: int = 10, **kw: Any,
) -> Scenario:
    """Bands 'x' and 'y' with equal eligibility points per lot (so switches are allowed)."""
    return build_scenario(
        [band_table("x", lots_x, reserve_x, points=points), band_table("y", lots_y, reserve_y, points=points)],
        {b: {} for b in bidders},
        **kw,
    )


def pakistan_tree() -> dict[str, Any]:
    """A deep copy of the default scenario's raw TOML tree, for mutation in validation tests."""
    return copy.deepcopy(dict(load_scenario(PAKISTAN).raw))


def play(auction: ClockAuction, rounds: Mapping[str, Mapping[str, int | tuple[int, int]]]) -> RoundResult:
    """Submit one round (bidder -> band -> lots or (lots, price)) and close it."""
    for bidder, bids in rounds.items():
        auction.submit(
            bidder,
            {band: (Bid(band, v[0], v[1]) if isinstance(v, tuple) else Bid(band, v)) for band, v in bids.items()},
        )
    return auction.close_round()


@pytest.fixture(scope="session")
def pakistan() -> Scenario:
    return load_scenario(PAKISTAN)


@pytest.fixture(scope="session")
def literal() -> Scenario:
    return load_scenario(LITERAL)


def play_scripted(
    scenario: Scenario, bidders: Sequence[str], strategies: Sequence[str], seed: int, rounds: int
) -> tuple[ClockAuction, dict[str, Valuation], dict[str, Agent]]:
    """Up to ``rounds`` rounds of scripted agents (one strategy per bidder) on views: the auction, values and agents."""
    values = draw_valuations(scenario, list(bidders), seed)
    agents = {
        b: make_agent(s, b, scenario, values[b], np.random.default_rng(seed)) for b, s in zip(bidders, strategies, strict=True)
    }
    auction = ClockAuction(scenario, list(bidders), seed=seed)
    for _ in range(rounds):
        if auction.finished:
            break
        for b in bidders:
            if not auction.is_excluded(b):
                answer = agents[b].bid(build_view(auction, b))
                auction.submit(b, answer.bids, accept_penalty=answer.accept_penalty)
        auction.close_round()
    return auction, values, agents
