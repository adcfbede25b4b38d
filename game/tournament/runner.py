"""Run a tournament: the schedule, a backend that plays the auctions, the store, the leaderboard, the plots.

:func:`run_tournament` checks the settings, skips auctions the output
directory already holds (``resume``), plays the rest on the local process
pool or on Ray, stores each result as it arrives, and on the end or on
Ctrl-C writes ``auctions.csv`` and ``leaderboard.csv`` from the store (so
every finished auction is kept) and, at the end, the plots.
:func:`play_one` re-runs any single auction in this process. Never imports
pygame.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from game.engine.allocation import RoundResult
from game.protocol.sandbox import SandboxLimits
from game.scenario import Scenario, load_scenario
from game.scenario.value_params import UnknownMarket, default_market, with_market
from game.tournament.leaderboard import LEADERBOARD_NAME, Standing, leaderboard_csv, standings
from game.tournament.play import (
    AuctionPlayer,
    AuctionRecord,
    AuctionTask,
    TournamentSetup,
    load_agent_module,
    programs_for,
)
from game.tournament.pool import TournamentError, run_local
from game.tournament.progress import Progress
from game.tournament.schedule import Seating, auction_seed, seating_for, seatings
from game.tournament.storage import ResultStore, write_text_atomic

Backend = Literal["local", "ray"]


@dataclass(frozen=True)
class TournamentConfig:
    strategies: tuple[str, ...]
    auctions: int
    out_dir: str
    scenario: str = "pakistan-2026"
    seed: int = 1
    jobs: int = 1
    bidders: tuple[str, ...] | None = None
    """The operator seats; None: the scenario's default bidders."""
    agent_timeout_s: float | None = 2.0
    agent_modules: tuple[str, ...] = ()
    agent_programs: tuple[tuple[str, str], ...] = ()
    """(strategy name, command) of each --agent-cmd: external programs, run sandboxed."""
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    """Limits of each external agent process (--agent-memory, --agent-cpu, ...)."""
    backend: Backend = "local"
    ray_address: str | None = None
    resume: bool = False
    plots: bool = True
    market: str | None = None
    """The scenario's market the private values come from (None: its default; see docs/VALUES.md)."""


@dataclass(frozen=True)
class TournamentResult:
    out_dir: Path
    total: int
    done: int
    interrupted: bool
    standings: list[Standing]
    files: list[Path] = field(default_factory=list)
    played_now: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Prepared:
    scenario: Scenario
    setup: TournamentSetup
    cycle: list[Seating]


def prepare(config: TournamentConfig) -> Prepared:
    """Check everything a tournament needs before any auction runs; raise ValueError subclasses naming what."""
    from game.agents.plan import PlanError
    from game.agents.registry import UnknownStrategy, make_agent
    from game.economics.values import draw_valuations

    if config.auctions < 1:
        raise TournamentError(f"--auctions must be at least 1, got {config.auctions}")
    if config.jobs < 1:
        raise TournamentError(f"--jobs must be at least 1, got {config.jobs}")
    if config.seed < 0:
        raise TournamentError(f"--seed must be a non-negative integer, got {config.seed}")
    if config.agent_timeout_s is not None and config.agent_timeout_s <= 0:
        raise TournamentError(f"--agent-timeout must be positive, got {config.agent_timeout_s:g}")
    scenario = load_scenario(config.scenario)
    try:
        scenario = with_market(scenario, config.market)
    except UnknownMarket as exc:
        raise TournamentError(f"--market: {exc}") from None
    bidders = config.bidders if config.bidders is not None else scenario.default_bidders
    unknown = [b for b in bidders if b not in scenario.bidder_ids]
    if unknown or len(set(bidders)) != len(bidders) or not bidders:
        raise TournamentError(
            f"--bidders {','.join(bidders)}: need distinct bidders of scenario {scenario.id} "
            f"({', '.join(scenario.bidder_ids)})"
        )
    for spec in config.agent_modules:
        load_agent_module(spec, config.limits)
    from game.agents.external import ProgramError, parse_exec
    from game.agents.registry import register_program, valid_name

    for name, command in config.agent_programs:
        if not valid_name(name):
            raise TournamentError(f"--agent-cmd {name}=...: the strategy name must be a plain name (no ',', '=' or ':')")
        try:
            register_program(parse_exec(command, name))
        except ProgramError as exc:
            raise TournamentError(f"--agent-cmd {name}: {exc}") from None
    if not config.strategies:
        raise TournamentError("--strategies: name at least one strategy")
    values = draw_valuations(scenario, list(bidders), auction_seed(config.seed, 1))
    for strategy in config.strategies:
        try:
            make_agent(strategy, bidders[0], scenario, values[bidders[0]], np.random.default_rng(0))
        except (UnknownStrategy, PlanError) as exc:
            raise TournamentError(f"--strategies: {exc}") from None
        except Exception:  # a constructor that fails is recorded per auction, not here
            pass
    try:
        cycle = seatings(list(config.strategies), len(bidders))
    except ValueError as exc:
        raise TournamentError(f"--strategies: {exc}") from None
    setup = TournamentSetup(
        scenario=config.scenario,
        bidders=tuple(bidders),
        agent_timeout_s=config.agent_timeout_s,
        agent_modules=tuple(str(Path(m).resolve()) if Path(m).is_file() else m for m in config.agent_modules),
        programs=programs_for(config.strategies),
        limits=config.limits,
        log_dir=str(Path(config.out_dir) / "agent-logs") if config.out_dir else None,
        market=config.market,
    )
    return Prepared(scenario, setup, cycle)


