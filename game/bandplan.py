"""The band plan: who holds which frequencies after the auction, with the band edges the scenario gives.

Reads and checks the scenario's optional ``[band_plan]`` section (offered
ranges per band, the 3GPP band edges, existing holdings as ranges), lays out
the blocks of every band after the allocation and assignment stages (winners
in position order or bidder order, unsold at the top), and the contiguous
layout a rationalisation plan would give each operator in bands where
holdings are fragmented (Pakistan: 1800 and 2100 MHz). Pure data for the CLI
and the desktop results screen to print or draw. Never imports pygame.

Frequencies are integer kHz: a position on the spectrum axis of one link
(uplink or downlink), whereas :mod:`game.units` tenths count both halves of
paired spectrum; estimated holdings such as 2x18.65 MHz need the finer unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from game.allocation import AllocationOutcome
from game.assignment import AssignmentOutcome, add_to_summary_json, assignment_text, position_label, run_assignment
from game.scenario import Band, BidderProfile, Scenario, ScenarioError, reader_for, section

if TYPE_CHECKING:
    from game.scenario import _Reader

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


# ---------------------------------------------------------------- layout after the auction


@dataclass(frozen=True)
class Block:
    """A contiguous block of a band after the auction; ``bidder`` None is unsold spectrum."""

    bidder: str | None
    lots: int
    first_lot: int
    """Lots below this block in the offered spectrum."""
    position: int | None
    """The assignment position (order slot), for positioned bands."""
    range: FreqRange
    """Downlink (FDD) or the TDD range; offsets from 0 kHz when the scenario gives no frequencies."""
    uplink: FreqRange | None


@dataclass(frozen=True)
class BandLayout:
    band: str
    duplex: Literal["FDD", "TDD"]
    positioned: bool
    has_frequencies: bool
    estimated: bool
    band_edges: FreqRange | None
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class HeldRange:
    bidder: str | None
    range: FreqRange
    uplink: FreqRange | None


@dataclass(frozen=True)
class Rationalisation:
    """Fragmented holdings in a band and the contiguous layout a rationalisation plan would give."""

    band: str
    estimated: bool
    includes_auction: bool
    """True when the lots won in the auction are part of each operator's total."""
    current: tuple[HeldRange, ...]
    contiguous: tuple[HeldRange, ...]


@dataclass(frozen=True)
class BandPlan:
    bands: Mapping[str, BandLayout]
    rationalisation: Mapping[str, Rationalisation]


def _stack(
    band: Band, freq: BandFrequencies | None, order: Sequence[tuple[str | None, int, int | None]]
) -> tuple[Block, ...]:
    per_lot = band.lot_tenths * khz_per_tenth(band.duplex)
    bottom = freq.offered.from_khz if freq else 0
    blocks = []
    first = 0
    for bidder, lots, position in order:
        rng = FreqRange(bottom + first * per_lot, bottom + (first + lots) * per_lot)
        uplink = freq.uplink(rng) if freq and band.duplex == "FDD" else None
        blocks.append(Block(bidder, lots, first, position, rng, uplink))
        first += lots
    return tuple(blocks)


def band_plan(
    scenario: Scenario, allocation: AllocationOutcome, assignment: AssignmentOutcome | None = None
) -> BandPlan:
    """Every band's blocks after the auction, and the rationalisation of fragmented bands."""
    freqs = frequencies(scenario)
    layouts: dict[str, BandLayout] = {}
    positioned = assignment.bands if assignment is not None else {}
    for band in scenario.bands:
        sold = {b: lots[band.id] for b, lots in allocation.lots.items() if allocation.allocated[band.id] and lots[band.id]}
        order: list[tuple[str | None, int, int | None]]
        result = positioned.get(band.id)
        if result is not None:
            order = [(w, result.lots[w], result.positions[w]) for w in result.order]
        else:
            order = [(b, n, None) for b, n in sold.items()]
        unsold = band.lots - sum(sold.values())
        if unsold:
            order.append((None, unsold, None))
        freq = freqs.get(band.id)
        layouts[band.id] = BandLayout(
            band=band.id,
            duplex=band.duplex,
            positioned=result is not None,
            has_frequencies=freq is not None,
            estimated=bool(freq and freq.estimated),
            band_edges=freq.band_edges if freq else None,
            blocks=_stack(band, freq, order),
        )
    return BandPlan(bands=layouts, rationalisation=_rationalise(scenario, freqs, layouts))


