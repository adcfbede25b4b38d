"""One seat's observation, action mask and action -> bids, built from the protocol's messages.

What a learning bidder sees is exactly what the bidder protocol sends it: the
``start`` message (the public scenario facts, its own values and budget) and
each round's ``round`` message (:func:`game.protocol.messages.round_message`,
built from the seat's :class:`~game.records.view.BidderView` and nothing else).
:class:`SeatEncoder` turns those into a flat ``float32`` vector; the same code
serves the environments and the ``learned`` strategy, so a trained policy sees
the same numbers in a tournament as in training. Pure numpy: never imports
gymnasium, pettingzoo or pygame.

**Action** (a ``MultiDiscrete``): the first ``K`` entries (one per band, in the
scenario's band order) are the lots the seat demands in that band, ``0..supply``.
With ``price_points = P >= 2`` another ``K`` entries, each ``0..P-1``, name the
price point of a change: point ``i`` is ``start + step * floor(i * n / (P - 1))``
where ``n`` is the number of price steps between the start-of-round and the
clock price (``0`` = start-of-round price, ``P - 1`` = clock price). With
``P = 1`` (default) every change is bid at the clock price, the rules' default.

**Mask** (one ``int8`` array per action entry): for band ``k``, which lot counts
the engine's own entry checks (:func:`game.engine.rules.check_bids`: supply,
caps, activity, round-1 obligation) accept when every *other* band stays at the
seat's reference bundle: its processed demand, raised in round 1 to the
obligation's minimum (so that a choice in one band is not refused for what the
other bands have not yet been asked). The price entries are all ones.

A per-band mask cannot express the **joint** limits: the overall cap, the
low-band cap (700 MHz with the 850/900 MHz holdings) and the activity rule
(eligibility points) are sums over bands, so two choices that are each legal
beside the reference bundle may break one of them together. Such an action is
never an error: the engine's refusal reasons go to ``infos["refusals"]`` and
the seat falls back (``infos["fallback"] = True``) to the reference bundle with
the action's changes applied **band by band** -- first the decreases, then the
increases, each in band order -- each one as far toward the requested quantity
as the engine's checks accept. The bundle actually bid is ``infos["bid"]``.
The same fallback repairs actions that ignore the mask altogether.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from itertools import chain
from operator import mul
from typing import Any

import numpy as np

from game.engine.rules import Bid, BidderLimits, Refusal, RoundTerms, check_bids, limits_for
from game.records.view import BidderView
from game.scenario import Scenario

Action = Sequence[int] | np.ndarray
"""An action: lots per band, then (with price points) a price point per band."""

PER_BAND_FEATURES = (
    "start_price / reserve",
    "clock_price / reserve",
    "processed lots / supply",
    "last round's aggregate demand / supply (-1: not shown or before round 1)",
    "last round's excess demand (1 yes, 0 no, -1 not known)",
    "band-cap headroom in lots / supply (1: no band cap)",
    "round-1 obligation lots / supply",
)
GLOBAL_FEATURES = (
    "overall-cap headroom / overall cap",
    "low-band-cap headroom / low-band cap",
    "eligibility / points of every lot (1: unlimited or more)",
    "activity / points of every lot",
    "budget / every lot at reserve",
    "round / max rounds",
)


_EXCESS_CODE: dict[bool | None, float] = {None: -1.0, False: 0.0, True: 1.0}


class SeatEncoder:
    """Observation layout, masks and the action -> bids rule of one seat in one auction.

    Built from the seat's ``start`` message (a dict as
    :func:`~game.protocol.messages.start_message` returns it, or the parsed
    JSON line); ``scenario`` is the same public scenario, needed for the
    engine's own checks.
    """

    def __init__(self, scenario: Scenario, start: Mapping[str, Any], *, price_points: int = 1) -> None:
        if price_points < 1:
            raise ValueError(f"price_points must be at least 1, got {price_points}")
        facts = start["scenario"]
        self.scenario = scenario
        self.bidder: str = start["bidder"]
        self.price_points = price_points
        self.limits: BidderLimits = limits_for(scenario, self.bidder)
        bands = facts["bands"]
        self.band_ids: tuple[str, ...] = tuple(b["id"] for b in bands)
        if self.band_ids != scenario.band_ids:
            raise ValueError(f"start message bands {self.band_ids} are not the scenario's {scenario.band_ids}")
        self.n_bands = k = len(bands)
        self.band_index = {band_id: i for i, band_id in enumerate(self.band_ids)}
        self.supply: tuple[int, ...] = tuple(int(b["lots"]) for b in bands)
        self.reserve = np.array([float(b["reserve_usd"]) for b in bands])
        self._inv_reserve = 1.0 / self.reserve
        self._inv_supply = 1.0 / np.array(self.supply, dtype=float)
        lot_mhz = np.array([float(b["lot_mhz"]) for b in bands])
        caps = facts["caps"]
        band_caps = caps["band_mhz"]
        self._capped = [(i, band_id) for i, band_id in enumerate(self.band_ids) if band_id in band_caps]
        # Python floats, not numpy scalars: the same doubles, and a list of plain floats fills the vector faster.
        self._cap_lot_scale = {band_id: float(1.0 / (lot_mhz[i] * self.supply[i])) for i, band_id in self._capped}
        overall_cap, low_cap = float(caps["overall_mhz"]), float(caps["low_band_mhz"])
        self._inv_overall_cap = 1.0 / overall_cap if overall_cap else 0.0
        self._inv_low_cap = 1.0 / low_cap if low_cap else 0.0
        # Plain lists: the observation is built from a few dozen numbers, where list arithmetic beats numpy.
        self._inv_reserve_list = [float(x) for x in self._inv_reserve]
        self._inv_supply_list = [float(x) for x in self._inv_supply]
        self._zeros = [0.0] * k
        self._minus_ones = [-1.0] * k
        self._ones = [1.0] * k
        self._cap_items = tuple((i, band_id, self._cap_lot_scale[band_id]) for i, band_id in self._capped)
        """(position, band id, 1 / (lot MHz x supply)) of each band with a cap of its own."""
        rules = facts["rules"]
        self.step: int = int(rules["price_step_usd"])
        self.max_rounds: int = int(rules["max_rounds"])
        self._all_points = float(sum(int(b["lots"]) * int(b["eligibility_points"]) for b in bands)) or 1.0
        self._reserve_total = float(sum(int(b["lots"]) * int(b["reserve_usd"]) for b in bands)) or 1.0
        self.value_offsets = tuple(int(x) for x in np.cumsum([0, *[s + 1 for s in self.supply]])[:-1])
        """Where band k's values start inside the values block."""
        self.per_band = len(PER_BAND_FEATURES)
        self.values_start = self.per_band * k + len(GLOBAL_FEATURES)
        self.size = self.values_start + sum(s + 1 for s in self.supply)
        self._template = np.zeros(self.size, dtype=np.float32)
        self._pack_head = struct.Struct(f"={self.values_start}f").pack_into
        self._value_scale = np.repeat(self._inv_reserve, [s + 1 for s in self.supply])
        self._budget_feature = 0.0
        self.values_usd: tuple[tuple[int, ...], ...] = ()
        self.budget_usd = 0
        self.set_values(start["values"])
        self.nvec: tuple[int, ...] = tuple(s + 1 for s in self.supply) + ((price_points,) * k if price_points > 1 else ())
        self._price_masks = tuple(np.ones(price_points, dtype=np.int8) for _ in range(k)) if price_points > 1 else ()
        self.empty_mask = tuple(np.zeros(n, dtype=np.int8) for n in self.nvec)
        """The mask of a seat that can no longer bid (auction over, or excluded)."""
        for mask in (*self._price_masks, *self.empty_mask):
            mask.setflags(write=False)
        self._band_items = tuple(zip(range(k), self.supply, self.band_ids, strict=True))
        self._bids = tuple(tuple(Bid(band_id, q) for q in range(supply + 1)) for band_id, supply in zip(self.band_ids, self.supply))  # noqa: B905
        """Per band, the bids at the clock price by lots 0..supply: immutable, so built once (picked by index)."""
        self._intervals: dict[tuple[int, int, int], np.ndarray] = {}
        self._upto = [[self._interval(i, 0, hi) for hi in range(supply + 1)] for i, supply in enumerate(self.supply)]
        """Per band, by hi, the mask that allows 0..hi lots: every mask after round 1 (no minimum), picked in C."""
        self._mask_cache: dict[tuple[bool, tuple[int, ...], int | None], tuple[np.ndarray, ...]] = {}

    def set_values(self, own: Mapping[str, Any]) -> None:
        """Take the seat's own values and budget (a ``start`` message's ``values``) for a new auction.

        Everything else of the encoder depends on the public scenario only,
        so an environment keeps its encoders (and their mask cache) across
        episodes and hands each new auction's values in here.
        """
        curves = own["band_values_usd"]
        self.values_usd = tuple(
            tuple(curves[band_id]) if band_id in curves else (0,) * (s + 1) for band_id, s in zip(self.band_ids, self.supply, strict=True)
        )
        # Values of n = 0..supply lots per band, in units of the band's reserve price per lot.
        flat = np.fromiter(chain.from_iterable(self.values_usd), dtype=float, count=self.size - self.values_start)
        self._template[self.values_start:] = flat * self._value_scale
        self.budget_usd = int(own["budget_usd"])
        self._budget_feature = self.budget_usd / self._reserve_total

    # ------------------------------------------------------------ observation

    def observation(self, message: Mapping[str, Any]) -> np.ndarray:
        """The flat observation of a ``round`` message (see :data:`PER_BAND_FEATURES`, :data:`GLOBAL_FEATURES`)."""
        bands = message["bands"]
        return self._features(
            [b["start_price_usd"] for b in bands],
            [b["clock_price_usd"] for b in bands],
            [b["processed"] for b in bands],
            [b["aggregate_demand"] for b in bands],
            [b["excess_demand"] for b in bands],
            message["cap_headroom_mhz"],
            message["obligation"],
            message["eligibility"],
            message["activity"],
            message["round"],
        )

    def observation_of_view(self, view: BidderView) -> np.ndarray:
        """``observation(round_message(view))`` without building the whole message (the environments' hot path).

        Reads exactly the view fields that :func:`~game.protocol.messages.round_message`
        copies into the message, converted the same way; ``tests/test_rl_env.py``
        checks that both give the same array.
        """
        terms = view.terms  # the same start, clock and processed numbers as the bands', already as tuples
        demand, excess = view.last_demand()  # the bands' demand and excess, without building the bands
        return self._features(
            terms.start_prices,
            terms.clock_prices,
            terms.processed,
            demand,
            excess,
            view.cap_headroom,
            view.obligation,
            view.eligibility,
            view.activity,
            view.round,
            10,  # tenths -> MHz, divided as the message divides them (no converted copy: hot path)
        )

    def _features(
        self,
        start: Sequence[int],
        clock: Sequence[int],
        processed: Sequence[int],
        demand: list[int | None],
        excess: Sequence[bool | None],
        headroom: Mapping[str, float],
        obligation: Mapping[str, int],
        eligibility: int | None,
        activity: int,
        round_number: int,
        per_mhz: int = 1,
    ) -> np.ndarray:
        """The vector; ``headroom`` is in MHz, or in units of ``1 / per_mhz`` MHz (divided here, as a message divides)."""
        inv_reserve = self._inv_reserve_list
        inv_supply = self._inv_supply_list
        # map(mul, ...) over a handful of numbers: twice as fast as the equivalent comprehensions (hot path).
        head = list(map(mul, start, inv_reserve))
        head += map(mul, clock, inv_reserve)
        head += map(mul, processed, inv_supply)
        hidden = demand.count(None)  # one C call instead of a generator (hot path)
        if not hidden:
            head += map(mul, demand, inv_supply)
        elif hidden == len(demand):  # the usual case of hidden demand: excess-only, or before round 1
            head += self._minus_ones
        else:
            head += [-1.0 if d is None else d * r for d, r in zip(demand, inv_supply, strict=True)]
        head += map(_EXCESS_CODE.__getitem__, excess)
        # 1.0 for a band without a cap; a loop over the capped bands only (2 of 6 in Pakistan), and x if x < 1.0
        # else 1.0 is min(1.0, x) without the call: a third of this block's cost (observation_of_view, every seat-step).
        capped = self._ones.copy()
        for i, band_id, scale in self._cap_items:
            x = headroom[band_id] / per_mhz * scale
            capped[i] = x if x < 1.0 else 1.0
        head += capped
        if obligation:
            head += [obligation.get(band_id, 0) * r for band_id, r in zip(self.band_ids, inv_supply)]  # noqa: B905
        else:
            head += self._zeros
        head += (
            headroom["overall"] / per_mhz * self._inv_overall_cap,
            headroom["low band"] / per_mhz * self._inv_low_cap,
            1.0 if eligibility is None else min(1.0, eligibility / self._all_points),
            activity / self._all_points,
            self._budget_feature,
            round_number / self.max_rounds,
        )
        out = self._template.copy()
        # struct writes the doubles as float32 straight into the array (the same C cast that numpy's assignment
        # makes): half the cost of out[:n] = head, which converts the list through numpy's type discovery.
        self._pack_head(out, 0, *head)  # type: ignore[arg-type]  # an ndarray is a writable buffer; numpy's stubs say not
        return out

    @staticmethod
    def terms_of_view(view: BidderView) -> RoundTerms:
        """The view's own terms (the same numbers :meth:`terms` reads from its ``round`` message)."""
        return view.terms

    @staticmethod
    def terms(message: Mapping[str, Any]) -> RoundTerms:
        """The round's terms (what :func:`check_bids` checks against), read from a ``round`` message."""
        bands = message["bands"]
        return RoundTerms(
            int(message["round"]),
            tuple(int(b["start_price_usd"]) for b in bands),
            tuple(int(b["clock_price_usd"]) for b in bands),
            tuple(int(b["processed"]) for b in bands),
            message["eligibility"],
        )

    # ------------------------------------------------------------ masks

    def reference(self, terms: RoundTerms) -> list[int]:
        """The bundle that the other bands keep while one band is masked: processed demand, in round 1 at least the obligation."""
        ref = list(terms.processed)
        if terms.round == 1:
            obligation = self.scenario.rules.obligation
            if obligation.applies(self.limits.bidder):
                for band_id, need in obligation.min_lots.items():
                    i = self.band_ids.index(band_id)
                    ref[i] = max(ref[i], need)
        return ref

    def refusals(self, terms: RoundTerms, bundle: Sequence[int], prices: Sequence[int | None] | None = None) -> list[Refusal]:
        """The engine's refusals of bidding ``bundle`` (lots per band) under ``terms``."""
        return check_bids(self.scenario, self.limits, terms, self.bids(terms, bundle, prices))

    def bids(self, terms: RoundTerms, bundle: Sequence[int], prices: Sequence[int | None] | None = None) -> dict[str, Bid]:
        """Bids that move the processed demand to ``bundle`` (unchanged bands maintain)."""
        if prices is None:
            result: dict[str, Bid] = {}
            for band_id, q, now, row in zip(self.band_ids, bundle, terms.processed, self._bids):  # noqa: B905 (strict= costs 0.5 us)
                if q != now:
                    result[band_id] = row[q] if type(q) is int and 0 <= q < len(row) else Bid(band_id, int(q))
            return result
        return {
            band_id: Bid(band_id, int(q), prices[i])
            for i, (band_id, q, now) in enumerate(zip(self.band_ids, bundle, terms.processed, strict=True))
            if q != now
        }

    def action_mask(self, terms: RoundTerms) -> tuple[np.ndarray, ...]:
        """Per action entry, a read-only ``int8`` array: 1 where the engine's checks accept that choice (module doc).

        When :func:`check_bids` accepts the reference bundle, each band's legal
        lot counts form one interval: the obligation (round 1) bounds it
        below, and :meth:`BidderLimits.max_increase` -- the engine's own
        answer to "how many more lots fit under the caps and the activity
        rule", which processing applies; for every band at once,
        :meth:`BidderLimits.rooms_alone` -- bounds it above. Otherwise every
        lot count is put to :func:`check_bids` one by one. Masks depend on
        the round-1 flag, the processed demand and the eligibility only, and
        are kept for the next time the same standing comes up.
        """
        processed = terms.processed if isinstance(terms.processed, tuple) else tuple(terms.processed)
        key = (terms.round == 1, processed, terms.eligibility)
        cached = self._mask_cache.get(key)
        if cached is not None:
            return cached
        if terms.round != 1:
            # After round 1 the reference is the processed demand and no band has a minimum: the masks are
            # picked from _upto by min(room, supply) in C, not looked up band by band (a mask is built at most
            # rounds of benchmarks/rl.py).
            ref = list(processed)
            if self._accepted(terms, ref):
                rooms = self.limits.rooms_alone(ref, terms.eligibility)  # max_increase of each band beside the others
                masks = list(map(list.__getitem__, self._upto, map(min, rooms, self.supply)))
            else:
                masks = self._masks_one_by_one(terms, ref)
        else:
            masks = self._first_round_masks(terms)
        result = (*masks, *self._price_masks)
        if len(self._mask_cache) >= 4096:
            self._mask_cache.clear()
        self._mask_cache[key] = result
        return result

    def _first_round_masks(self, terms: RoundTerms) -> list[np.ndarray]:
        """Round 1: from the reference raised to the obligation, each band's minimum bounding it below."""
        ref = self.reference(terms)
        if not self._accepted(terms, ref):
            return self._masks_one_by_one(terms, ref)
        obligation = self.scenario.rules.obligation
        minimum = obligation.min_lots if obligation.applies(self.limits.bidder) else None
        rooms = self.limits.rooms_alone(ref, terms.eligibility)  # max_increase of each band beside the others
        return [
            self._interval(i, minimum.get(band_id, 0) if minimum else 0, min(rooms[i], supply))
            for i, supply, band_id in self._band_items
        ]

    def _masks_one_by_one(self, terms: RoundTerms, ref: list[int]) -> list[np.ndarray]:
        """Every lot count of every band put to :func:`check_bids` beside ``ref`` (the reference itself is refused)."""
        masks: list[np.ndarray] = []
        for i, supply, _ in self._band_items:
            keep = ref[i]
            mask = np.zeros(supply + 1, dtype=np.int8)
            for q in range(supply + 1):
                ref[i] = q
                mask[q] = not self.refusals(terms, ref)
            ref[i] = keep
            mask.setflags(write=False)
            masks.append(mask)
        return masks

    def _accepted(self, terms: RoundTerms, ref: Sequence[int]) -> bool:
        """Whether :func:`check_bids` accepts bidding the reference bundle ``ref``.

        After round 1 the reference is the processed demand, so no bid names a band and the check is the caps and
        the activity rule alone: asked directly (a mask is built at most rounds of benchmarks/rl.py).
        """
        if terms.round == 1:
            return not self.refusals(terms, ref)
        limits = self.limits
        eligibility = terms.eligibility
        return limits.within_caps(ref) and (eligibility is None or limits.bundle_points(ref) <= eligibility)

    def _interval(self, i: int, lo: int, hi: int) -> np.ndarray:
        """The read-only mask of band ``i`` that allows lo..hi lots (shared: masks are built every round)."""
        key = (i, lo, hi)
        mask = self._intervals.get(key)
        if mask is None:
            mask = np.zeros(self.supply[i] + 1, dtype=np.int8)
            if lo <= hi:
                mask[lo:hi + 1] = 1
            mask.setflags(write=False)
            self._intervals[key] = mask
        return mask

    # ------------------------------------------------------------ action -> bids

    def prices(self, action: Action, terms: RoundTerms) -> list[int | None] | None:
        """Price points named by the action's price entries (None: every change at the clock price)."""
        if self.price_points == 1:
            return None
        k = self.n_bands
        top = self.price_points - 1
        result: list[int | None] = []
        for i in range(k):
            point = min(max(int(action[k + i]), 0), top)
            steps = (terms.clock_prices[i] - terms.start_prices[i]) // self.step
            result.append(terms.start_prices[i] + self.step * (point * steps // top))
        return result

    def decide(self, action: Action, terms: RoundTerms) -> tuple[dict[str, Bid], list[Refusal], bool]:
        """The bids for ``action``: (bids, the engine's refusals of the action as given, whether the fallback ran).

        Quantities outside ``0..supply`` are clipped first (that clip is not a
        refusal). When the engine refuses the bundle, the fallback described
        in the module doc builds one it accepts from the reference bundle;
        should even the reference be refused (an obligation no bundle within
        the caps can meet), the seat submits nothing and maintains.
        """
        want, prices, bids = self.requested(action, terms)
        refusals = check_bids(self.scenario, self.limits, terms, bids)
        if not refusals:
            return bids, [], False
        return self.repaired(want, terms, prices), refusals, True

    def requested(self, action: Action, terms: RoundTerms) -> tuple[list[int], list[int | None] | None, dict[str, Bid]]:
        """The action as asked: (lots per band clipped to 0..supply, price points or None, the bids)."""
        values = action.tolist() if isinstance(action, np.ndarray) else list(action)
        if len(values) < self.n_bands:
            raise ValueError(f"an action needs {self.n_bands} lot counts (one per band), got {len(values)}")
        if self.price_points > 1:
            want = [min(max(int(q), 0), s) for q, s in zip(values, self.supply, strict=False)]
            prices = self.prices(values, terms)
            return want, prices, self.bids(terms, want, prices)
        # Every change at the clock price, each bid picked by index (every seat, every step of benchmarks/rl.py).
        # An integer array's tolist() gives Python ints already: int() runs only for other actions. A maintained
        # band's lots are its processed demand, in range, so only a change is range-checked; an action outside
        # 0..supply (never a masked one) is clipped after the loop, as below.
        n = self.n_bands
        want = values if len(values) == n else values[:n]
        if type(action) is not np.ndarray or action.dtype.kind not in "iu":
            want = list(map(int, want))
        bids: dict[str, Bid] = {}
        for band_id, q, s, now, row in zip(self.band_ids, want, self.supply, terms.processed, self._bids):  # noqa: B905
            if q != now:
                if not 0 <= q <= s:
                    break
                bids[band_id] = row[q]
        else:
            return want, None, bids
        want = [min(max(q, 0), s) for q, s in zip(want, self.supply)]  # noqa: B905
        return want, None, self.bids(terms, want)

    def repaired(self, want: Sequence[int], terms: RoundTerms, prices: Sequence[int | None] | None) -> dict[str, Bid]:
        """The fallback's bids for a refused ``want`` (empty, i.e. maintain, if even the reference is refused)."""
        return self.bids(terms, self._fallback(want, self.reference(terms), terms, prices), prices)

    def quick_repair(self, want: Sequence[int], terms: RoundTerms) -> list[int]:
        """The fallback's first try for a refused ``want``: what :meth:`repaired` bids whenever the engine accepts it.

        An environment submits it straight to the engine, whose check replaces the one :meth:`repaired` would make
        first, and calls :meth:`repaired` only if the engine refuses it.
        """
        return self._quick(want, self.reference(terms), terms)

    def _quick(self, want: Sequence[int], reference: Sequence[int], terms: RoundTerms) -> list[int]:
        """From ``reference``: the decreases together (they free room), then each increase up to what
        max_increase says still fits -- one engine check confirms the lot."""
        bundle = list(reference)
        for i, (q, ref) in enumerate(zip(want, reference)):  # noqa: B905 (strict= costs 0.5 us; same length)
            if q < ref:
                bundle[i] = q
        # Each band still below want (exactly the increases) raised by max_increase in band order, in one pass.
        self.limits.raise_toward(bundle, want, terms.eligibility)
        return bundle

    def _fallback(
        self, want: Sequence[int], reference: list[int], terms: RoundTerms, prices: Sequence[int | None] | None
    ) -> list[int]:
        """From ``reference``, apply the decreases, then the increases band by band, each as far as accepted.

        If even ``reference`` is refused (an obligation no bundle within the caps can meet), the processed demand.
        """
        n = self.n_bands
        decreases = [i for i in range(n) if want[i] < reference[i]]
        increases = [i for i in range(n) if want[i] > reference[i]]
        bundle = self._quick(want, reference, terms)
        if not self.refusals(terms, bundle, prices):
            return bundle
        if self.refusals(terms, reference, prices):
            return list(terms.processed)  # nothing can be bid: maintain
        # Slow path (a decrease below the round-1 obligation): band by band, each moved back toward the reference until accepted.
        bundle = list(reference)
        for i in decreases + increases:
            base = bundle[i]
            direction = 1 if want[i] < base else -1
            q = want[i]
            while q != base:
                bundle[i] = q
                if not self.refusals(terms, bundle, prices):
                    break
                q += direction
            bundle[i] = q
        return bundle
