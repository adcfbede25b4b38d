"""External bidders play whole tournaments: the example bots, the Python worker, exec: seats, determinism."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from game.cli.main import main
from tests.protocol_helpers import BOTS, EXAMPLES, failures, seats, tournament

NODE = shutil.which("node")


@pytest.mark.parametrize("command", [f"{sys.executable} {EXAMPLES / 'bots' / 'truthful.py'}", f"node {EXAMPLES / 'bots' / 'truthful.js'}"])
def test_each_example_bot_plays_a_complete_tournament(tmp_path: Path, command: str) -> None:
    if command.startswith("node") and NODE is None:
        pytest.skip("node is not installed")
    result = tournament(tmp_path, ("bot", "truthful", "reducer"), programs=(("bot", command),), auctions=3)
    assert result.done == 3
    rows = [r for r in seats(tmp_path) if r[2] == "bot"]
    assert len(rows) == 3 and any(r[4] > 0 for r in rows)  # it sat in every auction and won spectrum
    assert not [f for f in failures(tmp_path) if f[1] == "bot"]
    logs = list((tmp_path / "agent-logs").iterdir())
    assert logs  # per-seat stderr logs under the tournament's directory


def test_a_tournament_reuses_one_process_per_seat(tmp_path: Path) -> None:
    tournament(tmp_path, ("bot", "truthful"), programs=(("bot", f"{sys.executable} {EXAMPLES / 'bots' / 'truthful.py'}"),),
               auctions=4)
    # seats 'bot' over 4 auctions: one log (one process) per seat kept by the single worker, not one per auction
    assert len(list((tmp_path / "agent-logs").iterdir())) <= 2


def test_the_worker_plays_an_agent_class_exactly_as_in_process(tmp_path: Path) -> None:
    """The built-in truthful strategy through the protocol wins what it wins in process (the adapter loses nothing)."""
    tournament(tmp_path / "external", ("truthful-copy", "reducer"), modules=(str(BOTS / "truthful_copy.py"),), auctions=2)
    tournament(tmp_path / "inside", ("truthful", "reducer"), auctions=2)
    outside = [(a, b, lots, won, value, utility) for a, b, _, lots, won, value, utility in seats(tmp_path / "external")]
    inside = [(a, b, lots, won, value, utility) for a, b, _, lots, won, value, utility in seats(tmp_path / "inside")]
    assert outside == inside
    assert not failures(tmp_path / "external")


def test_same_seed_same_csv_bytes_for_any_jobs_with_external_agents(tmp_path: Path) -> None:
    bot = f"{sys.executable} {EXAMPLES / 'bots' / 'truthful.py'}"
    common = {"programs": (("bot", bot),), "modules": (str(EXAMPLES / "my_agent.py"),), "auctions": 4, "seed": 7}
    tournament(tmp_path / "one", ("bot", "shaded", "truthful"), jobs=1, **common)  # type: ignore[arg-type]
    tournament(tmp_path / "two", ("bot", "shaded", "truthful"), jobs=2, **common)  # type: ignore[arg-type]
    one = (tmp_path / "one" / "auctions.csv").read_bytes()
    assert one == (tmp_path / "two" / "auctions.csv").read_bytes()
    assert b"bot" in one and b"shaded" in one


def test_auction_command_seats_exec_programs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.json"
    bidders = f'jazz=exec:"{sys.executable} {EXAMPLES / "bots" / "truthful.py"}",zong=truthful,ufone=reducer'
    assert main(["auction", "--bidders", bidders, "--seed", "3", "--json", str(out), "--quiet"]) == 0
    document = json.loads(out.read_text())
    assert document["bidders"]["jazz"]["strategy"].startswith("exec:")
    assert document["agent_failures"] == []
    assert sum(document["bidders"]["jazz"]["lots"].values()) > 0


def test_auction_command_refuses_an_empty_exec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["auction", "--bidders", "jazz=exec:,zong=truthful"]) == 2
    assert "exec:" in capsys.readouterr().err


def test_auction_command_limits_an_exec_program_and_keeps_its_log(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    logs = tmp_path / "logs"
    bidders = f'jazz=exec:"{sys.executable} {BOTS / "misbehave.py"} sleep",zong=truthful,ufone=truthful'
    assert main(["auction", "--bidders", bidders, "--seed", "3", "--json", str(out), "--quiet",
                 "--agent-timeout", "0.3", "--agent-overruns", "1", "--agent-logs", str(logs)]) == 0
    failures = json.loads(out.read_text())["agent_failures"]
    assert [(f["round"], f["bidder"], f["kind"]) for f in failures] == [(2, "jazz", "timeout")]
    assert list(logs.iterdir())


@pytest.mark.parametrize("command", ["auction", "tournament"])
def test_bad_limit_flags_are_all_named_with_exit_2(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [command, "--agent-memory", "1", "--agent-overruns", "0"]
    argv += ["--bidders", "jazz=truthful"] if command == "auction" else ["--strategies", "truthful", "--out", "x"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--agent-memory: must be at least 64, got 1" in err and "--agent-overruns: must be at least 1, got 0" in err


@pytest.mark.parametrize("command", ["auction", "tournament"])
def test_a_program_that_does_not_exist_is_refused_before_the_run(command: str, capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    if command == "auction":
        argv = ["auction", "--bidders", "jazz=exec:no-such-bot --fast,zong=truthful"]
    else:
        argv = ["tournament", "--agent-cmd", "b=no-such-bot --fast", "--strategies", "b,truthful", "--out",
                str(tmp_path / "out")]
    assert main(argv) == 2
    assert "program 'no-such-bot' not found on PATH" in capsys.readouterr().err
    assert not (tmp_path / "out" / "auctions.sqlite").exists()
