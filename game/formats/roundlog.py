"""The round log's declared schema: one JSON object a line, a record per line.

A log is a ``header`` line, one ``round`` line per round in order (round 1,
2, ...), and an ``outcome`` line last; :func:`game.records.roundlog.replay`
checks that order and re-runs the auction. Never imports pygame.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from game.scenario.schema import MAX_COUNT, MAX_SEED, MAX_USD, Ident

MAX_LOG_BYTES = 200_000_000
"""Largest log read (a 500-round log of six bidders is a few MB)."""
MAX_LINE_BYTES = 5_000_000
"""Longest line of a log."""

Name = Ident
Usd = Annotated[int, Field(ge=0, le=MAX_USD)]
Lots = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Points = Annotated[int, Field(ge=0, le=MAX_USD)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ScenarioRef(_Record):
    id: Annotated[str, Field(max_length=200)]
    source: Annotated[str, Field(max_length=4096)]
    sha256: Annotated[str, Field(max_length=64)] = ""
    market: Annotated[str, Field(max_length=32)] | None = None
    """The scenario's market the private values were drawn from (None: the scenario's default)."""


class Header(_Record):
    """The first line: the scenario, the seed and the bidders (in seat order)."""

    type: Literal["header"]
    format: Annotated[int, Field(ge=0, le=MAX_COUNT)]
    scenario: ScenarioRef
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    bidders: Annotated[list[Name], Field(min_length=1, max_length=64)]


class LoggedBid(_Record):
    lots: Lots
    price_usd: Usd | None = None


class Step(_Record):
    bidder: Name
    band: Name
    from_: Lots = Field(alias="from")
    to: Lots
    requested: Lots
    price_usd: Usd


class UnappliedPart(_Record):
    bidder: Name
    band: Name
    requested: Lots
    processed: Lots
    price_usd: Usd
    rule: Annotated[str, Field(max_length=200)]
    message: Annotated[str, Field(max_length=10_000)]


class RoundLine(_Record):
    """One round: the bids as submitted, how they were processed, the prices posted."""

    type: Literal["round"]
    round: Annotated[int, Field(ge=1, le=MAX_COUNT)]
    start_prices: dict[Name, Usd]
    clock_prices: dict[Name, Usd]
    bids: dict[Name, dict[Name, LoggedBid]]
    accepted_penalty: list[Name]
    steps: list[Step]
    unapplied: list[UnappliedPart]
    processed: dict[Name, dict[Name, Lots]]
    aggregate_demand: dict[Name, Lots]
    posted_prices: dict[Name, Usd]
    eligibility: dict[Name, Points | None]
    excluded: list[Name]


class Outcome(_Record):
    """The last line: how the allocation stage ended, the prices, who won what and pays what."""

    type: Literal["outcome"]
    status: Literal["ended", "halted"]
    rounds: Annotated[int, Field(ge=0, le=MAX_COUNT)]
    prices: dict[Name, Usd]
    allocated: dict[Name, bool]
    lots: dict[Name, dict[Name, Lots]]
    payments: dict[Name, Usd]
    excluded: list[Name]
    forfeited_deposits: dict[Name, Usd]


Record = Annotated[Header | RoundLine | Outcome, Field(discriminator="type")]
RECORD: TypeAdapter[Header | RoundLine | Outcome] = TypeAdapter(Record)
RECORD_TYPES: dict[str, type[Header | RoundLine | Outcome]] = {"header": Header, "round": RoundLine, "outcome": Outcome}
