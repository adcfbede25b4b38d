"""The desktop game's save file, declared: what ``Match.save`` writes and ``Match.load`` resumes.

``{"format": "spectrum-auction-save", "version": 1, "scenario_sha256": ...,
"setup": {...}, "rounds": [{"round", "bids", "accept_penalty",
"posted_prices"}, ...]}``, and optionally ``pending`` (the human bids
accepted in the open round, so a hot-seat game killed mid-round loses
none), ``positioning`` (the human seats' asks of the assignment stage) and
``told_excluded`` (seats already told they were excluded). A game is
resumed by replaying its rounds, so a save holds the setup and the bids,
never the derived state. To add a key,
add an optional field here (with its default) and write it in
``Match.to_json``; unknown keys are refused. Never imports pygame.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from game.scenario.schema import MAX_COUNT, MAX_SEED, MAX_USD, Ident

SAVE_FORMAT = "spectrum-auction-save"
SAVE_VERSION = 1
MAX_SAVE_BYTES = 50_000_000

Name = Ident


class _Object(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class SavedSeat(_Object):
    bidder: Name
    controller: Annotated[str, Field(min_length=1, max_length=4096, description='"human" or a strategy spec')]


class SavedSetup(_Object):
    scenario: Annotated[str, Field(min_length=1, max_length=4096, description="shipped scenario name or path")]
    seats: Annotated[list[SavedSeat], Field(min_length=1, max_length=64)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    round_timer_s: Annotated[int, Field(gt=0, le=MAX_COUNT)] | None = None
    information_policy: Literal["aggregate", "excess-only"] | None = None
    market: Annotated[Name, Field(description="the scenario's market of private values; absent is its default")] | None = None


class SavedBid(_Object):
    lots: Annotated[int, Field(ge=0, le=MAX_COUNT)]
    price_usd: Annotated[int, Field(ge=0, le=MAX_USD)] | None = None


class SavedRound(_Object):
    round: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = None
    bids: dict[Name, dict[Name, SavedBid]]
    accept_penalty: list[Name] = []
    posted_prices: dict[Name, Annotated[int, Field(ge=0, le=MAX_USD)]] | None = None


class SavedPending(_Object):
    """Bids the human seats had submitted in the open round when the game was saved."""

    round: Annotated[int, Field(ge=1, le=MAX_COUNT)]
    bids: dict[Name, dict[Name, SavedBid]] = {}
    accept_penalty: list[Name] = []
    timed_out: Annotated[list[Name], Field(description="human seats whose round timer ran out in the open round")] = []


Position = Annotated[int, Field(ge=0, le=MAX_COUNT, description="order slot, 0 is the bottom block")]
Asks = dict[Name, dict[Name, Position | None]]
"""bidder -> band -> the position asked for, or null for none."""


class SavedPositioning(_Object):
    """The human seats' asks in the assignment stage: each closed round's, and the open round's so far."""

    rounds: list[Asks] = []
    pending: Asks = {}


class SaveFile(_Object):
    """A saved desktop game."""

    model_config = ConfigDict(title="Spectrum-auction saved game (JSON)")

    format: Literal["spectrum-auction-save"]
    version: Literal[1]
    scenario_sha256: Annotated[str, Field(max_length=64)] = ""
    setup: SavedSetup
    rounds: list[SavedRound]
    pending: SavedPending | None = None
    positioning: SavedPositioning | None = None
    told_excluded: Annotated[list[Name], Field(description="seats already told they were excluded")] = []
