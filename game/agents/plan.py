"""Bid plans: scripted bids from a JSON file, and the agent that follows one.

Format: ``{"bidders": {"jazz": [ROUND1, ROUND2, ...], ...}}``; a ROUND maps a
band id to a number of lots, or to ``{"lots": N, "price_usd": P}`` for an
intra-round price point; ``"accept_penalty": true`` in a round confirms a
round-1 bid below the obligation. Bands a round leaves out, and rounds after
the list ends, maintain demand. Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from game.agents.base import Agent, RoundBids
from game.economics.values import Valuation
from game.engine.rules import Bid
from game.formats.plan import MAX_PLAN_BYTES, PlanFile, PricePoint
from game.records.view import BidderView
from game.scenario import Scenario, checked


class PlanError(ValueError):
    """A plan file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class PlanRound:
    bids: Mapping[str, Bid]
    accept_penalty: bool = False


Plan = Mapping[str, Sequence[PlanRound]]


def load_plan(path: str | Path, scenario: Scenario) -> dict[str, list[PlanRound]]:
    """Read and validate a plan file against its schema, then the scenario's bands and bidders."""
    source = str(path)
    try:
        tree = checked.read_tree(path, toml=False, kind="plan", limit=MAX_PLAN_BYTES)
    except checked.ReadError as exc:
        raise PlanError(f"plan {path}: {exc}") from None
    return parse_plan(tree, scenario, source=source)


def parse_plan(data: Any, scenario: Scenario, *, source: str = "plan") -> dict[str, list[PlanRound]]:
    """A parsed plan checked against :class:`game.formats.plan.PlanFile`, then the scenario's names."""
    if not isinstance(data, dict) or not isinstance(data.get("bidders"), dict):
        raise PlanError(f'plan {source}: must be an object with a "bidders" object, e.g. {{"bidders": {{"jazz": [{{"2600": 5}}]}}}}')
    model, problems = checked.validate(PlanFile, data, table="an object")
    # The names the schema cannot know: bidders and bands of this scenario.
    bands = set(scenario.band_ids)
    for bidder, rounds in data["bidders"].items():
        if bidder not in scenario.bidder_ids:
            problems.append(
                f"bidders.{checked.key_text(bidder)}: unknown bidder "
                f"(scenario {scenario.id} has: {', '.join(scenario.bidder_ids)})"
            )
            continue
        for i, round_bids in enumerate(rounds if isinstance(rounds, list) else []):
            for band in round_bids if isinstance(round_bids, dict) else {}:
                if band != "accept_penalty" and band not in bands:
                    problems.append(
                        f"bidders.{bidder}[{i}] (round {i + 1}).{checked.key_text(band)}: unknown band "
                        f"(bands: {', '.join(scenario.band_ids)})"
                    )
    if problems or model is None:
        raise PlanError(f"plan {source} has {len(problems)} problem(s):\n{checked.problem_list(problems)}")
    plan: dict[str, list[PlanRound]] = {}
    for bidder, rounds in model.bidders.items():
        parsed: list[PlanRound] = []
        for r in rounds:
            bids: dict[str, Bid] = {}
            for band, spec in (r.model_extra or {}).items():
                bids[band] = Bid(band, spec.lots, spec.price_usd) if isinstance(spec, PricePoint) else Bid(band, spec)
            parsed.append(PlanRound(bids, r.accept_penalty))
        plan[bidder] = parsed
    return plan


class PlanAgent(Agent):
    """Follows a bid plan round by round; maintains demand after the plan ends."""

    strategy = "plan"

    def __init__(
        self, bidder: str, values: Valuation | None, rng: np.random.Generator, rounds: Sequence[PlanRound]
    ) -> None:
        super().__init__(bidder, values, rng)
        self.rounds = list(rounds)

    def bid(self, view: BidderView) -> RoundBids:
        if view.round > len(self.rounds):
            return RoundBids()
        step = self.rounds[view.round - 1]
        return RoundBids(dict(step.bids), step.accept_penalty)
