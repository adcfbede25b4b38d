"""``AuctionEnv``: one learning seat against scripted rivals, as a Gymnasium ``Env`` (needs the ``[rl]`` extra).

The learning seat has the same spaces, encoding, fallback and reward as in
:class:`~game.rl.parallel.AuctionParallelEnv`; each step its action is
entered, every rival is asked through the same loop the game and the
tournaments use (:func:`game.sessions.session.ask_agent`: a rival that raises
or makes a refused bid maintains, and the failure is kept in
``info["rival_failures"]``), then the round closes. Rivals are any strategy
spec that :func:`game.agents.registry.make_agent` accepts (``truthful``,
``plan:PATH``, external programs where the registry knows them, ...). With
``reset(seed=S)`` values, tie-breaks and each rival's generator are those of
``run.py auction --seed S --bidders ...``. The episode ends when the auction
does, or when the learning seat is excluded (round-1 obligation). Never
imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from game.agents.base import Agent
from game.agents.registry import make_agent
from game.engine.streams import agent_stream
from game.rl.core import Episode, SeedSource, episode_seed, scenario_of, unapplied_messages
from game.rl.encoding import SeatEncoder
from game.rl.spaces import layout, seat_spaces
from game.scenario import Scenario
from game.sessions.session import ask_agent

ObsDict = dict[str, Any]


def rival_rng(seed: int, bidder: str) -> np.random.Generator:
    """A rival's own generator: the one ``run.py auction --seed`` gives the same bidder."""
    return agent_stream(seed, bidder)


class AuctionEnv(gym.Env[ObsDict, np.ndarray]):
    """One learning seat (``bidder``) against scripted ``rivals`` ({bidder: strategy spec}); see the module doc."""

    metadata = {"render_modes": []}  # noqa: RUF012 (gymnasium declares it an instance attribute)

    def __init__(
        self,
        scenario: Scenario | str = "pakistan-2026",
        bidder: str | None = None,
        rivals: Mapping[str, str] | str = "truthful",
        *,
        price_points: int = 1,
    ) -> None:
        self.scenario = scenario_of(scenario)
        defaults = self.scenario.default_bidders
        self.bidder = bidder if bidder is not None else defaults[0]
        if isinstance(rivals, str):
            rivals = {b: rivals for b in defaults if b != self.bidder}
        self.rivals: dict[str, str] = dict(rivals)
        problems = [b for b in [self.bidder, *self.rivals] if b not in self.scenario.bidder_ids]
        if problems or self.bidder in self.rivals:
            raise ValueError(
                f"learning seat {self.bidder!r} and rivals {sorted(self.rivals)} must be distinct bidders of "
                f"{self.scenario.id} ({', '.join(self.scenario.bidder_ids)})"
            )
        # Seats in the scenario's order, as the CLI seats them.
        self.bidders = [b for b in self.scenario.bidder_ids if b == self.bidder or b in self.rivals]
        self.price_points = price_points
        self.render_mode = None
        self.observation_space, self.action_space = seat_spaces(layout(self.scenario, self.bidder, self.bidders, price_points))
        self._rng: SeedSource = None
        self.episode: Episode | None = None
        self.agents: dict[str, Agent] = {}

    @property
    def encoder(self) -> SeatEncoder:
        if self.episode is None:
            raise RuntimeError("call reset() first")
        return self.episode.encoders[self.bidder]

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[ObsDict, dict[str, Any]]:
        super().reset(seed=seed)
        self._rng, auction_seed = episode_seed(seed, self._rng)
        self._close_rivals()
        kept = self.episode.encoders if self.episode is not None else None
        self.episode = Episode(self.scenario, self.bidders, auction_seed, price_points=self.price_points, encoders=kept)
        self.agents = {
            b: make_agent(spec, b, self.scenario, self.episode.values[b], rival_rng(auction_seed, b)) for b, spec in self.rivals.items()
        }
        return self.episode.observe(self.bidder), {"round": 1, "seed": auction_seed}

    def step(self, action: np.ndarray) -> tuple[ObsDict, float, bool, bool, dict[str, Any]]:
        episode = self.episode
        if episode is None:
            raise RuntimeError("call reset() first")
        auction = episode.auction
        if auction.finished or auction.is_excluded(self.bidder):
            raise RuntimeError("the episode has ended; call reset()")
        info = episode.submit(self.bidder, action)
        failures = []
        for rival, agent in self.agents.items():
            if not auction.is_excluded(rival):
                failure = ask_agent(auction, rival, agent)
                if failure is not None:
                    failures.append(f"{failure.bidder}: {failure.kind}: {failure.message}")
        result = episode.close_round()
        info["unapplied"] = unapplied_messages(result, self.bidder)
        info["rival_failures"] = failures
        done = auction.finished or auction.is_excluded(self.bidder)
        reward = episode.reward(self.bidder) if done else 0.0
        if done:
            self._close_rivals()
        return episode.observe(self.bidder), reward, done, False, info

    def _close_rivals(self) -> None:
        # External programs hold a process; close whatever can be closed.
        for agent in self.agents.values():
            close = getattr(agent, "close", None)
            if callable(close):
                close()
        self.agents = {}

    def close(self) -> None:
        self._close_rivals()
        self.episode = None
