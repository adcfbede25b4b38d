"""Calibration of a market: the distribution of outcomes over many seeded auctions, and the targets it must meet.

    python benchmarks/calibration.py [--market calibrated] [--auctions 400] [--strategy truthful] [--seed 1]

Runs ``--auctions`` (at least 300) auctions of the scenario's incumbents, each
bidding with ``--strategy`` on values drawn from the auction's seed (seeds
SEED, SEED+1, ...), and prints p10 / median / p90 of: revenue, revenue over the
reserve value of what was sold, rounds, MHz sold, each band's round-1 demand,
sold share and premium over reserve, and each operator's spend, MHz won and
budget. The README's market table is this output.

For the calibrated (default) market it then checks the targets of
docs/VALUES.md and exits 1 if one is missed (thresholds printed beside each):
round-1 demand near supply in 2600/3500 MHz, 1800/2100 MHz unsold in most
auctions, 3500 MHz not sold out in a fair share, near-reserve auctions common
and competitive ones possible, 50-60 MHz 3500 MHz holdings common, budgets of
an operator's scale, a second 700 MHz lot sometimes worth its reserve, 2300
MHz sometimes demanded, a handful of rounds, and no bidder paying above its
budget. The targets are about values, so they are checked with truthful
bidders only; other markets and strategies are printed, not checked
(``--check`` forces it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# This checkout's engine, never a stale installed copy.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from game.agents.registry import known_strategies, make_agent
from game.economics.values import Valuation, draw_valuations
from game.engine.allocation import ClockAuction
from game.scenario import Scenario, load_scenario
from game.scenario.value_params import UnknownMarket, default_market, with_market
from game.sessions.session import run_allocation

MIN_AUCTIONS = 300


@dataclass
class Sample:
    """Per-auction figures, one list entry per auction (per bidder-auction for the bidder lists)."""

    revenue_m: list[float] = field(default_factory=list)
    revenue_over_reserve: list[float] = field(default_factory=list)
    rounds: list[float] = field(default_factory=list)
    mhz_sold: list[float] = field(default_factory=list)
    round1_demand: dict[str, list[float]] = field(default_factory=dict)
    sold_share: dict[str, list[float]] = field(default_factory=dict)
    premium: dict[str, list[float]] = field(default_factory=dict)
    spend_m: dict[str, list[float]] = field(default_factory=dict)
    mhz_won: dict[str, list[float]] = field(default_factory=dict)
    budget_m: dict[str, list[float]] = field(default_factory=dict)
    over_budget: int = 0
    top_premium: list[float] = field(default_factory=list)
    holdings_3500_lots: list[int] = field(default_factory=list)
    second_700_worth_reserve: list[bool] = field(default_factory=list)


def agent_rng(seed: int, bidder: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(bidder.encode("utf-8"))]))


def run(scenario: Scenario, bidders: Sequence[str], strategy: str, seeds: Sequence[int]) -> Sample:
    sample = Sample()
    bands = scenario.bands
    for b in bands:
        sample.round1_demand[b.id] = []
        sample.sold_share[b.id] = []
        sample.premium[b.id] = []
    for bidder in bidders:
        sample.spend_m[bidder] = []
        sample.mhz_won[bidder] = []
        sample.budget_m[bidder] = []
    for seed in seeds:
        values = draw_valuations(scenario, bidders, seed)
        agents = {b: make_agent(strategy, b, scenario, values[b], agent_rng(seed, b)) for b in bidders}
        auction = ClockAuction(scenario, list(bidders), seed=seed)
        outcome = run_allocation(auction, agents).outcome
        revenue = outcome.revenue_usd
        reserve_sold = sum(outcome.sold_lots(b.id) * b.reserve_usd for b in bands)
        sample.revenue_m.append(revenue / 1e6)
        sample.revenue_over_reserve.append(revenue / reserve_sold if reserve_sold else 1.0)
        sample.rounds.append(outcome.rounds)
        sample.mhz_sold.append(sum(outcome.sold_lots(b.id) * b.lot_tenths for b in bands) / 10)
        first = auction.history[0].aggregate_demand
        premiums = []
        for b in bands:
            sample.round1_demand[b.id].append(first[b.id])
            sample.sold_share[b.id].append(100 * outcome.sold_lots(b.id) / b.lots)
            premium = 100 * (outcome.prices[b.id] / b.reserve_usd - 1)
            sample.premium[b.id].append(premium)
            if outcome.sold_lots(b.id):
                premiums.append(premium)
        sample.top_premium.append(max(premiums, default=0.0))
        for bidder in bidders:
            lots = outcome.lots[bidder]
            paid = outcome.payments.get(bidder, 0)
            valuation: Valuation = values[bidder]
            sample.spend_m[bidder].append(paid / 1e6)
            sample.mhz_won[bidder].append(sum(n * scenario.band(k).lot_tenths for k, n in lots.items()) / 10)
            sample.budget_m[bidder].append(valuation.budget_usd / 1e6)
            sample.over_budget += paid > valuation.budget_usd
            if lots.get("3500"):
                sample.holdings_3500_lots.append(lots["3500"])
            curve = valuation.band_values.get("700")
            if curve is not None and len(curve) > 2 and scenario.bidder(bidder).holding("850") == 0:
                reserve = scenario.band("700").reserve_usd
                sample.second_700_worth_reserve.append(curve[2] - curve[1] >= reserve)
    return sample


def quantiles(xs: Sequence[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(xs, n=10, method="inclusive")
    return q[0], statistics.median(xs), q[-1]


def table(scenario: Scenario, market: str, strategy: str, sample: Sample, n: int) -> str:
    rows: list[tuple[str, Sequence[float], str]] = [
        ("revenue ($m, allocation stage)", sample.revenue_m, "{:.0f}"),
        ("revenue / reserve value of lots sold", sample.revenue_over_reserve, "{:.3f}"),
        ("rounds", sample.rounds, "{:.0f}"),
        (f"MHz sold (of {scenario.offered_tenths / 10:g})", sample.mhz_sold, "{:.1f}"),
    ]
    for b in scenario.bands:
        rows.append((f"{b.id} MHz: round-1 demand, lots (supply {b.lots})", sample.round1_demand[b.id], "{:.0f}"))
    for b in scenario.bands:
        rows.append((f"{b.id} MHz: sold share (%)", sample.sold_share[b.id], "{:.0f}"))
    for b in scenario.bands:
        rows.append((f"{b.id} MHz: premium over reserve (%)", sample.premium[b.id], "{:.1f}"))
    for bidder in sample.spend_m:
        name = scenario.bidder(bidder).name
        rows.append((f"{name}: spend ($m)", sample.spend_m[bidder], "{:.0f}"))
        rows.append((f"{name}: MHz won", sample.mhz_won[bidder], "{:.0f}"))
        rows.append((f"{name}: budget ($m)", sample.budget_m[bidder], "{:.0f}"))
    lines = [
        f"Market '{market}' of {scenario.id}: {n} auctions, every incumbent bids '{strategy}'",
        "",
        "| figure | p10 | median | p90 |",
        "|---|---:|---:|---:|",
    ]
    for label, xs, fmt in rows:
        lo, mid, hi = quantiles(xs)
        lines.append(f"| {label} | {fmt.format(lo)} | {fmt.format(mid)} | {fmt.format(hi)} |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    name: str
    threshold: str
    measure: Callable[[Scenario, Sample], float]
    ok: Callable[[float], bool]
    fmt: str = "{:.2f}"


def share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


TARGETS = (
    Target(
        "round-1 demand / supply in 2600 MHz (median)", "0.9 to 1.5",
        lambda s, x: statistics.median(x.round1_demand["2600"]) / s.band("2600").lots, lambda v: 0.9 <= v <= 1.5,
    ),
    Target(
        "round-1 demand / supply in 3500 MHz (median)", "0.6 to 1.2",
        lambda s, x: statistics.median(x.round1_demand["3500"]) / s.band("3500").lots, lambda v: 0.6 <= v <= 1.2,
    ),
    Target(
        "auctions with no 1800 MHz lot sold", ">= 60%",
        lambda s, x: share([v == 0 for v in x.sold_share["1800"]]), lambda v: v >= 0.6, "{:.0%}",
    ),
    Target(
        "auctions with no 2100 MHz lot sold", ">= 60%",
        lambda s, x: share([v == 0 for v in x.sold_share["2100"]]), lambda v: v >= 0.6, "{:.0%}",
    ),
    Target(
        "auctions with 3500 MHz not sold out", "25% to 90%",
        lambda s, x: share([v < 100 for v in x.sold_share["3500"]]), lambda v: 0.25 <= v <= 0.9, "{:.0%}",
    ),
    Target(
        "near-reserve auctions (every band sold within one 5% increment)", ">= 40%",
        lambda s, x: share([p <= 5.0 + 1e-9 for p in x.top_premium]), lambda v: v >= 0.4, "{:.0%}",
    ),
    Target(
        "competitive auctions (a band sold 15% or more above reserve)", "5% to 40%",
        lambda s, x: share([p >= 15.0 for p in x.top_premium]), lambda v: 0.05 <= v <= 0.4, "{:.0%}",
    ),
    Target(
        "3500 MHz winners holding 50-60 MHz (soft S-curve)", ">= 15%",
        lambda s, x: share([n in (5, 6) for n in x.holdings_3500_lots]), lambda v: v >= 0.15, "{:.0%}",
    ),
    Target(
        "median budget of any operator ($m)", "100 to 350",
        lambda s, x: max(statistics.median(v) for v in x.budget_m.values()), lambda v: 100 <= v <= 350, "{:.0f}",
    ),
    Target(
        "draws where a second 700 MHz lot is worth its reserve", "5% to 60%",
        lambda s, x: share(x.second_700_worth_reserve), lambda v: 0.05 <= v <= 0.6, "{:.0%}",
    ),
    Target(
        "auctions with 2300 MHz demanded in round 1", ">= 15%",
        lambda s, x: share([d > 0 for d in x.round1_demand["2300"]]), lambda v: v >= 0.15, "{:.0%}",
    ),
    Target("median rounds", "<= 5", lambda s, x: statistics.median(x.rounds), lambda v: v <= 5, "{:.0f}"),
    Target("bidder-auctions paying above budget", "0", lambda s, x: x.over_budget, lambda v: v == 0, "{:.0f}"),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="pakistan-2026")
    parser.add_argument("--market", help="market of the scenario (default: its default market)")
    parser.add_argument("--auctions", type=int, default=400, help=f"at least {MIN_AUCTIONS} (default: %(default)s)")
    parser.add_argument("--strategy", default="truthful", help="every incumbent's strategy (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="first auction's seed (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="check the targets even for a market other than the default")
    args = parser.parse_args(argv)
    if args.auctions < MIN_AUCTIONS:
        parser.error(f"--auctions must be at least {MIN_AUCTIONS}")
    if args.strategy not in known_strategies():
        parser.error(f"--strategy: unknown {args.strategy!r}; known: {', '.join(known_strategies())}")
    base = load_scenario(args.scenario)
    try:
        scenario = with_market(base, args.market)
    except UnknownMarket as exc:
        parser.error(f"--market: {exc}")
    market = default_market(scenario)
    bidders = [b.id for b in scenario.bidders if b.incumbent and b.participates_by_default]
    sample = run(scenario, bidders, args.strategy, range(args.seed, args.seed + args.auctions))
    print(table(scenario, market, args.strategy, sample, args.auctions))
    if not (args.check or (market == default_market(base) and args.strategy == "truthful")):
        return 0
    print()
    missed = []
    for target in TARGETS:
        value = target.measure(scenario, sample)
        ok = target.ok(value)
        print(f"{'ok    ' if ok else 'MISSED'} {target.name}: {target.fmt.format(value)} (target {target.threshold})")
        if not ok:
            missed.append(target.name)
    if missed:
        print(f"MISSED {len(missed)} target(s): {'; '.join(missed)}", file=sys.stderr)
        return 1
    print("OK: every calibration target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
