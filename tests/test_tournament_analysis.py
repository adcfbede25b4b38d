"""The tournament's analyses: paired deviations with common random numbers, the empirical game and its
replicator equilibrium, and a schedule that costs no memory however many auctions are asked for."""

from __future__ import annotations

import csv
import math
import sqlite3
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.cli.main import main
from game.tournament import TournamentConfig, run_tournament
from game.tournament.egta import empirical_game, opponent_mixes, payoff_table, replicator
from game.tournament.paired import BASELINE_RUN, PairedRun, deviations, pair_keys, seating_of
from game.tournament.schedule import profile_seatings


def config(out: Path, **kw: object) -> TournamentConfig:
    base: dict[str, object] = {
        "strategies": ("truthful", "reducer"), "auctions": 4, "out_dir": str(out), "seed": 5, "jobs": 1,
        "plots": False,
    }
    base.update(kw)
    return TournamentConfig(**base)  # type: ignore[arg-type]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- replicator dynamics on known games

PD = {("C", ("C",)): 3.0, ("C", ("D",)): 0.0, ("D", ("C",)): 5.0, ("D", ("D",)): 1.0}
RPS = {
    ("R", ("R",)): 0.0, ("R", ("P",)): -1.0, ("R", ("S",)): 1.0,
    ("P", ("R",)): 1.0, ("P", ("P",)): 0.0, ("P", ("S",)): -1.0,
    ("S", ("R",)): -1.0, ("S", ("P",)): 1.0, ("S", ("S",)): 0.0,
}


def test_prisoners_dilemma_converges_to_defect() -> None:
    eq = replicator(["C", "D"], PD, 2, start=[0.99, 0.01])
    assert eq.converged and eq.mixture["D"] > 0.999
    assert eq.regret_usd == pytest.approx(0, abs=1e-6)


def test_rock_paper_scissors_cycles_around_the_uniform_mixture() -> None:
    eq = replicator(["R", "P", "S"], RPS, 2, start=[0.5, 0.3, 0.2], steps=20_000)
    assert not eq.converged  # it orbits; the time average is reported
    for p in eq.mixture.values():
        assert p == pytest.approx(1 / 3, abs=0.03)
    assert eq.regret_usd < 0.1
    still = replicator(["R", "P", "S"], RPS, 2)  # the uniform start is the rest point itself
    assert still.converged and all(p == pytest.approx(1 / 3) for p in still.mixture.values())


def test_hawk_dove_reaches_its_mixed_equilibrium() -> None:
    value, cost = 2.0, 4.0  # the evolutionarily stable share of hawks is value / cost
    game = {("H", ("H",)): (value - cost) / 2, ("H", ("D",)): value, ("D", ("H",)): 0.0, ("D", ("D",)): value / 2}
    eq = replicator(["H", "D"], game, 2, start=[0.9, 0.1])
    assert eq.converged and eq.mixture["H"] == pytest.approx(value / cost, abs=1e-4)


def test_three_player_game_uses_the_multinomial_over_rivals() -> None:
    # A strategy that pays 1 per rival playing the other strategy: the uniform mix is the only interior rest
    # point, and anything else drifts back to it (negative frequency dependence).
    game = {(s, mix): float(sum(1 for r in mix if r != s)) for s in "ab" for mix in opponent_mixes("ab", 3)}
    eq = replicator(["a", "b"], game, 3, start=[0.8, 0.2])
    assert eq.converged and eq.mixture["a"] == pytest.approx(0.5, abs=1e-4)


@settings(max_examples=25, deadline=None)
@given(payoffs=st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=9, max_size=9))
def test_replicator_answers_a_mixture_for_any_payoffs(payoffs: list[float]) -> None:
    names = ["x", "y", "z"]
    game = {(s, (r,)): payoffs[3 * i + j] for i, s in enumerate(names) for j, r in enumerate(names)}
    eq = replicator(names, game, 2, steps=2_000)
    assert math.fsum(eq.mixture.values()) == pytest.approx(1)
    assert all(p >= 0 for p in eq.mixture.values())
    assert eq.regret_usd >= -1e-6 * max(1.0, max(abs(p) for p in payoffs))


