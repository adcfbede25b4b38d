"""The leaderboard: per strategy, mean utility with a 95% confidence interval, and the rest.

A strategy's utility is averaged over its seat-plays (a strategy that sits in
two seats of one auction counts twice); mean efficiency and revenue are over
the auctions in which it sat at least once, each counted once. The interval
is Student's t on the seat-plays. Sums use ``math.fsum`` in auction order, so
the same results give the same bytes. Never imports pygame.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from game.scenario.units import fmt_usd

LEADERBOARD_NAME = "leaderboard.csv"


@dataclass(frozen=True)
class Standing:
    strategy: str
    seat_plays: int
    auctions: int
    mean_utility_usd: float
    ci_low_usd: float | None
    ci_high_usd: float | None
    mean_efficiency: float
    mean_revenue_usd: float
    mean_mhz: float
    failed_seat_plays: int


def mean_ci95(values: Sequence[float]) -> tuple[float, float | None, float | None]:
    """Mean and the 95% Student-t confidence interval (None for fewer than two values).

    >>> m, lo, hi = mean_ci95([1.0, 2.0, 3.0])
    >>> m, round(lo, 4), round(hi, 4)
    (2.0, -0.4841, 4.4841)
    """
    n = len(values)
    if n == 0:
        return math.nan, None, None
    mean = math.fsum(values) / n
    if n < 2:
        return mean, None, None
    from scipy import stats  # only here: the command line should start fast

    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def standings(seat_rows: Iterable[tuple[int, str, int, int, int, float, int]]) -> list[Standing]:
    """Rank strategies by mean utility (best first; ties by name) from (auction, strategy, utility,
    won_tenths, failures, efficiency, revenue) rows."""
    utilities: dict[str, list[float]] = {}
    mhz: dict[str, list[float]] = {}
    failed: dict[str, int] = {}
    auctions: dict[str, dict[int, tuple[float, int]]] = {}
    for auction, strategy, utility, won_tenths, failures, efficiency, revenue in seat_rows:
        utilities.setdefault(strategy, []).append(float(utility))
        mhz.setdefault(strategy, []).append(won_tenths / 10)
        failed[strategy] = failed.get(strategy, 0) + (1 if failures else 0)
        auctions.setdefault(strategy, {})[auction] = (efficiency, revenue)
    table: list[Standing] = []
    for strategy, values in utilities.items():
        mean, lo, hi = mean_ci95(values)
        present = [auctions[strategy][a] for a in sorted(auctions[strategy])]
        table.append(
            Standing(
                strategy=strategy,
                seat_plays=len(values),
                auctions=len(present),
                mean_utility_usd=mean,
                ci_low_usd=lo,
                ci_high_usd=hi,
                mean_efficiency=math.fsum(e for e, _ in present) / len(present),
                mean_revenue_usd=math.fsum(float(r) for _, r in present) / len(present),
                mean_mhz=math.fsum(mhz[strategy]) / len(values),
                failed_seat_plays=failed[strategy],
            )
        )
    table.sort(key=lambda s: (-s.mean_utility_usd, s.strategy))
    return table


COLUMNS = (
    "rank", "strategy", "seat_plays", "auctions", "mean_utility_usd", "utility_ci95_low_usd",
    "utility_ci95_high_usd", "mean_efficiency", "mean_revenue_usd", "mean_mhz_won", "seat_plays_with_failures",
)


def leaderboard_csv(table: Sequence[Standing]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for rank, s in enumerate(table, 1):
        w.writerow([
            rank, s.strategy, s.seat_plays, s.auctions, f"{s.mean_utility_usd:.0f}",
            "" if s.ci_low_usd is None else f"{s.ci_low_usd:.0f}",
            "" if s.ci_high_usd is None else f"{s.ci_high_usd:.0f}",
            f"{s.mean_efficiency:.6f}", f"{s.mean_revenue_usd:.0f}", f"{s.mean_mhz:.2f}", s.failed_seat_plays,
        ])
    return buf.getvalue()


def leaderboard_text(table: Sequence[Standing]) -> str:
    """A printable table; money in the report's usual $m/$bn style."""
    head = (
        f"{'#':>2}  {'strategy':<14} {'plays':>6}  {'mean utility (95% CI)':<34} "
        f"{'efficiency':>10} {'revenue':>10} {'MHz won':>8} {'failed':>6}"
    )
    lines = [head, "-" * len(head)]
    for rank, s in enumerate(table, 1):
        ci = "" if s.ci_low_usd is None or s.ci_high_usd is None else (
            f" ({fmt_usd(round(s.ci_low_usd))} .. {fmt_usd(round(s.ci_high_usd))})"
        )
        lines.append(
            f"{rank:>2}  {s.strategy:<14} {s.seat_plays:>6}  {fmt_usd(round(s.mean_utility_usd)) + ci:<34} "
            f"{s.mean_efficiency:>10.1%} {fmt_usd(round(s.mean_revenue_usd)):>10} {s.mean_mhz:>8.1f} "
            f"{s.failed_seat_plays:>6}"
        )
    return "\n".join(lines)
