"""The assignment stage (positioning): which contiguous block of a band each winner gets.

``AUCTION_RULES.md`` ("Assignment stage"): for every band the scenario marks
``positioning = true`` that has two or more winners, the band is cut into one
contiguous block per winner, sized by its lots, bottom to top, unsold lots at
the top. A *position* is an order slot: position 0 is the bottom block,
position ``n - 1`` the top winner's block; because blocks differ in size, the
frequencies of a slot depend on who sits below it, so the band plan stacks the
blocks in position order (see :mod:`game.engine.bandplan`).

Each position has a price clock that rises by a fixed step while more than one
winner asks for it; a winner asks for one position or none each round and may
switch into only one other position per round; a band's positioning ends in
the first round in which no position is asked for by more than one winner;
winners without a position then fill the free ones in seeded random order at
no price. Deterministic from the outcome, the asks and the seed. Never
imports pygame.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, Protocol

import numpy as np

from game.engine.allocation import AllocationOutcome
from game.engine.streams import stream
from game.scenario import Scenario
from game.scenario.band_plan import frequencies
from game.scenario.units import fmt_pkr, fmt_usd, fmt_usd_exact, to_pkr

RULE_STAGE_CLOSED = "stage closed"
RULE_NOT_POSITIONED = "band not positioned"
RULE_NOT_A_WINNER = "not a winner"
RULE_NO_SUCH_POSITION = "no such position"
RULE_ONE_SWITCH = "one switch per round"

BandStatus = Literal["open", "ended", "halted"]


class PositionRefused(ValueError):
    """An ask the rules of the assignment stage refuse; ``rule`` names the rule."""

    def __init__(self, bidder: str, band: str, round: int, rule: str, message: str) -> None:
        self.bidder = bidder
        self.band = band
        self.round = round
        self.rule = rule
        super().__init__(f"assignment round {round}, {bidder}, {band} MHz: {message} [{rule}]")


def position_label(index: int, n_positions: int) -> str:
    """A slot's name as a bidder reads it.

    >>> [position_label(i, 3) for i in range(3)]
    ['bottom', 'middle', 'top']
    >>> [position_label(i, 4) for i in range(4)]
    ['bottom', 'position 2', 'position 3', 'top']
    """
    if index == 0:
        return "bottom"
    if index == n_positions - 1:
        return "top"
    if n_positions == 3:
        return "middle"
    return f"position {index + 1}"


@dataclass(frozen=True)
class PositionInfo:
    """One position of a band as every winner sees it."""

    index: int
    label: str
    price_usd: int
    """This round's price for the position."""
    asked_last_round: int
    """How many winners asked for it in the last round (aggregate, never who)."""


@dataclass(frozen=True)
class PositionView:
    """What one winner sees of one band's positioning (the UI and scripted bidders use it alike)."""

    band: str
    bidder: str
    round: int
    open: bool
    positions: tuple[PositionInfo, ...]
    winner_lots: Mapping[str, int]
    """Lots of every winner in the band: public once the allocation stage has ended."""
    own_lots: int
    unsold_lots: int
    standing_ask: int | None
    """Own ask in the last round: kept if nothing is submitted this round."""
    own_ask: int | None
    """The ask that counts now: this round's submission, or the standing ask."""
    submitted: bool
    price_step_usd: int


@dataclass(frozen=True)
class PositionRound:
    """One round of one band's positioning, as a log records it."""

    round: int
    band: str
    prices: tuple[int, ...]
    """Price per position during the round."""
    asks: Mapping[str, int | None]
    demand: tuple[int, ...]
    """Number of winners asking for each position."""
    over_demanded: tuple[int, ...]


@dataclass(frozen=True)
class BandAssignment:
    """The result of positioning one band."""

    band: str
    status: Literal["ended", "halted"]
    rounds: int
    order: tuple[str, ...]
    """Winners by position, bottom first."""
    positions: Mapping[str, int]
    prices: Mapping[str, int]
    """Assignment price each winner pays, USD (0 for a free position)."""
    lots: Mapping[str, int]
    free_filled: tuple[str, ...]
    """Winners placed in a free position at no price, in the seeded order they were placed."""
    unsold_lots: int
    history: tuple[PositionRound, ...]

    @property
    def revenue_usd(self) -> int:
        return sum(self.prices.values())


