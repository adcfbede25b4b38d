"""Bidder protocol v1: the messages, declared once, and the engine's messages built from a bidder's view.

Newline-delimited JSON: one object per line, each with a ``type``. The engine
sends ``start`` (once per auction), ``round`` (each round the bidder is asked
to bid), ``result`` (its processed demand after each round), ``end`` (its
outcome) and ``quit`` (no more auctions). The agent sends ``hello`` once when
it starts, ``ready`` after each ``start``, ``bids`` after each ``round``, and
may send ``error``. The models here are the schema (``docs/PROTOCOL.md``,
``game/protocol/schemas/*.json``); the builders read only a
:class:`~game.records.view.BidderView`, the public scenario and the bidder's own
values, so a message carries nothing a bidder may not see. Money is whole US
dollars; MHz are numbers with at most one decimal (both halves of paired
spectrum counted). Never imports pygame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from game.economics.values import Valuation
from game.engine.allocation import AllocationOutcome
from game.records.view import BidderView
from game.scenario import Scenario

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 1_000_000
"""Longest line either side accepts; a longer one is an ``invalid`` message."""

BandId = Annotated[str, Field(min_length=1, max_length=32)]
Lots = Annotated[int, Field(ge=0, le=1_000_000)]
Usd = Annotated[int, Field(ge=0, le=10**15)]
Mhz = Annotated[float, Field(allow_inf_nan=False)]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# ---------------------------------------------------------------- engine -> agent


class BandFacts(_Message):
    id: str
    name: str
    duplex: Literal["FDD", "TDD"]
    lots: int
    lot_mhz: Mhz
    reserve_usd: int
    eligibility_points: int
    low_band: bool


class CapsFacts(_Message):
    overall_mhz: Mhz
    low_band_mhz: Mhz
    low_band_bands: list[str]
    band_mhz: dict[str, Mhz]


class RulesFacts(_Message):
    increment_percent: float
    price_step_usd: int
    activity_requirement_percent: int
    initial_eligibility: int | None
    max_rounds: int
    deposit_usd: int
    obligation_applies_to: Literal["incumbents", "all", "none"]
    obligation_min_lots: dict[str, int]


class ScenarioFacts(_Message):
    id: str
    name: str
    information_policy: Literal["aggregate", "excess-only"]
    bands: list[BandFacts]
    caps: CapsFacts
    rules: RulesFacts
    bidders: list[str]
    """Every bidder in this auction (ids only)."""


class OwnValues(_Message):
    band_values_usd: dict[str, list[int]]
    """Per band, the value of holding n lots, n = 0..supply (index 0 is 0)."""
    budget_usd: int


class TimeLimits(_Message):
    round_seconds: float | None
    """Wall-clock time to answer a ``round`` (None: no limit); past it the seat maintains its demand."""
    cpu_seconds: float | None
    memory_mb: int | None


class Start(_Message):
    type: Literal["start"] = "start"
    protocol: int = PROTOCOL_VERSION
    auction_id: str
    bidder: str
    incumbent: bool
    scenario: ScenarioFacts
    holdings_mhz: dict[str, Mhz]
    values: OwnValues
    limits: TimeLimits
    seed: Annotated[int, Field(ge=0, lt=2**63)] | None = None
    """Seed for the agent's own randomness in this auction (drawn from the seat's own generator: it says nothing
    about the auction's seed or anyone's values). Use it, and nothing else, so that a tournament repeats exactly."""


class BandState(_Message):
    id: str
    supply: int
    start_price_usd: int
    """Start-of-round price: last round's posted price (the reserve in round 1)."""
    clock_price_usd: int
    aggregate_demand: int | None
    """Last round's aggregate demand; None under the excess-only policy and before round 1 closes."""
    excess_demand: bool | None
    processed: int
    """This bidder's processed demand: the lots it holds now."""


class UnappliedPart(_Message):
    band: str
    requested: int
    processed: int
    price_usd: int
    rule: str
    message: str


class OwnStepPart(_Message):
    band: str
    from_lots: int
    to_lots: int
    requested: int
    price_usd: int
    """The price point the change was processed at."""


class LastRoundState(_Message):
    round: int
    submitted: dict[str, int]
    processed: dict[str, int]
    unapplied: list[UnappliedPart]
    posted_prices_usd: dict[str, int]
    price_changes_usd: dict[str, int]
    steps: list[OwnStepPart] | None = None
    """Your own changes in processing order, each with the price point it was processed at (optional in v1)."""
    price_points_usd: dict[str, int] | None = None
    """The price point of each of your bids, by band you named (the clock price when you gave none; optional in v1)."""


class Round(_Message):
    type: Literal["round"] = "round"
    auction_id: str
    round: int
    status: str
    excluded: bool
    information_policy: Literal["aggregate", "excess-only"]
    bands: list[BandState]
    eligibility: int | None
    """Eligibility points for this round; None means unlimited."""
    activity: int
    exposure_usd: int
    cap_headroom_mhz: dict[str, Mhz]
    """MHz left under each cap given the processed demand: 'overall', 'low band', then per capped band."""
    obligation: dict[str, int]
    """Round-1 minimum lots per band this bidder must meet (empty when none applies)."""
    last_round: LastRoundState | None
    price_history_usd: dict[str, list[int]]
    demand_history: dict[str, list[int]] | None


