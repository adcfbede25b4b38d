"""Efficiency measures: surplus over reserve (headline), liquid welfare, gross value (docs/METRICS.md)."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
import sqlite3
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_welfare import outcome_of, small_scenario

from game.economics.values import Valuation
from game.economics.welfare import (
    GROSS,
    LIQUID,
    MEASURES,
    SURPLUS,
    efficiency_json,
    efficiency_text,
    evaluate,
    liquid_welfare,
    liquid_welfare_bound,
    welfare_optimum,
)
from game.engine.rules import BidderLimits
from game.scenario import Scenario
from game.tournament import TournamentConfig, run_tournament
from game.tournament.storage import StorageError

Lots = dict[str, dict[str, int]]


def feasible_allocations(scenario: Scenario, bidders: list[str]) -> Iterator[Lots]:
    """Every allocation that fits supply and each bidder's caps (as bid entry checks them)."""
    supply = [b.lots for b in scenario.bands]
    per_bidder = []
    for b in bidders:
        limits = BidderLimits(scenario, scenario.bidder(b))
        per_bidder.append(
            [q for q in itertools.product(*(range(n + 1) for n in supply)) if not any(q) or not limits.cap_refusals(q)]
        )
    for combo in itertools.product(*per_bidder):
        if all(sum(q[k] for q in combo) <= s for k, s in enumerate(supply)):
            yield {b: {band.id: q[k] for k, band in enumerate(scenario.bands)} for b, q in zip(bidders, combo, strict=True)}


@st.composite
def tiny_markets(draw: st.DrawFn) -> tuple[Scenario, dict[str, Valuation]]:
    """Two or three bidders, two bands of 1-3 lots, reserves that bite, budgets from nothing to plenty, caps that bind."""
    n_bidders = draw(st.integers(2, 3))
    lots = [draw(st.integers(1, 3)) for _ in range(2)]
    overall = draw(st.sampled_from([100, 200, 10_000]))
    scenario = small_scenario([(lots[0], 100, False), (lots[1], 100, False)], [{}] * n_bidders, overall, 550, {})
    valuations = {}
    for i in range(n_bidders):
        band_values = {}
        for band in scenario.bands:
            marginal = draw(st.lists(st.integers(0, 3_000), min_size=band.lots, max_size=band.lots))
            band_values[band.id] = (0, *(sum(marginal[:n]) for n in range(1, band.lots + 1)))
        valuations[f"b{i}"] = Valuation(f"b{i}", band_values, budget_usd=draw(st.integers(0, 6_000)))
    return scenario, valuations


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_markets(), st.data())
def test_every_measure_is_at_most_one_and_its_denominator_is_an_optimum_or_above_it(
    market: tuple[Scenario, dict[str, Valuation]], data: st.DataObject
) -> None:
    scenario, valuations = market
    bidders = list(valuations)
    allocations = list(feasible_allocations(scenario, bidders))
    reserve = {band.id: band.reserve_usd for band in scenario.bands}
    best_surplus = max(sum(valuations[b].value(x[b]) - sum(reserve[k] * n for k, n in x[b].items()) for b in bidders) for x in allocations)
    best_gross = max(sum(valuations[b].value(x[b]) for b in bidders) for x in allocations)
    best_liquid = max(liquid_welfare(valuations, x) for x in allocations)
    outcome_lots = data.draw(st.sampled_from(allocations))
    report = evaluate(scenario, valuations, outcome_of(outcome_lots, dict.fromkeys(bidders, 0)))
    surplus, liquid, gross = (report.measures[m] for m in (SURPLUS, LIQUID, GROSS))
    assert surplus.denominator_usd == best_surplus
    assert gross.denominator_usd == best_gross
    assert liquid.denominator_usd >= best_liquid
    if liquid.denominator_exact:
        assert liquid.denominator_usd == best_liquid
    for m in (surplus, liquid, gross):
        assert m.ratio <= 1
    assert report.efficiency == surplus.ratio
    assert liquid.numerator_usd == liquid_welfare(valuations, outcome_lots)


