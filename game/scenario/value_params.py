"""The scenario's ``[values]`` section: parameters of the private-value model, read and checked.

Data only: the model that draws values from these parameters is
:mod:`game.economics.values`. Never imports pygame.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from game.scenario.model import Band, Scenario, reader_for, section

Shape = Literal["concave", "coverage", "threshold"]
SHAPES: tuple[Shape, ...] = ("concave", "coverage", "threshold")

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
BUILTIN_DEFAULT_BUDGET_USD = 200_000_000
BUILTIN_NOISE_PERCENT = 20.0
BUILTIN_THRESHOLD_NOISE_PERCENT = 15.0
BUILTIN_BUDGET_NOISE_PERCENT = 12.0


def _generic_band(band: Band) -> BandValueParams:
    # A band nobody described: worth about its reserve per MHz at the first lot, gently concave.
    per_mhz = band.reserve_usd * 10 // max(1, band.lot_tenths)
    return BandValueParams("concave", per_mhz, 10.0)


_MARKET_KEYS = {
    "notes", "reference_share_percent", "reference_subscribers_m", "noise_percent", "threshold_noise_percent",
    "budget_noise_percent", "default_budget_usd", "obligation_worth_reserve", "bands", "profiles",
}
"""Keys a named market (``[values.markets.NAME]``) may override: everything of ``[values]`` but the markets."""
_VALUES_KEYS = _MARKET_KEYS | {"default_market", "markets"}
_BAND_KEYS = {
    "notes", "shape", "usd_per_mhz", "decay_percent", "coverage_usd", "threshold_mhz", "width_mhz",
    "below_threshold_percent",
}
_PROFILE_KEYS = {"notes", "market_share_percent", "subscribers_m", "budget_usd", "appetite"}


def read_values_section(
    r: Any, tree: Mapping[str, Any], band_ids: Sequence[str], bidder_ids: Sequence[str]
) -> tuple[dict[str, Any], dict[str, BandValueParams], dict[str, ProfileParams]]:
    """Validate the optional ``[values]`` table with a problem-collecting reader.

    Returns the top-level numbers, the band parameters given in the file and
    the profiles given in the file; every problem is recorded on ``r`` as
    "key path: problem".
    """
    t = r.table(tree, "values", "", required=False)
    path = "values"
    r.only(t, path, _VALUES_KEYS)
    _check_markets(r, t, band_ids, bidder_ids)
    top: dict[str, Any] = {
        "reference_share_percent": _positive_number(r, t, "reference_share_percent", path, 100 / 3),
        "reference_subscribers_m": _positive_number(r, t, "reference_subscribers_m", path, 60.0),
        "noise_percent": _number(r, t, "noise_percent", path, BUILTIN_NOISE_PERCENT),
        "threshold_noise_percent": _number(r, t, "threshold_noise_percent", path, BUILTIN_THRESHOLD_NOISE_PERCENT),
        "budget_noise_percent": _number(r, t, "budget_noise_percent", path, BUILTIN_BUDGET_NOISE_PERCENT),
        "default_budget_usd": r.non_negative_int(t, "default_budget_usd", path, BUILTIN_DEFAULT_BUDGET_USD),
        "obligation_worth_reserve": bool(r.get(t, "obligation_worth_reserve", path, bool, False)),
    }
    bands_t = r.table(t, "bands", path, required=False)
    bands: dict[str, BandValueParams] = {}
    unknown_band = f"unknown band (bands on sale: {', '.join(band_ids)})"
    for band_id, sub, bpath in r.entries(bands_t, f"{path}.bands", band_ids, unknown_band):
        r.only(sub, bpath, _BAND_KEYS)
        shape = r.choice(sub, "shape", bpath, SHAPES)
        base = BUILTIN_BANDS.get(band_id)
        bands[band_id] = BandValueParams(
            shape="coverage" if shape == "coverage" else ("threshold" if shape == "threshold" else "concave"),
            usd_per_mhz=r.non_negative_int(sub, "usd_per_mhz", bpath),
            decay_percent=_percent(r, sub, "decay_percent", bpath, base.decay_percent if base else 10.0, below=100),
            coverage_usd=r.non_negative_int(sub, "coverage_usd", bpath, 0),
            threshold_mhz=_number(r, sub, "threshold_mhz", bpath, 0.0),
            width_mhz=_positive_number(r, sub, "width_mhz", bpath, 10.0),
            below_threshold_percent=_percent(r, sub, "below_threshold_percent", bpath, 100.0),
        )
        if shape == "threshold" and "threshold_mhz" not in sub:
            r.problem(f"{bpath}.threshold_mhz", "missing (needed by shape 'threshold')")
    profiles_t = r.table(t, "profiles", path, required=False)
    profiles: dict[str, ProfileParams] = {}
    unknown_bidder = f"unknown bidder (bidders: {', '.join(bidder_ids)})"
    for bidder_id, sub, ppath in r.entries(profiles_t, f"{path}.profiles", bidder_ids, unknown_bidder):
        r.only(sub, ppath, _PROFILE_KEYS)
        appetite_t = r.table(sub, "appetite", ppath, required=False)
        appetite: dict[str, float] = {}
        for band_id in appetite_t:
            if band_id not in band_ids:
                r.problem(f"{ppath}.appetite.{band_id}", unknown_band)
                continue
            appetite[band_id] = _number(r, appetite_t, band_id, f"{ppath}.appetite", 1.0)
        profiles[bidder_id] = ProfileParams(
            market_share_percent=_percent(r, sub, "market_share_percent", ppath, top["reference_share_percent"]),
            subscribers_m=_number(r, sub, "subscribers_m", ppath, top["reference_subscribers_m"]),
            budget_usd=r.non_negative_int(sub, "budget_usd", ppath, top["default_budget_usd"]),
            appetite=appetite,
        )
    return top, bands, profiles


def _number(r: Any, t: Mapping[str, Any], key: str, path: str, default: float) -> float:
    value = r.get(t, key, path, (int, float), default)
    if value is None:
        return default
    if not math.isfinite(value) or value < 0:
        r.problem(f"{path}.{key}", f"must be a non-negative number, found {value!r}")
        return default
    return float(value)


def _positive_number(r: Any, t: Mapping[str, Any], key: str, path: str, default: float) -> float:
    value = _number(r, t, key, path, default)
    if value <= 0:
        r.problem(f"{path}.{key}", f"must be positive, found {value!r}")
        return default
    return value


def _percent(r: Any, t: Mapping[str, Any], key: str, path: str, default: float, *, below: float = 101) -> float:
    value = _number(r, t, key, path, default)
    if value > 100 or value >= below:
        limit = "below 100" if below <= 100 else "at most 100"
        r.problem(f"{path}.{key}", f"must be a percentage {limit}, found {value!r}")
        return default
    return value


# ---------------------------------------------------------------- named markets

DEFAULT_MARKET = "calibrated"
"""Name of the market that ``[values]`` itself describes, unless ``values.default_market`` names it otherwise."""
_MARKET_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class UnknownMarket(ValueError):
    """A market name the scenario does not define; the message lists the ones it does."""


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` laid over it, table by table (a value of the override replaces the base's)."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _market_section(values: Mapping[str, Any], name: str, override: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[values]`` section of market ``name``: the base with the market's overrides, and no other markets."""
    base = {k: v for k, v in values.items() if k not in ("markets", "default_market", "notes")}
    merged = _merge(base, {k: v for k, v in override.items() if k != "notes"})
    merged["default_market"] = name
    return merged