def settings(config: TournamentConfig, prep: Prepared) -> dict[str, object]:
    """What decides the results; a resumed run must match it exactly (the number of auctions may grow)."""
    modules = []
    for spec in prep.setup.agent_modules:
        path = Path(spec)
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        modules.append([spec, digest])
    return {
        "scenario": prep.scenario.id,
        "scenario_sha256": prep.scenario.sha256,
        "market": default_market(prep.scenario),
        "bidders": list(prep.setup.bidders),
        "strategies": list(config.strategies),
        "seed": config.seed,
        "agent_timeout_s": config.agent_timeout_s,
        "agent_modules": modules,
        **({"agent_programs": [list(p) for p in config.agent_programs]} if config.agent_programs else {}),
    }


def task_for(config: TournamentConfig, prep: Prepared, index: int) -> AuctionTask:
    return AuctionTask(index=index, seed=auction_seed(config.seed, index), seating=seating_for(prep.cycle, index))


def play_one(
    config: TournamentConfig, index: int, on_round: Callable[[RoundResult], None] | None = None
) -> AuctionRecord:
    """Re-run auction number ``index`` of a tournament alone, in this process."""
    if index < 1:
        raise TournamentError(f"--only-auction counts from 1, got {index}")
    prep = prepare(config)
    return AuctionPlayer(prep.setup, prep.scenario).play(task_for(config, prep, index), on_round=on_round)


def run_tournament(
    config: TournamentConfig,
    *,
    on_record: Callable[[AuctionRecord], None] | None = None,
    progress: Progress | None = None,
) -> TournamentResult:
    """Play every auction not yet in ``config.out_dir`` and write the results."""
    import time

    prep = prepare(config)
    store = ResultStore(
        config.out_dir, settings(config, prep), prep.setup.bidders, prep.scenario.band_ids, resume=config.resume
    )
    store.limit = config.auctions
    try:
        done = {i for i in store.done() if i <= config.auctions}
        tasks = [task_for(config, prep, i) for i in range(1, config.auctions + 1) if i not in done]
        bar = progress if progress is not None else Progress(config.auctions, enabled=False)
        bar.total, bar.done, bar.start_done = config.auctions, len(done), len(done)
        played = 0

        def take(record: AuctionRecord) -> None:
            nonlocal played
            store.add(record)
            played += 1
            bar.advance()
            if on_record is not None:
                on_record(record)

        started = time.perf_counter()
        interrupted = False
        try:
            if config.backend == "ray":
                from game.tournament.ray_backend import run_ray

                run_ray(prep.setup, tasks, config.jobs, take, address=config.ray_address)
            else:
                hard = None if config.agent_timeout_s is None else 2 * config.agent_timeout_s + 1.0
                run_local(prep.setup, tasks, config.jobs, take, hard_limit_s=hard)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            bar.close()
        seconds = time.perf_counter() - started
        files = [store.write_csv()]
        table = standings(store.seat_rows())
        files.append(write_text_atomic(store.dir / LEADERBOARD_NAME, leaderboard_csv(table)))
        total_done = len([i for i in store.done() if i <= config.auctions])
        if config.plots and not interrupted and table:
            files += _plots(store, table, prep.scenario)
        return TournamentResult(
            out_dir=store.dir, total=config.auctions, done=total_done, interrupted=interrupted,
            standings=table, files=files, played_now=played, seconds=seconds,
        )
    finally:
        store.close()


def _plots(store: ResultStore, table: Sequence[Standing], scenario: Scenario) -> list[Path]:
    from game.tournament.plots import write_plots

    utilities: dict[str, list[float]] = {}
    revenue: dict[int, float] = {}
    efficiency: dict[int, float] = {}
    for auction, strategy, utility, _, _, eff, rev in store.seat_rows():
        utilities.setdefault(strategy, []).append(float(utility))
        revenue[auction] = float(rev)
        efficiency[auction] = eff
    sample = min(revenue) if revenue else None
    paths = store.price_path(sample) if sample is not None else {}
    return write_plots(
        store.dir, table, utilities, list(revenue.values()), list(efficiency.values()), sample, paths,
        {b.id: b.reserve_usd for b in scenario.bands},
    )
