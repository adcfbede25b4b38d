"""Command-line flags checked before any auction runs: exit 2 with a message naming the flag."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from formats_canon import run_cli

import game.cli.main as cli_main


@pytest.fixture
def no_auction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if an auction starts: the flag must be refused before."""

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the auction ran before the flag was refused")

    monkeypatch.setattr(cli_main, "run_allocation", refuse)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--discount-rate", "-1"], "--discount-rate: -1% a year is negative"),
        (["--kibor", "-1"], "--kibor: -1% a year is negative"),
        (["--payment-plan", "deferred:-5"], "--payment-plan deferred:-5: upfront share -5% is below the minimum of 50%"),
        (["--payment-plan", "deferred:0"], "--payment-plan deferred:0: upfront share 0% is below the minimum"),
        (["--payment-plan", "deferred:150"], "--payment-plan deferred:150: upfront share 150% is above 100%"),
        (["--scenario", ""], "--scenario: give a shipped scenario name"),
        (["--log", "/proc/version/x.jsonl"], "--log /proc/version/x.jsonl"),
    ],
)
def test_bad_flags_are_refused_before_the_auction(no_auction: None, flags: list[str], expected: str) -> None:
    code, err = run_cli(["auction", "--bidders", "jazz=truthful", "--quiet", *flags])
    assert code == 2 and "Traceback" not in err
    assert expected in err


def test_unwritable_outputs_name_the_flag_and_file(no_auction: None, tmp_path: Path) -> None:
    # A read-only directory stops everyone but root; /proc stops root too (os.access says yes to root).
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    targets = [str(locked / "out")] + (["/proc/version"] if Path("/proc/version").exists() else [])
    try:
        for target in targets:
            for flag in ("--json", "--log"):
                if target.startswith(str(locked)) and os.geteuid() == 0:
                    continue
                code, err = run_cli(["auction", "--bidders", "jazz=truthful", "--quiet", flag, target])
                assert code == 2 and flag in err and target in err, err
    finally:
        locked.chmod(0o700)


def test_resume_with_a_command_is_refused(no_auction: None) -> None:
    code, err = run_cli(["--resume", "save.json", "auction", "--bidders", "jazz=truthful"])
    assert code == 2 and "--resume" in err and "'auction'" in err


def test_tournament_auctions_are_bounded_up_front(tmp_path: Path) -> None:
    # The schedule is drawn lazily, so only the numbers bound --auctions (game.tournament.runner.MAX_AUCTIONS).
    code, err = run_cli(["tournament", "--strategies", "truthful", "--auctions", str(10**16), "--out", str(tmp_path / "t")])
    assert code == 2 and "--auctions must be at most 10^15, got 10000000000000000" in err
    assert not (tmp_path / "t").exists()


def test_good_money_flags_still_run(tmp_path: Path) -> None:
    code, err = run_cli(
        ["auction", "--bidders", "jazz=truthful,zong=truthful", "--quiet", "--payment-plan", "deferred:60", "--kibor", "0",
         "--discount-rate", "0", "--json", str(tmp_path / "o.json")]
    )
    assert code == 0, err


@pytest.mark.parametrize("seed", ["-1", str(2**64), "9" * 5000])
def test_seed_outside_what_a_log_can_record_is_an_argument_error(seed: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_cli(["auction", "--bidders", "jazz=truthful", "--seed", seed])
    assert exit_info.value.code == 2


def test_the_largest_seed_runs_and_replays(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    argv = ["auction", "--bidders", "jazz=truthful,zong=truthful", "--quiet", "--seed", str(2**64 - 1), "--log", str(log)]
    assert run_cli(argv)[0] == 0
    assert run_cli(["replay", str(log), "--quiet"])[0] == 0
