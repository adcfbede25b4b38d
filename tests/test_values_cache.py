"""The parsed value model is cached per scenario object; the values drawn must not depend on the cache."""

from __future__ import annotations

import copy

from game.economics.values import draw_valuations, value_model
from game.scenario import load_scenario, memo, parse_scenario

PAKISTAN = "pakistan-2026"


def test_value_model_is_read_once_per_scenario_object() -> None:
    s = load_scenario(PAKISTAN)
    assert value_model(s) is value_model(s)
    other = parse_scenario(copy.deepcopy(dict(s.raw)), source="copy.toml")
    assert value_model(other) is not value_model(s)
    assert value_model(other) == value_model(s)


def test_cached_model_draws_the_same_values_as_a_fresh_read() -> None:
    s = load_scenario(PAKISTAN)
    bidders = list(s.bidder_ids)
    for seed in range(25):
        memo.clear()
        fresh = draw_valuations(s, bidders, seed)
        cached = draw_valuations(s, bidders, seed)
        assert cached == fresh
