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
from dataclasses import fields as dataclass_fields
from itertools import repeat
from operator import add, gt, mul, sub
from types import MappingProxyType
from typing import NamedTuple

from game.engine.allocation import ClockAuction, ProcessingStep, RoundResult, Unapplied
from game.engine.rules import Bid, BidderLimits, RoundTerms, obligation_refusals
from game.scenario import Scenario
from game.scenario.memo import per_scenario
from game.scenario.units import Tenths


class BandView(NamedTuple):
    """One band as a bidder sees it at the start of a round.

    An immutable record (a named tuple: a view builds several per bidder each
    round, and a frozen dataclass costs five times as much to build).
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


BandFields = tuple[str, int, Tenths, int, int, int, int, int | None, bool | None]
"""Every :class:`BandView` field but ``processed``, in field order."""

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


class _LastPublic(NamedTuple):
    """Last round's public facts a view's :class:`LastRound` is built from, in scenario band order (immutable, shared
    by every view of the round)."""

    round: int
    ids: tuple[str, ...]
    start: tuple[int, ...]
    clock: tuple[int, ...]
    posted: tuple[int, ...]


class _OwnLastRound(NamedTuple):
    """What a view keeps to build its :class:`LastRound` on first read: last round's public facts and the bidder's own
    part of it, all immutable (nothing in it leads to the round log or to another bidder)."""

    public: _LastPublic
    processed: tuple[int, ...]
    """The bidder's processed demand after last round (it holds it still: only a round's close changes it)."""
    bids: tuple[tuple[str, Bid], ...]
    """The bidder's own bids of last round, by band (frozen records)."""
    unapplied: tuple[Unapplied, ...]
    steps: tuple[ProcessingStep, ...]
    """The bidder's own processing steps (its name and its own numbers only), in processing order."""

    def build(self) -> LastRound:
        public, bundle, bids, unapplied, steps = self
        ids = public.ids
        held = dict(zip(ids, bundle))  # noqa: B905 (same length: both per band)
        processed: Mapping[str, int] = MappingProxyType(held)
        # Bands a bidder did not name were maintained, so they never changed.
        submitted = processed
        price_points = _NONE
        if bids:
            changed = dict(held)
            points: dict[str, int] = {}
            clock = dict(zip(ids, public.clock))  # noqa: B905
            for band_id, bid in bids:
                changed[band_id] = bid.lots
                points[band_id] = bid.price_usd or clock[band_id]
            submitted = MappingProxyType(changed)
            price_points = MappingProxyType(points)
        # A step without its bidder is an OwnStep, field for field (tests/test_view_boundary.py checks the fields
        # line up).
        return LastRound(
            public.round, submitted, processed, unapplied,
            MappingProxyType(dict(zip(ids, public.posted))),  # noqa: B905 (posted prices)
            MappingProxyType(dict(zip(ids, map(sub, public.posted, public.start)))),  # noqa: B905 (price changes)
            tuple([_new_tuple(OwnStep, s[1:]) for s in steps]), price_points,
        )


