"""The allocation stage: a multi-band clock auction for generic lots.

One file holds a round of ``AUCTION_RULES.md`` ("A round of the allocation
stage"): bids checked at entry, the processing queue ordered by price point
with seeded tie-breaks and re-testing, partial application, posted prices
(:func:`posted_price`), eligibility, end and halt. Deterministic from the
scenario, the bids and the seed. Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from operator import itemgetter, mul
from typing import Any, Literal, NamedTuple

from game.engine.rules import (
    RULE_NOT_BIDDING,
    Bid,
    BidderLimits,
    BidRefused,
    Refusal,
    RoundTerms,
    check_bids,
    limits_for,
)
from game.engine.streams import stream
from game.scenario import Scenario
from game.scenario.units import ceil_div, fmt_usd_exact

# zip() without strict= on the hot paths (noqa: B905): under CPython 3.11 the keyword alone costs a zip about 1.5k
# instructions (it is parsed through a dict), and a round makes a dozen; each pairs per-band (or per-change)
# sequences that have the same length by construction.

Status = Literal["open", "ended", "halted"]

RULE_NO_EXCESS_SUPPLY = "no excess supply"


class ProcessingStep(NamedTuple):
    """One application of a bid during processing, in queue order (a named tuple: built on the hot path)."""

    bidder: str
    band: str
    from_lots: int
    to_lots: int
    requested: int
    price_usd: int


_new_tuple = tuple.__new__
"""Builds a named tuple from one tuple of its fields, as ``_make`` does without its Python frame (steps are built on
the hot path: a dozen a round in benchmarks/rl.py)."""


class Unapplied(NamedTuple):
    """The part of a bid left unapplied when processing stopped, and why (a named tuple: built on the hot path)."""

    bidder: str
    band: str
    requested: int
    processed: int
    price_usd: int
    rule: str
    message: str


@dataclass(frozen=True)
class RoundResult:
    """Everything that happened in one round, as the round log records it."""

    round: int
    start_prices: Mapping[str, int]
    clock_prices: Mapping[str, int]
    bids: Mapping[str, Mapping[str, Bid]]
    accepted_penalty: tuple[str, ...]
    steps: tuple[ProcessingStep, ...]
    unapplied: tuple[Unapplied, ...]
    processed: Mapping[str, Mapping[str, int]]
    aggregate_demand: Mapping[str, int]
    posted_prices: Mapping[str, int]
    eligibility: Mapping[str, int | None]
    newly_excluded: tuple[str, ...]

    def excess(self, scenario: Scenario) -> dict[str, bool]:
        return {b.id: self.aggregate_demand[b.id] > b.lots for b in scenario.bands}


@dataclass(frozen=True)
class AllocationOutcome:
    """Who won what in the allocation stage, and what they pay."""

    status: Literal["ended", "halted"]
    rounds: int
    prices: Mapping[str, int]
    """Final posted price per lot, by band."""
    allocated: Mapping[str, bool]
    """False for a band still in excess demand when the auction halted."""
    lots: Mapping[str, Mapping[str, int]]
    payments: Mapping[str, int]
    excluded: tuple[str, ...]
    forfeited_deposits: Mapping[str, int]

    @property
    def revenue_usd(self) -> int:
        return sum(self.payments.values())

    def sold_lots(self, band_id: str) -> int:
        return sum(lots[band_id] for lots in self.lots.values())


_Change = list[Any]
"""A queued change: ``[key, tie, bidder, k, target, price, increase, stuck, decreasing]``, indexed by the names below.

