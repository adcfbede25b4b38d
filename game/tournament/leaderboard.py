"""The leaderboard: per strategy, mean utility with a 95% confidence interval, and the rest.

A strategy's utility is averaged over its seat-plays (a strategy that sits in
two seats of one auction counts twice); mean efficiency and revenue are over
the auctions in which it sat at least once, each counted once. The interval
is Student's t on the seat-plays. Sums use ``math.fsum`` in auction order, so
the same results give the same bytes.

Pooled means depend on the opponents a strategy happened to meet (and on the
mix of strategies in the tournament): a strategy that exploits a weak one
looks good when the weak one is common. The paired deviation analysis
(``game.tournament.paired``) and the empirical game (``game.tournament.egta``)
answer the questions a ranking cannot. Never imports pygame.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from game.scenario.units import fmt_usd

LEADERBOARD_NAME = "leaderboard.csv"
POOLED_NOTE = (
    "note: pooled means depend on the opponents each strategy met; for a fair comparison see\n"
    "      the paired deviation analysis (--baseline) and the empirical game"
)

# Student's t 0.975-quantiles for 1..30 degrees of freedom (scipy.stats.t.ppf, to the last digit shown).
_T975 = (
    12.706204736174694, 4.302652729749462, 3.1824463052837078, 2.7764451051977934, 2.5705818356363146,
    2.4469118511449786, 2.364624251592784, 2.306004135204166, 2.262157162798205, 2.228138851986274,
    2.200985160091639, 2.1788128296672284, 2.1603686564627913, 2.144786687917804, 2.131449545559776,
    2.1199052992212546, 2.1098155778333156, 2.1009220402410382, 2.0930240544083087, 2.085963447265864,
    2.0796138447276795, 2.0738730679040254, 2.0686576104190486, 2.0638985616280245, 2.0595385527532972,
    2.0555294386428735, 2.0518305164802846, 2.0484071417952454, 2.045229642132703, 2.0422724563012378,
)
_Z975 = 1.959963984540054


def t975(df: int) -> float:
    """Student's t 0.975-quantile (the 95% two-sided interval's multiplier) for ``df`` degrees of freedom.

    Exact table up to 30; above, the Cornish-Fisher expansion in 1/df around the normal quantile
    (Abramowitz and Stegun 26.7.5, four terms), within 2e-8 relative of scipy. Importing
    scipy.stats for this one number cost more than a second of every run.

    >>> round(t975(2), 6), round(t975(100), 6), round(t975(10**9), 6)
    (4.302653, 1.983972, 1.959964)
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    if df <= len(_T975):
        return _T975[df - 1]
    z, v = _Z975, float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )


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
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
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