def _check_markets(r: Any, t: Mapping[str, Any], band_ids: Sequence[str], bidder_ids: Sequence[str]) -> None:
    """``values.default_market`` and ``[values.markets.NAME]``: names, keys, and each market's merged section."""
    base_name = r.get(t, "default_market", "values", str, DEFAULT_MARKET)
    if not isinstance(base_name, str) or not _MARKET_NAME.match(base_name):
        r.problem("values.default_market", f"must be a short lower-case name (a-z, 0-9, _ or -), found {base_name!r}")
    markets = r.table(t, "markets", "values", required=False)
    for name, override in markets.items():
        path = f"values.markets.{name}"
        if not _MARKET_NAME.match(name):
            r.problem(path, "a market's name must be short and lower-case (a-z, 0-9, _ or -)")
            continue
        if name == base_name:
            r.problem(path, f"{name!r} is the market [values] itself describes (values.default_market); pick another name")
            continue
        if not isinstance(override, dict):
            r.problem(path, "must be a table")
            continue
        r.only(override, path, _MARKET_KEYS)
        # The merged section is checked with the same reader; its problems are told at the market's own key paths.
        inner = reader_for(r.source)
        read_values_section(inner, {"values": _market_section(t, name, override)}, band_ids, bidder_ids)
        for problem in inner.problems:
            where, _, what = problem.partition(": ")
            if where.startswith("values."):
                where = f"{path}.{where[len('values.'):]}"
            elif where == "values":
                where = path
            r.problem(where, f"{what} (in market {name!r}: [values] with this market's overrides)")