def test_payoff_table_averages_seat_plays_per_sorted_rival_mix() -> None:
    table = payoff_table([("a", ("b", "a"), 10.0), ("a", ("a", "b"), 20.0), ("b", ("a", "a"), 5.0)])
    assert table[("a", ("a", "b"))].plays == 2 and table[("a", ("a", "b"))].mean_usd == 15.0
    game = empirical_game(["a", "b"], 3, [("a", ("b", "a"), 10.0)])
    assert game.equilibrium is None and ("b", ("b", "b")) in game.missing


# ---------------------------------------------------------------- the empirical game of a real tournament


def test_empirical_game_of_a_profiles_tournament(tmp_path: Path) -> None:
    cycle = profile_seatings(["truthful", "reducer"], 3)
    assert len(cycle) == 12  # 4 mixes x 3 rotations
    result = run_tournament(config(tmp_path, auctions=12, schedule="profiles", jobs=2))
    game = result.game
    assert game is not None and not game.missing and game.equilibrium is not None
    assert math.fsum(game.equilibrium.mixture.values()) == pytest.approx(1)
    db = sqlite3.connect(tmp_path / "auctions.sqlite")
    # The table is what the seats say: each seat-play's utility under its rivals' sorted strategies.
    by_auction: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for auction, strategy, utility in db.execute("SELECT auction, strategy, utility_usd FROM seats ORDER BY auction, seat"):
        by_auction[auction].append((strategy, utility))
    expected: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    for seats in by_auction.values():
        for j, (strategy, utility) in enumerate(seats):
            expected[(strategy, tuple(sorted(s for k, (s, _) in enumerate(seats) if k != j)))].append(utility)
    assert set(expected) == set(game.payoffs)
    for key, values in expected.items():
        assert game.payoffs[key].plays == len(values)
        assert game.payoffs[key].mean_usd == pytest.approx(sum(values) / len(values))
    stored = db.execute("SELECT count(*), count(DISTINCT strategy) FROM empirical_game").fetchone()
    assert stored == (6, 2)  # 2 strategies x 3 rival mixes
    rows = read_csv(tmp_path / "empirical_game.csv")
    probs = {r["strategy"]: float(r["equilibrium_probability"]) for r in rows}
    assert probs == pytest.approx(dict(game.equilibrium.mixture), abs=1e-6)


# ---------------------------------------------------------------- paired deviations

TWIN = '''
from game.agents.truthful import TruthfulAgent


class Twin(TruthfulAgent):
    """Bids exactly as truthful: switching to it must change nothing at all."""

    strategy = "twin"
'''


def test_a_strategy_identical_to_the_baseline_gains_exactly_nothing(tmp_path: Path) -> None:
    # Common random numbers: same values, agent generators and tie-breaks, so a clone changes no dollar.
    module = tmp_path / "twin.py"
    module.write_text(textwrap.dedent(TWIN), encoding="utf-8")
    result = run_tournament(config(
        tmp_path / "out", strategies=("truthful", "twin", "random"), auctions=3, baseline="truthful",
        agent_modules=(str(module),), bidders=("jazz", "zong"),
    ))
    twin = [d for d in result.deviations if d.strategy == "twin"]
    assert len(twin) == 3  # two seats and all
    for d in twin:
        assert d.pairs == 3
        assert (d.gain_usd, d.gain_low_usd, d.gain_high_usd) == (0, 0, 0)
        assert d.revenue_change_usd == 0 and d.efficiency_change == 0
    rand = [d for d in result.deviations if d.strategy == "random"]
    assert any(d.gain_usd != 0 for d in rand)


