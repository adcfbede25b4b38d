"""The learning environments: the peers' own API checkers, masks against the engine's checks, the fallback,
random play over every shipped scenario, rewards and determinism."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test, parallel_seed_test

from game.agents.base import Agent, RoundBids
from game.agents.registry import UnknownStrategy, register_strategy
from game.economics.values import draw_valuations
from game.economics.welfare import evaluate
from game.engine.rules import (
    RULE_ACTIVITY,
    RULE_LOW_BAND_CAP,
    RULE_OVERALL_CAP,
    check_bids,
)
from game.protocol.messages import Round, round_message
from game.records.view import BidderView, build_view
from game.rl import AuctionEnv, AuctionParallelEnv
from game.scenario import load_scenario, shipped_scenarios

JOINT_RULES = {RULE_OVERALL_CAP, RULE_LOW_BAND_CAP, RULE_ACTIVITY}


def masked_sample(rng: np.random.Generator, mask: tuple[np.ndarray, ...]) -> np.ndarray:
    out = []
    for m in mask:
        legal = np.flatnonzero(m)
        out.append(int(legal[rng.integers(len(legal))]) if len(legal) else 0)
    return np.array(out, dtype=np.int64)


def play(env: AuctionParallelEnv, seed: int, rng: np.random.Generator) -> list[tuple[Any, ...]]:
    """A whole episode with random masked actions; every step's returns, as bytes and plain data."""
    obs, infos = env.reset(seed=seed)
    trace: list[tuple[Any, ...]] = [tuple((a, obs[a]["observation"].tobytes()) for a in sorted(obs)), repr(infos)]
    while env.agents:
        actions = {a: masked_sample(rng, obs[a]["action_mask"]) for a in env.agents}
        obs, rewards, terms, truncs, infos = env.step(actions)
        trace.append(
            (
                tuple((a, obs[a]["observation"].tobytes(), tuple(m.tobytes() for m in obs[a]["action_mask"])) for a in sorted(obs)),
                repr(sorted(rewards.items())),
                repr(sorted(terms.items())),
                repr(sorted(truncs.items())),
                repr(sorted(infos.items())),
            )
        )
    return trace


# ---------------------------------------------------------------- the peers' checkers


def test_pettingzoo_parallel_api_test() -> None:
    parallel_api_test(AuctionParallelEnv("pakistan-2026"), num_cycles=600)


def test_pettingzoo_parallel_seed_test() -> None:
    # Unmasked random actions: the fallback makes every one of them a legal bid.
    parallel_seed_test(lambda: AuctionParallelEnv("pakistan-2026"), num_cycles=600)


def test_pettingzoo_checkers_with_price_points() -> None:
    parallel_api_test(AuctionParallelEnv("pakistan-2026", price_points=3), num_cycles=200)
    parallel_seed_test(lambda: AuctionParallelEnv("pakistan-2026", price_points=3), num_cycles=200)


def test_gymnasium_check_env() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no spec, cannot test render modes": the env renders nothing
        check_env(AuctionEnv("pakistan-2026", rivals="truthful"), skip_render_check=True)


def test_gymnasium_check_env_every_shipped_scenario_with_price_points() -> None:
    for name in shipped_scenarios():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_env(AuctionEnv(name, rivals="random", price_points=4), skip_render_check=True)


# ---------------------------------------------------------------- random play


