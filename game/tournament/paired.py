"""Paired deviation analysis: what one seat gains by switching from a baseline strategy, with common random numbers.

For auction ``i`` of a tournament (its seed, hence its values, agent
generators and tie-breaks) the analysis plays the all-baseline auction and,
for each other strategy ``S`` and each seat ``j``, the same auction with
only seat ``j`` switched to ``S``. The seat's agent draws from the same
generator (``agent_stream(seed, bidder)``, game.engine.streams) either way, so the two runs differ in the
one seat's strategy and what follows from it. The gain of ``S`` in seat
``j`` is the mean over auctions of that seat's utility difference, with a
95% Student-t interval over auctions; the same pairs give the change in
revenue and efficiency. Pairing removes the variance of values and seeds
that swamps a pooled comparison (Law and Kelton's common random numbers),
and a unilateral deviation is the question equilibrium asks: does a bidder
gain by leaving the baseline when everyone else plays it?

"All seats" pools the seats per auction (the mean of the seats' differences
in one auction), then takes the interval over auctions. Pure Python;
never imports pygame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from game.tournament.leaderboard import mean_ci95
from game.tournament.play import AuctionRecord, AuctionTask
from game.tournament.schedule import Seating, auction_seed

BASELINE_RUN = -1
"""The ``deviator`` of the all-baseline run of an auction."""

PairKey = tuple[int, str]
"""(deviating seat or BASELINE_RUN, strategy in that seat)."""


@dataclass(frozen=True)
class PairedRun:
    """One auction of the analysis: which seat deviated (or none), and what came out."""

    auction: int
    deviator: int
    strategy: str
    revenue_usd: int
    efficiency: float
    utilities: tuple[int, ...]
    """Per seat, in seat order."""


@dataclass(frozen=True)
class Deviation:
    """The effect of switching one seat (or each seat in turn: ``seat`` None) from the baseline to ``strategy``."""

    baseline: str
    strategy: str
    seat: int | None
    bidder: str
    """The seat's bidder, or "all"."""
    pairs: int
    gain_usd: float
    gain_low_usd: float | None
    gain_high_usd: float | None
    revenue_change_usd: float
    revenue_low_usd: float | None
    revenue_high_usd: float | None
    efficiency_change: float
    efficiency_low: float | None
    efficiency_high: float | None


def pair_keys(strategies: Sequence[str], baseline: str, seats: int) -> list[PairKey]:
    """The runs each auction needs: the all-baseline one, then each other strategy in each seat.

    >>> pair_keys(["a", "b"], "a", 2)
    [(-1, 'a'), (0, 'b'), (1, 'b')]
    """
    return [(BASELINE_RUN, baseline)] + [(j, s) for s in strategies if s != baseline for j in range(seats)]


def seating_of(baseline: str, seats: int, key: PairKey) -> Seating:
    """
    >>> seating_of("t", 3, (1, "r")), seating_of("t", 2, (-1, "t"))
    (('t', 'r', 't'), ('t', 't'))
    """
    deviator, strategy = key
    return tuple(strategy if j == deviator else baseline for j in range(seats))


def paired_tasks(
    seed: int, auctions: int, baseline: str, seats: int, keys: Sequence[PairKey], done: set[tuple[int, int, str]]
) -> Iterator[AuctionTask]:
    """Every run not yet ``done`` ((auction, deviator, strategy)), auction by auction, drawn lazily."""
    for i in range(1, auctions + 1):
        for key in keys:
            if (i, *key) not in done:
                yield AuctionTask(index=i, seed=auction_seed(seed, i), seating=seating_of(baseline, seats, key))


def run_of(record: AuctionRecord, baseline: str) -> PairedRun:
    """The paired run a record is: the one seat not playing the baseline is the deviator."""
    strategies = [s.strategy for s in record.seats]
    others = [j for j, s in enumerate(strategies) if s != baseline]
    if len(others) > 1:
        raise ValueError(f"auction {record.index}: seats {others} deviate from {baseline}; a paired run has one")
    deviator = others[0] if others else BASELINE_RUN
    return PairedRun(
        auction=record.index,
        deviator=deviator,
        strategy=strategies[deviator] if others else baseline,
        revenue_usd=record.revenue_usd,
        efficiency=record.efficiency,
        utilities=tuple(s.utility_usd for s in record.seats),
    )


