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
from decimal import Decimal

from game.scenario import schema
from game.scenario.checked import key_text, quote
from game.scenario.memo import per_scenario
from game.scenario.model import Band, BidderProfile, Problems, Scenario, ScenarioError

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
    duplex: schema.Duplex
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


def _range(r: Problems, value: Sequence[float] | None, path: str) -> FreqRange | None:
    """A validated ``[from, to]`` in MHz as kHz, or None (with a problem if it is finer than 1 kHz or runs down)."""
    if value is None:
        return None
    edges: list[int] = []
    for v in value:
        khz = Decimal(str(v)) * 1000
        if khz != khz.to_integral_value():
            r.add(path, f"{v} MHz is finer than the 1 kHz the band plan counts in")
            return None
        edges.append(int(khz))
    if not 0 < edges[0] < edges[1]:
        r.add(path, f"must run from a lower to a higher frequency, found {quote(list(value))}")
        return None
    return FreqRange(edges[0], edges[1])


def read_band_plan(
    r: Problems,
    plan: schema.BandPlan | None,
    bands: Sequence[Band],
    bidders: Sequence[BidderProfile],
    band_ids: Sequence[str] | None = None,
) -> dict[str, BandFrequencies]:
    """The frequencies of the validated ``[band_plan]`` section, adding to ``r`` every problem no schema can state.

    ``band_ids`` are the ids of every band on sale (default: those of
    ``bands``); an entry for one of them that is not in ``bands`` (it did not
    validate) is left out without a word.
    """
    if plan is None:
        return {}
    by_id = {b.id: b for b in bands}
    known = list(by_id) if band_ids is None else list(band_ids)
    result: dict[str, BandFrequencies] = {}
    for band_id, entry in (plan.model_extra or {}).items():
        path = f"band_plan.{key_text(band_id)}"
        if band_id not in known:
            r.add(path, f"unknown band (bands on sale: {', '.join(known)})")
        elif band_id in by_id and isinstance(entry, schema.BandFrequencies):
            freq = _read_band(r, entry, path, by_id[band_id], bidders)
            if freq is not None:
                result[band_id] = freq
    return result


