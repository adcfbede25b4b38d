"""One auction of a tournament, as a worker process plays it: seating and seed in, a record out.

Everything an auction needs is derived from its seed: the bidders' private
values (``draw_valuations``), each seat's agent generator and the engine's
tie-breaks, so :func:`play_auction` gives the same record wherever it runs.
An agent that raises, answers garbage or breaks a rule is recorded by
:func:`game.sessions.session.run_allocation`; an agent that overruns the per-round
time limit is interrupted here (SIGALRM, where the platform has it) and
maintains its demand for the rest of the auction. A seat listed in
``bench`` (the parent killed a worker that hung in C code) is not asked from
that round on. User strategies (``--agent-module`` classes, ``--agent-cmd``
and ``exec:`` programs) never run here: each seat is a sandboxed process
(:class:`game.protocol.seat.Seat`) kept between auctions, with its own clock
and failure labels. Nothing here may stop on an agent's misbehaviour, and
nothing here imports user code. Never imports pygame.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from game.agents.base import Agent, RoundBids
from game.engine.allocation import ClockAuction, RoundResult
from game.engine.streams import agent_stream
from game.protocol.sandbox import SandboxLimits
from game.protocol.seat import Program, Seat
from game.records.failures import AgentFailure
from game.records.view import BidderView
from game.scenario import Scenario, load_scenario
from game.scenario.value_params import with_market
from game.sessions.session import run_allocation
from game.tournament.schedule import Seating

Beat = Callable[[int, int, int], None]
"""Called before each agent call with (seat, round, 1) and after it with (seat, round, 0)."""


class AgentModuleError(ValueError):
    """An --agent-module that cannot be imported or defines no strategy."""


@dataclass(frozen=True)
class AuctionTask:
    """What a worker needs to play auction ``index``."""

    index: int
    seed: int
    seating: Seating
    bench: Mapping[int, int] = field(default_factory=dict)
    """Seat -> round from which that seat's agent is no longer asked (it hung)."""


@dataclass(frozen=True)
class SeatResult:
    bidder: str
    strategy: str
    lots: Mapping[str, int]
    won_tenths: int
    payment_usd: int
    forfeited_usd: int
    value_usd: int
    utility_usd: int
    failures: tuple[AgentFailure, ...]


@dataclass(frozen=True)
class AuctionRecord:
    """The result of one auction: what the CSV row and the database hold."""

    index: int
    seed: int
    status: str
    rounds: int
    revenue_usd: int
    welfare_usd: int
    optimal_welfare_usd: int
    efficiency: float
    seats: tuple[SeatResult, ...]
    price_paths: Mapping[str, tuple[int, ...]]
    """Posted price per band after each round."""
    # Efficiency measures (docs/METRICS.md); ``efficiency`` above is the headline, surplus over reserve.
    surplus_usd: int = 0
    """Sum over the lots won of value - reserve."""
    optimal_surplus_usd: int = 0
    """The same for the best allocation of values net of reserve."""
    liquid_welfare_usd: int = 0
    """Sum over bidders of min(value won, budget)."""
    liquid_welfare_bound_usd: int = 0
    """Upper bound of the best liquid welfare (the optimum itself when ``liquid_bound_exact``)."""
    liquid_efficiency: float = 0.0
    liquid_bound_exact: bool = False
    gross_efficiency: float = 0.0
    """welfare / optimal welfare: the headline before surplus over reserve."""


@dataclass(frozen=True)
class TournamentSetup:
    """The fixed part of every auction of a tournament (sent once to each worker)."""

    scenario: str
    """Shipped scenario name or path, loaded again in each worker."""
    bidders: tuple[str, ...]
    agent_timeout_s: float | None
    agent_modules: tuple[str, ...] = ()
    programs: tuple[Program, ...] = ()
    """External strategies (``--agent-cmd``, ``--agent-module`` classes, ``exec:CMD``): each runs sandboxed."""
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    """Limits of every external agent process (the per-round wall clock is ``agent_timeout_s``)."""
    log_dir: str | None = None
    """Where each external agent process's stderr log goes (bounded); None: a temporary directory."""
    market: str | None = None
    """The scenario's market the private values come from (None: its default; see docs/VALUES.md)."""


# ---------------------------------------------------------------- agent modules

_loaded: dict[str, list[str]] = {}


