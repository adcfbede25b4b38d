"""The auction behind both environments: seeding, messages, observations, bids and rewards.

One :class:`Episode` is one allocation stage of the real engine
(:class:`~game.engine.allocation.ClockAuction`). Each seat's observation is
built from the ``round`` message the protocol would send it
(:func:`~game.protocol.messages.round_message` of its
:class:`~game.records.view.BidderView`) and its ``start`` message (its own
values and budget), through :class:`~game.rl.encoding.SeatEncoder`. Seeding
follows ``run.py auction --seed S``: the same private values
(:func:`~game.economics.values.draw_valuations`) and the same engine
tie-breaks. Pure numpy: never imports gymnasium, pettingzoo or pygame.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Any

import numpy as np

from game.economics.values import Valuation, draw_valuations
from game.engine.allocation import AllocationOutcome, ClockAuction, RoundResult
from game.engine.rules import RoundTerms
from game.protocol.messages import round_message, start_message
from game.records.view import build_view
from game.rl.encoding import Action, SeatEncoder
from game.scenario import Scenario, load_scenario

_MESSAGE = attrgetter("message")
_RULE = attrgetter("rule")

USD_PER_REWARD = 1_000_000
"""Rewards are utilities in millions of US dollars."""


def scenario_of(scenario: Scenario | str) -> Scenario:
    return load_scenario(scenario) if isinstance(scenario, str) else scenario


class Episode:
    """One auction with an encoder per seat; the environments drive it."""

    def __init__(
        self,
        scenario: Scenario,
        bidders: Sequence[str],
        seed: int,
        *,
        price_points: int = 1,
        encoders: Mapping[str, SeatEncoder] | None = None,
    ) -> None:
        self.scenario = scenario
        self.bidders = tuple(bidders)
        self.seed = seed
        self.auction = ClockAuction(scenario, self.bidders, seed=seed)
        self.auction_id = f"rl-{seed}"
        self.values: dict[str, Valuation] = draw_valuations(scenario, self.bidders, seed)
        self.encoders: dict[str, SeatEncoder] = {}
        for bidder in self.bidders:
            encoder = encoders.get(bidder) if encoders is not None else None
            if encoder is None:
                start = start_message(
                    scenario, auction_id=self.auction_id, bidder=bidder, bidders=list(self.bidders), values=self.values[bidder]
                )
                encoder = SeatEncoder(scenario, start, price_points=price_points)
            else:
                # Kept from an earlier episode (same scenario and seat): only the start message's own values change.
                encoder.set_values(own_values(self.values[bidder]))
            self.encoders[bidder] = encoder
        self._terms: dict[str, RoundTerms] = {}
        self._outcome: AllocationOutcome | None = None

    def observe(self, bidder: str, *, fresh_masks: bool = True) -> dict[str, Any]:
        """The seat's observation: ``{"observation": float32 vector, "action_mask": tuple of int8 arrays}``.

        The vector is :meth:`SeatEncoder.observation` of the seat's ``round``
        message, computed from the view it would be built from
        (:meth:`SeatEncoder.observation_of_view`, the same numbers). Masks
        are the encoder's shared read-only arrays unless ``fresh_masks``.
        """
        encoder = self.encoders[bidder]
        view = build_view(self.auction, bidder)
        terms = view.terms
        self._terms[bidder] = terms
        mask = encoder.empty_mask if view.status != "open" or view.excluded else encoder.action_mask(terms)
        if fresh_masks:
            mask = tuple([m.copy() for m in mask])
        return {"observation": encoder.observation_of_view(view), "action_mask": mask}

    def message(self, bidder: str) -> dict[str, Any]:
        """The seat's ``round`` message now (what an external program would be sent)."""
        return round_message(build_view(self.auction, bidder), auction_id=self.auction_id)

    def submit(self, bidder: str, action: Action) -> dict[str, Any]:
        """Enter the seat's bids for ``action`` (with the encoder's fallback); the info says what happened."""
        encoder = self.encoders[bidder]
        terms = self._terms.get(bidder)
        if terms is None or terms.round != self.auction.round:
            terms = self.auction.terms(bidder)
        want, prices, bids = encoder.requested(action, terms)
        # The engine checks every submission itself: no need to check before it. try_submit is submit returning the
        # refusals instead of raising BidRefused (a refused action is common here, not an error: ~60% of round 1).
        auction = self.auction
        refusals = auction.try_submit(bidder, bids)
        if refusals:
            fallback = True
            # The fallback's quick repair goes straight to the engine, whose check stands in for the one repaired()
            # makes first (one bid check fewer on a fifth of the seat-steps of benchmarks/rl.py); refused, it is
            # not a refusal of the action: repaired() then finds what the engine accepts.
            bundle = encoder.quick_repair(want, terms)
            if auction.try_submit(bidder, encoder.bids(terms, bundle, prices)):
                bids = encoder.repaired(want, terms, prices)
                again = auction.try_submit(bidder, bids)
                if again:  # cannot happen: the fallback's bids passed the same checks; maintain if it does
                    refusals += again
                    bids = {}
                bundle = list(terms.processed)
                index = encoder.band_index
                for bid in bids.values():
                    bundle[index[bid.band]] = bid.lots
            # else accepted: the bids move the processed demand to exactly the quick repair
        else:
            fallback = False
            bundle = want  # accepted as asked: the bids move the processed demand to exactly this
        return {
            "round": terms.round,
            # In C (attrgetter), without a comprehension's frame: every refused action (~60% of round 1).
            "refusals": list(map(_MESSAGE, refusals)) if refusals else [],
            "refused_rules": sorted(set(map(_RULE, refusals))) if refusals else [],
            "fallback": fallback,
            "bid": dict(zip(encoder.band_ids, bundle)),  # noqa: B905 (strict= costs 0.5 us a zip; same length by construction)
        }

    def close_round(self) -> RoundResult:
        result = self.auction.close_round()
        if self.auction.finished:
            self._outcome = self.auction.outcome()
        return result

    def utility_usd(self, bidder: str) -> int:
        """Value of the lots won minus their price and any forfeited deposit (the ``end`` message's utility)."""
        if self.auction.is_excluded(bidder):
            return -self.auction.scenario.rules.deposit_usd
        outcome = self._outcome
        if outcome is None:
            raise RuntimeError("the auction is still open")
        return (
            self.values[bidder].value(outcome.lots[bidder])
            - outcome.payments[bidder]
            - outcome.forfeited_deposits.get(bidder, 0)
        )

    def reward(self, bidder: str) -> float:
        return self.utility_usd(bidder) / USD_PER_REWARD