def default_market(scenario: Scenario) -> str:
    """The name of the market the scenario's ``[values]`` section describes (``"calibrated"`` unless it says)."""
    name = section(scenario, "values").get("default_market", DEFAULT_MARKET)
    return name if isinstance(name, str) else DEFAULT_MARKET


def market_names(scenario: Scenario) -> tuple[str, ...]:
    """Markets the scenario offers, its default first, then ``[values.markets.NAME]`` in file order."""
    markets = section(scenario, "values").get("markets", {})
    others = tuple(m for m in markets if m != default_market(scenario)) if isinstance(markets, dict) else ()
    return (default_market(scenario), *others)


def with_market(scenario: Scenario, market: str | None) -> Scenario:
    """The scenario whose ``[values]`` section is market ``market`` (None or the default: the scenario itself).

    A market changes only private values and budgets, never the rules, so the
    scenario keeps its id and file hash; :func:`default_market` of the result
    names the market, and the result offers no other market.
    Raises :class:`UnknownMarket` for a name the scenario does not define.
    """
    if market is None or market == default_market(scenario):
        return scenario
    values = section(scenario, "values")
    markets = values.get("markets", {})
    if not isinstance(markets, dict) or market not in markets:
        raise UnknownMarket(
            f"unknown market {market!r}; scenario {scenario.id} offers: {', '.join(market_names(scenario))}"
        )
    raw = dict(scenario.raw)
    raw["values"] = _market_section(values, market, markets[market])
    return dataclasses.replace(scenario, raw=raw)


def check_values(r: Any, tree: Mapping[str, Any]) -> None:
    """The hook :func:`game.scenario.parse_scenario` calls: record problems of ``[values]`` on ``r``."""
    bands = tree.get("bands")
    band_ids = [b["id"] for b in bands if isinstance(b, dict) and isinstance(b.get("id"), str)] if isinstance(bands, list) else []
    bidders = tree.get("bidders")
    bidder_ids = list(bidders) if isinstance(bidders, dict) else []
    read_values_section(r, tree, band_ids, bidder_ids)


# Parsed value models by scenario object. Every auction of a tournament or
# benchmark draws values from the same scenario, and re-reading its [values]
# section each time cost as much as drawing the values. Keyed by identity (a
# Scenario holds dicts, so it is not hashable); the scenario itself is kept
# beside its model, so an id is never reused while its entry lives.
_MODELS: dict[int, tuple[Scenario, ValueModel]] = {}
_MODELS_KEPT = 16


def value_model(scenario: Scenario) -> ValueModel:
    """The scenario's value model: its ``[values]`` section over the built-in defaults (cached, read-only)."""
    hit = _MODELS.get(id(scenario))
    if hit is not None and hit[0] is scenario:
        return hit[1]
    model = _read_value_model(scenario)
    if len(_MODELS) >= _MODELS_KEPT:
        _MODELS.clear()
    _MODELS[id(scenario)] = (scenario, model)
    return model


def _read_value_model(scenario: Scenario) -> ValueModel:
    r = reader_for(scenario.source_path)
    top, bands, profiles = read_values_section(r, {"values": section(scenario, "values")}, scenario.band_ids, scenario.bidder_ids)
    for band in scenario.bands:
        if band.id not in bands:
            bands[band.id] = BUILTIN_BANDS.get(band.id) or _generic_band(band)
    for bidder in scenario.bidders:
        if bidder.id not in profiles:
            profiles[bidder.id] = ProfileParams(
                market_share_percent=top["reference_share_percent"],
                subscribers_m=top["reference_subscribers_m"],
                budget_usd=top["default_budget_usd"],
                appetite={},
            )
    return ValueModel(
        reference_share_percent=top["reference_share_percent"],
        reference_subscribers_m=top["reference_subscribers_m"],
        noise_percent=top["noise_percent"],
        threshold_noise_percent=top["threshold_noise_percent"],
        budget_noise_percent=top["budget_noise_percent"],
        default_budget_usd=top["default_budget_usd"],
        obligation_worth_reserve=top["obligation_worth_reserve"],
        # Read-only views: the model is shared by every later call for this scenario.
        bands=MappingProxyType(bands),
        profiles=MappingProxyType(profiles),
    )


