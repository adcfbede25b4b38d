"""Allocative efficiency: the welfare-maximising allocation and how close an auction came to it.

The optimum is exact: a 0/1 integer programme solved by HiGHS through
``scipy.optimize.milp`` with a zero MIP gap, over every allocation of lots
that respects supply and the spectrum caps (overall, low band, per band, all
counting existing holdings, exactly as :class:`game.rules.BidderLimits` does
at bid entry). Budgets are not constraints of welfare: welfare is what the
spectrum is worth to whoever holds it, not what they can pay for it.

Values run to ~1e10 dollars, so the solver's floating-point answer is only
used to *choose* an allocation: the choice is rounded to integers, checked
against supply and caps in integer arithmetic, and its welfare recomputed
exactly from the valuations. Uses private values, so it is run after the
auction, never by the engine. Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from game.allocation import AllocationOutcome
from game.rules import BidderLimits
from game.scenario import Scenario
from game.units import fmt_usd
from game.values import Valuation


class WelfareError(ValueError):
    """The valuations do not fit the scenario or the outcome (missing bidder, wrong length, ...)."""


@dataclass(frozen=True)
class WelfareOptimum:
    """A welfare-maximising allocation: lots per bidder per band, and its exact welfare."""

    lots: Mapping[str, Mapping[str, int]]
    welfare_usd: int


@dataclass(frozen=True)
class BidderWelfare:
    """One bidder's result: what it won is worth, what it paid, and the difference."""

    bidder: str
    lots: Mapping[str, int]
    value_usd: int
    payment_usd: int
    """The price of the lots won."""
    forfeited_usd: int
    """A deposit forfeited under the round-1 obligation: paid for nothing."""
    utility_usd: int
    """value - payment - forfeited."""
    optimal_lots: Mapping[str, int]
    """What the bidder holds in the welfare-maximising allocation."""


@dataclass(frozen=True)
class EfficiencyReport:
    """Welfare of an auction outcome against the optimum."""

    welfare_usd: int
    """Sum of the winners' values for what they won."""
    optimal_welfare_usd: int
    efficiency: Fraction
    """welfare / optimal welfare, exactly; 1 when the optimal welfare is 0."""
    bidders: Mapping[str, BidderWelfare]
    optimum: WelfareOptimum


def _check_valuations(scenario: Scenario, valuations: Mapping[str, Valuation]) -> None:
    problems: list[str] = []
    known = set(scenario.bidder_ids)
    for bidder, valuation in valuations.items():
        if bidder not in known:
            problems.append(f"bidder {bidder!r} is not in scenario {scenario.id} (bidders: {', '.join(sorted(known))})")
            continue
        for band in scenario.bands:
            values = valuation.band_values.get(band.id)
            if values is None:
                problems.append(f"{bidder}: no values for band {band.id}")
            elif len(values) != band.lots + 1:
                problems.append(
                    f"{bidder}: band {band.id} has {len(values)} values, expected {band.lots + 1} (0..{band.lots} lots)"
                )
            elif values[0] != 0:
                problems.append(f"{bidder}: band {band.id} values holding 0 lots at {values[0]}, expected 0")
    if problems:
        raise WelfareError("valuations do not fit the scenario: " + "; ".join(problems))


