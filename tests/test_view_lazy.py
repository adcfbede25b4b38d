"""The parts of a view built on first read (last round, histories) are what the round log says, and leave no way back
to it: the view keeps only immutable facts, public or the bidder's own."""

from __future__ import annotations

import gc
from types import MappingProxyType

from conftest import play_scripted
from hypothesis import given, settings
from hypothesis import strategies as st

from game.engine.allocation import ClockAuction, RoundResult
from game.records.view import build_view
from game.scenario import load_scenario

SCENARIO = load_scenario("pakistan-2026")
BIDDERS = ["jazz", "zong", "ufone"]


def _walk(value: object, seen: set[int]) -> list[object]:
    """Every object reachable through tuples, lists, dicts, mapping proxies and dataclasses from ``value``."""
    if id(value) in seen:
        return []
    seen.add(id(value))
    found = [value]
    items: list[object] = []
    if isinstance(value, (tuple, list)):
        items = list(value)
    elif isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, MappingProxyType):
        items = gc.get_referents(value)  # the mapping behind the proxy
    elif hasattr(value, "__dataclass_fields__"):
        items = [getattr(value, name) for name in value.__dataclass_fields__]
    for item in items:
        found += _walk(item, seen)
    return found


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10**6),
    rounds=st.integers(min_value=1, max_value=6),
    strategies=st.lists(st.sampled_from(["truthful", "reducer", "random", "aggressive"]), min_size=3, max_size=3),
)
def test_last_round_built_on_read_is_the_bidders_part_of_the_round_log(seed: int, rounds: int, strategies: list[str]) -> None:
    auction: ClockAuction = play_scripted(SCENARIO, BIDDERS, strategies, seed, rounds)[0]
    last: RoundResult = auction.history[-1]
    engine_dicts = {id(d) for d in (last.processed, last.bids, last.posted_prices, last.start_prices, last.clock_prices)}
    engine_dicts |= {id(d) for d in last.processed.values()} | {id(d) for d in last.bids.values()}
    for bidder in BIDDERS:
        view = build_view(auction, bidder)
        # Before the first read: nothing reachable from the view's fields is the round result or one of its dicts,
        # and no other bidder is named.
        reachable = [x for f in vars(view).values() for x in _walk(f, set())]
        assert not any(isinstance(x, RoundResult) or id(x) in engine_dicts for x in reachable)
        assert not any(x in BIDDERS and x != bidder for x in reachable if isinstance(x, str))
        mine = view.last_round
        assert mine is not None and mine is view.last_round  # built once
        assert dict(mine.processed) == last.processed[bidder]
        submitted = dict(last.processed[bidder]) | {k: b.lots for k, b in last.bids.get(bidder, {}).items()}
        assert dict(mine.submitted) == submitted
        assert dict(mine.posted_prices) == last.posted_prices
        assert dict(mine.price_changes) == {k: last.posted_prices[k] - last.start_prices[k] for k in last.posted_prices}
        assert mine.unapplied == tuple(u for u in last.unapplied if u.bidder == bidder)
        # Equal views stay equal whether or not a part was built on read.
        assert build_view(auction, bidder) == view and view == build_view(auction, bidder)
