"""What one bidder may see: the only place that applies the information policy.

Scripted agents, the desktop UI and any RL wrapper all read a
:class:`BidderView`; none of them reads the auction's internals. Policy
"aggregate" shows aggregate demand per band; "excess-only" shows only a flag
per band. Nothing here reveals another bidder's bids, demand or values.
Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import mul
from types import MappingProxyType
from typing import NamedTuple

from game.engine.allocation import ClockAuction, RoundResult, Unapplied
from game.engine.rules import BidderLimits, RoundTerms, obligation_refusals
from game.scenario import Scenario
from game.scenario.units import Tenths


class BandView(NamedTuple):
    """One band as a bidder sees it at the start of a round.

    An immutable record (a named tuple: a view builds several per bidder each
    round, and a frozen dataclass costs five times as much to build), shared
    by the bidders whose processed demand in the band is the same.
    """

    id: str
    supply: int
    lot_tenths: Tenths
    reserve_usd: int
    eligibility_points: int
    start_price: int
    """Start-of-round price P: the posted price of the last round (reserve in round 1)."""
    clock_price: int
    """This round's clock price C."""
    aggregate_demand: int | None
    """Last round's aggregate demand, or None under the excess-only policy (or before round 1)."""
    excess_demand: bool | None
    """Whether the band had excess demand last round (None before round 1)."""
    processed: int
    """This bidder's processed demand (lots it holds now)."""


_new_tuple = tuple.__new__
"""Builds a named tuple from one tuple of its fields, like ``_make`` without its Python frame: a third cheaper than
BandView(*fields) (every view builds a few)."""


class OwnStep(NamedTuple):
    """One of the bidder's own changes as processing applied it last round (an immutable record)."""

    band: str
    from_lots: int
    to_lots: int
    requested: int
    """The lots the bid asked for (``to_lots`` falls short of it when the change was only partly applied)."""
    price_usd: int
    """The price point the change was processed at."""


_NONE: Mapping[str, int] = MappingProxyType({})
"""An empty read-only map, shared."""


class LastRound(NamedTuple):
    """How the bidder's own bids of the previous round were processed (an immutable record)."""

    round: int
    submitted: Mapping[str, int]
    processed: Mapping[str, int]
    unapplied: tuple[Unapplied, ...]
    posted_prices: Mapping[str, int]
    price_changes: Mapping[str, int]
    steps: tuple[OwnStep, ...] = ()
    """The bidder's own changes in processing order, each with the price point it was processed at."""
    price_points: Mapping[str, int] = _NONE
    """The price point of each of the bidder's own bids, by band it named (the clock price when it gave none)."""


@dataclass
class BidderView:
    """Everything a bidder may know when it bids in ``round``.

    ``cap_headroom`` is worked out on first read (most scripted bidders never
    read it) from inputs that cannot change, so the view stays a snapshot of
    the moment it was built. Not a frozen dataclass, which costs ten times as
    much to build (every bidder gets a view every round): each view is a
    fresh object for one bidder, every part that bidders share (bands, terms,
    last round's prices, price and demand histories) is immutable, and
    nothing in it leads to another bidder's bids or to the round log, so an
    agent that changes its view changes nothing else and learns nothing more.
    """

    bidder: str
    round: int
    status: str
    excluded: bool
    information_policy: str
    bands: tuple[BandView, ...]
    eligibility: int | None
    """None means unlimited."""
    activity: int
    """Eligibility points of the processed demand."""
    exposure_usd: int
    """Processed demand valued at the start-of-round (posted) prices."""
    holdings: Mapping[str, Tenths]
    obligation: Mapping[str, int]
    """Round-1 minimum lots per band this bidder must meet (empty when none applies)."""
    last_round: LastRound | None
    """How this bidder's bids of the previous round were processed (None before round 1 closes)."""
    price_history: Mapping[str, tuple[int, ...]]
    """Posted price per band after each round so far (public)."""
    demand_history: Mapping[str, tuple[int, ...]] | None
    """Aggregate demand per band after each round, under the aggregate policy only."""
    terms: RoundTerms
    """This round's prices and the bidder's standing, as :func:`game.engine.rules.check_bids` checks a bid."""
    _limits: BidderLimits = field(repr=False, compare=False)
    _headroom: Mapping[str, Tenths] | None = field(default=None, init=False, repr=False, compare=False)

    def band(self, band_id: str) -> BandView:
        for b in self.bands:
            if b.id == band_id:
                return b
        raise KeyError(band_id)

    @property
    def processed(self) -> dict[str, int]:
        return {b.id: b.processed for b in self.bands}

    @property
    def cap_headroom(self) -> Mapping[str, Tenths]:
        """MHz left under each cap given the processed demand: 'overall', 'low band', per capped band."""
        # Kept on first read by hand: functools.cached_property takes a lock on Python 3.11, and the learning
        # environment reads this of every view (2% of benchmarks/rl.py).
        headroom = self._headroom
        if headroom is None:
            headroom = self._headroom = self._limits.headroom(self.terms.processed)
        return headroom


class _RoundShared(NamedTuple):
    """The parts of a view that are the same for every bidder until the round closes."""

    start: tuple[int, ...]
    clock: tuple[int, ...]
    band_fields: tuple[tuple[str, int, Tenths, int, int, int, int, int | None, bool | None], ...]
    """Per band, every BandView field but ``processed``, in field order."""
    band_views: dict[tuple[int, int], BandView]
    """BandViews already built this round, by (band index, processed): immutable, so bidders can share them."""
    last: RoundResult | None
    own_steps: Mapping[str, tuple[OwnStep, ...]]
    """Last round's processing steps by bidder, each bidder's own only."""
    posted_prices: Mapping[str, int]
    price_changes: Mapping[str, int]
    price_history: Mapping[str, tuple[int, ...]]
    demand_history: Mapping[str, tuple[int, ...]] | None