def load_agent_module(spec: str, limits: SandboxLimits | None = None) -> list[str]:
    """Register the strategies an agent module defines, each as an external program; return their names.

    The module is never imported here: a sandboxed worker imports it and
    lists its Agent subclasses (:func:`game.agents.external.module_programs`);
    each class then plays in sandboxed workers of its own. Loading the same
    spec twice is a no-op. Raises :class:`AgentModuleError` (the worker's
    reason) for a module that cannot be loaded.
    """
    from game.agents.external import ProgramError, module_programs
    from game.agents.registry import register_program

    if spec in _loaded:
        return _loaded[spec]
    try:
        programs = module_programs(spec, limits)
    except ProgramError as exc:
        raise AgentModuleError(str(exc)) from None
    if not programs:
        raise AgentModuleError(
            f"agent module {spec}: defines no Agent subclass with a `strategy` name (see docs/AGENTS.md for the interface)"
        )
    for program in programs:
        register_program(program)
    _loaded[spec] = sorted(p.name for p in programs)
    return _loaded[spec]


def programs_for(strategies: Sequence[str]) -> tuple[Program, ...]:
    """The external programs among ``strategies`` (``exec:CMD`` and registered programs), for the workers."""
    from game.agents.registry import program_for

    found = [program_for(s) for s in strategies]
    return tuple(p for p in found if p is not None)


# ---------------------------------------------------------------- time limit

