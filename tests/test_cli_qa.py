"""QA of the headless commands as a user types them: user errors give one message and exit 2, never a
traceback; output paths are checked before any work; the printed report fits a 100-column terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from game.cli.main import main

PLAN = {
    "bidders": {
        "jazz": [{"2600": 8, "3500": 12}, {"2600": {"lots": 5, "price_usd": 12_800_000}}],
        "zong": [{"2600": 7, "3500": 10}, {"3500": 8}],
        "ufone": [{"2600": 6, "3500": 8}, {"3500": {"lots": 7, "price_usd": 6_600_000}}],
    }
}


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured
    assert "Traceback" not in captured.err
    return captured.err


def _plan(tmp_path: Path) -> str:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(PLAN), encoding="utf-8")
    return str(path)


def test_binary_plan_file_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert "not a UTF-8 text file" in _error(["auction", "--plan", str(path)], capsys)


def test_binary_round_log_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage\n")
    assert "not UTF-8 text" in _error(["replay", str(path)], capsys)


def test_negative_seed_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["auction", "--bidders", "jazz=truthful", "--seed", "-1"])
    assert exit_info.value.code == 2
    assert "--seed" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--json", "missing-dir/out.json", "does not exist"),
        ("--json", "", "give a file name"),
        ("--json", ".", "is a directory"),
        ("--log", "missing-dir/log.jsonl", "does not exist"),
        ("--log", "", "give a file name"),
    ],
)
def test_unwritable_output_is_refused_before_the_auction_runs(
    flag: str, value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["auction", "--plan", _plan(tmp_path), flag, value])
    captured = capsys.readouterr()
    assert code == 2
    assert message in captured.err
    assert captured.out == ""  # refused up front: no report printed and then lost


def test_replay_checks_its_json_path_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log.jsonl"
    assert main(["auction", "--plan", _plan(tmp_path), "--log", str(log), "--quiet"]) == 0
    capsys.readouterr()
    err = _error(["replay", str(log), "--json", str(tmp_path / "missing" / "x.json")], capsys)
    assert "does not exist" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--payment-plan", "deferred:"],
        ["--kibor", "1085"],
        ["--discount-rate", "1e400"],
    ],
)
def test_implausible_money_options_are_refused(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(["auction", "--plan", _plan(tmp_path), *argv], capsys)
    assert argv[0] in err or "payment plan" in err


def test_empty_plan_path_in_bidders(capsys: pytest.CaptureFixture[str]) -> None:
    assert "give the plan file" in _error(["auction", "--bidders", "jazz=plan:"], capsys)


def test_report_fits_a_100_column_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["auction", "--plan", _plan(tmp_path), "--scenario", "pakistan-2026-directive-literal"]) == 0
    out = capsys.readouterr().out
    band_table = out.split("\n\n")[1].splitlines()
    # Columns line up: every row of the band table is as wide as its header.
    assert len({len(line) for line in band_table}) == 1, band_table
    allocation_report = out.split("Efficiency")[0]
    assert max(len(line) for line in allocation_report.splitlines()) <= 100


def test_same_seed_same_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs: list[Any] = []
    for name in ("a", "b"):
        out, log = tmp_path / f"{name}.json", tmp_path / f"{name}.jsonl"
        argv = ["auction", "--bidders", "jazz=truthful,zong=reducer,ufone=random", "--seed", "7"]
        assert main([*argv, "--json", str(out), "--log", str(log)]) == 0
        docs.append((out.read_bytes(), log.read_bytes(), capsys.readouterr().out))
    assert docs[0] == docs[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--agent-timeout", "nan", "--out", "x"], "--agent-timeout"),
        (["--only-auction", "1", "--log", ""], "give a file name"),
        (["--only-auction", "1", "--log", "missing/x.jsonl"], "does not exist"),
    ],
)
def test_tournament_option_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert message in _error(["tournament", "--strategies", "truthful", *argv], capsys)


def test_band_plan_lines_wrap_at_100_columns(capsys: pytest.CaptureFixture[str]) -> None:
    # Four bidders fragment 1800/2100 MHz enough that one line of blocks would run past 100 columns.
    argv = ["auction", "--bidders", "jazz=random,zong=random,ufone=random,entrant=random", "--seed", "3"]
    assert main(argv) == 0
    plan = capsys.readouterr().out.split("Band plan after the auction")[1]
    assert max(len(line) for line in plan.splitlines()) <= 100


def test_tournament_says_when_seats_are_not_balanced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Three strategies in three seats: a cycle of three rotations; two auctions are part of one.
    argv = ["tournament", "--strategies", "truthful,reducer,parker", "--no-plots", "--out", str(tmp_path / "t")]
    assert main([*argv, "--auctions", "2"]) == 0
    out = capsys.readouterr().out
    assert "not a multiple" in out
    paths = str(tmp_path)
    assert max(len(line) for line in out.splitlines() if paths not in line) <= 100


@pytest.mark.parametrize("seed", [1, 3])
def test_whole_report_fits_100_columns_with_four_bidders(seed: int, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["auction", "--bidders", "jazz=random,zong=aggressive,ufone=parker,entrant=random", "--seed", str(seed)]
    assert main([*argv, "--payment-plan", "deferred:60"]) == 0
    out = capsys.readouterr().out
    allocation, rest = out.split("Efficiency", 1)
    after_efficiency = rest.split("\n\n", 1)[1]  # the efficiency table is game.economics.welfare's
    assert max(len(line) for line in (allocation + after_efficiency).splitlines()) <= 100