_SHARED = "view"
"""Key of this module's entry in ``ClockAuction.derived``."""


def _round_shared(auction: ClockAuction) -> _RoundShared:
    cached = auction.derived.get(_SHARED)
    if isinstance(cached, _RoundShared):
        return cached
    scenario = auction.scenario
    policy = scenario.rules.information_policy
    history = auction.history
    last = history[-1] if history else None
    start, clock = auction.round_prices()
    demand = last.aggregate_demand if last else None
    shown = demand if policy == "aggregate" else None
    band_fields = tuple(
        (
            b.id,
            b.lots,
            b.lot_tenths,
            b.reserve_usd,
            b.eligibility_points,
            start[k],
            clock[k],
            shown[b.id] if shown is not None else None,
            demand[b.id] > b.lots if demand is not None else None,
        )
        for k, b in enumerate(scenario.bands)
    )
    # Shared by every bidder's view, so read-only: no agent can change what another one sees.
    posted: Mapping[str, int] = MappingProxyType(dict(last.posted_prices) if last else {})
    changes: Mapping[str, int] = MappingProxyType(
        {k: last.posted_prices[k] - last.start_prices[k] for k in last.posted_prices} if last else {}
    )
    own_steps: dict[str, list[OwnStep]] = {}
    # A step without its bidder is an OwnStep, field for field (tests/test_view_boundary.py checks the fields line up):
    for s in last.steps if last else ():
        own_steps.setdefault(s.bidder, []).append(_new_tuple(OwnStep, s[1:]))
    shared = _RoundShared(
        start,
        clock,
        band_fields,
        {},
        last,
        {b: tuple(steps) for b, steps in own_steps.items()},
        posted,
        changes,
        MappingProxyType(auction.price_history()),
        MappingProxyType(auction.demand_history()) if policy == "aggregate" else None,
    )
    auction.derived[_SHARED] = shared
    return shared


def build_view(auction: ClockAuction, bidder: str) -> BidderView:
    """The view of ``bidder`` at the current state of ``auction``."""
    scenario = auction.scenario
    shared = auction.derived.get(_SHARED)
    if type(shared) is not _RoundShared:
        shared = _round_shared(auction)
    history = auction.history
    bundle = auction.processed_bundle(bidder)
    cache = shared.band_views
    bands: list[BandView] = []
    for k, q in enumerate(bundle):
        band_view = cache.get((k, q))
        if band_view is None:
            band_view = cache[(k, q)] = _new_tuple(BandView, (*shared.band_fields[k], q))
        bands.append(band_view)
    limits = auction.limits(bidder)
    profile = limits.bidder
    obligation: Mapping[str, int] = _NONE
    if auction.round == 1 and not history and scenario.rules.obligation.applies(profile):
        obligation = MappingProxyType(dict(scenario.rules.obligation.min_lots))
    round_number = auction.round if not auction.finished else len(history)
    eligibility = auction.eligibility(bidder)
    # Keywords, although positional arguments build a view 0.7 us faster: that is 34 views, about 25 us,
    # of a 4.5 ms Pakistan auction (0.5%), well inside the noise of benchmarks/auction.py.
    return BidderView(
        bidder=bidder,
        round=round_number,
        status=auction.status,
        excluded=auction.is_excluded(bidder),
        information_policy=scenario.rules.information_policy,
        bands=tuple(bands),
        eligibility=eligibility,
        activity=limits.bundle_points(bundle),
        exposure_usd=sum(map(mul, bundle, shared.start)),
        holdings=MappingProxyType(profile.holdings),
        obligation=obligation,
        last_round=_last_round(scenario, shared, bidder),
        price_history=shared.price_history,
        demand_history=shared.demand_history,
        terms=RoundTerms(round_number, shared.start, shared.clock, bundle, eligibility),
        _limits=limits,
    )


def _last_round(scenario: Scenario, shared: _RoundShared, bidder: str) -> LastRound | None:
    """The bidder's own part of last round's result (None before round 1 closes), read-only: a view can change
    nothing in the round log."""
    last = shared.last
    if last is None:
        return None
    held = last.processed.get(bidder)
    if held is None:
        held = {b.id: 0 for b in scenario.bands}
    processed: Mapping[str, int] = MappingProxyType(held)
    # Bands a bidder did not name were maintained, so they never changed.
    bids = last.bids.get(bidder)
    submitted = processed
    price_points = _NONE
    if bids:
        changed = dict(held)
        points: dict[str, int] = {}
        clock = last.clock_prices
        for band_id, bid in bids.items():
            changed[band_id] = bid.lots
            points[band_id] = bid.price_usd or clock[band_id]
        submitted = MappingProxyType(changed)
        price_points = MappingProxyType(points)
    unapplied = tuple(u for u in last.unapplied if u.bidder == bidder) if last.unapplied else ()
    return LastRound(
        last.round, submitted, processed, unapplied, shared.posted_prices, shared.price_changes,
        shared.own_steps.get(bidder, ()), price_points,
    )


def obligation_shortfall(auction: ClockAuction, bidder: str, bundle: Mapping[str, int]) -> list[str]:
    """Messages for a bundle that misses the round-1 obligation (UI helper)."""
    scenario = auction.scenario
    return [
        r.message
        for r in obligation_refusals(scenario, scenario.bidder(bidder), [bundle.get(b.id, 0) for b in scenario.bands])
    ]
