"""QA regressions of the desktop game found by playing it (headless, SDL dummy video driver).

Each test pins one problem a player met: the screens must agree with the
engine's own report for the same seed and strategies.
"""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

pytest.importorskip("pygame_gui")

from game.assignment import run_assignment
from game.match import Match, MatchSetup, Seat
from game.ui.app import App

DT = 1 / 60


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("SPECTRUM_AUCTION_SAVE", str(tmp_path / "autosave.json"))
    pygame.display.init()
    application = App((1280, 720))
    yield application
    pygame.display.quit()


def run_until(app: App, kind: type, limit: int = 3000) -> None:
    for _ in range(limit):
        if isinstance(app.top, kind):
            app.step(DT, [])
            return
        app.step(DT, [])
    raise AssertionError(f"never reached {kind.__name__}; top is {type(app.top).__name__}")


def test_results_without_a_human_winner_still_run_the_scripted_positioning(app: App) -> None:
    from game.ui.results import ResultsScene

    seats = (Seat("jazz", "truthful"), Seat("zong", "truthful"), Seat("ufone", "truthful"))
    match = Match(MatchSetup(seats=seats))
    app.start_match(match)
    run_until(app, ResultsScene)
    scene = app.top
    assert isinstance(scene, ResultsScene)
    # The same stage `run.py auction` runs for these seats: same positions, same prices.
    expected = run_assignment(match.scenario, match.outcome(), seed=match.setup.seed)
    assert scene.assignment == expected
    assert sum(scene.positioning_usd(b) for b in match.setup.bidders) == expected.revenue_usd