@dataclass(frozen=True)
class AssignmentOutcome:
    """Positioning results of every band that was positioned."""

    bands: Mapping[str, BandAssignment]
    payments: Mapping[str, int]
    """Total assignment price per bidder (every bidder of the allocation outcome, 0 if none)."""

    @property
    def revenue_usd(self) -> int:
        return sum(self.payments.values())

    def band_revenue_usd(self, band_id: str) -> int:
        band = self.bands.get(band_id)
        return band.revenue_usd if band else 0


def winners(outcome: AllocationOutcome, band_id: str) -> dict[str, int]:
    """Bidders holding lots of a band after the allocation stage, in bidder order."""
    if not outcome.allocated.get(band_id, False):
        return {}
    return {b: lots[band_id] for b, lots in outcome.lots.items() if lots.get(band_id, 0) > 0}


def bands_to_position(scenario: Scenario, outcome: AllocationOutcome) -> tuple[str, ...]:
    """Bands marked for positioning that have two or more winners, in scenario order."""
    return tuple(b.id for b in scenario.bands if b.positioning and len(winners(outcome, b.id)) >= 2)


class _Band:
    """Positioning state of one band."""

    def __init__(self, band_id: str, lots: dict[str, int], supply: int, opening: int, seed: int, k: int) -> None:
        self.band = band_id
        self.lots = lots
        self.winners = tuple(lots)
        self.n = len(lots)
        self.unsold = supply - sum(lots.values())
        self.prices = [opening] * self.n
        self.standing: dict[str, int | None] = dict.fromkeys(self.winners)
        self.asked_last: tuple[int, ...] = (0,) * self.n
        self.submissions: dict[str, int | None] = {}
        self.status: BandStatus = "open"
        self.history: list[PositionRound] = []
        self.result: BandAssignment | None = None
        # One stream per band, so one band's length never changes another's draws.
        self.rng = stream(seed, f"assignment:{band_id}")


