"""Truthful demand: the bundle that maximises value minus price within caps, eligibility and budget.

The exact maximiser is the heart of every value-based strategy, so it must be
fast and exact. Per band, a larger quantity whose utility is not higher than
a smaller one's is dominated (every constraint is monotone in the quantity),
so only the increasing-utility candidates are kept. When the per-band optima
already satisfy the coupling constraints (overall and low-band caps,
eligibility, budget) they are the answer. Otherwise only the bands with more
than one candidate are searched: every combination of all but the last two,
then the last two by bisection (what is left bounds the last band's best
fit); with very many combinations, a vectorised search that prunes partial
bundles which break a constraint or cannot beat a known feasible bundle.
Ties go to the fewest lots, band by band. Never imports pygame; never reads
engine state (only prices, limits and the bidder's own values).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from game.economics.values import Valuation
from game.engine.rules import BidderLimits
from game.scenario import Scenario

_NO_LIMIT = 1 << 62
"""Stands for no eligibility or budget limit; far above any sum of prices or points."""
_PREFIX_PRODUCT = 300
"""Most combinations of all bands but the last searched in plain Python; beyond, the vectorised search."""
_BAND_CACHE_SIZE = 4096
"""Candidate lists one solver keeps before it starts afresh (bounds memory over long runs)."""


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
    def for_bidder(cls, scenario: Scenario, bidder: str, rules: BidderLimits | None = None) -> BundleLimits:
        """``rules``: the bidder's cap arithmetic if the caller already has it (built anew otherwise)."""
        if rules is None:
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
        lim = limits
        # Per lot of each band, the resources that do not depend on prices: overall MHz, low-band MHz, points.
        self._fixed_use = tuple(
            (t, t if low else 0, e) for t, low, e in zip(lim.lot_tenths, lim.is_low, lim.points, strict=True)
        )
        self._no_minimum = (0,) * len(lim.band_ids)
        # Candidates per (band, price, fewest lots): prices of most bands stay put from round to round.
        self._band_cache: dict[tuple[int, int, int], tuple[list[int], list[int]]] = {}
        # The most lots each band alone allows under supply and the caps (before eligibility and budget).
        self._most_lots = tuple(
            min(m, lim.overall_tenths // t, lim.low_tenths // t if low else m)
            for m, t, low in zip(lim.max_lots, lim.lot_tenths, lim.is_low, strict=True)
        )

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
        budget_prices: Sequence[int] | None = None,
    ) -> tuple[int, ...] | None:
        """The bundle maximising value minus cost at ``prices``; None if no bundle meets ``min_lots``.

        The budget applies to the bundle's cost at ``budget_prices`` (default:
        ``prices``); a bidder that manages its exposure passes the prices the
        next round could bring. Ties go to the bundle with the fewest lots,
        band by band in scenario order.
        """
        paying = budget_prices if budget_prices is not None else prices
        lim = self.limits
        lows = min_lots if min_lots is not None else self._no_minimum
        cache = self._band_cache
        # Per band: the undominated quantities, in increasing order of quantity and utility. Only the
        # bands with a choice are searched (often most bands have one candidate at high prices); a
        # settled band only takes its share of the limits. That keeps the lexicographic tie-break.
        top: list[int] = []
        bottom: list[int] = []
        free: list[int] = []
        cands: list[list[int]] = []
        utils: list[list[int]] = []
        per_lot: list[tuple[int, int, int, int]] = []
        # What the largest candidates, the smallest ones and the settled bands use of each limit:
        # cost, overall MHz, low-band MHz and eligibility points. Twelve named sums rather than three lists
        # summed in a loop over the four limits: measured still worth it, the loop makes a Pakistan auction
        # 6% slower (5.83 -> 6.18 ms, CPU medians of 8 interleaved windows of 60 auctions each).
        t0 = t1 = t2 = t3 = b0 = b1 = b2 = b3 = s0 = s1 = s2 = s3 = 0
        for k, (p, bp, lo, hi, (t, lt, e)) in enumerate(
            zip(prices, paying, lows, self._most_lots, self._fixed_use, strict=True)
        ):
            if eligibility is not None and e > 0 and (most := eligibility // e) < hi:
                hi = most
            if budget_usd is not None and bp > 0 and (most := budget_usd // bp) < hi:
                hi = most
            if lo > hi:
                return None
            # Cached over the band's whole range: eligibility and budget only cut the list short.
            known = cache.get((k, p, lo))
            if known is None:
                curve = self.curves[k]
                best = curve[lo] - p * lo
                ks = [lo]
                us = [best]
                for q in range(lo + 1, self._most_lots[k] + 1):
                    u = curve[q] - p * q
                    if u > best:
                        best = u
                        ks.append(q)
                        us.append(u)
                if len(cache) >= _BAND_CACHE_SIZE:
                    cache.clear()
                known = cache[k, p, lo] = (ks, us)
            ks, us = known
            if ks[-1] > hi:
                n = bisect.bisect_right(ks, hi)
                ks, us = ks[:n], us[:n]
            q = ks[-1]
            top.append(q)
            if q:
                t0, t1, t2, t3 = t0 + q * bp, t1 + q * t, t2 + q * lt, t3 + q * e
            q = ks[0]
            bottom.append(q)
            if q:
                b0, b1, b2, b3 = b0 + q * bp, b1 + q * t, b2 + q * lt, b3 + q * e
            if len(ks) > 1:
                free.append(k)
                cands.append(ks)
                utils.append(us)
                per_lot.append((bp, t, lt, e))
            elif q:
                s0, s1, s2, s3 = s0 + q * bp, s1 + q * t, s2 + q * lt, s3 + q * e
        c0 = budget_usd if budget_usd is not None else _NO_LIMIT
        c1, c2 = lim.overall_tenths, lim.low_tenths
        c3 = eligibility if eligibility is not None else _NO_LIMIT
        if t0 <= c0 and t1 <= c1 and t2 <= c2 and t3 <= c3:
            return tuple(top)
        if b0 > c0 or b1 > c1 or b2 > c2 or b3 > c3:
            return None
        # What the settled bands leave (an absent limit stays absent).
        cap = (c0 - s0 if c0 < _NO_LIMIT else c0, c1 - s1, c2 - s2, c3 - s3 if c3 < _NO_LIMIT else c3)
        prefixes = 1
        for ks in cands[:-1]:
            prefixes *= len(ks)
        if prefixes <= _PREFIX_PRODUCT:
            found = _search_prefixes(cands, utils, per_lot, cap, min_lots is not None)
        else:
            found = _search_pruned(cands, utils, per_lot, cap)
        if len(free) == len(bottom):
            return found
        for k, q in zip(free, found, strict=True):
            bottom[k] = q
        return tuple(bottom)


def _search_prefixes(
    cands: list[list[int]],
    utils: list[list[int]],
    per_lot: list[tuple[int, int, int, int]],
    cap: tuple[int, int, int, int],
    minimums: bool = True,
) -> tuple[int, ...]:
    """Every combination of the bands but the last; the last band's best quantity follows from what is left.

    Every resource grows with the quantity and the candidates' utility grows
    with it too, so in the last band the best choice is the largest candidate
    that still fits. Combinations come in lexicographic order and only a
    strictly better one replaces the best, so ties keep the lexicographically
    smallest bundle, as the vectorised search does.
    """
    last = len(cands) - 1
    # Lowest resources the bands after k need (their smallest candidate), to drop dead prefixes early
    # (none without minimum lots: every band's smallest candidate is then 0).
    need_after = [(0, 0, 0, 0)] * (last + 1)
    for k in range(last - 1, -1, -1) if minimums else ():
        q0 = cands[k + 1][0]
        a, r = need_after[k + 1], per_lot[k + 1]
        need_after[k] = (a[0] + q0 * r[0], a[1] + q0 * r[1], a[2] + q0 * r[2], a[3] + q0 * r[3])
    # A prefix: (utility, cost, MHz, low MHz, points, quantities so far), over all bands but the last two;
    # its quantities are a chain (earlier quantities, this band's quantity) ending in ().
    prefixes: list[tuple[int, int, int, int, int, tuple[Any, ...]]] = [(0, 0, 0, 0, 0, ())]
    for k in range(last - 1):
        need = need_after[k]
        c0, c1, c2, c3 = cap[0] - need[0], cap[1] - need[1], cap[2] - need[2], cap[3] - need[3]
        r0, r1, r2, r3 = per_lot[k]
        grown = []
        for u, x0, x1, x2, x3, qs in prefixes:
            for q, uq in zip(cands[k], utils[k], strict=True):
                y0, y1, y2, y3 = x0 + q * r0, x1 + q * r1, x2 + q * r2, x3 + q * r3
                if y0 > c0 or y1 > c1 or y2 > c2 or y3 > c3:
                    break  # resources only grow along the candidates
                grown.append((u + uq, y0, y1, y2, y3, (qs, q)))  # quantities as a chain, unrolled at the end
        prefixes = grown
    # The last two bands inline: each candidate of the one before last, then the last band's best fit.
    if last:
        mid_ks, mid_us, (m0, m1, m2, m3) = cands[last - 1], utils[last - 1], per_lot[last - 1]
        need = need_after[last - 1]
    else:  # one band: a neutral band before it keeps one loop for both cases
        mid_ks, mid_us, (m0, m1, m2, m3), need = [0], [0], (0, 0, 0, 0), (0, 0, 0, 0)
    c0, c1, c2, c3 = cap[0] - need[0], cap[1] - need[1], cap[2] - need[2], cap[3] - need[3]
    ks, us = cands[last], utils[last]
    q_top, u_top = ks[-1], us[-1]
    mid_top = mid_ks[-1]
    r0, r1, r2, r3 = per_lot[last]
    k0, k1, k2, k3 = cap
    # No budget or no eligibility limit: that resource cannot bind, so it is not tested.
    if k0 >= _NO_LIMIT:
        r0 = m0 = 0
    if k3 >= _NO_LIMIT:
        r3 = m3 = 0
    best_u = -(1 << 200)
    best: tuple[Any, ...] = ()
    best_pair = (0, 0)
    for u, x0, x1, x2, x3, qs in prefixes:
        # The band before last: its candidates up to the most lots that what the prefix leaves allows
        # (the prefix stage left room for its smallest candidate, so at least one fits).
        most = mid_top
        if m0 and (fit := (c0 - x0) // m0) < most:
            most = fit
        if m1 and (fit := (c1 - x1) // m1) < most:
            most = fit
        if m2 and (fit := (c2 - x2) // m2) < most:
            most = fit
        if m3 and (fit := (c3 - x3) // m3) < most:
            most = fit
        n = bisect.bisect_right(mid_ks, most)
        if u + mid_us[n - 1] + u_top <= best_u:
            continue  # not even the best of both bands beats the best (a tie would come later)
        # What the prefix leaves of each limit for the last two bands.
        a0, a1, a2, a3 = k0 - x0, k1 - x1, k2 - x2, k3 - x3
        # First a probe of the largest candidate: its total is a floor (less one, to keep ties) that rules
        # out most smaller candidates at once. Then the candidates in lexicographic order, skipping those
        # that cannot beat the floor even with the last band's best fit so far (what is left only shrinks
        # as the band before last takes more, so that fit bounds the next ones; a tie with the best would
        # come later in lexicographic order): the utilities grow along the candidates, so one bisection.
        floor = best_u
        u_last = u_top
        j = n - 1
        probe = True
        while True:
            q = mid_ks[j]
            most = q_top
            if r0 and (fit := (a0 - q * m0) // r0) < most:
                most = fit
            if r1 and (fit := (a1 - q * m1) // r1) < most:
                most = fit
            if r2 and (fit := (a2 - q * m2) // r2) < most:
                most = fit
            if r3 and (fit := (a3 - q * m3) // r3) < most:
                most = fit
            i = bisect.bisect_right(ks, most) - 1
            if probe:
                probe = False
                if (total := u + mid_us[j] + us[i] - 1) > floor:
                    floor = total
                j = 0
            else:
                u_last = us[i]
                total = u + mid_us[j] + u_last
                if total > best_u:
                    best_u, best, best_pair = total, qs, (q, ks[i])
                    if total > floor:
                        floor = total
                j += 1
            j = bisect.bisect_right(mid_us, floor - u - u_last, j, n)
            if j == n:
                break
    if not last:
        return (best_pair[1],)  # one band (the band before it was the neutral one)
    head: list[int] = []
    while best:
        best, q = best
        head.append(q)
    head.reverse()  # the chain unrolls from its last band
    return (*head, *best_pair)


def _search_pruned(
    cands: list[list[int]],
    utils: list[list[int]],
    per_lot: list[tuple[int, int, int, int]],
    cap: tuple[int, int, int, int],
) -> tuple[int, ...]:
    """The same search as :func:`_search_prefixes`, vectorised, for large candidate spaces.

    Prefixes grow band by band; a prefix is dropped when even the remaining
    bands' smallest candidates no longer fit, or when the remaining bands'
    best utilities cannot lift it to a bundle already known to fit. Rows stay
    in lexicographic order and argmax takes the first best, so ties keep the
    lexicographically smallest bundle.
    """
    last = len(cands) - 1
    limit = np.array(cap, dtype=np.int64)[:, None]
    use = [np.array(r, dtype=np.int64)[:, None] for r in per_lot]
    qs = [np.array(ks, dtype=np.int64) for ks in cands]
    us = [np.array(u, dtype=np.int64) for u in utils]
    # Suffix bounds: the best utility and the lowest resources the bands after k can add.
    max_u_after = [0] * (last + 1)
    lo_u_after = [0] * (last + 1)
    lo_use_after = [np.zeros((4, 1), dtype=np.int64) for _ in range(last + 1)]
    for k in range(last - 1, -1, -1):
        max_u_after[k] = max_u_after[k + 1] + utils[k + 1][-1]
        lo_u_after[k] = lo_u_after[k + 1] + utils[k + 1][0]
        lo_use_after[k] = lo_use_after[k + 1] + cands[k + 1][0] * use[k + 1]
    total_u = np.zeros(1, dtype=np.int64)
    total_use = np.zeros((4, 1), dtype=np.int64)
    # Per band, for every surviving prefix: the index of its previous prefix and of its candidate.
    parents: list[np.ndarray] = []
    picks: list[np.ndarray] = []
    floor = sum(u[0] for u in utils)  # the all-minimum bundle fits (checked by the caller)
    for k in range(last):
        n_new = qs[k].shape[0]
        total_u = (total_u[:, None] + us[k][None, :]).reshape(-1)
        total_use = (total_use[:, :, None] + (qs[k][None, :] * use[k])[:, None, :]).reshape(4, -1)
        fits = (total_use + lo_use_after[k] <= limit).all(axis=0)
        if fits.any():
            floor = max(floor, int((total_u[fits]).max()) + lo_u_after[k])
        keep = np.flatnonzero(fits & (total_u + max_u_after[k] >= floor))
        parents.append(keep // n_new)
        picks.append(keep % n_new)
        total_u, total_use = total_u[keep], total_use[:, keep]
    # The last band: its largest candidate that fits what each prefix leaves.
    left = limit - total_use
    most = np.full(total_u.shape[0], cands[last][-1], dtype=np.int64)
    for r in range(4):
        per = int(use[last][r, 0])
        if per > 0:
            most = np.minimum(most, left[r] // per)
    i_last = np.searchsorted(qs[last], most, side="right") - 1
    row = int(np.argmax(total_u + us[last][i_last]))
    bundle = [cands[last][int(i_last[row])]]
    for k in range(last - 1, -1, -1):
        bundle.append(cands[k][int(picks[k][row])])
        row = int(parents[k][row])
    return tuple(reversed(bundle))


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
