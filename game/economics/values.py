"""Private values of bidders: what holding n lots of each band is worth to one operator.

A :class:`Valuation` is private to its bidder: the engine never reads it, an
agent receives only its own, and reports use it after the auction for
welfare and utility. :func:`draw_valuations` draws plausible values from the
scenario's optional ``[values]`` section (or built-in defaults) with seeded
noise, so tournaments can play many markets. The model is described for
users in ``docs/VALUES.md``. Never imports pygame; never reads engine state.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from game.engine.streams import stream
from game.scenario import Scenario
from game.scenario.value_params import BandValueParams, ValueModel, value_model


@dataclass(frozen=True)
class Valuation:
    """Additive across bands: value = sum over bands of ``band_values[band][lots]`` (USD)."""

    bidder: str
    band_values: Mapping[str, tuple[int, ...]]
    """Value in USD of holding n lots, n = 0..supply; index 0 is always 0."""
    budget_usd: int

    def value(self, lots: Mapping[str, int]) -> int:
        return sum(self.band_values[band][n] for band, n in lots.items() if n)


# ---------------------------------------------------------------- curves


def band_curve(
    params: BandValueParams,
    *,
    lots: int,
    lot_tenths: int,
    holding_tenths: int,
    scale: float,
    coverage_scale: float,
    threshold_mhz: float,
) -> tuple[int, ...]:
    """Value in USD of holding n = 0..lots lots of one band (non-decreasing, index 0 is 0)."""
    # Plain floats lot by lot: for a few dozen lots far cheaper than numpy arrays.
    lot_mhz = lot_tenths / 10
    ratio = 1.0 - params.decay_percent / 100
    first_lot = params.usd_per_mhz * lot_mhz * scale
    shape = params.shape
    base = holding_tenths / 10
    width = params.width_mhz
    floor = params.below_threshold_percent / 100
    keep = 1 - floor
    bonus = params.coverage_usd * coverage_scale
    # Value of n lots before the shape is applied: the geometric sum of the marginal values of lots 1..n.
    if ratio == 1.0:
        plain = [first_lot * float(i) for i in range(1, lots + 1)]
    else:
        span = 1 - ratio
        plain = [first_lot * g / span for g in _geometric(ratio, lots)]
    if shape == "threshold":
        curve = []
        for i, v in enumerate(plain, 1):
            try:
                far_below = math.exp(-(base + float(i) * lot_mhz - threshold_mhz) / width)
            except OverflowError:  # so far below the threshold that the S-curve is exactly 0
                far_below = math.inf
            curve.append(v * (floor + keep * (1.0 / (1.0 + far_below))))
    elif shape == "coverage":
        curve = [v + bonus for v in plain]
    else:
        curve = plain
    # Free disposal: holding more never lowers the value (guards float rounding).
    values = [0]
    top = 0
    for v in curve:
        whole = math.floor(v)
        if whole > top:
            top = whole
        values.append(top)
    return tuple(values)


@functools.lru_cache(maxsize=256)
def _geometric(ratio: float, lots: int) -> tuple[float, ...]:
    """1 - ratio**n for n = 1..lots: the part of the geometric sum every bidder's curve of a band shares."""
    return tuple(1 - ratio ** float(i) for i in range(1, lots + 1))


def _bidder_rng(base: int, bidder: str) -> np.random.Generator:
    # Keyed by the bidder's id, so its values do not depend on who else takes part; a one-way stream,
    # so nothing an agent is handed (its own generator is another stream of the same seed) leads here.
    return stream(base, f"values:{bidder}")


def draw_valuation(scenario: Scenario, model: ValueModel, bidder: str, rng: np.random.Generator) -> Valuation:
    """One bidder's valuation drawn from its own generator."""
    profile = model.profiles[bidder]
    holder = scenario.bidder(bidder)
    scale = profile.market_share_percent / model.reference_share_percent
    coverage_scale = profile.subscribers_m / model.reference_subscribers_m
    sigma = model.noise_percent / 100
    sigma_t = model.threshold_noise_percent / 100
    sigma_b = model.budget_noise_percent / 100
    # Draw a fixed number of normals in a fixed order, whatever the parameters.
    z = rng.standard_normal((len(scenario.bands), 2))
    z_budget = float(rng.standard_normal())
    curves: dict[str, tuple[int, ...]] = {}
    for k, band in enumerate(scenario.bands):
        params = model.bands[band.id]
        noise = math.exp(sigma * float(z[k, 0]) - sigma * sigma / 2)
        curves[band.id] = band_curve(
            params,
            lots=band.lots,
            lot_tenths=band.lot_tenths,
            holding_tenths=holder.holding(band.id),
            scale=scale * profile.appetite.get(band.id, 1.0) * noise,
            coverage_scale=coverage_scale * noise,
            threshold_mhz=params.threshold_mhz * math.exp(sigma_t * float(z[k, 1]) - sigma_t * sigma_t / 2),
        )
    if model.obligation_worth_reserve and scenario.rules.obligation.applies(holder):
        _cover_obligation(scenario, curves, scenario.rules.obligation.min_lots)
    budget = int(profile.budget_usd * math.exp(sigma_b * z_budget - sigma_b * sigma_b / 2))
    return Valuation(bidder=bidder, band_values=curves, budget_usd=budget)


def _cover_obligation(scenario: Scenario, curves: dict[str, tuple[int, ...]], min_lots: Mapping[str, int]) -> None:
    """Scale the obligation's bands up, if need be, so that its bundle is worth its cost at reserve.

    An operator qualified knowing the round-1 obligation; one whose values
    made the obligation a loss at reserve would not have put down its deposit.
    """
    lots = {b: n for b, n in min_lots.items() if n and b in curves}
    worth = sum(curves[b][min(n, len(curves[b]) - 1)] for b, n in lots.items())
    cost = sum(n * scenario.band(b).reserve_usd for b, n in lots.items())
    if not lots or worth >= cost:
        return
    factor = cost / worth if worth > 0 else 1.0
    for band_id in lots:
        # Multiplying a non-decreasing curve by the same factor keeps it non-decreasing; round up to cover.
        curves[band_id] = tuple(math.ceil(v * factor) for v in curves[band_id])


def draw_valuations(
    scenario: Scenario, bidders: Sequence[str], seed: int | np.random.Generator
) -> dict[str, Valuation]:
    """Seeded private values for ``bidders``.

    The same seed gives the same values; a bidder's values do not depend on
    which other bidders take part. A Generator is advanced by exactly one draw.
    """
    unknown = [b for b in bidders if b not in scenario.bidder_ids]
    if unknown:
        raise ValueError(f"unknown bidder(s) {', '.join(unknown)}; scenario {scenario.id} has: {', '.join(scenario.bidder_ids)}")
    if isinstance(seed, np.random.Generator):
        base = int(seed.integers(0, 2**63 - 1))
    else:
        base = int(seed) & (2**64 - 1)  # SeedSequence wants a non-negative entropy
    model = value_model(scenario)
    return {b: draw_valuation(scenario, model, b, _bidder_rng(base, b)) for b in bidders}