class AssignmentStage:
    """The assignment stage after an allocation stage, round by round.

    Use: for each open band, ``submit`` a winner's ask (or nothing: it keeps
    its last ask; none in round 1), then ``close_round``; repeat until
    ``finished``; then ``outcome()``. Bands run side by side; each ends on its own.
    """

    def __init__(self, scenario: Scenario, outcome: AllocationOutcome, seed: int = 0) -> None:
        self.scenario = scenario
        self.allocation = outcome
        self.seed = seed
        self.rules = scenario.assignment
        self.round = 1
        self._bands: dict[str, _Band] = {}
        for k, band in enumerate(scenario.bands):
            if band.id in bands_to_position(scenario, outcome):
                self._bands[band.id] = _Band(
                    band.id, winners(outcome, band.id), band.lots, self.rules.opening_price_usd, seed, k
                )

    # ------------------------------------------------------------ state

    def bands_to_position(self) -> tuple[str, ...]:
        return tuple(self._bands)

    def settled(self, band: str) -> BandAssignment | None:
        """The result of ``band`` once its positioning has ended or halted; None while it is open.

        Immutable: a copy whose maps are read-only, so a screen can show a settled band before the
        whole stage ends (:meth:`outcome`) and can change nothing in the stage. KeyError for a band
        that is not being positioned.
        """
        result = self._bands[band].result
        if result is None:
            return None
        return dataclasses.replace(
            result,
            positions=MappingProxyType(dict(result.positions)),
            prices=MappingProxyType(dict(result.prices)),
            lots=MappingProxyType(dict(result.lots)),
        )

    def open_bands(self, bidder: str | None = None) -> tuple[str, ...]:
        """Bands still being positioned (where ``bidder`` is a winner, if given)."""
        return tuple(
            b.band for b in self._bands.values() if b.status == "open" and (bidder is None or bidder in b.lots)
        )

    @property
    def finished(self) -> bool:
        return not self.open_bands()

    def view(self, bidder: str, band: str) -> PositionView:
        """What ``bidder`` sees of ``band``'s positioning now."""
        state = self._state(bidder, band, for_view=True)
        own = state.submissions.get(bidder, state.standing[bidder])
        return PositionView(
            band=band,
            bidder=bidder,
            round=self.round if state.status == "open" else len(state.history),
            open=state.status == "open",
            positions=tuple(
                PositionInfo(i, position_label(i, state.n), state.prices[i], state.asked_last[i])
                for i in range(state.n)
            ),
            winner_lots=dict(state.lots),
            own_lots=state.lots[bidder],
            unsold_lots=state.unsold,
            standing_ask=state.standing[bidder],
            own_ask=own,
            submitted=bidder in state.submissions,
            price_step_usd=self.rules.price_step_usd,
        )

    def views(self, bidder: str) -> dict[str, PositionView]:
        """Views of every open band where ``bidder`` is a winner."""
        return {band: self.view(bidder, band) for band in self.open_bands(bidder)}

    def _state(self, bidder: str, band: str, *, for_view: bool = False) -> _Band:
        if band not in self._bands:
            if any(b.id == band for b in self.scenario.bands):
                why = (
                    "is not marked for positioning"
                    if not self.scenario.band(band).positioning
                    else f"has {len(winners(self.allocation, band))} winner(s); positions are decided only with two or more"
                )
            else:
                why = f"is not a band of this scenario ({', '.join(self.scenario.band_ids)})"
            raise PositionRefused(bidder, band, self.round, RULE_NOT_POSITIONED, f"{band} MHz {why}")
        state = self._bands[band]
        if bidder not in state.lots:
            raise PositionRefused(
                bidder, band, self.round, RULE_NOT_A_WINNER,
                f"{bidder} won no lots of {band} MHz; its winners are {', '.join(state.winners)}",
            )
        if state.status != "open" and not for_view:
            raise PositionRefused(
                bidder, band, self.round, RULE_STAGE_CLOSED,
                f"positioning of {band} MHz {state.status} after round {len(state.history)}; no more asks",
            )
        return state

    # ------------------------------------------------------------ asks

    def submit(self, bidder: str, band: str, position: int | None) -> None:
        """Ask for one position of ``band`` (0 = bottom) or for none, replacing this round's earlier ask.

        Raises :class:`PositionRefused` naming the rule; the earlier ask then stays.
        """
        state = self._state(bidder, band)
        if position is not None and (
            isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < state.n
        ):
            raise PositionRefused(
                bidder, band, self.round, RULE_NO_SUCH_POSITION,
                f"position {position!r} does not exist; {band} MHz has positions 0 (bottom) to {state.n - 1} (top)",
            )
        standing = state.standing[bidder]
        earlier = state.submissions.get(bidder, standing)
        # A winner may move out of its standing position into one other position per round;
        # going back to the standing ask, or dropping to none, is always allowed.
        if position is not None and position != standing and earlier is not None and earlier not in (standing, position):
            raise PositionRefused(
                bidder, band, self.round, RULE_ONE_SWITCH,
                f"already switched from {_name(standing, state.n)} to {_name(earlier, state.n)} this round; "
                f"a winner may switch into only one other position per round, so "
                f"{_name(position, state.n)} is refused",
            )
        state.submissions[bidder] = position

    def close_round(self) -> tuple[PositionRound, ...]:
        """Count the asks of every open band, raise prices of over-demanded positions, end bands."""
        if self.finished:
            raise RuntimeError("the assignment stage has finished")
        step = self.rules.price_step_usd
        records = []
        for state in self._bands.values():
            if state.status != "open":
                continue
            asks = {w: state.submissions.get(w, state.standing[w]) for w in state.winners}
            demand = [0] * state.n
            for ask in asks.values():
                if ask is not None:
                    demand[ask] += 1
            over = tuple(i for i in range(state.n) if demand[i] > 1)
            record = PositionRound(self.round, state.band, tuple(state.prices), asks, tuple(demand), over)
            state.history.append(record)
            records.append(record)
            state.standing = dict(asks)
            state.asked_last = tuple(demand)
            state.submissions = {}
            if not over:
                state.status = "ended"
                state.result = self._finish(state, asks)
            elif self.round >= self.rules.max_rounds:
                state.status = "halted"
                state.result = self._finish(state, asks)
            else:
                for i in over:
                    state.prices[i] += step
        if not self.finished:
            self.round += 1
        return tuple(records)

    def _finish(self, state: _Band, asks: Mapping[str, int | None]) -> BandAssignment:
        askers: dict[int, list[str]] = {}
        for w in state.winners:
            ask = asks[w]
            if ask is not None:
                askers.setdefault(ask, []).append(w)
        positions: dict[str, int] = {}
        prices: dict[str, int] = {}
        for i in sorted(askers):
            who = askers[i]
            # Only at a halt can a position still have several askers: a seeded draw decides.
            holder = who[0] if len(who) == 1 else who[int(state.rng.integers(len(who)))]
            positions[holder] = i
            prices[holder] = state.prices[i]
        unplaced = [w for w in state.winners if w not in positions]
        free = [i for i in range(state.n) if i not in positions.values()]
        order = [unplaced[int(j)] for j in state.rng.permutation(len(unplaced))] if unplaced else []
        for w, i in zip(order, free, strict=True):
            positions[w] = i
            prices[w] = 0
        by_slot = sorted(positions, key=lambda w: positions[w])
        return BandAssignment(
            band=state.band,
            status="halted" if state.status == "halted" else "ended",
            rounds=len(state.history),
            order=tuple(by_slot),
            positions={w: positions[w] for w in state.winners},
            prices={w: prices[w] for w in state.winners},
            lots=dict(state.lots),
            free_filled=tuple(order),
            unsold_lots=state.unsold,
            history=tuple(state.history),
        )

    def outcome(self) -> AssignmentOutcome:
        """Positions and prices of every positioned band; only once the stage has finished."""
        if not self.finished:
            raise RuntimeError(f"the assignment stage is still open in {', '.join(self.open_bands())} MHz")
        bands = {}
        for band_id, state in self._bands.items():
            assert state.result is not None
            bands[band_id] = state.result
        payments = {
            b: sum(r.prices.get(b, 0) for r in bands.values()) for b in self.allocation.lots
        }
        return AssignmentOutcome(bands=bands, payments=payments)


