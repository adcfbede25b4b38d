"""Learning bidders: PettingZoo and Gymnasium environments over the real rules, and the ``learned`` strategy.

- :class:`AuctionParallelEnv` (PettingZoo ``ParallelEnv``): every seat learns,
  one step is one round, all seats bid at once.
- :class:`AuctionEnv` (Gymnasium ``Env``): one learning seat against scripted
  rivals (any strategy spec ``make_agent`` accepts).
- :mod:`game.rl.encoding`: observation, action mask and the action -> bids
  rule, built from the protocol's ``start`` and ``round`` messages only.
- :mod:`game.rl.learned`: a trained linear policy as an ordinary strategy.

``gymnasium`` and ``pettingzoo`` come with the optional extra ``[rl]`` and are
imported only when an environment is first asked for, so the ``learned``
strategy (numpy only) works without them. Never imports pygame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from game.rl.parallel import AuctionParallelEnv
    from game.rl.single import AuctionEnv

__all__ = ["AuctionEnv", "AuctionParallelEnv"]


def __getattr__(name: str) -> Any:
    # Lazy: the environments need the [rl] extra; the learned strategy and the encoder do not.
    if name == "AuctionParallelEnv":
        from game.rl.parallel import AuctionParallelEnv

        return AuctionParallelEnv
    if name == "AuctionEnv":
        from game.rl.single import AuctionEnv

        return AuctionEnv
    raise AttributeError(f"module 'game.rl' has no attribute {name!r}")
