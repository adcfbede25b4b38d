"""The Gymnasium spaces of a seat, shared by both environments (needs the ``[rl]`` extra).

Observation: ``Dict(observation=Box(float32, (n,)), action_mask=Tuple(MultiBinary(m) per action entry))``;
action: ``MultiDiscrete(nvec)``. See :mod:`game.rl.encoding` for the layout and the encoding.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from game.protocol.messages import start_message
from game.rl.encoding import SeatEncoder
from game.scenario import Scenario

BOUND = float(np.finfo(np.float32).max)
"""The observation box's bounds: finite (checkers warn about infinite ones), and nothing a float32 holds is outside."""


def layout(scenario: Scenario, bidder: str, bidders: list[str], price_points: int) -> SeatEncoder:
    """An encoder without values: the layout of a seat's spaces (which depend on the scenario only)."""
    start = start_message(scenario, auction_id="layout", bidder=bidder, bidders=bidders, values=None)
    return SeatEncoder(scenario, start, price_points=price_points)


def seat_spaces(encoder: SeatEncoder) -> tuple[spaces.Dict, spaces.MultiDiscrete]:
    observation = spaces.Dict(
        {
            "observation": spaces.Box(-BOUND, BOUND, shape=(encoder.size,), dtype=np.float32),
            "action_mask": spaces.Tuple(tuple(spaces.MultiBinary(int(n)) for n in encoder.nvec)),
        }
    )
    action = spaces.MultiDiscrete(np.array(encoder.nvec, dtype=np.int64))
    return observation, action