class _AgentTimeout(BaseException):
    """Raised inside an agent's code by the alarm; a BaseException so `except Exception` cannot swallow it."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _AgentTimeout


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class _GuardedAgent(Agent):
    """Runs the real agent under the per-round time limit; after a timeout the seat only maintains."""

    strategy = "guarded"

    def __init__(
        self, inner: Agent | None, seat: int, limit_s: float | None, bench_from: int | None, beat: Beat | None
    ) -> None:
        super().__init__(inner.bidder if inner else "", None, np.random.default_rng(0))
        self.inner = inner
        self.seat = seat
        self.limit_s = limit_s
        self.bench_from = bench_from
        self.beat = beat
        self.failures: list[AgentFailure] = []

    def bid(self, view: BidderView) -> RoundBids:
        if self.inner is None or (self.bench_from is not None and view.round >= self.bench_from):
            return RoundBids()
        use_alarm = self.limit_s is not None and _can_alarm()
        if self.beat:
            self.beat(self.seat, view.round, 1)
        try:
            if use_alarm:
                assert self.limit_s is not None
                signal.setitimer(signal.ITIMER_REAL, self.limit_s)
            return self.inner.bid(view)
        except SystemExit as exc:  # sys.exit() in an agent must not end the worker
            self.failures.append(AgentFailure(view.round, self.bidder, "error", f"SystemExit: {exc}"))
            return RoundBids()
        except _AgentTimeout:
            self.bench_from = view.round + 1
            self.failures.append(
                AgentFailure(
                    view.round, self.bidder, "timeout",
                    f"no answer within the limit of {self.limit_s:g} s per round; it was stopped and maintains "
                    "its demand for the rest of the auction",
                )
            )
            return RoundBids()
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if self.beat:
                self.beat(self.seat, view.round, 0)


# ---------------------------------------------------------------- one auction

class AuctionPlayer:
    """Plays auctions of one tournament; built once per worker (loads the scenario and agent modules)."""

    def __init__(self, setup: TournamentSetup, scenario: Scenario | None = None) -> None:
        self.setup = setup
        self.scenario = scenario if scenario is not None else with_market(load_scenario(setup.scenario), setup.market)
        programs = setup.programs
        if not programs:  # a setup built by hand: find the modules' strategies (in a sandbox, never imported here)
            for spec in setup.agent_modules:
                load_agent_module(spec, setup.limits)
            from game.agents.registry import registered_programs

            programs = tuple(registered_programs().values())
        self.programs = {p.name: p for p in programs}
        timeout = setup.agent_timeout_s
        self.limits = replace(setup.limits, round_seconds=timeout if timeout is not None else math.inf)
        self.idle: dict[str, list[Seat]] = {}
        """Agent processes between auctions, by strategy: a tournament pays one process start per seat."""
        self.started = 0

    def _program(self, strategy: str) -> Program | None:
        from game.agents.external import EXEC_PREFIX
        from game.agents.registry import program_for

        if strategy in self.programs:
            return self.programs[strategy]
        return program_for(strategy) if strategy.startswith(EXEC_PREFIX) else None

    def _take_seat(self, program: Program) -> Seat:
        idle = self.idle.get(program.name)
        if idle:
            return idle.pop()
        from game.agents.external import default_log_dir, log_path

        self.started += 1
        log_dir = Path(self.setup.log_dir) if self.setup.log_dir else default_log_dir()
        return Seat(program, self.limits, log_path(log_dir, f"seat{self.started}", program.name))

    def close(self) -> None:
        """Say ``quit`` to every agent process this player started."""
        for seats in self.idle.values():
            for seat in seats:
                seat.close()
        self.idle.clear()

    def play(
        self, task: AuctionTask, beat: Beat | None = None, on_round: Callable[[RoundResult], None] | None = None
    ) -> AuctionRecord:
        from game.agents.external import ExternalAgent, begin_external, finish_external
        from game.agents.registry import make_agent
        from game.economics.values import draw_valuations
        from game.economics.welfare import evaluate

        scenario = self.scenario
        bidders = self.setup.bidders
        if len(task.seating) != len(bidders):
            raise ValueError(f"auction {task.index}: {len(task.seating)} strategies for {len(bidders)} seats")
        valuations = draw_valuations(scenario, list(bidders), task.seed)
        limit = self.setup.agent_timeout_s
        guards: dict[str, _GuardedAgent] = {}
        agents: dict[str, Agent] = {}
        externals: dict[str, ExternalAgent] = {}
        setup_failures: list[AgentFailure] = []
        for seat, (bidder, strategy) in enumerate(zip(bidders, task.seating, strict=True)):
            rng = agent_stream(task.seed, bidder)
            program = self._program(strategy)
            if program is not None:  # user code: its own sandboxed process, which enforces its own clock
                external = ExternalAgent(
                    bidder, valuations[bidder], rng, scenario, seat=self._take_seat(program), owns_seat=False
                )
                externals[bidder] = agents[bidder] = external
                continue
            inner: Agent | None
            try:
                inner = make_agent(strategy, bidder, scenario, valuations[bidder], rng)
            except Exception as exc:  # an agent whose constructor fails sits out and maintains (holds nothing)
                inner = None
                setup_failures.append(
                    AgentFailure(0, bidder, "error", f"could not be created: {type(exc).__name__}: {exc}")
                )
            guard = _GuardedAgent(inner, seat, limit, task.bench.get(seat), beat)
            guard.bidder = bidder
            guards[bidder] = agents[bidder] = guard
        alarm = limit is not None and _can_alarm()
        previous = signal.signal(signal.SIGALRM, _on_alarm) if alarm else None
        try:
            auction = ClockAuction(scenario, list(bidders), seed=task.seed)
            begin_external(agents, auction, f"auction-{task.index}")
            # With the alarm the guard enforces the limit; without it run_allocation measures each answer.
            # External seats keep their own clock (a deadline per answer), never the alarm.
            run = run_allocation(
                auction, agents, time_limit_s=None if alarm or externals else limit, on_round=on_round
            )
            finish_external(agents, auction)
        finally:
            if previous is not None:
                signal.signal(signal.SIGALRM, previous)
            for external in externals.values():
                self.idle.setdefault(external.seat.program.name, []).append(external.seat)
        report = evaluate(scenario, valuations, run.outcome)
        seats: list[SeatResult] = []
        for seat, (bidder, strategy) in enumerate(zip(bidders, task.seating, strict=True)):
            failures = [f for f in setup_failures if f.bidder == bidder]
            failures += [f for f in run.failures if f.bidder == bidder]
            if bidder in guards:
                failures += guards[bidder].failures
            if bidder in externals:
                failures += externals[bidder].failures
            bench_round = task.bench.get(seat)
            if bench_round is not None:
                failures.append(
                    AgentFailure(
                        bench_round, bidder, "timeout",
                        "did not answer and could not be interrupted; its worker was stopped and the auction "
                        "re-run with this seat maintaining its demand from this round",
                    )
                )
            failures.sort(key=lambda f: f.round)
            w = report.bidders[bidder]
            seats.append(
                SeatResult(
                    bidder=bidder,
                    strategy=strategy,
                    lots=dict(w.lots),
                    won_tenths=sum(n * scenario.band(band).lot_tenths for band, n in w.lots.items()),
                    payment_usd=w.payment_usd,
                    forfeited_usd=w.forfeited_usd,
                    value_usd=w.value_usd,
                    utility_usd=w.utility_usd,
                    failures=tuple(failures),
                )
            )
        return AuctionRecord(
            index=task.index,
            seed=task.seed,
            status=run.outcome.status,
            rounds=run.outcome.rounds,
            revenue_usd=run.outcome.revenue_usd,
            welfare_usd=report.welfare_usd,
            optimal_welfare_usd=report.optimal_welfare_usd,
            efficiency=float(report.efficiency),
            seats=tuple(seats),
            price_paths={b.id: tuple(r.posted_prices[b.id] for r in auction.history) for b in scenario.bands},
            surplus_usd=report.measures["surplus_over_reserve"].numerator_usd,
            optimal_surplus_usd=report.measures["surplus_over_reserve"].denominator_usd,
            liquid_welfare_usd=report.measures["liquid_welfare"].numerator_usd,
            liquid_welfare_bound_usd=report.measures["liquid_welfare"].denominator_usd,
            liquid_efficiency=float(report.measures["liquid_welfare"].ratio),
            liquid_bound_exact=report.measures["liquid_welfare"].denominator_exact,
            gross_efficiency=float(report.measures["gross_value"].ratio),
        )

