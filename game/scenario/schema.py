"""The scenario file's declared schema: every table and key of ``assets/scenarios/*.toml``, with types and bounds.

This is the format's one declaration: :func:`game.scenario.parse_scenario`
checks every tree against it (unknown keys, missing keys, wrong types,
NaN/inf, out-of-range numbers, names of undeclared bands and bidders) and
builds the scenario from the validated models, with the defaults declared
here; ``docs/schemas/scenario.json`` is exported from it. What a schema
cannot say -- a band's reserve matching its base price, holdings within the
caps, ranges that do not overlap -- the loader checks afterwards, as
functions over these models (:mod:`game.scenario.load`,
:mod:`game.scenario.value_params`, :mod:`game.scenario.band_plan`). Layer 1:
imports nothing else of the game; never imports pygame.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

MAX_USD = 10**15
"""Largest sum of money in any file (a thousand times Pakistan's whole spectrum budget)."""
MAX_COUNT = 1_000_000
"""Largest count (lots, rounds, points per lot, instalments)."""
MAX_MHZ = 1_000_000.0
MAX_SEED = 2**64 - 1
"""Largest seed a file may record (numpy takes any, but a seed is 64 bits wherever it is derived)."""

Usd = Annotated[int, Field(ge=0, le=MAX_USD, description="whole US dollars")]
PositiveUsd = Annotated[int, Field(gt=0, le=MAX_USD, description="whole US dollars")]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
PositiveCount = Annotated[int, Field(gt=0, le=MAX_COUNT)]
Percent = Annotated[int, Field(gt=0, le=100)]
Mhz = Annotated[float, Field(ge=0, le=MAX_MHZ, allow_inf_nan=False, description="MHz, to 0.1 MHz")]
Number = Annotated[float, Field(ge=0, le=MAX_USD, allow_inf_nan=False)]
DecimalText = Annotated[str, Field(max_length=40, pattern=r"^\s*[0-9]+(\.[0-9]+)?\s*$", description="a decimal number as a string")]
# An integer stays an integer (5 reads as Decimal("5"), not "5.0").
Rate = Annotated[int, Field(ge=0, le=MAX_USD)] | Annotated[float, Field(ge=0, le=MAX_USD, allow_inf_nan=False)] | DecimalText
Notes = Annotated[str, Field(max_length=10_000)]
Name = Annotated[str, Field(max_length=200)]
Ident = Annotated[str, Field(min_length=1, max_length=64, description="a band or bidder id")]
"""A band or bidder id, here and in every file that names one (plans, logs, saves)."""

Duplex = Literal["FDD", "TDD"]
AppliesTo = Literal["incumbents", "all", "none"]
"""Whom the round-1 obligation binds."""
InformationPolicy = Literal["aggregate", "excess-only"]
Shape = Literal["concave", "coverage", "threshold"]
"""How a band's value grows with the MHz held (docs/VALUES.md)."""

# ---------------------------------------------------------------- names that refer to other parts of the file
# A scenario validated with ``context=references(tree)`` checks that each key naming a band or a bidder names one
# the file declares; without that context (another file's schema, the JSON Schema export) any id is taken.


def references(tree: Any) -> dict[str, list[str]]:
    """The names a scenario tree declares, as validation context: bands on sale, other bands, bidders."""
    refs: dict[str, list[str]] = {}
    if isinstance(tree, dict):
        bands = tree.get("bands")
        if isinstance(bands, list):
            refs["bands"] = [b["id"] for b in bands if isinstance(b, dict) and isinstance(b.get("id"), str)]
        others = tree.get("other_bands", {})
        if isinstance(others, dict) and "bands" in refs:
            refs["held_bands"] = refs["bands"] + [k for k in others if k not in refs["bands"]]
        bidders = tree.get("bidders")
        if isinstance(bidders, dict):
            refs["bidders"] = list(bidders)
    return refs


def _reference(kind: str, message: str) -> Any:
    def check(value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get(kind)
        if known is not None and value not in known:
            raise PydanticCustomError("unknown_" + kind, message, {"known": ", ".join(known)})
        return value

    return AfterValidator(check)


BandRef = Annotated[Ident, _reference("bands", "unknown band (bands on sale: {known})")]
"""The id of a band on sale."""
HeldBandRef = Annotated[
    Ident, _reference("held_bands", "unknown band (declare bands not on sale under [other_bands]; known: {known})")
]
"""The id of a band on sale or of one under ``[other_bands]``."""
BidderRef = Annotated[Ident, _reference("bidders", "unknown bidder (bidders: {known})")]
"""The id of a bidder of ``[bidders]``."""


def _one_range(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # One message for the pair, as a reader would say it, rather than one per element.
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError("range", "must be [from, to] in MHz") from None


def _range_list(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if not isinstance(value, list) or not value:
        raise PydanticCustomError("ranges", "must be a non-empty list of [from, to] ranges in MHz")
    return handler(value)


Range = Annotated[list[Mhz], Field(min_length=2, max_length=2, description="[from, to] in MHz"), WrapValidator(_one_range)]
Ranges = Annotated[list[Range], Field(min_length=1), WrapValidator(_range_list)]


class _Table(BaseModel):
    # strict: a TOML "1000" is not the integer 1000, and true is not 1.
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, populate_by_name=True)


class ScenarioMeta(_Table):
    id: Name
    name: Name
    description: Annotated[str, Field(max_length=10_000)] = ""
    notes: Notes = ""


class Obligation(_Table):
    applies_to: AppliesTo
    min_lots: dict[BandRef, Count]
    notes: Notes = ""


class Rules(_Table):
    increment_percent: Rate = Field(description="of the posted price; at most two decimals")
    price_step_usd: PositiveUsd = 1000
    activity_requirement_percent: Percent = 100
    initial_eligibility: Literal["unlimited"] | Annotated[int, Field(ge=0, le=MAX_USD)] = "unlimited"
    max_rounds: PositiveCount = 500
    information_policy: InformationPolicy = "aggregate"
    deposit_usd: Usd = 0
    success_threshold_percent: Percent = 50
    round1_obligation: Obligation | None = None
    notes: Notes = ""


class Caps(_Table):
    overall_mhz: Mhz
    overall_basis: Notes = ""
    low_band_mhz: Mhz
    low_band_bands: list[HeldBandRef] = Field(default=[], description="every band marked low_band = true")
    band_mhz: dict[BandRef, Mhz] = {}
    notes: Notes = ""


class Band(_Table):
    id: Ident
    name: Name = Field(default="", description='default: "<id> MHz"')
    duplex: Duplex
    lots: PositiveCount
    lot_mhz: Mhz
    offered_mhz: Mhz
    base_price_usd_per_mhz: PositiveUsd
    reserve_usd: PositiveUsd
    eligibility_points: PositiveCount
    low_band: bool = False
    positioning: bool = False
    notes: Notes = ""


class OtherBand(_Table):
    low_band: bool = False
    notes: Notes = ""


class Bidder(_Table):
    name: Name = Field(default="", description="default: the bidder's id")
    incumbent: bool = False
    participates: bool = True
    holdings_mhz: dict[HeldBandRef, Mhz] = {}
    estimated: list[Ident] = []
    source: Notes = ""
    colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#808080"
    notes: Notes = ""
    profile: Notes = ""


class Money(_Table):
    exchange_rate_pkr_per_usd: Rate
    exchange_rate_basis: Notes = ""
    moratorium_years: Count = 1
    min_upfront_percent: Percent = 50
    instalments: PositiveCount = 5
    kibor_percent: Rate
    markup_spread_percent: Rate = "3"
    discount_rate_percent: Rate = "12"
    notes: Notes = ""


class Assignment(_Table):
    opening_price_usd: Usd = 0
    price_step_usd: PositiveUsd = 100_000
    max_rounds: PositiveCount = 200
    notes: Notes = ""


class BandValues(_Table):
    shape: Shape
    usd_per_mhz: Usd
    decay_percent: Annotated[float, Field(ge=0, lt=100, allow_inf_nan=False)] | None = Field(
        default=None, description="default: the built-in figure of the band (game/scenario/value_params.py), else 10"
    )
    coverage_usd: Usd = 0
    threshold_mhz: Number | None = Field(default=None, description="needed by shape 'threshold'")
    width_mhz: Annotated[float, Field(gt=0, le=MAX_MHZ, allow_inf_nan=False)] = 10.0
    below_threshold_percent: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 100.0
    notes: Notes = ""


class Profile(_Table):
    market_share_percent: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = Field(
        default=None, description="default: values.reference_share_percent"
    )
    subscribers_m: Number | None = Field(default=None, description="default: values.reference_subscribers_m")
    budget_usd: Usd | None = Field(default=None, description="default: values.default_budget_usd")
    appetite: dict[BandRef, Number] = {}
    notes: Notes = ""


def _market_name(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # The reader's words (game/scenario/value_params.py) rather than the pattern itself.
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError("market_name", "a market's name must be short and lower-case (a-z, 0-9, _ or -)") from None


MarketName = Annotated[
    str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$", description="a market's name"), WrapValidator(_market_name)
]


class BandValuesChange(_Table):
    """A market's change to one band's value parameters: only the fields it names."""

    shape: Shape | None = None
    usd_per_mhz: Usd | None = None
    decay_percent: Annotated[float, Field(ge=0, lt=100, allow_inf_nan=False)] | None = None
    coverage_usd: Usd | None = None
    threshold_mhz: Number | None = None
    width_mhz: Annotated[float, Field(gt=0, le=MAX_MHZ, allow_inf_nan=False)] | None = None
    below_threshold_percent: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    notes: Notes = ""


class ProfileChange(_Table):
    """A market's change to one operator's profile: only the fields it names."""

    market_share_percent: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    subscribers_m: Number | None = None
    budget_usd: Usd | None = None
    appetite: dict[BandRef, Number] | None = None
    notes: Notes = ""


class Market(_Table):
    """``[values.markets.NAME]``: a market as changes to ``[values]`` (docs/VALUES.md)."""

    reference_share_percent: Annotated[float, Field(gt=0, le=MAX_USD, allow_inf_nan=False)] | None = None
    reference_subscribers_m: Annotated[float, Field(gt=0, le=MAX_USD, allow_inf_nan=False)] | None = None
    noise_percent: Number | None = None
    threshold_noise_percent: Number | None = None
    budget_noise_percent: Number | None = None
    default_budget_usd: Usd | None = None
    obligation_worth_reserve: bool | None = None
    bands: dict[BandRef, BandValuesChange] = {}
    profiles: dict[BidderRef, ProfileChange] = {}
    notes: Notes = ""


class Values(_Table):
    """The private-value model's parameters (docs/VALUES.md)."""

    reference_share_percent: Annotated[float, Field(gt=0, le=MAX_USD, allow_inf_nan=False)] = 100 / 3
    reference_subscribers_m: Annotated[float, Field(gt=0, le=MAX_USD, allow_inf_nan=False)] = 60.0
    noise_percent: Number = 20.0
    threshold_noise_percent: Number = 15.0
    budget_noise_percent: Number = 12.0
    default_budget_usd: Usd = 200_000_000
    obligation_worth_reserve: bool = False
    """Each incumbent values its round-1 obligation at least at its reserve cost."""
    default_market: MarketName = "calibrated"
    """The name of the market this section itself describes."""
    markets: dict[MarketName, Market] = {}
    bands: dict[BandRef, BandValues] = {}
    profiles: dict[BidderRef, Profile] = {}
    notes: Notes = ""


def _only(duplex: Duplex, *, required: bool = False) -> dict[str, Any]:
    # Which bands a [band_plan] key belongs to; game/scenario/band_plan.py reads this, and the JSON Schema shows it.
    return {"x-duplex": duplex, "x-required": True} if required else {"x-duplex": duplex}


class BandFrequencies(_Table):
    """One band's frequencies: FDD bands give uplink and downlink ranges, TDD bands one range.

    A key marked ``x-duplex`` belongs to bands of that duplex only (and is
    needed there when marked ``x-required``); the others belong to both.
    """

    standard: Notes = ""
    band_uplink_mhz: Range | None = Field(default=None, json_schema_extra=_only("FDD"))
    band_downlink_mhz: Range | None = Field(default=None, json_schema_extra=_only("FDD"))
    uplink_mhz: Range | None = Field(default=None, json_schema_extra=_only("FDD", required=True))
    downlink_mhz: Range | None = Field(default=None, json_schema_extra=_only("FDD", required=True))
    band_mhz: Range | None = Field(default=None, json_schema_extra=_only("TDD"))
    range_mhz: Range | None = Field(default=None, json_schema_extra=_only("TDD", required=True))
    estimated: bool = False
    holdings_downlink_mhz: dict[BidderRef, Ranges] = Field(default={}, json_schema_extra=_only("FDD"))
    holdings_mhz: dict[BidderRef, Ranges] = Field(default={}, json_schema_extra=_only("TDD"))
    holdings_estimated: bool = False
    notes: Notes = ""


def frequency_keys(duplex: str) -> tuple[list[str], list[str]]:
    """(keys a ``[band_plan]`` table of a band of this duplex may give, keys it must give), from the declaration."""
    allowed: list[str] = []
    required: list[str] = []
    for name, info in BandFrequencies.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if extra.get("x-duplex", duplex) == duplex:
            allowed.append(name)
            if extra.get("x-required"):
                required.append(name)
    return allowed, required


class BandPlan(_Table):
    """Per band id on sale, its frequencies (``[band_plan."2600"]``)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, BandFrequencies] = Field(init=False)
    notes: Notes = ""


class ScenarioFile(_Table):
    """A scenario: ``assets/scenarios/*.toml``."""

    model_config = ConfigDict(title="Spectrum-auction scenario (TOML)")

    scenario: ScenarioMeta
    rules: Rules
    caps: Caps
    bands: Annotated[list[Band], Field(min_length=1)]
    other_bands: dict[Ident, OtherBand] = {}
    bidders: Annotated[dict[Ident, Bidder], Field(min_length=1)]
    money: Money
    assignment: Assignment | None = None
    values: Values | None = None
    band_plan: BandPlan | None = None