def reserve_market() -> tuple[Scenario, dict[str, Valuation]]:
    """Band A: 3 lots at a $1,000 reserve. b0 values each lot at $900; b1 values one lot at $3,000, more at nothing."""
    scenario = small_scenario([(3, 100, False)], [{}, {}], 10_000, 550, {})
    valuations = {
        "b0": Valuation("b0", {"A": (0, 900, 1_800, 2_700)}, budget_usd=10_000),
        "b1": Valuation("b1", {"A": (0, 3_000, 3_000, 3_000)}, budget_usd=1_200),
    }
    return scenario, valuations


def test_headline_counts_unsold_lots_at_their_reserve() -> None:
    scenario, valuations = reserve_market()
    # The auction sold all three lots: b1 one, b0 two (worth $1,800, $200 below their reserves).
    report = evaluate(scenario, valuations, outcome_of({"b0": {"A": 2}, "b1": {"A": 1}}, {"b0": 2_000, "b1": 1_000}))
    surplus = report.measures[SURPLUS]
    # Surplus over reserve: (3,000 + 1,800) - 3 x 1,000 = 1,800; the best is b1's one lot alone: 2,000.
    assert (surplus.numerator_usd, surplus.denominator_usd) == (1_800, 2_000)
    assert report.efficiency == Fraction(1_800, 2_000)
    assert report.net_optimum.lots == {"b0": {"A": 0}, "b1": {"A": 1}}
    # The gross ratio calls the same outcome perfect: it prices unsold spectrum at nothing.
    gross = report.measures[GROSS]
    assert (gross.numerator_usd, gross.denominator_usd) == (4_800, 4_800)
    assert gross.ratio == 1


def test_liquid_welfare_caps_each_value_at_the_budget() -> None:
    scenario, valuations = reserve_market()
    report = evaluate(scenario, valuations, outcome_of({"b0": {"A": 2}, "b1": {"A": 1}}, {"b0": 0, "b1": 0}))
    liquid = report.measures[LIQUID]
    # b0: min(1,800, 10,000); b1: min(3,000, 1,200).
    assert liquid.numerator_usd == 1_800 + 1_200
    # Bound: min(gross optimum 4,800, min(10,000, 2,700) + min(1,200, 3,000) = 3,900). The best liquid welfare is
    # 3,000 (this very outcome): b0 reaches 2,700 only with all three lots, leaving b1 nothing. No allocation at hand
    # reaches the bound, so it is reported as a bound and the ratio as a lower bound of the true one (here 1).
    assert liquid.denominator_usd == 3_900
    assert not liquid.denominator_exact
    assert liquid.ratio == Fraction(3_000, 3_900)


def test_liquid_bound_is_exact_when_an_allocation_reaches_it() -> None:
    scenario = small_scenario([(2, 100, False)], [{}, {}], 10_000, 550, {})
    valuations = {
        "b0": Valuation("b0", {"A": (0, 5_000, 5_100)}, budget_usd=1_000),
        "b1": Valuation("b1", {"A": (0, 4_000, 4_050)}, budget_usd=2_000),
    }
    assert liquid_welfare_bound(scenario, valuations, welfare_optimum(scenario, valuations)) == 3_000
    report = evaluate(scenario, valuations, outcome_of({"b0": {"A": 2}, "b1": {"A": 0}}, {"b0": 0, "b1": 0}))
    liquid = report.measures[LIQUID]
    assert liquid.denominator_exact  # one lot each: 1,000 + 2,000, the bound
    assert (liquid.numerator_usd, liquid.denominator_usd) == (1_000, 3_000)


