"""The scenario as values: bands, caps, rules, bidders and money terms, and the problem-collecting reader.

A :class:`Scenario` holds the static facts of one auction. It is the bottom
of the game's layers and imports nothing else of the game but units.
Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, TypeVar

from game.scenario.checked import problem_list
from game.scenario.units import USD, Tenths, tenths_from_mhz

SCENARIO_DIR = Path(__file__).resolve().parent.parent.parent / "assets" / "scenarios"

InformationPolicy = Literal["aggregate", "excess-only"]
INFORMATION_POLICIES: tuple[InformationPolicy, ...] = ("aggregate", "excess-only")


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
    duplex: Literal["FDD", "TDD"]
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

    applies_to: Literal["incumbents", "all", "none"]
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
    """The parsed TOML, for optional sections read by other modules (values, band plan)."""

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


# ---------------------------------------------------------------- loading

T = TypeVar("T")


class _Reader:
    """Typed access to a TOML tree that records every problem with its key path."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def table(self, parent: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> dict[str, Any]:
        full = f"{path}.{key}" if path else key
        if key not in parent:
            if required:
                self.problem(full, "missing table")
            return {}
        value = parent[key]
        if not isinstance(value, dict):
            self.problem(full, f"must be a table, found {type(value).__name__}")
            return {}
        return value

    def entries(
        self, table: Mapping[str, Any], path: str, known: Collection[str], unknown: str
    ) -> Iterator[tuple[str, dict[str, Any], str]]:
        """(key, sub-table, its key path) for each key of ``table`` in ``known`` whose value is a table.

        The others are recorded as problems: ``unknown`` for a key not in
        ``known`` (say which ones are), "must be a table" for any other value.
        """
        for key, sub in table.items():
            sub_path = f"{path}.{key}"
            if key not in known:
                self.problem(sub_path, unknown)
            elif not isinstance(sub, dict):
                self.problem(sub_path, "must be a table")
            else:
                yield key, sub, sub_path

    def only(self, table: Mapping[str, Any], path: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.problem(f"{path}.{key}" if path else key, f"unknown key (known keys: {known})")

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        kind: type[T] | tuple[type, ...],
        default: T | None = None,
        *,
        required: bool = True,
    ) -> Any:
        full = f"{path}.{key}" if path else key
        if key not in table:
            if required and default is None:
                self.problem(full, "missing")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; a TOML true is never a number here.
        if isinstance(value, bool) and bool not in kinds:
            self.problem(full, f"must be {_kind_name(kinds)}, found a boolean")
            return default
        if not isinstance(value, kinds):
            self.problem(full, f"must be {_kind_name(kinds)}, found {type(value).__name__} {value!r}")
            return default
        return value

    def non_negative_int(self, table: Mapping[str, Any], key: str, path: str, default: int | None = None) -> int:
        value = self.get(table, key, path, int, default)
        if value is None:
            return 0
        if value < 0:
            self.problem(f"{path}.{key}", f"must not be negative, found {value}")
        return int(value)

    def positive_int(self, table: Mapping[str, Any], key: str, path: str, default: int | None = None) -> int:
        value = self.get(table, key, path, int, default)
        if value is None:
            return 1
        if value <= 0:
            self.problem(f"{path}.{key}", f"must be positive, found {value}")
            return 1
        return int(value)

    def tenths(self, table: Mapping[str, Any], key: str, path: str) -> Tenths:
        value = self.get(table, key, path, (int, float))
        if value is None:
            return 0
        return self.as_tenths(value, f"{path}.{key}")

    def as_tenths(self, value: Any, full: str) -> Tenths:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(full, f"must be a number of MHz, found {value!r}")
            return 0
        try:
            result = tenths_from_mhz(value)
        except ValueError:
            self.problem(full, f"{value} MHz is finer than the 0.1 MHz this engine counts in")
            return 0
        if result < 0:
            self.problem(full, f"must not be negative, found {value} MHz")
            return 0
        return result

    def decimal(self, table: Mapping[str, Any], key: str, path: str, default: str | None = None) -> Decimal:
        value = self.get(table, key, path, (int, float, str), default)
        if value is None:
            return Decimal(0)
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            self.problem(f"{path}.{key}", f"must be a number, found {value!r}")
            return Decimal(0)
        if result < 0 or not result.is_finite():
            self.problem(f"{path}.{key}", f"must be a non-negative number, found {value!r}")
        return result

    def choice(self, table: Mapping[str, Any], key: str, path: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = self.get(table, key, path, str, default)
        if value is None:
            return options[0]
        if value not in options:
            self.problem(f"{path}.{key}", f"must be one of {', '.join(options)}, found {value!r}")
            return options[0]
        return str(value)


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def reader_for(source: str) -> _Reader:
    """A problem-collecting reader, for modules that validate optional sections."""
    return _Reader(source)


def section(scenario: Scenario, key: str) -> Mapping[str, Any]:
    """An optional top-level TOML table (``values``, ``band_plan``), or ``{}``."""
    value = scenario.raw.get(key, {})
    return value if isinstance(value, dict) else {}
