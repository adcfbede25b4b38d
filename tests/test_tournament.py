"""Tournaments: seat rotation, seeds, byte-identical results for any --jobs, failures that do not stop
the run, interrupt and resume, the command line and the example agent module.

Tournaments here are small (4-6 auctions) so the suite stays fast.
"""

from __future__ import annotations

import csv
import sqlite3
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.cli.main import main
from game.tournament import TournamentConfig, TournamentError, play_one, run_tournament
from game.tournament.leaderboard import mean_ci95, standings, t975
from game.tournament.schedule import auction_seed, seating_for, seatings
from game.tournament.storage import RATIO_COLUMNS, StorageError, csv_row

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "my_agent.py"
STRATEGIES = ("truthful", "reducer", "random")


def config(out: Path, **kw: object) -> TournamentConfig:
    base: dict[str, object] = {
        "strategies": STRATEGIES, "auctions": 6, "out_dir": str(out), "seed": 7, "jobs": 1, "plots": False,
    }
    base.update(kw)
    return TournamentConfig(**base)  # type: ignore[arg-type]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted tournament with one job."""
    out = tmp_path_factory.mktemp("reference")
    result = run_tournament(config(out))
    assert result.done == 6 and not result.interrupted
    return out


# ---------------------------------------------------------------- schedule and seeds


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 6), n=st.integers(1, 4))
def test_every_strategy_plays_every_seat_equally_often_over_a_cycle(m: int, n: int) -> None:
    names = [f"s{i}" for i in range(m)]
    cycle = seatings(names, n)
    counts = Counter((strategy, seat) for seating in cycle for seat, strategy in enumerate(seating))
    assert set(counts) == {(s, seat) for s in names for seat in range(n)}
    assert len(set(counts.values())) == 1
    for seating in cycle:
        assert len(seating) == n
        if m >= n:
            assert len(set(seating)) == n  # distinct strategies when there are enough


def test_more_strategies_than_seats_cycles_all_combinations() -> None:
    cycle = seatings(["a", "b", "c", "d", "e"], 3)
    assert len(cycle) == 30
    assert {frozenset(s) for s in cycle} == {frozenset(c) for c in [
        ("a", "b", "c"), ("a", "b", "d"), ("a", "b", "e"), ("a", "c", "d"), ("a", "c", "e"),
        ("a", "d", "e"), ("b", "c", "d"), ("b", "c", "e"), ("b", "d", "e"), ("c", "d", "e"),
    ]}
    assert seating_for(cycle, 31) == seating_for(cycle, 1)


def test_auction_seeds_derive_from_the_tournament_seed_alone() -> None:
    seeds = [auction_seed(1, i) for i in range(1, 200)]
    assert len(set(seeds)) == len(seeds)
    assert seeds == [auction_seed(1, i) for i in range(1, 200)]
    assert auction_seed(2, 1) != auction_seed(1, 1)
    assert all(0 <= s < 2**63 for s in seeds)


def test_bad_schedule_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct"):
        seatings(["a", "a"], 3)
    with pytest.raises(ValueError):
        seatings([], 3)


# ---------------------------------------------------------------- leaderboard


def test_t_quantile_matches_scipy_without_importing_it() -> None:
    from scipy import stats

    for df in [*range(1, 200), 250, 1000, 12_345, 10**6]:
        assert t975(df) == pytest.approx(float(stats.t.ppf(0.975, df)), rel=2e-8), df
    with pytest.raises(ValueError):
        t975(0)