def test_json_and_text_carry_every_measure() -> None:
    scenario, valuations = reserve_market()
    report = evaluate(scenario, valuations, outcome_of({"b0": {"A": 2}, "b1": {"A": 1}}, {"b0": 0, "b1": 0}))
    data = json.loads(json.dumps(efficiency_json(report)))
    assert data["efficiency"] == 0.9
    assert list(data["efficiency_measures"]) == list(MEASURES)
    for name in MEASURES:
        entry = data["efficiency_measures"][name]
        assert set(entry) == {"ratio", "numerator_usd", "denominator_usd", "denominator_exact", "definition"}
        assert entry["ratio"] == round(entry["numerator_usd"] / entry["denominator_usd"], 6)
        assert len(entry["definition"]) > 40
    assert data["efficiency_measures"][SURPLUS]["ratio"] == data["efficiency"]
    assert data["optimal_allocation_net_of_reserve"] == {"b0": {"A": 0}, "b1": {"A": 1}}
    text = efficiency_text(report)
    assert text.startswith("Efficiency 90.00%: surplus over reserve")
    assert "gross value" in text and "liquid welfare" in text and "upper bound" in text


def test_optimum_of_nothing_gives_one_and_a_loss_gives_zero() -> None:
    scenario = small_scenario([(1, 100, False)], [{}, {}], 10_000, 550, {})
    valuations = {b: Valuation(b, {"A": (0, 500)}, budget_usd=0) for b in ("b0", "b1")}
    unsold = evaluate(scenario, valuations, outcome_of({"b0": {"A": 0}, "b1": {"A": 0}}, {"b0": 0, "b1": 0}))
    assert unsold.efficiency == 1
    sold = evaluate(scenario, valuations, outcome_of({"b0": {"A": 1}, "b1": {"A": 0}}, {"b0": 1_000, "b1": 0}))
    assert sold.measures[SURPLUS].numerator_usd == -500
    assert sold.efficiency == 0
    assert sold.measures[GROSS].ratio == 1


def test_measures_report_in_order() -> None:
    scenario, valuations = reserve_market()
    report = evaluate(scenario, valuations, outcome_of({"b0": {"A": 0}, "b1": {"A": 1}}, {"b0": 0, "b1": 0}))
    assert tuple(report.measures) == MEASURES
    assert all(isinstance(m.definition, str) for m in report.measures.values())
    assert report.efficiency == 1


# ---------------------------------------------------------------- tournament CSV and SQLite


def test_tournament_csv_and_sqlite_hold_every_measure(tmp_path: Path) -> None:
    out = tmp_path / "t"
    result = run_tournament(
        TournamentConfig(strategies=("truthful", "reducer"), auctions=2, out_dir=str(out), seed=3, jobs=1, plots=False)
    )
    assert result.done == 2
    with open(out / "auctions.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        assert float(r["efficiency"]) == pytest.approx(int(r["surplus_usd"]) / int(r["optimal_surplus_usd"]), abs=1e-6)
        assert float(r["liquid_efficiency"]) == pytest.approx(
            int(r["liquid_welfare_usd"]) / int(r["liquid_welfare_bound_usd"]), abs=1e-6
        )
        assert float(r["gross_efficiency"]) == pytest.approx(int(r["welfare_usd"]) / int(r["optimal_welfare_usd"]), abs=1e-6)
        assert r["liquid_bound_exact"] in ("0", "1")
        for column in ("efficiency", "liquid_efficiency", "gross_efficiency"):
            assert float(r[column]) <= 1
    db = sqlite3.connect(out / "auctions.sqlite")
    stored = dict(db.execute("SELECT auction, surplus_usd FROM auctions").fetchall())
    assert stored == {int(r["auction"]): int(r["surplus_usd"]) for r in rows}


def test_resuming_a_database_without_the_measures_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "old"
    config = TournamentConfig(strategies=("truthful",), auctions=1, out_dir=str(out), seed=3, jobs=1, plots=False)
    run_tournament(config)
    db = sqlite3.connect(out / "auctions.sqlite")
    db.execute("ALTER TABLE auctions DROP COLUMN gross_efficiency")
    db.commit()
    db.close()
    with pytest.raises(StorageError, match="older version"):
        run_tournament(dataclasses.replace(config, auctions=2, resume=True))
