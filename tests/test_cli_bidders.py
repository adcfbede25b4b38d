"""``python run.py auction --bidders ...``: scripted bidders from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from game.cli.main import main


def run(tmp_path: Path, *args: str) -> tuple[int, dict[str, object]]:
    out = tmp_path / "out.json"
    code = main(["auction", "--quiet", "--json", str(out), *args])
    return code, (json.loads(out.read_text()) if code == 0 else {})


def test_scripted_auction_writes_efficiency_and_per_bidder_figures(tmp_path: Path) -> None:
    code, doc = run(tmp_path, "--bidders", "jazz=truthful,zong=reducer,ufone=truthful", "--seed", "3")
    assert code == 0
    assert doc["status"] == "ended"
    for key in ("efficiency", "welfare_usd", "optimal_welfare_usd"):
        assert key in doc
    assert 0 <= doc["efficiency"] <= 1  # type: ignore[operator]
    bidders = doc["bidders"]
    assert isinstance(bidders, dict)
    assert bidders["zong"]["strategy"] == "reducer"
    for entry in bidders.values():
        # Positioning prices come out of the winner's pocket too.
        assert entry["utility_usd"] == (
            entry["value_usd"] - entry["payment_usd"] - entry["assignment_payment_usd"] - entry["forfeited_deposit_usd"]
        )


def test_same_seed_gives_the_same_json_byte_for_byte(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    args = ["--bidders", "jazz=random,zong=parker,ufone=aggressive", "--seed", "9"]
    assert main(["auction", "--quiet", "--json", str(a / "o.json"), *args]) == 0
    assert main(["auction", "--quiet", "--json", str(b / "o.json"), *args]) == 0
    assert (a / "o.json").read_bytes() == (b / "o.json").read_bytes()


def test_mix_with_a_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"bidders": {"jazz": [{"2600": 5, "3500": 5}]}}))
    code, doc = run(tmp_path, "--plan", str(plan), "--bidders", "zong=truthful,ufone=plan:" + str(tmp_path / "p2.json"))
    assert code == 2  # p2.json does not exist
    plan2 = tmp_path / "p2.json"
    plan2.write_text(json.dumps({"bidders": {"ufone": [{"2600": 6, "3500": 6}]}}))
    code, doc = run(tmp_path, "--plan", str(plan), "--bidders", "zong=truthful,ufone=plan:" + str(plan2))
    assert code == 0
    bidders = doc["bidders"]
    assert isinstance(bidders, dict)
    assert bidders["jazz"]["strategy"] == "plan"
    assert bidders["ufone"]["strategy"] == "plan:" + str(plan2)
    assert bidders["zong"]["strategy"] == "truthful"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("jazz=sniper", ["unknown strategy 'sniper'", "truthful", "reducer", "parker", "aggressive", "random"]),
        ("telenor=truthful", ["unknown bidder 'telenor'", "jazz", "zong", "ufone", "entrant"]),
        ("jazz", ["BIDDER=STRATEGY"]),
        ("jazz=truthful,jazz=random", ["named twice"]),
    ],
)
def test_bad_bidders_exit_2_with_the_known_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, expected: list[str]
) -> None:
    code, _ = run(tmp_path, "--bidders", spec)
    assert code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for fragment in expected:
        assert fragment in err


def test_a_bidder_in_both_plan_and_bidders_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"bidders": {"jazz": [{"2600": 5, "3500": 5}]}}))
    code, _ = run(tmp_path, "--plan", str(plan), "--bidders", "jazz=truthful")
    assert code == 2
    assert "both" in capsys.readouterr().err


def test_text_report_shows_efficiency(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["auction", "--bidders", "jazz=truthful,zong=truthful", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "Efficiency" in out and "utility" in out


def test_payment_plan_flags_reach_the_json(tmp_path: Path) -> None:
    code, doc = run(
        tmp_path, "--bidders", "jazz=truthful,zong=truthful", "--payment-plan", "deferred:60", "--kibor", "11",
        "--discount-rate", "10",
    )
    assert code == 0
    bidders = doc["bidders"]
    assert isinstance(bidders, dict)
    plan = bidders["jazz"]["payment_plan"]
    # The financed licence fee is the lots' price plus the positioning price.
    assert plan["plan"] == "deferred" and plan["amount_usd"] == bidders["jazz"]["total_payment_usd"]
    assert plan["kibor_percent"] == "11" and plan["discount_rate_percent"] == "10"
    assert main(["auction", "--quiet", "--bidders", "jazz=truthful", "--payment-plan", "weekly"]) == 2
