"""The curve of one band: the fast paths of game.economics.values.band_curve against the plain rules."""

from __future__ import annotations

import math
import random
from typing import Any

from game.economics.values import _Band, band_curve
from game.scenario.schema import Shape
from game.scenario.value_params import BandValueParams


def _band(shape: Shape, growth: tuple[float, ...], **params: Any) -> _Band:
    return _Band(
        id="x",
        params=BandValueParams(shape, 1_000_000, 10.0, **params),
        usd_per_lot=1_000_000.0,
        scale=1.0,
        growth=growth,
        span=1.0,
        mhz=tuple(10.0 * (i + 1) for i in range(len(growth))),
    )


def test_a_curve_that_would_fall_keeps_its_running_maximum() -> None:
    # Free disposal: a lot worth less than the one before (only float rounding does this in real scenarios) is
    # worth what the smaller holding is worth.
    band = _band("concave", (1.0, 3.0, 2.0, 2.5, 4.0))
    assert band_curve(band, scale=1.0, coverage_scale=1.0, threshold_mhz=0.0) == (0, 1_000_000, 3_000_000, 3_000_000, 3_000_000, 4_000_000)
    assert band_curve(band, scale=-1.0, coverage_scale=1.0, threshold_mhz=0.0) == (0, 0, 0, 0, 0, 0)


def test_a_threshold_far_above_the_holding_makes_the_s_curve_exactly_zero() -> None:
    band = _band("threshold", (1.0, 2.0), threshold_mhz=1e6, width_mhz=1.0, below_threshold_percent=50.0)
    with_overflow = band_curve(band, scale=1.0, coverage_scale=1.0, threshold_mhz=1e6)
    assert with_overflow == (0, 500_000, 1_000_000)  # exp overflows: the S-curve is 0, the floor share remains
    above = band_curve(band, scale=1.0, coverage_scale=1.0, threshold_mhz=0.0)
    assert above == (0, math.floor(1e6 * (0.5 + 0.5 / (1.0 + math.exp(-10.0)))), math.floor(2e6 * (0.5 + 0.5 / (1.0 + math.exp(-20.0)))))


def _plain_curve(band: _Band, scale: float, coverage_scale: float, threshold_mhz: float) -> tuple[int, ...]:
    """The rules of docs/VALUES.md lot by lot, in Python floats (what band_curve's numpy pass must equal exactly)."""
    params = band.params
    first_lot = band.usd_per_lot * scale
    floor = params.below_threshold_percent / 100
    values = [0]
    for g, x in zip(band.growth, band.mhz, strict=True):
        value = first_lot * g / band.span
        if params.shape == "threshold":
            try:
                e = math.exp(-(x - threshold_mhz) / params.width_mhz)
            except OverflowError:
                e = math.inf
            value = value * (floor + (1 - floor) * (1.0 / (1.0 + e)))
        elif params.shape == "coverage":
            value = value + params.coverage_usd * coverage_scale
        values.append(max(values[-1], math.floor(value)))
    return tuple(values)


def test_the_numpy_pass_gives_the_plain_rules_numbers() -> None:
    # Many random bands, of every shape, including values beyond int64 (Python's floor then) and S-curves that overflow.
    rng = random.Random(5)
    for case in range(600):
        shape: Shape = ("threshold", "coverage", "concave")[case % 3]
        lots = rng.randint(1, 30)
        ratio = 1.0 - rng.choice([0.0, 2.0, 5.0, 10.0, 60.0]) / 100
        span = 1.0 if ratio == 1.0 else 1 - ratio
        growth = tuple(float(i) if ratio == 1.0 else 1 - ratio ** float(i) for i in range(1, lots + 1))
        lot_mhz, base = rng.choice([5.0, 10.0, 20.0]), rng.choice([0.0, 12.5, 40.0])
        band = _Band(
            id="x",
            params=BandValueParams(
                shape,
                rng.randint(0, 10_000_000),
                0.0,
                coverage_usd=rng.randint(0, 20_000_000),
                threshold_mhz=rng.uniform(0, 200),
                width_mhz=rng.choice([1e-4, 1.0, 15.0]),
                below_threshold_percent=rng.uniform(0, 100),
            ),
            usd_per_lot=rng.uniform(1e5, 1e8) * (1e12 if case % 7 == 0 else 1.0),
            scale=1.0,
            growth=growth,
            span=span,
            mhz=tuple(base + float(i) * lot_mhz for i in range(1, lots + 1)),
        )
        scale, coverage_scale, threshold = rng.lognormvariate(0, 0.5), rng.lognormvariate(0, 0.5), rng.uniform(0, 300)
        assert band_curve(band, scale=scale, coverage_scale=coverage_scale, threshold_mhz=threshold) == _plain_curve(
            band, scale, coverage_scale, threshold
        ), case