def deviations(runs: Iterable[PairedRun], baseline: str, strategies: Sequence[str], bidders: Sequence[str]) -> list[Deviation]:
    """Per strategy other than the baseline: one row per seat, then the seats pooled ("all")."""
    base: dict[int, PairedRun] = {}
    dev: dict[tuple[str, int], dict[int, PairedRun]] = {}
    for run in runs:
        if run.deviator == BASELINE_RUN:
            base[run.auction] = run
        else:
            dev.setdefault((run.strategy, run.deviator), {})[run.auction] = run
    out: list[Deviation] = []
    for strategy in strategies:
        if strategy == baseline:
            continue
        per_auction: dict[int, list[tuple[float, float, float]]] = {}
        for seat, bidder in enumerate(bidders):
            runs_here = dev.get((strategy, seat), {})
            diffs = []
            for auction in sorted(runs_here):
                if auction not in base:
                    continue
                b, d = base[auction], runs_here[auction]
                diff = (
                    float(d.utilities[seat] - b.utilities[seat]),
                    float(d.revenue_usd - b.revenue_usd),
                    d.efficiency - b.efficiency,
                )
                diffs.append(diff)
                per_auction.setdefault(auction, []).append(diff)
            out.append(_row(baseline, strategy, seat, bidder, diffs))
        # Pooled: only auctions with every seat's deviation, so each auction weighs the seats alike.
        pooled = [
            (
                math.fsum(d[0] for d in per_auction[a]) / len(bidders),
                math.fsum(d[1] for d in per_auction[a]) / len(bidders),
                math.fsum(d[2] for d in per_auction[a]) / len(bidders),
            )
            for a in sorted(per_auction)
            if len(per_auction[a]) == len(bidders)
        ]
        out.append(_row(baseline, strategy, None, "all", pooled))
    return out


def _row(baseline: str, strategy: str, seat: int | None, bidder: str, diffs: Sequence[tuple[float, float, float]]) -> Deviation:
    gain = mean_ci95([d[0] for d in diffs])
    revenue = mean_ci95([d[1] for d in diffs])
    eff = mean_ci95([d[2] for d in diffs])
    return Deviation(
        baseline=baseline, strategy=strategy, seat=seat, bidder=bidder, pairs=len(diffs),
        gain_usd=gain[0], gain_low_usd=gain[1], gain_high_usd=gain[2],
        revenue_change_usd=revenue[0], revenue_low_usd=revenue[1], revenue_high_usd=revenue[2],
        efficiency_change=eff[0], efficiency_low=eff[1], efficiency_high=eff[2],
    )


DEVIATIONS_NAME = "deviations.csv"
COLUMNS = (
    "baseline", "strategy", "seat", "bidder", "pairs", "mean_gain_usd", "gain_ci95_low_usd", "gain_ci95_high_usd",
    "mean_revenue_change_usd", "revenue_change_ci95_low_usd", "revenue_change_ci95_high_usd",
    "mean_efficiency_change", "efficiency_change_ci95_low", "efficiency_change_ci95_high",
)


def _money(x: float | None) -> str:
    return "" if x is None or math.isnan(x) else f"{x:.0f}"


def _ratio(x: float | None) -> str:
    return "" if x is None or math.isnan(x) else f"{x:.6f}"


def csv_rows(table: Sequence[Deviation]) -> list[list[object]]:
    """The CSV's (and the database's) rows, formatted the same way for the same bytes."""
    return [
        [
            d.baseline, d.strategy, "all" if d.seat is None else d.seat, d.bidder, d.pairs,
            _money(d.gain_usd), _money(d.gain_low_usd), _money(d.gain_high_usd),
            _money(d.revenue_change_usd), _money(d.revenue_low_usd), _money(d.revenue_high_usd),
            _ratio(d.efficiency_change), _ratio(d.efficiency_low), _ratio(d.efficiency_high),
        ]
        for d in table
    ]


def deviations_text(table: Sequence[Deviation], auctions: int) -> str:
    """A printable table within 100 columns: gain, revenue change ($m) with their 95% intervals, efficiency change
    (points); * where the interval excludes 0."""
    if not table:
        return ""

    def star(lo: float | None, hi: float | None) -> str:
        return " *" if lo is not None and hi is not None and (lo > 0 or hi < 0) else "  "

    def money(mean: float, lo: float | None, hi: float | None) -> str:
        if math.isnan(mean):
            return "-"
        ci = "" if lo is None or hi is None else f" ({lo / 1e6:.2f} .. {hi / 1e6:.2f})"
        return f"{mean / 1e6:.2f}{ci}{star(lo, hi)}"

    def pts(mean: float, lo: float | None, hi: float | None) -> str:
        return "-" if math.isnan(mean) else f"{mean * 100:+.2f}{star(lo, hi)}"

    head = f"{'strategy':<10} {'seat':<6} {'pairs':>5}  {'utility gain, $m (95% CI)':<30} {'revenue change, $m (95% CI)':<30} {'effic.':>7}"
    lines = [
        f"Paired deviation from {table[0].baseline}: the same {auctions} auction(s) (values, seeds, tie-breaks)",
        "with one seat switched; efficiency change in points; * = the 95% CI excludes 0",
        head,
        "-" * len(head),
    ]
    for d in table:
        lines.append(
            f"{d.strategy:<10} {d.bidder:<6} {d.pairs:>5}  "
            f"{money(d.gain_usd, d.gain_low_usd, d.gain_high_usd):<30} "
            f"{money(d.revenue_change_usd, d.revenue_low_usd, d.revenue_high_usd):<30} "
            f"{pts(d.efficiency_change, d.efficiency_low, d.efficiency_high):>7}".rstrip()
        )
    return "\n".join(lines)