def test_paired_runs_switch_exactly_one_seat_and_the_analysis_is_their_differences(tmp_path: Path) -> None:
    result = run_tournament(config(tmp_path, strategies=("truthful", "reducer", "random"), auctions=3, baseline="truthful"))
    assert result.paired_total == 3 * 7 and result.paired_done == 21
    db = sqlite3.connect(tmp_path / "auctions.sqlite")
    runs = [
        PairedRun(a, d, s, r, e, tuple(int(u) for u in us.split(",")))
        for a, d, s, r, e, us in db.execute("SELECT * FROM paired_runs ORDER BY auction, deviator_seat, strategy")
    ]
    assert {(r.deviator, r.strategy) for r in runs} == set(pair_keys(["truthful", "reducer", "random"], "truthful", 3))
    base = {r.auction: r for r in runs if r.deviator == BASELINE_RUN}
    for r in runs:
        if r.deviator != BASELINE_RUN:
            assert seating_of("truthful", 3, (r.deviator, r.strategy)).count("truthful") == 2
    zong_reducer = next(d for d in result.deviations if d.strategy == "reducer" and d.bidder == "zong")
    gains = [r.utilities[1] - base[r.auction].utilities[1] for r in runs if (r.deviator, r.strategy) == (1, "reducer")]
    assert zong_reducer.gain_usd == pytest.approx(sum(gains) / 3)
    assert zong_reducer.gain_low_usd is not None and zong_reducer.gain_low_usd <= zong_reducer.gain_usd
    stored = read_csv(tmp_path / "deviations.csv")
    assert [(r["strategy"], r["bidder"]) for r in stored] == [(d.strategy, d.bidder) for d in result.deviations]
    assert db.execute("SELECT count(*) FROM deviations").fetchone()[0] == len(stored) == 8
    # The leaderboard and auctions.csv hold the tournament's own auctions only.
    assert len(read_csv(tmp_path / "auctions.csv")) == 3


def test_pooled_row_weighs_seats_alike_per_auction() -> None:
    runs = [
        PairedRun(1, BASELINE_RUN, "t", 100, 0.5, (10, 20)),
        PairedRun(1, 0, "r", 90, 0.5, (14, 20)),
        PairedRun(1, 1, "r", 80, 0.4, (10, 22)),
        PairedRun(2, BASELINE_RUN, "t", 100, 0.5, (10, 20)),
        PairedRun(2, 0, "r", 100, 0.5, (18, 20)),  # seat 1's run of auction 2 is missing: not in the pooled row
    ]
    table = {(d.strategy, d.bidder): d for d in deviations(runs, "t", ["t", "r"], ["a", "b"])}
    assert table[("r", "a")].pairs == 2 and table[("r", "a")].gain_usd == 6
    assert table[("r", "b")].pairs == 1 and table[("r", "b")].gain_usd == 2
    pooled = table[("r", "all")]
    assert pooled.pairs == 1 and pooled.gain_usd == 3 and pooled.revenue_change_usd == -15


@settings(max_examples=40, deadline=None)
@given(
    seats=st.integers(1, 4),
    data=st.data(),
)
def test_with_every_run_present_the_pooled_gain_is_the_mean_of_the_seats_gains(seats: int, data: st.DataObject) -> None:
    auctions = data.draw(st.integers(1, 6))
    money = st.integers(-10**10, 10**10)
    runs = []
    for a in range(1, auctions + 1):
        for deviator in range(-1, seats):
            utilities = tuple(data.draw(money) for _ in range(seats))
            runs.append(PairedRun(a, deviator, "t" if deviator < 0 else "r", data.draw(money), 0.5, utilities))
    table = deviations(runs, "t", ["t", "r"], [f"b{j}" for j in range(seats)])
    per_seat, pooled = table[:-1], table[-1]
    assert pooled.bidder == "all" and pooled.pairs == auctions and all(d.pairs == auctions for d in per_seat)
    assert pooled.gain_usd == pytest.approx(sum(d.gain_usd for d in per_seat) / seats, rel=1e-9, abs=1e-3)
    assert pooled.revenue_change_usd == pytest.approx(sum(d.revenue_change_usd for d in per_seat) / seats, rel=1e-9, abs=1e-3)
    for d in table:
        if d.gain_low_usd is not None and d.gain_high_usd is not None:
            assert d.gain_low_usd <= d.gain_usd + 1e-3 and d.gain_usd <= d.gain_high_usd + 1e-3


