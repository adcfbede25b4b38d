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
from game.engine.rules import Bid, Refusal
from game.engine.streams import agent_stream
from game.formats.save import MAX_SAVE_BYTES, SAVE_FORMAT, SAVE_VERSION, SaveFile
from game.records.failures import AgentFailure
from game.records.report import Summary, summarise
from game.records.view import BidderView, build_view
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
    """Seconds a human seat has to bid each round; None is no timer. When it runs out, demand is maintained."""
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
        """A human seat's bids; raises :class:`~game.engine.rules.BidRefused` as the auction does."""
        self.auction.submit(bidder, bids, accept_penalty=accept_penalty)

    def maintain(self, bidder: str) -> None:
        """The round timer ran out: the seat submits nothing, which the auction treats as maintained demand.

        Nothing is submitted (rather than an empty bid) because in round 1 an empty bid
        would be refused for the obligation, while no bid at all is what the rules then
        penalise at the close of the round.
        """
        if not self.auction.has_submitted(bidder):
            self._timed_out.add((bidder, self.auction.round))

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
        if self.autosave_path is not None:
            self.save(self.autosave_path)
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
        return {
            "format": SAVE_FORMAT,
            "version": SAVE_VERSION,
            "scenario_sha256": self.scenario.sha256,
            "setup": self.setup.to_json(),
            "rounds": rounds,
        }

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
        return match

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
            parsed: dict[str, Bid] = {}
            for band, b in bids.items():
                if not isinstance(b, dict):
                    raise SaveError(f"{where}.bids.{bidder}.{band}: expected {{\"lots\": n, \"price_usd\": p}}")
                lots, price = b.get("lots"), b.get("price_usd")
                if not isinstance(lots, int) or isinstance(lots, bool) or (price is not None and not isinstance(price, int)):
                    raise SaveError(f"{where}.bids.{bidder}.{band}: lots and price_usd must be whole numbers")
                parsed[band] = Bid(band, lots, price)
            saved[bidder] = parsed
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
        posted = entry.get("posted_prices")
        if isinstance(posted, dict) and dict(result.posted_prices) != posted:
            raise SaveError(f"{where}: replaying round {result.round} gives different prices than were saved")


def default_save_path() -> Path:
    """Per-user autosave path; ``$SPECTRUM_AUCTION_SAVE`` overrides it."""
    override = os.environ.get(SAVE_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "spectrum-auction" / "autosave.json"