@dataclass(repr=False)
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
    _band_fields: tuple[BandFields, ...]
    """Per band, every :class:`BandView` field but ``processed``, in field order: the round's public band facts, which
    every bidder's view shares. :attr:`bands` adds the bidder's processed demand (``terms.processed``)."""
    eligibility: int | None
    """None means unlimited."""
    activity: int
    """Eligibility points of the processed demand."""
    exposure_usd: int
    """Processed demand valued at the start-of-round (posted) prices."""
    holdings: Mapping[str, Tenths]
    obligation: Mapping[str, int]
    """Round-1 minimum lots per band this bidder must meet (empty when none applies)."""
    _last: LastRound | _OwnLastRound | None
    """:attr:`last_round`, or what it is built from on first read."""
    price_history: Mapping[str, tuple[int, ...]]
    """Posted price per band after each round so far (public)."""
    demand_history: Mapping[str, tuple[int, ...]] | None
    """Aggregate demand per band after each round, under the aggregate policy only."""
    terms: RoundTerms
    """This round's prices and the bidder's standing, as :func:`game.engine.rules.check_bids` checks a bid."""
    _limits: BidderLimits = field(repr=False, compare=False)
    _headroom: Mapping[str, Tenths] | None = field(default=None, init=False, repr=False, compare=False)
    _bands: tuple[BandView, ...] | None = field(default=None, init=False, repr=False, compare=False)
    _last_round: LastRound | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def bands(self) -> tuple[BandView, ...]:
        """Each band as the bidder sees it, in scenario band order."""
        # Built on first read, from the round's band facts and the processed demand, both immutable parts of the view
        # (a snapshot still): the learning environment reads only demand and excess (last_demand()), and building
        # the records was 5% of its step (benchmarks/rl_instructions.py).
        bands = self._bands
        if bands is None:
            bands = self._bands = tuple(
                [_new_tuple(BandView, (*fields, q)) for fields, q in zip(self._band_fields, self.terms.processed)]  # noqa: B905 (same length: both per band)
            )
        return bands

    def last_demand(self) -> tuple[list[int | None], list[bool | None]]:
        """Per band, last round's aggregate demand as the policy shows it and its excess-demand flag: the
        ``aggregate_demand`` and ``excess_demand`` of :attr:`bands`, read without building them."""
        fields = self._band_fields
        return [f[7] for f in fields], [f[8] for f in fields]

    @property
    def last_round(self) -> LastRound | None:
        """How this bidder's bids of the previous round were processed (None before round 1 closes)."""
        # Built on first read from immutable facts (last round's public prices, the bidder's own bids, steps and
        # processed demand): the learning environment never reads it, and building it with its five read-only maps
        # for every seat (and grouping the steps as OwnStep records every round) was 4.5% of its step
        # (benchmarks/rl_instructions.py).
        last = self._last
        if last is None or isinstance(last, LastRound):
            return last
        built = self._last_round
        if built is None:
            built = self._last_round = last.build()
        return built

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _SHOWN)
        return f"BidderView({shown})"

    def __eq__(self, other: object) -> bool:
        # What the view shows, the parts built on first read included (not how far they are built).
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _COMPARED)

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


_BUILT_ON_READ = {"_band_fields": "bands", "_last": "last_round"}
"""Fields that hold what a part of the view is built from on first read, and the part."""
_SHOWN = tuple(_BUILT_ON_READ.get(f.name, f.name) for f in dataclass_fields(BidderView) if f.repr)
"""What repr shows, in field order: the public fields, the parts built on first read instead of what they come from."""
_COMPARED = tuple("last_round" if f.name == "_last" else f.name for f in dataclass_fields(BidderView) if f.compare)
"""What == compares, in field order: the band facts themselves (the bands are them with ``terms.processed``, which is
compared too), and last round as built, whether or not either view has built it yet."""


class _RoundShared(NamedTuple):
    """The parts of a view that are the same for every bidder until the round closes."""

    start: tuple[int, ...]
    clock: tuple[int, ...]
    band_fields: tuple[BandFields, ...]
    """Per band, every BandView field but ``processed``, in field order."""
    last: RoundResult | None
    last_public: _LastPublic | None
    own_steps: Mapping[str, tuple[ProcessingStep, ...]]
    """Last round's processing steps by bidder, each bidder's own only."""
    unapplied: Mapping[str, tuple[Unapplied, ...]]
    """Last round's unapplied parts of bids by bidder, each bidder's own only."""
    price_history: Mapping[str, tuple[int, ...]]
    demand_history: Mapping[str, tuple[int, ...]] | None


_SHARED = "view"
"""Key of this module's entry in ``ClockAuction.derived``."""


_BandFacts = tuple[tuple[tuple[str, int, Tenths, int, int], ...], tuple[str, ...], tuple[int, ...]]


def _band_facts(scenario: Scenario) -> _BandFacts:
    """Each band's fixed BandView fields (id, lots, lot size, reserve, points), the band ids and the lots: worked out
    once per scenario, not every round."""
    return per_scenario(scenario, "view band facts", _read_band_facts)


def _read_band_facts(scenario: Scenario) -> _BandFacts:
    bands = scenario.bands
    return (
        tuple((b.id, b.lots, b.lot_tenths, b.reserve_usd, b.eligibility_points) for b in bands),
        tuple(b.id for b in bands),
        tuple(b.lots for b in bands),
    )


