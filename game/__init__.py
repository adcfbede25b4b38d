"""Spectrum-auction game and agent tournament platform.

The engine (``scenario``, ``rules``, ``allocation``, ``view``, ``agents``,
``report``...) is pure Python + numpy, deterministic from a seed, and never
imports pygame; the desktop UI lives in ``game.ui``.
"""

__version__ = "0.1.0"
