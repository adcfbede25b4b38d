"""What every value-based strategy shares: its truthful demand, price points, and a legality guard.

A strategy reads only its :class:`~game.records.view.BidderView`, its own
:class:`~game.economics.values.Valuation` and the scenario's public facts. Before it
answers it checks its bids with the same rules the engine applies
(:func:`game.engine.rules.check_bids`), so a scripted bidder never makes a bid the
rules refuse. Never imports pygame; never touches engine state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from game.agents.base import Agent, RoundBids
from game.agents.demand import BundleLimits, DemandSolver
from game.economics.values import Valuation
from game.engine.rules import Bid, BidderLimits, check_bids, limits_for
from game.records.view import BidderView
from game.scenario import Scenario


def bids_for(view: BidderView, bundle: Sequence[int], prices: Mapping[str, int] | None = None) -> dict[str, Bid]:
    """Bids that move the processed demand to ``bundle`` (bands already there are maintained)."""
    bids: dict[str, Bid] = {}
    for k, (q, now) in enumerate(zip(bundle, view.terms.processed, strict=True)):
        if q != now:
            band_id = view.bands[k].id
            bids[band_id] = Bid(band_id, int(q), prices.get(band_id) if prices else None)
    return bids


class ScenarioAgent(Agent):
    """An agent that needs the scenario's public facts (caps, points, price step) to bid legally."""

    def _scenario(self) -> Scenario:
        if self.scenario is None:
            raise RuntimeError(f"{type(self).__name__} for {self.bidder} needs the scenario; build it with make_agent")
        return self.scenario

    @property
    def rule_limits(self) -> BidderLimits:
        cached: BidderLimits | None = getattr(self, "_rule_limits", None)
        if cached is None:
            scenario = self._scenario()
            cached = limits_for(scenario, self.bidder)
            self._rule_limits = cached
        return cached

    @property
    def bundle_limits(self) -> BundleLimits:
        cached: BundleLimits | None = getattr(self, "_bundle_limits", None)
        if cached is None:
            cached = BundleLimits.for_bidder(self._scenario(), self.bidder, self.rule_limits)
            self._bundle_limits = cached
        return cached

    def is_legal(self, view: BidderView, answer: RoundBids) -> bool:
        refusals = check_bids(
            self._scenario(), self.rule_limits, view.terms, answer.bids, accept_penalty=answer.accept_penalty
        )
        return not refusals


class ValueAgent(ScenarioAgent):
    """An agent that bids from its own valuation: truthful demand and drop price points."""

    def __init__(
        self, bidder: str, values: Valuation | None, rng: np.random.Generator, scenario: Scenario | None = None
    ) -> None:
        if values is None:
            raise ValueError(f"strategy {self.strategy!r} needs {bidder}'s values")
        super().__init__(bidder, values, rng, scenario)
        self.valuation: Valuation = values
        self._solver: DemandSolver | None = None

    @property
    def solver(self) -> DemandSolver:
        if self._solver is None:
            self._solver = DemandSolver(self.valuation, self.bundle_limits)
        return self._solver

    def bid(self, view: BidderView) -> RoundBids:
        """The truthful bundle, shaded by the strategy (:meth:`shade`) unless it takes the round-1 penalty."""
        if view.excluded or view.status != "open":
            return RoundBids()
        bundle, penalty = self.truthful_bundle(view)
        if penalty:
            return self.answer(view, bundle, penalty)
        return self.answer(view, self.shade(view, bundle))

    def shade(self, view: BidderView, bundle: tuple[int, ...]) -> Sequence[int]:
        """What the strategy demands instead of its truthful ``bundle`` this round (truthful: the bundle)."""
        return bundle

    def obligation(self, view: BidderView) -> tuple[int, ...] | None:
        if not view.obligation:
            return None
        return tuple(view.obligation.get(b.id, 0) for b in view.bands)

    def truthful_bundle(self, view: BidderView, prices: Sequence[int] | None = None) -> tuple[tuple[int, ...], bool]:
        """The truthful demand at ``prices`` (default: the clock prices), and whether it takes the penalty.

        Round-1 obligation: the obligation is a rule, so the bidder meets it
        even when its budget cannot pay for it (it then demands the best
        bundle that meets the obligation ignoring the budget). Only if the
        caps or eligibility make the obligation impossible does it take the
        penalty and bid its unconstrained demand.
        """
        clock = list(prices) if prices is not None else view.terms.clock_prices
        budget = self.valuation.budget_usd
        minimum = self.obligation(view)
        solver = self.solver
        bundle = solver.solve(clock, eligibility=view.eligibility, budget_usd=budget, min_lots=minimum)
        if bundle is None and minimum is not None:
            bundle = solver.solve(clock, eligibility=view.eligibility, min_lots=minimum)
        if bundle is not None:
            return bundle, False
        bundle = solver.solve(clock, eligibility=view.eligibility, budget_usd=budget)
        assert bundle is not None  # the empty bundle is always feasible without minimums
        return bundle, minimum is not None

    def drop_prices(self, view: BidderView, bundle: Sequence[int]) -> dict[str, int]:
        """Price points for decreases: the price per lot at which the dropped lots stop being worth it.

        That is the average marginal value of the lots dropped, clamped to the
        round's range and rounded down to the price step.
        """
        step = self._scenario().rules.price_step_usd
        prices: dict[str, int] = {}
        for k, (x, q) in enumerate(zip(bundle, view.terms.processed, strict=True)):
            if x < q:
                band = view.bands[k]
                curve = self.solver.curves[k]
                worth = (curve[q] - curve[x]) // (q - x)
                point = worth // step * step
                prices[band.id] = min(band.clock_price, max(band.start_price, point))
        return prices

    def answer(self, view: BidderView, bundle: Sequence[int], penalty: bool = False) -> RoundBids:
        """Bids that move to ``bundle``, with drop price points; the truthful answer if that is not legal."""
        answer = RoundBids(bids_for(view, bundle, self.drop_prices(view, bundle)), penalty)
        if self.is_legal(view, answer):
            return answer
        truthful, take_penalty = self.truthful_bundle(view)
        fallback = RoundBids(bids_for(view, truthful, self.drop_prices(view, truthful)), take_penalty)
        if self.is_legal(view, fallback):
            return fallback
        return RoundBids()
