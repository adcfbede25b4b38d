"""The band plan: frequencies from [band_plan], blocks after the auction, rationalisation of 1800/2100 MHz."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_assignment import outcome_for

from game.engine.assignment import run_assignment
from game.engine.bandplan import (
    FreqRange,
    assignment_json,
    band_plan,
    band_plan_json,
    band_plan_text,
    frequencies,
    khz_per_tenth,
    rationalisation,
    rationalisation_json,
)
from game.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

PAKISTAN = "pakistan-2026"


@pytest.fixture(scope="module")
def pakistan() -> Scenario:
    return load_scenario(PAKISTAN)


def tree_of(scenario: Scenario) -> dict[str, Any]:
    return copy.deepcopy(json.loads(json.dumps(scenario.raw)))


def problems(tree: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(tree, source="test.toml")
    assert "test.toml" in str(info.value)
    return info.value.problems


# ---------------------------------------------------------------- frequencies


def test_every_pakistan_band_has_offered_frequencies_within_its_3gpp_edges(pakistan: Scenario) -> None:
    freqs = frequencies(pakistan)
    assert set(freqs) == set(pakistan.band_ids)
    for band in pakistan.bands:
        f = freqs[band.id]
        assert f.offered.width_khz == band.offered_tenths * khz_per_tenth(band.duplex)
        assert f.band_edges is not None and f.offered.within(f.band_edges)
        assert f.estimated  # the PTA's exact ranges were not published
        assert f.standard.startswith("3GPP band")
    assert freqs["2600"].offered == FreqRange(2_500_000, 2_690_000)
    assert freqs["1800"].duplex_spacing_khz == 95_000  # band 3
    assert freqs["2100"].duplex_spacing_khz == 190_000  # band 1
    assert freqs["700"].duplex_spacing_khz == 55_000  # band 28


def test_existing_holdings_match_each_operators_figures(pakistan: Scenario) -> None:
    freqs = frequencies(pakistan)
    for band_id in ("1800", "2100"):
        f = freqs[band_id]
        assert f.holdings_estimated
        for bidder in pakistan.bidders:
            total = sum(r.width_khz for r in f.holdings.get(bidder.id, ()))
            assert total == bidder.holding(band_id) * 50  # per link: half of both halves
        ranges = sorted((r for rs in f.holdings.values() for r in rs), key=lambda r: r.from_khz)
        assert all(a.to_khz <= b.from_khz for a, b in itertools.pairwise(ranges))
        assert all(not r.overlaps(f.offered) for r in ranges)


def test_scenario_without_frequencies_for_a_band_uses_offsets() -> None:
    literal = load_scenario("pakistan-2026-directive-literal")
    assert "1800" not in frequencies(literal)  # 2x36 MHz offered would not fit band 3 beside 2x64.4 held
    outcome = outcome_for(literal, {"jazz": {"1800": 10}})
    doc = band_plan_json(band_plan(literal, outcome))
    assert doc["1800"][0] == {"bidder": "jazz", "lots": 10, "from_mhz": 0.0, "to_mhz": 12.0, "range": "offset"}
    assert doc["1800"][1]["bidder"] is None and doc["1800"][1]["to_mhz"] == 36.0


def test_band_plan_problems_name_the_key_and_are_all_reported(pakistan: Scenario) -> None:
    tree = tree_of(pakistan)
    bp = tree["band_plan"]
    bp["2300"]["range_mhz"] = [2300, 2340]  # 40 MHz for 50 MHz offered
    bp["900"] = {"range_mhz": [900, 910]}  # not a band on sale
    bp["1800"]["holdings_downlink_mhz"]["zong"] = [[1829, 1841]]  # 12 MHz of zong's 18.65 per link
    bp["1800"]["holdings_downlink_mhz"]["nobody"] = [[1875, 1876]]
    bp["2100"]["holdings_downlink_mhz"]["jazz"] = [[2124, 2134]]  # overlaps zong's 2115-2125
    bp["3500"]["range_mhz"] = [3400.0001, 3680]
    bp["2600"]["colour"] = "red"
    bp["700"]["uplink_mhz"] = [703, 713]
    bp["2600"]["band_mhz"] = [2600, 2690]
    found = problems(tree)
    expected = {
        "band_plan.2300.range_mhz: range 2300-2340 MHz is 40 MHz wide, but the band offers 5 lots of 10 MHz = 50 MHz",
        "band_plan.900: unknown band",
        "band_plan.1800.holdings_downlink_mhz.zong: ranges total 12 MHz per link, but bidders.zong.holdings_mhz.1800 is 37.3 MHz",
        "band_plan.1800.holdings_downlink_mhz.nobody: unknown bidder",
        "band_plan.2100.holdings_downlink_mhz.jazz[0]: 2124-2134 MHz overlaps 2115-2125 MHz held by zong",
        "band_plan.3500.range_mhz: 3400.0001 MHz is finer than the 1 kHz",
        "band_plan.2600.colour: unknown key",
        "band_plan.700.uplink_mhz: 703-713 MHz is not as wide as downlink_mhz 758-773 MHz",
        "band_plan.2600: offered range 2500-2690 MHz is outside the band edges 2600-2690 MHz",
    }
    for prefix in expected:
        assert any(p.startswith(prefix) for p in found), (prefix, found)


def test_malformed_ranges_are_problems_not_crashes(pakistan: Scenario) -> None:
    tree = tree_of(pakistan)
    tree["band_plan"]["2300"]["range_mhz"] = [2350, 2300]
    tree["band_plan"]["2600"]["range_mhz"] = "2500-2690"
    tree["band_plan"]["3500"]["range_mhz"] = [3400, True]
    tree["band_plan"]["1800"]["holdings_downlink_mhz"]["jazz"] = []
    del tree["band_plan"]["700"]["band_uplink_mhz"]
    found = problems(tree)
    assert "band_plan.700: give both band_uplink_mhz and band_downlink_mhz, or neither" in found
    assert any(p.startswith("band_plan.2300.range_mhz: must run from a lower to a higher") for p in found)
    assert any(p.startswith("band_plan.2600.range_mhz: must be [from, to] in MHz") for p in found)
    assert any(p.startswith("band_plan.3500.range_mhz: must be [from, to]") for p in found)
    assert any(p.startswith("band_plan.1800.holdings_downlink_mhz.jazz: must be a non-empty list") for p in found)


def test_band_plan_section_is_optional(pakistan: Scenario) -> None:
    tree = tree_of(pakistan)
    del tree["band_plan"]
    bare = parse_scenario(tree, source="bare.toml")
    assert frequencies(bare) == {}
    plan = band_plan(bare, outcome_for(bare, {"jazz": {"2600": 5}}))
    assert not plan.bands["2600"].has_frequencies
    assert plan.rationalisation == {}


# ---------------------------------------------------------------- layout


def test_bands_without_positioning_stack_winners_in_bidder_order_unsold_on_top(pakistan: Scenario) -> None:
    outcome = outcome_for(pakistan, {"jazz": {"2100": 1}, "zong": {"2100": 2}, "ufone": {"700": 1}})
    doc = band_plan_json(band_plan(pakistan, outcome))
    assert doc["2100"] == [
        {"bidder": "jazz", "lots": 1, "from_mhz": 2140.0, "to_mhz": 2145.0, "range": "downlink",
         "uplink_from_mhz": 1950.0, "uplink_to_mhz": 1955.0},
        {"bidder": "zong", "lots": 2, "from_mhz": 2145.0, "to_mhz": 2155.0, "range": "downlink",
         "uplink_from_mhz": 1955.0, "uplink_to_mhz": 1965.0},
        {"bidder": None, "lots": 1, "from_mhz": 2155.0, "to_mhz": 2160.0, "range": "downlink",
         "uplink_from_mhz": 1965.0, "uplink_to_mhz": 1970.0},
    ]
    assert [b["bidder"] for b in doc["700"]] == ["ufone", None]
    assert doc["3500"] == [{"bidder": None, "lots": 28, "from_mhz": 3400.0, "to_mhz": 3680.0, "range": "tdd"}]


def test_single_winner_in_a_positioned_band_is_not_positioned(pakistan: Scenario) -> None:
    outcome = outcome_for(pakistan, {"jazz": {"2300": 2}, "zong": {"2600": 3}, "ufone": {"2600": 4}})
    assignment = run_assignment(pakistan, outcome, seed=5)
    assert set(assignment.bands) == {"2600"}
    plan = band_plan(pakistan, outcome, assignment)
    assert not plan.bands["2300"].positioned and plan.bands["2600"].positioned
    assert [(b.bidder, b.lots) for b in plan.bands["2300"].blocks] == [("jazz", 2), (None, 3)]
    blocks = assignment_json(assignment, plan)["2600"]["winners"]
    assert set(blocks) == {"zong", "ufone"}
    for bidder, entry in blocks.items():
        block = next(b for b in plan.bands["2600"].blocks if b.bidder == bidder)
        assert entry["position"] == block.position
        assert (entry["from_mhz"], entry["to_mhz"]) == (block.range.from_khz / 1000, block.range.to_khz / 1000)


def test_positioned_blocks_follow_position_order(pakistan: Scenario) -> None:
    outcome = outcome_for(pakistan, {"jazz": {"3500": 10}, "zong": {"3500": 8}, "ufone": {"3500": 5}})
    assignment = run_assignment(pakistan, outcome, seed=2)
    result = assignment.bands["3500"]
    blocks = band_plan(pakistan, outcome, assignment).bands["3500"].blocks
    assert [b.bidder for b in blocks] == [*result.order, None]
    assert [b.position for b in blocks[:-1]] == [0, 1, 2]
    assert blocks[0].range.from_khz == 3_400_000 and blocks[-1].range.to_khz == 3_680_000


# ---------------------------------------------------------------- rationalisation


def test_rationalisation_gives_each_operator_one_contiguous_block(pakistan: Scenario) -> None:
    result = rationalisation(pakistan)
    assert set(result) == {"1800", "2100"}
    edges = frequencies(pakistan)
    for band_id, r in result.items():
        assert r.estimated and not r.includes_auction
        owners = [h.bidder for h in r.contiguous]
        assert len(owners) == len(set(owners))  # one block each
        for h in r.contiguous:
            assert h.bidder is not None
            assert h.range.width_khz == pakistan.bidder(h.bidder).holding(band_id) * 50
            band_edges = edges[band_id].band_edges
            assert band_edges is not None and h.range.within(band_edges)
            assert h.uplink is not None and h.range.from_khz - h.uplink.from_khz == edges[band_id].duplex_spacing_khz
        assert all(a.range.to_khz == b.range.from_khz for a, b in zip(r.contiguous, r.contiguous[1:], strict=False))
        current_owners = [h.bidder for h in r.current]
        assert len(current_owners) > len(set(current_owners))  # fragmented today


def test_rationalisation_after_the_auction_includes_lots_won(pakistan: Scenario) -> None:
    outcome = outcome_for(pakistan, {"jazz": {"1800": 2}, "zong": {"2100": 3}})
    plan = band_plan(pakistan, outcome)
    r1800 = plan.rationalisation["1800"]
    assert r1800.includes_auction
    widths = {h.bidder: h.range.width_khz for h in r1800.contiguous}
    assert widths["jazz"] == (496 + 2 * 24) * 50
    assert widths[None] == 1 * 1200  # the unsold lot stays apart, on top
    assert r1800.contiguous[-1].bidder is None
    r2100 = plan.rationalisation["2100"]
    assert {h.bidder: h.range.width_khz for h in r2100.contiguous}["zong"] == 10_000 + 3 * 5_000
    doc = rationalisation_json(plan)
    assert set(doc) == {"1800", "2100"} and doc["1800"]["includes_auction"]
    assert "rationalisation" in band_plan_text(plan)


# ---------------------------------------------------------------- properties


@st.composite
def allocations(draw: st.DrawFn) -> dict[str, dict[str, int]]:
    scenario = load_scenario(PAKISTAN)
    lots: dict[str, dict[str, int]] = {b: {} for b in scenario.bidder_ids}
    for band in scenario.bands:
        left = band.lots
        for bidder in draw(st.permutations(list(lots))):
            n = draw(st.integers(0, left))
            lots[bidder][band.id] = n
            left -= n
    return lots


@settings(max_examples=60, deadline=None)
@given(lots=allocations(), seed=st.integers(0, 2**16))
def test_band_plan_blocks_are_contiguous_and_match_lots_won(lots: dict[str, dict[str, int]], seed: int) -> None:
    scenario = load_scenario(PAKISTAN)
    outcome = outcome_for(scenario, lots)
    assignment = run_assignment(scenario, outcome, seed=seed)
    plan = band_plan(scenario, outcome, assignment)
    freqs = frequencies(scenario)
    for band in scenario.bands:
        layout = plan.bands[band.id]
        blocks = layout.blocks
        per_lot = band.lot_tenths * khz_per_tenth(band.duplex)
        # contiguous and non-overlapping, from the bottom of the offered spectrum to its top
        assert blocks[0].range.from_khz == freqs[band.id].offered.from_khz
        assert blocks[-1].range.to_khz == freqs[band.id].offered.to_khz
        for a, b in itertools.pairwise(blocks):
            assert a.range.to_khz == b.range.from_khz
            assert b.first_lot == a.first_lot + a.lots
        for block in blocks:
            assert block.lots > 0
            assert block.range.width_khz == block.lots * per_lot
            if band.duplex == "FDD":
                assert block.uplink is not None and block.uplink.width_khz == block.range.width_khz
        won = {b: n[band.id] for b, n in lots.items() if n[band.id]}
        placed = [b.bidder for b in blocks if b.bidder is not None]
        assert sorted(placed) == sorted(won)  # every winner exactly once
        assert {b.bidder: b.lots for b in blocks if b.bidder} == won
        unsold = band.lots - sum(won.values())
        assert [b.bidder for b in blocks].count(None) == (1 if unsold else 0)
        if unsold:
            assert blocks[-1].bidder is None and blocks[-1].lots == unsold  # unsold at the top
        if layout.positioned:
            assert [b.position for b in blocks if b.bidder] == list(range(len(won)))
    again = run_assignment(scenario, outcome, seed=seed)
    assert band_plan_json(band_plan(scenario, outcome, again)) == band_plan_json(plan)
    assert json.dumps(assignment_json(again, plan), sort_keys=True) == json.dumps(
        assignment_json(assignment, plan), sort_keys=True
    )
