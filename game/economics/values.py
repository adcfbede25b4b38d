"""Private values of bidders: what holding n lots of each band is worth to one operator.

A :class:`Valuation` is private to its bidder: the engine never reads it, an
agent receives only its own, and reports use it after the auction for
welfare and utility. :func:`draw_valuations` draws plausible values from the
scenario's optional ``[values]`` section (or built-in defaults) with seeded
noise, so tournaments can play many markets. The model is described for
users in ``docs/VALUES.md``. Never imports pygame; never reads engine state.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from game.engine.streams import stream
from game.scenario import Scenario
from game.scenario.memo import per_scenario
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


@dataclass(frozen=True)
class _Band:
    """One band of one bidder's curve, all but the noise: worked out once per scenario (see :func:`_plans`)."""

    id: str
    params: BandValueParams
    usd_per_lot: float
    """Value of the first lot for an operator of reference size, before appetite and noise."""
    scale: float
    """The bidder's size times its appetite for the band."""
    growth: tuple[float, ...]
    """n = 1..lots: the geometric sum of the marginal values of lots 1..n is ``first_lot * growth[n-1] / span``."""
    span: float
    """1 - ratio of two successive marginal values (1.0 when there is no decay: growth is then n itself)."""
    mhz: tuple[float, ...]
    """n = 1..lots: MHz held with n lots, existing holdings included (where the S-curve of shape 'threshold' is read)."""


def band_curve(band: _Band, *, scale: float, coverage_scale: float, threshold_mhz: float) -> tuple[int, ...]:
    """Value in USD of holding n = 0..lots lots of one band (non-decreasing, index 0 is 0)."""
    # Plain floats lot by lot: for a few dozen lots far cheaper than numpy arrays.
    params = band.params
    first_lot = band.usd_per_lot * scale
    span = band.span
    shape = params.shape
    if shape == "threshold":
        floor = params.below_threshold_percent / 100
        keep = 1 - floor
        width = params.width_mhz
        try:
            # One expression per lot, no intermediate lists: a third of the instructions of a reset were spent here.
            curve = [
                first_lot * g / span * (floor + keep * (1.0 / (1.0 + math.exp(-(x - threshold_mhz) / width))))
                for g, x in zip(band.growth, band.mhz)  # noqa: B905 (same length by construction)
            ]
        except OverflowError:  # some lots so far below the threshold that the S-curve is exactly 0 there
            curve = [
                first_lot * g / span * (floor + keep * (1.0 / (1.0 + _exp_or_inf(-(x - threshold_mhz) / width))))
                for g, x in zip(band.growth, band.mhz)  # noqa: B905
            ]
    elif shape == "coverage":
        bonus = params.coverage_usd * coverage_scale
        curve = [first_lot * g / span + bonus for g in band.growth]
    else:
        curve = [first_lot * g / span for g in band.growth]
    values = [0, *map(math.floor, curve)]
    # Free disposal: holding more never lowers the value (guards float rounding). Checked first, in C: the running
    # maximum, rarely needed, costs a max() call a lot (accumulate(values, max) was 13% of a reset).
    if not all(map(operator.le, values, values[1:])):
        values = list(accumulate(values, max))
    return tuple(values)


