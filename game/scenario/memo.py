"""Values worked out once per scenario object: its limits, value model, band frequencies, view fields.

A :class:`~game.scenario.model.Scenario` holds dicts, so it is not hashable;
entries are keyed by its identity and a name, and the scenario itself is kept
beside each value, so that its id is never reused while the entry lives.
Every value kept here must be read-only to its users: they all share it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from game.scenario.model import Scenario

T = TypeVar("T")

_KEPT: dict[tuple[int, str], tuple[Scenario, object]] = {}
_MOST = 64
"""Entries kept at most: scenarios built on the fly (tests, tournaments over files) must not pile up."""


def per_scenario(scenario: Scenario, name: str, build: Callable[[Scenario], T]) -> T:
    """``build(scenario)``, worked out on the first call for this scenario object and ``name`` and kept.

    A ``build`` that raises keeps nothing, so the next call raises again.
    """
    key = (id(scenario), name)
    entry = _KEPT.get(key)
    if entry is not None and entry[0] is scenario:
        return cast(T, entry[1])
    value = build(scenario)
    if len(_KEPT) >= _MOST:
        _KEPT.clear()
    _KEPT[key] = (scenario, value)
    return value


def clear() -> None:
    """Forget every kept value (tests that compare a cached answer with a fresh one)."""
    _KEPT.clear()
