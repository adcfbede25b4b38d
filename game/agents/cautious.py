"""The ``cautious`` strategy: bid the way Pakistan's operators did in March 2026.

In the real auction the three operators asked for about what supply could
bear at the reserve prices, cut back to supply after one price rise, and let
1800/2100 MHz and part of 3500 MHz go unsold (docs/VALUES.md). Never imports
pygame; reads only its view, its valuation and the scenario's public facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from game.agents.common import ValueAgent
from game.records.view import BidderView


class CautiousAgent(ValueAgent):
    """Near-reserve demand it expects supply to bear, reduced early; never more than its truthful demand.

    - Round 1 (at reserve): its truthful demand, but in each band at most its
      fair share of supply, ``ceil(supply x (100 + share_slack_percent) / 100
      / n)`` lots, where n is the number of bidders the scenario expects
      (its default bidders; the qualified bidders are public). The round-1
      obligation is always met.
    - Later rounds, where the information policy shows aggregate demand: in a
      band that had excess demand it cuts its demand in proportion, to
      ``floor(held x supply / aggregate demand)`` lots, so that if every
      bidder did the same demand would fall to supply and the price rise
      stop; in a band with lots left over it takes at most what is left at
      the current price. Under "excess-only" it cuts one lot a round in a band
      with excess demand and never adds lots.
    - Decreases name the price at which the dropped lots stop being worth it
      (as ``truthful``), so a cut it makes to share the band is made at the
      clock price: the band closes one increment above its last price, as
      2600 MHz did in 2026.
    - Exposure management as every value-based strategy
      (:class:`~game.agents.common.ValueAgent`).
    """

    strategy = "cautious"
    share_slack_percent: ClassVar[int] = 20

    def expected_bidders(self) -> int:
        """How many bidders it expects to share each band with (itself included)."""
        scenario = self._scenario()
        expected = set(scenario.default_bidders) | {self.bidder}
        return max(1, len(expected))

    def shade(self, view: BidderView, bundle: tuple[int, ...]) -> Sequence[int]:
        demand = list(bundle)
        if view.round == 1:
            minimum = self.obligation(view) or (0,) * len(view.bands)
            n = self.expected_bidders()
            for k, band in enumerate(view.bands):
                fair = -(-band.supply * (100 + self.share_slack_percent) // (100 * n))
                demand[k] = max(minimum[k], min(bundle[k], fair))
            return demand
        for k, band in enumerate(view.bands):
            held = band.processed
            if band.aggregate_demand is None:  # excess-only: a flag per band
                if band.excess_demand:
                    demand[k] = min(bundle[k], max(0, held - 1))
                else:
                    demand[k] = min(bundle[k], held)
            elif band.excess_demand:
                share = held * band.supply // max(1, band.aggregate_demand)
                demand[k] = min(bundle[k], share)
            else:
                left = max(0, band.supply - band.aggregate_demand)
                demand[k] = min(bundle[k], held + left)
        return demand
