"""Attack (c): lift its own caps through its view, then demand every lot of every band."""

from game.agents.base import Agent, RoundBids
from game.engine.rules import Bid


class LiftCaps(Agent):
    strategy = "liftcaps"

    def bid(self, view):
        limits = view._limits
        limits.overall_cap = 10**9
        limits.low_cap = 10**9
        limits.band_cap = tuple(None for _ in limits.band_cap)
        limits.capped = ()
        limits.capped_index = ()
        limits.capped_lots = ()
        return RoundBids({b.id: Bid(b.id, b.supply) for b in view.bands})
