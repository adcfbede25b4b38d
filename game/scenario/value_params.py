"""The scenario's ``[values]`` section: parameters of the private-value model, built from its validated model.

Data only: the model that draws values from these parameters is
:mod:`game.economics.values`. Never imports pygame.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import get_args

from game.scenario.checked import key_text
from game.scenario.memo import per_scenario
from game.scenario.model import Band, Problems, Scenario
from game.scenario.schema import BandValues, Market, Profile, Shape, Values

SHAPES: tuple[Shape, ...] = get_args(Shape)

# ---------------------------------------------------------------- model parameters


@dataclass(frozen=True)
class BandValueParams:
    """How one band is valued by an operator of reference size (see docs/VALUES.md)."""

    shape: Shape
    usd_per_mhz: int
    """Value of the first MHz (both halves of paired spectrum counted)."""
    decay_percent: float
    """Each further lot is worth this much less than the one before (diminishing marginal value)."""
    coverage_usd: int = 0
    """Shape 'coverage': extra value of holding any of the band at all (national coverage)."""
    threshold_mhz: float = 0.0
    """Shape 'threshold': centre of the S-curve, in MHz held in the band (existing holdings included)."""
    width_mhz: float = 1.0
    """Shape 'threshold': how sharp the S-curve is (MHz for one logistic unit)."""
    below_threshold_percent: float = 100.0
    """Shape 'threshold': share of the plain value that a holding far below the threshold keeps."""


@dataclass(frozen=True)
class ProfileParams:
    """An operator's profile: size, appetite per band and budget."""

    market_share_percent: float
    subscribers_m: float
    budget_usd: int
    appetite: Mapping[str, float]
    """Multiplier per band id on the band's value (1 when not named)."""


@dataclass(frozen=True)
class ValueModel:
    reference_share_percent: float
    reference_subscribers_m: float
    noise_percent: float
    """Standard deviation of the log-normal noise on each bidder's per-band value scale."""
    threshold_noise_percent: float
    budget_noise_percent: float
    default_budget_usd: int
    bands: Mapping[str, BandValueParams]
    profiles: Mapping[str, ProfileParams]
    obligation_worth_reserve: bool = False
    """A bidder under the round-1 obligation values the obligation's bundle at least at its reserve cost."""


# Defaults for the Pakistan 2026 bands, used for any band the scenario's
# [values] section does not describe: the calibrated market of docs/VALUES.md.
# 1800/2100 MHz are worth less than their reserve to most operators; 2600/3500
# MHz about 1-1.5 times their reserve per lot over the first 50-70 MHz, on soft
# S-curves (50-60 MHz keeps most of its value); 700 MHz is worth one coverage
# lot, a second one sometimes; 2300 MHz about its reserve.
BUILTIN_BANDS: Mapping[str, BandValueParams] = {
    "700": BandValueParams("coverage", 3_000_000, 10.0, coverage_usd=8_000_000),
    "1800": BandValueParams("concave", 5_000_000, 10.0),
    "2100": BandValueParams("concave", 5_500_000, 10.0),
    "2300": BandValueParams("threshold", 1_050_000, 2.0, threshold_mhz=30, width_mhz=10, below_threshold_percent=50),
    "2600": BandValueParams("threshold", 1_750_000, 5.0, threshold_mhz=30, width_mhz=12, below_threshold_percent=70),
    "3500": BandValueParams("threshold", 1_050_000, 6.0, threshold_mhz=30, width_mhz=15, below_threshold_percent=70),
}


def _generic_band(band: Band) -> BandValueParams:
    # A band nobody described: worth about its reserve per MHz at the first lot, gently concave.
    per_mhz = band.reserve_usd * 10 // max(1, band.lot_tenths)
    return BandValueParams("concave", per_mhz, 10.0)


# ---------------------------------------------------------------- named markets

DEFAULT_MARKET: str = Values.model_fields["default_market"].default
"""Name of the market that ``[values]`` itself describes, unless ``values.default_market`` names it otherwise."""


class UnknownMarket(ValueError):
    """A market name the scenario does not define; the message lists the ones it does."""


def merge_market(values: Values, name: str, market: Market) -> Values:
    """The ``[values]`` section of market ``name``: ``values`` with the market's changes laid over it, and no other market.

    A change names only what it changes: a band's or a profile's other numbers
    stay those of ``values`` (a band ``values`` does not describe takes the
    change alone, which must then be a whole band); appetites merge band by band.
    """
    top = market.model_dump(exclude_unset=True, exclude={"bands", "profiles", "notes"})
    bands = dict(values.bands)
    for band_id, change in market.bands.items():
        update = change.model_dump(exclude_unset=True, exclude={"notes"})
        base = bands.get(band_id)
        bands[band_id] = base.model_copy(update=update) if base is not None else BandValues.model_validate(update)
    profiles = dict(values.profiles)
    for bidder_id, pchange in market.profiles.items():
        update = pchange.model_dump(exclude_unset=True, exclude={"notes", "appetite"})
        profile = profiles.get(bidder_id, Profile())
        update["appetite"] = {**profile.appetite, **(pchange.appetite or {})}
        profiles[bidder_id] = profile.model_copy(update=update)
    return values.model_copy(update={**top, "bands": bands, "profiles": profiles, "markets": {}, "default_market": name})


def _check_section(r: Problems, values: Values, path: str) -> None:
    for band_id, band in values.bands.items():
        if band.shape == "threshold" and band.threshold_mhz is None:
            r.add(f"{path}.bands.{key_text(band_id)}.threshold_mhz", "missing (needed by shape 'threshold')")