def rationalisation(scenario: Scenario, allocation: AllocationOutcome | None = None) -> dict[str, Rationalisation]:
    """Bands with existing holdings as ranges (Pakistan: 1800, 2100): current and contiguous layouts.

    Without an allocation outcome only the existing holdings are rearranged;
    with one, each operator's lots won in the band join its total.
    """
    if allocation is None:
        return _rationalise(scenario, frequencies(scenario), None)
    return dict(band_plan(scenario, allocation).rationalisation)


def _rationalise(
    scenario: Scenario, freqs: Mapping[str, BandFrequencies], layouts: Mapping[str, BandLayout] | None
) -> dict[str, Rationalisation]:
    result: dict[str, Rationalisation] = {}
    for band in scenario.bands:
        freq = freqs.get(band.id)
        if freq is None or not freq.holdings:
            continue
        fdd = band.duplex == "FDD"
        current = [HeldRange(b, rng, freq.uplink(rng) if fdd else None) for b, rs in freq.holdings.items() for rng in rs]
        unsold_width = 0
        if layouts is not None:
            for block in layouts[band.id].blocks:
                if block.bidder is None:
                    unsold_width += block.range.width_khz
                else:
                    current.append(HeldRange(block.bidder, block.range, block.uplink))
        current.sort(key=lambda h: h.range.from_khz)
        ids = scenario.bidder_ids
        widths: dict[str, int] = {}
        centre: dict[str, int] = {}
        for h in current:
            assert h.bidder is not None
            widths[h.bidder] = widths.get(h.bidder, 0) + h.range.width_khz
            centre[h.bidder] = centre.get(h.bidder, 0) + (h.range.from_khz + h.range.to_khz) * h.range.width_khz
        # Stacking operators in the order of where their spectrum lies now moves each the least.
        order = sorted(widths, key=lambda b: (Fraction(centre[b], widths[b]), ids.index(b)))
        start = min(h.range.from_khz for h in current)
        if layouts is not None:
            start = min(start, freq.offered.from_khz)
        total = sum(widths.values()) + unsold_width
        if freq.band_edges is not None and start + total > freq.band_edges.to_khz:
            start = freq.band_edges.to_khz - total
        contiguous = []
        at = start
        for b in order:
            rng = FreqRange(at, at + widths[b])
            contiguous.append(HeldRange(b, rng, freq.uplink(rng) if fdd else None))
            at += widths[b]
        if unsold_width:
            rng = FreqRange(at, at + unsold_width)
            contiguous.append(HeldRange(None, rng, freq.uplink(rng) if fdd else None))
        result[band.id] = Rationalisation(
            band=band.id,
            estimated=freq.holdings_estimated or freq.estimated,
            includes_auction=layouts is not None,
            current=tuple(current),
            contiguous=tuple(contiguous),
        )
    return result


# ---------------------------------------------------------------- JSON and text


def _range_json(rng: FreqRange, uplink: FreqRange | None, has_frequencies: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"from_mhz": _mhz_float(rng.from_khz), "to_mhz": _mhz_float(rng.to_khz)}
    if uplink is not None:
        out["range"] = "downlink"
        out["uplink_from_mhz"] = _mhz_float(uplink.from_khz)
        out["uplink_to_mhz"] = _mhz_float(uplink.to_khz)
    else:
        out["range"] = "tdd" if has_frequencies else "offset"
    return out