def _lot_limits(limits: BidderLimits, k: int) -> int:
    """Most lots of band ``k`` the per-band cap allows a bidder on its own (ignoring other bands)."""
    lot = limits.lot_tenths[k]
    most = limits.scenario.bands[k].lots
    cap = limits.band_cap[k]
    if cap is not None:
        most = min(most, max(0, (cap - limits.holding[k]) // lot))
    most = min(most, max(0, (limits.overall_cap - limits.overall_base) // lot))
    if limits.is_low[k]:
        most = min(most, max(0, (limits.low_cap - limits.low_base) // lot))
    return most


def _candidates(values: tuple[int, ...], most: int) -> list[int]:
    """Quantities worth considering: n >= 1 within the cap, worth more than every smaller quantity.

    A quantity worth no more than a smaller one is never needed: the smaller
    one uses less supply and less of every cap for at least the same value.
    """
    result: list[int] = []
    best = values[0]
    for n in range(1, most + 1):
        if values[n] > best:
            result.append(n)
            best = values[n]
    return result


def _fits(scenario: Scenario, limits: Mapping[str, BidderLimits], lots: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Every way an allocation breaks supply or caps (empty: feasible), in exact integers."""
    problems: list[str] = []
    for band in scenario.bands:
        sold = sum(bundle[band.id] for bundle in lots.values())
        if sold > band.lots:
            problems.append(f"band {band.id}: {sold} lots allocated, supply {band.lots}")
    for bidder, bundle in lots.items():
        vector = [bundle[b.id] for b in scenario.bands]
        if any(vector):
            problems.extend(f"{bidder}: {r.message}" for r in limits[bidder].cap_refusals(vector))
    return problems


def optimal_allocation(scenario: Scenario, valuations: Mapping[str, Valuation]) -> WelfareOptimum:
    """The welfare-maximising allocation of the scenario's lots among the bidders in ``valuations``.

    Binary ``y[b, k, n]`` = 1 when bidder ``b`` holds ``n`` lots of band ``k``
    (at most one ``n`` per bidder and band; none chosen means 0 lots). Maximise
    ``sum v_bk(n) y`` subject to supply per band and, per bidder, the overall,
    low-band and per-band caps counting existing holdings. A cap only stops a
    bidder from *adding* spectrum, as at bid entry: winning nothing is always
    allowed, even for a bidder already above a cap.
    """
    _check_valuations(scenario, valuations)
    bidders = list(valuations)
    bands = scenario.bands
    limits = {b: BidderLimits(scenario, scenario.bidder(b)) for b in bidders}
    empty = {b: {band.id: 0 for band in bands} for b in bidders}

    # One column per (bidder, band, quantity) still worth considering.
    columns: list[tuple[int, int, int]] = []
    for i, b in enumerate(bidders):
        for k, band in enumerate(bands):
            values = valuations[b].band_values[band.id]
            for n in _candidates(values, _lot_limits(limits[b], k)):
                columns.append((i, k, n))
    if not columns:
        return WelfareOptimum(lots=empty, welfare_usd=0)

    n_cols = len(columns)
    gain = np.array(
        [valuations[bidders[i]].band_values[bands[k].id][n] for i, k, n in columns], dtype=np.float64
    )
    rows: list[np.ndarray] = []
    upper: list[float] = []

    def row() -> np.ndarray:
        return np.zeros(n_cols, dtype=np.float64)

    for k, band in enumerate(bands):
        r = row()
        for c, (_, kk, n) in enumerate(columns):
            if kk == k:
                r[c] = n
        rows.append(r)
        upper.append(band.lots)
    for i, b in enumerate(bidders):
        lim = limits[b]
        for k in range(len(bands)):
            r = row()
            for c, (ii, kk, _) in enumerate(columns):
                if ii == i and kk == k:
                    r[c] = 1
            if r.any():
                rows.append(r)
                upper.append(1)
        overall = row()
        low = row()
        for c, (ii, kk, n) in enumerate(columns):
            if ii == i:
                overall[c] = n * lim.lot_tenths[kk]
                if lim.is_low[kk]:
                    low[c] = n * lim.lot_tenths[kk]
        rows.append(overall)
        upper.append(max(0, lim.overall_cap - lim.overall_base))
        if low.any():
            rows.append(low)
            upper.append(max(0, lim.low_cap - lim.low_base))

    result = milp(
        c=-gain,
        integrality=np.ones(n_cols, dtype=np.int8),
        bounds=Bounds(np.zeros(n_cols), np.ones(n_cols)),
        constraints=LinearConstraint(np.vstack(rows), -np.inf, np.array(upper, dtype=np.float64)),
        # Presolve off: on these small models it saves more than it costs, and HiGHS 1.12 prints a stray
        # debug line to stdout when mapping a presolved solution back (ERGO-Code/HiGHS#2783).
        options={"mip_rel_gap": 0.0, "presolve": False},
    )
    if result.status != 0 or result.x is None:
        # No time or node limit is set, so anything but "optimal" is a solver failure, never an approximation.
        raise RuntimeError(f"HiGHS found no welfare optimum: {result.message}")

    lots = {b: dict(bundle) for b, bundle in empty.items()}
    for c, (i, k, n) in enumerate(columns):
        if round(float(result.x[c])) == 1:
            lots[bidders[i]][bands[k].id] = n
    problems = _fits(scenario, limits, lots)
    if problems:
        raise RuntimeError("HiGHS returned an infeasible allocation: " + "; ".join(problems))
    welfare = sum(valuations[b].value(lots[b]) for b in bidders)
    return WelfareOptimum(lots=lots, welfare_usd=welfare)


def evaluate(
    scenario: Scenario, valuations: Mapping[str, Valuation], outcome: AllocationOutcome
) -> EfficiencyReport:
    """Welfare, optimal welfare, efficiency and per-bidder value, payment and utility of an outcome.

    The optimum is taken over the bidders that took part (those in the
    outcome), including any excluded under the round-1 obligation: they
    could have held spectrum had they bid.
    """
    missing = [b for b in outcome.lots if b not in valuations]
    if missing:
        raise WelfareError(f"no valuation for bidder(s) {', '.join(missing)}; every bidder in the outcome needs one")
    taking_part = {b: valuations[b] for b in outcome.lots}
    optimum = optimal_allocation(scenario, taking_part)
    per_bidder: dict[str, BidderWelfare] = {}
    for bidder, won in outcome.lots.items():
        value = taking_part[bidder].value(won)
        payment = outcome.payments.get(bidder, 0)
        forfeited = outcome.forfeited_deposits.get(bidder, 0)
        per_bidder[bidder] = BidderWelfare(
            bidder=bidder,
            lots=dict(won),
            value_usd=value,
            payment_usd=payment,
            forfeited_usd=forfeited,
            utility_usd=value - payment - forfeited,
            optimal_lots=dict(optimum.lots[bidder]),
        )
    welfare = sum(w.value_usd for w in per_bidder.values())
    efficiency = Fraction(1) if optimum.welfare_usd == 0 else Fraction(welfare, optimum.welfare_usd)
    return EfficiencyReport(
        welfare_usd=welfare,
        optimal_welfare_usd=optimum.welfare_usd,
        efficiency=efficiency,
        bidders=per_bidder,
        optimum=optimum,
    )


def efficiency_json(report: EfficiencyReport) -> dict[str, object]:
    """JSON-ready figures: top-level efficiency and welfare, and per bidder value, payment and utility.

    ``efficiency`` is a float rounded to 6 places (the exact ratio is in the report).
    """
    return {
        "efficiency": round(float(report.efficiency), 6),
        "welfare_usd": report.welfare_usd,
        "optimal_welfare_usd": report.optimal_welfare_usd,
        "optimal_allocation": {b: dict(lots) for b, lots in report.optimum.lots.items()},
        "bidders": {
            b: {
                "value_usd": w.value_usd,
                "payment_usd": w.payment_usd,
                "forfeited_usd": w.forfeited_usd,
                "utility_usd": w.utility_usd,
                "optimal_lots": dict(w.optimal_lots),
            }
            for b, w in report.bidders.items()
        },
    }


def efficiency_text(report: EfficiencyReport) -> str:
    """A short plain-text block for the auction report."""
    lines = [
        f"Efficiency {float(report.efficiency):.2%}: welfare {fmt_usd(report.welfare_usd)} "
        f"of an optimal {fmt_usd(report.optimal_welfare_usd)}",
    ]
    width = max((len(b) for b in report.bidders), default=6)
    lines.append(f"  {'bidder':<{width}}  {'value':>10}  {'payment':>10}  {'utility':>10}  optimal lots")
    for b, w in report.bidders.items():
        optimal = ", ".join(f"{band}:{n}" for band, n in w.optimal_lots.items() if n) or "none"
        payment = w.payment_usd + w.forfeited_usd
        note = " (incl. forfeited deposit)" if w.forfeited_usd else ""
        lines.append(
            f"  {b:<{width}}  {fmt_usd(w.value_usd):>10}  {fmt_usd(payment):>10}  {fmt_usd(w.utility_usd):>10}  "
            f"{optimal}{note}"
        )
    return "\n".join(lines)
