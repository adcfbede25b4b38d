"""Truthful demand: the bundle that maximises value minus price within caps, eligibility and budget.

The exact maximiser is the heart of every value-based strategy, so it must be
fast and exact. Per band, a larger quantity whose utility is not higher than
a smaller one's is dominated (every constraint is monotone in the quantity),
so only the increasing-utility candidates are kept. When the per-band optima
already satisfy the coupling constraints (overall and low-band caps,
eligibility, budget) they are the answer; otherwise a vectorised search over
the product of candidates, band by band, prunes partial bundles that break a
constraint or cannot beat a known feasible bundle. Never imports pygame; never
reads engine state (only prices, limits and the bidder's own values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from game.rules import BidderLimits
from game.scenario import Scenario
from game.values import Valuation

_FULL_PRODUCT = 50_000
"""Largest candidate product searched in one vectorised pass; beyond it, the pruned band-by-band search."""


@dataclass(frozen=True)
class BundleLimits:
    """One bidder's static limits on a bundle (lots per band, in scenario band order)."""

    band_ids: tuple[str, ...]
    lot_tenths: tuple[int, ...]
    points: tuple[int, ...]
    is_low: tuple[bool, ...]
    max_lots: tuple[int, ...]
    """Supply, lowered by the per-band cap given existing holdings."""
    overall_tenths: int
    """MHz (tenths) the bidder may add under the overall cap."""
    low_tenths: int
    """MHz (tenths) the bidder may add in the low bands under the low-band cap."""

    @classmethod
    def for_bidder(cls, scenario: Scenario, bidder: str) -> BundleLimits:
        rules = BidderLimits(scenario, scenario.bidder(bidder))
        max_lots = []
        for k, band in enumerate(scenario.bands):
            most = band.lots
            cap = rules.band_cap[k]
            if cap is not None:
                most = min(most, max(0, (cap - rules.holding[k]) // band.lot_tenths))
            max_lots.append(most)
        return cls(
            band_ids=scenario.band_ids,
            lot_tenths=rules.lot_tenths,
            points=rules.points,
            is_low=rules.is_low,
            max_lots=tuple(max_lots),
            overall_tenths=max(0, rules.overall_cap - rules.overall_base),
            low_tenths=max(0, rules.low_cap - rules.low_base),
        )


class DemandSolver:
    """Exact demand of one bidder at given prices; build once per bidder, call :meth:`solve` each round."""

    def __init__(self, valuation: Valuation, limits: BundleLimits) -> None:
        self.valuation = valuation
        self.limits = limits
        self.curves = tuple(tuple(valuation.band_values[b]) for b in limits.band_ids)

    def utility(self, bundle: Sequence[int], prices: Sequence[int]) -> int:
        return sum(c[q] - p * q for c, q, p in zip(self.curves, bundle, prices, strict=True))

    def cost(self, bundle: Sequence[int], prices: Sequence[int]) -> int:
        return sum(q * p for q, p in zip(bundle, prices, strict=True))

    def feasible(
        self, bundle: Sequence[int], prices: Sequence[int], *, eligibility: int | None, budget_usd: int | None
    ) -> bool:
        lim = self.limits
        if any(q < 0 or q > m for q, m in zip(bundle, lim.max_lots, strict=True)):
            return False
        if sum(q * t for q, t in zip(bundle, lim.lot_tenths, strict=True)) > lim.overall_tenths:
            return False
        low = sum(q * t for q, t, lo in zip(bundle, lim.lot_tenths, lim.is_low, strict=True) if lo)
        if low > lim.low_tenths:
            return False
        if eligibility is not None and sum(q * e for q, e in zip(bundle, lim.points, strict=True)) > eligibility:
            return False
        return budget_usd is None or self.cost(bundle, prices) <= budget_usd

    def solve(
        self,
        prices: Sequence[int],
        *,
        eligibility: int | None = None,
        budget_usd: int | None = None,
        min_lots: Sequence[int] | None = None,
    ) -> tuple[int, ...] | None:
        """The bundle maximising value minus cost at ``prices``; None if no bundle meets ``min_lots``.

        Ties go to the bundle with the fewest lots, band by band in scenario order.
        """
        lim = self.limits
        n_bands = len(prices)
        lows = tuple(min_lots) if min_lots is not None else (0,) * n_bands
        # Per band: the undominated quantities, in increasing order of quantity and utility.
        cands: list[list[int]] = []
        utils: list[list[int]] = []
        for k in range(n_bands):
            curve = self.curves[k]
            p = prices[k]
            m = lim.lot_tenths[k]
            hi = lim.max_lots[k]
            hi = min(hi, lim.overall_tenths // m)
            if lim.is_low[k]:
                hi = min(hi, lim.low_tenths // m)
            if eligibility is not None and lim.points[k] > 0:
                hi = min(hi, eligibility // lim.points[k])
            if budget_usd is not None and p > 0:
                hi = min(hi, budget_usd // p)
            lo = lows[k]
            if lo > hi:
                return None
            best = curve[lo] - p * lo
            ks = [lo]
            us = [best]
            for q in range(lo + 1, hi + 1):
                u = curve[q] - p * q
                if u > best:
                    best = u
                    ks.append(q)
                    us.append(u)
            cands.append(ks)
            utils.append(us)
        top = tuple(ks[-1] for ks in cands)
        if self.feasible(top, prices, eligibility=eligibility, budget_usd=budget_usd):
            return top
        low_bundle = tuple(ks[0] for ks in cands)
        if not self.feasible(low_bundle, prices, eligibility=eligibility, budget_usd=budget_usd):
            return None
        return self._search(cands, utils, prices, eligibility, budget_usd)

    def _search(
        self,
        cands: list[list[int]],
        utils: list[list[int]],
        prices: Sequence[int],
        eligibility: int | None,
        budget_usd: int | None,
    ) -> tuple[int, ...]:
        lim = self.limits
        big = np.iinfo(np.int64).max // 4
        # Rows: utility, then the resources (cost, overall MHz, low-band MHz, eligibility points) and their limits.
        limit = np.array(
            [
                budget_usd if budget_usd is not None else big,
                lim.overall_tenths,
                lim.low_tenths,
                eligibility if eligibility is not None else big,
            ],
            dtype=np.int64,
        )
        per_band = []
        for k, (ks, us) in enumerate(zip(cands, utils, strict=True)):
            p, t, e = prices[k], lim.lot_tenths[k], lim.points[k]
            lt = t if lim.is_low[k] else 0
            per_band.append(np.array([(u, q * p, q * t, q * lt, q * e) for q, u in zip(ks, us, strict=True)], dtype=np.int64))
        if math.prod(len(c) for c in cands) <= _FULL_PRODUCT:
            return self._search_product(cands, per_band, limit)
        return self._search_pruned(cands, per_band, limit)

    @staticmethod
    def _search_product(cands: list[list[int]], per_band: list[np.ndarray], limit: np.ndarray) -> tuple[int, ...]:
        """Every combination at once; argmax over the feasible ones picks the lexicographically smallest best."""
        total = per_band[0]
        for rows in per_band[1:]:
            total = (total[:, None, :] + rows[None, :, :]).reshape(-1, 5)
        fits = (total[:, 1:] <= limit).all(axis=1)
        utility = np.where(fits, total[:, 0], np.iinfo(np.int64).min)
        flat = int(np.argmax(utility))
        picks = np.unravel_index(flat, tuple(len(c) for c in cands))
        return tuple(c[int(i)] for c, i in zip(cands, picks, strict=True))

    @staticmethod
    def _search_pruned(cands: list[list[int]], per_band: list[np.ndarray], limit: np.ndarray) -> tuple[int, ...]:
        """Band by band, dropping partial bundles that cannot fit or cannot beat a known feasible bundle."""
        n_bands = len(cands)
        # Suffix bounds: the best utility and the lowest resources the remaining bands can add.
        max_u_after = [0] * (n_bands + 1)
        lo_u_after = [0] * (n_bands + 1)
        lo_res_after = [np.zeros(4, dtype=np.int64) for _ in range(n_bands + 1)]
        for k in range(n_bands - 1, -1, -1):
            rows = per_band[k]
            max_u_after[k] = max_u_after[k + 1] + int(rows[-1, 0])
            lo_u_after[k] = lo_u_after[k + 1] + int(rows[0, 0])
            lo_res_after[k] = lo_res_after[k + 1] + rows[0, 1:]
        choice = np.zeros((1, 0), dtype=np.int64)
        total = np.zeros((1, 5), dtype=np.int64)
        floor = lo_u_after[0]  # the all-minimum bundle is feasible (checked by the caller)
        for k in range(n_bands):
            rows = per_band[k]
            n_old, n_new = total.shape[0], rows.shape[0]
            total = (total[:, None, :] + rows[None, :, :]).reshape(-1, 5)
            choice = np.concatenate(
                [np.repeat(choice, n_new, axis=0), np.tile(np.arange(n_new), n_old)[:, None]], axis=1
            )
            # Completing with the remaining bands' minimum must still fit; else the partial bundle is dead.
            fits = (total[:, 1:] + lo_res_after[k + 1] <= limit).all(axis=1)
            completed = total[:, 0] + lo_u_after[k + 1]
            if fits.any():
                floor = max(floor, int(completed[fits].max()))
            keep = fits & (total[:, 0] + max_u_after[k + 1] >= floor)
            total, choice = total[keep], choice[keep]
        best = int(np.argmax(total[:, 0]))
        return tuple(c[int(i)] for c, i in zip(cands, choice[best], strict=True))


def best_bundle(
    prices: Sequence[int],
    valuation: Valuation,
    limits: BundleLimits,
    *,
    eligibility: int | None = None,
    budget_usd: int | None = None,
    min_lots: Sequence[int] | None = None,
) -> tuple[int, ...] | None:
    """The exact truthful demand at ``prices`` (one price per lot, scenario band order).

    Maximises value minus cost subject to supply, per-band, overall and
    low-band caps (``limits``), eligibility points, the budget (pass
    ``valuation.budget_usd`` to apply it) and optional minimum lots per band.
    Returns None when no bundle satisfies the minimums.
    """
    return DemandSolver(valuation, limits).solve(
        prices, eligibility=eligibility, budget_usd=budget_usd, min_lots=min_lots
    )
