"""Scenarios as data: the shipped files load with exact totals; bad files are refused with every problem."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LITERAL, PAKISTAN, build_scenario, pakistan_tree

from game.scenario import SCENARIO_DIR, Scenario, ScenarioError, load_scenario, parse_scenario, shipped_scenarios
from game.scenario.units import tenths_from_mhz


def _problems(tree: dict[str, Any], source: str = "bad.toml") -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(tree, source=source)
    return info.value


def _band(tree: dict[str, Any], band_id: str) -> dict[str, Any]:
    return next(b for b in tree["bands"] if b["id"] == band_id)


# ---------------------------------------------------------------- shipped scenarios


def test_both_scenarios_are_shipped() -> None:
    assert {PAKISTAN, LITERAL} <= set(shipped_scenarios())


def test_pakistan_totals_are_exact(pakistan: Scenario) -> None:
    assert pakistan.band_ids == ("700", "1800", "2100", "2300", "2600", "3500")
    assert pakistan.offered_tenths == 5972  # 597.2 MHz
    assert sum(b.lots for b in pakistan.bands) == 62
    assert pakistan.reserve_total_usd == 897_400_000
    assert sum(p.total_holdings for p in pakistan.bidders if p.incumbent) == 2740  # 274 MHz
    assert pakistan.caps.overall == 3485
    assert pakistan.caps.low_band == 550
    assert set(pakistan.caps.low_band_bands) == {"700", "850", "900"}
    assert dict(pakistan.caps.per_band) == {"2600": 1400, "3500": 2000}


def test_pakistan_bands_match_the_im(pakistan: Scenario) -> None:
    expected = {  # lots, lot tenths, reserve, points
        "700": (3, 100, 32_500_000, 325),
        "1800": (3, 24, 16_800_000, 168),
        "2100": (4, 100, 70_000_000, 700),
        "2300": (5, 100, 10_000_000, 100),
        "2600": (19, 100, 12_500_000, 125),
        "3500": (28, 100, 6_500_000, 65),
    }
    for band in pakistan.bands:
        assert (band.lots, band.lot_tenths, band.reserve_usd, band.eligibility_points) == expected[band.id]


def test_pakistan_holdings_per_operator(pakistan: Scenario) -> None:
    holdings = {p.id: dict(p.holdings) for p in pakistan.bidders}
    assert holdings["jazz"] == {"900": 248, "1800": 496, "2100": 200}
    assert holdings["zong"] == {"900": 100, "1800": 373, "2100": 200}
    assert holdings["ufone"] == {"850": 200, "900": 304, "1800": 419, "2100": 200}
    assert holdings["entrant"] == {}
    totals = {p.id: p.total_holdings for p in pakistan.bidders}
    assert totals == {"jazz": 944, "zong": 673, "ufone": 1123, "entrant": 0}
    low = {p.id: sum(p.holding(b) for b in pakistan.caps.low_band_bands) for p in pakistan.bidders}
    assert low == {"jazz": 248, "zong": 100, "ufone": 504, "entrant": 0}
    for p in pakistan.bidders:
        if p.incumbent:
            assert set(p.estimated_holdings) == {"900", "1800"}


def test_pakistan_rules_and_money(pakistan: Scenario) -> None:
    rules = pakistan.rules
    assert rules.increment_bp == 500
    assert rules.price_step_usd == 1_000
    assert rules.deposit_usd == 15_000_000
    assert rules.initial_eligibility is None
    assert rules.success_threshold_percent == 50
    assert rules.obligation.applies_to == "incumbents"
    assert dict(rules.obligation.min_lots) == {"2600": 5, "3500": 5}
    assert str(pakistan.exchange_rate_pkr_per_usd) == "279.37"
    assert pakistan.default_bidders == ("jazz", "zong", "ufone")
    assert "entrant" in pakistan.bidder_ids  # optional, off unless asked for


def test_literal_scenario_follows_the_directive_text(literal: Scenario, pakistan: Scenario) -> None:
    assert "directive text literally" in literal.name
    assert literal.name != pakistan.name
    band = literal.band("1800")
    assert (band.lots, band.lot_tenths, band.offered_tenths, band.reserve_usd) == (30, 24, 720, 16_800_000)
    assert literal.offered_tenths == 6620  # 597.2 - 7.2 + 72
    assert sum(b.lots for b in literal.bands) == 89
    assert literal.reserve_total_usd == 1_351_000_000  # 897.4m + 27 x 16.8m
    # 0.4 x (274 + 662) = 374.4 MHz, exactly.
    assert literal.caps.overall == 4 * (2740 + 6620) // 10 == 3744
    assert literal.caps.low_band == pakistan.caps.low_band
    assert {p.id: dict(p.holdings) for p in literal.bidders} == {p.id: dict(p.holdings) for p in pakistan.bidders}


def test_mhz_arithmetic_is_exact() -> None:
    assert tenths_from_mhz(348.5) == 3485
    assert tenths_from_mhz(2.4) * 3 == tenths_from_mhz(7.2)
    with pytest.raises(ValueError):
        tenths_from_mhz(0.05)


def test_scenario_by_path_and_unknown_name(tmp_path: Any) -> None:
    path = tmp_path / "copy.toml"
    path.write_bytes((SCENARIO_DIR / "pakistan-2026.toml").read_bytes())
    assert load_scenario(str(path)).offered_tenths == 5972
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario("atlantis-2030")
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(str(tmp_path / "missing.toml"))


def test_invalid_toml_names_the_file(tmp_path: Any) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[scenario\nid = 1\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path))
    assert "broken.toml" in str(info.value)
    assert "not valid TOML" in str(info.value)


# ---------------------------------------------------------------- validation, one problem at a time


def test_unknown_key_is_named_with_its_path() -> None:
    tree = pakistan_tree()
    _band(tree, "2600")["lot_size"] = 10
    tree["rules"]["incremnt_percent"] = 5
    err = _problems(tree)
    assert "bad.toml" in str(err)
    assert any(p.startswith("bands[2600].lot_size:") and "unknown key" in p for p in err.problems)
    assert any(p.startswith("rules.incremnt_percent:") and "unknown key" in p for p in err.problems)


def test_missing_key_is_named_with_its_path() -> None:
    tree = pakistan_tree()
    del _band(tree, "700")["reserve_usd"]
    del tree["caps"]["overall_mhz"]
    del tree["money"]
    err = _problems(tree)
    assert "bands[700].reserve_usd: missing" in err.problems
    assert "caps.overall_mhz: missing" in err.problems
    assert any(p.startswith("money:") and "missing" in p for p in err.problems)


def test_wrong_types_are_named() -> None:
    tree = pakistan_tree()
    _band(tree, "2100")["lots"] = "four"
    _band(tree, "2300")["positioning"] = "yes"
    tree["rules"]["max_rounds"] = 2.5
    tree["bidders"]["jazz"]["incumbent"] = 1
    err = _problems(tree)
    text = "\n".join(err.problems)
    assert "bands[2100].lots: must be an integer" in text
    assert "bands[2300].positioning: must be true or false" in text
    assert "rules.max_rounds: must be an integer" in text
    assert "bidders.jazz.incumbent: must be true or false" in text


def test_negative_numbers_are_refused() -> None:
    tree = pakistan_tree()
    _band(tree, "3500")["eligibility_points"] = -65
    tree["rules"]["deposit_usd"] = -1
    tree["bidders"]["zong"]["holdings_mhz"]["2100"] = -20
    err = _problems(tree)
    text = "\n".join(err.problems)
    assert "bands[3500].eligibility_points: must be positive, found -65" in text
    assert "rules.deposit_usd: must not be negative, found -1" in text
    assert "bidders.zong.holdings_mhz.2100: must not be negative" in text


def test_lots_times_lot_size_must_equal_offered() -> None:
    tree = pakistan_tree()
    _band(tree, "1800")["offered_mhz"] = 72  # 3 lots of 2.4 MHz is 7.2 MHz
    err = _problems(tree)
    assert err.problems == ["bands[1800].offered_mhz: 3 lots x 2.4 MHz = 7.2 MHz, but offered_mhz is 72 MHz"]


def test_reserve_must_match_base_price_times_lot_size() -> None:
    tree = pakistan_tree()
    _band(tree, "700")["reserve_usd"] = 30_000_000  # 6.5m per MHz paired x 2x5 MHz = 32.5m
    err = _problems(tree)
    assert len(err.problems) == 1
    assert err.problems[0].startswith("bands[700].reserve_usd:")
    assert "32500000" in err.problems[0] and "30000000" in err.problems[0]


def test_reserve_mismatch_is_caught_when_the_product_is_fractional() -> None:
    tree = pakistan_tree()
    # 1,000,001 per MHz paired x 2x1.2 MHz = 1,200,001.2: no whole reserve can match it.
    _band(tree, "1800")["base_price_usd_per_mhz"] = 1_000_001
    err = _problems(tree)
    assert any(p.startswith("bands[1800].reserve_usd:") for p in err.problems)


def test_cap_below_existing_holdings_is_refused() -> None:
    tree = pakistan_tree()
    tree["caps"]["low_band_mhz"] = 50  # Ufone+Telenor already hold 50.4 MHz of low band
    tree["caps"]["overall_mhz"] = 100  # Ufone+Telenor already hold 112.3 MHz
    err = _problems(tree)
    text = "\n".join(err.problems)
    assert "bidders.ufone.holdings_mhz: existing low-band holdings 50.4 MHz exceed caps.low_band_mhz = 50 MHz" in text
    assert "bidders.ufone.holdings_mhz: existing holdings 112.3 MHz exceed the overall cap" in text
    assert all("jazz" not in p and "zong" not in p for p in err.problems)


def test_band_cap_below_existing_holding_is_refused() -> None:
    tree = pakistan_tree()
    tree["bidders"]["zong"]["holdings_mhz"]["2600"] = 150
    err = _problems(tree)
    assert any(p.startswith("bidders.zong.holdings_mhz.2600:") and "caps.band_mhz.2600 = 140 MHz" in p for p in err.problems)


def test_unknown_band_in_holdings_is_refused() -> None:
    tree = pakistan_tree()
    tree["bidders"]["jazz"]["holdings_mhz"]["1900"] = 10
    err = _problems(tree)
    assert len(err.problems) == 1
    assert err.problems[0].startswith("bidders.jazz.holdings_mhz.1900: unknown band")


def test_unknown_band_in_obligation_and_caps() -> None:
    tree = pakistan_tree()
    tree["rules"]["round1_obligation"]["min_lots"]["2500"] = 5
    tree["caps"]["band_mhz"]["2500"] = 100
    err = _problems(tree)
    text = "\n".join(err.problems)
    assert "rules.round1_obligation.min_lots.2500: unknown band" in text
    assert "caps.band_mhz.2500: unknown band" in text


def test_every_problem_is_reported_at_once() -> None:
    tree = pakistan_tree()
    tree["surprise"] = True
    _band(tree, "700")["lots"] = -3
    _band(tree, "2600")["offered_mhz"] = 200
    tree["rules"]["price_step_usd"] = "1000"
    tree["caps"]["low_band_mhz"] = 40
    tree["bidders"]["jazz"]["holdings_mhz"]["1900"] = 10
    del tree["scenario"]["name"]
    err = _problems(tree, source="many.toml")
    paths = [p.split(":", 1)[0] for p in err.problems]
    for expected in (
        "surprise",
        "bands[700].lots",
        "bands[2600].offered_mhz",
        "rules.price_step_usd",
        "bidders.ufone.holdings_mhz",
        "bidders.jazz.holdings_mhz.1900",
        "scenario.name",
    ):
        assert expected in paths, (expected, err.problems)
    assert str(err).startswith(f"scenario many.toml has {len(err.problems)} problem(s):")
    for problem in err.problems:
        assert f"  - {problem}" in str(err)


def test_a_minimal_scenario_built_in_code_is_valid() -> None:
    from conftest import band_table

    s = build_scenario([band_table("x", 4, 1_000_000)], {"a": {}, "b": {}})
    assert s.band("x").offered_tenths == 400
    assert s.bidder_ids == ("a", "b")
    assert s.rules.obligation.applies_to == "none"


def test_obligation_above_supply_is_refused() -> None:
    tree = pakistan_tree()
    tree["rules"]["round1_obligation"]["min_lots"]["2600"] = 20
    err = _problems(tree)
    assert err.problems == ["rules.round1_obligation.min_lots.2600: 20 lots is more than the 19 lots on sale"]
