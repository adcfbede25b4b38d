"""Checks at bid entry: quantities, price points, caps, activity, round-1 obligation.

These are pure functions of the scenario and of what the bidder holds and
may do this round; the allocation stage, the agents and the UI all call them,
so a refused bid explains itself the same way everywhere. A refusal names
the rule, the numbers and the limit. Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import mul
from typing import NamedTuple

from game.scenario import BidderProfile, Scenario
from game.scenario.memo import per_scenario
from game.scenario.units import Tenths, fmt_mhz, fmt_usd_exact

# Rule names, as a refusal reports them.
RULE_QUANTITY = "quantity"
RULE_PRICE = "price point"
RULE_OVERALL_CAP = "overall cap"
RULE_LOW_BAND_CAP = "low-band cap"
RULE_BAND_CAP = "band cap"
RULE_ACTIVITY = "activity"
RULE_OBLIGATION = "round-1 obligation"
RULE_UNKNOWN_BAND = "unknown band"
RULE_NOT_BIDDING = "not bidding"


@dataclass(frozen=True)
class Bid:
    """A bidder's demand for one band this round.

    ``price_usd`` is the price point of a change (between the start-of-round
    and the clock price); ``None`` means the clock price.
    """

    band: str
    lots: int
    price_usd: int | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a bid was refused: the rule, the band (if any) and a full sentence."""

    rule: str
    band: str | None
    message: str

    def __str__(self) -> str:
        return self.message


class BidRefused(ValueError):
    """Raised by ``submit`` when a round's bids break a rule; nothing accepted is lost."""

    def __init__(self, bidder: str, round_number: int, refusals: Sequence[Refusal]) -> None:
        self.bidder = bidder
        self.round = round_number
        self.refusals = tuple(refusals)
        text = "; ".join(r.message for r in refusals)
        super().__init__(f"round {round_number}, bidder {bidder}: bid refused: {text}")


@dataclass(frozen=True)
class CapUsage:
    """MHz a bundle would give a bidder, including existing holdings, against each cap."""

    overall: Tenths
    overall_cap: Tenths
    low_band: Tenths
    low_band_cap: Tenths
    per_band: Mapping[str, Tenths]
    per_band_cap: Mapping[str, Tenths]

    def headroom(self) -> dict[str, Tenths]:
        """Remaining MHz under each cap: 'overall', 'low band', then per band id."""
        result = {"overall": self.overall_cap - self.overall, "low band": self.low_band_cap - self.low_band}
        for band_id, cap in self.per_band_cap.items():
            result[band_id] = cap - self.per_band[band_id]
        return result


