"""Invariants of the RL encoding, for any state reached by play and any action (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from game.engine.rules import RULE_ACTIVITY, RULE_LOW_BAND_CAP, RULE_OVERALL_CAP, check_bids
from game.rl import AuctionParallelEnv
from game.scenario import load_scenario, shipped_scenarios

JOINT_RULES = {RULE_OVERALL_CAP, RULE_LOW_BAND_CAP, RULE_ACTIVITY}
_ENVS: dict[str, AuctionParallelEnv] = {}


def env_for(name: str) -> AuctionParallelEnv:
    if name not in _ENVS:
        sc = load_scenario(name)
        _ENVS[name] = AuctionParallelEnv(sc, sc.bidder_ids, price_points=3)
    return _ENVS[name]


def advance(env: AuctionParallelEnv, seed: int, rounds: int) -> dict[str, dict[str, object]]:
    """Reset with ``seed`` and play up to ``rounds`` rounds of random masked actions; the last observations."""
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    for _ in range(rounds):
        if not env.agents:
            break
        actions = {a: np.array([int(rng.choice(np.flatnonzero(m))) for m in obs[a]["action_mask"]]) for a in env.agents}
        nxt, *_ = env.step(actions)
        if not env.agents:
            break
        obs = nxt
    return obs


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(shipped_scenarios()),
    seed=st.integers(0, 10_000),
    rounds=st.integers(0, 6),
    raw=st.lists(st.integers(-5, 40), min_size=12, max_size=12),
)
def test_any_action_becomes_bids_the_engine_accepts(name: str, seed: int, rounds: int, raw: list[int]) -> None:
    env = env_for(name)
    advance(env, seed, rounds)
    episode = env.episode
    assert episode is not None
    for bidder in env.agents:
        encoder = episode.encoders[bidder]
        terms = episode.auction.terms(bidder)
        action = raw[: len(encoder.nvec)]
        bids, refusals, fallback = encoder.decide(action, terms)
        assert fallback == bool(refusals)
        assert not check_bids(env.scenario, encoder.limits, terms, bids), (bidder, action, bids)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(shipped_scenarios()), seed=st.integers(0, 10_000), rounds=st.integers(0, 6))
def test_masked_actions_are_refused_only_for_joint_limits(name: str, seed: int, rounds: int) -> None:
    env = env_for(name)
    obs = advance(env, seed, rounds)
    episode = env.episode
    assert episode is not None
    rng = np.random.default_rng(seed + 1)
    for bidder in env.agents:
        encoder = episode.encoders[bidder]
        terms = episode.auction.terms(bidder)
        mask = obs[bidder]["action_mask"]
        assert isinstance(mask, tuple)
        action = [int(rng.choice(np.flatnonzero(m))) for m in mask]
        want, prices, bids = encoder.requested(action, terms)
        rules = {r.rule for r in check_bids(env.scenario, encoder.limits, terms, bids)}
        assert rules <= JOINT_RULES
        # One band changed alone (the rest at the reference) is always accepted when the mask allows it.
        for k in range(encoder.n_bands):
            bundle = encoder.reference(terms)
            bundle[k] = want[k]
            assert not check_bids(env.scenario, encoder.limits, terms, encoder.bids(terms, bundle, prices))
