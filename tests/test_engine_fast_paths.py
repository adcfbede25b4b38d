"""The engine's shortcuts for the learning environment answer exactly as the paths they stand in for.

``ClockAuction.try_submit`` is ``submit`` returning the refusals instead of raising them;
``BidderLimits.raise_toward`` is ``max_increase`` asked band by band. (Processing's full-increase shortcut is
covered by the allocation rule and example tests of an increase that fits only after a decrease, and by the
golden logs.)
"""

from __future__ import annotations

import pytest
from conftest import LITERAL, PAKISTAN
from hypothesis import given, settings
from hypothesis import strategies as st

from game.engine.allocation import ClockAuction
from game.engine.rules import Bid, BidRefused, limits_for
from game.scenario import load_scenario


def test_try_submit_returns_what_submit_raises_and_enters_nothing_refused() -> None:
    scenario = load_scenario(PAKISTAN)
    bidder = scenario.default_bidders[0]
    over = {b.id: Bid(b.id, b.lots) for b in scenario.bands}  # every lot of every band: over the caps
    auction = ClockAuction(scenario, seed=0)
    with pytest.raises(BidRefused) as info:
        auction.submit(bidder, over)
    refusals = auction.try_submit(bidder, over)
    assert refusals and tuple(refusals) == info.value.refusals
    assert not auction.has_submitted(bidder)
    duplicate = [Bid("3500", 5), Bid("3500", 6)]
    assert [r.rule for r in auction.try_submit(bidder, duplicate)] == ["duplicate band"]
    assert not auction.has_submitted(bidder)


def test_try_submit_enters_accepted_bids_as_submit_does() -> None:
    scenario = load_scenario(PAKISTAN)
    bidder = scenario.default_bidders[0]
    bids = {"2600": Bid("2600", 5), "3500": Bid("3500", 5)}  # the round-1 obligation, within every cap
    one, two = ClockAuction(scenario, seed=3), ClockAuction(scenario, seed=3)
    assert one.try_submit(bidder, bids) == []
    two.submit(bidder, bids)
    assert one.submitted(bidder) == two.submitted(bidder) is not None
    assert one.close_round() == two.close_round()


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from([PAKISTAN, LITERAL]),
    data=st.data(),
    eligibility=st.one_of(st.none(), st.integers(0, 2_000)),
)
def test_raise_toward_is_max_increase_band_by_band(name: str, data: st.DataObject, eligibility: int | None) -> None:
    scenario = load_scenario(name)
    limits = limits_for(scenario, data.draw(st.sampled_from(scenario.bidder_ids)))
    bundle = [data.draw(st.integers(0, b.lots)) for b in scenario.bands]
    targets = [data.draw(st.integers(0, b.lots)) for b in scenario.bands]
    expected = list(bundle)
    for k, target in enumerate(targets):
        if target > expected[k]:
            room, _ = limits.max_increase(expected, k, eligibility)
            expected[k] = min(target, expected[k] + room)
    raised = list(bundle)
    limits.raise_toward(raised, targets, eligibility)
    assert raised == expected
