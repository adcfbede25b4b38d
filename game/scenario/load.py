"""Scenarios as data: load and validate ``assets/scenarios/*.toml``.

A scenario holds the static facts of one auction: bands and lots, reserve
prices, eligibility points, caps, the bidders with their existing holdings,
the clock rules and the money terms. Loading checks everything at the
boundary and reports *all* problems at once, each naming the file, the key
path and what is wrong. Never imports pygame.

The file's keys, types and bounds are declared once, in
:mod:`game.scenario.schema`; a tree is checked against it first, and the
values it refuses are taken out. The reader below then reads what is left
(with the same defaults) and makes the checks across fields that a schema
cannot state: lots x lot size = offered MHz, reserve = base price x lot,
holdings within the caps, names that refer to declared bands and bidders.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from game.scenario import checked
from game.scenario.band_plan import read_band_plan
from game.scenario.model import (
    INFORMATION_POLICIES,
    SCENARIO_DIR,
    AssignmentRules,
    Band,
    BidderProfile,
    Caps,
    ClockRules,
    Obligation,
    PaymentTerms,
    Scenario,
    ScenarioError,
    _Reader,
)
from game.scenario.schema import ScenarioFile
from game.scenario.units import Tenths
from game.scenario.value_params import check_values


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
    types, bounds), then the cross-checks no schema can state. A value the
    schema refused is taken out before the cross-checks run, so that each
    problem is reported once, and nothing downstream sees an infinite or
    out-of-range number.
    """
    if checked.tree_depth_exceeds(tree):
        raise ScenarioError(source, [f"nested more than {checked.MAX_DEPTH} levels deep"])
    schema_problems, refused = _schema_problems(tree)
    if refused:
        tree = _without(tree, refused)
    r = _Reader(source)

    meta = r.table(tree, "scenario", "")
    scenario_id = r.get(meta, "id", "scenario", str) or ""
    name = r.get(meta, "name", "scenario", str) or ""
    description = r.get(meta, "description", "scenario", str, "", required=False) or ""

    other = _read_other_bands(r, tree)
    bands = _read_bands(r, tree)
    band_ids = [b.id for b in bands]
    known_band_ids = set(band_ids) | set(other)
    for dup in {b for b in band_ids if band_ids.count(b) > 1}:
        r.problem("bands", f"band id {dup!r} appears more than once")
    for oid in other:
        if oid in band_ids:
            r.problem(f"other_bands.{oid}", "is also a band on sale")

    rules = _read_rules(r, tree, set(band_ids))
    for band in bands:
        need = rules.obligation.min_lots.get(band.id, 0)
        if need > band.lots:
            r.problem(f"rules.round1_obligation.min_lots.{band.id}", f"{need} lots is more than the {band.lots} lots on sale")
    caps = _read_caps(r, tree, bands, other)
    assignment = _read_assignment(r, tree)
    payment, rate = _read_money(r, tree)
    bidders = _read_bidders(r, tree, known_band_ids)
    for b in bidders:
        _check_caps_against_holdings(r, b, caps, bands, other)
    if not bidders:
        r.problem("bidders", "at least one bidder is needed")
    _check_optional_sections(r, tree)
    _check_band_plan(r, tree, bands, bidders)

    refused_paths = [p.partition(": ")[0] for p in schema_problems]
    cross = [p for p in r.problems if not checked.related(p.partition(": ")[0], refused_paths)]
    # Under a name the scenario does not know (an unknown band's [values] table), its keys are beside the point.
    unknown = [p.partition(": ")[0] for p in cross if p.partition(": ")[2].startswith("unknown")]
    problems = [p for p in schema_problems if not any(p.startswith(u + ".") for u in unknown)] + cross
    if problems:
        raise ScenarioError(source, problems)
    return Scenario(
        id=scenario_id,
        name=name,
        description=description,
        source_path=source,
        sha256=sha256,
        bands=tuple(bands),
        other_bands=other,
        caps=caps,
        rules=rules,
        assignment=assignment,
        payment=payment,
        exchange_rate_pkr_per_usd=rate,
        bidders=tuple(bidders),
        raw=tree,
    )


