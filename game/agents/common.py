"""What every value-based strategy shares: its truthful demand, price points, and a legality guard.

A strategy reads only its :class:`~game.records.view.BidderView`, its own
:class:`~game.economics.values.Valuation` and the scenario's public facts. Before it
answers it checks its bids with the same rules the engine applies
(:func:`game.engine.rules.check_bids`), so a scripted bidder never makes a bid the
rules refuse. Never imports pygame; never touches engine state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from game.agents.base import Agent, RoundBids
from game.agents.demand import BundleLimits, DemandSolver
from game.economics.values import Valuation
from game.engine.allocation import next_clock_price
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
    """An agent that bids from its own valuation: truthful demand and drop price points.

    Exposure management (``manage_exposure``, on for every value-based
    strategy): a bidder can be made to keep lots, because a decrease is not
    applied below the point where demand equals supply, and then pays for them
    up to the clock price. So it never asks for a bundle that could leave it
    paying more than its budget (:meth:`exposure`): lots it keeps or adds
    counted at the next round's clock prices (every band one increment up:
    it may want to drop them then and be refused), lots it drops where a
    decrease can be refused at this round's clock. A strategy whose shading
    would risk more than that bids its truthful demand instead. The one
    exception is the round-1 obligation, a rule it meets even when its budget
    cannot pay for it (see :meth:`truthful_bundle`).
    """

    manage_exposure: ClassVar[bool] = True

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
        return self.answer(view, self.hold_exposure(view, self.shade(view, bundle), bundle))

    def next_prices(self, prices: Sequence[int]) -> list[int]:
        """Each band's clock one increment above ``prices``: the most a lot demanded now can end up costing."""
        rules = self._scenario().rules
        return [next_clock_price(p, True, rules.increment_bp, rules.price_step_usd) for p in prices]

    def exposure(self, view: BidderView, bundle: Sequence[int], prices: Sequence[int] | None = None) -> int:
        """The most the bidder could end up paying after asking for ``bundle`` this round.

        Lots it keeps or adds may cost up to ``prices`` (default: the next
        clock prices, :meth:`next_prices`): it may want to drop them next round
        and be refused. Lots it asks to drop in a band whose clock is above the
        reserve may be refused now (demand may not fall below supply); a
        refused decrease leaves the band with demand at supply, so its price
        stops rising: those lots cost up to this round's clock price.
        """
        later = self.next_prices(view.terms.clock_prices) if prices is None else prices
        total = 0
        for band, x, q, p in zip(view.bands, view.terms.processed, bundle, later, strict=True):
            total += q * p
            if x > q and band.clock_price > band.reserve_usd:
                total += (x - q) * band.clock_price
        return total

    def hold_exposure(self, view: BidderView, shaded: Sequence[int], truthful: Sequence[int]) -> Sequence[int]:
        """The strategy's ``shaded`` bundle, or its ``truthful`` one if the shading risks more than the budget."""
        if not self.manage_exposure or shaded == truthful:
            return shaded
        risk = self.exposure(view, shaded)
        if risk <= self.valuation.budget_usd or risk <= self.exposure(view, truthful):
            return shaded
        return truthful

    def _within_exposure(
        self, view: BidderView, clock: Sequence[int], bundle: tuple[int, ...], paying: Sequence[int]
    ) -> tuple[int, ...]:
        """The truthful bundle for the largest budget (found by bisection) whose :meth:`exposure` fits the budget.

        Nothing fits when even dropping everything leaves refused decreases
        above the budget; it then drops everything it can.
        """
        budget = self.valuation.budget_usd
        if self.exposure(view, bundle, paying) <= budget:
            return bundle
        best: tuple[int, ...] | None = None
        low, high = 0, budget
        for _ in range(12):
            middle = (low + high) // 2
            found = self.solver.solve(clock, eligibility=view.eligibility, budget_usd=middle, budget_prices=paying)
            if found is not None and self.exposure(view, found, paying) <= budget:
                best, low = found, middle
            else:
                high = middle
        return best if best is not None else (0,) * len(bundle)

    def shade(self, view: BidderView, bundle: tuple[int, ...]) -> Sequence[int]:
        """What the strategy demands instead of its truthful ``bundle`` this round (truthful: the bundle)."""
        return bundle

    def obligation(self, view: BidderView) -> tuple[int, ...] | None:
        if not view.obligation:
            return None
        return tuple(view.obligation.get(b.id, 0) for b in view.bands)

    def truthful_bundle(self, view: BidderView, prices: Sequence[int] | None = None) -> tuple[tuple[int, ...], bool]:
        """The truthful demand at ``prices`` (default: the clock prices), and whether it takes the penalty.

        With ``manage_exposure`` the budget holds at the next clock prices
        (:meth:`next_prices`), so blocked decreases never cost more than it.
        Round-1 obligation: the obligation is a rule, so the bidder meets it
        even when its budget cannot pay for it (it then demands the best
        bundle that meets the obligation ignoring the budget). Only if the
        caps or eligibility make the obligation impossible does it take the
        penalty and bid its unconstrained demand.
        """
        clock = list(prices) if prices is not None else view.terms.clock_prices
        budget = self.valuation.budget_usd
        paying = self.next_prices(clock) if self.manage_exposure else None
        minimum = self.obligation(view)
        solver = self.solver
        bundle = solver.solve(clock, eligibility=view.eligibility, budget_usd=budget, min_lots=minimum, budget_prices=paying)
        if bundle is None and minimum is not None:
            bundle = solver.solve(clock, eligibility=view.eligibility, min_lots=minimum)
        if bundle is not None:
            if paying is not None and view.round > 1 and prices is None:
                bundle = self._within_exposure(view, clock, bundle, paying)
            return bundle, False
        bundle = solver.solve(clock, eligibility=view.eligibility, budget_usd=budget, budget_prices=paying)
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
