"""The scenario's ``[band_plan]`` section: band edges, offered ranges and existing holdings as frequencies.

Frequencies are integer kHz: a position on the spectrum axis of one link
(uplink or downlink), whereas :mod:`game.scenario.units` tenths count both
halves of paired spectrum; estimated holdings such as 2x18.65 MHz need the
finer unit. Data only: the layout after the auction is
:mod:`game.engine.bandplan`. Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from game.scenario.model import Band, BidderProfile, Scenario, ScenarioError, reader_for, section

if TYPE_CHECKING:
    from game.scenario.model import _Reader

KHz = int
"""A frequency in whole kHz on one link."""


def khz_per_tenth(duplex: str) -> int:
    """kHz of one link per tenth of MHz counted both halves (FDD) or whole (TDD)."""
    return 50 if duplex == "FDD" else 100


def fmt_freq(khz: KHz) -> str:
    """'1774.4', '2500', '1755.35' (MHz, no trailing zeros).

    >>> fmt_freq(1_774_400), fmt_freq(2_500_000), fmt_freq(1_755_350)
    ('1774.4', '2500', '1755.35')
    """
    text = f"{Decimal(khz) / 1000:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _mhz_float(khz: KHz) -> float:
    return khz / 1000


@dataclass(frozen=True)
class FreqRange:
    from_khz: KHz
    to_khz: KHz

    @property
    def width_khz(self) -> KHz:
        return self.to_khz - self.from_khz

    def overlaps(self, other: FreqRange) -> bool:
        return self.from_khz < other.to_khz and other.from_khz < self.to_khz

    def within(self, other: FreqRange) -> bool:
        return other.from_khz <= self.from_khz and self.to_khz <= other.to_khz

    def __str__(self) -> str:
        return f"{fmt_freq(self.from_khz)}-{fmt_freq(self.to_khz)} MHz"


@dataclass(frozen=True)
class BandFrequencies:
    """The frequencies of one band from ``[band_plan]``. FDD ranges are downlink; uplink = downlink - spacing."""

    band: str
    duplex: Literal["FDD", "TDD"]
    standard: str
    offered: FreqRange
    band_edges: FreqRange | None
    duplex_spacing_khz: KHz
    """Downlink minus uplink frequency (0 for TDD)."""
    estimated: bool
    holdings: Mapping[str, tuple[FreqRange, ...]]
    holdings_estimated: bool

    def uplink(self, r: FreqRange) -> FreqRange:
        return FreqRange(r.from_khz - self.duplex_spacing_khz, r.to_khz - self.duplex_spacing_khz)

    @property
    def at_top_edge(self) -> bool:
        return self.band_edges is not None and self.offered.to_khz == self.band_edges.to_khz

    def adjacent_holders(self) -> tuple[set[str], set[str]]:
        """Operators holding spectrum right below and right above the offered range."""
        below = {b for b, rs in self.holdings.items() if any(r.to_khz == self.offered.from_khz for r in rs)}
        above = {b for b, rs in self.holdings.items() if any(r.from_khz == self.offered.to_khz for r in rs)}
        return below, above


# ---------------------------------------------------------------- reading [band_plan]

_FDD_KEYS = {
    "standard", "band_uplink_mhz", "band_downlink_mhz", "uplink_mhz", "downlink_mhz", "estimated",
    "holdings_downlink_mhz", "holdings_estimated", "notes",
}
_TDD_KEYS = {"standard", "band_mhz", "range_mhz", "estimated", "holdings_mhz", "holdings_estimated", "notes"}


def _range(r: _Reader, table: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> FreqRange | None:
    full = f"{path}.{key}"
    if key not in table:
        if required:
            r.problem(full, "missing: give [from, to] in MHz")
        return None
    return _as_range(r, table[key], full)


def _as_range(r: _Reader, value: Any, full: str) -> FreqRange | None:
    if not isinstance(value, list) or len(value) != 2:
        r.problem(full, f"must be [from, to] in MHz, found {value!r}")
        return None
    edges: list[int] = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int | float):
            r.problem(full, f"must be [from, to] in MHz, found {value!r}")
            return None
        try:
            khz = Decimal(str(v)) * 1000
        except InvalidOperation:
            r.problem(full, f"{v!r} is not a number of MHz")
            return None
        if khz != khz.to_integral_value():
            r.problem(full, f"{v} MHz is finer than the 1 kHz the band plan counts in")
            return None
        edges.append(int(khz))
    if not 0 < edges[0] < edges[1]:
        r.problem(full, f"must run from a lower to a higher frequency, found {value!r}")
        return None
    return FreqRange(edges[0], edges[1])


def read_band_plan(
    r: _Reader, tree: Mapping[str, Any], bands: Sequence[Band], bidders: Sequence[BidderProfile]
) -> dict[str, BandFrequencies]:
    """Check the optional ``[band_plan]`` section, recording every problem with its key path in ``r``."""
    raw = tree.get("band_plan", {})
    if not isinstance(raw, dict):
        r.problem("band_plan", f"must be a table, found {type(raw).__name__}")
        return {}
    by_id = {b.id: b for b in bands}
    result: dict[str, BandFrequencies] = {}
    tables = {k: v for k, v in raw.items() if k != "notes"}
    for band_id, t, path in r.entries(tables, "band_plan", by_id, f"unknown band (bands on sale: {', '.join(by_id)})"):
        freq = _read_band(r, t, path, by_id[band_id], bidders)
        if freq is not None:
            result[band_id] = freq
    return result


def _read_band(
    r: _Reader, t: Mapping[str, Any], path: str, band: Band, bidders: Sequence[BidderProfile]
) -> BandFrequencies | None:
    fdd = band.duplex == "FDD"
    r.only(t, path, _FDD_KEYS if fdd else _TDD_KEYS)
    standard = r.get(t, "standard", path, str, "", required=False) or ""
    estimated = bool(r.get(t, "estimated", path, bool, False))
    holdings_estimated = bool(r.get(t, "holdings_estimated", path, bool, False))
    per_link = band.offered_tenths * khz_per_tenth(band.duplex)
    spacing = 0
    if fdd:
        up = _range(r, t, "uplink_mhz", path)
        offered = _range(r, t, "downlink_mhz", path)
        band_up = _range(r, t, "band_uplink_mhz", path, required=False)
        edges = _range(r, t, "band_downlink_mhz", path, required=False)
        if ("band_uplink_mhz" in t) != ("band_downlink_mhz" in t):
            r.problem(path, "give both band_uplink_mhz and band_downlink_mhz, or neither")
        if up is not None and offered is not None:
            spacing = offered.from_khz - up.from_khz
            if up.width_khz != offered.width_khz:
                r.problem(f"{path}.uplink_mhz", f"{up} is not as wide as downlink_mhz {offered}")
            if band_up is not None and edges is not None and edges.from_khz - band_up.from_khz != spacing:
                r.problem(
                    f"{path}.band_downlink_mhz",
                    f"duplex spacing of the band edges ({fmt_freq(edges.from_khz - band_up.from_khz)} MHz) differs "
                    f"from that of the offered ranges ({fmt_freq(spacing)} MHz)",
                )
            if band_up is not None and not up.within(band_up):
                r.problem(f"{path}.uplink_mhz", f"{up} is outside the band's uplink {band_up}")
        holdings_key = "holdings_downlink_mhz"
    else:
        offered = _range(r, t, "range_mhz", path)
        edges = _range(r, t, "band_mhz", path, required=False)
        holdings_key = "holdings_mhz"
    if offered is None:
        return None
    if offered.width_khz != per_link:
        link = "downlink " if fdd else ""
        r.problem(
            f"{path}.{'downlink_mhz' if fdd else 'range_mhz'}",
            f"{link}range {offered} is {fmt_freq(offered.width_khz)} MHz wide, but the band offers "
            f"{band.lots} lots of {band.lot_tenths / 10:g} MHz = {fmt_freq(per_link)} MHz"
            + (" per link" if fdd else ""),
        )
    if edges is not None and not offered.within(edges):
        r.problem(path, f"offered range {offered} is outside the band edges {edges}")

    holdings: dict[str, tuple[FreqRange, ...]] = {}
    h_path = f"{path}.{holdings_key}"
    h_table = r.table(t, holdings_key, path, required=False)
    known = {b.id: b for b in bidders}
    taken: list[tuple[str, FreqRange]] = [("the offered spectrum", offered)]
    for bidder_id, ranges_raw in h_table.items():
        b_path = f"{h_path}.{bidder_id}"
        if bidder_id not in known:
            r.problem(b_path, f"unknown bidder (bidders: {', '.join(known)})")
            continue
        if not isinstance(ranges_raw, list) or not ranges_raw:
            r.problem(b_path, "must be a non-empty list of [from, to] ranges in MHz")
            continue
        ranges: list[FreqRange] = []
        for i, item in enumerate(ranges_raw):
            rng = _as_range(r, item, f"{b_path}[{i}]")
            if rng is None:
                continue
            if edges is not None and not rng.within(edges):
                r.problem(f"{b_path}[{i}]", f"{rng} is outside the band edges {edges}")
            for who, other in taken:
                if rng.overlaps(other):
                    r.problem(f"{b_path}[{i}]", f"{rng} overlaps {other} held by {who}")
            taken.append((bidder_id, rng))
            ranges.append(rng)
        holding = known[bidder_id].holding(band.id)
        total = sum(x.width_khz for x in ranges)
        if len(ranges) == len(ranges_raw) and total != holding * khz_per_tenth(band.duplex):
            each = " per link" if fdd else ""
            r.problem(
                b_path,
                f"ranges total {fmt_freq(total)} MHz{each}, but bidders.{bidder_id}.holdings_mhz.{band.id} is "
                f"{holding / 10:g} MHz" + (f" = {fmt_freq(holding * 50)} MHz per link" if fdd else ""),
            )
        holdings[bidder_id] = tuple(sorted(ranges, key=lambda x: x.from_khz))
    if h_table:
        for b in bidders:
            if b.holding(band.id) and b.id not in h_table:
                r.problem(h_path, f"no ranges for {b.id}, which holds {b.holding(band.id) / 10:g} MHz of {band.id} MHz")
    return BandFrequencies(
        band=band.id,
        duplex=band.duplex,
        standard=standard,
        offered=offered,
        band_edges=edges,
        duplex_spacing_khz=spacing,
        estimated=estimated,
        holdings=holdings,
        holdings_estimated=holdings_estimated,
    )


_freq_cache: dict[int, tuple[Scenario, dict[str, BandFrequencies]]] = {}


def frequencies(scenario: Scenario) -> dict[str, BandFrequencies]:
    """The band frequencies a scenario gives (bands without an entry are absent)."""
    cached = _freq_cache.get(id(scenario))
    # Holding the scenario in the cache keeps its id from being reused by another object.
    if cached is not None and cached[0] is scenario:
        return cached[1]
    r = reader_for(scenario.source_path)
    result = read_band_plan(r, {"band_plan": dict(section(scenario, "band_plan"))}, scenario.bands, scenario.bidders)
    if r.problems:
        raise ScenarioError(scenario.source_path, r.problems)
    if len(_freq_cache) > 64:
        _freq_cache.clear()
    _freq_cache[id(scenario)] = (scenario, result)
    return result


