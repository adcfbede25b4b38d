"""The ``tournament`` command: many headless auctions, strategies ranked.

``python run.py tournament --strategies truthful,reducer --auctions 1000 --seed 1 --jobs 2 --out DIR``
writes DIR/auctions.csv, DIR/auctions.sqlite, DIR/leaderboard.csv,
DIR/empirical_game.csv and PNG plots, and prints the leaderboard and the
empirical game; ``--baseline S`` adds the paired deviation analysis
(DIR/deviations.csv). ``--only-auction N`` re-runs one auction
of the tournament alone (``--log`` keeps its round log for ``replay``).
User errors exit with status 2 and one clear message; Ctrl-C keeps every
finished auction (exit 130) and ``--resume`` continues. Never imports pygame.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from game.cli.common import UserError, add_market_arg, check_output_path
from game.protocol.sandbox import SandboxLimits
from game.scenario import ScenarioError
from game.scenario.units import fmt_usd
from game.tournament.egta import game_text
from game.tournament.leaderboard import POOLED_NOTE, leaderboard_text
from game.tournament.paired import deviations_text
from game.tournament.play import AgentModuleError, AuctionRecord
from game.tournament.pool import TournamentError
from game.tournament.runner import TournamentConfig, play_one, prepare, run_tournament
from game.tournament.storage import DB_NAME, StorageError, fmt_lots, fmt_tenths

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "tournament",
        help="run many headless auctions and rank strategies",
        description=(
            "Run many auctions between scripted strategies, seats rotated so that every strategy plays every "
            "operator seat equally often, values drawn per auction from the auction's own seed. Writes "
            "DIR/auctions.csv, DIR/auctions.sqlite, DIR/leaderboard.csv, DIR/empirical_game.csv and PNG plots; "
            "prints the leaderboard (pooled means, which depend on the opponents met) and the empirical game "
            "(each strategy against each mix of rivals, and its replicator equilibrium). --baseline adds the "
            "paired deviation analysis (DIR/deviations.csv)."
        ),
    )
    p.add_argument("--scenario", default="pakistan-2026", help="shipped scenario name or .toml path (default: %(default)s)")
    p.add_argument("--strategies", help="comma-separated strategy names, e.g. truthful,reducer,parker,aggressive,random")
    p.add_argument("--auctions", type=int, default=100, help="number of auctions (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="tournament seed; auction N's seed derives from it (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default: %(default)s)")
    p.add_argument("--out", metavar="DIR", help="output directory")
    p.add_argument("--bidders", help="operator seats, comma-separated (default: the scenario's default bidders)")
    add_market_arg(p)
    p.add_argument(
        "--agent-timeout", type=float, default=2.0, metavar="SECONDS",
        help="per-round wall-clock limit for an agent's answer (external agents: enforced by us; past it the "
        "seat maintains); 0 (or less) for none (default: %(default)s)",
    )
    p.add_argument(
        "--agent-module", action="append", default=[], metavar="PATH_OR_MODULE",
        help="Python file or module defining Agent subclasses to add as strategies; each class plays in sandboxed "
        "worker processes, never in ours (repeatable; see docs/AGENTS.md)",
    )
    p.add_argument(
        "--agent-cmd", action="append", default=[], metavar='NAME="CMD"',
        help="register strategy NAME as an external program that speaks the bidder protocol, run sandboxed "
        '(repeatable; e.g. --agent-cmd botjs="node examples/bots/truthful.js"; see docs/PROTOCOL.md)',
    )
    add_limit_args(p)
    p.add_argument("--backend", choices=("local", "ray"), default="local", help="where auctions run (default: %(default)s)")
    p.add_argument("--ray-address", help="Ray cluster to join (default: start a local one)")
    p.add_argument(
        "--baseline", metavar="STRATEGY",
        help="paired deviation analysis: replay the same auctions with all seats on STRATEGY and with one seat "
        "switched to each other strategy; prints and writes each seat's gain with a 95%% CI (DIR/deviations.csv)",
    )
    p.add_argument(
        "--schedule", choices=("rotation", "profiles"), default="rotation",
        help="rotation: distinct strategies in every seat; profiles: every mix of strategies (repeats allowed), "
        "which the empirical game's equilibrium needs (default: %(default)s)",
    )
    p.add_argument("--resume", action="store_true", help="continue the tournament already in DIR")
    p.add_argument("--no-plots", action="store_true", help="do not write the PNG plots")
    p.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None,
        help="progress bar on stderr (default: only on a terminal)",
    )
    p.add_argument("--only-auction", type=int, metavar="N", help="re-run auction N (from 1) alone and print it")
    p.add_argument("--log", metavar="LOG.jsonl", help="with --only-auction: write its round log (python run.py replay LOG)")
    p.add_argument("--quiet", action="store_true", help="do not print the leaderboard")


def add_limit_args(p: argparse.ArgumentParser) -> None:
    """Flags for the limits of external agent processes (shared by `tournament` and `auction`)."""
    defaults = SandboxLimits()
    p.add_argument("--agent-memory", type=int, default=defaults.memory_mb, metavar="MB",
                   help="address-space limit of each external agent process (default: %(default)s)")
    p.add_argument("--agent-cpu", type=int, default=defaults.cpu_seconds, metavar="SECONDS",
                   help="CPU-time limit of each external agent process over its life (default: %(default)s)")
    p.add_argument("--agent-overruns", type=int, default=defaults.max_overruns, metavar="N",
                   help="per-round time overruns in one auction after which an external agent's process is killed "
                   "and its seat maintains for the rest of the auction (default: %(default)s)")
    p.add_argument("--agent-stderr", type=int, default=defaults.stderr_bytes, metavar="BYTES",
                   help="size limit of each external agent's stderr log in DIR/agent-logs/ (default: %(default)s)")


def limit_problems(args: argparse.Namespace) -> list[str]:
    return [
        f"{flag}: must be at least {least}, got {value}"
        for flag, value, least in (
            ("--agent-memory", args.agent_memory, 64), ("--agent-cpu", args.agent_cpu, 1),
            ("--agent-overruns", args.agent_overruns, 1), ("--agent-stderr", args.agent_stderr, 0),
        )
        if value < least
    ]


def limits_from_args(args: argparse.Namespace, round_seconds: float | None) -> SandboxLimits:
    return SandboxLimits(
        memory_mb=args.agent_memory, cpu_seconds=args.agent_cpu, max_overruns=args.agent_overruns,
        stderr_bytes=args.agent_stderr, round_seconds=round_seconds if round_seconds is not None else math.inf,
    )


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (text or "").split(",") if x.strip())


def config_from_args(args: argparse.Namespace) -> TournamentConfig:
    strategies = _names(args.strategies)
    if not strategies:
        raise TournamentError("--strategies: name at least one strategy (comma-separated)")
    if args.only_auction is None and not args.out:
        raise TournamentError("--out DIR: say where to write the results")
    if args.log is not None and args.only_auction is None:
        raise TournamentError("--log needs --only-auction N")
    if args.log is not None:
        try:
            check_output_path(args.log, "--log")
        except UserError as exc:
            raise TournamentError(str(exc)) from None
    if args.agent_timeout != args.agent_timeout:  # nan would silently mean "no limit"
        raise TournamentError(f"--agent-timeout: a number of seconds (0 for no limit), got {args.agent_timeout}")
    problems = limit_problems(args)
    programs: list[tuple[str, str]] = []
    for text in args.agent_cmd:
        name, sep, command = text.partition("=")
        if not sep or not name.strip() or not command.strip():
            problems.append(f'--agent-cmd {text!r}: must be NAME="CMD", e.g. botjs="node examples/bots/truthful.js"')
        else:
            programs.append((name.strip(), command.strip()))
    if problems:
        raise TournamentError("; ".join(problems))
    return TournamentConfig(
        strategies=strategies,
        auctions=args.auctions,
        out_dir=args.out or "",
        scenario=args.scenario,
        seed=args.seed,
        jobs=args.jobs,
        bidders=_names(args.bidders) or None,
        agent_timeout_s=args.agent_timeout if args.agent_timeout and args.agent_timeout > 0 else None,
        agent_modules=tuple(args.agent_module),
        agent_programs=tuple(programs),
        limits=limits_from_args(args, None),
        backend=args.backend,
        ray_address=args.ray_address,
        resume=args.resume,
        plots=not args.no_plots,
        market=args.market,
        baseline=args.baseline.strip() if args.baseline else None,
        schedule=args.schedule,
    )


def record_text(record: AuctionRecord, bands: tuple[str, ...] | None = None) -> str:
    order = bands or tuple(dict.fromkeys(b for s in record.seats for b in s.lots))
    lines = [
        f"Auction {record.index} (seed {record.seed}): {record.status} after {record.rounds} round(s), "
        f"revenue {fmt_usd(record.revenue_usd)}, efficiency {record.efficiency:.1%}",
    ]
    for s in record.seats:
        lines.append(
            f"  {s.bidder:<8} {s.strategy:<12} lots {fmt_lots(s.lots, order) or '-':<28} {fmt_tenths(s.won_tenths):>6} MHz  "
            f"paid {fmt_usd(s.payment_usd + s.forfeited_usd)}  value {fmt_usd(s.value_usd)}  utility {fmt_usd(s.utility_usd)}"
        )
        for f in s.failures:
            lines.append(f"      round {f.round} {f.kind}: {f.message}")
    return "\n".join(lines)


def _only_auction(config: TournamentConfig, index: int, log: str | None) -> int:
    from game.engine.allocation import ClockAuction
    from game.records.roundlog import RoundLogWriter, dumps, outcome_record, replay
    from game.scenario import load_scenario
    from game.scenario.value_params import with_market

    if log is None:
        record = play_one(config, index)
    else:
        prepare(config)  # refuses a bad configuration (market, strategies) before the log is opened
        with open(log, "w", encoding="utf-8") as f:
            writer = RoundLogWriter(f)
            scenario = with_market(load_scenario(config.scenario), config.market)
            bidders = config.bidders or scenario.default_bidders
            from game.tournament.schedule import auction_seed

            writer.header(ClockAuction(scenario, list(bidders), seed=auction_seed(config.seed, index)))
            record = play_one(config, index, on_round=writer.round)
        auction = replay(log, require_outcome=False)  # the outcome line is written next, from the replay
        with open(log, "a", encoding="utf-8") as f:
            f.write(dumps(outcome_record(auction.outcome())) + "\n")
    print(record_text(record))
    if log:
        print(f"round log: {log}")
    return 0


def _cycle_length(config: TournamentConfig) -> int:
    """Auctions in one whole cycle of the seat rotation (0 if the scenario cannot be read)."""
    from game.scenario import load_scenario
    from game.tournament.schedule import seatings

    try:
        seats = len(config.bidders or load_scenario(config.scenario).default_bidders)
    except ScenarioError:
        return 0
    return len(seatings(list(config.strategies), seats))


def run(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
        if args.only_auction is not None:
            return _only_auction(config, args.only_auction, args.log)
        show = sys.stderr.isatty() if args.progress is None else args.progress
        result = run_tournament(config, progress=show)
    except (TournamentError, StorageError, AgentModuleError, ScenarioError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        raise  # `... | head`: game.cli.main treats a closed pipe as the reader's choice, not an error
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return EXIT_USER_ERROR
    out = Path(result.out_dir)
    if result.interrupted:
        print(
            f"interrupted: {result.done} of {result.total} auction(s) are done and kept in {out}; "
            f"continue with the same command and --resume",
            file=sys.stderr,
        )
    if not args.quiet and result.standings:
        print(leaderboard_text(result.standings))
        print(POOLED_NOTE)
    if not args.quiet and result.deviations:
        print()
        print(deviations_text(result.deviations, result.total))
    if not args.quiet and result.game is not None and result.game.payoffs:
        print()
        print(game_text(result.game))
    cycle = _cycle_length(config)
    if cycle and result.total % cycle:
        print(
            f"note: seats are balanced over whole cycles of {cycle} auction(s) and {result.total} is not a multiple:\n"
            f"      strategies sat in different seats unequally often (try --auctions {cycle * max(1, result.total // cycle)})"
        )
    played = result.played_now + result.paired_played_now
    rate = f", {played / result.seconds:.1f} auctions/s" if result.seconds > 0 and played else ""
    print(f"{result.done} of {result.total} auction(s) in {out} ({result.played_now} played now{rate})")
    if result.paired_total:
        print(f"{result.paired_done} of {result.paired_total} paired deviation run(s) ({result.paired_played_now} played now)")
    database = out / DB_NAME  # the runner lists what it wrote this time; the database is written as it goes
    for path in [*result.files[:1], *([database] if database.exists() else []), *result.files[1:]]:
        print(f"  {path}")
    return EXIT_INTERRUPTED if result.interrupted else 0