def check_values(r: Problems, values: Values | None) -> None:
    """What the schema of ``[values]`` cannot say, for :func:`game.scenario.parse_scenario`: problems added to ``r``.

    A threshold band needs its threshold; a named market must not take the
    name of the market ``[values]`` describes, and ``[values]`` with the
    market's changes must be whole (its problems are told at the market's own
    key paths).
    """
    if values is None:
        return
    _check_section(r, values, "values")
    required = [n for n, f in BandValues.model_fields.items() if f.is_required()]
    for name, market in values.markets.items():
        path = f"values.markets.{key_text(name)}"
        if name == values.default_market:
            r.add(path, f"{name!r} is the market [values] itself describes (values.default_market); pick another name")
            continue
        told = f"(in market {name!r}: [values] with this market's overrides)"
        whole = True
        for band_id, change in market.bands.items():
            if band_id not in values.bands:
                for key in required:
                    if key not in change.model_fields_set:
                        r.add(f"{path}.bands.{key_text(band_id)}.{key}", f"missing {told}")
                        whole = False
        if whole:
            inner = Problems()
            _check_section(inner, merge_market(values, name, market), "values")
            for problem in inner:
                where, _, what = problem.partition(": ")
                r.add(path + where.removeprefix("values"), f"{what} {told}")


_NO_VALUES = Values()
"""The section of a scenario without ``[values]``: every default."""


def _values(scenario: Scenario) -> Values:
    f = scenario.file
    return f.values if f is not None and f.values is not None else _NO_VALUES


def default_market(scenario: Scenario) -> str:
    """The name of the market the scenario's ``[values]`` section describes (``"calibrated"`` unless it says)."""
    return _values(scenario).default_market


def market_names(scenario: Scenario) -> tuple[str, ...]:
    """Markets the scenario offers, its default first, then ``[values.markets.NAME]`` in file order."""
    v = _values(scenario)
    return (v.default_market, *(m for m in v.markets if m != v.default_market))


def with_market(scenario: Scenario, market: str | None) -> Scenario:
    """The scenario whose ``[values]`` section is market ``market`` (None or the default: the scenario itself).

    A market changes only private values and budgets, never the rules, so the
    scenario keeps its id and file hash; :func:`default_market` of the result
    names the market, and the result offers no other market.
    Raises :class:`UnknownMarket` for a name the scenario does not define.
    """
    if market is None or market == default_market(scenario):
        return scenario
    values = _values(scenario)
    if market not in values.markets or scenario.file is None:
        raise UnknownMarket(
            f"unknown market {market!r}; scenario {scenario.id} offers: {', '.join(market_names(scenario))}"
        )
    merged = merge_market(values, market, values.markets[market])
    return dataclasses.replace(scenario, file=scenario.file.model_copy(update={"values": merged}))


def value_model(scenario: Scenario) -> ValueModel:
    """The scenario's value model: its ``[values]`` section over the built-in defaults (cached, read-only).

    Kept per scenario object: every auction of a tournament or benchmark draws values from the same scenario, and
    re-reading its [values] section each time cost as much as drawing the values.
    """
    return per_scenario(scenario, "value model", _read_value_model)


def _band_params(band_id: str, t: BandValues) -> BandValueParams:
    builtin = BUILTIN_BANDS.get(band_id)
    decay = t.decay_percent if t.decay_percent is not None else (builtin.decay_percent if builtin else 10.0)
    return BandValueParams(
        shape=t.shape,
        usd_per_mhz=t.usd_per_mhz,
        decay_percent=decay,
        coverage_usd=t.coverage_usd,
        threshold_mhz=t.threshold_mhz if t.threshold_mhz is not None else 0.0,
        width_mhz=t.width_mhz,
        below_threshold_percent=t.below_threshold_percent,
    )


def _read_value_model(scenario: Scenario) -> ValueModel:
    v = _values(scenario)
    bands = {band_id: _band_params(band_id, t) for band_id, t in v.bands.items()}
    for band in scenario.bands:
        if band.id not in bands:
            bands[band.id] = BUILTIN_BANDS.get(band.id) or _generic_band(band)
    no_profile = Profile()
    profiles: dict[str, ProfileParams] = {}
    for bidder_id in [*v.profiles, *(b for b in scenario.bidder_ids if b not in v.profiles)]:
        p = v.profiles.get(bidder_id, no_profile)
        profiles[bidder_id] = ProfileParams(
            market_share_percent=p.market_share_percent if p.market_share_percent is not None else v.reference_share_percent,
            subscribers_m=p.subscribers_m if p.subscribers_m is not None else v.reference_subscribers_m,
            budget_usd=p.budget_usd if p.budget_usd is not None else v.default_budget_usd,
            appetite=dict(p.appetite),
        )
    return ValueModel(
        reference_share_percent=v.reference_share_percent,
        reference_subscribers_m=v.reference_subscribers_m,
        noise_percent=v.noise_percent,
        threshold_noise_percent=v.threshold_noise_percent,
        budget_noise_percent=v.budget_noise_percent,
        default_budget_usd=v.default_budget_usd,
        obligation_worth_reserve=v.obligation_worth_reserve,
        # Read-only views: the model is shared by every later call for this scenario.
        bands=MappingProxyType(bands),
        profiles=MappingProxyType(profiles),
    )