def own_values(valuation: Valuation) -> dict[str, Any]:
    """The ``values`` part of a ``start`` message (as :func:`start_message` builds it, with the curves as tuples:
    :meth:`SeatEncoder.set_values` only reads them, and copying them into lists cost 3% of a reset)."""
    return {"band_values_usd": valuation.band_values, "budget_usd": valuation.budget_usd}


def unapplied_messages(result: RoundResult, bidder: str) -> list[str]:
    return [u.message for u in result.unapplied if u.bidder == bidder]


SeedSource = np.random.Generator | int | None
"""What an environment keeps between resets to draw the next seed: a generator, the seed of one not made yet, or none."""


def episode_seed(seed: int | None, rng: SeedSource) -> tuple[SeedSource, int]:
    """``reset``'s generator and the episode's auction seed: ``seed`` itself (and a generator seeded with it), or,
    without one, the next draw of the generator kept from earlier episodes.

    The generator seeded with ``seed`` is only made when a reset without a seed needs it (until then the seed
    number stands for it): training resets with a seed every episode, and a generator cost 3.5% of a reset.
    """
    if seed is not None:
        number = operator.index(seed)  # what np.random.default_rng accepts: a float or a string is refused
        if number < 0:
            raise ValueError(f"a seed must be a non-negative integer, got {seed}")
        return number, number
    if rng is None:
        rng = np.random.default_rng()
    elif not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    return rng, int(rng.integers(0, 2**31 - 1))
