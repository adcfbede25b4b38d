"""Spectrum-auction game and agent tournament platform.

The package is in layers; a module imports only its own layer and lower ones
(``tests/test_layers.py`` checks this and that no import circle exists):

1. ``scenario``   scenario data and its schema, units (imports nothing else of the game)
2. ``engine``     rules, the allocation (clock) and assignment stages, the band plan
3. ``records``    the bidder's view, round logs, reports;
   ``economics``  values, welfare, payments;
   ``formats``    file-format schemas and checked readers
4. ``agents``     scripted strategies and the agent interface; ``protocol`` the
   bidder protocol and sandbox; ``sessions`` playing an auction and the desktop
   match; ``tournament``; ``rl`` learning environments
5. ``cli`` and ``ui`` the front ends

Layers 1-4 are pure Python + numpy, deterministic from a seed, and never
import pygame; the desktop UI lives in ``game.ui``.
"""

__version__ = "0.1.0"