class BidderLimits:
    """A bidder's fixed cap arithmetic, precomputed once per auction (hot path)."""

    def __init__(self, scenario: Scenario, bidder: BidderProfile) -> None:
        self.scenario = scenario
        self.bidder = bidder
        caps = scenario.caps
        self.lot_tenths = tuple(b.lot_tenths for b in scenario.bands)
        self.points = tuple(b.eligibility_points for b in scenario.bands)
        self.is_low = tuple(b.id in caps.low_band_bands for b in scenario.bands)
        # Lot MHz counted toward the low-band cap (0 elsewhere), so that one dot product gives it.
        self.low_lot_tenths = tuple(m if low else 0 for m, low in zip(self.lot_tenths, self.is_low, strict=True))
        self.holding = tuple(bidder.holding(b.id) for b in scenario.bands)
        self.overall_base = bidder.total_holdings
        self.low_base = sum(bidder.holding(b) for b in caps.low_band_bands)
        self.overall_cap = caps.overall
        self.low_cap = caps.low_band
        self.band_cap = tuple(caps.per_band.get(b.id) for b in scenario.bands)
        self.index = {b.id: k for k, b in enumerate(scenario.bands)}
        """Band id -> position in the scenario's band order (every bid check looks bands up)."""
        self.capped = tuple(
            (k, b, cap) for k, (b, cap) in enumerate(zip(scenario.bands, self.band_cap, strict=True)) if cap is not None
        )
        """(position, band, cap) of the bands with a cap of their own."""
        self.capped_index = tuple(k for k, _, _ in self.capped)
        self.capped_lots = tuple((cap - self.holding[k]) // self.lot_tenths[k] for k, _, cap in self.capped)
        """Per capped band, the most lots under its cap given the holding (negative if the holding is over it)."""
        self.capped_pairs = tuple(zip(self.capped_index, self.capped_lots, strict=True))
        """(position, most lots) of each capped band."""
        self.band_lots: tuple[int | None, ...] = tuple(
            None if cap is None else (cap - self.holding[k]) // self.lot_tenths[k] for k, cap in enumerate(self.band_cap)
        )
        """Per band, ``capped_lots`` of its own cap, None for a band without one."""
        obligation = scenario.rules.obligation
        self.obligation_lots = (
            tuple((self.index[band_id], need) for band_id, need in obligation.min_lots.items()) if obligation.applies(bidder) else ()
        )
        """(position, least lots) of each band of the bidder's round-1 obligation (none if it does not apply)."""

    def meets_obligation(self, bundle: Sequence[int]) -> bool:
        """Whether ``bundle`` (lots per band) meets the bidder's round-1 obligation (always, if none applies);
        :func:`obligation_refusals` says why not."""
        for k, need in self.obligation_lots:  # noqa: SIM110 (a loop, as in within_caps: every round-1 bid check)
            if bundle[k] < need:
                return False
        return True

    def usage(self, bundle: Sequence[int]) -> CapUsage:
        overall = self.overall_base
        low = self.low_base
        per_band: dict[str, Tenths] = {}
        for k, band in enumerate(self.scenario.bands):
            added = bundle[k] * self.lot_tenths[k]
            overall += added
            if self.is_low[k]:
                low += added
            per_band[band.id] = self.holding[k] + added
        per_band_cap = {b.id: cap for b, cap in zip(self.scenario.bands, self.band_cap, strict=True) if cap is not None}
        return CapUsage(
            overall=overall,
            overall_cap=self.overall_cap,
            low_band=low,
            low_band_cap=self.low_cap,
            per_band={k: v for k, v in per_band.items() if k in per_band_cap},
            per_band_cap=per_band_cap,
        )

    def headroom(self, bundle: Sequence[int]) -> dict[str, Tenths]:
        """``usage(bundle).headroom()`` without building the usage (every view asks for it)."""
        result = {
            "overall": self.overall_cap - self.overall_base - sum(map(mul, bundle, self.lot_tenths)),
            "low band": self.low_cap - self.low_base - sum(map(mul, bundle, self.low_lot_tenths)),
        }
        for k, band, cap in self.capped:
            result[band.id] = cap - self.holding[k] - bundle[k] * self.lot_tenths[k]
        return result

    def bundle_points(self, bundle: Sequence[int]) -> int:
        return sum(map(mul, bundle, self.points))

    def within_caps(self, bundle: Sequence[int]) -> bool:
        """Whether ``bundle`` (lots added per band) keeps the bidder within every cap."""
        if self.overall_base + sum(map(mul, bundle, self.lot_tenths)) > self.overall_cap:
            return False
        low_added = sum(map(mul, bundle, self.low_lot_tenths))
        if low_added and self.low_base + low_added > self.low_cap:
            return False
        # A loop, not all() over a generator: a third of this check's cost, and every bid check makes it
        # (benchmarks/rl.py: 5% of a step).
        for k, most in self.capped_pairs:  # noqa: SIM110 (the loop is the point, see above)
            if bundle[k] > most:
                return False
        return True

    def cap_refusals(self, bundle: Sequence[int]) -> list[Refusal]:
        if self.within_caps(bundle):
            return []  # every bid check asks; the sentences are built only for a bundle over a cap
        return self._over_caps(bundle)

    def _over_caps(self, bundle: Sequence[int]) -> list[Refusal]:
        """``cap_refusals`` of a bundle that ``within_caps`` refuses (check_bids has asked it already)."""
        refusals: list[Refusal] = []
        who = self.bidder.name
        overall = self.overall_base + sum(map(mul, bundle, self.lot_tenths))
        if overall > self.overall_cap:
            refusals.append(
                Refusal(
                    RULE_OVERALL_CAP,
                    None,
                    f"overall cap: {who} would hold {fmt_mhz(overall)} ({fmt_mhz(self.overall_base)} existing + "
                    f"{fmt_mhz(overall - self.overall_base)} bid), above the cap of {fmt_mhz(self.overall_cap)}",
                )
            )
        low_added = sum(map(mul, bundle, self.low_lot_tenths))
        if low_added and self.low_base + low_added > self.low_cap:
            low_ids = "+".join(self.scenario.caps.low_band_bands)
            refusals.append(
                Refusal(
                    RULE_LOW_BAND_CAP,
                    next((b.id for b, low in zip(self.scenario.bands, self.is_low, strict=True) if low), None),
                    f"low-band cap ({low_ids} MHz): {who} would hold {fmt_mhz(self.low_base + low_added)} "
                    f"({fmt_mhz(self.low_base)} existing + {fmt_mhz(low_added)} bid), above the cap of "
                    f"{fmt_mhz(self.low_cap)}; headroom {fmt_mhz(max(0, self.low_cap - self.low_base))}",
                )
            )
        for k, band, cap in self.capped:
            held = self.holding[k] + bundle[k] * self.lot_tenths[k]
            if held > cap:
                max_lots = max(0, (cap - self.holding[k]) // self.lot_tenths[k])
                refusals.append(
                    Refusal(
                        RULE_BAND_CAP,
                        band.id,
                        f"{band.id} MHz cap: {bundle[k]} lots would give {who} {fmt_mhz(held)}, above the cap of "
                        f"{fmt_mhz(cap)} (at most {max_lots} lots)",
                    )
                )
        return refusals

    def max_increase(self, bundle: Sequence[int], k: int, eligibility: int | None) -> tuple[int, str]:
        """How many more lots of band ``k`` fit given ``bundle``: (lots, binding rule or '')."""
        m = self.lot_tenths[k]
        best = 10**9
        rule = ""
        if eligibility is not None:
            room = (eligibility - self.bundle_points(bundle)) // self.points[k]
            if room < best:
                best, rule = room, RULE_ACTIVITY
        overall = self.overall_base + sum(map(mul, bundle, self.lot_tenths))
        room = (self.overall_cap - overall) // m
        if room < best:
            best, rule = room, RULE_OVERALL_CAP
        if self.is_low[k]:
            low = self.low_base + sum(map(mul, bundle, self.low_lot_tenths))
            room = (self.low_cap - low) // m
            if room < best:
                best, rule = room, RULE_LOW_BAND_CAP
        cap = self.band_cap[k]
        if cap is not None:
            room = (cap - self.holding[k] - bundle[k] * m) // m
            if room < best:
                best, rule = room, RULE_BAND_CAP
        return max(0, best), rule

    def raise_toward(self, bundle: list[int], targets: Sequence[int], eligibility: int | None) -> None:
        """Raise each band of ``bundle`` that is below its target, in band order, by ``max_increase`` of the bundle
        as raised so far (capped at the target); in place.

        The same arithmetic as calling ``max_increase`` band by band, with the free MHz and points carried from
        band to band instead of summed again for each (the learning environment's fallback raises a refused
        action's increases so, on every refused round-1 action of benchmarks/rl.py).
        """
        free = self.overall_cap - self.overall_base - sum(map(mul, bundle, self.lot_tenths))
        low_free = self.low_cap - self.low_base - sum(map(mul, bundle, self.low_lot_tenths))
        points_free = None if eligibility is None else eligibility - self.bundle_points(bundle)
        for k, target in enumerate(targets):
            have = bundle[k]
            if target <= have:
                continue
            m = self.lot_tenths[k]
            best = free // m  # max_increase starts from 10**9, never the least: the overall room is far below it
            if points_free is not None:
                room = points_free // self.points[k]
                if room < best:
                    best = room
            if self.is_low[k]:
                room = low_free // m
                if room < best:
                    best = room
            cap = self.band_cap[k]
            if cap is not None:
                room = (cap - self.holding[k] - have * m) // m
                if room < best:
                    best = room
            if best <= 0:
                continue
            added = target - have if target - have < best else best
            bundle[k] = have + added
            free -= added * m
            low_free -= added * self.low_lot_tenths[k]
            if points_free is not None:
                points_free -= added * self.points[k]


    def rooms_alone(self, bundle: Sequence[int], eligibility: int | None) -> list[int]:
        """Per band k, ``max_increase(bundle with band k emptied, k, eligibility)[0]``: the lots of k that fit beside
        the other bands. The same arithmetic in one pass (the learning environment's action masks ask it of every
        band; a third of the cost of one call per band in benchmarks/rl.py)."""
        # (free + q * m) // m == free // m + q exactly, so each band's room is its bundle's headroom in lots plus q;
        # a band's own cap does not depend on the bundle (precomputed). Half the cost of the formula as written.
        free = self.overall_cap - self.overall_base - sum(map(mul, bundle, self.lot_tenths))
        low_free = self.low_cap - self.low_base - sum(map(mul, bundle, self.low_lot_tenths))
        points_free = None if eligibility is None else eligibility - self.bundle_points(bundle)
        rooms: list[int] = []
        for q, m, p, low, most in zip(bundle, self.lot_tenths, self.points, self.is_low, self.band_lots):  # noqa: B905 (see allocation.py: strict= costs)
            best = free // m + q
            if points_free is not None:
                room = points_free // p + q
                if room < best:
                    best = room
            if low:
                room = low_free // m + q
                if room < best:
                    best = room
            if most is not None and most < best:
                best = most
            rooms.append(best if best > 0 else 0)
        return rooms


def _no_limits_yet(_: Scenario) -> dict[str, BidderLimits]:
    return {}


def limits_for(scenario: Scenario, bidder_id: str) -> BidderLimits:
    """The (shared, never modified) :class:`BidderLimits` of a bidder of ``scenario``.

    Kept per scenario object: the engine and every scripted agent of an auction need the same arithmetic, and
    building it cost more than a round's bid checks.
    """
    kept = per_scenario(scenario, "bidder limits", _no_limits_yet)
    limits = kept.get(bidder_id)
    if limits is None:
        limits = kept[bidder_id] = BidderLimits(scenario, scenario.bidder(bidder_id))
    return limits


class RoundTerms(NamedTuple):
    """What a bidder may bid this round: the prices and its own standing (built for every bid check)."""

    round: int
    start_prices: Sequence[int]
    clock_prices: Sequence[int]
    processed: Sequence[int]
    eligibility: int | None


def check_bids(
    scenario: Scenario,
    limits: BidderLimits,
    terms: RoundTerms,
    bids: Mapping[str, Bid],
    *,
    accept_penalty: bool = False,
) -> list[Refusal]:
    """Every reason the rules refuse these bids (empty list: accepted).

    Bands not named keep the bidder's processed demand (a maintain bid).
    """
    refusals: list[Refusal] = []
    index = limits.index if limits.scenario is scenario else {b.id: k for k, b in enumerate(scenario.bands)}
    bundle = list(terms.processed)
    step = scenario.rules.price_step_usd
    for band_id, bid in bids.items():
        k = index.get(band_id)
        if k is None:
            refusals.append(
                Refusal(RULE_UNKNOWN_BAND, band_id, f"band {band_id!r} is not on sale (bands: {', '.join(scenario.band_ids)})")
            )
            continue
        band = scenario.bands[k]
        lots = bid.lots
        if type(lots) is not int and (isinstance(lots, bool) or not isinstance(lots, int)):
            refusals.append(Refusal(RULE_QUANTITY, band_id, f"{band_id} MHz: quantity must be a whole number of lots, got {lots!r}"))
            continue
        if not 0 <= lots <= band.lots:
            refusals.append(
                Refusal(
                    RULE_QUANTITY, band_id, f"{band_id} MHz: quantity {lots} lots is outside 0..{band.lots} (supply {band.lots} lots)"
                )
            )
            continue
        bundle[k] = lots
        price = bid.price_usd
        if price is not None and lots != terms.processed[k]:
            lo, hi = terms.start_prices[k], terms.clock_prices[k]
            if type(price) is not int and (isinstance(price, bool) or not isinstance(price, int)):
                refusals.append(Refusal(RULE_PRICE, band_id, f"{band_id} MHz: price must be whole US dollars, got {price!r}"))
            elif not lo <= price <= hi:
                refusals.append(
                    Refusal(
                        RULE_PRICE,
                        band_id,
                        f"{band_id} MHz: price point {fmt_usd_exact(price)} is outside this round's range "
                        f"{fmt_usd_exact(lo)} (start of round) to {fmt_usd_exact(hi)} (clock)",
                    )
                )
            elif price % step:
                refusals.append(
                    Refusal(
                        RULE_PRICE,
                        band_id,
                        f"{band_id} MHz: price point {fmt_usd_exact(price)} is not a multiple of the "
                        f"{fmt_usd_exact(step)} price step",
                    )
                )
    if not limits.within_caps(bundle):  # cap_refusals' own test first: one call fewer for the usual bundle
        refusals.extend(limits._over_caps(bundle))  # and the test not made twice for a bundle over a cap
    if terms.eligibility is not None:
        pts = limits.bundle_points(bundle)
        if pts > terms.eligibility:
            refusals.append(
                Refusal(
                    RULE_ACTIVITY,
                    None,
                    f"activity: the bundle is worth {pts:,} eligibility points, above {limits.bidder.name}'s "
                    f"eligibility of {terms.eligibility:,} points",
                )
            )
    # The limits' precomputed obligation answers the usual case, a bundle that meets it, without building anything
    # (limits of another scenario object: the sentences are worked out from this one).
    if terms.round == 1 and not accept_penalty and (limits.scenario is not scenario or not limits.meets_obligation(bundle)):
        refusals.extend(obligation_refusals(scenario, limits.bidder, bundle, index))
    return refusals


def obligation_refusals(
    scenario: Scenario, bidder: BidderProfile, bundle: Sequence[int], index: Mapping[str, int] | None = None
) -> list[Refusal]:
    """Round-1 obligation shortfalls of a bundle (empty: obligation met).

    ``index`` (band id -> position in ``bundle``), when the caller has it, saves building it: every round-1 bid check
    asks (benchmarks/rl.py)."""
    obligation = scenario.rules.obligation
    if not obligation.applies(bidder):
        return []
    refusals = []
    if index is None:
        index = {b.id: k for k, b in enumerate(scenario.bands)}
    for band_id, need in obligation.min_lots.items():
        have = bundle[index[band_id]]
        if have < need:
            refusals.append(
                Refusal(
                    RULE_OBLIGATION,
                    band_id,
                    f"round-1 obligation: incumbents must demand at least {need} lots in {band_id} MHz, "
                    f"this bid has {have}; submit it anyway only by accepting the penalty (the bid counts as zero, "
                    f"the {fmt_usd_exact(scenario.rules.deposit_usd)} deposit is forfeited and the bidder is excluded)",
                )
            )
    return refusals
