"""Attack (d): set every rival's caps to zero through the shared limits cache, then bid truthfully."""

import gc

from game.agents.common import ValueAgent
from game.engine.rules import BidderLimits


class ZeroRivals(ValueAgent):
    strategy = "zerorivals"

    def bid(self, view):
        for obj in gc.get_objects():
            if isinstance(obj, BidderLimits) and obj.bidder.id != self.bidder:
                obj.overall_cap = 0
                obj.low_cap = 0
                obj.band_cap = tuple(0 for _ in obj.band_cap)
                obj.capped = tuple((k, b, 0) for k, b, _ in obj.capped)
                obj.capped_lots = tuple(0 for _ in obj.capped_lots)
        return super().bid(view)