def _read_bands(r: _Reader, tree: Mapping[str, Any]) -> list[Band]:
    raw = tree.get("bands")
    if raw is None:
        r.problem("bands", "missing: list the bands on sale as [[bands]] tables")
        return []
    if not isinstance(raw, list) or not raw:
        r.problem("bands", "must be a non-empty list of [[bands]] tables")
        return []
    bands: list[Band] = []
    for i, t in enumerate(raw):
        if not isinstance(t, dict):
            r.problem(f"bands[{i}]", "must be a table")
            continue
        bid = t.get("id")
        path = f"bands[{i}]" if not isinstance(bid, str) else f"bands[{bid}]"
        band_id = r.get(t, "id", path, str) or ""
        duplex = r.choice(t, "duplex", path, ("FDD", "TDD"))
        # Cross-checks below only make sense when every number read cleanly.
        before = len(r.problems)
        lots = r.positive_int(t, "lots", path)
        lot = r.tenths(t, "lot_mhz", path)
        offered = r.tenths(t, "offered_mhz", path)
        base = r.positive_int(t, "base_price_usd_per_mhz", path)
        reserve = r.positive_int(t, "reserve_usd", path)
        points = r.positive_int(t, "eligibility_points", path)
        if lot <= 0 and "lot_mhz" in t:
            r.problem(f"{path}.lot_mhz", "must be positive")
        numbers_ok = len(r.problems) == before
        if numbers_ok and lots * lot != offered:
            r.problem(
                f"{path}.offered_mhz",
                f"{lots} lots x {lot / 10:g} MHz = {lots * lot / 10:g} MHz, but offered_mhz is {offered / 10:g} MHz",
            )
        # Base prices are per MHz paired (2x1 MHz) for FDD, per MHz for TDD.
        if numbers_ok:
            unit_tenths = 20 if duplex == "FDD" else 10
            if base * lot != reserve * unit_tenths:
                unit = "MHz paired" if duplex == "FDD" else "MHz"
                expected = Decimal(base * lot) / unit_tenths
                r.problem(
                    f"{path}.reserve_usd",
                    f"{reserve} does not match base price {base} per {unit} x lot size {lot / 10:g} MHz = {expected:f}",
                )
        bands.append(
            Band(
                id=band_id,
                name=r.get(t, "name", path, str, f"{band_id} MHz") or f"{band_id} MHz",
                duplex="FDD" if duplex == "FDD" else "TDD",
                lots=lots,
                lot_tenths=lot,
                base_price_usd_per_mhz=base,
                reserve_usd=reserve,
                eligibility_points=points,
                low_band=bool(r.get(t, "low_band", path, bool, False)),
                positioning=bool(r.get(t, "positioning", path, bool, False)),
            )
        )
    return bands


def _read_other_bands(r: _Reader, tree: Mapping[str, Any]) -> dict[str, bool]:
    t = r.table(tree, "other_bands", "", required=False)
    result: dict[str, bool] = {}
    for key in t:
        sub = r.get(t, key, "other_bands", dict, {})
        result[key] = bool(r.get(sub, "low_band", f"other_bands.{key}", bool, False))
    return result


def _read_rules(r: _Reader, tree: Mapping[str, Any], band_ids: set[str]) -> ClockRules:
    t = r.table(tree, "rules", "")
    path = "rules"
    inc = r.decimal(t, "increment_percent", path)
    inc_bp = inc * 100
    if inc_bp != inc_bp.to_integral_value() or inc_bp <= 0:
        r.problem(f"{path}.increment_percent", f"must be a positive percentage with at most two decimals, found {inc}")
    activity = r.positive_int(t, "activity_requirement_percent", path, 100)
    if activity > 100:
        r.problem(f"{path}.activity_requirement_percent", f"must be at most 100, found {activity}")
    initial = t.get("initial_eligibility", "unlimited")
    initial_points: int | None
    if initial == "unlimited":
        initial_points = None
    elif isinstance(initial, int) and not isinstance(initial, bool) and initial >= 0:
        initial_points = initial
    else:
        r.problem(f"{path}.initial_eligibility", f'must be "unlimited" or a non-negative integer, found {initial!r}')
        initial_points = None
    success = r.positive_int(t, "success_threshold_percent", path, 50)
    if success > 100:
        r.problem(f"{path}.success_threshold_percent", f"must be at most 100, found {success}")

    ob_t = r.table(t, "round1_obligation", path, required=False)
    ob_path = f"{path}.round1_obligation"
    applies = r.choice(ob_t, "applies_to", ob_path, ("incumbents", "all", "none"), "none" if not ob_t else None)
    min_lots_t = r.table(ob_t, "min_lots", ob_path, required=bool(ob_t))
    min_lots: dict[str, int] = {}
    for band_id in min_lots_t:
        if band_id not in band_ids:
            r.problem(f"{ob_path}.min_lots.{band_id}", f"unknown band (bands on sale: {', '.join(sorted(band_ids))})")
        min_lots[band_id] = r.non_negative_int(min_lots_t, band_id, f"{ob_path}.min_lots")
    policy = r.choice(t, "information_policy", path, INFORMATION_POLICIES, "aggregate")
    return ClockRules(
        increment_bp=int(inc_bp) if inc_bp == inc_bp.to_integral_value() else 0,
        price_step_usd=r.positive_int(t, "price_step_usd", path, 1000),
        activity_requirement_percent=activity,
        initial_eligibility=initial_points,
        max_rounds=r.positive_int(t, "max_rounds", path, 500),
        information_policy="aggregate" if policy == "aggregate" else "excess-only",
        deposit_usd=r.non_negative_int(t, "deposit_usd", path, 0),
        success_threshold_percent=success,
        obligation=Obligation(
            applies_to="incumbents" if applies == "incumbents" else ("all" if applies == "all" else "none"),
            min_lots=min_lots,
        ),
    )