``key`` is the price point's place between the start and the clock price, ``tie`` the seeded tie-break, ``k`` the
band's position, ``target`` the lots bid, ``stuck`` whether it failed its last test with nothing it depends on
changed since, ``decreasing`` a one-item list shared by the bidder's changes: how many of its decreases are not
yet fully applied. A list, not a dataclass: a list display costs a quarter of an instance's ``__init__`` (callgrind:
about 2k instructions less a change, a dozen changes a round in benchmarks/rl.py), and the queue sorts as plain
lists: by key, then by the (distinct) tie-break, so no later field is ever compared."""
_KEY, _TIE, _BIDDER, _K, _TARGET, _PRICE, _INCREASE, _STUCK, _DECREASING = range(9)

_BAND_ORDER = itemgetter(_K)


def posted_price(
    start: int, clock: int, supply: int, demand: int, applied_decrease_prices: Sequence[int]
) -> int:
    """The posted price of a band after processing (AUCTION_RULES.md, step 4).

    >>> posted_price(100, 105, 10, 11, [])      # excess demand: the clock price
    105
    >>> posted_price(100, 105, 10, 10, [102, 103])  # a decrease ended the excess
    103
    >>> posted_price(100, 100, 10, 7, [100])     # no rise this round
    100
    """
    if demand > supply:
        return clock
    if clock > start and applied_decrease_prices:
        return max(applied_decrease_prices)
    return start


def next_clock_price(posted: int, excess: bool, increment_bp: int, step: int) -> int:
    """Next round's clock: posted x (1 + increment), rounded up to a whole step, after excess demand.

    >>> next_clock_price(32_500_000, True, 500, 1000)
    34125000
    >>> next_clock_price(16_800_000, False, 500, 1000)
    16800000
    """
    if not excess:
        return posted
    return step * ceil_div(posted * (10_000 + increment_bp), 10_000 * step)


class ClockAuction:
    """The allocation stage of one auction (the "State" of OpenSpiel's vocabulary).

    Use: ``submit`` each bidder's bids (or nothing, to maintain), then
    ``close_round``; repeat until ``finished``; then ``outcome()``.
    """

    def __init__(self, scenario: Scenario, bidders: Sequence[str] | None = None, seed: int = 0) -> None:
        ids = tuple(bidders) if bidders is not None else scenario.default_bidders
        known = scenario.bidder_ids
        unknown = [b for b in ids if b not in known]
        if unknown:
            raise ValueError(f"unknown bidder(s) {', '.join(unknown)}; scenario {scenario.id} has: {', '.join(known)}")
        if len(set(ids)) != len(ids) or not ids:
            raise ValueError(f"bidders must be distinct and at least one, got {list(ids)}")
        self.scenario = scenario
        self.bidders: tuple[str, ...] = ids
        self.seed = seed
        self._rng = stream(seed, "ties")
        self._bands = scenario.bands
        self._ids = scenario.band_ids
        self._index = {band_id: k for k, band_id in enumerate(self._ids)}
        self._supply = tuple(b.lots for b in scenario.bands)
        self._reserve = tuple(b.reserve_usd for b in scenario.bands)
        # Prices per band, replaced (never changed in place) when a round closes: tuples, shared as they are.
        self._start: tuple[int, ...] = self._reserve
        self._start_prices = dict(zip(self._ids, self._start, strict=True))
        """``_start`` by band id, for the round record."""
        self._clock: tuple[int, ...] = self._reserve
        self._processed: dict[str, list[int]] = {b: [0] * len(self._bands) for b in ids}
        self._demand = [0] * len(self._bands)
        """Aggregate processed demand per band (the sum of ``_processed``)."""
        self._eligibility: dict[str, int | None] = {b: scenario.rules.initial_eligibility for b in ids}
        self._limits = {b: limits_for(scenario, b) for b in ids}
        self._submissions: dict[str, tuple[dict[str, Bid], bool, list[_Change]]] = {}
        """Per bidder, this round's accepted bids, whether it accepted the penalty, and its changes in band order."""
        self._excluded: list[str] = []
        self._forfeited: dict[str, int] = {}
        self.round = 1
        self.status: Status = "open"
        self.history: list[RoundResult] = []
        # Per band, one entry a round: views read these instead of walking the history.
        self._price_history: list[tuple[int, ...]] = [() for _ in self._bands]
        self._demand_history: list[tuple[int, ...]] = [() for _ in self._bands]
        self.derived: dict[str, object] = {}
        """Values computed from the state between two round closes (the views' shared parts); cleared on close."""

    # ------------------------------------------------------------ state

    @property
    def finished(self) -> bool:
        return self.status != "open"

    def start_prices(self) -> dict[str, int]:
        return self._start_prices.copy()

    def clock_prices(self) -> dict[str, int]:
        return dict(zip(self._ids, self._clock))  # noqa: B905

    def processed(self, bidder: str) -> dict[str, int]:
        return dict(zip(self._ids, self._processed[bidder]))  # noqa: B905

    def round_prices(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(start-of-round prices, clock prices) in scenario band order."""
        return self._start, self._clock

    def processed_bundle(self, bidder: str) -> tuple[int, ...]:
        """The bidder's processed demand as lots per band, in scenario band order."""
        return tuple(self._processed[bidder])

    def price_history(self) -> dict[str, tuple[int, ...]]:
        """Posted price per band after each round so far."""
        return dict(zip(self._ids, self._price_history))  # noqa: B905

    def demand_history(self) -> dict[str, tuple[int, ...]]:
        """Aggregate demand per band after each round so far (not every bidder may see it)."""
        return dict(zip(self._ids, self._demand_history))  # noqa: B905

    def eligibility(self, bidder: str) -> int | None:
        return self._eligibility[bidder]

    def limits(self, bidder: str) -> BidderLimits:
        return self._limits[bidder]

    def is_excluded(self, bidder: str) -> bool:
        return bidder in self._excluded

    def has_submitted(self, bidder: str) -> bool:
        return bidder in self._submissions

    def submitted(self, bidder: str) -> tuple[dict[str, Bid], bool] | None:
        """This round's accepted bids of a bidder and whether it accepted the penalty."""
        sub = self._submissions.get(bidder)
        return (dict(sub[0]), sub[1]) if sub else None

    def terms(self, bidder: str) -> RoundTerms:
        return RoundTerms(
            self.round, self._start, self._clock, tuple(self._processed[bidder]), self._eligibility[bidder]
        )

    # ------------------------------------------------------------ bids

    def check(self, bidder: str, bids: Mapping[str, Bid], *, accept_penalty: bool = False) -> list[Refusal]:
        """Every reason the rules would refuse these bids now (empty: they would be accepted)."""
        processed = self._processed.get(bidder)
        if processed is None:
            return [Refusal(RULE_NOT_BIDDING, None, f"{bidder} is not a bidder in this auction ({', '.join(self.bidders)})")]
        if self.status != "open":
            return [Refusal(RULE_NOT_BIDDING, None, f"the allocation stage has {self.status}; no more bids")]
        if bidder in self._excluded:
            return [Refusal(RULE_NOT_BIDDING, None, f"{bidder} was excluded from the auction and cannot bid")]
        # The terms as terms() gives them, built without the named tuple's Python __new__, on the processed list
        # itself (check_bids only reads it and keeps nothing): every submission is checked.
        terms = _new_tuple(RoundTerms, (self.round, self._start, self._clock, processed, self._eligibility[bidder]))
        return check_bids(self.scenario, self._limits[bidder], terms, bids, accept_penalty=accept_penalty)

    def submit(self, bidder: str, bids: Mapping[str, Bid] | Sequence[Bid], *, accept_penalty: bool = False) -> None:
        """Enter a bidder's bids for this round, replacing its earlier ones.

        Raises :class:`BidRefused` naming every broken rule; the earlier
        accepted bids, if any, then stay as they were.
        """
        refusals = self.try_submit(bidder, bids, accept_penalty=accept_penalty)
        if refusals:
            raise BidRefused(bidder, self.round, refusals)

    def try_submit(
        self, bidder: str, bids: Mapping[str, Bid] | Sequence[Bid], *, accept_penalty: bool = False
    ) -> list[Refusal]:
        """:meth:`submit` without the exception: the refusals :class:`BidRefused` would carry (and nothing entered),
        or an empty list when the bids are entered.

        ``submit`` raises from this one check path. For callers that expect refusals as a matter of course (the
        learning environment: ~60% of round-1 random actions break a joint cap), it saves building and unwinding
        an exception.
        """
        if type(bids) is dict or isinstance(bids, Mapping):  # the exact type first: an ABC check costs more
            as_map = dict(bids)
        else:
            as_map = {b.band: b for b in bids}
            if len(as_map) != len(bids):
                return [Refusal("duplicate band", None, "two bids name the same band")]
        refusals = self.check(bidder, as_map, accept_penalty=accept_penalty)
        if refusals:
            return refusals
        # A price point only matters for a change; keep maintain bids without one (as_map is this call's own copy).
        # The changes are queued here, in the loop that looks at every bid anyway, as close_round processes them:
        # in band order, with their price point (the prices stay as they are until the round closes).
        processed = self._processed[bidder]
        index = self._index
        start, clock = self._start, self._clock
        changes: list[_Change] = []
        decreasing = [0]
        for band_id, bid in as_map.items():
            k = index[band_id]
            lots = bid.lots
            now = processed[k]
            if lots == now:
                if bid.price_usd is not None or bid.band != band_id:
                    as_map[band_id] = Bid(band_id, lots)
                continue
            price = bid.price_usd
            key: Fraction | int
            if price is None:  # the clock price (every change of benchmarks/rl.py): its key without the arithmetic
                price = clock[k]
                key = 0 if price == start[k] else 1
            else:
                # Exact fractions, built only for interior prices (the hot path sees mostly ends).
                above, span = price - start[k], clock[k] - start[k]
                key = 0 if above == 0 else (1 if above == span else Fraction(above, span))
            increase = lots > now
            if not increase:
                decreasing[0] += 1
            changes.append([key, 0, bidder, k, lots, price, increase, False, decreasing])
        if len(changes) > 1:
            changes.sort(key=_BAND_ORDER)
        self._submissions[bidder] = (as_map, accept_penalty, changes)
        return refusals  # empty

    # ------------------------------------------------------------ processing

    def close_round(self) -> RoundResult:
        """Process the round's bids, post prices, update eligibility, and end, halt or open the next round."""
        if self.status != "open":
            raise RuntimeError(f"the allocation stage has {self.status}")
        scenario = self.scenario
        rules = scenario.rules
        ids = self._ids
        index = self._index
        start, clock = self._start, self._clock
        processed = self._processed
        submissions = self._submissions
        excluded = self._excluded
        first_round = self.round == 1
        bids_logged: dict[str, dict[str, Bid]] = {}
        accepted_penalty: list[str] = []
        newly_excluded: list[str] = []
        changes: list[_Change] = []
        for bidder in self.bidders:
            if bidder in excluded:
                continue
            bids, penalty, queued = submissions.get(bidder) or ({}, False, ())
            bids_logged[bidder] = dict(sorted(bids.items())) if len(bids) > 1 else bids  # the round's own dict
            if penalty:
                accepted_penalty.append(bidder)
            current = processed[bidder]
            # Submitted bids without the penalty passed the obligation check at entry, on this same bundle.
            if first_round and (penalty or bidder not in submissions):
                target = list(current)
                for band_id, bid in bids.items():
                    target[index[band_id]] = bid.lots
                if not self._limits[bidder].meets_obligation(target):
                    # The bid counts as zero, the deposit is forfeited, the bidder is out.
                    excluded.append(bidder)
                    self._forfeited[bidder] = rules.deposit_usd
                    self._eligibility[bidder] = 0
                    newly_excluded.append(bidder)
                    continue
            changes += queued
        # A permutation of 0 or 1 items draws nothing from the generator, so it is skipped.
        if len(changes) > 1:
            # Generator.shuffle of a list draws exactly what permutation(n) draws (same Fisher-Yates), and
            # costs 1 us instead of 3 (benchmarks/rl.py closes a round per step).
            ties = list(range(len(changes)))
            self._rng.shuffle(ties)
            for change, tie in zip(changes, ties):  # noqa: B905
                change[_TIE] = tie
            changes.sort()  # price point, then tie-break

        demand = self._demand  # carried from round to round: only processing moves it
        decrease_prices: list[list[int]] = [[] for _ in ids]
        steps, unapplied = self._process(changes, demand, decrease_prices)

        supply = self._supply
        posted = list(map(posted_price, start, clock, supply, demand, decrease_prices))
        requirement = rules.activity_requirement_percent
        eligibility = self._eligibility
        for bidder in self.bidders:
            if bidder in excluded:
                continue
            earned = self._limits[bidder].bundle_points(processed[bidder]) * 100 // requirement
            old = eligibility[bidder]
            eligibility[bidder] = earned if old is None else min(old, earned)

        posted_prices = dict(zip(ids, posted))  # noqa: B905
        result = RoundResult(  # positional, in field order (keywords cost more than the rest of the call)
            self.round,
            self._start_prices.copy(),  # start prices: last round's posted prices (a copy costs a tenth of a build)
            dict(zip(ids, clock)),  # noqa: B905 (clock prices)
            bids_logged,
            tuple(accepted_penalty),
            tuple(steps),
            tuple(unapplied),
            {b: dict(zip(ids, processed[b])) for b in self.bidders},  # noqa: B905 (processed)
            dict(zip(ids, demand)),  # noqa: B905 (aggregate demand)
            posted_prices,
            dict(eligibility),
            tuple(newly_excluded),
        )
        self.history.append(result)
        price_history, demand_history = self._price_history, self._demand_history
        for k, price in enumerate(posted):
            price_history[k] += (price,)
            demand_history[k] += (demand[k],)
        self._submissions = {}
        self.derived = {}

        excess = [d > s for d, s in zip(demand, supply)]  # noqa: B905
        self._start = tuple(posted)
        self._start_prices = posted_prices.copy()  # the engine's own: the record's dict is the caller's
        if not any(excess):
            self.status = "ended"
            self._clock = self._start
        elif self.round >= rules.max_rounds:
            self.status = "halted"
            self._clock = self._start
        else:
            increment, step = rules.increment_bp, rules.price_step_usd
            self._clock = tuple([next_clock_price(p, e, increment, step) for p, e in zip(posted, excess)])  # noqa: B905
            self.round += 1
        return result

    def _process(
        self, queue: list[_Change], demand: list[int], decrease_prices: list[list[int]]
    ) -> tuple[list[ProcessingStep], list[Unapplied]]:
        """Apply queued changes head first, re-testing from the head after every application.

        A change that failed its test is not tested again until something it
        depends on moves, because the test would fail the same way: a
        decrease in band k depends only on the demand in k (it rises only
        when an increase in k applies); an increase depends only on its own
        bidder's processed demand (room frees only when that bidder's
        decrease applies). The first change that *can* apply is the same as
        with a full re-test; only the futile tests are skipped.

        An increase of a bidder none of whose decreases is still pending
        applies in full without asking ``max_increase``: every band of its
        processed demand is then at most its bid (decreases done, increases
        not above their targets, the rest maintained), and the bid bundle
        passed the caps and the activity rule at entry, which are monotone
        in the bundle; so the room is at least the change.
        """
        steps: list[ProcessingStep] = []
        # The test and application of one change, inline with the state in locals: a dozen tests a round
        # (benchmarks/rl.py), where a method call and its attribute lookups cost more than the arithmetic.
        processed = self._processed
        limits = self._limits
        eligibility = self._eligibility
        supply = self._supply
        ids = self._ids
        clock, start, reserve = self._clock, self._start, self._reserve
        i = 0
        stuck = 0  # how many changes are stuck: the wake-up scan is skipped when none is (benchmarks/rl.py)
        while i < len(queue):
            change = queue[i]
            _, _, bidder, k, target, price, increase, stuck_now, decreasing = change
            if stuck_now:
                i += 1
                continue
            bundle = processed[bidder]
            current = bundle[k]
            if not increase:
                room = current - target
                # At reserve with no excess demand (clock = start = reserve), a decrease may leave lots unsold.
                if not clock[k] == start[k] == reserve[k]:
                    excess = demand[k] - supply[k]
                    if excess < room:
                        room = excess
                if room > 0:
                    bundle[k] = current - room
                    demand[k] -= room
                    decrease_prices[k].append(price)
            elif decreasing[0]:
                room = limits[bidder].max_increase(bundle, k, eligibility[bidder])[0]
                if room > target - current:
                    room = target - current
                if room > 0:
                    bundle[k] = current + room
                    demand[k] += room
            else:  # fits in full (see above): every increase of benchmarks/rl.py's round 1, most later ones
                room = target - current
                bundle[k] = target
                demand[k] += room
            if room <= 0:
                change[_STUCK] = True
                stuck += 1
                i += 1
                continue
            steps.append(_new_tuple(ProcessingStep, (bidder, ids[k], current, bundle[k], target, price)))
            if bundle[k] == target:
                del queue[i]
                if not increase:
                    decreasing[0] -= 1
            if stuck:
                for other in queue:
                    if other[_STUCK] and (
                        (increase and not other[_INCREASE] and other[_K] == k)
                        or (not increase and other[_INCREASE] and other[_BIDDER] == bidder)
                    ):
                        other[_STUCK] = False
                        stuck -= 1
            i = 0
        return steps, [self._why_unapplied(c, demand) for c in queue]

    def _why_unapplied(self, change: _Change, demand: list[int]) -> Unapplied:
        _, _, bidder, k, target, price, _, _, _ = change
        band = self._bands[k]
        bundle = self._processed[bidder]
        have = bundle[k]
        if target < have:
            rule = RULE_NO_EXCESS_SUPPLY
            message = (
                f"{band.id} MHz: decrease to {target} lots applied only down to {have}: aggregate demand "
                f"is {demand[k]} lots against a supply of {band.lots}, and demand may not fall below supply at a "
                f"price above reserve"
            )
        else:
            limits = self._limits[bidder]
            eligibility = self._eligibility[bidder]
            _, rule = limits.max_increase(bundle, k, eligibility)
            if rule == "activity":
                detail = f"processed bundle uses {limits.bundle_points(bundle):,} of {eligibility:,} eligibility points"
            else:
                usage = limits.usage(bundle).headroom()
                key = "overall" if rule == "overall cap" else ("low band" if rule == "low-band cap" else band.id)
                detail = f"{rule} headroom is {usage.get(key, 0) / 10:g} MHz"
            message = (
                f"{band.id} MHz: increase to {target} lots at {fmt_usd_exact(price)} applied only up "
                f"to {have}: {detail}"
            )
        return _new_tuple(Unapplied, (bidder, band.id, target, have, price, rule, message))

    # ------------------------------------------------------------ outcome

    def outcome(self) -> AllocationOutcome:
        """The final allocation and payments; only once the stage has ended or halted."""
        if not self.finished:
            raise RuntimeError("the allocation stage is still open")
        ids = self._ids
        # The last round's aggregate demand is the carried one: a band still over-demanded was not allocated.
        allocated = [d <= s for d, s in zip(self._demand, self._supply)]  # noqa: B905
        prices = self._start
        lots: dict[str, dict[str, int]] = {}
        payments: dict[str, int] = {}
        for bidder in self.bidders:
            won = [q if a else 0 for q, a in zip(self._processed[bidder], allocated)]  # noqa: B905
            lots[bidder] = dict(zip(ids, won))  # noqa: B905
            payments[bidder] = sum(map(mul, won, prices))
        return AllocationOutcome(
            "ended" if self.status == "ended" else "halted",
            len(self.history),
            dict(zip(ids, prices)),  # noqa: B905
            dict(zip(ids, allocated)),  # noqa: B905
            lots,
            payments,
            tuple(self._excluded),
            dict(self._forfeited),
        )
