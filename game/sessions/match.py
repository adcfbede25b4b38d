"""The game being played in the desktop app: setup, seats, rivals, human bids, save and resume.

A :class:`Match` wraps one :class:`~game.engine.allocation.ClockAuction` with the
choices made on the setup screen (scenario, who sits in each seat, seed,
round timer, information policy), the private values of every seat, the
scripted agents of the non-human seats and the record needed to save and
resume. A save holds the setup and every round's accepted bids; resuming
replays them through the engine, so a resumed game is the game it was,
byte for byte. This module is engine side: it never imports pygame and never
decides a rule (the auction does).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game.agents.base import Agent
from game.agents.external import ExternalAgent, begin_external
from game.agents.registry import known_strategies, make_agent
from game.economics.values import Valuation, draw_valuations
from game.engine.allocation import AllocationOutcome, ClockAuction, RoundResult
from game.engine.assignment import AssignmentStage, PositionRefused, bands_to_position, scripted_bidders
from game.engine.rules import Bid, Refusal
from game.engine.streams import agent_stream
from game.formats.save import MAX_SAVE_BYTES, SAVE_FORMAT, SAVE_VERSION, SaveFile
from game.records.failures import AgentFailure
from game.records.report import Summary, summarise
from game.records.view import BidderView, LastRound, OwnStep, build_view
from game.scenario import INFORMATION_POLICIES, InformationPolicy, Scenario, ScenarioError, checked, load_scenario
from game.scenario.value_params import with_market
from game.sessions.session import ask_agent

HUMAN = "human"
SAVE_ENV = "SPECTRUM_AUCTION_SAVE"
"""Environment variable overriding the autosave path (tests, portable installs)."""

DEFAULT_STRATEGY = "cautious"  # bids like the operators did in 2026 (issue 12)


class SaveError(ValueError):
    """A save file that cannot be resumed; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Seat:
    """One bidder in the game and who plays it: ``"human"`` or a scripted strategy spec."""

    bidder: str
    controller: str = HUMAN

    @property
    def human(self) -> bool:
        return self.controller == HUMAN


@dataclass(frozen=True)
class MatchSetup:
    """Everything chosen on the setup screen; enough, with the seed, to replay a game."""

    scenario: str = "pakistan-2026"
    seats: tuple[Seat, ...] = (Seat("jazz"), Seat("zong", DEFAULT_STRATEGY), Seat("ufone", DEFAULT_STRATEGY))
    seed: int = 1
    round_timer_s: int | None = None
    """Seconds a human seat has to bid each round; None is no timer. What expiry does: :meth:`Match.time_out`."""
    information_policy: InformationPolicy | None = None
    """None keeps the scenario's own policy."""
    market: str | None = None
    """The scenario's market the private values come from; None is its default (docs/VALUES.md)."""

    @property
    def bidders(self) -> tuple[str, ...]:
        return tuple(s.bidder for s in self.seats)

    @property
    def human_seats(self) -> tuple[str, ...]:
        return tuple(s.bidder for s in self.seats if s.human)

    def seat(self, bidder: str) -> Seat:
        for s in self.seats:
            if s.bidder == bidder:
                return s
        raise KeyError(bidder)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seats": [{"bidder": s.bidder, "controller": s.controller} for s in self.seats],
            "seed": self.seed,
            "round_timer_s": self.round_timer_s,
            "information_policy": self.information_policy,
            # Only when chosen, so that a game on the default market saves as it did before markets existed.
            **({"market": self.market} if self.market is not None else {}),
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "setup") -> MatchSetup:
        if not isinstance(data, dict):
            raise SaveError(f"{where}: expected an object, got {type(data).__name__}")
        scenario = data.get("scenario")
        if not isinstance(scenario, str) or not scenario:
            raise SaveError(f"{where}.scenario: expected a scenario name or path")
        raw_seats = data.get("seats")
        if not isinstance(raw_seats, list) or not raw_seats:
            raise SaveError(f"{where}.seats: expected a non-empty list")
        seats = []
        for i, s in enumerate(raw_seats):
            if not (isinstance(s, dict) and isinstance(s.get("bidder"), str) and isinstance(s.get("controller"), str)):
                raise SaveError(f"{where}.seats[{i}]: expected {{\"bidder\": str, \"controller\": str}}")
            seats.append(Seat(s["bidder"], s["controller"]))
        seed = data.get("seed")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise SaveError(f"{where}.seed: expected an integer")
        timer = data.get("round_timer_s")
        if timer is not None and (isinstance(timer, bool) or not isinstance(timer, int) or timer <= 0):
            raise SaveError(f"{where}.round_timer_s: expected a positive number of seconds or null")
        policy = data.get("information_policy")
        if policy is not None and policy not in INFORMATION_POLICIES:
            raise SaveError(f"{where}.information_policy: expected one of {', '.join(INFORMATION_POLICIES)} or null")
        market = data.get("market")
        if market is not None and not isinstance(market, str):
            raise SaveError(f"{where}.market: expected a market name or null")
        return cls(scenario, tuple(seats), seed, timer, policy, market)