def _name(position: int | None, n: int) -> str:
    return "none" if position is None else f"position {position} ({position_label(position, n)})"


# ---------------------------------------------------------------- scripted asks


class PositionBidder(Protocol):
    """Anything that answers a :class:`PositionView` with a position or none."""

    def ask(self, view: PositionView) -> int | None: ...


def position_values(
    scenario: Scenario,
    bidder_id: str,
    band_id: str,
    n_positions: int,
    rng: np.random.Generator,
    *,
    lots: int | None = None,
    unsold_lots: int = 0,
) -> list[int]:
    """What each position of a band is worth to one winner, USD, over being placed anywhere.

    A position's base worth is 1% of the reserve value of the winner's block
    (interference coordination and neighbours matter more for a big block). A
    slot next to a guard band (the bottom of the offered spectrum; the top
    when nothing is unsold above it and the offered spectrum ends at the
    band's edge) is worth half; a slot next to spectrum the operator already
    holds in the band plan is worth half as much again; seeded noise of up to
    +-20% separates otherwise equal slots. Rounded to $1,000.
    """
    band = scenario.band(band_id)
    block = lots if lots is not None else max(1, band.lots // max(1, n_positions))
    base = block * band.reserve_usd // 100
    freq = frequencies(scenario).get(band_id)
    factors = [100] * n_positions
    factors[0] = 50
    if freq is not None and unsold_lots == 0 and freq.at_top_edge:
        factors[-1] = 50
    if freq is not None:
        below, above = freq.adjacent_holders()
        if bidder_id in below:
            factors[0] = 150
        if bidder_id in above and unsold_lots == 0:
            factors[-1] = 150
    spread = base // 5
    values = []
    for f in factors:
        noise = int(rng.integers(-spread, spread + 1)) if spread else 0
        values.append(max(0, round((base * f // 100 + noise) / 1000) * 1000))
    return values


class ScriptedPositionBidder:
    """Asks for the position with the most value over its price; none when no position is worth its price.

    Ties keep the standing ask, then the lower position, so the asks never cycle.
    """

    def __init__(self, bidder: str, values: Mapping[str, Sequence[int]]) -> None:
        self.bidder = bidder
        self.values = {band: tuple(v) for band, v in values.items()}

    def ask(self, view: PositionView) -> int | None:
        values = self.values.get(view.band)
        if values is None:
            return view.standing_ask
        best: int | None = None
        best_surplus = 0
        for p in view.positions:
            surplus = values[p.index] - p.price_usd
            if surplus > best_surplus or (surplus == best_surplus and surplus > 0 and p.index == view.standing_ask):
                best, best_surplus = p.index, surplus
        return best


def scripted_bidders(scenario: Scenario, outcome: AllocationOutcome, seed: int) -> dict[str, ScriptedPositionBidder]:
    """A :class:`ScriptedPositionBidder` for every winner of a band to position, values drawn from ``seed``."""
    values: dict[str, dict[str, list[int]]] = {}
    for band in scenario.bands:
        if band.id not in bands_to_position(scenario, outcome):
            continue
        won = winners(outcome, band.id)
        unsold = band.lots - sum(won.values())
        for bidder, lots in won.items():
            rng = stream(seed, f"positions:{band.id}:{bidder}")
            values.setdefault(bidder, {})[band.id] = position_values(
                scenario, bidder, band.id, len(won), rng, lots=lots, unsold_lots=unsold
            )
    return {b: ScriptedPositionBidder(b, v) for b, v in values.items()}


def run_assignment(
    scenario: Scenario,
    outcome: AllocationOutcome,
    bidders: Mapping[str, PositionBidder] | None = None,
    seed: int = 0,
) -> AssignmentOutcome:
    """Run the whole assignment stage headless; winners without a bidder get scripted ones.

    A bidder whose ask raises or is refused keeps its standing ask for that round.
    """
    stage = AssignmentStage(scenario, outcome, seed)
    agents: dict[str, PositionBidder] = dict(scripted_bidders(scenario, outcome, seed))
    agents.update(bidders or {})
    while not stage.finished:
        for bidder in outcome.lots:
            for band, view in stage.views(bidder).items():
                try:
                    stage.submit(bidder, band, agents[bidder].ask(view))
                except Exception:  # a position bidder's bug must not stop the stage
                    continue
        stage.close_round()
    return stage.outcome()


def describe(result: BandAssignment) -> str:
    """'2600 MHz in 4 round(s): bottom zong $0, top jazz $300,000'."""
    n = len(result.order)
    parts = [
        f"{position_label(i, n)} {w} {fmt_usd_exact(result.prices[w])}" + (" (free)" if w in result.free_filled else "")
        for i, w in enumerate(result.order)
    ]
    return f"{result.band} MHz in {result.rounds} round(s): " + ", ".join(parts)


def add_to_summary_json(doc: dict[str, Any], scenario: Scenario, outcome: AssignmentOutcome) -> None:
    """Put assignment prices on top of a ``summary_json`` document (they are revenue too).

    ``revenue_usd``/``revenue_pkr`` become totals of both stages; the split is in
    ``allocation_revenue_usd`` and ``assignment_revenue_usd``. Per band and per
    bidder the allocation figures stay as they are, beside
    ``assignment_revenue_usd``/``assignment_payment_usd`` and ``total_payment_usd``.
    """
    allocation = int(doc["revenue_usd"])
    total = allocation + outcome.revenue_usd
    doc["allocation_revenue_usd"] = allocation
    doc["assignment_revenue_usd"] = outcome.revenue_usd
    doc["revenue_usd"] = total
    doc["revenue_pkr"] = to_pkr(total, scenario.exchange_rate_pkr_per_usd)
    for band_id, band in doc.get("bands", {}).items():
        band["assignment_revenue_usd"] = outcome.band_revenue_usd(band_id)
    for bidder, entry in doc.get("bidders", {}).items():
        extra = outcome.payments.get(bidder, 0)
        entry["assignment_payment_usd"] = extra
        entry["total_payment_usd"] = int(entry["payment_usd"]) + extra


def assignment_text(scenario: Scenario, allocation_revenue_usd: int, outcome: AssignmentOutcome) -> str:
    """The assignment stage for the terminal report: a line per band and revenue of both stages."""
    if not outcome.bands:
        return "Assignment stage: no band needed positioning (fewer than two winners where positioning applies)."
    lines = ["Assignment stage (positions bottom to top, price on top of the allocation price):"]
    for result in outcome.bands.values():
        text = f"  {describe(result)}" + ("  HALTED: contested positions drawn" if result.status == "halted" else "")
        # Four or more winners run past a 100-column terminal: continue on indented lines, one position whole.
        line, *rest = text.split(", ")
        for part in rest:
            if len(line) + 2 + len(part) > 100:
                lines.append(line + ",")
                line = "    " + part
            else:
                line += ", " + part
        lines.append(line)
    total = allocation_revenue_usd + outcome.revenue_usd
    lines.append(
        f"Revenue with positioning: {fmt_usd(total)} (${total:,}) = {fmt_pkr(to_pkr(total, scenario.exchange_rate_pkr_per_usd))}"
        f"\n  (allocation {fmt_usd(allocation_revenue_usd)} + assignment {fmt_usd(outcome.revenue_usd)})"
    )
    return "\n".join(lines)