def test_the_command_line_and_a_tournament_do_not_import_scipy_or_matplotlib(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from game.cli.main import main; "
        f"main(['tournament', '--strategies', 'truthful', '--auctions', '1', '--out', {str(tmp_path / 'o')!r}, "
        "'--no-plots', '--quiet', '--bidders', 'jazz,zong']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'matplotlib')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_confidence_interval_is_student_t() -> None:
    mean, lo, hi = mean_ci95([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert lo == pytest.approx(2.0 - 4.302652729911275 / 3**0.5)
    assert hi == pytest.approx(2.0 + 4.302652729911275 / 3**0.5)
    assert mean_ci95([5.0]) == (5.0, None, None)


def test_standings_count_auction_level_means_once_per_auction() -> None:
    rows = [
        (1, "a", 10, 100, 0, 0.5, 1000),
        (1, "a", 30, 300, 1, 0.5, 1000),  # "a" in two seats of auction 1
        (1, "b", 0, 0, 0, 0.5, 1000),
        (2, "b", 20, 200, 0, 1.0, 3000),
    ]
    table = {s.strategy: s for s in standings(rows)}
    assert table["a"].mean_utility_usd == 20 and table["a"].seat_plays == 2 and table["a"].auctions == 1
    assert table["a"].mean_revenue_usd == 1000 and table["a"].failed_seat_plays == 1
    assert table["a"].mean_mhz == 20.0
    assert table["b"].mean_efficiency == 0.75 and table["b"].mean_revenue_usd == 2000
    assert [s.strategy for s in standings(rows)] == ["a", "b"]


# ---------------------------------------------------------------- runs


def test_outputs_hold_one_row_per_auction_and_a_leaderboard(reference: Path) -> None:
    rows = read_csv(reference / "auctions.csv")
    assert [int(r["auction"]) for r in rows] == list(range(1, 7))
    for r in rows:
        assert int(r["seed"]) == auction_seed(7, int(r["auction"]))
        assert 0 <= float(r["efficiency"]) <= 1
        for bidder in ("jazz", "zong", "ufone"):
            assert r[f"{bidder}_strategy"] in STRATEGIES
            utility = int(r[f"{bidder}_utility_usd"])
            assert utility == int(r[f"{bidder}_value_usd"]) - int(r[f"{bidder}_payment_usd"]) - int(
                r[f"{bidder}_forfeited_usd"]
            )
        assert int(r["revenue_usd"]) == sum(int(r[f"{b}_payment_usd"]) for b in ("jazz", "zong", "ufone"))
    board = read_csv(reference / "leaderboard.csv")
    assert sorted(b["strategy"] for b in board) == sorted(STRATEGIES)
    for b in board:
        assert float(b["utility_ci95_low_usd"]) <= float(b["mean_utility_usd"]) <= float(b["utility_ci95_high_usd"])
    db = sqlite3.connect(reference / "auctions.sqlite")
    assert db.execute("SELECT count(*) FROM auctions").fetchone()[0] == 6
    assert db.execute("SELECT count(*) FROM seats").fetchone()[0] == 18
    assert db.execute("SELECT count(DISTINCT auction) FROM price_paths").fetchone()[0] == 6
    # The database answers the leaderboard's question too.
    by_sql = dict(db.execute("SELECT strategy, avg(utility_usd) FROM seats GROUP BY strategy").fetchall())
    for b in board:
        assert by_sql[b["strategy"]] == pytest.approx(float(b["mean_utility_usd"]), abs=1)


def test_same_seed_gives_byte_identical_csvs_for_any_jobs(reference: Path, tmp_path: Path) -> None:
    result = run_tournament(config(tmp_path, jobs=2))
    assert result.done == 6
    for name in ("auctions.csv", "leaderboard.csv"):
        assert (tmp_path / name).read_bytes() == (reference / name).read_bytes()


def test_any_auction_can_be_rerun_alone(reference: Path, tmp_path: Path) -> None:
    bands = ("700", "1800", "2100", "2300", "2600", "3500")
    record = play_one(config(tmp_path), 4)
    with open(reference / "auctions.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    expected = rows[4]
    got = [str(v) for v in csv_row(record, bands)]
    for column in RATIO_COLUMNS:  # ratios are written with six decimals
        i = rows[0].index(column)
        got[i] = f"{float(got[i]):.6f}"
    assert got == expected


def test_interrupt_keeps_finished_auctions_and_resume_matches_an_uninterrupted_run(
    reference: Path, tmp_path: Path
) -> None:
    seen: list[int] = []

    def stop_after_two(record: object) -> None:
        seen.append(1)
        if len(seen) == 2:
            raise KeyboardInterrupt

    partial = run_tournament(config(tmp_path, jobs=2), on_record=stop_after_two)
    assert partial.interrupted and partial.done == 2
    assert len(read_csv(tmp_path / "auctions.csv")) == 2
    with pytest.raises(StorageError, match="--resume"):
        run_tournament(config(tmp_path))
    with pytest.raises(StorageError, match="settings differ"):
        run_tournament(config(tmp_path, seed=8, resume=True))
    resumed = run_tournament(config(tmp_path, jobs=2, resume=True))
    assert not resumed.interrupted and resumed.done == 6 and resumed.played_now == 4
    for name in ("auctions.csv", "leaderboard.csv"):
        assert (tmp_path / name).read_bytes() == (reference / name).read_bytes()


MISBEHAVING = '''
import signal
import time

from game.agents.truthful import TruthfulAgent


class Crasher(TruthfulAgent):
    strategy = "crasher"

    def bid(self, view):
        if view.round == 2:
            raise RuntimeError("boom")
        return super().bid(view)


class Garbage(TruthfulAgent):
    strategy = "garbage"

    def bid(self, view):
        if view.round == 2:
            return "not bids"
        return super().bid(view)


class Sleeper(TruthfulAgent):
    strategy = "sleeper"

    def bid(self, view):
        if view.round == 2:
            try:
                time.sleep(60)
            except Exception:
                pass  # catching Exception must not swallow the time limit
        return super().bid(view)


class Hanger(TruthfulAgent):
    """Out of the alarm's reach (SIGALRM blocked), like an agent stuck in C code."""

    strategy = "hanger"

    def bid(self, view):
        if view.round == 2:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(60)
        return super().bid(view)
'''


def test_crashing_garbage_and_slow_agents_are_recorded_and_the_run_continues(tmp_path: Path) -> None:
    module = tmp_path / "bad_agents.py"
    module.write_text(textwrap.dedent(MISBEHAVING), encoding="utf-8")
    out = tmp_path / "out"
    # Cycle order: (crasher, garbage, sleeper) in three rotations, then (crasher, garbage, hanger).
    result = run_tournament(config(
        out, strategies=("crasher", "garbage", "sleeper", "hanger"), auctions=4, jobs=2,
        agent_modules=(str(module),), agent_timeout_s=0.5,
    ))
    assert result.done == 4 and not result.interrupted
    db = sqlite3.connect(out / "auctions.sqlite")
    kinds = {(s, k) for s, k in db.execute("SELECT DISTINCT strategy, kind FROM failures")}
    assert {("crasher", "error"), ("garbage", "invalid"), ("sleeper", "timeout"), ("hanger", "timeout")} <= kinds
    messages = [m for (m,) in db.execute("SELECT message FROM failures WHERE strategy = 'hanger'")]
    # Agent modules now run in sandboxed processes with the seat's own clock: a hung one is stopped (killed).
    assert any("the process was stopped" in m for m in messages)
    board = {b["strategy"]: b for b in read_csv(out / "leaderboard.csv")}
    assert int(board["crasher"]["seat_plays_with_failures"]) >= 1
    rows = read_csv(out / "auctions.csv")
    assert all(r["status"] in ("ended", "halted") for r in rows)
    assert any("boom" in r["failure_detail"] for r in rows)


# ---------------------------------------------------------------- command line


def test_cli_runs_the_example_agent_module_and_writes_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    code = main([
        "tournament", "--strategies", "shaded,maintain,truthful", "--agent-module", str(EXAMPLE),
        "--auctions", "3", "--seed", "3", "--jobs", "1", "--out", str(out),
    ])
    printed = capsys.readouterr().out
    assert code == 0
    assert "shaded" in printed and "mean utility" in printed
    assert "pooled means depend on the opponents" in printed and "Empirical game" in printed
    for name in ("auctions.csv", "auctions.sqlite", "leaderboard.csv", "utility_by_strategy.png", "revenue.png",
                 "efficiency.png", "price_paths.png", "empirical_game.png", "empirical_game.csv"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "price_paths.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_only_auction_rerun_writes_a_replayable_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "a2.jsonl"
    assert main(["tournament", "--strategies", "truthful,reducer", "--seed", "7", "--only-auction", "2",
                 "--log", str(log)]) == 0
    assert "Auction 2" in capsys.readouterr().out
    assert main(["replay", str(log)]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--strategies", "truthful,nope"], "unknown strategy 'nope'"),
        (["--strategies", "truthful", "--auctions", "0"], "--auctions"),
        (["--strategies", "truthful", "--auctions", str(10**16)], "--auctions must be at most 10^15"),
        (["--strategies", "truthful", "--agent-module", "no/such/file.py"], "no such file"),
        (["--strategies", "truthful", "--bidders", "jazz,nobody"], "--bidders"),
        (["--strategies", ""], "--strategies"),
        (["--strategies", "truthful", "--agent-timeout", "-1", "--only-auction", "0"], "counts from 1"),
        (["--strategies", "truthful,reducer", "--baseline", "nope"], "--baseline: unknown strategy 'nope'"),
    ],
)
def test_cli_user_errors_exit_2_with_a_message(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["tournament", "--out", str(tmp_path / "x"), *argv])
    assert code == 2
    assert message in capsys.readouterr().err


def test_bad_agent_module_is_a_user_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="defines no Agent subclass"):
        run_tournament(config(tmp_path / "o", agent_modules=(str(empty),)))
    broken = tmp_path / "broken.py"
    broken.write_text("raise ImportError('oops')\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot import"):
        run_tournament(config(tmp_path / "o", agent_modules=(str(broken),)))
    with pytest.raises(TournamentError):
        run_tournament(config(tmp_path / "o", auctions=0))


def test_ray_backend_on_a_local_cluster_matches_local_jobs_byte_for_byte(tmp_path: Path, reference: Path) -> None:
    # No skip: .ci/run installs the [distributed] extra, so a missing Ray is a failure here.
    import ray  # noqa: F401

    result = run_tournament(config(tmp_path, backend="ray", jobs=2))
    assert result.done == 6
    assert (tmp_path / "auctions.csv").read_bytes() == (reference / "auctions.csv").read_bytes()


def test_ray_backend_without_ray_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(TournamentError, match="distributed"):
        run_tournament(config(tmp_path, backend="ray"))


def test_progress_bar_shows_count_rate_and_time_left_only_where_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_tournament(config(tmp_path / "quiet", auctions=3))
    assert capsys.readouterr().err == ""
    run_tournament(config(tmp_path / "shown", auctions=3), progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "auctions/s" in err and "<" in err  # tqdm: elapsed<left
    code = main(["tournament", "--strategies", "truthful,reducer", "--auctions", "2", "--out", str(tmp_path / "cli"),
                 "--no-plots", "--progress", "--quiet"])
    assert code == 0 and "2/2" in capsys.readouterr().err


def test_resume_with_fewer_auctions_reports_only_those(reference: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    result = run_tournament(config(copy, auctions=4, resume=True))
    assert result.done == 4 and result.played_now == 0
    lines = (reference / "auctions.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert (copy / "auctions.csv").read_text(encoding="utf-8") == "".join(lines[:5])


def test_ctrl_c_on_the_command_line_keeps_finished_auctions(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "int"
    # A shell may start background jobs with SIGINT ignored; restore Python's handler as a terminal would have it.
    launcher = (
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "sys.argv = ['run.py', *sys.argv[1:]]; runpy.run_path('run.py', run_name='__main__')"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", launcher, "tournament", "--strategies", "truthful,reducer,random", "--auctions", "500",
         "--seed", "7", "--out", str(out), "--no-plots", "--quiet"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        done = 0
        while done < 1 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            if (out / "auctions.sqlite").exists():
                try:
                    done = sqlite3.connect(out / "auctions.sqlite").execute("SELECT count(*) FROM auctions").fetchone()[0]
                except sqlite3.Error:
                    done = 0
        assert done >= 1
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends: the whole process group
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "--resume" in err
    kept = sqlite3.connect(out / "auctions.sqlite").execute("SELECT count(*) FROM auctions").fetchone()[0]
    assert 1 <= kept < 500
    assert len(read_csv(out / "auctions.csv")) == kept
