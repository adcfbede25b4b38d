"""``AuctionParallelEnv``: the allocation stage as a PettingZoo ``ParallelEnv`` (needs the ``[rl]`` extra).

One step is one round: every live seat bids at once, then the round closes.
Agents are the bidder ids. Spaces and the action encoding:
:mod:`game.rl.encoding` and :mod:`game.rl.spaces`. The reward is 0 until the
auction ends; then each seat gets its utility in $m (value of the lots won
minus their price; an excluded seat gets minus its forfeited deposit at the
step it was excluded). ``infos[agent]`` after a step: ``round``, ``refusals``
(the engine's messages, if the action as given was refused), ``refused_rules``,
``fallback``, ``bid`` (the lots actually bid per band) and ``unapplied`` (the
parts of its bids processing could not apply, with the reason). A live agent
left out of ``actions`` submits nothing: it maintains its demand (in round 1
an incumbent then misses the obligation and is excluded, as in the game).
Observations are new arrays every step; the action masks are read-only
arrays that the environment shares between steps with the same standing
(copy one before changing it). ``reset(seed=S)`` plays the auction that ``run.py auction --seed S`` plays
(same values, same tie-breaks); the same seed and actions give identical
episodes. Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from game.rl.core import Episode, SeedSource, episode_seed, scenario_of, unapplied_messages
from game.rl.spaces import layout, seat_spaces
from game.scenario import Scenario

ObsDict = dict[str, Any]


class AuctionParallelEnv(ParallelEnv[str, ObsDict, np.ndarray]):  # type: ignore[misc]
    """Every seat of one auction learns; see the module doc."""

    metadata: ClassVar[dict[str, Any]] = {"name": "spectrum_auction_v0", "render_modes": [], "is_parallelizable": True}

    def __init__(
        self,
        scenario: Scenario | str = "pakistan-2026",
        bidders: Sequence[str] | None = None,
        *,
        price_points: int = 1,
    ) -> None:
        self.scenario = scenario_of(scenario)
        chosen = tuple(bidders) if bidders is not None else self.scenario.default_bidders
        unknown = [b for b in chosen if b not in self.scenario.bidder_ids]
        if unknown or not chosen or len(set(chosen)) != len(chosen):
            raise ValueError(
                f"bidders must be distinct bidders of {self.scenario.id} ({', '.join(self.scenario.bidder_ids)}), got {list(chosen)}"
            )
        self.possible_agents: list[str] = list(chosen)
        self.agents: list[str] = []
        self.price_points = price_points
        self.render_mode = None
        self._spaces = {b: seat_spaces(layout(self.scenario, b, list(chosen), price_points)) for b in chosen}
        self._rng: SeedSource = None
        self.episode: Episode | None = None

    def observation_space(self, agent: str) -> spaces.Dict:
        return self._spaces[agent][0]

    def action_space(self, agent: str) -> spaces.MultiDiscrete:
        return self._spaces[agent][1]

    def reset(
        self, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, ObsDict], dict[str, dict[str, Any]]]:
        self._rng, auction_seed = episode_seed(seed, self._rng)
        self.episode = Episode(
            self.scenario,
            self.possible_agents,
            auction_seed,
            price_points=self.price_points,
            encoders=self.episode.encoders if self.episode is not None else None,
        )
        self.agents = list(self.possible_agents)
        observations = {b: self.episode.observe(b, fresh_masks=False) for b in self.agents}
        infos: dict[str, dict[str, Any]] = {b: {"round": 1, "seed": auction_seed} for b in self.agents}
        return observations, infos

    def step(
        self, actions: Mapping[str, np.ndarray]
    ) -> tuple[
        dict[str, ObsDict], dict[str, float], dict[str, bool], dict[str, bool], dict[str, dict[str, Any]]
    ]:
        episode = self.episode
        if episode is None or not self.agents:
            return {}, {}, {}, {}, {}
        live = list(self.agents)
        infos: dict[str, dict[str, Any]] = {}
        for bidder in live:
            action = actions.get(bidder)
            if action is None:
                infos[bidder] = {"round": episode.auction.round, "refusals": [], "refused_rules": [], "fallback": False, "bid": None}
            else:
                infos[bidder] = episode.submit(bidder, action)
        result = episode.close_round()
        finished = episode.auction.finished
        rewards: dict[str, float] = {}
        terminations: dict[str, bool] = {}
        for bidder in live:
            infos[bidder]["unapplied"] = unapplied_messages(result, bidder) if result.unapplied else []
            done = finished or episode.auction.is_excluded(bidder)
            terminations[bidder] = done
            rewards[bidder] = episode.reward(bidder) if done else 0.0
        observations = {b: episode.observe(b, fresh_masks=False) for b in live}
        truncations = dict.fromkeys(live, False)
        self.agents = [b for b in live if not terminations[b]]
        return observations, rewards, terminations, truncations, infos

    def render(self) -> None:
        return None

    def close(self) -> None:
        self.episode = None
