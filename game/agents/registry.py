"""Strategy names to agents: the one place a strategy name, ``plan:PATH`` or ``exec:CMD`` becomes an agent.

Built-in strategies are trusted classes that run in our process. Anything a
user brings is an external program (:mod:`game.agents.external`):
``exec:CMD`` anywhere a strategy is taken, or a name registered with
:func:`register_program` (``--agent-cmd``, and each class of an
``--agent-module``, which runs in a sandboxed Python worker). Never imports
pygame; never imports user code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from game.agents.aggressive import AggressiveAgent
from game.agents.base import Agent
from game.agents.cautious import CautiousAgent
from game.agents.external import EXEC_PREFIX, ExternalAgent, default_log_dir, log_path, parse_exec
from game.agents.parker import ParkerAgent
from game.agents.random_bids import RandomAgent
from game.agents.reducer import ReducerAgent
from game.agents.truthful import TruthfulAgent
from game.economics.values import Valuation
from game.protocol.sandbox import SandboxLimits
from game.protocol.seat import Program, Seat
from game.rl.learned import LearnedAgent
from game.scenario import Scenario

PLAN_PREFIX = "plan:"
LEARNED_PREFIX = "learned:"
"""``learned:PATH``: the learned policy saved in PATH (a .npz of numbers, never code: it plays in process)."""

_STRATEGIES: dict[str, type[Agent]] = {}
_PROGRAMS: dict[str, Program] = {}


class UnknownStrategy(ValueError):
    """A strategy name nobody registered; the message lists the known ones."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        super().__init__(
            f"unknown strategy {spec!r}; known strategies: {', '.join(known_strategies())}, or plan:PATH (a bid plan "
            "file), or exec:CMD (a program that speaks the bidder protocol)"
        )


def register_strategy(cls: type[Agent]) -> None:
    """Make ``cls`` available under ``cls.strategy`` (a later registration of the same name replaces it)."""
    name = getattr(cls, "strategy", "")
    if not isinstance(name, str) or not name or name.startswith(PLAN_PREFIX) or "," in name or "=" in name:
        raise ValueError(f"{cls.__name__}.strategy must be a plain name, got {name!r}")
    _STRATEGIES[name] = cls
    _PROGRAMS.pop(name, None)


def valid_name(name: str) -> bool:
    return bool(name) and name == name.strip() and not any(c in name for c in ",=:") and not name.startswith("-")


def register_program(program: Program) -> None:
    """Make an external program available as strategy ``program.name`` (replacing a class of the same name)."""
    if not valid_name(program.name):
        raise ValueError(f"strategy name {program.name!r} must be a plain name (no ',', '=' or ':')")
    _PROGRAMS[program.name] = program
    _STRATEGIES.pop(program.name, None)


def program_for(spec: str) -> Program | None:
    """The external program a strategy spec names (``exec:CMD`` or a registered name), or None for a built-in."""
    if spec.startswith(EXEC_PREFIX):
        return parse_exec(spec)
    return _PROGRAMS.get(spec)


def registered_programs() -> dict[str, Program]:
    return dict(_PROGRAMS)


def known_strategies() -> list[str]:
    """Registered strategy names, sorted (``plan:PATH`` and ``exec:CMD`` are always available too)."""
    return sorted({*_STRATEGIES, *_PROGRAMS})


def make_agent(
    spec: str,
    bidder: str,
    scenario: Scenario,
    values: Valuation | None,
    rng: np.random.Generator,
    *,
    limits: SandboxLimits | None = None,
    log_dir: Path | None = None,
) -> Agent:
    """An agent for ``bidder``: a registered strategy name, ``plan:PATH`` (that bidder's part of a plan file),
    or an external program (``exec:CMD`` or a registered program name).

    An external agent starts its own sandboxed process (``limits``, stderr log
    in ``log_dir``) at :meth:`~game.agents.external.ExternalAgent.begin`, not
    here. Raises :class:`UnknownStrategy` for an unknown name,
    :class:`game.agents.external.ProgramError` for an empty command and
    :class:`game.agents.plan.PlanError` for a bad plan file.
    """
    program = program_for(spec)
    if program is not None:
        seat = Seat(program, limits or SandboxLimits(), log_path(log_dir or default_log_dir(), bidder, program.name))
        return ExternalAgent(bidder, values, rng, scenario, seat=seat, owns_seat=True)
    if spec.startswith(PLAN_PREFIX):
        from game.agents.plan import PlanAgent, PlanError, load_plan

        path = spec[len(PLAN_PREFIX):]
        plan = load_plan(path, scenario)
        if bidder not in plan:
            raise PlanError(f"plan {path}: has no rounds for {bidder} (it has: {', '.join(plan) or 'none'})")
        agent: Agent = PlanAgent(bidder, values, rng, plan[bidder])
    elif spec.startswith(LEARNED_PREFIX):
        from game.rl.learned import learned_strategy

        agent = learned_strategy(spec, spec[len(LEARNED_PREFIX):])(bidder, values, rng)
    else:
        cls = _STRATEGIES.get(spec)
        if cls is None:
            raise UnknownStrategy(spec)
        agent = cls(bidder, values, rng)
    agent.scenario = scenario
    return agent


for _cls in (TruthfulAgent, CautiousAgent, ReducerAgent, ParkerAgent, AggressiveAgent, RandomAgent, LearnedAgent):
    register_strategy(_cls)
