"""The scenario file against its declared schema: what used to crash is a message naming file, key path and value."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import pakistan_tree
from formats_canon import SCENARIO_TEXT, run_cli

from game.scenario import ScenarioError, load_scenario, parse_scenario
from game.scenario.schema import ScenarioFile

_names = itertools.count()


def _load(tmp_path: Path, text: str) -> ScenarioError:
    path = tmp_path / f"s{next(_names)}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path))
    assert path.name in str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("increment_percent = 5 ", "increment_percent = -inf ", "rules.increment_percent: must be a finite number, found -inf"),
        ("overall_mhz = 348.5", "overall_mhz = inf", "caps.overall_mhz: must be a finite number, found inf"),
        ('"1800" = 49.6', '"1800" = nan', "bidders.jazz.holdings_mhz.1800: must be a finite number, found nan"),
        ("max_rounds = 500", "max_rounds = " + "9" * 5000, "5000 digits is out of range"),
        ("max_rounds = 500", "max_rounds = 10_000_000_000_000_000", "rules.max_rounds: must be at most 1000000"),
        ("deposit_usd = 15_000_000", "deposit_usd = 10_000_000_000_000_000", "rules.deposit_usd: must be at most"),
        ('applies_to = "incumbents"', "applies_to = " + "[" * 5000 + "]" * 5000, "nested more than 64 levels deep"),
    ],
)
def test_values_that_used_to_crash_are_refused(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in SCENARIO_TEXT
    err = _load(tmp_path, SCENARIO_TEXT.replace(old, new, 1))
    assert expected in str(err)


def test_a_1mb_band_name_is_quoted_short(tmp_path: Path) -> None:
    err = _load(tmp_path, SCENARIO_TEXT.replace('name = "700 MHz (APT, band 28)"', 'name = "' + "B" * 1_000_000 + '"'))
    assert "bands[700].name: must have at most 200 characters" in str(err)
    assert len(str(err)) < 1000


def _refusal(tree: dict[str, object]) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(tree, source="bad.toml")
    return info.value


def test_each_problem_is_reported_once() -> None:
    tree = pakistan_tree()
    tree["bands"][0]["lots"] = "three"
    tree["caps"]["overall_mhz"] = float("inf")
    err = _refusal(tree)
    paths = [p.partition(": ")[0] for p in err.problems]
    assert paths.count("bands[700].lots") == 1 and paths.count("caps.overall_mhz") == 1


def test_schema_and_cross_check_problems_come_together() -> None:
    tree = pakistan_tree()
    tree["rules"]["max_rounds"] = True
    tree["bands"][1]["reserve_usd"] = 1  # a cross-check: reserve != base price x lot size
    err = _refusal(tree)
    text = "\n".join(err.problems)
    assert "rules.max_rounds: must be an integer, found true" in text
    assert "bands[1800].reserve_usd: 1 does not match" in text


def test_the_schema_accepts_both_shipped_scenarios_and_knows_every_section() -> None:
    tree = pakistan_tree()
    ScenarioFile.model_validate(tree)
    assert set(ScenarioFile.model_fields) == {
        "scenario", "rules", "caps", "bands", "other_bands", "bidders", "money", "assignment", "values", "band_plan",
    }


def test_cli_scenario_problems_exit_2_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "inf.toml"
    path.write_text(SCENARIO_TEXT.replace("increment_percent = 5 ", "increment_percent = -inf "), encoding="utf-8")
    code, err = run_cli(["auction", "--scenario", str(path), "--bidders", "jazz=truthful"])
    assert code == 2 and "Traceback" not in err and "increment_percent" in err
    code, err = run_cli(["auction", "--scenario", "", "--bidders", "jazz=truthful"])
    assert code == 2 and "--scenario" in err
    code, err = run_cli(["auction", "--scenario", str(tmp_path), "--bidders", "jazz=truthful"])
    assert code == 2 and "is a directory" in err