# ------------------------------------------------------------------ rivals and values


def strategy_names() -> list[str]:
    """Scripted strategies a seat may use, default first."""
    names = known_strategies()
    return sorted(names, key=lambda n: (n != DEFAULT_STRATEGY, n))


# ------------------------------------------------------------------ the match


class Match:
    """One game in progress. Humans submit through :meth:`submit`; rivals through :meth:`ask_rival`."""

    def __init__(self, setup: MatchSetup, scenario: Scenario | None = None) -> None:
        base = with_market(scenario if scenario is not None else load_scenario(setup.scenario), setup.market)
        if setup.information_policy is not None and setup.information_policy != base.rules.information_policy:
            base = dataclasses.replace(base, rules=dataclasses.replace(base.rules, information_policy=setup.information_policy))
        self.setup = setup
        self.scenario = base
        self.auction = ClockAuction(base, setup.bidders, seed=setup.seed)
        self.values: dict[str, Valuation] = draw_valuations(base, setup.bidders, setup.seed)
        # One one-way stream per bidder, so adding a human seat never changes a rival's draws, and an agent's
        # generator gives away neither the seed nor anyone's values.
        self.agents: dict[str, Agent] = {}
        for seat in setup.seats:
            if not seat.human:
                rng = agent_stream(setup.seed, seat.bidder)
                self.agents[seat.bidder] = make_agent(seat.controller, seat.bidder, base, self.values.get(seat.bidder), rng)
        begin_external(self.agents, self.auction, "match")  # seats that are programs (exec:CMD) get `start`
        self.failures: list[AgentFailure] = []
        self.autosave_path: Path | None = None
        self.assignment_outcome: Any = None
        """Set by the positioning screen when the assignment stage ends."""
        self._timed_out: set[tuple[str, int]] = set()
        self.positioning_rounds: list[dict[str, dict[str, int | None]]] = []
        """Human seats' position asks of each closed positioning round (bidder -> band -> position or None)."""
        self.positioning_pending: dict[str, dict[str, int | None]] = {}
        """Asks of the human seats that have submitted in the open positioning round."""
        self.told_excluded: set[str] = set()
        """Human seats already told on screen that they are out of the auction."""
        self._own_rounds: dict[str, list[LastRound]] = {}
        """Each seat's own part of every closed round, as its view showed it (see :meth:`own_rounds`)."""
        self._noted = 0
        """Closed rounds already in ``_own_rounds``."""

    # ---------------------------------------------------------- state

    @property
    def round(self) -> int:
        return self.auction.round

    @property
    def finished(self) -> bool:
        return self.auction.finished

    @property
    def human_seats(self) -> tuple[str, ...]:
        return self.setup.human_seats

    @property
    def history(self) -> list[RoundResult]:
        return self.auction.history

    @property
    def closed_rounds(self) -> int:
        """How many rounds of the allocation stage have closed (public: every seat sees the round number)."""
        return len(self.auction.history)

    def view(self, bidder: str) -> BidderView:
        return build_view(self.auction, bidder)

    def value_of(self, bidder: str, lots: Mapping[str, int]) -> int | None:
        """The seat's private value of a bundle in USD (None when no values were drawn)."""
        valuation = self.values.get(bidder)
        if valuation is None:
            return None
        capped = {b: min(max(0, n), len(valuation.band_values.get(b, (0,))) - 1) for b, n in lots.items()}
        return valuation.value({b: n for b, n in capped.items() if b in valuation.band_values})

    def active(self, bidder: str) -> bool:
        return not self.auction.is_excluded(bidder) and not self.finished

    def humans_to_bid(self) -> list[str]:
        """Human seats that still have to submit this round, in seat order."""
        return [
            b
            for b in self.human_seats
            if self.active(b) and not self.auction.has_submitted(b) and (b, self.auction.round) not in self._timed_out
        ]

    def rivals_to_bid(self) -> list[str]:
        return [b for b in self.agents if self.active(b) and not self.auction.has_submitted(b)]

    # ---------------------------------------------------------- bids

    def check(self, bidder: str, bids: Mapping[str, Bid], *, accept_penalty: bool = False) -> list[Refusal]:
        return self.auction.check(bidder, bids, accept_penalty=accept_penalty)

    def submit(self, bidder: str, bids: Mapping[str, Bid], *, accept_penalty: bool = False) -> None:
        """A human seat's bids; raises :class:`~game.engine.rules.BidRefused` as the auction does.

        The penalty flag reaches the auction only for a bid that misses the round-1 obligation:
        on any other bid it means nothing, and a save must not say a seat accepted a forfeit it
        never faced. An accepted bid is written to the autosave at once (atomically), so a crash
        in a hot-seat round loses nothing that a player already submitted.
        """
        needs = bool(self.obligation_shortfall(bidder, {b: bid.lots for b, bid in bids.items()}))
        self.auction.submit(bidder, bids, accept_penalty=accept_penalty and needs)
        self._autosave()

    def obligation_shortfall(self, bidder: str, lots: Mapping[str, int]) -> dict[str, int]:
        """Bands where ``lots`` (missing bands: processed demand) miss this round's obligation, with the minimum."""
        need = self.view(bidder).obligation
        held = self.auction.processed(bidder)
        return {b: n for b, n in need.items() if lots.get(b, held.get(b, 0)) < n}

    def timeout_rule(self, bidder: str) -> str:
        """What running out of time does to ``bidder`` in the open round, in words for the screen."""
        minimum = self.timeout_bids(bidder)
        if minimum:
            wanted = " and ".join(f"{bid.lots} lots of {band} MHz" for band, bid in minimum.items())
            return (f"At 0:00 the round-1 obligation minimum ({wanted}) is entered for you; "
                    "the timer never excludes you.")
        if self.auction.round == 1 and self.view(bidder).obligation:
            return "At 0:00 this round stays open for you: submit, or accept the penalty yourself."
        return "At 0:00 your demand is maintained; nothing you typed is submitted."

    def timeout_bids(self, bidder: str) -> dict[str, Bid]:
        """The round-1 obligation minimum, if the seat has an obligation and the rules accept that bid; else {}."""
        obligation = self.view(bidder).obligation
        if self.auction.round != 1 or not obligation:
            return {}
        bids = {band: Bid(band, lots) for band, lots in obligation.items()}
        return bids if not self.auction.check(bidder, bids) else {}

    def time_out(self, bidder: str) -> str:
        """The round timer ran out for ``bidder``; returns what happened, for the screen.

        The rule (README, "Playing"): a timer never excludes a seat. After round 1 the seat
        submits nothing, which the auction treats as maintained demand. In round 1 an incumbent
        that has not submitted gets the obligation minimum (5 lots each in 2600 and 3500 MHz in
        Pakistan) entered for it at the clock price, the least its qualification already bound it
        to; should the rules refuse even that, the round stays open for the seat until it acts.
        A seat with no obligation (a new entrant) simply bids nothing, which costs nothing.
        """
        if self.auction.has_submitted(bidder):
            return ""
        minimum = self.timeout_bids(bidder)
        if minimum:
            self.submit(bidder, minimum)
            wanted = " and ".join(f"{bid.lots} lots of {band} MHz" for band, bid in minimum.items())
            return f"Round 1: time ran out; the obligation minimum was entered for you ({wanted})."
        if self.auction.round == 1 and self.view(bidder).obligation:
            return "Round 1: time ran out; the round stays open until you submit (no one is excluded by the timer)."
        self._timed_out.add((bidder, self.auction.round))
        self._autosave()
        return f"Round {self.auction.round}: time ran out; demand maintained."

    def maintain(self, bidder: str) -> None:
        """Submit nothing this round (maintained demand); in round 1 the timeout rule of :meth:`time_out` applies."""
        self.time_out(bidder)

    def _autosave(self) -> None:
        if self.autosave_path is not None:
            self.save(self.autosave_path)

    def autosave(self) -> None:
        """Write the autosave now (atomically), if the game has one."""
        self._autosave()

    def newly_excluded_humans(self) -> list[str]:
        """Human seats excluded from the auction that have not yet been told so on screen."""
        return [b for b in self.human_seats if self.auction.is_excluded(b) and b not in self.told_excluded]

    def own_rounds(self, bidder: str) -> tuple[LastRound, ...]:
        """The seat's own part of every closed round, oldest first, as its view showed it when the round closed.

        Kept per seat from each round's view (:func:`~game.records.view.build_view`), never read back
        from the round log, so the screens show a seat exactly what it was allowed to see.
        """
        # A round closed on the auction itself rather than by close_round (tests, tools) joins the record
        # here; only the latest such round can, as only it is still in the seat's view.
        self._note_round()
        return tuple(self._own_rounds.get(bidder, ()))

    def own_steps(self, bidder: str, round_no: int | None = None) -> tuple[OwnStep, ...]:
        """How ``bidder``'s own bids of a closed round (default: the last) were applied, in processing order.

        Each step carries the price point it was processed at. Only the seat's own steps: other
        bidders' bids are never shown.
        """
        rounds = self.own_rounds(bidder)
        for last in reversed(rounds):
            if round_no is None or last.round == round_no:
                return last.steps
        return ()

    def bid_history(self, bidder: str) -> list[dict[str, Any]]:
        """The seat's own bids round by round: per band the lots submitted, the price point and the lots processed."""
        rows: list[dict[str, Any]] = []
        for last in self.own_rounds(bidder):
            steps = {s.band: s for s in last.steps}
            for band in self.scenario.band_ids:
                price_point = last.price_points.get(band)
                step = steps.get(band)
                rows.append({
                    "round": last.round,
                    "band": band,
                    "submitted_lots": None if price_point is None else last.submitted[band],
                    "price_point_usd": price_point,
                    "processed_lots": last.processed.get(band, 0),
                    "processed_at_usd": None if step is None else step.price_usd,
                    "posted_price_usd": last.posted_prices[band],
                })
        return rows

    def _note_round(self) -> None:
        """Add the round that closed last to each seat's own record, from the seat's view."""
        closed = self.closed_rounds
        if self._noted == closed:
            return
        for bidder in self.setup.bidders:
            last = self.view(bidder).last_round
            if last is not None:
                self._own_rounds.setdefault(bidder, []).append(last)
        self._noted = closed

    # ---------------------------------------------------------- positioning (assignment stage) record

    def note_position_asks(self, bidder: str, asks: Mapping[str, int | None]) -> None:
        """A human seat's asks in the open positioning round, kept and autosaved at once."""
        self.positioning_pending[bidder] = dict(asks)
        self._autosave()

    def position_round_closed(self, *, save: bool = True) -> None:
        """The open positioning round closed: its human asks join the record (``save=False``: the caller saves)."""
        self.positioning_rounds.append(self.positioning_pending)
        self.positioning_pending = {}
        if save:
            self._autosave()

    def positioning_humans(self) -> list[str]:
        """Human seats that won lots in a band to position (they play the positioning stage on screen)."""
        if not self.finished:
            return []
        outcome = self.outcome()
        positioned = bands_to_position(self.scenario, outcome)
        return [h for h in self.human_seats if any(outcome.lots[h][band] for band in positioned)]

    @property
    def in_progress(self) -> bool:
        """Whether the game still has something to play: the allocation stage, or a human's positioning."""
        if not self.finished:
            return True
        return bool(self.positioning_humans()) and not self.assignment_stage().finished

    def assignment_stage(self) -> AssignmentStage:
        """The positioning stage as far as it was played: saved rounds replayed with the scripted winners' asks.

        Asks of the open round (``positioning_pending``) are submitted again too; the screen then
        knows which seats have already submitted.
        """
        stage = AssignmentStage(self.scenario, self.outcome(), self.setup.seed)
        rivals = scripted_bidders(self.scenario, self.outcome(), self.setup.seed)
        for i, asks in enumerate(self.positioning_rounds):
            if stage.finished:
                raise SaveError(f"positioning round {i + 1}: the stage had already finished")
            self._submit_positions(stage, asks)
            for bidder, agent in rivals.items():
                if bidder in self.human_seats:
                    continue
                for band, view in stage.views(bidder).items():
                    with contextlib.suppress(Exception):
                        stage.submit(bidder, band, agent.ask(view))
            stage.close_round()
        if not stage.finished:
            self._submit_positions(stage, self.positioning_pending)
        return stage

    @staticmethod
    def _submit_positions(stage: AssignmentStage, asks: Mapping[str, Mapping[str, int | None]]) -> None:
        for bidder, per_band in asks.items():
            for band, position in per_band.items():
                if band in stage.open_bands(bidder):
                    try:
                        stage.submit(bidder, band, position)
                    except PositionRefused as exc:
                        raise SaveError(f"saved position ask refused: {exc}") from None

    def ask_rival(self, bidder: str) -> AgentFailure | None:
        """One scripted seat bids for this round (call once per seat; cheap to spread over frames)."""
        agent = self.agents[bidder]
        seen = len(agent.failures) if isinstance(agent, ExternalAgent) else 0
        failure = ask_agent(self.auction, bidder, agent)
        if failure is not None:
            self.failures.append(failure)
        if isinstance(agent, ExternalAgent):  # a program's own failures (timeout, crash, invalid, ...)
            new = agent.failures[seen:]
            self.failures.extend(new)
            failure = failure or (new[-1] if new else None)
        return failure

    def ready_to_close(self) -> bool:
        return not self.finished and not self.humans_to_bid() and not self.rivals_to_bid()

    def close_round(self) -> RoundResult:
        result = self.auction.close_round()
        self._note_round()
        self._autosave()
        return result

    def outcome(self) -> AllocationOutcome:
        return self.auction.outcome()

    def summary(self) -> Summary:
        return summarise(self.scenario, self.auction.outcome())

    # ---------------------------------------------------------- save and resume

    def to_json(self) -> dict[str, Any]:
        rounds = []
        for r in self.auction.history:
            rounds.append(
                {
                    "round": r.round,
                    "bids": {
                        bidder: {band: {"lots": bid.lots, "price_usd": bid.price_usd} for band, bid in bids.items()}
                        for bidder, bids in r.bids.items()
                    },
                    "accept_penalty": list(r.accepted_penalty),
                    "posted_prices": dict(r.posted_prices),
                }
            )
        doc: dict[str, Any] = {
            "format": SAVE_FORMAT,
            "version": SAVE_VERSION,
            "scenario_sha256": self.scenario.sha256,
            "setup": self.setup.to_json(),
            "rounds": rounds,
        }
        # Optional keys (older saves have none of them): the open round's accepted human bids,
        # and the positioning stage once it has started.
        pending = self._pending_json()
        if pending is not None:
            doc["pending"] = pending
        if self.positioning_rounds or self.positioning_pending:
            doc["positioning"] = {"rounds": self.positioning_rounds, "pending": self.positioning_pending}
        if self.told_excluded:
            doc["told_excluded"] = sorted(self.told_excluded)
        return doc

    def _pending_json(self) -> dict[str, Any] | None:
        """Human seats' bids accepted in the open round (and seats whose timer ran out), or None."""
        if self.finished:
            return None
        bids: dict[str, Any] = {}
        penalties: list[str] = []
        for bidder in self.human_seats:
            submitted = self.auction.submitted(bidder)
            if submitted is None:
                continue
            bids[bidder] = {band: {"lots": b.lots, "price_usd": b.price_usd} for band, b in submitted[0].items()}
            if submitted[1]:
                penalties.append(bidder)
        timed_out = sorted(b for b, r in self._timed_out if r == self.auction.round)
        if not bids and not timed_out:
            return None
        return {"round": self.auction.round, "bids": bids, "accept_penalty": penalties, "timed_out": timed_out}

    def save(self, path: str | Path) -> None:
        """Write the save atomically (temp file + os.replace): a crash never leaves half a file."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.to_json(), f, indent=1, sort_keys=True)
                f.write("\n")
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> Match:
        """Resume a saved game by replaying its rounds; :class:`SaveError` names what is wrong."""
        where = str(path)
        try:
            data = checked.read_tree(path, toml=False, kind="save file", limit=MAX_SAVE_BYTES)
        except checked.ReadError as exc:
            if exc.missing:
                raise SaveError(f"save file {where} does not exist") from None
            raise SaveError(f"save file {where} is damaged or not a save file ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != SAVE_FORMAT:
            raise SaveError(f"{where} is not a spectrum-auction save file")
        if data.get("version") != SAVE_VERSION:
            raise SaveError(
                f"{where}: save version {checked.quote(data.get('version'))} is not supported (expected {SAVE_VERSION})"
            )
        # The declared schema (game/formats/save.py) first: every problem at once, values quoted short.
        _model, problems = checked.validate(SaveFile, data, table="an object")
        if problems:
            raise SaveError(f"save file {where} has {len(problems)} problem(s):\n{checked.problem_list(problems)}")
        setup = MatchSetup.from_json(data.get("setup"), f"{where}: setup")
        try:
            match = cls(setup)
        except ScenarioError as exc:
            raise SaveError(f"{where}: its scenario cannot be loaded: {exc}") from None
        except (ValueError, KeyError, TypeError, OSError) as exc:
            raise SaveError(f"{where}: the saved setup cannot be used: {exc}") from None
        sha = data.get("scenario_sha256")
        if sha and match.scenario.sha256 and sha != match.scenario.sha256:
            raise SaveError(f"{where}: the scenario file {setup.scenario} changed since the game was saved")
        rounds = data.get("rounds")
        if not isinstance(rounds, list):
            raise SaveError(f"{where}: rounds: expected a list")
        for i, entry in enumerate(rounds):
            match._replay_round(entry, f"{where}: rounds[{i}]")
        match._restore_pending(data.get("pending"), f"{where}: pending")
        match._restore_positioning(data.get("positioning"), f"{where}: positioning")
        told = data.get("told_excluded", [])
        if not isinstance(told, list) or not all(isinstance(b, str) for b in told):
            raise SaveError(f"{where}: told_excluded: expected a list of bidders")
        match.told_excluded = set(told)
        return match

    def _restore_pending(self, pending: Any, where: str) -> None:
        """Re-submit the human bids accepted in the open round before the save (hot-seat crash safety)."""
        if pending is None:
            return
        if not isinstance(pending, dict) or not isinstance(pending.get("bids", {}), dict):
            raise SaveError(f"{where}: expected {{\"round\": n, \"bids\": {{...}}}}")
        if pending.get("round") != self.auction.round or self.finished:
            raise SaveError(f"{where}.round: {pending.get('round')!r} is not the open round {self.auction.round}")
        penalties = pending.get("accept_penalty", [])
        timed_out = pending.get("timed_out", [])
        if not isinstance(penalties, list) or not isinstance(timed_out, list):
            raise SaveError(f"{where}: accept_penalty and timed_out must be lists of bidders")
        for bidder, bids in pending.get("bids", {}).items():
            if bidder not in self.human_seats or not isinstance(bids, dict):
                raise SaveError(f"{where}.bids.{bidder}: not a human seat of this game")
            parsed = _parse_bids(bids, f"{where}.bids.{bidder}")
            try:
                self.auction.submit(bidder, parsed, accept_penalty=bidder in penalties)
            except ValueError as exc:
                raise SaveError(f"{where}: the saved bids of {bidder} are refused by the rules: {exc}") from None
        for bidder in timed_out:
            if bidder not in self.human_seats:
                raise SaveError(f"{where}.timed_out: {bidder!r} is not a human seat of this game")
            self._timed_out.add((bidder, self.auction.round))

    def _restore_positioning(self, data: Any, where: str) -> None:
        if data is None:
            return
        if not isinstance(data, dict) or not isinstance(data.get("rounds", []), list):
            raise SaveError(f"{where}: expected {{\"rounds\": [...], \"pending\": {{...}}}}")
        if not self.finished:
            raise SaveError(f"{where}: positioning was saved but the allocation stage has not finished")

        def asks(entry: Any, at: str) -> dict[str, dict[str, int | None]]:
            if not isinstance(entry, dict):
                raise SaveError(f"{at}: expected {{bidder: {{band: position or null}}}}")
            out: dict[str, dict[str, int | None]] = {}
            for bidder, per_band in entry.items():
                if bidder not in self.human_seats or not isinstance(per_band, dict):
                    raise SaveError(f"{at}.{bidder}: not a human seat of this game")
                for band, position in per_band.items():
                    if position is not None and (isinstance(position, bool) or not isinstance(position, int)):
                        raise SaveError(f"{at}.{bidder}.{band}: expected a position number or null")
                out[bidder] = dict(per_band)
            return out

        self.positioning_rounds = [asks(e, f"{where}.rounds[{i}]") for i, e in enumerate(data.get("rounds", []))]
        self.positioning_pending = asks(data.get("pending", {}), f"{where}.pending")
        self.assignment_stage()  # a save whose asks the stage refuses fails now, not mid-game

    def _replay_round(self, entry: Any, where: str) -> None:
        if self.finished:
            raise SaveError(f"{where}: the auction had already finished before this round")
        if not isinstance(entry, dict) or not isinstance(entry.get("bids"), dict):
            raise SaveError(f"{where}: expected {{\"bids\": {{bidder: {{band: {{lots, price_usd}}}}}}}}")
        penalties = entry.get("accept_penalty", [])
        if not isinstance(penalties, list):
            raise SaveError(f"{where}.accept_penalty: expected a list of bidders")
        saved: dict[str, dict[str, Bid]] = {}
        for bidder, bids in entry["bids"].items():
            if bidder not in self.setup.bidders or not isinstance(bids, dict):
                raise SaveError(f"{where}.bids.{bidder}: not a seat of this game")
            saved[bidder] = _parse_bids(bids, f"{where}.bids.{bidder}")
        for bidder in self.setup.bidders:
            if not self.active(bidder):
                continue
            if bidder in self.agents:
                # Ask the rival anyway so its random stream advances exactly as in the live game;
                # the saved bids stay authoritative, and a rival that failed then fails again now.
                with contextlib.suppress(Exception):
                    self.agents[bidder].bid(self.view(bidder))
            if not saved.get(bidder) and bidder not in penalties:
                continue  # no bid (a timer ran out, or a rival failed): demand maintained
            try:
                self.auction.submit(bidder, saved.get(bidder, {}), accept_penalty=bidder in penalties)
            except ValueError as exc:
                raise SaveError(f"{where}: the saved bids of {bidder} are refused by the rules: {exc}") from None
        result = self.auction.close_round()
        self._note_round()
        posted = entry.get("posted_prices")
        if isinstance(posted, dict) and dict(result.posted_prices) != posted:
            raise SaveError(f"{where}: replaying round {result.round} gives different prices than were saved")


def _parse_bids(bids: Mapping[str, Any], where: str) -> dict[str, Bid]:
    parsed: dict[str, Bid] = {}
    for band, b in bids.items():
        if not isinstance(b, dict):
            raise SaveError(f"{where}.{band}: expected {{\"lots\": n, \"price_usd\": p}}")
        lots, price = b.get("lots"), b.get("price_usd")
        if not isinstance(lots, int) or isinstance(lots, bool) or (price is not None and not isinstance(price, int)):
            raise SaveError(f"{where}.{band}: lots and price_usd must be whole numbers")
        parsed[band] = Bid(band, lots, price)
    return parsed


def save_in_progress(path: Path) -> bool:
    """Whether ``path`` holds a save of a game that has not finished (starting a new game would replace it)."""
    try:
        match = Match.load(path)
    except SaveError:
        return False
    return match.in_progress


def default_save_path() -> Path:
    """Per-user autosave path; ``$SPECTRUM_AUCTION_SAVE`` overrides it."""
    override = os.environ.get(SAVE_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "spectrum-auction" / "autosave.json"
