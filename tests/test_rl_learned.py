"""The trained policy as a strategy: registered, plays legal bids from the protocol's messages, same as in training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from game.agents.registry import known_strategies, make_agent
from game.economics.values import draw_valuations
from game.engine.allocation import ClockAuction
from game.rl import AuctionEnv
from game.rl.learned import DEFAULT_POLICY, FEATURES, LearnedAgent, LinearBidPolicy, PolicyError, learned_strategy
from game.rl.single import rival_rng
from game.scenario import load_scenario, shipped_scenarios
from game.sessions.match import strategy_names
from game.sessions.session import run_allocation


def test_learned_is_a_registered_strategy_everywhere() -> None:
    assert "learned" in known_strategies()
    assert "learned" in strategy_names()  # the desktop setup screen's list


def test_the_shipped_policy_is_small_and_loads() -> None:
    assert DEFAULT_POLICY.is_file() and DEFAULT_POLICY.stat().st_size < 10_000
    assert LinearBidPolicy.load(DEFAULT_POLICY).theta.shape == (len(FEATURES),)


@pytest.mark.parametrize("scenario", shipped_scenarios())
def test_learned_plays_every_seat_without_a_failure(scenario: str) -> None:
    sc = load_scenario(scenario)
    bidders = list(sc.bidder_ids)
    for seed in range(3):
        values = draw_valuations(sc, bidders, seed)
        agents = {b: make_agent("learned", b, sc, values[b], rival_rng(seed, b)) for b in bidders}
        run = run_allocation(ClockAuction(sc, bidders, seed=seed), agents, strict=bidders)  # strict: a refused bid raises
        assert run.failures == ()
        assert not run.outcome.excluded


def test_learned_agent_bids_what_the_policy_does_in_the_environment() -> None:
    """Same observation (round message vs env fast path), same action, same bids."""
    env = AuctionEnv("pakistan-2026", bidder="ufone", rivals="truthful")
    policy = LinearBidPolicy.load(DEFAULT_POLICY)
    obs, _ = env.reset(seed=8)
    episode = env.episode
    assert episode is not None
    agent = make_agent("learned", "ufone", env.scenario, episode.values["ufone"], np.random.default_rng(0))
    assert isinstance(agent, LearnedAgent)
    done = False
    while not done:
        from game.records.view import build_view

        view = build_view(episode.auction, "ufone")
        answer = agent.bid(view)
        action = policy.act(env.encoder, obs["observation"], obs["action_mask"])
        obs, _, done, _, _ = env.step(action)
        bid_round = episode.auction.history[-1].bids["ufone"]
        assert {b: bid.lots for b, bid in answer.bids.items()} == {b: bid.lots for b, bid in bid_round.items()}


def test_another_policy_file_plays_under_its_own_name(tmp_path: Path) -> None:
    path = tmp_path / "mine.npz"
    LinearBidPolicy(np.arange(len(FEATURES), dtype=float)).save(path)
    cls = learned_strategy("mine", path)
    assert cls.strategy == "mine"
    sc = load_scenario("pakistan-2026")
    values = draw_valuations(sc, ["jazz"], 1)
    agent = cls("jazz", values["jazz"], np.random.default_rng(0), sc)
    assert np.array_equal(agent.policy.theta, np.arange(len(FEATURES), dtype=float))


def test_a_bad_policy_file_is_refused_naming_it(tmp_path: Path) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a numpy file")
    with pytest.raises(PolicyError, match=r"junk\.npz"):
        learned_strategy("junk", junk)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, theta=np.ones(3))
    with pytest.raises(PolicyError, match=r"wrong\.npz"):
        learned_strategy("wrong", wrong)
    nan = tmp_path / "nan.npz"
    np.savez(nan, theta=np.full(len(FEATURES), np.nan), features=np.array(FEATURES))
    with pytest.raises(PolicyError, match="finite"):
        LinearBidPolicy.load(nan)


def test_learned_needs_values() -> None:
    with pytest.raises(ValueError, match="values"):
        make_agent("learned", "jazz", load_scenario("pakistan-2026"), None, np.random.default_rng(0))


def test_a_policy_file_plays_as_learned_path(tmp_path: Path) -> None:
    """``learned:PATH`` plays another policy file wherever a strategy goes (a policy is data, so it plays in process)."""
    from game.cli.main import main

    policy = tmp_path / "policy.npz"
    LinearBidPolicy(np.ones(len(FEATURES))).save(policy)
    sc = load_scenario("pakistan-2026")
    values = draw_valuations(sc, ["jazz"], 1)
    agent = make_agent(f"learned:{policy}", "jazz", sc, values["jazz"], np.random.default_rng(0))
    assert np.array_equal(agent.policy.theta, np.ones(len(FEATURES)))  # type: ignore[attr-defined]
    assert main(["auction", "--bidders", f"jazz=learned:{policy},zong=truthful,ufone=truthful", "--quiet"]) == 0
    assert main(["auction", "--bidders", f"jazz=learned:{tmp_path / 'missing.npz'},zong=truthful", "--quiet"]) == 2


def test_learned_takes_a_desktop_game_seat() -> None:
    """A game whose rivals are the learned policy plays to its end through the match's own loop."""
    from game.sessions.match import Match, MatchSetup, Seat

    setup = MatchSetup(
        seats=(Seat("jazz", "truthful"), Seat("zong", "learned"), Seat("ufone", "learned")),
        seed=4,
        information_policy="excess-only",
    )
    match = Match(setup)
    while not match.finished:
        for bidder in match.rivals_to_bid():
            assert match.ask_rival(bidder) is None
        match.close_round()
    assert match.outcome().status == "ended"
    assert not match.outcome().excluded


def test_the_training_example_runs_and_writes_its_outputs(tmp_path: Path) -> None:
    """A tiny run of examples/learn_bidder.py: one generation, one held-out auction per seat."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, str(root / "examples" / "learn_bidder.py"), "--minutes", "0.001", "--jobs", "1", "--population", "2",
         "--elite", "1", "--seeds", "1", "--eval-seeds", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "held-out auctions" in done.stdout and "truthful" in done.stdout
    for name in ("policy.npz", "learning_curve.png", "result.json"):
        assert (out / name).is_file()
    LinearBidPolicy.load(out / "policy.npz")