@pytest.mark.parametrize("scenario", shipped_scenarios())
def test_random_masked_play_never_hits_an_engine_exception(scenario: str) -> None:
    """Masks honoured: the engine never raises, and only the joint limits a per-band mask cannot express refuse."""
    sc = load_scenario(scenario)
    everyone = AuctionParallelEnv(sc, sc.bidder_ids)  # the entrant too
    rng = np.random.default_rng(7)
    for env in (AuctionParallelEnv(sc), everyone):
        for seed in range(12):
            obs, _ = env.reset(seed=seed)
            while env.agents:
                actions = {a: masked_sample(rng, obs[a]["action_mask"]) for a in env.agents}
                for a, act in actions.items():
                    assert env.action_space(a).contains(act)
                obs, rewards, terms, _, infos = env.step(actions)
                for info in infos.values():
                    assert set(info["refused_rules"]) <= JOINT_RULES, info
                    assert info["fallback"] == bool(info["refusals"])
                for a, done in terms.items():
                    assert env.observation_space(a).contains(obs[a])
                    if not done:
                        assert rewards[a] == 0.0
            assert env.episode is not None and env.episode.auction.finished
            # Masks honour the round-1 obligation, so no seat is excluded.
            assert all(not env.episode.auction.is_excluded(b) for b in env.possible_agents)


def test_unmasked_garbage_actions_are_repaired_not_raised() -> None:
    env = AuctionParallelEnv("pakistan-2026")
    rng = np.random.default_rng(3)
    for seed in range(5):
        env.reset(seed=seed)
        while env.agents:
            actions = {a: rng.integers(-5, 40, size=6) for a in env.agents}
            _, _, _, _, infos = env.step(actions)
            for info in infos.values():
                assert info["bid"] is not None
    # The round-1 fallback keeps incumbents in (it raises every band to the obligation), so everyone finished.
    assert env.episode is not None and env.episode.auction.finished


# ---------------------------------------------------------------- masks and the fallback


def check_masks_during_play(scenario: str, seeds: range, rng: np.random.Generator) -> int:
    """Random masked play; every seat's mask in every round is checked against the engine. Returns the count."""
    checked = 0
    env = AuctionParallelEnv(scenario, load_scenario(scenario).bidder_ids)
    for seed in seeds:
        obs, _ = env.reset(seed=seed)
        while env.agents:
            episode = env.episode
            assert episode is not None
            for a in env.agents:
                check_mask_against_engine(episode.auction, a, obs[a]["action_mask"], episode.encoders[a])
                checked += 1
            obs, *_ = env.step({a: masked_sample(rng, obs[a]["action_mask"]) for a in env.agents})
    return checked


def check_mask_against_engine(auction: Any, bidder: str, mask: tuple[np.ndarray, ...], encoder: Any) -> None:
    terms = auction.terms(bidder)
    ref = encoder.reference(terms)
    for k, band in enumerate(auction.scenario.bands):
        for q in range(band.lots + 1):
            bundle = list(ref)
            bundle[k] = q
            bids = encoder.bids(terms, bundle)
            accepted = not check_bids(auction.scenario, auction.limits(bidder), terms, bids)
            assert bool(mask[k][q]) == accepted, (bidder, terms, band.id, q)


@pytest.mark.parametrize("scenario", shipped_scenarios())
def test_mask_is_exactly_what_the_engine_accepts_beside_the_reference_bundle(scenario: str) -> None:
    assert check_masks_during_play(scenario, range(6), np.random.default_rng(11)) > 20


def test_round_one_mask_enforces_the_obligation() -> None:
    env = AuctionParallelEnv("pakistan-2026")
    obs, _ = env.reset(seed=1)
    bands = env.scenario.band_ids
    for bidder in env.agents:  # all three are incumbents
        mask = obs[bidder]["action_mask"]
        for band_id in ("2600", "3500"):
            k = bands.index(band_id)
            assert not mask[k][:5].any() and mask[k][5]


