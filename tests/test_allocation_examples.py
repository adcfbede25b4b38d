"""Worked multi-round examples of the allocation stage, every number checked by hand.

Each example plays a whole auction and states, in comments, the queue, what
each step applies, the posted prices and the payments, so that a reader can
follow AUCTION_RULES.md step by step.
"""

from __future__ import annotations

from decimal import Decimal

from conftest import band_table, build_scenario, one_band, play

from game.engine.allocation import RULE_NO_EXCESS_SUPPLY, ClockAuction, RoundResult
from game.engine.rules import RULE_ACTIVITY, Bid
from game.records.report import summarise
from game.scenario import Scenario


def steps(result: RoundResult) -> list[tuple[str, str, int, int]]:
    return [(s.bidder, s.band, s.from_lots, s.to_lots) for s in result.steps]


def test_example_switch_between_bands_with_an_increase_that_fits_only_after_a_decrease() -> None:
    # x: 4 lots, reserve $1,000,000, 10 points a lot. y: 3 lots, reserve $500,000, 5 points a lot.
    scenario = build_scenario(
        [band_table("x", 4, 1_000_000, points=10), band_table("y", 3, 500_000, points=5)],
        {"a": {}, "b": {}, "c": {}},
    )
    auction = ClockAuction(scenario, seed=7)

    # Round 1 at reserve: every bid is an increase from 0 and applies in full.
    r1 = play(auction, {"a": {"x": 2, "y": 1}, "b": {"x": 2}, "c": {"x": 1, "y": 2}})
    assert r1.aggregate_demand == {"x": 5, "y": 3}  # x over-demanded (5 > 4); y exactly sold
    assert r1.posted_prices == {"x": 1_000_000, "y": 500_000}
    # Eligibility = points of processed demand: a 2x10 + 1x5 = 25, b 20, c 10 + 10 = 20.
    assert r1.eligibility == {"a": 25, "b": 20, "c": 20}
    assert auction.clock_prices() == {"x": 1_050_000, "y": 500_000}  # only x rises, by 5%

    # Round 2: c switches one lot from x to y; a tries to drop one lot of x.
    # Queue by fraction of the range: c's y +1 (y did not rise: 0), c's x -1 at $1,020,000
    # ((1,020,000 - 1,000,000) / 50,000 = 0.4), a's x -1 at $1,040,000 (0.8).
    r2 = play(auction, {"a": {"x": (1, 1_040_000)}, "c": {"x": (0, 1_020_000), "y": 3}})
    # 1. c's y +1 needs 5 points; c uses 20 of 20: not applied yet.
    # 2. c's x -1: demand 5 -> 4 = supply, allowed. Re-test from the head:
    # 3. c's y +1 now fits (10 of 20 points used): applied, y demand 3 -> 4.
    # 4. a's x -1 would take x below supply (4) above reserve: not applied.
    assert steps(r2) == [("c", "x", 1, 0), ("c", "y", 2, 3)]
    (left,) = r2.unapplied
    assert (left.bidder, left.band, left.requested, left.processed, left.rule) == ("a", "x", 1, 2, RULE_NO_EXCESS_SUPPLY)
    assert r2.aggregate_demand == {"x": 4, "y": 4}
    # x: no excess, rose this round, one decrease applied at $1,020,000 -> posted $1,020,000.
    # y: excess (4 > 3) -> posted at its clock, $500,000.
    assert r2.posted_prices == {"x": 1_020_000, "y": 500_000}
    assert r2.eligibility == {"a": 25, "b": 20, "c": 15}  # c: min(20, 3 x 5)
    # Next clocks: x stays at $1,020,000; y rises 5%: $525,000.
    assert auction.start_prices() == {"x": 1_020_000, "y": 500_000}
    assert auction.clock_prices() == {"x": 1_020_000, "y": 525_000}

    # a would like x 3 (30 points) but has 25: refused at entry, nothing lost.
    assert auction.check("a", {"x": Bid("x", 3)})[0].rule == RULE_ACTIVITY
    # Round 3: a drops its y lot at $510,000 ((510,000 - 500,000) / 25,000 = 0.4 of the range).
    r3 = play(auction, {"a": {"y": (0, 510_000)}})
    assert steps(r3) == [("a", "y", 1, 0)]  # y demand 4 -> 3 = supply
    assert r3.posted_prices == {"x": 1_020_000, "y": 510_000}  # y set by the intra-round decrease
    assert auction.status == "ended"

    outcome = auction.outcome()
    assert outcome.rounds == 3
    assert outcome.lots == {"a": {"x": 2, "y": 0}, "b": {"x": 2, "y": 0}, "c": {"x": 0, "y": 3}}
    # a, b: 2 x $1,020,000 = $2,040,000; c: 3 x $510,000 = $1,530,000; total $5,610,000.
    assert outcome.payments == {"a": 2_040_000, "b": 2_040_000, "c": 1_530_000}
    assert outcome.revenue_usd == 5_610_000


