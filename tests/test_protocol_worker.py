"""The worker's adapter: a view rebuilt from the messages is the view the engine built (what agents read)."""

from __future__ import annotations

import json

from conftest import play_scripted
from hypothesis import given, settings
from hypothesis import strategies as st

from game.engine.allocation import ClockAuction
from game.engine.rules import check_bids, limits_for
from game.protocol.messages import dumps, round_message, start_message
from game.protocol.worker import bids_message, own_valuation, public_scenario, view_from_round
from game.records.view import build_view
from game.scenario import load_scenario

SCENARIOS = {name: load_scenario(name) for name in ("pakistan-2026", "pakistan-2026-directive-literal")}


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(sorted(SCENARIOS)),
    seed=st.integers(min_value=0, max_value=10**6),
    rounds=st.integers(min_value=0, max_value=6),
    strategies=st.lists(st.sampled_from(["truthful", "reducer", "random", "aggressive"]), min_size=3, max_size=3),
)
def test_a_view_rebuilt_from_messages_is_the_engines_view(name: str, seed: int, rounds: int, strategies: list[str]) -> None:
    scenario = SCENARIOS[name]
    bidders = ["jazz", "zong", "ufone"]
    auction, values, agents = play_scripted(scenario, bidders, strategies, seed, rounds)
    for b in bidders:
        start = json.loads(dumps(start_message(scenario, auction_id="a", bidder=b, bidders=bidders, values=values[b])))
        public = public_scenario(start)
        assert own_valuation(start) == values[b]
        ours, theirs = limits_for(scenario, b), limits_for(public, b)
        for field in ("lot_tenths", "points", "low_lot_tenths", "holding", "overall_base", "low_base", "overall_cap",
                      "low_cap", "band_cap", "capped_lots"):
            assert getattr(theirs, field) == getattr(ours, field), field
        engine_view = build_view(auction, b)
        rebuilt = view_from_round(json.loads(dumps(round_message(engine_view, auction_id="a"))), public, b)
        for field in ("bidder", "round", "status", "excluded", "information_policy", "bands", "eligibility", "activity",
                      "exposure_usd", "terms"):
            assert getattr(rebuilt, field) == getattr(engine_view, field), field
        assert dict(rebuilt.cap_headroom) == dict(engine_view.cap_headroom)
        assert dict(rebuilt.obligation) == dict(engine_view.obligation)
        assert dict(rebuilt.holdings) == dict(engine_view.holdings)
        assert {k: tuple(v) for k, v in rebuilt.price_history.items()} == dict(engine_view.price_history)
        if engine_view.last_round is None:
            assert rebuilt.last_round is None
        else:
            assert rebuilt.last_round is not None
            assert tuple(rebuilt.last_round.unapplied) == tuple(engine_view.last_round.unapplied)
            assert dict(rebuilt.last_round.processed) == dict(engine_view.last_round.processed)
            assert rebuilt.last_round.steps == engine_view.last_round.steps
            assert dict(rebuilt.last_round.price_points) == dict(engine_view.last_round.price_points)
        # The same agent, fed either view, makes the same bids, which pass the same checks.
        if not auction.finished:
            answer = agents[b].bid(engine_view)
            message = bids_message(engine_view.round, answer)
            assert message["round"] == engine_view.round
            refusals = check_bids(scenario, ours, engine_view.terms, answer.bids, accept_penalty=answer.accept_penalty)
            assert refusals == check_bids(public, theirs, rebuilt.terms, answer.bids, accept_penalty=answer.accept_penalty)


def test_a_round_message_without_the_optional_steps_still_parses_and_gives_none() -> None:
    """Protocol v1: ``steps`` and ``price_points_usd`` of ``last_round`` are optional (older engines send neither)."""
    from game.engine.rules import Bid
    from game.protocol.messages import parse_engine_message

    scenario = SCENARIOS["pakistan-2026"]
    bidders = ["jazz", "zong", "ufone"]
    auction = ClockAuction(scenario, bidders, seed=1)
    auction.submit("jazz", {"2600": Bid("2600", 11), "3500": Bid("3500", 12)})
    auction.submit("zong", {"700": Bid("700", 1), "2600": Bid("2600", 5), "3500": Bid("3500", 5)})
    auction.close_round()
    message = json.loads(dumps(round_message(build_view(auction, "jazz"), auction_id="a")))
    steps = message["last_round"]["steps"]
    assert sorted((s["band"], s["to_lots"]) for s in steps) == [("2600", 11), ("3500", 12)]  # Jazz's own; none of Zong's
    assert message["last_round"]["price_points_usd"] == {"2600": 12500000, "3500": 6500000}
    del message["last_round"]["steps"], message["last_round"]["price_points_usd"]
    assert parse_engine_message(json.dumps(message)).type == "round"
    start = json.loads(dumps(start_message(scenario, auction_id="a", bidder="jazz", bidders=bidders, values=None)))
    last = view_from_round(message, public_scenario(start), "jazz").last_round
    assert last is not None and last.steps == () and dict(last.price_points) == {}
