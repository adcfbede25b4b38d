"""The ``aggressive`` strategy: raise rivals' costs by holding demand in contested bands.

Never imports pygame; reads only its view, its valuation and the scenario's public facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from game.agents.common import ValueAgent
from game.records.view import BidderView


class AggressiveAgent(ValueAgent):
    """Keeps demand above its truthful demand in contested bands, up to a limit.

    In a band that had excess demand last round, where its truthful demand
    has fallen below what it holds, it keeps holding its processed demand as
    long as the clock price per lot stays within ``overbid_percent`` above
    the average value per lot of that holding, and the whole bundle's cost at
    the next clock prices stays within its budget (the budget is never
    overbid: see exposure management in
    :class:`~game.agents.common.ValueAgent`). Beyond that limit it falls back
    to its truthful demand. Other bands: truthful.
    """

    strategy = "aggressive"
    overbid_percent: ClassVar[int] = 25

    def shade(self, view: BidderView, bundle: tuple[int, ...]) -> Sequence[int]:
        if view.round == 1:
            return bundle
        factor = 1 + self.overbid_percent / 100
        curves = self.solver.curves
        demand = list(bundle)
        for k, band in enumerate(view.bands):
            held = band.processed
            if not band.excess_demand or held <= bundle[k]:
                continue
            if band.clock_price * held <= factor * curves[k][held]:
                demand[k] = held
        # The budget is a hard limit (exposure management): holding on never risks more than it at the next clock.
        if self.solver.cost(demand, self.next_prices(view.terms.clock_prices)) > self.valuation.budget_usd:
            demand = list(bundle)
        return demand
