"""The curve of one band: the fast paths of game.economics.values.band_curve against the plain rules."""

from __future__ import annotations

import math
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
