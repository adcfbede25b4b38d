"""The bid plan's declared schema: ``{"bidders": {"jazz": [ROUND1, ROUND2, ...], ...}}``.

A ROUND maps a band id to a number of lots, or to ``{"lots": N,
"price_usd": P}`` (an intra-round price point); ``"accept_penalty": true``
confirms a round-1 bid below the obligation. Which bidders and bands exist
depends on the scenario, so :func:`game.agents.plan.parse_plan` checks those
names after the schema. Never imports pygame.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from game.scenario.schema import MAX_COUNT, MAX_USD, Ident

MAX_PLAN_BYTES = 20_000_000
"""Largest plan file read."""
MAX_ROUNDS = 100_000
"""Longest plan a bidder may give (an auction is capped at a scenario's max_rounds)."""

Lots = Annotated[int, Field(ge=0, le=MAX_COUNT)]


class _Object(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class PricePoint(_Object):
    """An intra-round bid: lots demanded at a price between the round's start-of-round and clock prices."""

    lots: Lots
    price_usd: Annotated[int, Field(ge=0, le=MAX_USD)] | None = None


def _bid_kind(value: Any) -> str:
    # An object is a price point; anything else must be a number of lots (one message, not one per kind).
    return "price_point" if isinstance(value, dict | PricePoint) else "lots"


BandBid = Annotated[
    Annotated[Lots, Tag("lots")] | Annotated[PricePoint, Tag("price_point")], Discriminator(_bid_kind)
]


class PlanRound(_Object):
    """One round's bids: band id -> lots or a price point (bands left out maintain demand)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, BandBid] = Field(init=False)
    accept_penalty: bool = False


class PlanFile(_Object):
    """A bid plan: the bidders that take part and their bids round by round."""

    model_config = ConfigDict(title="Spectrum-auction bid plan (JSON)")

    bidders: dict[Ident, Annotated[list[PlanRound], Field(max_length=MAX_ROUNDS)]]
    notes: str | list[str] = ""
