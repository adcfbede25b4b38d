"""Scenarios as data: load and validate ``assets/scenarios/*.toml``.

A scenario holds the static facts of one auction: bands and lots, reserve
prices, eligibility points, caps, the bidders with their existing holdings,
the clock rules and the money terms. Loading checks everything at the
boundary and reports *all* problems at once, each naming the file, the key
path and what is wrong. Never imports pygame.

The file's keys, types, bounds, defaults and the names that must refer to
declared bands and bidders are declared once, in :mod:`game.scenario.schema`;
a tree is validated against it, and the :class:`Scenario` is built from the
validated models. Only what a schema cannot state is checked here, as
functions over those models: lots x lot size = offered MHz, reserve = base
price x lot, MHz in whole tenths, holdings within the caps, the obligation
within the supply, the low-band list, and (in their modules) the ``[values]``
markets and the ``[band_plan]`` frequencies.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from game.scenario import checked, schema
from game.scenario.band_plan import read_band_plan
from game.scenario.model import (
    SCENARIO_DIR,
    AssignmentRules,
    Band,
    BidderProfile,
    Caps,
    ClockRules,
    Obligation,
    PaymentTerms,
    Problems,
    Scenario,
    ScenarioError,
)
from game.scenario.schema import ScenarioFile, references
from game.scenario.units import Tenths, tenths_from_mhz
from game.scenario.value_params import check_values

M = TypeVar("M", bound=BaseModel)


def shipped_scenarios() -> list[str]:
    """Names of the scenarios in ``assets/scenarios``."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def resolve_scenario_path(name_or_path: str) -> Path:
    """A shipped scenario name (``pakistan-2026``) or a path to a TOML file."""
    if not name_or_path.strip():
        raise ScenarioError(repr(name_or_path), ["give a shipped scenario name or the path of a .toml file"])
    if "\x00" in name_or_path or len(name_or_path) > 4096:
        raise ScenarioError(checked.quote(name_or_path), ["not a scenario name or file name"])
    candidate = Path(name_or_path)
    if candidate.is_dir():
        raise ScenarioError(name_or_path, ["is a directory; give a .toml file"])
    if candidate.suffix == ".toml" or candidate.exists() or "/" in name_or_path:
        if not candidate.exists():
            raise ScenarioError(name_or_path, ["file not found"])
        return candidate
    shipped = SCENARIO_DIR / f"{name_or_path}.toml"
    if shipped.exists():
        return shipped
    known = ", ".join(shipped_scenarios())
    raise ScenarioError(name_or_path, [f"no such scenario; shipped scenarios: {known} (or give a path to a .toml file)"])


_cache: dict[tuple[str, float], Scenario] = {}


def load_scenario(name_or_path: str) -> Scenario:
    """Load and validate a scenario; raises :class:`ScenarioError` with every problem."""
    path = resolve_scenario_path(name_or_path)
    key = (str(path.resolve()), path.stat().st_mtime)
    if key in _cache:
        return _cache[key]
    source = str(path) if path.parent != SCENARIO_DIR else f"assets/scenarios/{path.name}"
    try:
        tree, data = checked.read_document(path, toml=True, kind="scenario", limit=MAX_SCENARIO_BYTES)
    except checked.ReadError as exc:
        raise ScenarioError(source, exc.problems) from None
    scenario = parse_scenario(tree, source=source, sha256=hashlib.sha256(data).hexdigest())
    _cache[key] = scenario
    return scenario


MAX_SCENARIO_BYTES = 2_000_000
"""Largest scenario file read (the shipped ones are about 20 kB)."""


