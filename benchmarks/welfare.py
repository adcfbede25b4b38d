"""Benchmark of the welfare optimum: the band solver against HiGHS, side by side, on Pakistan instances.

    python benchmarks/welfare.py [--instances N] [--seed S] [--scenario NAME]

Each instance is one seeded draw of every bidder's values (the entrant
included: four bidders) for the scenario. Both the gross optimum (values) and
the optimum net of reserve (values less the lots' reserves, the denominator
of the headline efficiency) are solved by ``welfare_optimum(method="auto")``
(the band solver, HiGHS past its state limit) and by
``welfare_optimum(method="highs")``; both answers must agree to the dollar.

Times are CPU time of this process (``time.process_time``) per call, one
untimed warm-up first. Printed per objective: median and range (min-max) of
each method, the speed-up, how many instances the band solver was slower
than HiGHS on, and how many fell back to HiGHS. Exits 1 when a target is
missed. Targets (issue 11): median <= 5 ms per Pakistan instance for the
band solver, and never slower than HiGHS on any instance. Never imports pygame.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from game.economics.values import Valuation, draw_valuations
from game.economics.welfare import Method, WelfareOptimum, welfare_optimum
from game.scenario import Scenario, load_scenario

TARGET_MEDIAN_MS = 5.0


def timed(scenario: Scenario, valuations: Mapping[str, Valuation], net: bool, method: Method) -> tuple[float, WelfareOptimum]:
    """CPU milliseconds of one optimum, and the optimum."""
    start = time.process_time()
    result = welfare_optimum(scenario, valuations, net_of_reserve=net, method=method)
    return (time.process_time() - start) * 1000, result


def fmt(times: list[float]) -> str:
    return f"median {statistics.median(times):8.2f} ms  range {min(times):7.2f}-{max(times):8.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default="pakistan-2026")
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    bidders = list(scenario.bidder_ids)
    draws = [draw_valuations(scenario, bidders, args.seed + i) for i in range(args.instances)]
    welfare_optimum(scenario, draws[0])  # warm-up: first calls fill caches
    welfare_optimum(scenario, draws[0], method="highs")
    print(f"{args.scenario}: {args.instances} instances, bidders {', '.join(bidders)}; CPU time per optimum")
    failed = False
    for label, net in (("gross welfare", False), ("net of reserve", True)):
        fast: list[float] = []
        highs: list[float] = []
        slower = fallbacks = 0
        for valuations in draws:
            t_fast, a = timed(scenario, valuations, net, "auto")
            t_highs, b = timed(scenario, valuations, net, "highs")
            fast.append(t_fast)
            highs.append(t_highs)
            slower += t_fast > t_highs
            fallbacks += a.solver != "bands"
            if a.welfare_usd != b.welfare_usd:
                print(f"  MISMATCH: band solver {a.welfare_usd} != HiGHS {b.welfare_usd}")
                failed = True
        speedup = statistics.median(highs) / max(statistics.median(fast), 1e-9)
        print(f"  {label}:")
        print(f"    band solver  {fmt(fast)}  (fell back to HiGHS: {fallbacks})")
        print(f"    HiGHS        {fmt(highs)}")
        print(f"    speed-up {speedup:.0f}x at the median; band solver slower than HiGHS on {slower} of {len(draws)}")
        if statistics.median(fast) > TARGET_MEDIAN_MS:
            print(f"    MISSED: median {statistics.median(fast):.2f} ms > {TARGET_MEDIAN_MS} ms")
            failed = True
        if slower:
            print("    MISSED: the band solver must never be slower than HiGHS")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