def _round_shared(auction: ClockAuction) -> _RoundShared:
    cached = auction.derived.get(_SHARED)
    if isinstance(cached, _RoundShared):
        return cached
    scenario = auction.scenario
    policy = scenario.rules.information_policy
    history = auction.history
    last = history[-1] if history else None
    start, clock = auction.round_prices()
    fixed, ids, lots = _band_facts(scenario)
    # Each band's fixed fields + (P, C, shown demand, excess), concatenated in C (map(add, ...)) instead of a
    # generator building the nine fields band by band (this round-sharing rework: -0.8% instructions a step).
    last_public = None
    own_steps: Mapping[str, tuple[ProcessingStep, ...]] = {}
    unapplied: Mapping[str, tuple[Unapplied, ...]] = {}
    if last is None:
        band_fields = tuple(map(add, fixed, zip(start, clock, repeat(None), repeat(None), strict=False)))
    else:
        demand = tuple(map(last.aggregate_demand.__getitem__, ids))
        shown = demand if policy == "aggregate" else repeat(None)
        band_fields = tuple(map(add, fixed, zip(start, clock, shown, map(gt, demand, lots), strict=False)))
        # Last round's posted prices are this round's start prices.
        last_public = _new_tuple(_LastPublic, (
            last.round, ids, tuple(map(last.start_prices.__getitem__, ids)),
            tuple(map(last.clock_prices.__getitem__, ids)), start,
        ))
        # The engine's own step records, each holding only its bidder's name and numbers: OwnStep records are
        # built from them when last_round is read. (Grouping with sorted() and groupby() costs more instructions.)
        steps: dict[str, list[ProcessingStep]] = {}
        for s in last.steps:
            steps.setdefault(s.bidder, []).append(s)
        own_steps = {b: tuple(mine) for b, mine in steps.items()}
        parts: dict[str, list[Unapplied]] = {}
        for u in last.unapplied:
            parts.setdefault(u.bidder, []).append(u)
        if parts:
            unapplied = {b: tuple(mine) for b, mine in parts.items()}
    shared = _new_tuple(_RoundShared, (  # _make without its frame
        start,
        clock,
        band_fields,
        last,
        last_public,
        own_steps,
        unapplied,
        MappingProxyType(auction.price_history()),
        MappingProxyType(auction.demand_history()) if policy == "aggregate" else None,
    ))
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
    limits = auction.limits(bidder)
    profile = limits.bidder
    obligation: Mapping[str, int] = _NONE
    if auction.round == 1 and not history and scenario.rules.obligation.applies(profile):
        obligation = MappingProxyType(dict(scenario.rules.obligation.min_lots))
    round_number = auction.round if auction.status == "open" else len(history)  # not finished (a property call less)
    eligibility = auction.eligibility(bidder)
    # The bidder's own part of last round's result, as immutable facts: BidderView.last_round builds the record
    # from them when read, so a view can change nothing in the round log.
    last = shared.last
    own_last = None
    if last is not None:
        bids = last.bids.get(bidder)
        own_last = _new_tuple(_OwnLastRound, (
            shared.last_public, bundle, tuple(bids.items()) if bids else (), shared.unapplied.get(bidder, ()),
            shared.own_steps.get(bidder, ()),
        ))
    # Positional, in field order (the names in the comments): keywords cost 0.7 us more a view, and the learning
    # environment builds one per seat per step (benchmarks/rl.py).
    return BidderView(
        bidder,
        round_number,
        auction.status,
        auction.is_excluded(bidder),  # excluded
        scenario.rules.information_policy,
        shared.band_fields,  # the bands without the processed demand: BidderView.bands adds it when read
        eligibility,
        limits.bundle_points(bundle),  # activity
        sum(map(mul, bundle, shared.start)),  # exposure_usd
        MappingProxyType(profile.holdings),
        obligation,
        own_last,  # last_round, built when read
        shared.price_history,
        shared.demand_history,
        _new_tuple(RoundTerms, (round_number, shared.start, shared.clock, bundle, eligibility)),  # terms
        limits,
    )


def obligation_shortfall(auction: ClockAuction, bidder: str, bundle: Mapping[str, int]) -> list[str]:
    """Messages for a bundle that misses the round-1 obligation (UI helper)."""
    scenario = auction.scenario
    return [
        r.message
        for r in obligation_refusals(scenario, scenario.bidder(bidder), [bundle.get(b.id, 0) for b in scenario.bands])
    ]