def band_plan_json(plan: BandPlan) -> dict[str, list[dict[str, Any]]]:
    """``{band_id: [{"bidder", "from_mhz", "to_mhz", "lots", ...}]}``, bottom block first.

    FDD: ``from_mhz``/``to_mhz`` are the downlink (``"range": "downlink"``) and
    ``uplink_from_mhz``/``uplink_to_mhz`` the uplink; ``"range": "offset"``
    means the scenario gives no frequencies and the figures count MHz from the
    bottom of the offered spectrum.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for band_id, layout in plan.bands.items():
        out[band_id] = [
            {"bidder": b.bidder, "lots": b.lots, **_range_json(b.range, b.uplink, layout.has_frequencies)}
            | ({"position": b.position} if b.position is not None else {})
            for b in layout.blocks
        ]
    return out


def assignment_json(outcome: AssignmentOutcome, plan: BandPlan | None = None) -> dict[str, Any]:
    """``{band_id: {"rounds", "status", "winners": {bidder: {"position", "price_usd", "from_mhz", "to_mhz", ...}}}}``."""
    out: dict[str, Any] = {}
    for band_id, result in outcome.bands.items():
        blocks = {b.bidder: b for b in plan.bands[band_id].blocks} if plan else {}
        n = len(result.order)
        band_out: dict[str, Any] = {}
        for w in result.order:
            entry: dict[str, Any] = {
                "position": result.positions[w],
                "label": position_label(result.positions[w], n),
                "price_usd": result.prices[w],
                "lots": result.lots[w],
                "free": w in result.free_filled,
            }
            if w in blocks and plan is not None:
                entry |= _range_json(blocks[w].range, blocks[w].uplink, plan.bands[band_id].has_frequencies)
            band_out[w] = entry
        out[band_id] = {
            "rounds": result.rounds,
            "status": result.status,
            "revenue_usd": result.revenue_usd,
            "unsold_lots": result.unsold_lots,
            "winners": band_out,
        }
    return out


def rationalisation_json(plan: BandPlan) -> dict[str, Any]:
    def held(h: HeldRange) -> dict[str, Any]:
        return {"bidder": h.bidder, **_range_json(h.range, h.uplink, True)}

    return {
        band_id: {
            "estimated": r.estimated,
            "includes_auction": r.includes_auction,
            "current": [held(h) for h in r.current],
            "contiguous": [held(h) for h in r.contiguous],
        }
        for band_id, r in plan.rationalisation.items()
    }


def band_plan_text(plan: BandPlan) -> str:
    """One compact line per band, and the rationalisation of fragmented bands."""
    lines = ["Band plan after the auction (FDD: downlink; * = frequencies are estimates):"]
    for band_id, layout in plan.bands.items():
        mark = "*" if layout.estimated else " "
        unit = "" if layout.has_frequencies else " offset"
        parts = [
            f"{fmt_freq(b.range.from_khz)}-{fmt_freq(b.range.to_khz)} {b.bidder or 'unsold'}({b.lots})" for b in layout.blocks
        ]
        lines += _wrapped(f"  {band_id:>5}{mark}{unit} ", parts)
    for band_id, r in plan.rationalisation.items():
        mark = "*" if r.estimated else ""
        lines.append(f"  {band_id} MHz rationalisation{mark} (downlink):")
        lines += _wrapped("    now:        ", [_held_text(h) for h in r.current])
        lines += _wrapped("    contiguous: ", [_held_text(h) for h in r.contiguous])
    return "\n".join(lines)


def _wrapped(prefix: str, parts: list[str], width: int = 100) -> list[str]:
    """Blocks joined by " | ", continued under the first block so that no line is wider than ``width``."""
    lines = [prefix + (parts[0] if parts else "")]
    for part in parts[1:]:
        if len(lines[-1]) + 3 + len(part) > width:
            lines[-1] += " |"
            lines.append(" " * len(prefix) + part)
        else:
            lines[-1] += " | " + part
    return lines


def _held_text(h: HeldRange) -> str:
    return f"{fmt_freq(h.range.from_khz)}-{fmt_freq(h.range.to_khz)} {h.bidder or 'unsold'}"


# ---------------------------------------------------------------- after the allocation stage


@dataclass(frozen=True)
class Positioning:
    """The assignment stage run headless after an allocation stage, and the band plan it gives."""

    scenario: Scenario
    allocation: AllocationOutcome
    assignment: AssignmentOutcome
    plan: BandPlan

    def text(self) -> str:
        return assignment_text(self.scenario, self.allocation.revenue_usd, self.assignment) + "\n\n" + band_plan_text(
            self.plan
        )

    def add_to_json(self, doc: dict[str, Any]) -> None:
        """Add ``assignment``, ``band_plan`` and ``rationalisation``; assignment prices join the revenue."""
        add_to_summary_json(doc, self.scenario, self.assignment)
        doc["assignment"] = assignment_json(self.assignment, self.plan)
        doc["band_plan"] = band_plan_json(self.plan)
        doc["rationalisation"] = rationalisation_json(self.plan)


def run_positioning(scenario: Scenario, allocation: AllocationOutcome, seed: int) -> Positioning:
    """Scripted position bidders for every winner (plan bidders too), then the band plan."""
    assignment = run_assignment(scenario, allocation, seed=seed)
    return Positioning(scenario, allocation, assignment, band_plan(scenario, allocation, assignment))
