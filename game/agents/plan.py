"""Bid plans: scripted bids from a JSON file, and the agent that follows one.

Format: ``{"bidders": {"jazz": [ROUND1, ROUND2, ...], ...}}``; a ROUND maps a
band id to a number of lots, or to ``{"lots": N, "price_usd": P}`` for an
intra-round price point; ``"accept_penalty": true`` in a round confirms a
round-1 bid below the obligation. Bands a round leaves out, and rounds after
the list ends, maintain demand. Never imports pygame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from game.agents.base import Agent, RoundBids
from game.economics.values import Valuation
from game.engine.rules import Bid
from game.records.view import BidderView
from game.scenario import Scenario


class PlanError(ValueError):
    """A plan file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class PlanRound:
    bids: Mapping[str, Bid]
    accept_penalty: bool = False


Plan = Mapping[str, Sequence[PlanRound]]


def load_plan(path: str | Path, scenario: Scenario) -> dict[str, list[PlanRound]]:
    """Read and validate a plan file against a scenario's bands and bidders."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"plan {path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PlanError(f"plan {path}: not a UTF-8 text file (a plan is JSON)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"plan {path}: not valid JSON: {exc}") from None
    return parse_plan(data, scenario, source=str(path))


def parse_plan(data: Any, scenario: Scenario, *, source: str = "plan") -> dict[str, list[PlanRound]]:
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("bidders"), dict):
        raise PlanError(f'plan {source}: must be an object with a "bidders" object, e.g. {{"bidders": {{"jazz": [{{"2600": 5}}]}}}}')
    unknown_top = set(data) - {"bidders", "notes"}
    for key in sorted(unknown_top):
        problems.append(f"{key}: unknown key (known: bidders, notes)")
    plan: dict[str, list[PlanRound]] = {}
    bands = set(scenario.band_ids)
    for bidder, rounds in data["bidders"].items():
        if bidder not in scenario.bidder_ids:
            problems.append(f"bidders.{bidder}: unknown bidder (scenario {scenario.id} has: {', '.join(scenario.bidder_ids)})")
            continue
        if not isinstance(rounds, list):
            problems.append(f"bidders.{bidder}: must be a list of rounds")
            continue
        parsed: list[PlanRound] = []
        for i, round_bids in enumerate(rounds):
            where = f"bidders.{bidder}[{i}] (round {i + 1})"
            if not isinstance(round_bids, dict):
                problems.append(f"{where}: must be an object mapping band ids to lots")
                continue
            bids: dict[str, Bid] = {}
            penalty = False
            for band, spec in round_bids.items():
                if band == "accept_penalty":
                    if not isinstance(spec, bool):
                        problems.append(f"{where}.accept_penalty: must be true or false")
                    penalty = bool(spec)
                    continue
                if band not in bands:
                    problems.append(f"{where}.{band}: unknown band (bands: {', '.join(scenario.band_ids)})")
                    continue
                price: Any = None
                if isinstance(spec, dict):
                    extra = set(spec) - {"lots", "price_usd"}
                    if extra:
                        problems.append(f"{where}.{band}: unknown key(s) {', '.join(sorted(extra))} (known: lots, price_usd)")
                    lots = spec.get("lots")
                    price = spec.get("price_usd")
                    if price is not None and (isinstance(price, bool) or not isinstance(price, int)):
                        problems.append(f"{where}.{band}.price_usd: must be whole US dollars, got {price!r}")
                        continue
                else:
                    lots = spec
                if isinstance(lots, bool) or not isinstance(lots, int):
                    problems.append(f"{where}.{band}: lots must be a whole number, got {lots!r}")
                    continue
                bids[band] = Bid(band, lots, price)
            parsed.append(PlanRound(bids, penalty))
        plan[bidder] = parsed
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise PlanError(f"plan {source} has {len(problems)} problem(s):\n{lines}")
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
