"""The ``reducer`` strategy: demand reduction, the classic move in uniform-price multi-unit auctions.

Never imports pygame; reads only its view, its valuation and the scenario's public facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from game.agents.common import ValueAgent
from game.records.view import BidderView


class ReducerAgent(ValueAgent):
    """Demand reduction.

    Starts from its truthful demand. In a band that had excess demand last
    round it estimates its rivals' demand (aggregate demand minus its own
    processed demand) and considers cutting its own demand to what supply
    leaves over, which would end the band's price rise now. It cuts when
    the smaller holding at today's clock price is worth at least as much to
    it as its truthful holding at the price ``lookahead_rounds`` more
    increments would bring. Without aggregate demand (policy "excess-only")
    it bids truthfully.
    """

    strategy = "reducer"
    lookahead_rounds: ClassVar[int] = 3

    def shade(self, view: BidderView, bundle: tuple[int, ...]) -> Sequence[int]:
        if view.round == 1:
            return bundle
        increment = self._scenario().rules.increment_bp / 10_000
        reduced = list(bundle)
        curves = self.solver.curves
        for k, band in enumerate(view.bands):
            if not band.excess_demand or band.aggregate_demand is None:
                continue
            rivals = band.aggregate_demand - band.processed
            room = max(0, band.supply - rivals)
            x = bundle[k]
            if room >= x:
                continue
            later = band.clock_price * (1 + increment) ** self.lookahead_rounds
            if curves[k][room] - room * band.clock_price >= curves[k][x] - x * later:
                reduced[k] = room
        return reduced
