"""The scenario is built from its validated schema models: defaults and keys come from the schema, declared once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import band_table, pakistan_tree, scenario_tree

from game.engine.bandplan import frequencies
from game.scenario import Scenario, ScenarioError, load_scenario, parse_scenario, schema
from game.scenario.value_params import BUILTIN_BANDS, DEFAULT_MARKET, value_model, with_market


def _problems(tree: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(tree, source="bad.toml")
    assert "bad.toml" in str(info.value)
    return info.value.problems


def test_a_valid_scenario_keeps_its_validated_file_and_reads_optional_sections_from_it(pakistan: Scenario) -> None:
    assert isinstance(pakistan.file, schema.ScenarioFile)
    assert pakistan.file.values is not None and pakistan.file.band_plan is not None
    assert set(frequencies(pakistan)) == set(pakistan.band_ids)
    assert value_model(pakistan).budget_noise_percent == pakistan.file.values.budget_noise_percent


def test_the_value_model_defaults_are_the_schemas() -> None:
    bare = parse_scenario(scenario_tree([band_table("x", 4, 1_000_000)], {"a": {}}), source="bare.toml")
    model = value_model(bare)
    declared = schema.Values()
    assert (model.noise_percent, model.threshold_noise_percent, model.budget_noise_percent) == (
        declared.noise_percent, declared.threshold_noise_percent, declared.budget_noise_percent,
    )
    assert model.default_budget_usd == declared.default_budget_usd
    assert (model.reference_share_percent, model.reference_subscribers_m) == (
        declared.reference_share_percent, declared.reference_subscribers_m,
    )
    # The figures the hand-written reader used to apply, so results stay the same.
    assert (model.budget_noise_percent, model.default_budget_usd) == (12.0, 200_000_000)
    assert model.profiles["a"].budget_usd == declared.default_budget_usd
    assert DEFAULT_MARKET == declared.default_market == "calibrated"


def test_a_profile_without_figures_takes_the_sections_reference_figures() -> None:
    tree = pakistan_tree()
    tree["values"]["reference_share_percent"] = 25
    tree["values"]["default_budget_usd"] = 123_000_000
    tree["values"]["profiles"]["entrant"] = {}
    model = value_model(parse_scenario(tree, source="t.toml"))
    assert model.profiles["entrant"].market_share_percent == 25.0
    assert model.profiles["entrant"].budget_usd == 123_000_000


def test_a_band_without_a_decay_takes_the_builtin_one_and_a_generic_band_ten_percent() -> None:
    tree = pakistan_tree()
    del tree["values"]["bands"]["2300"]["decay_percent"]
    model = value_model(parse_scenario(tree, source="t.toml"))
    assert model.bands["2300"].decay_percent == BUILTIN_BANDS["2300"].decay_percent == 2.0
    tree = scenario_tree([band_table("x", 4, 1_000_000)], {"a": {}})
    tree["values"] = {"bands": {"x": {"shape": "concave", "usd_per_mhz": 5}}}
    assert value_model(parse_scenario(tree, source="t.toml")).bands["x"].decay_percent == 10.0


def test_an_integer_rate_stays_an_exact_integer() -> None:
    tree = pakistan_tree()
    tree["money"]["kibor_percent"] = 11
    tree["money"]["exchange_rate_pkr_per_usd"] = 280
    s = parse_scenario(tree, source="t.toml")
    assert str(s.payment.kibor_percent) == "11" and s.exchange_rate_pkr_per_usd == Decimal(280)
    assert str(s.exchange_rate_pkr_per_usd) == "280"


def test_an_unknown_name_is_a_schema_problem_said_once_without_echoing_the_key() -> None:
    tree = pakistan_tree()
    tree["values"]["bands"]["9999"] = {"shape": "bumpy"}
    tree["values"]["profiles"]["telenor"] = {}
    found = _problems(tree)
    assert found == [
        "values.bands.9999: unknown band (bands on sale: 700, 1800, 2100, 2300, 2600, 3500)",
        "values.profiles.telenor: unknown bidder (bidders: jazz, zong, ufone, entrant)",
    ]


def test_parts_that_still_validate_are_cross_checked_beside_schema_problems() -> None:
    tree = pakistan_tree()
    tree["bidders"]["ufone"]["colour"] = "red"  # schema
    tree["caps"]["low_band_mhz"] = 40  # ufone holds 50.4 MHz of low band: a cross-check on the same bidder
    tree["bands"][1]["lot_mhz"] = 2.45  # finer than 0.1 MHz: band 1800 is left out of its cross-checks
    tree["money"]["instalments"] = 0  # schema: the money section does not validate
    found = _problems(tree)
    assert "bidders.ufone.colour: must match ^#[0-9a-fA-F]{6}$, found 'red'" in found
    assert "bidders.ufone.holdings_mhz: existing low-band holdings 50.4 MHz exceed caps.low_band_mhz = 40 MHz" in found
    assert "bands[1800].lot_mhz: 2.45 MHz is finer than the 0.1 MHz this engine counts in" in found
    assert "money.instalments: must be positive, found 0" in found
    assert len(found) == 4, found


def test_band_plan_keys_follow_the_bands_duplex_as_the_schema_tags_them() -> None:
    fdd, fdd_required = schema.frequency_keys("FDD")
    tdd, tdd_required = schema.frequency_keys("TDD")
    assert set(fdd) | set(tdd) == set(schema.BandFrequencies.model_fields)
    assert (fdd_required, tdd_required) == (["uplink_mhz", "downlink_mhz"], ["range_mhz"])
    tree = pakistan_tree()
    tree["band_plan"]["700"]["range_mhz"] = [700, 710]  # a TDD key on an FDD band
    del tree["band_plan"]["2600"]["range_mhz"]
    found = _problems(tree)
    assert found[0].startswith("band_plan.700.range_mhz: unknown key for an FDD band (known keys: band_downlink_mhz,")
    assert "band_plan.2600.range_mhz: missing: give [from, to] in MHz" in found
    assert len(found) == 2, found


def test_a_market_laying_a_band_over_values_that_lack_it_must_give_a_whole_band() -> None:
    tree = pakistan_tree()
    del tree["values"]["bands"]["1800"]
    del tree["values"]["bands"]["2100"]
    tree["values"]["markets"]["wild"] = {
        "bands": {"1800": {"decay_percent": 3}, "2100": {"shape": "threshold", "usd_per_mhz": 1}},
    }
    found = _problems(tree)
    told = "(in market 'wild': [values] with this market's overrides)"
    assert f"values.markets.wild.bands.1800.shape: missing {told}" in found
    assert f"values.markets.wild.bands.1800.usd_per_mhz: missing {told}" in found
    assert len(found) == 2, found
    del tree["values"]["markets"]["wild"]["bands"]["1800"]
    found = _problems(tree)
    assert found == [f"values.markets.wild.bands.2100.threshold_mhz: missing (needed by shape 'threshold') {told}"]


def test_a_market_changes_only_what_it_names_and_merges_appetites_band_by_band() -> None:
    tree = pakistan_tree()
    tree["values"]["profiles"]["jazz"]["appetite"] = {"2600": 1.5, "3500": 0.5}
    tree["values"]["markets"]["rich"] = {"default_budget_usd": 1, "profiles": {"jazz": {"appetite": {"3500": 2.0}}}}
    base = parse_scenario(tree, source="t.toml")
    rich = with_market(base, "rich")
    assert rich.raw is base.raw and rich.file is not None and rich.file.values is not None
    assert rich.file.values.markets == {} and rich.file.values.default_market == "rich"
    model, base_model = value_model(rich), value_model(base)
    assert dict(model.profiles["jazz"].appetite) == {"2600": 1.5, "3500": 2.0}
    assert model.profiles["jazz"].budget_usd == base_model.profiles["jazz"].budget_usd  # jazz names its own budget
    assert model.default_budget_usd == 1
    assert model.bands == base_model.bands


def test_shipped_scenarios_build_the_same_value_model_from_file_and_from_a_copy_of_the_tree() -> None:
    for name in ("pakistan-2026", "pakistan-2026-directive-literal"):
        s = load_scenario(name)
        again = parse_scenario(pakistan_tree() if name == "pakistan-2026" else dict(s.raw), source="copy.toml")
        assert value_model(again) == value_model(s)
        assert frequencies(again) == frequencies(s)
