"""The assignment stage, a test per rule of AUCTION_RULES.md "Assignment stage", and its properties."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.cli.main import main
from game.engine.allocation import AllocationOutcome
from game.engine.assignment import (
    RULE_NO_SUCH_POSITION,
    RULE_NOT_A_WINNER,
    RULE_NOT_POSITIONED,
    RULE_ONE_SWITCH,
    RULE_STAGE_CLOSED,
    AssignmentStage,
    PositionRefused,
    PositionView,
    ScriptedPositionBidder,
    add_to_summary_json,
    assignment_text,
    bands_to_position,
    position_values,
    run_assignment,
)
from game.records.report import summarise, summary_json
from game.scenario import AssignmentRules, Scenario, load_scenario

STEP = 100_000


@pytest.fixture(scope="module")
def pakistan() -> Scenario:
    return load_scenario("pakistan-2026")


def outcome_for(scenario: Scenario, lots: Mapping[str, Mapping[str, int]]) -> AllocationOutcome:
    """An ended allocation outcome at reserve prices with the given lots."""
    full = {b: {band.id: dict(won).get(band.id, 0) for band in scenario.bands} for b, won in lots.items()}
    prices = {band.id: band.reserve_usd for band in scenario.bands}
    return AllocationOutcome(
        status="ended",
        rounds=1,
        prices=prices,
        allocated={band.id: True for band in scenario.bands},
        lots=full,
        payments={b: sum(n * prices[k] for k, n in won.items()) for b, won in full.items()},
        excluded=(),
        forfeited_deposits={},
    )


LOTS = {
    "jazz": {"700": 1, "2600": 6, "3500": 10},
    "zong": {"2600": 7, "3500": 8},
    "ufone": {"2300": 2, "2600": 6, "3500": 5},
}


@pytest.fixture()
def outcome(pakistan: Scenario) -> AllocationOutcome:
    return outcome_for(pakistan, LOTS)


def with_rules(scenario: Scenario, **changes: int) -> Scenario:
    return dataclasses.replace(scenario, assignment=dataclasses.replace(scenario.assignment, **changes))


# ---------------------------------------------------------------- which bands


def test_only_marked_bands_with_two_or_more_winners_are_positioned(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    # 700 is not marked; 2300 is marked but has one winner; 2600 and 3500 have three.
    assert bands_to_position(pakistan, outcome) == ("2600", "3500")
    stage = AssignmentStage(pakistan, outcome)
    assert stage.bands_to_position() == ("2600", "3500")
    for band in ("2300", "700"):
        with pytest.raises(PositionRefused) as info:
            stage.submit("ufone" if band == "2300" else "jazz", band, 0)
        assert info.value.rule == RULE_NOT_POSITIONED
    with pytest.raises(PositionRefused, match="1 winner"):
        stage.submit("ufone", "2300", 0)


def test_no_band_to_position_finishes_at_once(pakistan: Scenario) -> None:
    outcome = outcome_for(pakistan, {"jazz": {"2600": 19}, "zong": {"3500": 4}})
    stage = AssignmentStage(pakistan, outcome)
    assert stage.finished
    result = stage.outcome()
    assert result.bands == {}
    assert result.revenue_usd == 0


# ---------------------------------------------------------------- prices


def test_price_rises_only_on_over_demanded_positions(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    stage = AssignmentStage(pakistan, outcome)
    stage.submit("jazz", "2600", 1)
    stage.submit("zong", "2600", 1)
    stage.submit("ufone", "2600", 2)
    (record_2600, _) = stage.close_round()
    assert record_2600.demand == (0, 2, 1)
    assert record_2600.over_demanded == (1,)
    view = stage.view("jazz", "2600")
    assert [p.price_usd for p in view.positions] == [0, STEP, 0]
    # A second over-demanded round raises the same position again, nothing else.
    stage.close_round()
    assert [p.price_usd for p in stage.view("jazz", "2600").positions] == [0, 2 * STEP, 0]


def test_prices_start_at_the_opening_price_and_rise_by_the_step(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    scenario = with_rules(pakistan, opening_price_usd=50_000, price_step_usd=25_000)
    stage = AssignmentStage(scenario, outcome)
    assert [p.price_usd for p in stage.view("zong", "3500").positions] == [50_000] * 3
    stage.submit("jazz", "3500", 0)
    stage.submit("zong", "3500", 0)
    stage.close_round()
    assert [p.price_usd for p in stage.view("zong", "3500").positions] == [75_000, 50_000, 50_000]


# ---------------------------------------------------------------- asks


def test_one_switch_per_round(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    stage = AssignmentStage(pakistan, outcome)
    stage.submit("ufone", "2600", 2)
    stage.submit("jazz", "2600", 0)
    stage.submit("zong", "2600", 0)  # keeps the band open: the bottom is over-demanded
    stage.close_round()  # ufone now stands on the top position
    stage.submit("ufone", "2600", 1)  # one switch: accepted
    with pytest.raises(PositionRefused) as info:
        stage.submit("ufone", "2600", 0)  # a second, different switch in the same round
    assert info.value.rule == RULE_ONE_SWITCH
    assert "position 2 (top) to position 1 (middle)" in str(info.value)
    assert stage.view("ufone", "2600").own_ask == 1  # the refused ask changed nothing
    stage.submit("ufone", "2600", 2)  # back to the standing position: allowed
    stage.submit("ufone", "2600", 0)  # from there, one switch again
    assert stage.view("ufone", "2600").own_ask == 0
    stage.submit("ufone", "2600", None)  # dropping to none is not a switch into a position
    stage.close_round()
    stage.submit("ufone", "2600", 0)  # a new round allows a new switch
    assert stage.view("ufone", "2600").own_ask == 0


def test_refusals_name_the_rule_and_numbers(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    stage = AssignmentStage(pakistan, outcome)
    with pytest.raises(PositionRefused) as info:
        stage.submit("jazz", "2600", 3)
    assert info.value.rule == RULE_NO_SUCH_POSITION
    assert "0 (bottom) to 2 (top)" in str(info.value)
    with pytest.raises(PositionRefused) as info:
        stage.submit("jazz", "2600", True)  # type: ignore[arg-type]
    assert info.value.rule == RULE_NO_SUCH_POSITION
    with pytest.raises(PositionRefused) as info:
        stage.submit("entrant", "2600", 0)
    assert info.value.rule == RULE_NOT_A_WINNER
    assert "jazz, zong, ufone" in str(info.value)
    with pytest.raises(PositionRefused, match="not a band of this scenario"):
        stage.submit("jazz", "900", 0)


def test_no_ask_keeps_the_last_one(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    stage = AssignmentStage(pakistan, outcome)
    stage.submit("jazz", "2600", 0)
    stage.submit("zong", "2600", 0)
    stage.close_round()
    (record, *_) = stage.close_round()  # nobody submits: round 1's asks stand
    assert record.asks == {"jazz": 0, "zong": 0, "ufone": None}
    assert record.over_demanded == (0,)


def test_view_shows_aggregate_counts_and_own_ask_only(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    stage = AssignmentStage(pakistan, outcome)
    stage.submit("jazz", "3500", 2)
    stage.submit("zong", "3500", 2)
    stage.submit("ufone", "3500", 0)
    stage.close_round()
    stage.submit("zong", "3500", 1)
    view = stage.view("zong", "3500")
    assert [p.asked_last_round for p in view.positions] == [1, 0, 2]
    assert [p.label for p in view.positions] == ["bottom", "middle", "top"]
    assert (view.standing_ask, view.own_ask, view.submitted) == (2, 1, True)
    assert view.round == 2 and view.open
    assert view.winner_lots == {"jazz": 10, "zong": 8, "ufone": 5}
    assert view.unsold_lots == 5
    assert stage.view("jazz", "3500").own_ask == 2  # another's submission is not shown


# ---------------------------------------------------------------- end


def test_band_ends_when_no_position_is_over_demanded(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    stage = AssignmentStage(pakistan, outcome)
    for bidder, pos in (("jazz", 0), ("zong", 1), ("ufone", 2)):
        stage.submit(bidder, "2600", pos)
    stage.submit("jazz", "3500", 0)
    stage.submit("zong", "3500", 0)
    stage.close_round()
    assert stage.open_bands() == ("3500",)
    assert not stage.finished
    with pytest.raises(PositionRefused) as info:
        stage.submit("jazz", "2600", 1)
    assert info.value.rule == RULE_STAGE_CLOSED
    with pytest.raises(RuntimeError):
        stage.outcome()
    stage.submit("zong", "3500", 1)
    stage.close_round()
    assert stage.finished
    result = stage.outcome()
    assert result.bands["2600"].rounds == 1
    assert result.bands["3500"].rounds == 2
    assert result.bands["2600"].prices == {"jazz": 0, "zong": 0, "ufone": 0}
    # jazz stood alone on the bottom once zong left: it pays the price the contest raised.
    assert result.bands["3500"].positions["jazz"] == 0
    assert result.bands["3500"].prices["jazz"] == STEP
    assert result.bands["3500"].prices["zong"] == 0
    with pytest.raises(RuntimeError):
        stage.close_round()


def test_halt_at_round_limit_draws_contested_positions(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    scenario = with_rules(pakistan, max_rounds=3)
    stage = AssignmentStage(scenario, outcome, seed=4)
    for _ in range(3):
        for band in ("2600", "3500"):
            for bidder in ("jazz", "zong"):
                stage.submit(bidder, band, 0)
        stage.close_round()
    assert stage.finished
    result = stage.outcome().bands["2600"]
    assert result.status == "halted"
    assert result.rounds == 3
    holder = result.order[0]
    assert holder in ("jazz", "zong")
    assert result.prices[holder] == 2 * STEP  # raised after rounds 1 and 2, not after the halt
    loser = "zong" if holder == "jazz" else "jazz"
    assert result.prices[loser] == 0 and loser in result.free_filled


# ---------------------------------------------------------------- free positions


def test_free_positions_filled_in_seeded_order_at_no_price(pakistan: Scenario) -> None:
    lots = {"jazz": {"3500": 5}, "zong": {"3500": 5}, "ufone": {"3500": 5}, "entrant": {"3500": 5}}
    outcome = outcome_for(pakistan, lots)
    orders = set()
    for seed in range(12):
        stage = AssignmentStage(pakistan, outcome, seed=seed)
        stage.submit("zong", "3500", 1)
        stage.close_round()
        result = stage.outcome().bands["3500"]
        assert result.positions["zong"] == 1 and result.prices["zong"] == 0
        assert set(result.free_filled) == {"jazz", "ufone", "entrant"}
        # The free positions are filled bottom up in the drawn order.
        assert [result.positions[w] for w in result.free_filled] == [0, 2, 3]
        assert all(result.prices[w] == 0 for w in result.free_filled)
        again = AssignmentStage(pakistan, outcome, seed=seed)
        again.submit("zong", "3500", 1)
        again.close_round()
        assert again.outcome().bands["3500"] == result
        orders.add(result.free_filled)
    assert len(orders) > 1  # the order is drawn, not fixed by bidder order


# ---------------------------------------------------------------- money


def test_assignment_prices_add_to_revenue(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    result = run_assignment(pakistan, outcome, seed=3)
    assert result.revenue_usd == sum(b.revenue_usd for b in result.bands.values())
    assert result.payments == {
        b: sum(r.prices.get(b, 0) for r in result.bands.values()) for b in outcome.lots
    }
    doc = summary_json(summarise(pakistan, outcome), seed=3)
    allocation = doc["revenue_usd"]
    add_to_summary_json(doc, pakistan, result)
    assert doc["allocation_revenue_usd"] == allocation
    assert doc["assignment_revenue_usd"] == result.revenue_usd
    assert doc["revenue_usd"] == allocation + result.revenue_usd
    for bidder, entry in doc["bidders"].items():
        assert entry["total_payment_usd"] == entry["payment_usd"] + result.payments[bidder]
    assert sum(b["assignment_revenue_usd"] for b in doc["bands"].values()) == result.revenue_usd
    assert "Revenue with positioning" in assignment_text(pakistan, allocation, result)


def test_contest_makes_a_positive_price(pakistan: Scenario, outcome: AllocationOutcome) -> None:
    # Two winners valuing the bottom of 2600 most: the clock runs until one prefers another slot.
    bidders = {
        "jazz": ScriptedPositionBidder("jazz", {"2600": [500_000, 100_000, 0], "3500": [0, 0, 0]}),
        "zong": ScriptedPositionBidder("zong", {"2600": [400_000, 200_000, 0], "3500": [0, 0, 0]}),
        "ufone": ScriptedPositionBidder("ufone", {"2600": [0, 0, 50_000], "3500": [0, 0, 0]}),
    }
    result = run_assignment(pakistan, outcome, bidders, seed=1).bands["2600"]
    assert result.positions == {"jazz": 0, "zong": 1, "ufone": 2}
    # zong leaves the bottom once 400k - p < 200k, i.e. at p = 300k (ties keep its standing ask).
    assert result.prices["jazz"] == 300_000
    assert result.prices["zong"] == 0 and result.prices["ufone"] == 0


# ---------------------------------------------------------------- scripted preferences


def test_scripted_bidder_asks_best_surplus_and_drops_to_none() -> None:
    bidder = ScriptedPositionBidder("jazz", {"2600": [300_000, 500_000, 100_000]})

    def view(prices: list[int], standing: int | None = None) -> PositionView:
        from game.engine.assignment import PositionInfo

        return PositionView(
            band="2600", bidder="jazz", round=1, open=True,
            positions=tuple(PositionInfo(i, "x", p, 0) for i, p in enumerate(prices)),
            winner_lots={}, own_lots=6, unsold_lots=0, standing_ask=standing, own_ask=standing,
            submitted=False, price_step_usd=STEP,
        )

    assert bidder.ask(view([0, 0, 0])) == 1
    assert bidder.ask(view([0, 300_000, 0])) == 0
    assert bidder.ask(view([100_000, 300_000, 0], standing=1)) == 1  # tie: keeps its standing ask
    assert bidder.ask(view([300_000, 500_000, 100_000])) is None


def test_position_values_guard_band_and_adjacency(pakistan: Scenario) -> None:
    for seed in range(20):
        values = position_values(pakistan, "jazz", "3500", 3, np.random.default_rng(seed), lots=10, unsold_lots=2)
        assert values[0] < values[1] and values[0] < values[2]  # bottom: next to a guard band
        assert all(v % 1000 == 0 and v >= 0 for v in values)
        # 2600's offered spectrum ends at band 41's top edge: the top slot is next to a guard band too.
        values = position_values(pakistan, "jazz", "2600", 3, np.random.default_rng(seed), lots=6, unsold_lots=0)
        assert values[0] < values[1] and values[2] < values[1]
    tree = json.loads(json.dumps(pakistan.raw))
    tree["bidders"]["jazz"]["holdings_mhz"]["3500"] = 10
    tree["band_plan"]["3500"]["holdings_mhz"] = {"jazz": [[3390, 3400]]}
    from game.scenario import parse_scenario

    adjacent = parse_scenario(tree, source="test")
    for seed in range(20):
        values = position_values(adjacent, "jazz", "3500", 3, np.random.default_rng(seed), lots=10, unsold_lots=2)
        assert values[0] > values[1] and values[0] > values[2]  # next to its own spectrum
        others = position_values(adjacent, "zong", "3500", 3, np.random.default_rng(seed), lots=10, unsold_lots=2)
        assert others[0] < others[1]


# ---------------------------------------------------------------- properties


class RandomAsker:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def ask(self, view: PositionView) -> int | None:
        choice = int(self.rng.integers(-1, len(view.positions)))
        return None if choice < 0 else choice


@st.composite
def allocations(draw: st.DrawFn) -> dict[str, dict[str, int]]:
    lots: dict[str, dict[str, int]] = {b: {} for b in ("jazz", "zong", "ufone", "entrant")}
    for band, supply in (("2300", 5), ("2600", 19), ("3500", 28)):
        left = supply
        for bidder in lots:
            n = draw(st.integers(0, left))
            lots[bidder][band] = n
            left -= n
    return lots


@settings(max_examples=60, deadline=None)
@given(lots=allocations(), seed=st.integers(0, 2**16), random_asks=st.booleans())
def test_every_winner_gets_exactly_one_position_and_runs_are_deterministic(
    lots: dict[str, dict[str, int]], seed: int, random_asks: bool
) -> None:
    scenario = with_rules(load_scenario("pakistan-2026"), max_rounds=25)
    outcome = outcome_for(scenario, lots)

    def run() -> object:
        bidders = {b: RandomAsker(np.random.default_rng([seed, i])) for i, b in enumerate(lots)} if random_asks else None
        return run_assignment(scenario, outcome, bidders, seed=seed)

    result = run()
    assert result == run()
    for band_id in bands_to_position(scenario, outcome):
        band = result.bands[band_id]
        winners = {b for b in lots if lots[b][band_id] > 0}
        assert set(band.order) == winners and len(band.order) == len(winners)
        assert sorted(band.positions.values()) == list(range(len(winners)))
        assert [band.positions[w] for w in band.order] == list(range(len(winners)))
        assert all(p >= 0 and p % STEP == 0 for p in band.prices.values())
        assert all(band.prices[w] == 0 for w in band.free_filled)
        assert band.rounds <= 25
    assert set(result.bands) == set(bands_to_position(scenario, outcome))


# ---------------------------------------------------------------- CLI


def test_cli_auction_runs_the_assignment_stage(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    out = Path(str(tmp_path))
    plan = out / "plan.json"
    plan.write_text(json.dumps({"bidders": {
        "jazz": [{"2600": 7, "3500": 10}],
        "zong": [{"2600": 6, "3500": 10}],
        "ufone": [{"2300": 2, "2600": 6, "3500": 8}],
    }}))
    assert main(["auction", "--plan", str(plan), "--seed", "2", "--json", str(out / "a.json")]) == 0
    text = capsys.readouterr().out
    assert "Assignment stage" in text and "Band plan" in text
    doc = json.loads((out / "a.json").read_text())
    assert set(doc["assignment"]) == {"2600", "3500"}
    assert doc["revenue_usd"] == doc["allocation_revenue_usd"] + doc["assignment_revenue_usd"]
    assert [b["bidder"] for b in doc["band_plan"]["2300"]] == ["ufone", None]
    assert main(["auction", "--plan", str(plan), "--seed", "2", "--json", str(out / "b.json")]) == 0
    assert (out / "a.json").read_bytes() == (out / "b.json").read_bytes()


def test_assignment_rules_default_to_the_rulebook() -> None:
    assert load_scenario("pakistan-2026").assignment == AssignmentRules(0, 100_000, 200)
