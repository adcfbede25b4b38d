"""The band plan: who holds which frequencies after the auction, with the band edges the scenario gives.

Reads and checks the scenario's optional ``[band_plan]`` section (offered
ranges per band, the 3GPP band edges, existing holdings as ranges), lays out
the blocks of every band after the allocation and assignment stages (winners
in position order or bidder order, unsold at the top), and the contiguous
layout a rationalisation plan would give each operator in bands where
holdings are fragmented (Pakistan: 1800 and 2100 MHz). Pure data for the CLI
and the desktop results screen to print or draw. Never imports pygame.

Frequencies are integer kHz: a position on the spectrum axis of one link
(uplink or downlink), whereas :mod:`game.scenario.units` tenths count both halves of
paired spectrum; estimated holdings such as 2x18.65 MHz need the finer unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from game.engine.allocation import AllocationOutcome
from game.engine.assignment import AssignmentOutcome, add_to_summary_json, assignment_text, position_label, run_assignment
from game.scenario import Band, Scenario
from game.scenario.band_plan import BandFrequencies, FreqRange, _mhz_float, fmt_freq, frequencies, khz_per_tenth

if TYPE_CHECKING:
    pass

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