def parse_scenario(tree: Mapping[str, Any], *, source: str, sha256: str = "") -> Scenario:
    """Validate a parsed TOML tree; see :func:`load_scenario`.

    First against the declared schema (:mod:`game.scenario.schema`: keys,
    types, bounds, names of bands and bidders), then the cross-checks no
    schema can state. When the schema refuses something, the values it
    refused are taken out and each part that still validates alone (a band,
    a bidder, a section) is cross-checked too, so that every problem is
    reported at once, each once.
    """
    if checked.tree_depth_exceeds(tree):
        raise ScenarioError(source, [f"nested more than {checked.MAX_DEPTH} levels deep"])
    refs = references(tree)
    schema_problems, refused, document = _schema_problems(tree, refs)
    parts = _Parts.of(document) if document is not None else _Parts.salvaged(_without(tree, refused), refs)
    band_ids = refs.get("bands", [])
    r = Problems()

    other = {k: o.low_band for k, o in parts.other_bands.items()}
    bands = [b for b in (_band(r, t) for t in parts.bands) if b is not None]
    for dup in sorted({b for b in band_ids if band_ids.count(b) > 1}):
        r.add("bands", f"band id {checked.quote(dup)} appears more than once")
    for oid in other:
        if oid in band_ids:
            r.add(f"other_bands.{checked.key_text(oid)}", "is also a band on sale")

    rules = _rules(r, parts.rules) if parts.rules is not None else None
    if rules is not None:
        for band in bands:
            need = rules.obligation.min_lots.get(band.id, 0)
            if need > band.lots:
                r.add(f"rules.round1_obligation.min_lots.{band.id}", f"{need} lots is more than the {band.lots} lots on sale")
    all_bands = len(parts.bands) == len(band_ids)
    caps = _caps(r, parts.caps, parts.bands if all_bands else None, other) if parts.caps is not None else None
    assignment = parts.assignment or schema.Assignment()
    money = _money(r, parts.money) if parts.money is not None else None
    bidders = [_bidder(r, k, t) for k, t in parts.bidders.items()]
    if caps is not None:
        for bidder in bidders:
            _check_caps_against_holdings(r, bidder, caps)
    check_values(r, parts.values)
    read_band_plan(r, parts.band_plan, bands, bidders, band_ids)

    refused_paths = [p.partition(": ")[0] for p in schema_problems]
    cross = [p for p in r if not checked.related(p.partition(": ")[0], refused_paths)]
    # Under a name the scenario does not know (an unknown band's [values] table), its keys are beside the point.
    unknown = [p.partition(": ")[0] for p in schema_problems + cross if p.partition(": ")[2].startswith("unknown")]
    problems = [p for p in schema_problems if not any(p.startswith(u + ".") for u in unknown)] + cross
    if problems:
        raise ScenarioError(source, problems)
    # No problem: the whole file validated, and so did every part built from it.
    assert document is not None and rules is not None and caps is not None and money is not None
    return Scenario(
        id=document.scenario.id,
        name=document.scenario.name,
        description=document.scenario.description,
        source_path=source,
        sha256=sha256,
        bands=tuple(bands),
        other_bands=other,
        caps=caps,
        rules=rules,
        assignment=AssignmentRules(
            opening_price_usd=assignment.opening_price_usd,
            price_step_usd=assignment.price_step_usd,
            max_rounds=assignment.max_rounds,
        ),
        payment=money[0],
        exchange_rate_pkr_per_usd=money[1],
        bidders=tuple(bidders),
        raw=tree,
        file=document,
    )


@dataclass(frozen=True)
class _Parts:
    """The parts of a scenario file that validated: all of them, or those that still do once refused values are out."""

    rules: schema.Rules | None
    caps: schema.Caps | None
    bands: list[schema.Band]
    other_bands: dict[str, schema.OtherBand]
    bidders: dict[str, schema.Bidder]
    money: schema.Money | None
    assignment: schema.Assignment | None
    values: schema.Values | None
    band_plan: schema.BandPlan | None

    @classmethod
    def of(cls, f: ScenarioFile) -> _Parts:
        return cls(f.rules, f.caps, f.bands, f.other_bands, f.bidders, f.money, f.assignment, f.values, f.band_plan)

    @classmethod
    def salvaged(cls, tree: Mapping[str, Any], refs: Mapping[str, Any]) -> _Parts:
        def part(model: type[M], key: str) -> M | None:
            return _valid(model, tree[key], refs) if key in tree else None

        def table(model: type[M], key: str) -> dict[str, M]:
            value = tree.get(key)
            items = value.items() if isinstance(value, dict) else ()
            return {k: m for k, v in items if (m := _valid(model, v, refs)) is not None}

        listed = tree.get("bands")
        bands = [m for v in (listed if isinstance(listed, list) else []) if (m := _valid(schema.Band, v, refs)) is not None]
        return cls(
            rules=part(schema.Rules, "rules"),
            caps=part(schema.Caps, "caps"),
            bands=bands,
            other_bands=table(schema.OtherBand, "other_bands"),
            bidders=table(schema.Bidder, "bidders"),
            money=part(schema.Money, "money"),
            assignment=part(schema.Assignment, "assignment"),
            values=part(schema.Values, "values"),
            band_plan=part(schema.BandPlan, "band_plan"),
        )


def _valid(model: type[M], value: Any, refs: Mapping[str, Any]) -> M | None:
    try:
        return model.model_validate(value, context=dict(refs))
    except ValidationError:
        return None


