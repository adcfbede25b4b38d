"""An example agent for tournaments: ``--agent-module examples/my_agent.py --strategies shaded,truthful``.

The file defines Agent subclasses with a ``strategy`` name; each one becomes
a strategy under that name and plays in sandboxed worker processes that speak
the bidder protocol (the tournament's own process never imports this file). See
docs/AGENTS.md for the interface. An agent reads only its view and its own
values; it never sees the auction object or another bidder's values.
"""

from __future__ import annotations

from game.agents.base import RoundBids
from game.agents.common import ValueAgent
from game.records.view import BidderView


class ShadedAgent(ValueAgent):
    """Bid shading: demand what would be best if every clock price were 10% higher.

    Lower demand than truthful bidding, so prices stop rising sooner; it risks
    losing lots that were still worth their price. The round-1 obligation and
    the legality guard come from :class:`~game.agents.common.ValueAgent`.
    """

    strategy = "shaded"
    shade = 0.10

    def bid(self, view: BidderView) -> RoundBids:
        if view.excluded or view.status != "open":
            return RoundBids()  # nothing to say: every band is maintained
        shaded = [round(band.clock_price * (1 + self.shade)) for band in view.bands]
        bundle, penalty = self.truthful_bundle(view, prices=shaded)
        return self.answer(view, bundle, penalty)


class MaintainAgent(ValueAgent):
    """The smallest possible agent: meet the round-1 obligation, then never change demand."""

    strategy = "maintain"

    def bid(self, view: BidderView) -> RoundBids:
        if view.round == 1 and not view.excluded:
            bundle, penalty = self.truthful_bundle(view)
            return self.answer(view, bundle, penalty)
        return RoundBids()
