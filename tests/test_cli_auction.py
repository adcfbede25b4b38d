"""The headless command: ``python run.py auction`` from a plan, its JSON, its log, and user errors."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from game.cli.main import main
from game.scenario.units import to_pkr

ROOT = Path(__file__).resolve().parent.parent

# The worked Pakistan example of test_allocation_examples: ends after round 2.
PLAN = {
    "bidders": {
        "jazz": [{"2600": 8, "3500": 12}, {"2600": {"lots": 5, "price_usd": 12_800_000}}],
        "zong": [{"2600": 7, "3500": 10}, {"3500": 8}],
        "ufone": [{"2600": 6, "3500": 8}, {"3500": {"lots": 7, "price_usd": 6_600_000}}],
    }
}


def write(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_plan_run_writes_the_json_with_the_required_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = write(tmp_path / "plan.json", PLAN)
    out = tmp_path / "out.json"
    assert main(["auction", "--scenario", "pakistan-2026", "--plan", str(plan), "--seed", "1", "--json", str(out)]) == 0
    report = capsys.readouterr().out
    assert "ended after 2 round(s)" in report
    data = json.loads(out.read_text())
    assert data["status"] == "ended"
    assert data["rounds"] == 2
    band_revenue = sum(b["revenue_usd"] for b in data["bands"].values())
    assert band_revenue == 434_300_000
    assert data["revenue_usd"] >= band_revenue  # may add assignment-stage prices on top
    assert data["revenue_pkr"] == to_pkr(data["revenue_usd"], Decimal("279.37"))
    assert set(data["bands"]) == {"700", "1800", "2100", "2300", "2600", "3500"}
    for band in data["bands"].values():
        assert {"supply_lots", "sold_lots", "price_usd", "revenue_usd"} <= set(band)
    assert data["bands"]["2600"] == data["bands"]["2600"] | {
        "supply_lots": 19, "sold_lots": 19, "price_usd": 12_800_000, "revenue_usd": 19 * 12_800_000,
    }
    assert data["bands"]["3500"]["price_usd"] == 6_825_000
    assert data["bands"]["700"] | {"sold_lots": 0, "price_usd": 32_500_000} == data["bands"]["700"]
    assert set(data["bidders"]) == {"jazz", "zong", "ufone"}
    jazz = data["bidders"]["jazz"]
    assert {"lots", "mhz", "payment_usd", "excluded"} <= set(jazz)
    assert jazz["lots"] == {"700": 0, "1800": 0, "2100": 0, "2300": 0, "2600": 6, "3500": 12}
    assert jazz["mhz"] == 180
    assert jazz["payment_usd"] == 158_700_000
    assert jazz["excluded"] is False
    assert data["bidders"]["zong"]["payment_usd"] == 151_025_000
    assert data["bidders"]["ufone"]["payment_usd"] == 124_575_000


def test_refused_plan_bid_exits_2_naming_round_bidder_band_rule_numbers_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write(tmp_path / "plan.json", {"bidders": {"zong": [{"2600": 15, "3500": 5}]}})
    assert main(["auction", "--plan", str(plan)]) == 2
    err = capsys.readouterr().err
    assert "round 1" in err and "bidder zong" in err
    assert "2600 MHz cap" in err  # band and rule
    assert "15 lots" in err and "150 MHz" in err  # the numbers
    assert "cap of 140 MHz" in err  # the limit
    assert "Traceback" not in err


def test_refused_plan_bid_in_a_later_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = dict(PLAN)
    plan["bidders"] = dict(PLAN["bidders"]) | {"jazz": [{"2600": 8, "3500": 12}, {"2600": {"lots": 5, "price_usd": 13_200_000}}]}
    assert main(["auction", "--plan", str(write(tmp_path / "plan.json", plan))]) == 2
    err = capsys.readouterr().err
    assert "round 2, bidder jazz" in err
    assert "2600 MHz: price point $13,200,000 is outside this round's range $12,500,000 (start of round) to $13,125,000" in err


@pytest.mark.parametrize(
    ("plan_text", "message"),
    [
        ('{"bidders": ', "not valid JSON"),
        ('{"bidders": {"jazz": [{"2500": 5}]}}', "bidders.jazz[0] (round 1).2500: unknown band"),
        ('{"bidders": {"mobilink": [{"2600": 5}]}}', "bidders.mobilink: unknown bidder"),
        ('{"bidders": {"jazz": [{"2600": 2.5}]}}', "bidders.jazz[0].2600: must be an integer, found 2.5"),
        ('[1, 2]', 'must be an object with a "bidders" object'),
    ],
)
def test_bad_plan_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plan_text: str, message: str
) -> None:
    plan = write(tmp_path / "plan.json", plan_text)
    assert main(["auction", "--plan", str(plan)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "plan.json" in err


def test_missing_plan_and_bad_scenario_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["auction", "--plan", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err
    plan = write(tmp_path / "plan.json", PLAN)
    assert main(["auction", "--plan", str(plan), "--scenario", "atlantis-2030"]) == 2
    assert "no such scenario" in capsys.readouterr().err
    bad = write(tmp_path / "bad.toml", "[scenario]\nid = 3\n")
    assert main(["auction", "--plan", str(plan), "--scenario", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "scenario.id: must be a string" in err and "bands: missing" in err


def test_user_errors_print_no_traceback_from_the_real_command(tmp_path: Path) -> None:
    bad_plan = write(tmp_path / "plan.json", '{"bidders": {"jazz": [{"2500": 5}]}}')
    result = run_cli("auction", "--plan", str(bad_plan))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "unknown band" in result.stderr
    refused = write(tmp_path / "refused.json", {"bidders": {"ufone": [{"700": 1, "2600": 5, "3500": 5}]}})
    result = run_cli("auction", "--plan", str(refused))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "low-band cap" in result.stderr and "60.4 MHz" in result.stderr and "55 MHz" in result.stderr


def test_log_is_jsonl_that_replay_accepts(tmp_path: Path) -> None:
    plan = write(tmp_path / "plan.json", PLAN)
    log = tmp_path / "log.jsonl"
    first = tmp_path / "first.json"
    result = run_cli("auction", "--plan", str(plan), "--seed", "4", "--log", str(log), "--json", str(first), "--quiet")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["type"] for r in records] == ["header", "round", "round", "outcome"]
    again = tmp_path / "again.json"
    result = run_cli("replay", str(log), "--json", str(again))
    assert result.returncode == 0, result.stderr
    assert "identical to the log" in result.stdout
    a, b = json.loads(first.read_text()), json.loads(again.read_text())
    # The log holds the allocation stage; compare what that stage decides.
    assert (a["status"], a["rounds"]) == (b["status"], b["rounds"])
    keys = ("supply_lots", "sold_lots", "price_usd", "revenue_usd")
    assert {k: [v[x] for x in keys] for k, v in a["bands"].items()} == {k: [v[x] for x in keys] for k, v in b["bands"].items()}
    assert {k: v["payment_usd"] for k, v in a["bidders"].items()} == {k: v["payment_usd"] for k, v in b["bidders"].items()}


def test_replay_of_a_bad_log_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write(tmp_path / "log.jsonl", "garbage\n")
    assert main(["replay", str(log)]) == 2
    assert "log.jsonl:1: not JSON" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "none.jsonl")]) == 2