def _tenths(r: Problems, value: float, path: str) -> Tenths | None:
    """MHz (validated: finite, not negative) as tenths, or None with a problem if finer than 0.1 MHz."""
    try:
        return tenths_from_mhz(value)
    except ValueError:
        r.add(path, f"{value} MHz is finer than the 0.1 MHz this engine counts in")
        return None


def _decimal(value: int | float | str) -> Decimal:
    """A validated rate (a number, or a decimal number as a string) as an exact Decimal."""
    return Decimal(str(value))


def _band(r: Problems, t: schema.Band) -> Band | None:
    path = f"bands[{checked.key_text(t.id)}]"
    lot = _tenths(r, t.lot_mhz, f"{path}.lot_mhz")
    offered = _tenths(r, t.offered_mhz, f"{path}.offered_mhz")
    if lot is not None and lot <= 0:
        r.add(f"{path}.lot_mhz", "must be positive")
        lot = None
    if lot is None or offered is None:
        return None  # the cross-checks below only make sense when every number read cleanly
    if t.lots * lot != offered:
        r.add(
            f"{path}.offered_mhz",
            f"{t.lots} lots x {lot / 10:g} MHz = {t.lots * lot / 10:g} MHz, but offered_mhz is {offered / 10:g} MHz",
        )
    # Base prices are per MHz paired (2x1 MHz) for FDD, per MHz for TDD.
    unit_tenths = 20 if t.duplex == "FDD" else 10
    if t.base_price_usd_per_mhz * lot != t.reserve_usd * unit_tenths:
        unit = "MHz paired" if t.duplex == "FDD" else "MHz"
        expected = Decimal(t.base_price_usd_per_mhz * lot) / unit_tenths
        r.add(
            f"{path}.reserve_usd",
            f"{t.reserve_usd} does not match base price {t.base_price_usd_per_mhz} per {unit} x lot size "
            f"{lot / 10:g} MHz = {expected:f}",
        )
    return Band(
        id=t.id,
        name=t.name or f"{t.id} MHz",
        duplex=t.duplex,
        lots=t.lots,
        lot_tenths=lot,
        base_price_usd_per_mhz=t.base_price_usd_per_mhz,
        reserve_usd=t.reserve_usd,
        eligibility_points=t.eligibility_points,
        low_band=t.low_band,
        positioning=t.positioning,
    )


def _rules(r: Problems, t: schema.Rules) -> ClockRules:
    inc = _decimal(t.increment_percent)
    inc_bp = inc * 100
    whole = inc_bp == inc_bp.to_integral_value()
    if not whole or inc_bp <= 0:
        r.add("rules.increment_percent", f"must be a positive percentage with at most two decimals, found {inc}")
    ob = t.round1_obligation
    return ClockRules(
        increment_bp=int(inc_bp) if whole else 0,
        price_step_usd=t.price_step_usd,
        activity_requirement_percent=t.activity_requirement_percent,
        initial_eligibility=None if t.initial_eligibility == "unlimited" else t.initial_eligibility,
        max_rounds=t.max_rounds,
        information_policy=t.information_policy,
        deposit_usd=t.deposit_usd,
        success_threshold_percent=t.success_threshold_percent,
        obligation=Obligation(applies_to=ob.applies_to, min_lots=dict(ob.min_lots)) if ob else Obligation("none", {}),
    )


def _caps(
    r: Problems, t: schema.Caps, bands: Sequence[schema.Band] | None, other: Mapping[str, bool]
) -> Caps | None:
    """The caps; ``bands`` None when some band did not validate (the low-band list is then not compared)."""
    overall = _tenths(r, t.overall_mhz, "caps.overall_mhz")
    if overall is not None and overall <= 0:
        r.add("caps.overall_mhz", "must be positive")
    low = _tenths(r, t.low_band_mhz, "caps.low_band_mhz")
    if bands is not None:
        declared_low = {b.id for b in bands if b.low_band} | {k for k, v in other.items() if v}
        if set(t.low_band_bands) != declared_low:
            r.add(
                "caps.low_band_bands",
                f"lists {sorted(t.low_band_bands)} but the bands marked low_band = true are {sorted(declared_low)}",
            )
    per_band: dict[str, Tenths] = {}
    for band_id, value in t.band_mhz.items():
        cap = _tenths(r, value, f"caps.band_mhz.{band_id}")
        if cap is not None:
            per_band[band_id] = cap
    if overall is None or low is None:
        return None
    return Caps(
        overall=overall,
        overall_basis=t.overall_basis,
        low_band=low,
        low_band_bands=tuple(t.low_band_bands),
        per_band=per_band,
    )