def _read_band(
    r: Problems, t: schema.BandFrequencies, path: str, band: Band, bidders: Sequence[BidderProfile]
) -> BandFrequencies | None:
    fdd = band.duplex == "FDD"
    allowed, required = schema.frequency_keys(band.duplex)
    for key in schema.BandFrequencies.model_fields:
        if key in t.model_fields_set and key not in allowed:
            article = "an" if fdd else "a"
            r.add(f"{path}.{key}", f"unknown key for {article} {band.duplex} band (known keys: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in t.model_fields_set:
            r.add(f"{path}.{key}", "missing: give [from, to] in MHz")
    per_link = band.offered_tenths * khz_per_tenth(band.duplex)
    spacing = 0
    if fdd:
        up = _range(r, t.uplink_mhz, f"{path}.uplink_mhz")
        offered = _range(r, t.downlink_mhz, f"{path}.downlink_mhz")
        band_up = _range(r, t.band_uplink_mhz, f"{path}.band_uplink_mhz")
        edges = _range(r, t.band_downlink_mhz, f"{path}.band_downlink_mhz")
        if (t.band_uplink_mhz is None) != (t.band_downlink_mhz is None):
            r.add(path, "give both band_uplink_mhz and band_downlink_mhz, or neither")
        if up is not None and offered is not None:
            spacing = offered.from_khz - up.from_khz
            if up.width_khz != offered.width_khz:
                r.add(f"{path}.uplink_mhz", f"{up} is not as wide as downlink_mhz {offered}")
            if band_up is not None and edges is not None and edges.from_khz - band_up.from_khz != spacing:
                r.add(
                    f"{path}.band_downlink_mhz",
                    f"duplex spacing of the band edges ({fmt_freq(edges.from_khz - band_up.from_khz)} MHz) differs "
                    f"from that of the offered ranges ({fmt_freq(spacing)} MHz)",
                )
            if band_up is not None and not up.within(band_up):
                r.add(f"{path}.uplink_mhz", f"{up} is outside the band's uplink {band_up}")
        holdings_key, held = "holdings_downlink_mhz", t.holdings_downlink_mhz
    else:
        offered = _range(r, t.range_mhz, f"{path}.range_mhz")
        edges = _range(r, t.band_mhz, f"{path}.band_mhz")
        holdings_key, held = "holdings_mhz", t.holdings_mhz
    if offered is None:
        return None
    if offered.width_khz != per_link:
        link = "downlink " if fdd else ""
        r.add(
            f"{path}.{'downlink_mhz' if fdd else 'range_mhz'}",
            f"{link}range {offered} is {fmt_freq(offered.width_khz)} MHz wide, but the band offers "
            f"{band.lots} lots of {band.lot_tenths / 10:g} MHz = {fmt_freq(per_link)} MHz"
            + (" per link" if fdd else ""),
        )
    if edges is not None and not offered.within(edges):
        r.add(path, f"offered range {offered} is outside the band edges {edges}")

    holdings: dict[str, tuple[FreqRange, ...]] = {}
    h_path = f"{path}.{holdings_key}"
    known = {b.id: b for b in bidders}
    taken: list[tuple[str, FreqRange]] = [("the offered spectrum", offered)]
    for bidder_id, ranges_given in held.items():
        b_path = f"{h_path}.{key_text(bidder_id)}"
        if bidder_id not in known:
            continue  # the schema named it unknown, or the bidder did not validate
        ranges: list[FreqRange] = []
        for i, item in enumerate(ranges_given):
            rng = _range(r, item, f"{b_path}[{i}]")
            if rng is None:
                continue
            if edges is not None and not rng.within(edges):
                r.add(f"{b_path}[{i}]", f"{rng} is outside the band edges {edges}")
            for who, other in taken:
                if rng.overlaps(other):
                    r.add(f"{b_path}[{i}]", f"{rng} overlaps {other} held by {who}")
            taken.append((bidder_id, rng))
            ranges.append(rng)
        holding = known[bidder_id].holding(band.id)
        total = sum(x.width_khz for x in ranges)
        if len(ranges) == len(ranges_given) and total != holding * khz_per_tenth(band.duplex):
            each = " per link" if fdd else ""
            r.add(
                b_path,
                f"ranges total {fmt_freq(total)} MHz{each}, but bidders.{bidder_id}.holdings_mhz.{band.id} is "
                f"{holding / 10:g} MHz" + (f" = {fmt_freq(holding * 50)} MHz per link" if fdd else ""),
            )
        holdings[bidder_id] = tuple(sorted(ranges, key=lambda x: x.from_khz))
    if held:
        for b in bidders:
            if b.holding(band.id) and b.id not in held:
                r.add(h_path, f"no ranges for {b.id}, which holds {b.holding(band.id) / 10:g} MHz of {band.id} MHz")
    return BandFrequencies(
        band=band.id,
        duplex=band.duplex,
        standard=t.standard,
        offered=offered,
        band_edges=edges,
        duplex_spacing_khz=spacing,
        estimated=t.estimated,
        holdings=holdings,
        holdings_estimated=t.holdings_estimated,
    )


def frequencies(scenario: Scenario) -> dict[str, BandFrequencies]:
    """The band frequencies a scenario gives (bands without an entry are absent); kept per scenario object."""
    return per_scenario(scenario, "band frequencies", _read_frequencies)


def _read_frequencies(scenario: Scenario) -> dict[str, BandFrequencies]:
    r = Problems()
    plan = scenario.file.band_plan if scenario.file is not None else None
    result = read_band_plan(r, plan, scenario.bands, scenario.bidders)
    if r:
        raise ScenarioError(scenario.source_path, list(r))
    return result