class Result(_Message):
    type: Literal["result"] = "result"
    auction_id: str
    round: int
    processed: dict[str, int]
    unapplied: list[UnappliedPart]
    posted_prices_usd: dict[str, int]
    excluded: bool


class End(_Message):
    type: Literal["end"] = "end"
    auction_id: str
    status: str
    rounds: int
    lots: dict[str, int]
    mhz: Mhz
    payment_usd: int
    excluded: bool
    forfeited_deposit_usd: int
    value_usd: int
    utility_usd: int
    """Value of the lots won minus the payment and any forfeited deposit (allocation stage)."""


class Quit(_Message):
    type: Literal["quit"] = "quit"


# ---------------------------------------------------------------- agent -> engine


class Hello(_Message):
    type: Literal["hello"]
    protocol: Annotated[int, Field(ge=1, le=1000)]
    name: Annotated[str, Field(max_length=200)] = ""
    strategies: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=1000)] | None = None
    """Strategy names the program can play (the Python module worker lists its Agent classes); optional."""


class Ready(_Message):
    type: Literal["ready"]
    auction_id: Annotated[str, Field(max_length=200)]


class BandBid(_Message):
    lots: Lots
    price_usd: Usd | None = None
    """Price point of a change, between the start-of-round and clock price on the price step; None: the clock price."""


class Bids(_Message):
    type: Literal["bids"]
    round: Annotated[int, Field(ge=1, le=1_000_000)]
    bids: Annotated[dict[BandId, Lots | BandBid], Field(max_length=64)] = Field(default_factory=dict)
    """Lots per band (a number, or {"lots": N, "price_usd": P}); bands left out maintain their demand."""
    accept_penalty: bool = False


class AgentError(_Message):
    type: Literal["error"]
    message: Annotated[str, Field(max_length=10_000)] = ""


AgentMessage = Annotated[Hello | Ready | Bids | AgentError, Field(discriminator="type")]
EngineMessage = Annotated[Start | Round | Result | End | Quit, Field(discriminator="type")]
_AGENT: TypeAdapter[Hello | Ready | Bids | AgentError] = TypeAdapter(AgentMessage)
_ENGINE: TypeAdapter[Start | Round | Result | End | Quit] = TypeAdapter(EngineMessage)


class ProtocolError(ValueError):
    """A line that is not a valid protocol message; the message says why (input quoted short)."""


def quote(text: str | bytes, limit: int = 120) -> str:
    """User input cut to a readable length for an error message."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


def parse_agent_message(line: str | bytes) -> Hello | Ready | Bids | AgentError:
    """One line from an agent, checked against the schema; :class:`ProtocolError` lists every problem."""
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"line of {len(line)} bytes is longer than {MAX_LINE_BYTES}")
    try:
        return _AGENT.validate_json(line)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(message)'}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise ProtocolError(f"not a protocol message ({problems}): {quote(line)}") from None


def parse_engine_message(line: str | bytes) -> Start | Round | Result | End | Quit:
    """One line from the engine, checked (for clients and tests)."""
    return _ENGINE.validate_json(line)


def dumps(message: Mapping[str, Any]) -> str:
    """One message as a line of compact JSON (no trailing newline)."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


def json_schemas() -> dict[str, dict[str, Any]]:
    """A JSON Schema per message type, and one for each direction."""
    schemas: dict[str, dict[str, Any]] = {
        "engine-to-agent": _ENGINE.json_schema(),
        "agent-to-engine": _AGENT.json_schema(),
    }
    models: dict[str, type[_Message]] = {
        "start": Start, "round": Round, "result": Result, "end": End, "quit": Quit,
        "hello": Hello, "ready": Ready, "bids": Bids, "error": AgentError,
    }
    for name, model in models.items():
        schemas[name] = model.model_json_schema()
    return schemas


# ---------------------------------------------------------------- building the engine's messages


def _mhz(tenths: int) -> float:
    return tenths / 10


def scenario_facts(scenario: Scenario, bidders: list[str]) -> dict[str, Any]:
    """The scenario's public facts (what every bidder may know before the auction)."""
    rules = scenario.rules
    caps = scenario.caps
    return {
        "id": scenario.id,
        "name": scenario.name,
        "information_policy": rules.information_policy,
        "bands": [
            {
                "id": b.id,
                "name": b.name,
                "duplex": b.duplex,
                "lots": b.lots,
                "lot_mhz": _mhz(b.lot_tenths),
                "reserve_usd": b.reserve_usd,
                "eligibility_points": b.eligibility_points,
                "low_band": b.low_band,
            }
            for b in scenario.bands
        ],
        "caps": {
            "overall_mhz": _mhz(caps.overall),
            "low_band_mhz": _mhz(caps.low_band),
            "low_band_bands": list(caps.low_band_bands),
            "band_mhz": {k: _mhz(v) for k, v in caps.per_band.items()},
        },
        "rules": {
            "increment_percent": rules.increment_bp / 100,
            "price_step_usd": rules.price_step_usd,
            "activity_requirement_percent": rules.activity_requirement_percent,
            "initial_eligibility": rules.initial_eligibility,
            "max_rounds": rules.max_rounds,
            "deposit_usd": rules.deposit_usd,
            "obligation_applies_to": rules.obligation.applies_to,
            "obligation_min_lots": dict(rules.obligation.min_lots),
        },
        "bidders": list(bidders),
    }