def _read_caps(r: _Reader, tree: Mapping[str, Any], bands: list[Band], other: Mapping[str, bool]) -> Caps:
    t = r.table(tree, "caps", "")
    path = "caps"
    overall = r.tenths(t, "overall_mhz", path)
    low = r.tenths(t, "low_band_mhz", path)
    low_bands_raw = r.get(t, "low_band_bands", path, list, [])
    known = {b.id for b in bands} | set(other)
    low_bands: list[str] = []
    for i, item in enumerate(low_bands_raw or []):
        if not isinstance(item, str) or item not in known:
            r.problem(f"{path}.low_band_bands[{i}]", f"unknown band {item!r} (known: {', '.join(sorted(known))})")
        else:
            low_bands.append(item)
    declared_low = {b.id for b in bands if b.low_band} | {k for k, v in other.items() if v}
    if set(low_bands) != declared_low and low_bands_raw is not None:
        r.problem(
            f"{path}.low_band_bands",
            f"lists {sorted(low_bands)} but the bands marked low_band = true are {sorted(declared_low)}",
        )
    per_band_t = r.table(t, "band_mhz", path, required=False)
    per_band: dict[str, Tenths] = {}
    for band_id, value in per_band_t.items():
        if band_id not in {b.id for b in bands}:
            r.problem(f"{path}.band_mhz.{band_id}", "unknown band")
            continue
        per_band[band_id] = r.as_tenths(value, f"{path}.band_mhz.{band_id}")
    if overall <= 0 and "overall_mhz" in t:
        r.problem(f"{path}.overall_mhz", "must be positive")
    return Caps(
        overall=overall,
        overall_basis=str(t.get("overall_basis", "")),
        low_band=low,
        low_band_bands=tuple(low_bands),
        per_band=per_band,
    )


def _read_assignment(r: _Reader, tree: Mapping[str, Any]) -> AssignmentRules:
    t = r.table(tree, "assignment", "", required=False)
    path = "assignment"
    return AssignmentRules(
        opening_price_usd=r.non_negative_int(t, "opening_price_usd", path, 0),
        price_step_usd=r.positive_int(t, "price_step_usd", path, 100_000),
        max_rounds=r.positive_int(t, "max_rounds", path, 200),
    )


def _read_money(r: _Reader, tree: Mapping[str, Any]) -> tuple[PaymentTerms, Decimal]:
    t = r.table(tree, "money", "")
    path = "money"
    rate = r.decimal(t, "exchange_rate_pkr_per_usd", path)
    if rate == 0 and "exchange_rate_pkr_per_usd" in t:
        r.problem(f"{path}.exchange_rate_pkr_per_usd", "must be positive")
    min_upfront = r.positive_int(t, "min_upfront_percent", path, 50)
    if min_upfront > 100:
        r.problem(f"{path}.min_upfront_percent", f"must be at most 100, found {min_upfront}")
    terms = PaymentTerms(
        moratorium_years=r.non_negative_int(t, "moratorium_years", path, 1),
        min_upfront_percent=min_upfront,
        instalments=r.positive_int(t, "instalments", path, 5),
        kibor_percent=r.decimal(t, "kibor_percent", path),
        markup_spread_percent=r.decimal(t, "markup_spread_percent", path, "3"),
        discount_rate_percent=r.decimal(t, "discount_rate_percent", path, "12"),
    )
    return terms, rate


