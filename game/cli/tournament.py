"""The ``tournament`` command: many headless auctions, strategies ranked.

``python run.py tournament --strategies truthful,reducer --auctions 1000 --seed 1 --jobs 2 --out DIR``
writes DIR/auctions.csv, DIR/auctions.sqlite, DIR/leaderboard.csv and PNG
plots, and prints the leaderboard. ``--only-auction N`` re-runs one auction
of the tournament alone (``--log`` keeps its round log for ``replay``).
User errors exit with status 2 and one clear message; Ctrl-C keeps every
finished auction (exit 130) and ``--resume`` continues. Never imports pygame.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from game.cli.common import UserError, check_output_path
from game.scenario import ScenarioError
from game.scenario.units import fmt_usd
from game.tournament.leaderboard import leaderboard_text
from game.tournament.play import AgentModuleError, AuctionRecord
from game.tournament.pool import TournamentError
from game.tournament.progress import Progress
from game.tournament.runner import TournamentConfig, play_one, run_tournament
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
            "DIR/auctions.csv, DIR/auctions.sqlite, DIR/leaderboard.csv and PNG plots; prints the leaderboard."
        ),
    )
    p.add_argument("--scenario", default="pakistan-2026", help="shipped scenario name or .toml path (default: %(default)s)")
    p.add_argument("--strategies", help="comma-separated strategy names, e.g. truthful,reducer,parker,aggressive,random")
    p.add_argument("--auctions", type=int, default=100, help="number of auctions (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="tournament seed; auction N's seed derives from it (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default: %(default)s)")
    p.add_argument("--out", metavar="DIR", help="output directory")
    p.add_argument("--bidders", help="operator seats, comma-separated (default: the scenario's default bidders)")
    p.add_argument(
        "--agent-timeout", type=float, default=2.0, metavar="SECONDS",
        help="per-round time limit for an agent's answer; 0 (or less) for none (default: %(default)s)",
    )
    p.add_argument(
        "--agent-module", action="append", default=[], metavar="PATH_OR_MODULE",
        help="Python file or module defining Agent subclasses to add as strategies (repeatable; see docs/AGENTS.md)",
    )
    p.add_argument("--backend", choices=("local", "ray"), default="local", help="where auctions run (default: %(default)s)")
    p.add_argument("--ray-address", help="Ray cluster to join (default: start a local one)")
    p.add_argument("--resume", action="store_true", help="continue the tournament already in DIR")
    p.add_argument("--no-plots", action="store_true", help="do not write the PNG plots")
    p.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None,
        help="progress bar on stderr (default: only on a terminal)",
    )
    p.add_argument("--only-auction", type=int, metavar="N", help="re-run auction N (from 1) alone and print it")
    p.add_argument("--log", metavar="LOG.jsonl", help="with --only-auction: write its round log (python run.py replay LOG)")
    p.add_argument("--quiet", action="store_true", help="do not print the leaderboard")


MAX_AUCTIONS = 1_000_000
"""Most auctions one tournament runs (about three hours at 100 auctions a second)."""


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (text or "").split(",") if x.strip())


def config_from_args(args: argparse.Namespace) -> TournamentConfig:
    strategies = _names(args.strategies)
    if not strategies:
        raise TournamentError("--strategies: name at least one strategy (comma-separated)")
    if not 1 <= args.auctions <= MAX_AUCTIONS:
        # Checked here, before the schedule of every auction is built in memory.
        raise TournamentError(f"--auctions: give a number from 1 to {MAX_AUCTIONS:,}, got {args.auctions}")
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
        backend=args.backend,
        ray_address=args.ray_address,
        resume=args.resume,
        plots=not args.no_plots,
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

    if log is None:
        record = play_one(config, index)
    else:
        with open(log, "w", encoding="utf-8") as f:
            writer = RoundLogWriter(f)
            scenario = load_scenario(config.scenario)
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
        progress = Progress(config.auctions, enabled=args.progress)
        result = run_tournament(config, progress=progress)
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
    cycle = _cycle_length(config)
    if cycle and result.total % cycle:
        print(
            f"note: seats are balanced over whole cycles of {cycle} auction(s) and {result.total} is not a multiple:\n"
            f"      strategies sat in different seats unequally often (try --auctions {cycle * max(1, result.total // cycle)})"
        )
    rate = f", {result.played_now / result.seconds:.1f} auctions/s" if result.seconds > 0 and result.played_now else ""
    print(f"{result.done} of {result.total} auction(s) in {out} ({result.played_now} played now{rate})")
    database = out / DB_NAME  # the runner lists what it wrote this time; the database is written as it goes
    for path in [*result.files[:1], *([database] if database.exists() else []), *result.files[1:]]:
        print(f"  {path}")
    return EXIT_INTERRUPTED if result.interrupted else 0
