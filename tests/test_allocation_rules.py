"""A test per rule of AUCTION_RULES.md's allocation stage, named after the rule.

Small scenarios are built in code (see conftest.py); the Pakistan scenario is
used where its caps and obligation are the point. Every price is whole
dollars; the comments show the arithmetic.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import band_table, build_scenario, one_band, play, scenario_tree, two_bands

from game.engine.allocation import RULE_NO_EXCESS_SUPPLY, ClockAuction, RoundResult, next_clock_price, posted_price
from game.engine.rules import (
    RULE_ACTIVITY,
    RULE_BAND_CAP,
    RULE_LOW_BAND_CAP,
    RULE_NOT_BIDDING,
    RULE_OBLIGATION,
    RULE_OVERALL_CAP,
    RULE_PRICE,
    RULE_QUANTITY,
    Bid,
    BidRefused,
)
from game.records.view import build_view
from game.scenario import Scenario, parse_scenario


def refused(auction: ClockAuction, bidder: str, bids: dict[str, Any], **kw: Any) -> BidRefused:
    with pytest.raises(BidRefused) as info:
        auction.submit(bidder, {band: Bid(band, *v) if isinstance(v, tuple) else Bid(band, v) for band, v in bids.items()}, **kw)
    return info.value


def rules_of(exc: BidRefused) -> set[str]:
    return {r.rule for r in exc.refusals}


def pakistan_round1(pakistan: Scenario, bidders: tuple[str, ...] = ("jazz", "zong", "ufone")) -> ClockAuction:
    return ClockAuction(pakistan, bidders, seed=1)


def excess_round(lots: int = 10, a: int = 6, b: int = 6, **kw: Any) -> ClockAuction:
    """One band 'x' of ``lots`` lots after a round 1 with demand a + b (excess if above supply)."""
    auction = ClockAuction(one_band(lots, **kw), seed=0)
    play(auction, {"a": {"x": a}, "b": {"x": b}})
    return auction


# ---------------------------------------------------------------- checks at entry


def test_rule_quantity_is_a_whole_number_within_supply() -> None:
    auction = ClockAuction(one_band(10), seed=0)
    for bad in (11, -1, 2.5, True, "3"):
        exc = refused(auction, "a", {"x": bad})
        assert rules_of(exc) == {RULE_QUANTITY}, bad
        assert exc.refusals[0].band == "x"
    assert "11 lots is outside 0..10 (supply 10 lots)" in str(refused(auction, "a", {"x": 11}))
    auction.submit("a", {"x": Bid("x", 10)})
    auction.submit("a", {"x": Bid("x", 0)})


def test_rule_price_point_in_range_and_on_the_step() -> None:
    auction = excess_round()  # 12 lots asked for 10: round 2 runs from $1,000,000 to $1,050,000
    assert auction.start_prices() == {"x": 1_000_000}
    assert auction.clock_prices() == {"x": 1_050_000}
    low = refused(auction, "a", {"x": (4, 999_000)})
    assert rules_of(low) == {RULE_PRICE}
    assert "$999,000 is outside this round's range $1,000,000 (start of round) to $1,050,000 (clock)" in str(low)
    assert rules_of(refused(auction, "a", {"x": (4, 1_051_000)})) == {RULE_PRICE}
    off_step = refused(auction, "a", {"x": (4, 1_000_500)})
    assert "not a multiple of the $1,000 price step" in str(off_step)
    auction.submit("a", {"x": Bid("x", 4, 1_000_000)})  # both ends of the range are allowed
    auction.submit("a", {"x": Bid("x", 4, 1_050_000)})
    auction.submit("a", {"x": Bid("x", 4, 1_020_000)})
    # A maintain bid has no price point: whatever it names is ignored.
    auction.submit("b", {"x": Bid("x", 6, 5)})
    assert auction.submitted("b") == ({"x": Bid("x", 6)}, False)


def test_rule_overall_cap_counts_existing_holdings(pakistan: Scenario) -> None:
    auction = pakistan_round1(pakistan)
    # Ufone holds 112.3 MHz; 5 lots of 2600 + 19 of 3500 = 240 MHz -> 352.3 MHz > 348.5 MHz.
    exc = refused(auction, "ufone", {"2600": 5, "3500": 19})
    assert rules_of(exc) == {RULE_OVERALL_CAP}
    assert "352.3 MHz (112.3 MHz existing + 240 MHz bid), above the cap of 348.5 MHz" in str(exc)
    auction.submit("ufone", {"2600": Bid("2600", 5), "3500": Bid("3500", 18)})  # 342.3 MHz fits


def test_rule_low_band_cap_ufone_telenor_cannot_add_a_700_lot(pakistan: Scenario) -> None:
    auction = pakistan_round1(pakistan)
    obligation = {"2600": 5, "3500": 5}
    exc = refused(auction, "ufone", {"700": 1, **obligation})
    assert rules_of(exc) == {RULE_LOW_BAND_CAP}
    # 20 MHz at 850 + 30.4 MHz at 900 + 10 MHz = 60.4 MHz against 55 MHz.
    assert "60.4 MHz (50.4 MHz existing + 10 MHz bid), above the cap of 55 MHz; headroom 4.6 MHz" in str(exc)
    # Jazz (24.8 MHz of 900) fits all three 2x5 MHz lots: 54.8 MHz; Zong (10 MHz) too.
    auction.submit("jazz", {"700": Bid("700", 3), **{b: Bid(b, q) for b, q in obligation.items()}})
    auction.submit("zong", {"700": Bid("700", 3), **{b: Bid(b, q) for b, q in obligation.items()}})


def test_rule_per_band_caps_2600_and_3500(pakistan: Scenario) -> None:
    auction = pakistan_round1(pakistan)
    exc = refused(auction, "zong", {"2600": 15, "3500": 5})
    assert rules_of(exc) == {RULE_BAND_CAP}
    assert "15 lots would give Zong (CMPak) 150 MHz, above the cap of 140 MHz (at most 14 lots)" in str(exc)
    exc = refused(auction, "zong", {"2600": 5, "3500": 21})
    assert rules_of(exc) == {RULE_BAND_CAP}
    assert exc.refusals[0].band == "3500"
    auction.submit("zong", {"2600": Bid("2600", 5), "3500": Bid("3500", 20)})  # 67.3 + 250 = 317.3 MHz
    auction.submit("zong", {"2600": Bid("2600", 14), "3500": Bid("3500", 5)})


def test_rule_activity_points_may_not_exceed_eligibility() -> None:
    scenario = build_scenario([band_table("x", 10, 1_000_000, points=10)], {"a": {}, "b": {}}, initial_eligibility=50)
    auction = ClockAuction(scenario, seed=0)
    exc = refused(auction, "a", {"x": 6})
    assert rules_of(exc) == {RULE_ACTIVITY}
    assert "the bundle is worth 60 eligibility points, above A's eligibility of 50 points" in str(exc)
    auction.submit("a", {"x": Bid("x", 5)})


def test_rule_round1_obligation_refused_unless_the_penalty_is_accepted(pakistan: Scenario) -> None:
    auction = pakistan_round1(pakistan)
    exc = refused(auction, "jazz", {"2600": 4, "3500": 5})
    assert rules_of(exc) == {RULE_OBLIGATION}
    assert exc.refusals[0].band == "2600"
    assert "at least 5 lots in 2600 MHz, this bid has 4" in str(exc)
    assert "$15,000,000 deposit is forfeited" in str(exc)
    assert auction.submitted("jazz") is None
    auction.submit("jazz", {"2600": Bid("2600", 4), "3500": Bid("3500", 5)}, accept_penalty=True)
    for bidder in ("zong", "ufone"):
        auction.submit(bidder, {"2600": Bid("2600", 10), "3500": Bid("3500", 10)})
    result = auction.close_round()
    # The bid counts as zero, the deposit is forfeited, the bidder is out.
    assert result.newly_excluded == ("jazz",)
    assert result.accepted_penalty == ("jazz",)
    assert result.processed["jazz"] == {b: 0 for b in pakistan.band_ids}
    assert result.aggregate_demand["2600"] == 20
    assert result.eligibility["jazz"] == 0
    assert auction.is_excluded("jazz")
    exc = refused(auction, "jazz", {"2600": 5, "3500": 5})
    assert rules_of(exc) == {RULE_NOT_BIDDING}
    assert "excluded" in str(exc)


def test_rule_round1_obligation_penalty_outcome(pakistan: Scenario) -> None:
    auction = pakistan_round1(pakistan, ("jazz", "zong"))
    auction.submit("jazz", {"3500": Bid("3500", 2)}, accept_penalty=True)
    auction.submit("zong", {"2600": Bid("2600", 5), "3500": Bid("3500", 5)})
    auction.close_round()
    assert auction.status == "ended"
    outcome = auction.outcome()
    assert outcome.excluded == ("jazz",)
    assert outcome.forfeited_deposits == {"jazz": 15_000_000}
    assert outcome.payments["jazz"] == 0
    assert outcome.payments["zong"] == 5 * 12_500_000 + 5 * 6_500_000
    assert outcome.revenue_usd == outcome.payments["zong"]  # forfeited deposits are not revenue


def test_rule_round1_no_submission_excludes_an_incumbent(pakistan: Scenario) -> None:
    auction = pakistan_round1(pakistan, ("jazz", "zong", "entrant"))
    auction.submit("jazz", {"2600": Bid("2600", 5), "3500": Bid("3500", 5)})
    auction.submit("entrant", {"2600": Bid("2600", 1)})  # not an incumbent: no obligation
    result = auction.close_round()  # zong submitted nothing
    assert result.newly_excluded == ("zong",)
    assert auction.outcome().forfeited_deposits == {"zong": 15_000_000}
    assert not auction.is_excluded("entrant")


def test_rule_refused_bids_leave_earlier_accepted_bids_intact() -> None:
    auction = ClockAuction(one_band(10), seed=0)
    auction.submit("a", {"x": Bid("x", 4)})
    refused(auction, "a", {"x": 11})
    assert auction.submitted("a") == ({"x": Bid("x", 4)}, False)
    result = auction.close_round()
    assert result.processed["a"] == {"x": 4}


def test_rule_bands_left_out_maintain_demand() -> None:
    auction = ClockAuction(two_bands(), seed=0)
    play(auction, {"a": {"x": 3, "y": 2}, "b": {"x": 2}})
    result = play(auction, {"a": {}, "b": {}})  # nothing named: everyone maintains
    assert result.processed == {"a": {"x": 3, "y": 2}, "b": {"x": 2, "y": 0}}
    assert result.steps == ()


# ---------------------------------------------------------------- processing


def test_rule_processing_queue_ordered_by_price_point_as_a_fraction_of_the_range() -> None:
    auction = excess_round()  # a 6, b 6 of 10 lots; round 2 range $1,000,000..$1,050,000
    # b's price point is higher in dollars than a's but the queue compares fractions:
    # a at 1,040,000 is 0.8 of the range, b at 1,010,000 is 0.2: b goes first.
    result = play(auction, {"a": {"x": (3, 1_040_000)}, "b": {"x": (3, 1_010_000)}})
    # b's decrease applies only down to supply: 12 - 10 = 2 lots; a's then finds no room.
    assert [(s.bidder, s.from_lots, s.to_lots) for s in result.steps] == [("b", 6, 4)]
    assert result.processed == {"a": {"x": 6}, "b": {"x": 4}}
    left = {(u.bidder, u.requested, u.processed, u.rule) for u in result.unapplied}
    assert left == {("a", 3, 6, RULE_NO_EXCESS_SUPPLY), ("b", 3, 4, RULE_NO_EXCESS_SUPPLY)}
    assert result.posted_prices == {"x": 1_010_000}


def test_rule_queue_fraction_compares_across_bands_with_different_ranges() -> None:
    auction = ClockAuction(two_bands(reserve_x=1_000_000, reserve_y=2_000_000), seed=0)
    play(auction, {"a": {"x": 3, "y": 3}, "b": {"x": 3, "y": 3}})
    assert auction.clock_prices() == {"x": 1_050_000, "y": 2_100_000}
    # x at 1,030,000 is 0.6 of its range; y at 2,040,000 is 0.4 of its: y first.
    result = play(auction, {"a": {"x": (2, 1_030_000), "y": (2, 2_040_000)}})
    assert [s.band for s in result.steps] == ["y", "x"]


def test_rule_ties_in_a_seeded_order_same_seed_same_result() -> None:
    def winner(seed: int) -> str:
        auction = ClockAuction(one_band(10), seed=seed)
        play(auction, {"a": {"x": 6}, "b": {"x": 5}})  # 11 lots asked: one lot may be dropped
        result = play(auction, {"a": {"x": 0}, "b": {"x": 0}})  # both at the clock price: a tie
        (step,) = result.steps
        return step.bidder

    winners = [winner(seed) for seed in range(16)]
    assert set(winners) == {"a", "b"}  # different seeds change who gets the contested decrease
    assert winners == [winner(seed) for seed in range(16)]  # the same seed always gives the same one


def test_rule_retest_from_the_head_increase_fits_only_after_a_decrease() -> None:
    scenario = two_bands(initial_eligibility=50)
    auction = ClockAuction(scenario, seed=0)
    play(auction, {"a": {"x": 3}, "b": {"x": 2}})  # x: 5 lots asked of 4; a's eligibility is now 30 points
    assert auction.eligibility("a") == 30
    # a switches x -> y. y did not rise (fraction 0) so its increase is first in the queue but
    # needs eligibility that only the decrease in x (at the x clock, fraction 1) frees.
    result = play(auction, {"a": {"x": 0, "y": 3}})
    assert [(s.band, s.from_lots, s.to_lots) for s in result.steps] == [("x", 3, 2), ("y", 0, 1)]
    # x: 5 - 4 = 1 lot could go; y: 30 - 20 = 10 points free, one lot of 10 points.
    assert result.processed["a"] == {"x": 2, "y": 1}
    reasons = {u.band: u for u in result.unapplied}
    assert reasons["x"].rule == RULE_NO_EXCESS_SUPPLY
    assert reasons["y"].rule == RULE_ACTIVITY
    assert "processed bundle uses 30 of 30 eligibility points" in reasons["y"].message


def test_rule_increase_limited_by_caps_given_processed_demand() -> None:
    # z: small lots worth many points, so dropping z frees eligibility but hardly any MHz.
    scenario = build_scenario(
        [
            band_table("x", 8, 1_000_000, points=10),
            band_table("y", 8, 1_000_000, points=10),
            band_table("z", 2, 1_000_000, lot_mhz=1, points=100),
        ],
        {"a": {}, "b": {}},
        overall_mhz=91,
    )
    auction = ClockAuction(scenario, seed=0)
    # a: 60 + 30 + 1 = 91 MHz (the cap), 190 points. x: 9 of 8; y: 8 of 8; z: 1 of 2 at reserve.
    play(auction, {"a": {"x": 6, "y": 3, "z": 1}, "b": {"x": 3, "y": 5}})
    # a: z -> 0 and y -> 6 (both fraction 0, neither band rose), x -> 3 at the clock (fraction 1).
    result = play(auction, {"a": {"x": 3, "y": 6, "z": 0}})
    # z's decrease applies in full (reserve, no excess): 100 points but only 1 MHz freed, so y's
    # increase is held by the cap (90 of 91 MHz), not by activity. x's decrease applies 1 lot
    # (9 -> 8), and the re-test gives y that lot's 10 MHz: y 4, x 5, 90 MHz.
    assert result.processed["a"] == {"x": 5, "y": 4, "z": 0}
    reasons = {u.band: u for u in result.unapplied}
    assert reasons["y"].rule == RULE_OVERALL_CAP
    assert "overall cap headroom is 1 MHz" in reasons["y"].message
    assert reasons["x"].rule == RULE_NO_EXCESS_SUPPLY


def test_rule_partial_decrease_never_below_supply_above_reserve() -> None:
    auction = excess_round(a=7, b=5)  # 12 of 10
    result = play(auction, {"a": {"x": 2}})
    assert result.processed["a"] == {"x": 5}  # only 2 lots of the 5 asked: demand = supply
    assert result.aggregate_demand == {"x": 10}
    (left,) = result.unapplied
    assert "decrease to 2 lots applied only down to 5" in left.message
    assert "demand may not fall below supply at a price above reserve" in left.message


def test_rule_decrease_at_reserve_without_excess_applies_in_full() -> None:
    auction = ClockAuction(two_bands(), seed=0)
    play(auction, {"a": {"x": 2, "y": 3}, "b": {"y": 3}})  # y: 6 of 4; x at reserve, 2 of 4
    assert auction.clock_prices()["x"] == auction.start_prices()["x"] == 1_000_000
    result = play(auction, {"a": {"x": 0}})
    assert result.processed["a"]["x"] == 0  # unsold lots are allowed at reserve
    assert result.aggregate_demand["x"] == 0
    assert result.unapplied == ()
    assert result.posted_prices["x"] == 1_000_000


def test_rule_decrease_in_a_band_above_reserve_without_excess_is_not_applied() -> None:
    auction = excess_round(a=6, b=6)
    play(auction, {"a": {"x": (5, 1_020_000)}, "b": {"x": (5, 1_030_000)}})  # 10 of 10 at $1,030,000
    assert auction.finished  # no excess anywhere: ended; nothing more to test in this band
    two = ClockAuction(two_bands(), seed=0)
    play(two, {"a": {"x": 3, "y": 3}, "b": {"x": 2, "y": 2}})  # both bands over-demanded
    play(two, {"a": {"x": (2, 1_010_000)}})  # x: 5 -> 4 at $1,010,000; y still 5 of 4
    assert two.start_prices() == {"x": 1_010_000, "y": 1_050_000}
    result = play(two, {"b": {"x": 0}})  # x above reserve, no excess: the decrease cannot apply
    assert result.processed["b"]["x"] == 2
    assert result.unapplied[0].rule == RULE_NO_EXCESS_SUPPLY


# ---------------------------------------------------------------- posted prices, clock, eligibility


def test_rule_posted_price_is_the_clock_under_excess_demand() -> None:
    auction = excess_round(a=6, b=6)
    result = play(auction, {})
    assert result.posted_prices == {"x": 1_050_000}
    assert posted_price(100, 105, 10, 11, [101]) == 105


def test_rule_posted_price_is_the_highest_applied_decrease_in_a_rising_band() -> None:
    auction = excess_round(a=6, b=6)
    # a at $1,010,000 (0.2) then b at $1,030,000 (0.6): each drops one lot, 12 -> 10.
    result = play(auction, {"a": {"x": (5, 1_010_000)}, "b": {"x": (5, 1_030_000)}})
    assert result.aggregate_demand == {"x": 10}
    assert result.posted_prices == {"x": 1_030_000}


def test_rule_posted_price_is_the_start_price_otherwise() -> None:
    auction = ClockAuction(two_bands(), seed=0)
    play(auction, {"a": {"x": 2, "y": 3}, "b": {"y": 3}})
    result = play(auction, {"a": {"x": (0, 1_000_000)}})  # x did not rise: a decrease does not move its price
    assert result.posted_prices["x"] == 1_000_000
    assert posted_price(100, 100, 10, 7, [100]) == 100
    assert posted_price(100, 105, 10, 10, []) == 100


def test_rule_next_clock_is_posted_times_increment_rounded_up_to_the_step(pakistan: Scenario) -> None:
    assert next_clock_price(12_345_000, True, 500, 1_000) == 12_963_000  # 12,962,250 rounds up
    assert next_clock_price(1_000_000, True, 500, 1_000) == 1_050_000  # exact: no rounding
    assert next_clock_price(1_000_001, True, 500, 1_000) == 1_051_000
    assert next_clock_price(12_345_000, False, 500, 1_000) == 12_345_000
    auction = ClockAuction(pakistan, ("jazz", "zong", "ufone"), seed=1)
    both = {"700": 3, "1800": 3, "2100": 2, "2300": 2, "2600": 5, "3500": 10}
    # Every band over-demanded: 700 6/3, 1800 9/3, 2100 5/4, 2300 6/5, 2600 20/19, 3500 29/28.
    play(auction, {"jazz": both, "zong": both, "ufone": {"1800": 3, "2100": 1, "2300": 2, "2600": 10, "3500": 9}})
    assert auction.clock_prices() == {
        "700": 34_125_000, "1800": 17_640_000, "2100": 73_500_000,
        "2300": 10_500_000, "2600": 13_125_000, "3500": 6_825_000,
    }


def test_rule_eligibility_is_the_lower_of_eligibility_and_activity() -> None:
    auction = ClockAuction(two_bands(points=10), seed=0)
    assert auction.eligibility("a") is None  # unlimited before round 1
    play(auction, {"a": {"x": 3, "y": 2}, "b": {"x": 2, "y": 3}})  # a: 50 points; x 5 of 4, y 5 of 4
    assert auction.eligibility("a") == 50
    play(auction, {"a": {"x": 2}})  # x: 5 -> 4, a keeps 4 lots = 40 points
    assert auction.eligibility("a") == 40
    exc = refused(auction, "a", {"y": 3})  # 2 + 3 = 5 lots = 50 points > 40
    assert rules_of(exc) == {RULE_ACTIVITY}


def test_rule_eligibility_with_an_activity_requirement_below_100() -> None:
    tree = scenario_tree([band_table("x", 4, 1_000_000, points=10)], {"a": {}, "b": {}})
    tree["rules"]["activity_requirement_percent"] = 80
    auction = ClockAuction(parse_scenario(tree, source="t"), seed=0)
    play(auction, {"a": {"x": 4}, "b": {"x": 1}})
    assert auction.eligibility("a") == 50  # 40 points / 80%


def test_rule_end_after_the_first_round_without_excess_demand() -> None:
    auction = excess_round(a=6, b=6)
    assert not auction.finished and auction.round == 2
    play(auction, {"b": {"x": 4}})
    assert auction.status == "ended"
    assert auction.outcome().rounds == 2
    with pytest.raises(RuntimeError):
        auction.close_round()
    exc = refused(auction, "a", {"x": 1})
    assert rules_of(exc) == {RULE_NOT_BIDDING}


def test_rule_winners_pay_the_final_posted_price_per_lot() -> None:
    auction = ClockAuction(two_bands(), seed=0)
    play(auction, {"a": {"x": 3, "y": 1}, "b": {"x": 2, "y": 1}})  # x: 5 of 4
    play(auction, {"b": {"x": (1, 1_020_000)}})
    outcome = auction.outcome()
    assert outcome.prices == {"x": 1_020_000, "y": 1_000_000}
    assert outcome.payments == {"a": 3 * 1_020_000 + 1_000_000, "b": 1_020_000 + 1_000_000}
    assert outcome.revenue_usd == sum(outcome.payments.values())
    assert outcome.sold_lots("y") == 2  # 2 of 4 lots of y unsold at reserve


def test_rule_halt_at_max_rounds_leaves_excess_bands_unallocated() -> None:
    auction = ClockAuction(two_bands(max_rounds=3), seed=0)
    play(auction, {"a": {"x": 3, "y": 1}, "b": {"x": 3, "y": 1}})
    play(auction, {})
    play(auction, {})
    assert auction.status == "halted"
    outcome = auction.outcome()
    assert outcome.status == "halted" and outcome.rounds == 3
    assert outcome.allocated == {"x": False, "y": True}
    assert outcome.lots == {"a": {"x": 0, "y": 1}, "b": {"x": 0, "y": 1}}
    # x rose twice: 1,000,000 -> 1,050,000 -> 1,102,500 rounded up to 1,103,000; y stayed at reserve.
    assert outcome.prices == {"x": 1_103_000, "y": 1_000_000}
    assert outcome.payments == {"a": 1_000_000, "b": 1_000_000}


def test_rule_unknown_bidder_and_bidder_not_in_the_auction(pakistan: Scenario) -> None:
    with pytest.raises(ValueError, match="unknown bidder"):
        ClockAuction(pakistan, ("jazz", "mobilink"))
    auction = ClockAuction(pakistan, ("jazz", "zong"))
    assert rules_of(refused(auction, "ufone", {"2600": 5})) == {RULE_NOT_BIDDING}


# ---------------------------------------------------------------- what a bidder sees


def test_rule_information_policy_aggregate_shows_demand_own_bids_eligibility_exposure() -> None:
    auction = excess_round(a=7, b=6)
    play(auction, {"a": {"x": (4, 1_010_000)}})  # 13 -> 10: a drops 3, all applied; posted $1,010,000
    view = build_view(auction, "a")
    assert view.information_policy == "aggregate"
    (band,) = view.bands
    assert (band.aggregate_demand, band.excess_demand, band.processed) == (10, False, 4)
    assert view.last_round is not None
    assert view.last_round.submitted == {"x": 4} and view.last_round.processed == {"x": 4}
    assert view.exposure_usd == 4 * 1_010_000  # processed demand x posted price
    assert view.eligibility == 4 * 10 and view.activity == 40
    assert view.price_history == {"x": (1_000_000, 1_010_000)}
    assert view.demand_history == {"x": (13, 10)}


def test_rule_information_policy_excess_only_shows_a_flag_instead_of_demand() -> None:
    tree = scenario_tree([band_table("x", 10, 1_000_000)], {"a": {}, "b": {}})
    tree["rules"]["information_policy"] = "excess-only"
    auction = ClockAuction(parse_scenario(tree, source="t"), seed=0)
    play(auction, {"a": {"x": 6}, "b": {"x": 6}})
    view = build_view(auction, "a")
    (band,) = view.bands
    assert band.aggregate_demand is None
    assert band.excess_demand is True
    assert view.demand_history is None
    assert (band.start_price, band.clock_price) == (1_000_000, 1_050_000)


def test_rule_view_reports_own_unapplied_bids_and_nothing_about_rivals(pakistan: Scenario) -> None:
    auction = ClockAuction(pakistan, ("jazz", "zong", "ufone"), seed=1)
    play(auction, {"jazz": {"2600": 8, "3500": 12}, "zong": {"2600": 7, "3500": 10}, "ufone": {"2600": 6, "3500": 8}})
    view = build_view(auction, "jazz")
    assert view.obligation == {}  # only before round 1
    play(auction, {"jazz": {"2600": (5, 12_800_000)}, "zong": {"3500": 8}, "ufone": {"3500": (7, 6_600_000)}})
    view = build_view(auction, "jazz")
    assert view.last_round is not None
    assert view.last_round.submitted["2600"] == 5 and view.last_round.processed["2600"] == 6
    (left,) = view.last_round.unapplied
    assert left.bidder == "jazz" and left.rule == RULE_NO_EXCESS_SUPPLY
    text = repr(view) + repr(view.last_round) + repr(view.cap_headroom)
    assert "zong" not in text and "ufone" not in text  # no rival's bids, demand or identity
    first = build_view(ClockAuction(pakistan, ("jazz", "zong"), seed=1), "zong")
    assert first.obligation == {"2600": 5, "3500": 5}
    assert first.cap_headroom["overall"] == 3485 - 673


def test_rule_view_an_agent_that_changes_its_view_changes_no_other_view_and_no_engine_state(pakistan: Scenario) -> None:
    bidders = ("jazz", "zong", "ufone")
    auction = ClockAuction(pakistan, bidders, seed=1)
    play(auction, {"jazz": {"2600": 8, "3500": 12}, "zong": {"2600": 7, "3500": 10}, "ufone": {"2600": 6, "3500": 8}})

    def seen(bidder: str) -> str:
        view = build_view(auction, bidder)
        return repr(view) + repr(view.last_round) + repr(view.cap_headroom)

    before = {b: seen(b) for b in bidders}
    terms_before = {b: auction.terms(b) for b in bidders}
    views = {b: build_view(auction, b) for b in bidders}  # built together, as the engine does in a round
    mine = views["jazz"]
    assert mine.last_round is not None
    log_before = repr(auction.history)
    # Nothing in the view leads to the round log or to another bidder's bids.
    assert not any(isinstance(v, RoundResult) for v in vars(mine).values())
    assert "zong" not in repr(vars(mine)) and "ufone" not in repr(vars(mine))
    # Its own fields are its own to change...
    mine.eligibility = 10**9
    mine.bidder = "zong"
    # ...every mapping and record in it is read-only.
    attempts: list[Any] = [
        lambda: mine.holdings.__setitem__("2600", 0),  # type: ignore[attr-defined]
        lambda: mine.last_round.submitted.__setitem__("2600", 0),  # type: ignore[union-attr]
        lambda: mine.last_round.processed.__setitem__("2600", 0),  # type: ignore[union-attr]
        lambda: setattr(mine.bands[4], "processed", 99),
        lambda: setattr(mine.terms, "eligibility", 10**9),
        lambda: mine.price_history.__setitem__("2600", ()),  # type: ignore[index]
        lambda: mine.demand_history.__setitem__("2600", ()),  # type: ignore[union-attr]
        lambda: mine.last_round.posted_prices.__setitem__("2600", 0),  # type: ignore[union-attr]
        lambda: mine.last_round.price_changes.__setitem__("2600", 0),  # type: ignore[union-attr]
    ]
    for attempt in attempts:
        with pytest.raises((AttributeError, TypeError)):
            attempt()
    assert {b: repr(views[b]) for b in ("zong", "ufone")} == {b: repr(build_view(auction, b)) for b in ("zong", "ufone")}
    assert {b: seen(b) for b in bidders} == before
    assert {b: auction.terms(b) for b in bidders} == terms_before
    assert repr(auction.history) == log_before
