"""The ``random`` strategy: random legal bids, a fuzzer for the engine and a baseline for tournaments.

Never imports pygame; reads only its view and the scenario's public facts.
"""

from __future__ import annotations

from typing import ClassVar

from game.agents.base import RoundBids
from game.agents.common import ScenarioAgent
from game.engine.rules import Bid
from game.records.view import BidderView


class RandomAgent(ScenarioAgent):
    """Random legal bids from its own seeded generator; needs no values.

    Each band changes with probability ``change_percent``: a new quantity
    drawn between 0 and what supply, caps and eligibility allow, at a random
    price point on the step between the start-of-round and the clock price.
    Increases grow rarer as rounds pass so that auctions end. Every answer
    is checked with the engine's rules and redrawn if refused (after
    ``attempts`` refusals it maintains its demand). Round 1 always meets the
    obligation.
    """

    strategy = "random"
    change_percent: ClassVar[int] = 50
    attempts: ClassVar[int] = 20

    def bid(self, view: BidderView) -> RoundBids:
        if view.excluded or view.status != "open":
            return RoundBids()
        scenario = self._scenario()
        step = scenario.rules.price_step_usd
        rules = self.rule_limits
        minimum = [view.obligation.get(b.id, 0) for b in view.bands]
        grow = 1.0 / (1.0 + view.round / 5)
        for _ in range(self.attempts):
            bundle = [max(b.processed, minimum[k]) if view.round == 1 else b.processed for k, b in enumerate(view.bands)]
            # Draw band by band in a random order, each within what the bundle so far leaves room for.
            for k in self.rng.permutation(len(view.bands)):
                k = int(k)
                if self.rng.random() * 100 >= self.change_percent:
                    continue
                if self.rng.random() < grow:
                    room, _ = rules.max_increase(bundle, k, view.eligibility)
                    bundle[k] += int(self.rng.integers(0, room + 1))
                else:
                    bundle[k] = int(self.rng.integers(minimum[k], max(minimum[k], bundle[k]) + 1))
            bids: dict[str, Bid] = {}
            for k, band in enumerate(view.bands):
                if bundle[k] == band.processed:
                    continue
                span = (band.clock_price - band.start_price) // step
                price = band.start_price + step * int(self.rng.integers(0, span + 1))
                bids[band.id] = Bid(band.id, bundle[k], price)
            answer = RoundBids(bids)
            if self.is_legal(view, answer):
                return answer
        # Round 1 needs the obligation; later rounds can always maintain.
        fallback = RoundBids({b.id: Bid(b.id, minimum[k]) for k, b in enumerate(view.bands) if minimum[k]})
        return fallback if self.is_legal(view, fallback) else RoundBids(accept_penalty=view.round == 1)
