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
    """Value in USD of holding n = 0..lots lots of one band (non-decreasing, index 0 is 0).

    :func:`draw_valuations` works out the curves of all its bands at once (:func:`_curves`); this is one of them.
    """
    noise = _Noise(
        first_lots=[band.usd_per_lot * scale],
        thresholds=[threshold_mhz],
        bonuses=[band.params.coverage_usd * coverage_scale],
    )
    return _curves(_lay_out((band,)), noise)[0]


@dataclass(frozen=True)
class _Layout:
    """The lots of some bands (of one or more bidders) laid end to end, so that their curves are worked out in one
    pass of numpy (see :func:`_curves`); the threshold bands first, then the coverage bands, then the others."""

    bounds: tuple[tuple[int, int], ...]
    """Per band, in the order given: its lots' slots (start, stop)."""
    band_of: np.ndarray
    """Per slot: the band's place in the order given. The last slot is no lot: its growth is 0, its value 0."""
    growth: np.ndarray
    span: np.ndarray
    before: np.ndarray
    """Per slot: the slot of the lot before it in its band, the last slot for a band's first lot (and itself)."""
    curves: np.ndarray
    """The slots of the curves, one after the other in the order given, each the last slot (0) and its lots."""
    pieces: tuple[slice, ...]
    """Per band, in the order given: its curve's place in ``curves``."""
    most: float
    """The largest growth / span of a lot: the first lot times it bounds the band's values (S-curve at most 1)."""
    thresholds: int
    """Slots [0, thresholds) are the threshold bands' lots; slots [thresholds, covered) the coverage bands'."""
    covered: int
    mhz: np.ndarray
    """Per threshold slot: the MHz held, the S-curve's width, the share a holding far below it keeps and the rest."""
    width: np.ndarray
    floor: np.ndarray
    keep: np.ndarray


def _lay_out(bands: Sequence[_Band]) -> _Layout:
    order = sorted(range(len(bands)), key=lambda k: _REGION[bands[k].params.shape])
    bounds: list[tuple[int, int]] = [(0, 0)] * len(bands)
    band_of: list[int] = []
    thresholds = covered = 0
    for k in order:
        band = bands[k]
        bounds[k] = (len(band_of), len(band_of) + len(band.growth))
        band_of += [k] * len(band.growth)
        if band.params.shape == "threshold":
            thresholds = len(band_of)
        if band.params.shape != "concave":
            covered = len(band_of)
    before = [i - 1 if i > bounds[k][0] else len(band_of) for i, k in enumerate(band_of)]
    floor = [bands[k].params.below_threshold_percent / 100 for k in band_of[:thresholds]]
    curves = [i for start, stop in bounds for i in (len(band_of), *range(start, stop))]
    ends = list(accumulate(stop - start + 1 for start, stop in bounds))

    def floats(values: Sequence[float]) -> np.ndarray:
        array = np.array(values, dtype=np.float64)
        array.flags.writeable = False  # shared by every draw of the scenario
        return array

    return _Layout(
        bounds=tuple(bounds),
        band_of=np.array([*band_of, 0], dtype=np.intp),
        growth=floats([*(g for k in order for g in bands[k].growth), 0.0]),
        span=floats([*(bands[k].span for k in band_of), 1.0]),
        before=np.array([*before, len(band_of)], dtype=np.intp),
        curves=np.array(curves, dtype=np.intp),
        pieces=tuple(slice(end - stop + start - 1, end) for end, (start, stop) in zip(ends, bounds, strict=True)),
        most=max((g / band.span for band in bands for g in band.growth), default=0.0),
        thresholds=thresholds,
        covered=covered,
        mhz=floats([x for k in order if bands[k].params.shape == "threshold" for x in bands[k].mhz]),
        width=floats([bands[k].params.width_mhz for k in band_of[:thresholds]]),
        floor=floats(floor),
        keep=floats([1 - f for f in floor]),
    )


_REGION = {"threshold": 0, "coverage": 1, "concave": 2}


@dataclass(frozen=True)
class _Noise:
    """Per band of a layout, in its order: the value of the first lot, the S-curve's centre (MHz) and the coverage bonus."""

    first_lots: list[float]
    thresholds: list[float]
    bonuses: list[float]