def test_joint_cap_breaking_action_falls_back_band_by_band() -> None:
    """Per-band maxima each pass beside the reference, but together break a joint limit: no exception, reasons in infos."""
    env = AuctionParallelEnv("pakistan-2026")
    obs, _ = env.reset(seed=2)
    greedy = {a: np.array([np.flatnonzero(m)[-1] for m in obs[a]["action_mask"]]) for a in env.agents}
    _, _, _, _, infos = env.step(greedy)
    joint = [info for info in infos.values() if info["fallback"]]
    assert joint, "the greedy bundle should break the overall cap for someone"
    episode = env.episode
    assert episode is not None
    for bidder, info in infos.items():
        if info["fallback"]:
            assert info["refusals"] and set(info["refused_rules"]) <= JOINT_RULES
        # What was entered is a bid the engine accepted (it is in the round log).
        bid = episode.auction.history[-1].bids[bidder]
        for band_id, lots in info["bid"].items():
            if band_id in bid:
                assert bid[band_id].lots == lots


def test_fallback_keeps_decreases_and_as_much_of_each_increase_as_fits() -> None:
    env = AuctionParallelEnv("pakistan-2026")
    env.reset(seed=4)
    episode = env.episode
    assert episode is not None
    encoder = episode.encoders["jazz"]
    terms = episode.auction.terms("jazz")
    want = [s for s in encoder.supply]  # everything: far over the overall cap
    bids, refusals, fallback = encoder.decide(want, terms)
    assert fallback and refusals
    assert not check_bids(env.scenario, encoder.limits, terms, bids)
    bundle = encoder.reference(terms)
    for band_id, bid in bids.items():
        bundle[encoder.band_ids.index(band_id)] = bid.lots
    # Band order: every band gets as much as still fits once the earlier ones took theirs.
    for k in range(encoder.n_bands):
        if bundle[k] < want[k]:
            room, _ = encoder.limits.max_increase(bundle, k, terms.eligibility)
            assert room == 0


# ---------------------------------------------------------------- observations come from the messages


def test_observation_is_the_round_message_observation() -> None:
    """The environments' fast path gives the same array as encoding the protocol's round message."""
    rng = np.random.default_rng(5)
    for scenario in shipped_scenarios():
        sc = load_scenario(scenario)
        env = AuctionParallelEnv(sc, sc.bidder_ids)
        for seed in range(4):
            obs, _ = env.reset(seed=seed)
            while env.agents:
                episode = env.episode
                assert episode is not None
                for a in env.agents:
                    view: BidderView = build_view(episode.auction, a)
                    message = round_message(view, auction_id="x")
                    Round.model_validate(message)  # a real protocol message
                    encoder = episode.encoders[a]
                    assert encoder.observation(message).tobytes() == obs[a]["observation"].tobytes()
                    assert encoder.terms(message) == view.terms
                obs, *_ = env.step({a: masked_sample(rng, obs[a]["action_mask"]) for a in env.agents})


def test_observation_holds_own_values_budget_and_nothing_of_the_rivals() -> None:
    env = AuctionParallelEnv("pakistan-2026")
    obs, _ = env.reset(seed=9)
    episode = env.episode
    assert episode is not None
    values = draw_valuations(env.scenario, env.possible_agents, 9)  # as run.py auction --seed 9 draws them
    for a in env.agents:
        enc = episode.encoders[a]
        assert enc.values_usd == tuple(values[a].band_values[b] for b in enc.band_ids)
        assert enc.budget_usd == values[a].budget_usd
    # Seats see different own values but the same public state.
    n = 7 * len(env.scenario.bands)
    jazz, zong = obs["jazz"]["observation"], obs["zong"]["observation"]
    assert jazz[:2 * 6].tobytes() == zong[:2 * 6].tobytes()
    assert jazz[n + 6:].tobytes() != zong[n + 6:].tobytes()


# ---------------------------------------------------------------- rewards and seeding


def test_reward_is_the_utility_in_millions_at_the_end_only() -> None:
    env = AuctionParallelEnv("pakistan-2026")
    rng = np.random.default_rng(2)
    obs, _ = env.reset(seed=12)
    total = dict.fromkeys(env.possible_agents, 0.0)
    while env.agents:
        obs, rewards, terms, _, _ = env.step({a: masked_sample(rng, obs[a]["action_mask"]) for a in env.agents})
        for a, r in rewards.items():
            if not terms[a]:
                assert r == 0.0
            total[a] += r
    episode = env.episode
    assert episode is not None
    report = evaluate(env.scenario, episode.values, episode.auction.outcome())
    for a in env.possible_agents:
        assert total[a] == report.bidders[a].utility_usd / 1_000_000