def _read_bidders(r: _Reader, tree: Mapping[str, Any], known_bands: set[str]) -> list[BidderProfile]:
    t = r.table(tree, "bidders", "")
    result: list[BidderProfile] = []
    for bidder_id, sub in t.items():
        path = f"bidders.{bidder_id}"
        if not isinstance(sub, dict):
            r.problem(path, "must be a table")
            continue
        holdings_t = r.table(sub, "holdings_mhz", path, required=False)
        holdings: dict[str, Tenths] = {}
        for band_id, value in holdings_t.items():
            if band_id not in known_bands:
                r.problem(
                    f"{path}.holdings_mhz.{band_id}",
                    f"unknown band (declare bands not on sale under [other_bands]; known: {', '.join(sorted(known_bands))})",
                )
                continue
            holdings[band_id] = r.as_tenths(value, f"{path}.holdings_mhz.{band_id}")
        estimated_raw = r.get(sub, "estimated", path, list, [])
        estimated: list[str] = []
        for i, item in enumerate(estimated_raw or []):
            if not isinstance(item, str) or item not in holdings:
                r.problem(f"{path}.estimated[{i}]", f"{item!r} is not a band in holdings_mhz")
            else:
                estimated.append(item)
        result.append(
            BidderProfile(
                id=bidder_id,
                name=r.get(sub, "name", path, str, bidder_id) or bidder_id,
                incumbent=bool(r.get(sub, "incumbent", path, bool, False)),
                participates_by_default=bool(r.get(sub, "participates", path, bool, True)),
                holdings=holdings,
                estimated_holdings=tuple(estimated),
                source=r.get(sub, "source", path, str, "", required=False) or "",
                colour=_colour(r, sub, path),
            )
        )
    return result


def _colour(r: _Reader, sub: Mapping[str, Any], path: str) -> str:
    value = r.get(sub, "colour", path, str, "#808080", required=False) or "#808080"
    if not (len(value) == 7 and value.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in value[1:])):
        r.problem(f"{path}.colour", f'must be a colour like "#d7263d", found {value!r}')
        return "#808080"
    return value


def _check_caps_against_holdings(
    r: _Reader, bidder: BidderProfile, caps: Caps, bands: list[Band], other: Mapping[str, bool]
) -> None:
    path = f"bidders.{bidder.id}.holdings_mhz"
    total = bidder.total_holdings
    if caps.overall and total > caps.overall:
        r.problem(path, f"existing holdings {total / 10:g} MHz exceed the overall cap caps.overall_mhz = {caps.overall / 10:g} MHz")
    low = sum(bidder.holding(b) for b in caps.low_band_bands)
    if caps.low_band and low > caps.low_band:
        r.problem(path, f"existing low-band holdings {low / 10:g} MHz exceed caps.low_band_mhz = {caps.low_band / 10:g} MHz")
    for band_id, cap in caps.per_band.items():
        if bidder.holding(band_id) > cap:
            r.problem(
                f"{path}.{band_id}",
                f"existing holding {bidder.holding(band_id) / 10:g} MHz exceeds caps.band_mhz.{band_id} = {cap / 10:g} MHz",
            )


def _check_optional_sections(r: _Reader, tree: Mapping[str, Any]) -> None:
    check_values(r, tree)


def _check_band_plan(r: _Reader, tree: Mapping[str, Any], bands: list[Band], bidders: list[BidderProfile]) -> None:
    read_band_plan(r, tree, bands, bidders)


def _schema_problems(tree: Mapping[str, Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(problems, locations of refused values) of the tree against :class:`ScenarioFile`."""
    problems: list[str] = []
    refused: list[tuple[Any, ...]] = []
    for loc, message in checked.number_problems(tree):
        problems.append(f"{checked.render_path(tree, loc)}: {message}")
        refused.append(loc)
    try:
        ScenarioFile.model_validate(tree)
    except ValidationError as exc:
        skip = [p.partition(": ")[0] for p in problems]
        for path, message in checked.schema_problems(ScenarioFile, tree, exc, skip=skip):
            problems.append(f"{path}: {message}")
        refused.extend(tuple(e["loc"]) for e in exc.errors(include_url=False) if e["type"] != "missing")
    return problems, refused


def _without(tree: Mapping[str, Any], locations: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    """A copy of the tree with the value at each location taken out (a list item becomes None)."""
    result = copy.deepcopy(dict(tree))
    for loc in locations:
        # Take out the deepest part of the location that exists (the rest names union members).
        parent: Any = None
        key: Any = None
        node: Any = result
        for seg in loc:
            if checked.has_part(node, seg):
                parent, key, node = node, seg, node[seg]
            else:
                break
        if isinstance(parent, dict):
            parent.pop(key, None)
        elif isinstance(parent, list):
            parent[key] = None
    return result
