"""Benchmark: the bidder protocol's cost, and that built-in strategies keep their speed.

1. Round trips per second to a Python stdio client (``examples/bots/truthful.py``
   in the sandbox): a real ``round`` message of a Pakistan auction out, its
   ``bids`` back, parsed and checked (wall clock: two processes take part).
2. Complete auctions per second with all three seats external Python clients
   (the example bot; then our Python worker playing ``examples/my_agent.py``'s
   ``shaded`` class), one engine process (wall clock).
3. A tournament whose seats are all sandboxed external clients, on 2 cores:
   two engine worker processes (as ``--jobs 2``), each with its three agent
   processes kept from auction to auction, as the tournament's pool runs them.
   Target: >= 30 auctions/s (wall clock, after each worker's first auction,
   which pays the process starts).
4. Built-in strategies: ``benchmarks/auction.py``'s measure (three truthful
   bidders, in process) on this checkout and on a baseline commit (default:
   where this branch left ``main``), alternating in fresh processes, median of
   windows. Target: this checkout loses at most 10%.

Everything of an auction runs as in a tournament, the exact welfare optimum
included (a few milliseconds since the band solver): values drawn, agents
seated, ``start``, every ``round``/``bids``/``result``, ``end``, the record built.
Prints the figures; exits 1 if a target is missed.
Usage: python benchmarks/protocol.py [--seconds S] [--baseline REF] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's engine, never a stale installed copy

import numpy as np  # noqa: E402

from game.agents.external import ExternalAgent, parse_exec  # noqa: E402
from game.economics.values import draw_valuations  # noqa: E402
from game.engine.allocation import ClockAuction  # noqa: E402
from game.protocol.messages import round_message  # noqa: E402
from game.protocol.sandbox import SandboxLimits  # noqa: E402
from game.protocol.seat import Program, Seat  # noqa: E402
from game.records.view import build_view  # noqa: E402
from game.scenario import load_scenario  # noqa: E402

TOURNAMENT_TARGET = 30.0
BUILTIN_LOSS = 0.10
BOT = parse_exec(f"{sys.executable} {ROOT / 'examples' / 'bots' / 'truthful.py'}", "bot")
BIDDERS = ["jazz", "zong", "ufone"]


def round_trips(seconds: float) -> tuple[float, int]:
    scenario = load_scenario("pakistan-2026")
    values = draw_valuations(scenario, BIDDERS, 1)
    auction = ClockAuction(scenario, BIDDERS, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        agent = ExternalAgent("jazz", values["jazz"], np.random.default_rng(1), scenario,
                              seat=Seat(BOT, SandboxLimits(round_seconds=10), Path(tmp) / "err.log"))
        agent.begin_auction(auction)
        message = dict(round_message(build_view(auction, "jazz"), auction_id="auction"))
        seat = agent.seat
        n = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            n += 1
            message["round"] = n
            assert seat.ask(message) is not None
        rate = n / (time.perf_counter() - started)
        agent.close()
    return rate, n


def external_auctions(
    seconds: float, log_dir: str, first: int = 1, step: int = 1, program: Program = BOT
) -> tuple[float, int, float]:
    """(auctions/s after the first auction, auctions, seconds of the first) with three external seats, pooled."""
    from game.tournament.play import AuctionPlayer, AuctionTask, TournamentSetup

    setup = TournamentSetup("pakistan-2026", tuple(BIDDERS), 5.0, programs=(program,), log_dir=log_dir)
    player = AuctionPlayer(setup)
    seating = (program.name,) * 3
    t0 = time.perf_counter()
    player.play(AuctionTask(first, first, seating))
    first_s = time.perf_counter() - t0
    n = 0
    index = first + step
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        record = player.play(AuctionTask(index, index, seating))
        assert not any(s.failures for s in record.seats), [s.failures for s in record.seats]
        n += 1
        index += step
    rate = n / (time.perf_counter() - started)
    player.close()
    return rate, n, first_s


def _worker(seconds: float, log_dir: str, first: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    out.put(external_auctions(seconds, log_dir, first, 2))


def tournament_two_cores(seconds: float) -> tuple[float, int]:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        procs = [ctx.Process(target=_worker, args=(seconds, tmp, i + 1, queue)) for i in range(2)]
        for p in procs:
            p.start()
        results = [queue.get() for _ in procs]
        for p in procs:
            p.join()
    return sum(r[0] for r in results), sum(r[1] for r in results)


BUILTIN = """
import sys, statistics
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from auction import measure
from game.scenario import load_scenario
s = load_scenario("pakistan-2026")
measure(s, ["jazz", "zong", "ufone"], 0.3)
print(statistics.median(measure(s, ["jazz", "zong", "ufone"], {seconds})[0] for _ in range(3)))
"""


def builtin_rate(root: Path, seconds: float) -> float:
    code = BUILTIN.format(root=str(root), bench=str(ROOT / "benchmarks"), seconds=seconds)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    return float(out.stdout.strip().splitlines()[-1])


def baseline_checkout(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "game", "assets"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="wall time per measurement (default: %(default)s)")
    parser.add_argument("--baseline", default="", help="git ref to compare built-in speed with (default: merge-base with main)")
    parser.add_argument("--skip-baseline", action="store_true", help="do not compare built-in speed")
    args = parser.parse_args()
    failed = False

    rate, n = round_trips(args.seconds)
    print(f"round trips to a Python stdio client (sandboxed examples/bots/truthful.py): {rate:8.0f}/s "
          f"({1e6 / rate:.0f} us each, {n} in {args.seconds:g} s wall clock)")

    with tempfile.TemporaryDirectory() as tmp:
        one, n1, first = external_auctions(args.seconds, tmp)
    print(f"complete auctions, 3 external Python clients, 1 engine process: {one:6.1f}/s "
          f"({n1} auctions; the first, which starts the 3 processes, took {first:.2f} s)")

    from game.agents.external import module_programs

    shaded = next(p for p in module_programs(str(ROOT / "examples" / "my_agent.py")) if p.name == "shaded")
    with tempfile.TemporaryDirectory() as tmp:
        worker, n_w, first_w = external_auctions(args.seconds, tmp, program=shaded)
    print(f"complete auctions, 3 --agent-module seats (examples/my_agent.py 'shaded' in the Python worker), "
          f"1 engine process: {worker:6.1f}/s ({n_w} auctions; the first took {first_w:.2f} s)")

    two, n2 = tournament_two_cores(args.seconds)
    print(f"tournament, all seats sandboxed external clients, 2 engine processes (--jobs 2): {two:6.1f} auctions/s "
          f"({n2} auctions; target >= {TOURNAMENT_TARGET:g})")
    if two < TOURNAMENT_TARGET:
        print(f"MISSED: {two:.1f} < {TOURNAMENT_TARGET:g} auctions/s with external seats on 2 cores", file=sys.stderr)
        failed = True

    if not args.skip_baseline:
        ref = args.baseline or subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], capture_output=True, text=True, check=True
        ).stdout.strip()
        with tempfile.TemporaryDirectory() as tmp:
            base = baseline_checkout(ref, Path(tmp))
            ours, theirs = [], []
            for _ in range(3):  # alternate, so that other load on the machine hits both alike
                ours.append(builtin_rate(ROOT, args.seconds / 3))
                theirs.append(builtin_rate(base, args.seconds / 3))
        mine, before = statistics.median(ours), statistics.median(theirs)
        loss = 1 - mine / before
        print(f"built-in truthful, in process (benchmarks/auction.py's measure): {mine:.1f}/s per core here, "
              f"{before:.1f}/s at {ref[:10]} ({-loss:+.1%}; ranges {min(ours):.1f}-{max(ours):.1f} and "
              f"{min(theirs):.1f}-{max(theirs):.1f})")
        if loss > BUILTIN_LOSS:
            print(f"MISSED: built-in strategies lost {loss:.1%} (> {BUILTIN_LOSS:.0%})", file=sys.stderr)
            failed = True
    if not failed:
        print("OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