def test_same_seed_gives_byte_identical_episodes() -> None:
    a = play(AuctionParallelEnv("pakistan-2026"), 21, np.random.default_rng(0))
    b = play(AuctionParallelEnv("pakistan-2026"), 21, np.random.default_rng(0))
    assert a == b
    c = play(AuctionParallelEnv("pakistan-2026"), 22, np.random.default_rng(0))
    assert a != c


def test_reset_without_seed_follows_the_last_seed() -> None:
    one, two = AuctionParallelEnv(), AuctionParallelEnv()
    one.reset(seed=5)
    two.reset(seed=5)
    _, info_one = one.reset()
    _, info_two = two.reset()
    assert info_one == info_two and info_one["jazz"]["seed"] != 5


def test_single_agent_episodes_are_deterministic_with_rivals() -> None:
    def run(seed: int) -> list[bytes | float]:
        env = AuctionEnv("pakistan-2026", bidder="zong", rivals={"jazz": "random", "ufone": "truthful"})
        rng = np.random.default_rng(1)
        obs, _ = env.reset(seed=seed)
        out: list[bytes | float] = [obs["observation"].tobytes()]
        done = False
        while not done:
            obs, reward, done, _, _ = env.step(masked_sample(rng, obs["action_mask"]))
            out += [obs["observation"].tobytes(), reward]
        return out

    assert run(3) == run(3)


# ---------------------------------------------------------------- rivals


class _Closable(Agent):
    strategy = "test-closable"
    closed: ClassVar[list[str]] = []

    def bid(self, view: BidderView) -> RoundBids:
        return RoundBids()

    def close(self) -> None:
        _Closable.closed.append(self.bidder)


def test_rivals_are_any_strategy_spec_and_are_closed() -> None:
    register_strategy(_Closable)
    _Closable.closed.clear()
    env = AuctionEnv("pakistan-2026", bidder="jazz", rivals={"zong": "test-closable", "ufone": "reducer"})
    obs, _ = env.reset(seed=1)
    done = False
    info: dict[str, Any] = {}
    while not done:
        obs, _, done, _, info = env.step(np.array([np.flatnonzero(m)[0] for m in obs["action_mask"]]))
    assert _Closable.closed == ["zong"]  # closed when the episode ended
    # zong submitted nothing in round 1: it missed the obligation and was excluded, as in the game.
    assert env.episode is not None and env.episode.auction.is_excluded("zong")
    env.close()
    with pytest.raises(UnknownStrategy):
        AuctionEnv("pakistan-2026", rivals="no-such-strategy").reset(seed=1)
    assert "rival_failures" in info


def test_bad_seats_are_refused() -> None:
    with pytest.raises(ValueError, match="bidders"):
        AuctionParallelEnv("pakistan-2026", ["jazz", "jazz"])
    with pytest.raises(ValueError, match="distinct bidders"):
        AuctionEnv("pakistan-2026", bidder="jazz", rivals={"jazz": "truthful"})


def test_rivals_get_the_generators_run_py_auction_gives_them() -> None:
    from game.cli.main import agent_rng
    from game.rl.single import rival_rng

    for seed, bidder in ((0, "jazz"), (17, "zong"), (2**40, "entrant")):
        assert np.array_equal(rival_rng(seed, bidder).integers(0, 2**62, 8), agent_rng(seed, bidder).integers(0, 2**62, 8))
    env = AuctionEnv("pakistan-2026", bidder="jazz", rivals="truthful")
    env.reset(seed=17)
    assert env.episode is not None and env.episode.auction.seed == 17
