"""The desktop game's setup screen can seat an external program, which then bids through the protocol."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import sys
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

pytest.importorskip("pygame_gui")

import pygame_gui

from game.agents.external import ExternalAgent
from game.sessions.match import Match
from game.ui.app import App
from game.ui.setup import PROGRAM_LABEL, SetupScene
from tests.protocol_helpers import EXAMPLES


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("SPECTRUM_AUCTION_SAVE", str(tmp_path / "autosave.json"))
    pygame.display.init()
    pygame.display.set_mode((1280, 720))
    yield App((1280, 720))
    pygame.display.quit()


def test_a_seat_can_be_an_external_program(app: App) -> None:
    setup = SetupScene(app)
    app.push(setup)
    app.step(1 / 60, [])
    menu = next(el for el, b in setup.seat_menus.items() if b == "zong")
    setup.handle_event(pygame.event.Event(pygame_gui.UI_DROP_DOWN_MENU_CHANGED, ui_element=menu, text=PROGRAM_LABEL))
    entry = next(el for el, b in setup.command_entries.items() if b == "zong")  # the command entry appeared
    with pytest.raises(ValueError, match="command"):
        setup.build_setup()
    command = f"{sys.executable} {EXAMPLES / 'bots' / 'truthful.py'}"
    setup.handle_event(pygame.event.Event(pygame_gui.UI_TEXT_ENTRY_CHANGED, ui_element=entry, text=command))
    chosen = setup.build_setup()
    assert chosen.seat("zong").controller == f"exec:{command}"
    match = Match(chosen)
    agent = match.agents["zong"]
    assert isinstance(agent, ExternalAgent)
    try:
        assert match.ask_rival("zong") is None  # it answered round 1 over the protocol
        assert match.auction.has_submitted("zong")
    finally:
        agent.close()