def _curves(layout: _Layout, noise: _Noise) -> list[tuple[int, ...]]:
    """Every band's curve (as :func:`band_curve` describes it), in the layout's band order.

    Per lot: ``first_lot * growth / span``, times ``floor + keep / (1 + exp(-(mhz - threshold) / width))`` for a
    threshold band, plus the bonus for a coverage band. numpy's float64 arithmetic is IEEE's, as Python's: the same
    operations in the same order give the same numbers (a * b == b * a, a + b == b + a exactly); only the exp is
    Python's math.exp, whose last bit numpy's may not share. One pass for all the bands of all the bidders: lot by lot
    in Python, the curves were a third of a reset of the learning environment.
    """
    if not layout.bounds:
        return []
    value = np.array(noise.first_lots).take(layout.band_of)
    value *= layout.growth
    value /= layout.span
    thresholds = layout.thresholds
    if thresholds:
        # -(mhz - threshold) as threshold - mhz: the same number (rounding to nearest is symmetric), one step fewer.
        x = np.array(noise.thresholds).take(layout.band_of[:thresholds])
        x -= layout.mhz
        x /= layout.width
        exponents = x.tolist()
        try:  # fromiter: np.array of a list costs twice as much
            s_curve = np.fromiter(map(math.exp, exponents), np.float64, thresholds)
        except OverflowError:  # some lots so far below the threshold that the S-curve is exactly 0 there
            s_curve = np.fromiter(map(_exp_or_inf, exponents), np.float64, thresholds)
        s_curve += 1.0
        np.divide(1.0, s_curve, out=s_curve)
        s_curve *= layout.keep
        s_curve += layout.floor
        value[:thresholds] *= s_curve
    if layout.covered > thresholds:
        value[thresholds : layout.covered] += np.array(noise.bonuses).take(layout.band_of[thresholds : layout.covered])
    # Free disposal: holding more never lowers the value (guards float rounding). Checked for every lot at once: each
    # against the one before it, the first of a band against the layout's last slot, which holds 0 (a NaN fails).
    # Then the values, at least 0 and below 2**62 (bounded by the largest first lot and bonus), are floored by int64's
    # truncation: numpy's astype and tolist, a third of the instructions of Python's floor lot by lot.
    if (
        np.greater_equal(value, value.take(layout.before)).all()
        and max(max(noise.first_lots), 0.0) * layout.most + max(noise.bonuses) < 2.0**62
    ):
        whole = value.take(layout.curves).astype(np.int64).tolist()
        return list(map(tuple, map(whole.__getitem__, layout.pieces)))
    # A curve that would fall keeps its running maximum (only float rounding does this, if ever); values beyond
    # int64, or not numbers: Python's floor, as lot by lot (and its errors).
    lots = value.tolist()
    curves: list[tuple[int, ...]] = []
    for start, stop in layout.bounds:
        values = [0, *map(math.floor, lots[start:stop])]
        if not all(map(operator.le, values, values[1:])):
            values = list(accumulate(values, max))
        curves.append(tuple(values))
    return curves


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


def _layout(scenario: Scenario, bidders: tuple[str, ...]) -> _Layout:
    """The bands of ``bidders``' plans laid out one after the other (kept per scenario and bidders)."""
    plans = _plans(scenario)
    return per_scenario(
        scenario, "value layout:" + ",".join(bidders), lambda _: _lay_out([band for b in bidders for band in plans[b].bands])
    )


def _draw(model: ValueModel, plans: Sequence[_Plan], rngs: Sequence[np.random.Generator]) -> tuple[_Noise, list[int]]:
    """Each bidder's noise (drawn from its own generator) on its bands, and its budget."""
    sigma = model.noise_percent / 100
    sigma_t = model.threshold_noise_percent / 100
    sigma_b = model.budget_noise_percent / 100
    noise = _Noise([], [], [])
    budgets = []
    for plan, rng in zip(plans, rngs):  # noqa: B905 (one generator a bidder)
        # A fixed number of normals in a fixed order, whatever the parameters: two a band (value, threshold), then
        # the budget's. One call for all (the same numbers as one call per row, in the same order), as Python floats.
        z = rng.standard_normal(2 * len(plan.bands) + 1).tolist()
        for k, band in enumerate(plan.bands):
            z_value, z_threshold = z[2 * k], z[2 * k + 1]
            factor = math.exp(sigma * z_value - sigma * sigma / 2)
            noise.first_lots.append(band.usd_per_lot * (band.scale * factor))
            noise.thresholds.append(band.params.threshold_mhz * math.exp(sigma_t * z_threshold - sigma_t * sigma_t / 2))
            noise.bonuses.append(band.params.coverage_usd * (plan.coverage_scale * factor))
        budgets.append(int(plan.budget_usd * math.exp(sigma_b * z[-1] - sigma_b * sigma_b / 2)))
    return noise, budgets


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
    ids = tuple(bidders)
    plans = _plans(scenario)
    chosen = [plans[b] for b in ids]
    noise, budgets = _draw(model, chosen, [_bidder_rng(base, b) for b in ids])
    curves = iter(_curves(_layout(scenario, ids), noise))
    valuations = {}
    for bidder, plan, budget in zip(ids, chosen, budgets):  # noqa: B905 (one plan and budget a bidder)
        bands = {band.id: next(curves) for band in plan.bands}
        if plan.obligation is not None:
            _cover_obligation(bands, *plan.obligation)
        valuations[bidder] = Valuation(bidder=bidder, band_values=bands, budget_usd=budget)
    return valuations
