"""Re-deriving the auction seed or rivals' values from what an agent is handed.

An agent gets a generator (in-process, or a seed number for an external
program) and its own values. With seeds split by ``SeedSequence([seed, id])``
or ``SeedSequence(seed).spawn``, the generator's ``seed_seq.entropy`` was the
auction seed itself, and the public ``draw_valuations`` then gave every
rival's values. Each front end (the ``auction`` command, a tournament, the
desktop match) is checked by capturing what its agents are actually handed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

BIG_SEED = 0x3A5F_17C2_9B04_6E11
"""An unguessable seed, so that enumerating small seeds is not the attack that wins (see docs/PROTOCOL.md#the-sandbox)."""


def _candidates(rng: np.random.Generator) -> list[int]:
    """Every integer in a generator's seed material, as an agent would read it."""
    seq = rng.bit_generator.seed_seq  # type: ignore[attr-defined]
    entropy = seq.entropy
    found = list(entropy) if isinstance(entropy, (list, tuple, np.ndarray)) else [entropy]
    found += list(seq.spawn_key)
    return [int(x) for x in found if x is not None]


def _rederives(rng: np.random.Generator, scenario: Any, own: str, true_values: dict[str, Any]) -> bool:
    """Can the agent of ``own``, from its generator and the public value code, reproduce a rival's values?"""
    from game.economics.values import draw_valuations

    rivals = [b for b in true_values if b != own and true_values[b] is not None]
    for seed in _candidates(rng):
        drawn = draw_valuations(scenario, rivals, seed)
        if any(drawn[b] == true_values[b] for b in rivals):
            return True
    return False


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[np.random.Generator, Any]]:
    """What each agent is handed (its generator and its values), captured at the registry."""
    import game.agents.registry as registry

    seen: dict[str, tuple[np.random.Generator, Any]] = {}
    real = registry.make_agent

    def spy(strategy: str, bidder: str, scenario: Any, values: Any, rng: np.random.Generator, **options: Any) -> Any:
        seen[bidder] = (rng, values)
        return real(strategy, bidder, scenario, values, rng, **options)

    monkeypatch.setattr(registry, "make_agent", spy)
    return seen


def test_cli_agent_generator_does_not_give_away_rivals_values(
    handed: dict[str, tuple[np.random.Generator, Any]], tmp_path: Path
) -> None:
    from game.cli.main import main
    from game.scenario import load_scenario

    assert main(["auction", "--bidders", "jazz=truthful,zong=truthful,ufone=truthful", "--seed", str(BIG_SEED), "--quiet"]) == 0
    scenario = load_scenario("pakistan-2026")
    values = {b: v for b, (_, v) in handed.items()}
    assert set(values) == {"jazz", "zong", "ufone"}
    assert not any(_rederives(rng, scenario, b, values) for b, (rng, _) in handed.items())


def test_tournament_agent_generator_does_not_give_away_rivals_values(
    handed: dict[str, tuple[np.random.Generator, Any]], tmp_path: Path
) -> None:
    from game.tournament import TournamentConfig, play_one

    config = TournamentConfig(
        strategies=("truthful", "reducer", "random"), auctions=1, out_dir=str(tmp_path), seed=BIG_SEED, jobs=1, plots=False
    )
    play_one(config, 1)
    from game.scenario import load_scenario

    scenario = load_scenario("pakistan-2026")
    values = {b: v for b, (_, v) in handed.items()}
    assert len(values) == 3
    assert not any(_rederives(rng, scenario, b, values) for b, (rng, _) in handed.items())


def test_desktop_match_agent_generator_does_not_give_away_rivals_values(monkeypatch: pytest.MonkeyPatch) -> None:
    import game.sessions.match as match

    seen: dict[str, np.random.Generator] = {}
    real = match.make_agent

    def spy(strategy: str, bidder: str, scenario: Any, values: Any, rng: np.random.Generator, **options: Any) -> Any:
        seen[bidder] = rng
        return real(strategy, bidder, scenario, values, rng, **options)

    monkeypatch.setattr(match, "make_agent", spy)
    seats = (match.Seat("jazz", "truthful"), match.Seat("zong", "truthful"), match.Seat("ufone", "truthful"))
    setup = match.MatchSetup(seats=seats, seed=BIG_SEED)
    game_ = match.Match(setup)
    assert set(seen) == {"jazz", "zong", "ufone"}
    assert not any(_rederives(rng, game_.scenario, b, dict(game_.values)) for b, rng in seen.items())


def test_agent_seed_is_a_one_way_stream_independent_of_the_values_stream() -> None:
    from game.engine.streams import agent_seed, agent_stream, stream_seed

    seed = BIG_SEED
    handed_seed = agent_seed(seed, "jazz")
    assert handed_seed not in (seed, stream_seed(seed, "values:jazz"), stream_seed(seed, "ties"))
    assert agent_stream(seed, "jazz").bit_generator.seed_seq.entropy == handed_seed  # type: ignore[attr-defined]
    assert agent_seed(seed, "jazz") == agent_seed(seed, "jazz") != agent_seed(seed, "zong")
    assert agent_seed(seed, "jazz") != agent_seed(seed + 1, "jazz")


@given(
    seed=st.integers(min_value=-(2**70), max_value=2**70),
    a=st.text(min_size=1, max_size=20),
    b=st.text(min_size=1, max_size=20),
)
def test_streams_are_reproducible_and_distinct_per_purpose_and_seed(seed: int, a: str, b: str) -> None:
    from game.engine.streams import stream, stream_seed

    assert 0 <= stream_seed(seed, a) < 2**128
    assert stream_seed(seed, a) == stream_seed(seed, a)
    assert stream(seed, a).integers(2**62) == stream(seed, a).integers(2**62)
    if a != b:
        assert stream_seed(seed, a) != stream_seed(seed, b)
    assert stream_seed(seed, a) != stream_seed(seed + 1, a)
