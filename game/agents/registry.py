"""Strategy names to agent classes: the one place a strategy name or ``plan:PATH`` becomes an agent.

Tournaments register their own classes with :func:`register_strategy`
(``--agent-module``). Never imports pygame.
"""

from __future__ import annotations

import numpy as np

from game.agents.aggressive import AggressiveAgent
from game.agents.base import Agent
from game.agents.cautious import CautiousAgent
from game.agents.parker import ParkerAgent
from game.agents.random_bids import RandomAgent
from game.agents.reducer import ReducerAgent
from game.agents.truthful import TruthfulAgent
from game.economics.values import Valuation
from game.scenario import Scenario

PLAN_PREFIX = "plan:"

_STRATEGIES: dict[str, type[Agent]] = {}


class UnknownStrategy(ValueError):
    """A strategy name nobody registered; the message lists the known ones."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        super().__init__(
            f"unknown strategy {spec!r}; known strategies: {', '.join(known_strategies())}, or plan:PATH (a bid plan file)"
        )


def register_strategy(cls: type[Agent]) -> None:
    """Make ``cls`` available under ``cls.strategy`` (a later registration of the same name replaces it)."""
    name = getattr(cls, "strategy", "")
    if not isinstance(name, str) or not name or name.startswith(PLAN_PREFIX) or "," in name or "=" in name:
        raise ValueError(f"{cls.__name__}.strategy must be a plain name, got {name!r}")
    _STRATEGIES[name] = cls


def known_strategies() -> list[str]:
    """Registered strategy names, sorted (``plan:PATH`` is always available too)."""
    return sorted(_STRATEGIES)


def make_agent(
    spec: str, bidder: str, scenario: Scenario, values: Valuation | None, rng: np.random.Generator
) -> Agent:
    """An agent for ``bidder``: a registered strategy name, or ``plan:PATH`` (that bidder's part of a plan file).

    Raises :class:`UnknownStrategy` for an unknown name and
    :class:`game.agents.plan.PlanError` for a bad plan file.
    """
    if spec.startswith(PLAN_PREFIX):
        from game.agents.plan import PlanAgent, PlanError, load_plan

        path = spec[len(PLAN_PREFIX):]
        plan = load_plan(path, scenario)
        if bidder not in plan:
            raise PlanError(f"plan {path}: has no rounds for {bidder} (it has: {', '.join(plan) or 'none'})")
        agent: Agent = PlanAgent(bidder, values, rng, plan[bidder])
    else:
        cls = _STRATEGIES.get(spec)
        if cls is None:
            raise UnknownStrategy(spec)
        agent = cls(bidder, values, rng)
    agent.scenario = scenario
    return agent


for _cls in (TruthfulAgent, ReducerAgent, ParkerAgent, AggressiveAgent, RandomAgent, CautiousAgent):
    register_strategy(_cls)