def test_paired_analysis_is_identical_for_any_jobs_and_after_an_interrupt(tmp_path: Path) -> None:
    two = {"baseline": "truthful", "strategies": ("truthful", "reducer", "random"), "bidders": ("jazz", "zong")}
    ref = run_tournament(config(tmp_path / "ref", **two))
    seen: list[int] = []

    def stop(record: object) -> None:
        seen.append(1)
        if len(seen) == 9:  # inside the paired runs
            raise KeyboardInterrupt

    part = run_tournament(config(tmp_path / "cut", jobs=2, **two), on_record=stop)
    assert part.interrupted and part.done == 4 and 0 < part.paired_done < part.paired_total
    again = run_tournament(config(tmp_path / "cut", jobs=2, resume=True, **two))
    assert not again.interrupted and again.paired_done == ref.paired_total == 4 * (1 + 2 * 2)
    for name in ("auctions.csv", "leaderboard.csv", "deviations.csv", "empirical_game.csv"):
        assert (tmp_path / "cut" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name


def test_cli_prints_the_paired_analysis_and_plots_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    code = main(["tournament", "--strategies", "truthful,reducer", "--auctions", "2", "--seed", "3",
                 "--out", str(out), "--baseline", "truthful"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Paired deviation from truthful" in printed and "reducer" in printed
    assert "8 of 8 paired deviation run(s)" in printed
    for name in ("deviations.csv", "deviations.png", "empirical_game.png"):
        assert (out / name).read_bytes()[:4] in (b"\x89PNG", b"base"), name


# ---------------------------------------------------------------- scale


def test_an_absurd_number_of_auctions_costs_no_memory_before_it_starts(tmp_path: Path) -> None:
    import tracemalloc

    seen: list[int] = []

    def stop(record: object) -> None:
        seen.append(1)
        if len(seen) == 2:
            raise KeyboardInterrupt

    tracemalloc.start()
    try:
        result = run_tournament(config(tmp_path, auctions=10**12, baseline="truthful"), on_record=stop)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.interrupted and result.done == 2 and result.total == 10**12
    assert peak < 50 * 2**20


def test_a_failing_write_keeps_no_half_auction(tmp_path: Path) -> None:
    import dataclasses

    from game.tournament import play_one
    from game.tournament.storage import ResultStore

    record = play_one(config(tmp_path), 1)
    store = ResultStore(tmp_path / "db", {"x": 1}, ("jazz", "zong", "ufone"), ("700",), resume=False)
    store.add(record)
    store.commit()
    broken = dataclasses.replace(record, index=2, price_paths={"700": (object(),)})  # fails after the seats went in
    with pytest.raises(sqlite3.Error):
        store.add(broken)
    store.close()
    db = sqlite3.connect(tmp_path / "db" / "auctions.sqlite")
    assert db.execute("SELECT DISTINCT auction FROM seats").fetchall() == [(1,)]
    assert db.execute("SELECT auction FROM auctions").fetchall() == [(1,)]


def test_printed_analyses_fit_100_columns_with_five_strategies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["tournament", "--strategies", "truthful,reducer,random,parker,aggressive", "--baseline", "truthful",
            "--auctions", "1", "--bidders", "jazz,zong", "--no-plots", "--out", str(tmp_path / "t")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Paired deviation" in out and "Empirical game" in out
    assert max(len(line) for line in out.splitlines() if str(tmp_path) not in line) <= 100
    assert all(line == line.rstrip() for line in out.splitlines())
