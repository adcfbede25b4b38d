"""Benchmark: complete auctions per second with scripted truthful bidders.

1. Pakistan 2026 with three truthful incumbents (target: >= 200 complete
   auctions per second per core).
2. Eight truthful bidders on a scenario with ten times the lots (built in
   code from the Pakistan file: lots, caps and budgets x10, four more entrants).

Each auction draws fresh values from its seed and runs the allocation stage to
its end (values, agents, views, bids, processing). Prints the figures and exits
non-zero if the Pakistan target is missed. Usage: python benchmarks/auction.py [--seconds S]
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from typing import Any

import numpy as np

from game.agents.registry import make_agent
from game.allocation import ClockAuction
from game.scenario import Scenario, load_scenario, parse_scenario
from game.session import run_allocation
from game.values import draw_valuations

TARGET_PER_SECOND = 200


def big_scenario() -> Scenario:
    """Pakistan with ten times the lots (same lot sizes), caps and budgets scaled, eight bidders."""
    tree: dict[str, Any] = copy.deepcopy(dict(load_scenario("pakistan-2026").raw))
    tree.pop("band_plan", None)  # real frequencies cannot hold ten times the spectrum
    for band in tree["bands"]:
        band["lots"] *= 10
        band["offered_mhz"] = band["offered_mhz"] * 10
    caps = tree["caps"]
    caps["overall_mhz"] = round(0.4 * (274 + 5972), 1)
    caps["low_band_mhz"] = caps["low_band_mhz"] * 10
    caps["band_mhz"] = {k: v * 10 for k, v in caps["band_mhz"].items()}
    caps.pop("overall_basis", None)
    entrant = tree["bidders"]["entrant"]
    for i in range(2, 6):
        tree["bidders"][f"entrant{i}"] = dict(entrant, name=f"Entrant {i}", participates=True)
    profiles = tree["values"]["profiles"]
    for i in range(2, 6):
        profiles[f"entrant{i}"] = dict(profiles["entrant"])
    for profile in profiles.values():
        profile["budget_usd"] *= 10
    tree["values"]["bands"] = {
        k: dict(v, **({"threshold_mhz": v["threshold_mhz"] * 5} if "threshold_mhz" in v else {}))
        for k, v in tree["values"]["bands"].items()
    }
    tree["scenario"]["id"] = "pakistan-2026-x10"
    return parse_scenario(tree, source="benchmarks/auction.py (x10)")


def one_auction(scenario: Scenario, bidders: list[str], seed: int) -> int:
    values = draw_valuations(scenario, bidders, seed)
    agents = {b: make_agent("truthful", b, scenario, values[b], np.random.default_rng(seed)) for b in bidders}
    run = run_allocation(ClockAuction(scenario, bidders, seed=seed), agents)
    return run.outcome.rounds


def measure(scenario: Scenario, bidders: list[str], seconds: float, *, at_most: int = 10**9) -> tuple[float, float, int]:
    """(auctions per second, mean rounds, auctions run) over about ``seconds`` of wall time."""
    started = time.perf_counter()
    n = rounds = 0
    while n < at_most and (n == 0 or time.perf_counter() - started < seconds):
        rounds += one_auction(scenario, bidders, n + 1)
        n += 1
    elapsed = time.perf_counter() - started
    return n / elapsed, rounds / n, n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="wall time per measurement (default: %(default)s)")
    args = parser.parse_args()
    pakistan = load_scenario("pakistan-2026")
    rate, rounds, n = measure(pakistan, ["jazz", "zong", "ufone"], args.seconds)
    print(f"Pakistan 2026, 3 truthful bidders: {rate:8.1f} complete auctions/s ({n} auctions, {rounds:.1f} rounds each)")
    big = big_scenario()
    bidders = list(big.bidder_ids)
    rate_big, rounds_big, n_big = measure(big, bidders, args.seconds, at_most=50)
    print(
        f"x10 lots, {len(bidders)} truthful bidders: {rate_big:8.2f} complete auctions/s "
        f"({n_big} auctions, {rounds_big:.1f} rounds each)"
    )
    if rate < TARGET_PER_SECOND:
        print(f"MISSED: {rate:.1f} < {TARGET_PER_SECOND} Pakistan auctions/s per core", file=sys.stderr)
        return 1
    print(f"OK: >= {TARGET_PER_SECOND} Pakistan auctions/s per core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