def test_example_pakistan_partial_decreases_and_posted_prices(pakistan: Scenario) -> None:
    auction = ClockAuction(pakistan, ("jazz", "zong", "ufone"), seed=1)
    # Round 1 at reserve ($12.5m a 2600 lot, $6.5m a 3500 lot); obligation met by everyone.
    # 2600: 8 + 7 + 6 = 21 of 19 lots; 3500: 12 + 10 + 8 = 30 of 28 lots.
    # Caps: Jazz 94.4 + 80 + 120 = 294.4 MHz, Zong 67.3 + 170 = 237.3, Ufone 112.3 + 140 = 252.3 (all <= 348.5).
    r1 = play(
        auction,
        {"jazz": {"2600": 8, "3500": 12}, "zong": {"2600": 7, "3500": 10}, "ufone": {"2600": 6, "3500": 8}},
    )
    assert r1.aggregate_demand == {"700": 0, "1800": 0, "2100": 0, "2300": 0, "2600": 21, "3500": 30}
    # Points: Jazz 8 x 125 + 12 x 65 = 1,780; Zong 875 + 650 = 1,525; Ufone 750 + 520 = 1,270.
    assert r1.eligibility == {"jazz": 1_780, "zong": 1_525, "ufone": 1_270}
    # Round 2 clocks: 2600 12.5m x 1.05 = $13,125,000; 3500 6.5m x 1.05 = $6,825,000.
    assert auction.clock_prices()["2600"] == 13_125_000
    assert auction.clock_prices()["3500"] == 6_825_000

    # Round 2 queue: Ufone 3500 -1 at $6,600,000 (100,000 / 325,000 = 0.31),
    # Jazz 2600 -3 at $12,800,000 (300,000 / 625,000 = 0.48), Zong 3500 -2 at the clock (1.0).
    r2 = play(
        auction,
        {
            "jazz": {"2600": (5, 12_800_000)},
            "zong": {"3500": 8},
            "ufone": {"3500": (7, 6_600_000)},
        },
    )
    # Ufone 3500 8 -> 7 (30 -> 29); Jazz 2600 8 -> 6 only (21 -> 19 = supply: a partial decrease);
    # Zong 3500 10 -> 9 only (29 -> 28 = supply); then nothing more applies.
    assert steps(r2) == [("ufone", "3500", 8, 7), ("jazz", "2600", 8, 6), ("zong", "3500", 10, 9)]
    assert {(u.bidder, u.band, u.requested, u.processed) for u in r2.unapplied} == {
        ("jazz", "2600", 5, 6),
        ("zong", "3500", 8, 9),
    }
    # Posted: 2600 by Jazz's decrease at $12.8m; 3500 by the higher of $6.6m and $6.825m.
    assert r2.posted_prices["2600"] == 12_800_000
    assert r2.posted_prices["3500"] == 6_825_000
    assert auction.status == "ended"

    outcome = auction.outcome()
    # Jazz 6 x 12.8m + 12 x 6.825m = 76.8m + 81.9m = $158.7m
    # Zong 7 x 12.8m + 9 x 6.825m = 89.6m + 61.425m = $151.025m
    # Ufone 6 x 12.8m + 7 x 6.825m = 76.8m + 47.775m = $124.575m; total $434.3m.
    assert outcome.payments == {"jazz": 158_700_000, "zong": 151_025_000, "ufone": 124_575_000}
    summary = summarise(pakistan, outcome)
    assert summary.revenue_usd == 434_300_000
    assert summary.revenue_pkr == 121_330_391_000  # x 279.37
    # Sold 190 + 280 = 470 MHz of 597.2 MHz: above 50%, a success.
    assert summary.sold_tenths == 4700 and summary.success
    band_2600 = next(b for b in summary.bands if b.id == "2600")
    assert band_2600.premium_percent == Decimal("2.4")  # 12.8 / 12.5 - 1
    assert band_2600.price_per_mhz_usd == 1_280_000


def test_example_price_path_over_several_rounds() -> None:
    auction = ClockAuction(one_band(10), seed=3)
    play(auction, {"a": {"x": 6}, "b": {"x": 6}})  # 12 of 10 at $1,000,000
    play(auction, {})  # maintain at $1,050,000
    assert auction.clock_prices() == {"x": 1_103_000}  # 1,050,000 x 1.05 = 1,102,500 -> up to the $1,000 step
    play(auction, {})  # maintain at $1,103,000
    assert auction.clock_prices() == {"x": 1_159_000}  # 1,103,000 x 1.05 = 1,158,150 -> 1,159,000
    # b drops 2 lots at $1,120,000 (17,000 / 56,000 of the range): 12 -> 10, the excess is gone.
    r4 = play(auction, {"b": {"x": (4, 1_120_000)}})
    assert r4.posted_prices == {"x": 1_120_000}
    assert [r.posted_prices["x"] for r in auction.history] == [1_000_000, 1_050_000, 1_103_000, 1_120_000]
    outcome = auction.outcome()
    assert outcome.payments == {"a": 6 * 1_120_000, "b": 4 * 1_120_000}
