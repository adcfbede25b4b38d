"""Reports of an auction's result: a JSON-ready summary and a readable text.

Per band: supply, sold and unsold lots, final price per lot and per MHz,
premium over reserve, revenue. Per bidder: lots, MHz, payment, holdings after
the auction and cap headroom. Totals in USD and PKR, success, forfeited
deposits. Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from game.engine.allocation import AllocationOutcome
from game.engine.rules import BidderLimits
from game.records.failures import AgentFailure
from game.scenario import Scenario
from game.scenario.units import Tenths, fmt_mhz, fmt_pkr, fmt_usd, to_pkr


def _mhz_number(tenths: Tenths) -> float:
    return tenths / 10


@dataclass(frozen=True)
class BandSummary:
    id: str
    supply_lots: int
    sold_lots: int
    price_usd: int
    price_per_mhz_usd: int
    """Per MHz paired (2x1 MHz) for FDD, per MHz for TDD: the unit of the base price."""
    reserve_usd: int
    premium_percent: Decimal
    revenue_usd: int
    allocated: bool

    @property
    def unsold_lots(self) -> int:
        return self.supply_lots - self.sold_lots


@dataclass(frozen=True)
class BidderSummary:
    id: str
    name: str
    lots: dict[str, int]
    won_tenths: Tenths
    payment_usd: int
    holdings_after_tenths: Tenths
    cap_headroom: dict[str, Tenths]
    excluded: bool
    forfeited_deposit_usd: int


@dataclass(frozen=True)
class Summary:
    scenario: Scenario
    outcome: AllocationOutcome
    bands: tuple[BandSummary, ...]
    bidders: tuple[BidderSummary, ...]
    revenue_usd: int
    revenue_pkr: int
    sold_tenths: Tenths
    success: bool
    forfeited_usd: int


def summarise(scenario: Scenario, outcome: AllocationOutcome) -> Summary:
    bands = []
    for band in scenario.bands:
        sold = outcome.sold_lots(band.id)
        price = outcome.prices[band.id]
        unit = 20 if band.duplex == "FDD" else 10
        premium = ((Decimal(price) / band.reserve_usd - 1) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        bands.append(
            BandSummary(
                id=band.id,
                supply_lots=band.lots,
                sold_lots=sold,
                price_usd=price,
                price_per_mhz_usd=price * unit // band.lot_tenths,
                reserve_usd=band.reserve_usd,
                premium_percent=premium,
                revenue_usd=sold * price,
                allocated=outcome.allocated[band.id],
            )
        )
    bidders = []
    for bidder_id, lots in outcome.lots.items():
        profile = scenario.bidder(bidder_id)
        limits = BidderLimits(scenario, profile)
        bundle = [lots[b.id] for b in scenario.bands]
        won = sum(lots[b.id] * b.lot_tenths for b in scenario.bands)
        bidders.append(
            BidderSummary(
                id=bidder_id,
                name=profile.name,
                lots=dict(lots),
                won_tenths=won,
                payment_usd=outcome.payments[bidder_id],
                holdings_after_tenths=profile.total_holdings + won,
                cap_headroom=limits.usage(bundle).headroom(),
                excluded=bidder_id in outcome.excluded,
                forfeited_deposit_usd=outcome.forfeited_deposits.get(bidder_id, 0),
            )
        )
    revenue = outcome.revenue_usd
    sold = sum(b.sold_lots * scenario.band(b.id).lot_tenths for b in bands)
    threshold = scenario.rules.success_threshold_percent
    return Summary(
        scenario=scenario,
        outcome=outcome,
        bands=tuple(bands),
        bidders=tuple(bidders),
        revenue_usd=revenue,
        revenue_pkr=to_pkr(revenue, scenario.exchange_rate_pkr_per_usd),
        sold_tenths=sold,
        success=sold * 100 >= scenario.offered_tenths * threshold,
        forfeited_usd=sum(outcome.forfeited_deposits.values()),
    )


def summary_json(summary: Summary, *, seed: int | None = None, failures: Sequence[AgentFailure] = ()) -> dict[str, Any]:
    """The ``--json`` document: status, rounds, revenue, bands and bidders (see README)."""
    s = summary.scenario
    return {
        "scenario": s.id,
        "seed": seed,
        "status": summary.outcome.status,
        "rounds": summary.outcome.rounds,
        "revenue_usd": summary.revenue_usd,
        "revenue_pkr": summary.revenue_pkr,
        "exchange_rate_pkr_per_usd": str(s.exchange_rate_pkr_per_usd),
        "offered_mhz": _mhz_number(s.offered_tenths),
        "sold_mhz": _mhz_number(summary.sold_tenths),
        "success": summary.success,
        "forfeited_deposits_usd": summary.forfeited_usd,
        "bands": {
            b.id: {
                "supply_lots": b.supply_lots,
                "sold_lots": b.sold_lots,
                "unsold_lots": b.unsold_lots,
                "price_usd": b.price_usd,
                "price_per_mhz_usd": b.price_per_mhz_usd,
                "reserve_usd": b.reserve_usd,
                "premium_percent": float(b.premium_percent),
                "revenue_usd": b.revenue_usd,
                "allocated": b.allocated,
            }
            for b in summary.bands
        },
        "bidders": {
            b.id: {
                "name": b.name,
                "lots": b.lots,
                "mhz": _mhz_number(b.won_tenths),
                "payment_usd": b.payment_usd,
                "holdings_after_mhz": _mhz_number(b.holdings_after_tenths),
                "cap_headroom_mhz": {k: _mhz_number(v) for k, v in b.cap_headroom.items()},
                "excluded": b.excluded,
                "forfeited_deposit_usd": b.forfeited_deposit_usd,
            }
            for b in summary.bidders
        },
        "agent_failures": [
            {"round": f.round, "bidder": f.bidder, "kind": f.kind, "message": f.message} for f in failures
        ],
    }


def summary_text(summary: Summary, *, failures: Sequence[AgentFailure] = ()) -> str:
    """A readable report for the terminal."""
    s = summary.scenario
    o = summary.outcome
    lines = [
        f"{s.name}",
        f"Allocation stage {o.status} after {o.rounds} round(s).",
        "",
        f"{'band':>6} {'supply':>7} {'sold':>5} {'unsold':>6} {'price/lot':>11} {'price/MHz':>15} {'premium':>8} {'revenue':>11}",
    ]
    for b in summary.bands:
        band = s.band(b.id)
        per = "/MHz pr" if band.duplex == "FDD" else "/MHz"
        note = "" if b.allocated else "  not allocated: excess demand at halt"
        lines.append(
            f"{b.id:>6} {b.supply_lots:>7} {b.sold_lots:>5} {b.unsold_lots:>6} {fmt_usd(b.price_usd):>11} "
            f"{fmt_usd(b.price_per_mhz_usd) + per:>15} {str(b.premium_percent) + '%':>8} {fmt_usd(b.revenue_usd):>11}{note}"
        )
    lines.append("")
    band_ids = s.band_ids
    # 23 + 6 per band + 32 columns: six bands and the EXCLUDED tag still fit a 100-column terminal.
    header = f"{'bidder':<23}" + "".join(f"{bid:>6}" for bid in band_ids) + f"{'won':>10}{'pays':>10}{'holds after':>12}"
    lines.append(header)
    for w in summary.bidders:
        tag = " EXCLUDED" if w.excluded else ""
        lines.append(
            f"{w.name[:22]:<23}" + "".join(f"{w.lots[x]:>6}" for x in band_ids)
            + f"{fmt_mhz(w.won_tenths):>10}{fmt_usd(w.payment_usd):>10}{fmt_mhz(w.holdings_after_tenths):>12}{tag}"
        )
    lines.append("")
    lines.append("Cap headroom after the auction:")
    for w in summary.bidders:
        parts = ", ".join(f"{k} {fmt_mhz(v)}" for k, v in w.cap_headroom.items())
        line = f"  {w.name}: {parts}"
        lines.append(line if len(line) <= 100 else f"  {w.id}: {parts}")  # a long name gives way to the id
    lines.append("")
    share = Decimal(summary.sold_tenths * 100) / s.offered_tenths
    lines.append(
        f"Revenue: {fmt_usd(summary.revenue_usd)} (${summary.revenue_usd:,}) = {fmt_pkr(summary.revenue_pkr)} "
        f"at Rs{s.exchange_rate_pkr_per_usd} per USD"
    )
    lines.append(
        f"Sold {fmt_mhz(summary.sold_tenths)} of {fmt_mhz(s.offered_tenths)} ({share:.1f}%): "
        + ("success" if summary.success else "NOT a success")
        + f" (threshold {s.rules.success_threshold_percent}%)"
    )
    if summary.forfeited_usd:
        who = ", ".join(f"{b} {fmt_usd(v)}" for b, v in o.forfeited_deposits.items())
        lines.append(f"Forfeited deposits (not in revenue): {fmt_usd(summary.forfeited_usd)} ({who})")
    if failures:
        lines.append("")
        lines.append(f"Agent failures ({len(failures)}; each maintained its demand):")
        for f in failures[:20]:
            lines.append(f"  round {f.round}, {f.bidder}, {f.kind}: {f.message}")
        if len(failures) > 20:
            lines.append(f"  ... and {len(failures) - 20} more (see --json)")
    return "\n".join(lines)
