"""The small interface between the scene stack and the scenes.

Scenes depend on :class:`SceneStack` (what they may ask of the window: its
fonts, colours and widget manager, the match, pushing and replacing scenes,
and opening the other screens by name), never on the application module or
on each other; :mod:`game.ui.app` implements it and is the one module that
knows every scene. That keeps the UI's imports one-way: app -> scenes ->
scene base and this interface.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pygame

if TYPE_CHECKING:
    from collections.abc import Callable

    import pygame_gui

    from game.engine.allocation import AllocationOutcome
    from game.engine.assignment import AssignmentOutcome
    from game.records.view import BidderView
    from game.scenario import Scenario
    from game.sessions.match import Match
    from game.ui.app import Fonts
    from game.ui.scene import Scene


class SceneStack(Protocol):
    """What a scene may use of the application that shows it."""

    colours: dict[str, pygame.Color]
    fonts: Fonts
    manager: pygame_gui.UIManager
    match: Match | None
    notice: str
    notices: dict[str, str]
    handed_to: str | None
    results_seen: set[tuple[str, int]]
    save_path: Path | None
    scenes: list[Scene]

    @property
    def size(self) -> tuple[int, int]: ...

    @property
    def top(self) -> Scene | None: ...

    def push(self, scene: Scene) -> None: ...

    def pop(self) -> Scene | None: ...

    def replace(self, scene: Scene) -> None: ...

    def quit(self) -> None: ...

    def start_match(self, match: Match, save_path: Path | None = None) -> None: ...

    def continue_game(self, notice: str = "") -> None: ...

    def close_round_when_ready(self) -> bool: ...

    def open_menu(self) -> None: ...

    def confirm(
        self, title: str, message: str, confirm_label: str, on_confirm: Callable[[], object], *,
        cancel_label: str = "Cancel (Esc)", danger: bool = True,
    ) -> None: ...

    def prompt(
        self, title: str, message: str, initial: str, ok_label: str, on_ok: Callable[[str], str | None]
    ) -> None: ...

    def save_game(self, path: Path | None = None) -> Path: ...

    # Screens opened by name, so that no scene imports another.
    def show_bidding(self, bidder: str) -> None: ...

    def show_round_result(self, bidder: str) -> None: ...

    def show_history(self, bidder: str) -> None: ...

    def show_history_view(self, view: BidderView) -> None: ...

    def show_final_results(
        self,
        scenario: Scenario,
        allocation: AllocationOutcome,
        *,
        assignment: AssignmentOutcome | None = None,
        seat: str | None = None,
    ) -> None: ...


def operator_colour(app: SceneStack, bidder_id: str) -> pygame.Color:
    """The operator's colour from the scenario (BidderProfile.colour), grey if unknown."""
    if app.match is not None:
        try:
            return pygame.Color(app.match.scenario.bidder(bidder_id).colour)
        except (KeyError, ValueError):
            pass
    return pygame.Color("#9aa4ae")
