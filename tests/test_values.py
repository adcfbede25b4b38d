"""The value model: seeded, private per bidder, S-shaped in TDD, plausible Pakistan defaults, validated section."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from conftest import PAKISTAN, band_table, build_scenario, pakistan_tree, scenario_tree

from game.agents.demand import BundleLimits, DemandSolver, best_bundle
from game.economics.values import Valuation, draw_valuations, value_model
from game.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

INCUMBENTS = ["jazz", "zong", "ufone"]


def quiet(tree: dict[str, object]) -> Scenario:
    """The scenario with the value noise switched off."""
    values = dict(tree.get("values", {}))  # type: ignore[call-overload]
    values.update(noise_percent=0, threshold_noise_percent=0, budget_noise_percent=0)
    tree["values"] = values
    return parse_scenario(tree, source="quiet.toml")


def test_same_seed_same_values_and_other_seed_differs(pakistan: Scenario) -> None:
    a = draw_valuations(pakistan, INCUMBENTS, 7)
    b = draw_valuations(pakistan, INCUMBENTS, 7)
    c = draw_valuations(pakistan, INCUMBENTS, 8)
    assert a == b
    assert a["jazz"] != c["jazz"]


def test_values_of_a_bidder_do_not_depend_on_who_else_takes_part(pakistan: Scenario) -> None:
    everyone = draw_valuations(pakistan, [*INCUMBENTS, "entrant"], 11)
    alone = draw_valuations(pakistan, ["zong"], 11)
    reordered = draw_valuations(pakistan, ["entrant", "zong"], 11)
    assert alone["zong"] == everyone["zong"] == reordered["zong"]


def test_a_generator_seed_is_deterministic_and_advances_once(pakistan: Scenario) -> None:
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert draw_valuations(pakistan, INCUMBENTS, g1) == draw_valuations(pakistan, ["jazz", "zong", "ufone"], g2)
    assert g1.integers(0, 10**9) == g2.integers(0, 10**9)


def test_unknown_bidder_is_refused(pakistan: Scenario) -> None:
    with pytest.raises(ValueError, match="unknown bidder"):
        draw_valuations(pakistan, ["telenor"], 1)


@pytest.mark.parametrize("seed", range(5))
def test_curves_start_at_zero_cover_all_lots_and_never_fall(pakistan: Scenario, seed: int) -> None:
    for v in draw_valuations(pakistan, [*INCUMBENTS, "entrant"], seed).values():
        assert v.budget_usd > 0
        for band in pakistan.bands:
            curve = v.band_values[band.id]
            assert len(curve) == band.lots + 1
            assert curve[0] == 0
            assert all(isinstance(x, int) for x in curve)
            assert all(b >= a for a, b in pairwise(curve))


def test_a_tdd_band_follows_a_soft_s_curve_where_50_to_60_mhz_keeps_most_of_its_value() -> None:
    """Calibrated (issue 12): marginal value rises to a peak near the threshold and then falls, but
    softly: 50-60 MHz is a usable 5G carrier, worth more than its reserve cost, not nearly worthless."""
    s = quiet(pakistan_tree())
    v = draw_valuations(s, ["jazz"], 1)["jazz"]
    c35, c26 = v.band_values["3500"], v.band_values["2600"]
    # A block is still worth more than its pieces, but not by the old sharp factor of two and more.
    assert c35[5] < c35[10] < 2 * c35[5]
    assert c26[4] < c26[8] < 2.05 * c26[4]
    assert c35[5] > 5 * s.band("3500").reserve_usd and c35[6] > 6 * s.band("3500").reserve_usd
    assert c26[5] > 5 * s.band("2600").reserve_usd
    # S-shape: marginal value rises towards the threshold, then diminishes.
    marginal = [b - a for a, b in pairwise(c35)]
    peak = int(np.argmax(marginal))
    assert 2 <= peak <= 8
    assert marginal[0] < marginal[peak] > marginal[-1]
    assert marginal[0] > 0.7 * marginal[peak]  # the floor keeps the first lots worth most of the peak


def test_700_mhz_first_lot_carries_the_coverage_value() -> None:
    s = quiet(pakistan_tree())
    v = draw_valuations(s, ["jazz"], 1)["jazz"].band_values["700"]
    assert v[1] > v[2] - v[1] > v[3] - v[2]
    assert v[1] > s.band("700").reserve_usd


def test_a_second_700_mhz_lot_is_sometimes_worth_its_reserve(pakistan: Scenario) -> None:
    """Jazz bought two 700 MHz lots in 2026: in the calibrated market some draws value a second lot above reserve."""
    reserve = pakistan.band("700").reserve_usd
    curves = [draw_valuations(pakistan, ["jazz"], seed)["jazz"].band_values["700"] for seed in range(100)]
    second = [c[2] - c[1] for c in curves]
    assert 0.05 * len(second) <= sum(x >= reserve for x in second) <= 0.6 * len(second)


def test_diminishing_marginal_value_in_concave_bands() -> None:
    s = quiet(pakistan_tree())
    v = draw_valuations(s, ["zong"], 1)["zong"].band_values["2100"]
    marginal = [b - a for a, b in pairwise(v)]
    assert all(b < a for a, b in pairwise(marginal))


def test_market_share_and_appetite_scale_values() -> None:
    tree = pakistan_tree()
    tree["values"] = {
        "profiles": {
            "jazz": {"market_share_percent": 40, "appetite": {"2600": 1.0}},
            "zong": {"market_share_percent": 20, "appetite": {"2600": 2.0}},
        }
    }
    s = quiet(tree)
    v = draw_valuations(s, ["jazz", "zong"], 1)
    assert v["jazz"].band_values["2100"][1] == pytest.approx(2 * v["zong"].band_values["2100"][1], rel=1e-6)
    assert v["jazz"].band_values["2600"][19] == pytest.approx(v["zong"].band_values["2600"][19], rel=1e-6)


def test_pakistan_defaults_1800_2100_mostly_below_reserve_tdd_wanted(pakistan: Scenario) -> None:
    below = total = 0
    tdd_wanted = 0
    for seed in range(20):
        for bidder, v in draw_valuations(pakistan, INCUMBENTS, seed).items():
            for band_id in ("1800", "2100"):
                total += 1
                below += v.band_values[band_id][1] < pakistan.band(band_id).reserve_usd
            # 5G carriers of 60 MHz in 3500 and in 2600 MHz (what the operators bought in 2026: 50-120 MHz
            # of 3500, 60-70 MHz of 2600) are worth more than they cost at reserve.
            wanted = v.band_values["3500"][6] > 6 * pakistan.band("3500").reserve_usd
            wanted = wanted and v.band_values["2600"][6] > 6 * pakistan.band("2600").reserve_usd
            tdd_wanted += wanted
            assert bidder in INCUMBENTS
    assert below >= 0.75 * total
    assert tdd_wanted >= 0.7 * 20 * len(INCUMBENTS)


def test_pakistan_budgets_bind_at_reserve(pakistan: Scenario) -> None:
    """Unconstrained demand at reserve prices costs more than the budget for a large share of bidders.

    Measured over 200 seeds: 44% (265 of 600 draws) with the seeding before the one-way streams, 49%
    (294 of 600) with them; 30 draws (10 seeds) sat on the edge of the former "at least half" either way
    (15 before, 14 after), so this takes 100 seeds and asserts what the model gives with a margin.
    """
    prices = [b.reserve_usd for b in pakistan.bands]
    binding = total = 0
    for seed in range(100):
        for bidder, v in draw_valuations(pakistan, INCUMBENTS, seed).items():
            solver = DemandSolver(v, BundleLimits.for_bidder(pakistan, bidder))
            free = solver.solve(prices)
            assert free is not None
            total += 1
            binding += solver.cost(free, prices) > v.budget_usd
    assert binding >= 0.4 * total


def test_scenario_without_values_section_uses_builtin_defaults() -> None:
    tree = pakistan_tree()
    tree.pop("values", None)
    s = parse_scenario(tree, source="plain.toml")
    v = draw_valuations(s, INCUMBENTS, 3)
    assert set(v) == set(INCUMBENTS)
    assert value_model(s).bands["3500"].shape == "threshold"


def test_unknown_band_gets_a_generic_concave_curve() -> None:
    s = build_scenario([band_table("x", 4, 1_000_000)], {"a": {}})
    v = draw_valuations(s, ["a"], 1)["a"]
    assert len(v.band_values["x"]) == 5 and v.band_values["x"][4] > v.band_values["x"][1] > 0


def test_bad_values_section_reports_every_problem_with_key_paths() -> None:
    tree = pakistan_tree()
    tree["values"] = {
        "noise_percent": -1,
        "colour": "red",
        "bands": {"9999": {}, "3500": {"shape": "s-curve", "usd_per_mhz": "lots"}},
        "profiles": {"telenor": {}, "jazz": {"budget_usd": True, "appetite": {"2600": "a"}}},
    }
    with pytest.raises(ScenarioError) as info:
        parse_scenario(tree, source="bad.toml")
    text = str(info.value)
    assert "bad.toml" in text
    for fragment in (
        "values.noise_percent: must not be negative, found -1",
        "values.colour: unknown key",
        "values.bands.9999: unknown band",
        "values.bands.3500.shape: must be one of concave, coverage, threshold",
        "values.bands.3500.usd_per_mhz: must be an integer",
        "values.profiles.telenor: unknown bidder",
        "values.profiles.jazz.budget_usd: must be an integer, found true",
        "values.profiles.jazz.appetite.2600",
    ):
        assert fragment in text


def test_shipped_scenario_values_section_is_read() -> None:
    s = load_scenario(PAKISTAN)
    model = value_model(s)
    assert set(model.profiles) == set(s.bidder_ids)
    assert all(p.budget_usd > 0 for p in model.profiles.values())


def test_valuation_value_adds_bands() -> None:
    v = Valuation("a", {"x": (0, 5, 8), "y": (0, 1)}, 100)
    assert v.value({"x": 2, "y": 1}) == 9
    assert v.value({"x": 0, "y": 0}) == 0
    tree = scenario_tree([band_table("x", 2, 1_000)], {"a": {}})
    assert parse_scenario(tree, source="t.toml").band_ids == ("x",)


def test_the_new_entrant_wants_a_3500_block_at_reserve() -> None:
    """A 5G-first entrant with no spectrum must be a real rival when switched on, not a bidder that never bids."""
    scenario = load_scenario("pakistan-2026")
    reserves = [b.reserve_usd for b in scenario.bands]
    k3500 = scenario.band_ids.index("3500")
    wants = 0
    for seed in range(20):
        values = draw_valuations(scenario, ["entrant"], seed)["entrant"]
        bundle = best_bundle(reserves, values, BundleLimits.for_bidder(scenario, "entrant"), budget_usd=values.budget_usd)
        assert bundle is not None
        wants += bundle[k3500] >= 6  # a block of 60 MHz or more
    assert wants >= 15, f"the entrant wanted a 3500 MHz block in only {wants} of 20 markets"
