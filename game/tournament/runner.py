"""Run a tournament: the schedule, a backend that plays the auctions, the store, the leaderboard, the plots.

:func:`run_tournament` checks the settings, skips auctions the output
directory already holds (``resume``), plays the rest on the local process
pool or on Ray (drawn lazily from the schedule, so the number of auctions
costs no memory), stores each result as it arrives, then with a
``baseline`` plays the paired deviation runs the same way. On the end or
on Ctrl-C it writes ``auctions.csv``, ``leaderboard.csv``, the paired
deviations and the empirical game from the store (so every finished auction
is kept) and, at the end, the plots.
:func:`play_one` re-runs any single auction in this process. Never imports
pygame.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from game.engine.allocation import RoundResult
from game.protocol.sandbox import SandboxLimits
from game.scenario import Scenario, load_scenario
from game.scenario.value_params import UnknownMarket, default_market, with_market
from game.tournament.egta import GAME_NAME, EmpiricalGame, empirical_game, game_csv_rows
from game.tournament.leaderboard import LEADERBOARD_NAME, Standing, leaderboard_csv, standings
from game.tournament.paired import (
    COLUMNS as DEVIATION_COLUMNS,
)
from game.tournament.paired import (
    DEVIATIONS_NAME,
    Deviation,
    csv_rows,
    deviations,
    pair_keys,
    paired_tasks,
    run_of,
    seating_of,
)
from game.tournament.play import (
    AuctionPlayer,
    AuctionRecord,
    AuctionTask,
    TournamentSetup,
    load_agent_module,
    programs_for,
)
from game.tournament.pool import TournamentError, run_local
from game.tournament.schedule import Seating, auction_seed, profile_seatings, seating_for, seatings
from game.tournament.storage import ResultStore, write_text_atomic

MAX_AUCTIONS = 10**15
"""Auction numbers are stored as SQLite integers and seeds' spawn keys; the schedule itself is lazy, so this
bound is about the numbers, not memory (at 1,000 auctions/s, 10^15 take 30,000 years)."""

Backend = Literal["local", "ray"]
Schedule = Literal["rotation", "profiles"]


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
    baseline: str | None = None
    """Play the paired deviation analysis against this strategy too."""
    schedule: Schedule = "rotation"
    """rotation: distinct strategies, all seats (the leaderboard's); profiles: every mix, for the empirical game."""


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
    deviations: list[Deviation] = field(default_factory=list)
    game: EmpiricalGame | None = None
    paired_done: int = 0
    paired_total: int = 0
    paired_played_now: int = 0


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
    if config.auctions > MAX_AUCTIONS:
        raise TournamentError(f"--auctions must be at most 10^15, got {config.auctions}")
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
    if config.baseline is not None:
        try:
            make_agent(config.baseline, bidders[0], scenario, values[bidders[0]], np.random.default_rng(0))
        except (UnknownStrategy, PlanError) as exc:
            raise TournamentError(f"--baseline: {exc}") from None
        except Exception:
            pass
    try:
        build = profile_seatings if config.schedule == "profiles" else seatings
        cycle = build(list(config.strategies), len(bidders))
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
    chosen: dict[str, object] = {
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
    # Only when set, so a directory written before these options existed still resumes.
    if config.schedule != "rotation":
        chosen["schedule"] = config.schedule
    if config.baseline is not None:
        chosen["baseline"] = config.baseline
    return chosen


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


def _bar(total: int, done: int, show: bool) -> Any:
    """A tqdm progress bar on stderr (count, rate, time left), or a stand-in that does nothing."""
    if not show:
        return _NoBar()
    import sys

    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit=" auctions", file=sys.stderr, mininterval=0.2, smoothing=0.1)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def run_tournament(
    config: TournamentConfig,
    *,
    on_record: Callable[[AuctionRecord], None] | None = None,
    progress: bool = False,
) -> TournamentResult:
    """Play every auction (and paired run) not yet in ``config.out_dir`` and write the results."""
    import time

    prep = prepare(config)
    store = ResultStore(
        config.out_dir, settings(config, prep), prep.setup.bidders, prep.scenario.band_ids, resume=config.resume
    )
    store.limit = config.auctions
    seats = len(prep.setup.bidders)
    try:
        done = {i for i in store.done() if i <= config.auctions}
        tasks = (task_for(config, prep, i) for i in range(1, config.auctions + 1) if i not in done)
        keys = pair_keys(config.strategies, config.baseline, seats) if config.baseline is not None else []
        paired_total = config.auctions * len(keys)
        paired_done = {k for k in store.paired_done() if k[0] <= config.auctions}
        bar = _bar(config.auctions + paired_total, len(done) + len(paired_done), progress)
        played = 0
        played_paired = 0

        def take(record: AuctionRecord) -> None:
            nonlocal played
            store.add(record)
            played += 1
            bar.update()
            if on_record is not None:
                on_record(record)

        def take_paired(record: AuctionRecord) -> None:
            nonlocal played_paired
            assert config.baseline is not None
            store.add_paired(run_of(record, config.baseline))
            played_paired += 1
            bar.update()
            if on_record is not None:
                on_record(record)

        started = time.perf_counter()
        interrupted = False
        try:
            _play(config, prep, tasks, config.auctions - len(done), take)
            if config.baseline is not None:
                left = paired_tasks(config.seed, config.auctions, config.baseline, seats, keys, paired_done)
                _play(config, prep, left, paired_total - len(paired_done), take_paired)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            bar.close()
            store.commit()
        seconds = time.perf_counter() - started
        files = [store.write_csv()]
        table = standings(store.seat_rows())
        files.append(write_text_atomic(store.dir / LEADERBOARD_NAME, leaderboard_csv(table)))
        total_done = len([i for i in store.done() if i <= config.auctions])
        deviation_table: list[Deviation] = []
        paired = store.paired_runs(config.auctions) if config.baseline is not None else []
        if config.baseline is not None:
            deviation_table = deviations(paired, config.baseline, config.strategies, prep.setup.bidders)
            rows = csv_rows(deviation_table)
            store.replace_table("deviations", rows)
            files.append(write_text_atomic(store.dir / DEVIATIONS_NAME, _csv([DEVIATION_COLUMNS, *rows])))
        played_strategies = list(dict.fromkeys([*config.strategies, *([config.baseline] if config.baseline else [])]))
        game = empirical_game(played_strategies, seats, _seat_plays(store, paired, config.baseline, seats))
        game_rows = game_csv_rows(game)
        store.replace_table("empirical_game", game_rows)
        files.append(write_text_atomic(
            store.dir / GAME_NAME,
            _csv([("strategy", "opponents", "plays", "mean_utility_usd", "equilibrium_probability"), *game_rows]),
        ))
        if config.plots and not interrupted and table:
            files += _plots(store, table, prep.scenario, deviation_table, game)
        return TournamentResult(
            out_dir=store.dir, total=config.auctions, done=total_done, interrupted=interrupted,
            standings=table, files=files, played_now=played, seconds=seconds,
            deviations=deviation_table, game=game, paired_done=len(paired), paired_total=paired_total,
            paired_played_now=played_paired,
        )
    finally:
        store.close()


def _play(
    config: TournamentConfig, prep: Prepared, tasks: Iterator[AuctionTask], count: int,
    take: Callable[[AuctionRecord], None],
) -> None:
    if count <= 0:
        return
    if config.backend == "ray":
        from game.tournament.ray_backend import run_ray

        run_ray(prep.setup, tasks, config.jobs, take, address=config.ray_address)
    else:
        hard = None if config.agent_timeout_s is None else 2 * config.agent_timeout_s + 1.0
        run_local(prep.setup, tasks, config.jobs, take, hard_limit_s=hard, count=count)


def _seat_plays(
    store: ResultStore, paired: Sequence[Any], baseline: str | None, seats: int
) -> Iterator[tuple[str, tuple[str, ...], float]]:
    """(strategy, rivals' strategies, utility) of every seat-play: the tournament's auctions, then the paired runs."""
    auction: list[tuple[str, int]] = []
    current = None
    for index, _, strategy, utility in store.seat_strategies():
        if index != current and auction:
            yield from _plays_of(auction)
            auction = []
        current = index
        auction.append((strategy, utility))
    if auction:
        yield from _plays_of(auction)
    if baseline is not None:
        for run in paired:
            seating = seating_of(baseline, seats, (run.deviator, run.strategy))
            yield from _plays_of(list(zip(seating, run.utilities, strict=True)))


def _plays_of(auction: Sequence[tuple[str, int]]) -> Iterator[tuple[str, tuple[str, ...], float]]:
    for j, (strategy, utility) in enumerate(auction):
        yield strategy, tuple(s for k, (s, _) in enumerate(auction) if k != j), float(utility)


def _csv(rows: Sequence[Sequence[object]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _plots(
    store: ResultStore, table: Sequence[Standing], scenario: Scenario, deviation_table: Sequence[Deviation],
    game: EmpiricalGame,
) -> list[Path]:
    from game.tournament.plots import write_analysis_plots, write_plots

    utilities: dict[str, list[float]] = {}
    revenue: dict[int, float] = {}
    efficiency: dict[int, float] = {}
    for auction, strategy, utility, _, _, eff, rev in store.seat_rows():
        utilities.setdefault(strategy, []).append(float(utility))
        revenue[auction] = float(rev)
        efficiency[auction] = eff
    sample = min(revenue) if revenue else None
    paths = store.price_path(sample) if sample is not None else {}
    written = write_plots(
        store.dir, table, utilities, list(revenue.values()), list(efficiency.values()), sample, paths,
        {b.id: b.reserve_usd for b in scenario.bands},
    )
    return written + write_analysis_plots(store.dir, deviation_table, game)
