"""Bid plans against their declared schema: deep, huge, mistyped or echo-bait plans are refused with a message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from formats_canon import PLAN, run_cli

from game.agents.plan import PlanError, load_plan, parse_plan
from game.engine.rules import Bid
from game.scenario import Scenario


def _refused(tmp_path: Path, text: str, pakistan: Scenario) -> str:
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(path, pakistan)
    assert "plan.json" in str(info.value)
    return str(info.value)


def test_the_canonical_plan_reads_as_bids(pakistan: Scenario) -> None:
    plan = parse_plan(PLAN, pakistan)
    assert plan["jazz"][1].bids == {"2600": Bid("2600", 6, 12_900_000)}
    assert plan["zong"][1].bids == {} and plan["ufone"][0].accept_penalty is False
    assert plan["jazz"][0].bids["700"] == Bid("700", 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"bidders": {"jazz": ' + "[" * 5000 + "]" * 5000 + "}}", "nested more than 64 levels deep"),
        ('{"bidders": {"jazz": [{"2600": ' + "9" * 5000 + "}]}}", "5000 digits is out of range"),
        ('{"bidders": {"jazz": [{"2600": 10000000000000000}]}}', "bidders.jazz[0].2600: must be at most 1000000"),
        ('{"bidders": {"jazz": [{"2600": NaN}]}}', "bidders.jazz[0].2600: must be a finite number, found nan"),
        ('{"bidders": {"jazz": [{"2600": {"lots": 1, "price_usd": Infinity}}]}}', "must be a finite number, found inf"),
        ('{"bidders": {"jazz": [{"2600": -1}]}}', "bidders.jazz[0].2600: must not be negative, found -1"),
        ('{"bidders": {"jazz": [{"2600": true}]}}', "bidders.jazz[0].2600: must be an integer, found true"),
        ('{"bidders": {"jazz": [{"2600": {"lots": 1, "colour": 2}}]}}', "2600.colour: unknown key (known keys: lots, price_usd)"),
        ('{"bidders": {"jazz": [{"accept_penalty": "yes"}]}}', "accept_penalty: must be true or false, found 'yes'"),
        ('{"bidders": {"jazz": {"2600": 5}}}', "bidders.jazz: must be a list"),
        ('{"bidders": {"jazz": []}, "bidderz": 1}', "bidderz: unknown key (known keys: bidders, notes)"),
    ],
)
def test_bad_plans_are_refused_naming_path_and_value(tmp_path: Path, pakistan: Scenario, text: str, expected: str) -> None:
    assert expected in _refused(tmp_path, text, pakistan)


def test_every_problem_of_a_plan_at_once(tmp_path: Path, pakistan: Scenario) -> None:
    text = json.dumps({"bidders": {"jazz": [{"2600": 2.5, "2500": 1}], "mobilink": [], "zong": [{"3500": "x"}]}})
    message = _refused(tmp_path, text, pakistan)
    assert "has 4 problem(s)" in message
    for part in ("jazz[0].2600: must be an integer", "(round 1).2500: unknown band", "mobilink: unknown bidder", "zong[0].3500"):
        assert part in message


def test_a_2mb_band_name_is_not_echoed_whole(tmp_path: Path, pakistan: Scenario) -> None:
    message = _refused(tmp_path, json.dumps({"bidders": {"jazz": [{"B" * 2_000_000: 1}]}}), pakistan)
    assert "unknown band" in message and len(message) < 1000


def test_deep_plan_through_the_cli_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"bidders": {"jazz": ' + "[" * 5000 + "]" * 5000 + "}}", encoding="utf-8")
    for argv in (["auction", "--plan", str(path)], ["auction", "--bidders", f"jazz=plan:{path},zong=truthful"]):
        code, err = run_cli(argv)
        assert code == 2 and "Traceback" not in err and "deep.json" in err and "nested" in err


def test_deep_plan_in_a_tournament_is_refused_up_front(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"bidders": {"jazz": ' + "[" * 5000 + "]" * 5000 + "}}", encoding="utf-8")
    out = tmp_path / "out"
    code, err = run_cli(["tournament", "--strategies", f"truthful,plan:{path}", "--auctions", "2", "--out", str(out), "--quiet"])
    assert code == 2 and "nested more than" in err
    assert not (out / "auctions.sqlite").exists()


def test_a_plan_with_a_million_problems_lists_fifty(tmp_path: Path, pakistan: Scenario) -> None:
    text = json.dumps({"bidders": {f"b{i}": [] for i in range(100_000)}})
    message = _refused(tmp_path, text, pakistan)
    assert "has 100000 problem(s)" in message and "... and 99950 more" in message
    assert len(message) < 20_000