def start_message(
    scenario: Scenario,
    *,
    auction_id: str,
    bidder: str,
    bidders: list[str],
    values: Valuation | None,
    round_seconds: float | None = None,
    cpu_seconds: float | None = None,
    memory_mb: int | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    profile = scenario.bidder(bidder)
    message: dict[str, Any] = {
        "type": "start",
        "protocol": PROTOCOL_VERSION,
        "auction_id": auction_id,
        "bidder": bidder,
        "incumbent": profile.incumbent,
        "scenario": scenario_facts(scenario, bidders),
        "holdings_mhz": {k: _mhz(v) for k, v in profile.holdings.items()},
        "values": {
            "band_values_usd": {k: list(v) for k, v in values.band_values.items()} if values is not None else {},
            "budget_usd": values.budget_usd if values is not None else 0,
        },
        "limits": {"round_seconds": round_seconds, "cpu_seconds": cpu_seconds, "memory_mb": memory_mb},
    }
    if seed is not None:
        message["seed"] = seed
    return message


def _unapplied(view_unapplied: Any) -> list[dict[str, Any]]:
    return [
        {"band": u.band, "requested": u.requested, "processed": u.processed, "price_usd": u.price_usd, "rule": u.rule, "message": u.message}
        for u in view_unapplied
    ]


def round_message(view: BidderView, *, auction_id: str) -> dict[str, Any]:
    """Exactly what ``view`` shows, as a ``round`` message (built from the view and nothing else)."""
    last = view.last_round
    return {
        "type": "round",
        "auction_id": auction_id,
        "round": view.round,
        "status": view.status,
        "excluded": view.excluded,
        "information_policy": view.information_policy,
        "bands": [
            {
                "id": b.id,
                "supply": b.supply,
                "start_price_usd": b.start_price,
                "clock_price_usd": b.clock_price,
                "aggregate_demand": b.aggregate_demand,
                "excess_demand": b.excess_demand,
                "processed": b.processed,
            }
            for b in view.bands
        ],
        "eligibility": view.eligibility,
        "activity": view.activity,
        "exposure_usd": view.exposure_usd,
        "cap_headroom_mhz": {k: _mhz(v) for k, v in view.cap_headroom.items()},
        "obligation": dict(view.obligation),
        "last_round": None
        if last is None
        else {
            "round": last.round,
            "submitted": dict(last.submitted),
            "processed": dict(last.processed),
            "unapplied": _unapplied(last.unapplied),
            "posted_prices_usd": dict(last.posted_prices),
            "price_changes_usd": dict(last.price_changes),
            "steps": [
                {"band": t.band, "from_lots": t.from_lots, "to_lots": t.to_lots, "requested": t.requested,
                 "price_usd": t.price_usd}
                for t in last.steps
            ],
            "price_points_usd": dict(last.price_points),
        },
        "price_history_usd": {k: list(v) for k, v in view.price_history.items()},
        "demand_history": {k: list(v) for k, v in view.demand_history.items()} if view.demand_history is not None else None,
    }


def result_message(view: BidderView, *, auction_id: str) -> dict[str, Any]:
    """The bidder's processed demand after the round that just closed (``view`` built after closing it)."""
    last = view.last_round
    assert last is not None, "result_message needs a view built after a round closed"
    return {
        "type": "result",
        "auction_id": auction_id,
        "round": last.round,
        "processed": dict(last.processed),
        "unapplied": _unapplied(last.unapplied),
        "posted_prices_usd": dict(last.posted_prices),
        "excluded": view.excluded,
    }


def end_message(
    outcome: AllocationOutcome, *, auction_id: str, bidder: str, lot_tenths: Mapping[str, int], values: Valuation | None
) -> dict[str, Any]:
    """The bidder's own outcome of the allocation stage (lots, MHz, payment, its value and utility)."""
    lots = {k: int(v) for k, v in outcome.lots.get(bidder, {}).items()}
    payment = int(outcome.payments.get(bidder, 0))
    forfeited = int(outcome.forfeited_deposits.get(bidder, 0))
    value = values.value(lots) if values is not None else 0
    return {
        "type": "end",
        "auction_id": auction_id,
        "status": outcome.status,
        "rounds": outcome.rounds,
        "lots": lots,
        "mhz": _mhz(sum(n * lot_tenths[k] for k, n in lots.items())),
        "payment_usd": payment,
        "excluded": bidder in outcome.excluded,
        "forfeited_deposit_usd": forfeited,
        "value_usd": value,
        "utility_usd": value - payment - forfeited,
    }


QUIT: dict[str, Any] = {"type": "quit"}
