"""The scenario as values: bands, caps, rules, bidders and money terms, built from the validated file.

A :class:`Scenario` holds the static facts of one auction. It is the bottom
of the game's layers and imports nothing else of the game but units and the schema.
Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from game.scenario.checked import problem_list
from game.scenario.schema import AppliesTo, Duplex, InformationPolicy, ScenarioFile
from game.scenario.units import USD, Tenths

SCENARIO_DIR = Path(__file__).resolve().parent.parent.parent / "assets" / "scenarios"

INFORMATION_POLICIES: tuple[InformationPolicy, ...] = get_args(InformationPolicy)


class ScenarioError(ValueError):
    """A scenario file could not be used; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"scenario {source} has {len(problems)} problem(s):\n{problem_list(problems)}")


@dataclass(frozen=True)
class Band:
    """A band on sale: ``lots`` generic lots of ``lot_tenths`` each."""

    id: str
    name: str
    duplex: Duplex
    lots: int
    lot_tenths: Tenths
    base_price_usd_per_mhz: USD
    reserve_usd: USD
    eligibility_points: int
    low_band: bool
    positioning: bool

    @property
    def offered_tenths(self) -> Tenths:
        return self.lots * self.lot_tenths


@dataclass(frozen=True)
class Caps:
    """Spectrum caps in tenths of MHz, counting existing holdings."""

    overall: Tenths
    overall_basis: str
    low_band: Tenths
    low_band_bands: tuple[str, ...]
    per_band: Mapping[str, Tenths]


@dataclass(frozen=True)
class Obligation:
    """Round-1 obligation: minimum lots per band for the bidders it applies to."""

    applies_to: AppliesTo
    min_lots: Mapping[str, int]

    def applies(self, bidder: BidderProfile) -> bool:
        if self.applies_to == "all":
            return True
        if self.applies_to == "incumbents":
            return bidder.incumbent
        return False


@dataclass(frozen=True)
class ClockRules:
    increment_bp: int
    """Clock increment in basis points of the posted price (500 = 5%)."""
    price_step_usd: USD
    activity_requirement_percent: int
    initial_eligibility: int | None
    """None means unlimited."""
    max_rounds: int
    information_policy: InformationPolicy
    deposit_usd: USD
    success_threshold_percent: int
    obligation: Obligation


@dataclass(frozen=True)
class AssignmentRules:
    opening_price_usd: USD
    price_step_usd: USD
    max_rounds: int


@dataclass(frozen=True)
class PaymentTerms:
    moratorium_years: int
    min_upfront_percent: int
    instalments: int
    kibor_percent: Decimal
    markup_spread_percent: Decimal
    discount_rate_percent: Decimal


@dataclass(frozen=True)
class BidderProfile:
    id: str
    name: str
    incumbent: bool
    participates_by_default: bool
    holdings: Mapping[str, Tenths]
    """Existing spectrum per band id (bands on sale or not), both halves counted."""
    estimated_holdings: tuple[str, ...]
    """Band ids whose holding is an estimate, not a published figure."""
    source: str
    colour: str

    def holding(self, band_id: str) -> Tenths:
        return self.holdings.get(band_id, 0)

    @property
    def total_holdings(self) -> Tenths:
        return sum(self.holdings.values())


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    description: str
    source_path: str
    sha256: str
    bands: tuple[Band, ...]
    other_bands: Mapping[str, bool]
    """Bands not on sale that holdings may name: id -> counts toward the low band."""
    caps: Caps
    rules: ClockRules
    assignment: AssignmentRules
    payment: PaymentTerms
    exchange_rate_pkr_per_usd: Decimal
    bidders: tuple[BidderProfile, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    """The parsed TOML as read (tests and benchmarks copy it to make variants); read sections through ``file``."""
    file: ScenarioFile | None = field(default=None, repr=False, compare=False)
    """The file as validated against its schema: the optional sections (values, band plan) are read from here.

    None for a scenario built from facts alone (an agent's view of a protocol ``start`` message).
    """

    @property
    def band_ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.bands)

    def band(self, band_id: str) -> Band:
        for b in self.bands:
            if b.id == band_id:
                return b
        raise KeyError(band_id)

    def bidder(self, bidder_id: str) -> BidderProfile:
        for b in self.bidders:
            if b.id == bidder_id:
                return b
        raise KeyError(bidder_id)

    @property
    def bidder_ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.bidders)

    @property
    def default_bidders(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.bidders if b.participates_by_default)

    @property
    def offered_tenths(self) -> Tenths:
        return sum(b.offered_tenths for b in self.bands)

    @property
    def reserve_total_usd(self) -> USD:
        return sum(b.lots * b.reserve_usd for b in self.bands)


class Problems(list[str]):
    """Problems found in a file, each as "key.path: what is wrong", in the order found."""

    def add(self, path: str, message: str) -> None:
        self.append(f"{path}: {message}" if path else message)
