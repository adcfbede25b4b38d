"""AUCTION_RULES.md: round 1 openings and "Money after the auction" (revenue in USD and PKR, success, deposits)."""

from __future__ import annotations

from decimal import Decimal

from conftest import one_band, play

from game.engine.allocation import ClockAuction
from game.engine.rules import Bid
from game.records.report import summarise, summary_json
from game.scenario import Scenario
from game.scenario.units import to_pkr


def test_rule_round1_clock_and_start_prices_are_the_reserve(pakistan: Scenario) -> None:
    auction = ClockAuction(pakistan, seed=1)
    reserves = {b.id: b.reserve_usd for b in pakistan.bands}
    assert auction.start_prices() == reserves
    assert auction.clock_prices() == reserves


def test_rule_initial_eligibility_is_unlimited_in_round_1(pakistan: Scenario) -> None:
    auction = ClockAuction(pakistan, seed=1)
    assert pakistan.rules.initial_eligibility is None
    # The biggest bundle the caps allow Zong: far more points than any later eligibility.
    bids = {"2100": Bid("2100", 4), "2300": Bid("2300", 5), "2600": Bid("2600", 14), "3500": Bid("3500", 5)}
    assert auction.check("zong", bids) == []


def _sell(scenario: Scenario, lots_a: int, lots_b: int) -> ClockAuction:
    auction = ClockAuction(scenario, ["a", "b"], seed=3)
    play(auction, {"a": {"x": lots_a}, "b": {"x": lots_b}})
    assert auction.finished
    return auction


def test_rule_success_needs_at_least_half_the_offered_mhz_sold() -> None:
    scenario = one_band(lots=10)
    exactly_half = summarise(scenario, _sell(scenario, 3, 2).outcome())
    assert exactly_half.sold_tenths * 2 == scenario.offered_tenths
    assert exactly_half.success
    below = summarise(scenario, _sell(scenario, 2, 2).outcome())
    assert not below.success
    assert summary_json(below)["success"] is False


def test_rule_revenue_in_usd_and_pkr_per_band_per_bidder_and_total(pakistan: Scenario) -> None:
    auction = ClockAuction(pakistan, ["jazz", "zong"], seed=1)
    play(auction, {"jazz": {"2600": 6, "3500": 5, "700": 1}, "zong": {"2600": 5, "3500": 7}})
    assert auction.finished
    outcome = auction.outcome()
    summary = summarise(pakistan, outcome)
    rate = pakistan.exchange_rate_pkr_per_usd
    assert rate == Decimal("279.37")
    per_band = sum(b.revenue_usd for b in summary.bands)
    per_bidder = sum(b.payment_usd for b in summary.bidders)
    assert summary.revenue_usd == per_band == per_bidder == outcome.revenue_usd
    # At reserve: 11 x $12.5m + 12 x $6.5m + 1 x $32.5m.
    assert summary.revenue_usd == 11 * 12_500_000 + 12 * 6_500_000 + 32_500_000
    # $248m x Rs279.37 = Rs69,283,760,000.
    assert summary.revenue_pkr == to_pkr(summary.revenue_usd, rate) == 69_283_760_000


def test_rule_forfeited_deposits_are_reported_apart_from_revenue(pakistan: Scenario) -> None:
    auction = ClockAuction(pakistan, ["jazz", "zong"], seed=1)
    auction.submit("jazz", {"700": Bid("700", 1)}, accept_penalty=True)
    auction.submit("zong", {"2600": Bid("2600", 5), "3500": Bid("3500", 5)})
    auction.close_round()
    summary = summarise(pakistan, auction.outcome())
    assert summary.forfeited_usd == pakistan.rules.deposit_usd
    assert summary.revenue_usd == 5 * 12_500_000 + 5 * 6_500_000
    doc = summary_json(summary)
    assert doc["forfeited_deposits_usd"] == 15_000_000
    assert doc["bidders"]["jazz"]["excluded"] is True
    assert doc["revenue_usd"] == summary.revenue_usd
