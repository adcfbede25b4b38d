"""The agent interface: a bidder's view in, that bidder's bids out.

An agent sees only the :class:`~game.records.view.BidderView` the engine builds for
its own bidder and its own :class:`~game.economics.values.Valuation`; it never sees the
auction object, another bidder's values or bids, and cannot change engine
state. Never imports pygame.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from game.economics.values import Valuation
from game.engine.rules import Bid
from game.records.view import BidderView
from game.scenario import Scenario


@dataclass(frozen=True)
class RoundBids:
    """An agent's answer for one round: bids per band (unnamed bands are maintained)."""

    bids: Mapping[str, Bid] = field(default_factory=dict)
    accept_penalty: bool = False
    """Confirm a round-1 bid below the obligation, taking the penalty."""


class Agent(ABC):
    """A scripted bidder. Subclasses set ``strategy`` and implement :meth:`bid`.

    ``scenario`` holds the auction's public static facts (bands, caps,
    rules); :func:`game.agents.registry.make_agent` sets it.
    """

    strategy: ClassVar[str] = "agent"

    def __init__(
        self, bidder: str, values: Valuation | None, rng: np.random.Generator, scenario: Scenario | None = None
    ) -> None:
        self.bidder = bidder
        self.values = values
        self.rng = rng
        self.scenario = scenario

    @abstractmethod
    def bid(self, view: BidderView) -> RoundBids:
        """This round's bids, given this bidder's view at the start of the round."""
