"""Protocol v1 messages: the engine's messages match their declared schema; bad agent lines are refused with reasons."""

from __future__ import annotations

import json

import numpy as np
import pytest

from game.agents.registry import make_agent
from game.economics.values import draw_valuations
from game.engine.allocation import ClockAuction
from game.protocol.messages import (
    ProtocolError,
    dumps,
    json_schemas,
    parse_agent_message,
    parse_engine_message,
    result_message,
    round_message,
    start_message,
)
from game.records.view import build_view
from game.scenario import load_scenario


@pytest.mark.parametrize("scenario_name", ["pakistan-2026", "pakistan-2026-directive-literal"])
def test_engine_messages_of_a_whole_auction_match_the_schema(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    bidders = ["jazz", "zong", "ufone"]
    values = draw_valuations(scenario, bidders, 5)
    auction = ClockAuction(scenario, bidders, seed=5)
    agents = {b: make_agent("truthful", b, scenario, values[b], np.random.default_rng(1)) for b in bidders}
    for b in bidders:
        msg = start_message(scenario, auction_id="a1", bidder=b, bidders=bidders, values=values[b], round_seconds=2.0)
        assert parse_engine_message(dumps(msg)).type == "start"
    while not auction.finished:
        for b in bidders:
            view = build_view(auction, b)
            parsed = parse_engine_message(dumps(round_message(view, auction_id="a1")))
            assert parsed.type == "round" and parsed.round == view.round
            answer = agents[b].bid(view)
            auction.submit(b, answer.bids, accept_penalty=answer.accept_penalty)
        auction.close_round()
        for b in bidders:
            assert parse_engine_message(dumps(result_message(build_view(auction, b), auction_id="a1"))).type == "result"


@pytest.mark.parametrize(
    "line",
    [
        b"",
        b"not json",
        b"[]",
        b'{"type":"bids"}',
        b'{"type":"bids","round":1,"bids":{"3500":-1}}',
        b'{"type":"bids","round":1,"bids":{"3500":1e400}}',
        b'{"type":"bids","round":1,"bids":{"3500":NaN}}',
        b'{"type":"bids","round":1,"bids":{"3500":{"lots":1,"price_usd":"x"}}}',
        b'{"type":"bids","round":1,"bids":{},"extra":1}',
        b'{"type":"nonsense"}',
        b"[" * 5000 + b"]" * 5000,
        b'{"type":"bids","round":1,"bids":{"3500":' + b"9" * 5000 + b"}}",
    ],
)
def test_bad_agent_lines_are_refused_with_a_short_reason(line: bytes) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_agent_message(line)
    assert len(str(info.value)) < 2000


def test_every_message_has_a_json_schema() -> None:
    schemas = json_schemas()
    for name in ("start", "round", "result", "end", "quit", "hello", "ready", "bids", "error"):
        assert json.dumps(schemas[name])