def _money(r: Problems, t: schema.Money) -> tuple[PaymentTerms, Decimal]:
    rate = _decimal(t.exchange_rate_pkr_per_usd)
    if rate == 0:
        r.add("money.exchange_rate_pkr_per_usd", "must be positive")
    terms = PaymentTerms(
        moratorium_years=t.moratorium_years,
        min_upfront_percent=t.min_upfront_percent,
        instalments=t.instalments,
        kibor_percent=_decimal(t.kibor_percent),
        markup_spread_percent=_decimal(t.markup_spread_percent),
        discount_rate_percent=_decimal(t.discount_rate_percent),
    )
    return terms, rate


def _bidder(r: Problems, bidder_id: str, t: schema.Bidder) -> BidderProfile:
    path = f"bidders.{checked.key_text(bidder_id)}"
    holdings: dict[str, Tenths] = {}
    for band_id, value in t.holdings_mhz.items():
        held = _tenths(r, value, f"{path}.holdings_mhz.{checked.key_text(band_id)}")
        if held is not None:
            holdings[band_id] = held
    estimated: list[str] = []
    for i, item in enumerate(t.estimated):
        if item not in holdings:
            r.add(f"{path}.estimated[{i}]", f"{checked.quote(item)} is not a band in holdings_mhz")
        else:
            estimated.append(item)
    return BidderProfile(
        id=bidder_id,
        name=t.name or bidder_id,
        incumbent=t.incumbent,
        participates_by_default=t.participates,
        holdings=holdings,
        estimated_holdings=tuple(estimated),
        source=t.source,
        colour=t.colour,
    )


def _check_caps_against_holdings(r: Problems, bidder: BidderProfile, caps: Caps) -> None:
    path = f"bidders.{checked.key_text(bidder.id)}.holdings_mhz"
    total = bidder.total_holdings
    if caps.overall and total > caps.overall:
        r.add(path, f"existing holdings {total / 10:g} MHz exceed the overall cap caps.overall_mhz = {caps.overall / 10:g} MHz")
    low = sum(bidder.holding(b) for b in caps.low_band_bands)
    if caps.low_band and low > caps.low_band:
        r.add(path, f"existing low-band holdings {low / 10:g} MHz exceed caps.low_band_mhz = {caps.low_band / 10:g} MHz")
    for band_id, cap in caps.per_band.items():
        if bidder.holding(band_id) > cap:
            r.add(
                f"{path}.{band_id}",
                f"existing holding {bidder.holding(band_id) / 10:g} MHz exceeds caps.band_mhz.{band_id} = {cap / 10:g} MHz",
            )


def _schema_problems(
    tree: Mapping[str, Any], refs: Mapping[str, Any]
) -> tuple[list[str], list[tuple[Any, ...]], ScenarioFile | None]:
    """(problems, locations of refused values, the validated file or None) of the tree against :class:`ScenarioFile`."""
    problems: list[str] = []
    refused: list[tuple[Any, ...]] = []
    for loc, message in checked.number_problems(tree):
        problems.append(f"{checked.render_path(tree, loc)}: {message}")
        refused.append(loc)
    try:
        document = ScenarioFile.model_validate(tree, context=dict(refs))
    except ValidationError as exc:
        skip = [p.partition(": ")[0] for p in problems]
        for path, message in checked.schema_problems(ScenarioFile, tree, exc, skip=skip):
            problems.append(f"{path}: {message}")
        refused.extend(tuple(e["loc"]) for e in exc.errors(include_url=False) if e["type"] != "missing")
        return problems, refused, None
    return problems, refused, (None if problems else document)


def _without(tree: Mapping[str, Any], locations: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    """A copy of the tree with the value at each location taken out (a list item becomes None)."""
    result = copy.deepcopy(dict(tree))
    taken: list[tuple[Any, ...]] = []
    for loc in locations:
        # A location inside one already taken out (an unknown key's own errors) has nothing left to take.
        if any(loc[: len(t)] == t for t in taken):
            continue
        # Take out the deepest part of the location that exists (the rest names union members).
        parent: Any = None
        key: Any = None
        node: Any = result
        depth = 0
        for seg in loc:
            if checked.has_part(node, seg):
                parent, key, node = node, seg, node[seg]
                depth += 1
            else:
                break
        if isinstance(parent, dict):
            parent.pop(key, None)
        elif isinstance(parent, list):
            parent[key] = None
        if parent is not None:
            taken.append(tuple(loc[:depth]))
    return result
