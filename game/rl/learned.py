"""A trained bidding policy, and the ``learned`` strategy that plays it.

:class:`LinearBidPolicy` is a linear scoring policy: for each band ``k`` and
each lot count ``q`` its mask allows, it scores ``theta . phi(k, q)`` from
the observation alone (value of ``q`` lots, their cost at the clock price,
share of the budget, whether ``q`` is what the seat holds, last round's
excess demand, ...; see :data:`FEATURES`) and demands the best-scoring
count in each band; the encoder's fallback then keeps the bundle within the
joint limits. ``theta`` is what ``examples/learn_bidder.py`` learns.

:class:`LearnedAgent` (strategy ``learned``) plays the shipped policy
``assets/policies/learned.npz`` in tournaments, on the command line and in
the desktop game; :func:`learned_strategy` makes a strategy class for another
policy file (register it, or put it in an ``--agent-module``). The agent
builds its observation from the ``start`` and ``round`` messages of the
bidder protocol, exactly as the environments do. numpy only: never imports
gymnasium, pettingzoo or pygame.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np

from game.agents.base import Agent, RoundBids
from game.economics.values import Valuation
from game.protocol.messages import round_message, start_message
from game.records.view import BidderView
from game.rl.encoding import SeatEncoder
from game.scenario import Scenario

POLICY_DIR = Path(__file__).resolve().parent.parent.parent / "assets" / "policies"
DEFAULT_POLICY = POLICY_DIR / "learned.npz"

FEATURES = (
    "value of q lots / (supply x reserve)",
    "cost of q lots at the clock price / (supply x reserve)",
    "q / supply",
    "q is the processed demand (1/0)",
    "q / supply x last round's excess demand (1/0)",
    "cost of q lots at the clock price / budget",
    "q / supply x round / 10",
    "(value - cost of q lots) / value of all lots (0 if none)",
)


class PolicyError(ValueError):
    """A policy file that cannot be read or does not fit (the message names the file and the problem)."""


class LinearBidPolicy:
    """``theta`` (one weight per :data:`FEATURES` entry) scoring each band's lot counts; see the module doc."""

    def __init__(self, theta: np.ndarray) -> None:
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (len(FEATURES),) or not np.all(np.isfinite(theta)):
            raise PolicyError(f"policy weights must be {len(FEATURES)} finite numbers, got shape {theta.shape}")
        self.theta = theta

    @classmethod
    def load(cls, path: str | Path) -> LinearBidPolicy:
        try:
            with np.load(path, allow_pickle=False) as data:
                theta = data["theta"]
                names = tuple(str(x) for x in data["features"]) if "features" in data else FEATURES
        except (OSError, KeyError, ValueError) as exc:
            raise PolicyError(f"policy file {path}: cannot read it: {exc}") from None
        if names != FEATURES:
            raise PolicyError(f"policy file {path}: made for other features ({len(names)}), this version has {len(FEATURES)}")
        try:
            return cls(theta)
        except PolicyError as exc:
            raise PolicyError(f"policy file {path}: {exc}") from None

    def save(self, path: str | Path) -> None:
        np.savez(path, theta=self.theta, features=np.array(FEATURES))

    @staticmethod
    def features(encoder: SeatEncoder, observation: np.ndarray, k: int) -> np.ndarray:
        """phi(k, q) for q = 0..supply of band k: one row per lot count, one column per :data:`FEATURES` entry."""
        n = encoder.n_bands
        supply = encoder.supply[k]
        q = np.arange(supply + 1, dtype=float)
        per = encoder.per_band
        clock = float(observation[n + k])  # clock / reserve
        processed = round(float(observation[2 * n + k]) * supply)
        excess = max(0.0, float(observation[4 * n + k]))
        round_part = float(observation[per * n + 5]) * encoder.max_rounds / 10
        start = encoder.values_start + encoder.value_offsets[k]
        value = observation[start:start + supply + 1].astype(float)  # value / reserve
        cost = q * clock
        reserve = float(encoder.reserve[k])
        budget = encoder.budget_usd
        top = value[-1] if value[-1] > 0 else 1.0
        phi = np.empty((supply + 1, len(FEATURES)))
        phi[:, 0] = value / supply
        phi[:, 1] = cost / supply
        phi[:, 2] = q / supply
        phi[:, 3] = q == processed
        phi[:, 4] = q / supply * excess
        phi[:, 5] = cost * reserve / budget if budget > 0 else 0.0
        phi[:, 6] = q / supply * round_part
        phi[:, 7] = (value - cost) / top
        return phi

    def act(self, encoder: SeatEncoder, observation: np.ndarray, mask: tuple[np.ndarray, ...]) -> np.ndarray:
        """Lots per band (and the clock price for every change): the best-scoring allowed count of each band."""
        action = np.zeros(len(encoder.nvec), dtype=np.int64)
        if encoder.price_points > 1:
            action[encoder.n_bands:] = encoder.price_points - 1
        for k in range(encoder.n_bands):
            allowed = np.flatnonzero(mask[k])
            if len(allowed) == 0:
                continue
            scores = self.features(encoder, observation, k)[allowed] @ self.theta
            action[k] = allowed[int(np.argmax(scores))]  # ties: the fewest lots
        return action


_POLICIES: dict[str, LinearBidPolicy] = {}


def policy_at(path: str | Path) -> LinearBidPolicy:
    """The policy in ``path``, read once per process."""
    key = str(Path(path).resolve())
    policy = _POLICIES.get(key)
    if policy is None:
        policy = _POLICIES[key] = LinearBidPolicy.load(path)
    return policy


class LearnedAgent(Agent):
    """The ``learned`` strategy: the policy in ``policy_path`` (default: the shipped one) bidding from the protocol's messages."""

    strategy = "learned"
    policy_path: ClassVar[str | Path] = DEFAULT_POLICY

    def __init__(
        self, bidder: str, values: Valuation | None, rng: np.random.Generator, scenario: Scenario | None = None
    ) -> None:
        if values is None:
            raise ValueError(f"strategy {self.strategy!r} needs {bidder}'s values")
        super().__init__(bidder, values, rng, scenario)
        self.valuation: Valuation = values
        self.policy = policy_at(self.policy_path)
        self._encoder: SeatEncoder | None = None

    def _encoder_for(self) -> SeatEncoder:
        if self._encoder is None:
            if self.scenario is None:
                raise RuntimeError(f"{type(self).__name__} for {self.bidder} needs the scenario; build it with make_agent")
            start = start_message(self.scenario, auction_id="learned", bidder=self.bidder, bidders=[self.bidder], values=self.valuation)
            self._encoder = SeatEncoder(self.scenario, start)
        return self._encoder

    def bid(self, view: BidderView) -> RoundBids:
        if view.excluded or view.status != "open":
            return RoundBids()
        encoder = self._encoder_for()
        message = round_message(view, auction_id="learned")
        terms = encoder.terms(message)
        action = self.policy.act(encoder, encoder.observation(message), encoder.action_mask(terms))
        bids, _, _ = encoder.decide(action, terms)
        return RoundBids(bids)


def learned_strategy(name: str, path: str | Path) -> type[LearnedAgent]:
    """A strategy class named ``name`` that plays the policy in ``path`` (checked now: a bad file fails here)."""
    policy_at(path)
    return type(f"Learned_{name}", (LearnedAgent,), {"strategy": name, "policy_path": Path(path), "__module__": __name__})
