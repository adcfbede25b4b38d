"""The ``parker`` strategy: manage eligibility by parking activity in a cheap band early.

Never imports pygame; reads only its view, its valuation and the scenario's public facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from game.agents.common import ValueAgent
from game.records.view import BidderView


class ParkerAgent(ValueAgent):
    """Parks activity in a cheap band early and switches late.

    Until round ``switch_round`` it demands only part (``early_share_percent``)
    of its truthful demand in its target bands (those where it wants lots;
    round-1 obligations are always met), which keeps their prices low, and
    holds the eligibility points it saves with lots in a parking band: the
    band with no excess demand last round that offers the most points
    without creating excess demand. From ``switch_round`` on (or as soon as
    its parking band has excess demand) it bids its truthful demand, using the
    eligibility it kept.

    The auction may end after any round (when no band has excess demand), so
    it parks only what it would not mind winning: the bundle with its parked
    lots must be worth at least what it costs at the clock prices (the
    surplus of the lots it wants pays for parked lots worth less than their
    price), both valued at the next clock prices, since the auction may as
    well end a round later; and within the budget at those prices.
    Otherwise it bids its truthful demand at once.
    """

    strategy = "parker"
    switch_round: ClassVar[int] = 4
    early_share_percent: ClassVar[int] = 50

    def shade(self, view: BidderView, bundle: tuple[int, ...]) -> Sequence[int]:
        if view.round >= self.switch_round:
            return bundle
        parking = self._parking_band(view, bundle)
        if parking is None:
            return bundle
        limits = self.bundle_limits
        minimum = self.obligation(view) or (0,) * len(view.bands)
        demand = list(bundle)
        saved = 0
        for k, _band in enumerate(view.bands):
            if k == parking or bundle[k] == 0:
                continue
            early = max(minimum[k], bundle[k] * self.early_share_percent // 100)
            saved += (bundle[k] - early) * limits.points[k]
            demand[k] = early
        band = view.bands[parking]
        rivals = (band.aggregate_demand or 0) - band.processed if band.aggregate_demand is not None else 0
        free = max(0, band.supply - rivals - demand[parking])
        # Round up: the parked points must cover what was saved, or the switch later cannot happen.
        extra = min(free, -(-saved // max(1, limits.points[parking])))
        # Park only what it would not mind winning: the auction may end with the parked bundle.
        # Valued at the next clock prices: the auction may also end a round later, one increment up.
        later = self.next_prices(view.terms.clock_prices)
        surplus = self.solver.utility(demand, later)
        extra = self._worth_parking(parking, demand[parking], extra, later[parking], surplus)
        if extra == 0:
            return bundle
        demand[parking] += extra
        # Shrink the parked lots until the caps allow them.
        while extra > 0 and not self.solver.feasible(demand, [0] * len(demand), eligibility=view.eligibility, budget_usd=None):
            demand[parking] -= 1
            extra -= 1
        if self.solver.utility(demand, later) < 0 or (
            self.manage_exposure and self.solver.cost(demand, later) > self.valuation.budget_usd
        ):
            return bundle  # a bundle it would mind winning: bid truthfully instead
        return demand

    def _worth_parking(self, k: int, base: int, most: int, price: int, surplus: int) -> int:
        """The most lots, up to ``most``, added to ``base`` lots of band ``k`` at ``price`` that ``surplus`` covers.

        ``surplus`` is what the rest of the bundle is worth above its cost: the
        bundle with the parked lots must still be worth what it costs.
        """
        curve = self.solver.curves[k]
        for extra in range(min(most, len(curve) - 1 - base), 0, -1):
            if surplus + curve[base + extra] - curve[base] >= extra * price:
                return extra
        return 0

    def _parking_band(self, view: BidderView, bundle: tuple[int, ...]) -> int | None:
        limits = self.bundle_limits
        later = self.next_prices(view.terms.clock_prices)
        best: tuple[int, int] | None = None
        for k, band in enumerate(view.bands):
            if band.excess_demand:
                continue
            if view.round > 1 and band.processed == 0:
                continue  # the parking band is chosen in round 1 and kept
            rivals = (band.aggregate_demand or 0) - band.processed if band.aggregate_demand is not None else 0
            room = min(limits.max_lots[k], max(0, band.supply - rivals)) - bundle[k]
            surplus = self.solver.utility(bundle, later)
            points = self._worth_parking(k, bundle[k], room, later[k], surplus) * limits.points[k]
            if points > 0 and (best is None or points > best[0]):
                best = (points, k)
        return best[1] if best else None
