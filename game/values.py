"""Private values of bidders: what holding n lots of each band is worth to one operator.

A :class:`Valuation` is private to its bidder: the engine never reads it, an
agent receives only its own, and reports use it after the auction for
welfare and utility. Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Valuation:
    """Additive across bands: value = sum over bands of ``band_values[band][lots]`` (USD)."""

    bidder: str
    band_values: Mapping[str, tuple[int, ...]]
    """Value in USD of holding n lots, n = 0..supply; index 0 is always 0."""
    budget_usd: int

    def value(self, lots: Mapping[str, int]) -> int:
        return sum(self.band_values[band][n] for band, n in lots.items() if n)