def _exp_or_inf(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


@dataclass(frozen=True)
class _Plan:
    """One bidder's part of the value model, all but the noise."""

    bands: tuple[_Band, ...]
    coverage_scale: float
    budget_usd: int
    obligation: tuple[dict[str, int], int] | None
    """Lots per band of the round-1 obligation and their cost at reserve, when values must cover it (else None)."""


def _plans(scenario: Scenario) -> dict[str, _Plan]:
    """Every bidder's :class:`_Plan` (kept per scenario: each auction of an environment or a tournament redrew them)."""
    return per_scenario(scenario, "value plans", _read_plans)


def _read_plans(scenario: Scenario) -> dict[str, _Plan]:
    model = value_model(scenario)
    obligation = scenario.rules.obligation
    plans: dict[str, _Plan] = {}
    for bidder in scenario.bidder_ids:
        profile = model.profiles[bidder]
        holder = scenario.bidder(bidder)
        scale = profile.market_share_percent / model.reference_share_percent
        bands = []
        for band in scenario.bands:
            params = model.bands[band.id]
            lot_mhz = band.lot_tenths / 10
            ratio = 1.0 - params.decay_percent / 100
            if ratio == 1.0:
                growth, span = tuple(float(i) for i in range(1, band.lots + 1)), 1.0  # x / 1.0 is x exactly
            else:
                growth, span = tuple(1 - ratio ** float(i) for i in range(1, band.lots + 1)), 1 - ratio
            base = holder.holding(band.id) / 10
            bands.append(
                _Band(
                    id=band.id,
                    params=params,
                    usd_per_lot=params.usd_per_mhz * lot_mhz,
                    scale=scale * profile.appetite.get(band.id, 1.0),
                    growth=growth,
                    span=span,
                    mhz=tuple(base + float(i) * lot_mhz for i in range(1, band.lots + 1)),
                )
            )
        covered = None
        if model.obligation_worth_reserve and obligation.applies(holder):
            lots = {b: n for b, n in obligation.min_lots.items() if n and b in scenario.band_ids}
            covered = (lots, sum(n * scenario.band(b).reserve_usd for b, n in lots.items()))
        plans[bidder] = _Plan(
            bands=tuple(bands),
            coverage_scale=profile.subscribers_m / model.reference_subscribers_m,
            budget_usd=profile.budget_usd,
            obligation=covered,
        )
    return plans


def _bidder_rng(base: int, bidder: str) -> np.random.Generator:
    # Keyed by the bidder's id, so its values do not depend on who else takes part; a one-way stream,
    # so nothing an agent is handed (its own generator is another stream of the same seed) leads here.
    return stream(base, f"values:{bidder}")


def draw_valuation(model: ValueModel, plan: _Plan, bidder: str, rng: np.random.Generator) -> Valuation:
    """One bidder's valuation drawn from its own generator."""
    sigma = model.noise_percent / 100
    sigma_t = model.threshold_noise_percent / 100
    sigma_b = model.budget_noise_percent / 100
    # Draw a fixed number of normals in a fixed order, whatever the parameters.
    z = rng.standard_normal((len(plan.bands), 2)).tolist()  # Python floats: the same numbers, cheaper to read
    z_budget = float(rng.standard_normal())
    curves: dict[str, tuple[int, ...]] = {}
    for band, (z_value, z_threshold) in zip(plan.bands, z):  # noqa: B905 (one row a band)
        noise = math.exp(sigma * z_value - sigma * sigma / 2)
        curves[band.id] = band_curve(
            band,
            scale=band.scale * noise,
            coverage_scale=plan.coverage_scale * noise,
            threshold_mhz=band.params.threshold_mhz * math.exp(sigma_t * z_threshold - sigma_t * sigma_t / 2),
        )
    if plan.obligation is not None:
        _cover_obligation(curves, *plan.obligation)
    budget = int(plan.budget_usd * math.exp(sigma_b * z_budget - sigma_b * sigma_b / 2))
    return Valuation(bidder=bidder, band_values=curves, budget_usd=budget)


def _cover_obligation(curves: dict[str, tuple[int, ...]], lots: Mapping[str, int], cost: int) -> None:
    """Scale the obligation's bands up, if need be, so that its bundle is worth its cost at reserve.

    An operator qualified knowing the round-1 obligation; one whose values
    made the obligation a loss at reserve would not have put down its deposit.
    """
    worth = sum(curves[b][min(n, len(curves[b]) - 1)] for b, n in lots.items())
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
    plans = _plans(scenario)
    return {b: draw_valuation(model, plans[b], b, _bidder_rng(base, b)) for b in bidders}
