"""The desktop game's frame: window, pygame_gui manager, theme, fonts and the scene stack.

Public API (stable; screens are written against it):

- ``App(size=(1280, 720), *, match=None, resizable=True)``: opens the window
  (``pygame.display.set_mode``; under ``SDL_VIDEODRIVER=dummy`` in tests).
- ``app.size -> (w, h)``, ``app.window`` (the display surface),
  ``app.manager`` (``pygame_gui.UIManager``), ``app.fonts`` (:class:`Fonts`,
  re-sized with the window), ``app.colours`` (:data:`COLOURS`),
  ``app.match`` (the :class:`game.sessions.match.Match` being played, or None).
- Scene stack: ``app.push(scene)``, ``app.pop()``, ``app.replace(scene)``,
  ``app.top`` (the scene on top), ``app.scenes``.
- ``app.step(dt, events)``: one frame with an injected time step and event
  list (tests and benchmarks); ``app.run()``: the real loop until ``app.quit()``.
- ``app.render_png(path)``: save the current frame (screenshots).
- ``operator_colour(app, bidder_id)``: the scenario's colour for an operator.
- Game flow: ``app.start_match(match)``, ``app.continue_game(notice="")``
  (shows whatever comes next: hand-over, last round's result, a seat's
  bidding screen, the wait for rivals, the results), ``app.open_menu()``,
  ``app.save_game(path=None) -> Path``, ``app.notice`` (a one-line message
  for the next screen), ``app.rivals`` (:class:`RivalWorker` or None).

Never decides an auction rule: screens read the engine's public API.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui

from game.engine.assignment import AssignmentOutcome, bands_to_position, run_assignment
from game.ui import background
from game.ui.bidding import BiddingScene
from game.ui.confirm import ConfirmScene, PromptScene
from game.ui.handover import HandoverScene, WaitScene
from game.ui.history import HistoryScene
from game.ui.menu import MenuScene
from game.ui.positioning import PositioningScene
from game.ui.results import ResultsScene
from game.ui.round_result import RoundResultScene
from game.ui.scene import Scene
from game.ui.setup import SetupScene

if TYPE_CHECKING:
    from collections.abc import Callable

    from game.engine.allocation import AllocationOutcome
    from game.records.view import BidderView
    from game.scenario import Scenario
    from game.sessions.match import Match

ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"
FONT_DIR = ASSETS / "fonts"
THEME_PATH = ASSETS / "theme.json"
MIN_SIZE = (960, 600)

# A dark "trading floor" palette; widgets take theirs from assets/theme.json.
COLOURS: dict[str, pygame.Color] = {
    "bg": pygame.Color("#0e141b"),
    "panel": pygame.Color("#151e27"),
    "panel_alt": pygame.Color("#1b2631"),
    "line": pygame.Color("#2b3a48"),
    "text": pygame.Color("#e6edf3"),
    "muted": pygame.Color("#8b9db0"),
    "accent": pygame.Color("#3aa0ff"),
    "ok": pygame.Color("#3fb950"),
    "warn": pygame.Color("#d29922"),
    "bad": pygame.Color("#f85149"),
    "unsold": pygame.Color("#4a5563"),
}


@dataclass
class Fonts:
    """Fonts sized for the current window; ``unit`` is the body line height in pixels."""

    small: pygame.font.Font
    body: pygame.font.Font
    bold: pygame.font.Font
    heading: pygame.font.Font
    title: pygame.font.Font
    mono: pygame.font.Font
    mono_bold: pygame.font.Font
    size: int
    unit: int


def font_size_for(size: tuple[int, int]) -> int:
    """Body text size: 15 px at 1280x720, 22 px at 1920x1080 (legible at both)."""
    w, h = size
    return max(13, min(28, round(min(h / 48, w / 85))))


def load_fonts(size: tuple[int, int]) -> Fonts:
    base = font_size_for(size)

    def font(name: str, px: int) -> pygame.font.Font:
        path = FONT_DIR / name
        return pygame.font.Font(str(path) if path.exists() else None, px)

    body = font("DejaVuSans.ttf", base)
    return Fonts(
        small=font("DejaVuSans.ttf", max(11, base * 4 // 5)),
        body=body,
        bold=font("DejaVuSans-Bold.ttf", base),
        heading=font("DejaVuSans-Bold.ttf", base * 5 // 4),
        title=font("DejaVuSans-Bold.ttf", base * 7 // 4),
        mono=font("DejaVuSansMono.ttf", base),
        mono_bold=font("DejaVuSansMono-Bold.ttf", base),
        size=base,
        unit=body.get_linesize(),
    )


def load_theme(font_px: int) -> dict[str, Any]:
    """assets/theme.json with font sizes scaled to the window ("size" there is for 15 px body text)."""
    try:
        theme: dict[str, Any] = json.loads(THEME_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    theme = copy.deepcopy(theme)
    for block in theme.values():
        if isinstance(block, dict) and isinstance(block.get("font"), dict):
            f = block["font"]
            f["size"] = str(max(10, round(int(f.get("size", "15")) * font_px / 15)))
    return theme


class RivalWorker:
    """Scripted seats bid in a worker thread so the window never freezes.

    It only calls ``Match.ask_rival`` (a submit for one seat); the main
    thread does not close the round until :attr:`done`. Submissions of
    different seats never touch the same state, and processing order does
    not depend on who submitted first, so the game stays deterministic.
    """

    def __init__(self, match: Match) -> None:
        self.match = match
        self.seats = match.rivals_to_bid()
        self.error: BaseException | None = None
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._run, name="rivals", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            for bidder in self.seats:
                self.match.ask_rival(bidder)
        except BaseException as exc:  # reported on the main thread
            self.error = exc
        self.seconds = time.perf_counter() - started

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)


class App:
    """The window and the scene stack; see the module docstring."""

    def __init__(self, size: tuple[int, int] = (1280, 720), *, match: Match | None = None, resizable: bool = True) -> None:
        # Display and fonts only: the mixer would open an audio device for nothing.
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption("Spectrum auction")
        self._flags = pygame.RESIZABLE if resizable else 0
        self.window = pygame.display.set_mode(size, self._flags)
        self.colours = COLOURS
        self.match: Match | None = match
        self.scenes: list[Scene] = []
        self.running = True
        self.clock = pygame.time.Clock()
        self.fonts = load_fonts(size)
        self.manager = self._make_manager(size)
        self.last_frame_ms = 0.0
        self._deferred = False
        self._round_closed = False
        self._later: list[Callable[[], object]] = []
        self.notice = ""
        self.rivals: RivalWorker | None = None
        self.results_seen: set[tuple[str, int]] = set()
        """(seat, round) pairs whose round result that seat has seen."""
        self.save_path: Path | None = None
        self.notices: dict[str, str] = {}
        """A one-line message for one seat's next screen (its own timer ran out): never shown to another seat."""
        self.handed_to: str | None = None
        """The seat the hot-seat hand-over screen last handed the computer to (reset when a round closes)."""

    # ---------------------------------------------------------- window

    @property
    def size(self) -> tuple[int, int]:
        w, h = self.window.get_size()
        return int(w), int(h)

    def _make_manager(self, size: tuple[int, int]) -> pygame_gui.UIManager:
        manager = pygame_gui.UIManager(size, None, enable_live_theme_updates=False)
        # Fonts must be known by name before the theme that uses them loads.
        if (FONT_DIR / "DejaVuSans.ttf").exists():
            manager.add_font_paths("dejavusans", str(FONT_DIR / "DejaVuSans.ttf"), str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            manager.add_font_paths(
                "dejavusansmono", str(FONT_DIR / "DejaVuSansMono.ttf"), str(FONT_DIR / "DejaVuSansMono-Bold.ttf")
            )
        theme = load_theme(self.fonts.size)
        if theme:
            manager.get_theme().load_theme(theme)
        return manager

    def resize(self, size: tuple[int, int]) -> None:
        """New window size: new fonts and theme sizes, then every scene rebuilds its widgets."""
        size = (max(MIN_SIZE[0], size[0]), max(MIN_SIZE[1], size[1]))
        if size != self.size:
            self.window = pygame.display.set_mode(size, self._flags)
        for scene in self.scenes:
            scene.exit()
        self.fonts = load_fonts(size)
        self.manager = self._make_manager(size)
        for scene in self.scenes:
            scene.enter()
            if scene is not self.top:
                scene.pause()

    # ---------------------------------------------------------- scene stack

    @property
    def top(self) -> Scene | None:
        return self.scenes[-1] if self.scenes else None

    def push(self, scene: Scene) -> None:
        if self.top is not None:
            self.top.pause()
        self.scenes.append(scene)
        scene.enter()

    def pop(self) -> Scene | None:
        if not self.scenes:
            return None
        scene = self.scenes.pop()
        scene.exit()
        if self.top is not None:
            self.top.resume()
        return scene

    def replace(self, scene: Scene) -> None:
        if self.scenes:
            self.scenes.pop().exit()
        self.scenes.append(scene)
        scene.enter()

    def quit(self) -> None:
        self.running = False

    # ---------------------------------------------------------- game flow

    def start_match(self, match: Match, save_path: Path | None = None) -> None:
        """Play ``match`` from where it stands (a new game, or one resumed from a save)."""
        self.match = match
        # The welfare optimum's process, started from this thread now, long before the results need it;
        # and the payment plans' module, which the results screen would otherwise import in a frame.
        background.warm_up()
        with contextlib.suppress(ImportError):
            importlib.import_module("game.economics.payments")
        self.rivals = None
        self.results_seen = set()
        self.notices = {}
        self.handed_to = None
        if save_path is not None:
            self.save_path = save_path
            match.autosave_path = save_path
        self.continue_game()

    def _handover(self, bidder: str) -> bool:
        """In hot-seat, show the hand-over screen before ``bidder``'s private screens; True if shown."""
        match = self.match
        assert match is not None
        if len(match.human_seats) > 1 and self.handed_to != bidder:
            self.replace(HandoverScene(self, bidder))
            return True
        return False

    def continue_game(self, notice: str = "") -> None:
        """Replace the screen with what the game needs next.

        In order: a seat that was just excluded is told so on its own round result; when the
        allocation stage has ended each human sees its final round result and what it won; then
        the positioning stage and the results. During the stage: each human that still has to
        bid sees last round's result, then its bidding screen (after a hand-over in hot-seat);
        when only rivals are left, the wait screen.
        """
        if notice:
            self.notice = notice
        match = self.match
        if match is None:
            return
        last = match.closed_rounds
        for bidder in match.newly_excluded_humans():
            if not self._handover(bidder):
                self.results_seen.add((bidder, last))
                self.replace(RoundResultScene(self, bidder))
            return
        if match.finished:
            for bidder in match.human_seats:
                if match.auction.is_excluded(bidder) or (bidder, last) in self.results_seen:
                    continue
                if not self._handover(bidder):
                    self.results_seen.add((bidder, last))
                    self.replace(RoundResultScene(self, bidder))
                return
            self.show_results()
            return
        if self.rivals is None and match.rivals_to_bid():
            self.rivals = RivalWorker(match)
        humans = match.humans_to_bid()
        if humans:
            bidder = humans[0]
            if self._handover(bidder):
                return
            if last and (bidder, last) not in self.results_seen:
                self.results_seen.add((bidder, last))
                self.replace(RoundResultScene(self, bidder))
            else:
                self.replace(BiddingScene(self, bidder))
            return
        self.replace(WaitScene(self))

    def close_round_when_ready(self) -> bool:
        """Called by the wait screen each frame: close the round once every seat has bid.

        The next screen is built on the frame after the one that closed the round, so no frame
        pays for both (see :meth:`step`).
        """
        match = self.match
        if self._round_closed:
            self._round_closed = False
            self.continue_game()
            return True
        if match is None or match.finished:
            return False
        if self.rivals is not None and not self.rivals.done:
            return False
        if self.rivals is not None and self.rivals.error is not None:
            raise self.rivals.error
        self.rivals = None
        if match.rivals_to_bid():
            self.rivals = RivalWorker(match)
            return False
        if not match.ready_to_close():
            return False
        match.close_round()
        self.handed_to = None
        self._round_closed = True
        return True

    def show_results(self) -> None:
        """The allocation stage is over: positioning (if a human won a positioned band), then results."""
        match = self.match
        assert match is not None
        outcome = match.outcome()
        positioned = bands_to_position(match.scenario, outcome)
        humans = match.positioning_humans()
        if humans and match.assignment_outcome is None:
            # Replays the saved positioning rounds, so a resumed game continues the stage where it was.
            stage = match.assignment_stage()
            if not stage.finished:
                # The positioning screen shows the results screen itself when it is done.
                self.replace(PositioningScene(self, stage, humans, submitted=set(match.positioning_pending)))
                return
            match.assignment_outcome = stage.outcome()
        elif positioned and match.assignment_outcome is None:
            # No human has a band to position, but the scripted winners still take part in the
            # stage (as in `run.py auction`): otherwise the band plan and revenue would differ.
            match.assignment_outcome = run_assignment(match.scenario, outcome, seed=match.setup.seed)
        self.replace(ResultsScene(self))

    # The screens a scene opens by name (see game.ui.stack): only this module knows every scene.

    def show_bidding(self, bidder: str) -> None:
        self.replace(BiddingScene(self, bidder))

    def show_round_result(self, bidder: str) -> None:
        self.replace(RoundResultScene(self, bidder))

    def show_history(self, bidder: str) -> None:
        self.push(HistoryScene(self, bidder=bidder))

    def show_history_view(self, view: BidderView) -> None:
        self.push(HistoryScene(self, view))

    def show_final_results(
        self,
        scenario: Scenario,
        allocation: AllocationOutcome,
        *,
        assignment: AssignmentOutcome | None = None,
        seat: str | None = None,
    ) -> None:
        # Built now, shown next frame: its figures and its widgets would not fit in one frame together.
        scene = ResultsScene(self, scenario, allocation, assignment=assignment, seat=seat)
        self.later(lambda: self.replace(scene))

    def later(self, action: Callable[[], object]) -> None:
        """Run ``action`` at the start of the next frame (spreads a screen change over two frames)."""
        self._later.append(action)

    def open_menu(self) -> None:
        if not isinstance(self.top, MenuScene | ConfirmScene | PromptScene):
            self.push(MenuScene(self))

    def confirm(
        self, title: str, message: str, confirm_label: str, on_confirm: Callable[[], object], *,
        cancel_label: str = "Cancel (Esc)", danger: bool = True,
    ) -> None:
        """Ask before something that cannot be undone: a dialog over the screen (see game.ui.confirm)."""
        self.push(ConfirmScene(self, title, message, confirm_label, on_confirm, cancel_label=cancel_label, danger=danger))

    def prompt(
        self, title: str, message: str, initial: str, ok_label: str, on_ok: Callable[[str], str | None]
    ) -> None:
        """Ask for a line of text (a file name); ``on_ok`` returns an error to show, or None to close."""
        self.push(PromptScene(self, title, message, initial, ok_label, on_ok))

    def save_game(self, path: Path | None = None) -> Path:
        """Save the game (atomic); returns where. A new ``path`` ("Save as") becomes the file the game autosaves to."""
        from game.sessions.match import default_save_path

        assert self.match is not None
        target = path or self.save_path or default_save_path()
        self.match.save(target)
        if path is not None:
            self.save_path = path
            self.match.autosave_path = path
        return target

    # ---------------------------------------------------------- frames

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.quit()
            return
        if event.type == pygame.VIDEORESIZE:
            self.resize((event.w, event.h))
            return
        if self.top is not None and self.top.intercept(event):
            return
        self.manager.process_events(event)
        if self.top is not None:
            self.top.handle_event(event)

    def step(self, dt: float, events: Sequence[pygame.event.Event] | None = None) -> None:
        """One frame: events, update(dt), draw. ``events=None`` reads the real event queue."""
        started = time.perf_counter()
        # Injected events first, then whatever the widgets posted (pygame_gui's UI events).
        batch = list(events) if events is not None else []
        batch.extend(pygame.event.get())
        top_before = self.top
        actions, self._later = self._later, []
        for action in actions:
            action()
        for event in batch:
            self.handle(event)
        # Scene changes during events may leave the stack empty (quit).
        if self.top is not None:
            # Covered scenes first: a round timer running out under the menu replaces the top.
            for scene in self.scenes[:-1]:
                scene.update_covered(dt)
        # A frame that closed a round or built a new screen does no more: the new screen's first
        # update and draw come next frame (the old picture stays up for those 16 ms), so no frame
        # pays for both. Never twice in a row, so a screen always gets drawn.
        defer = self.top is not top_before and top_before is not None and not self._deferred
        if self.top is not None and not defer:
            self.top.update(dt)
        self.manager.update(dt)
        if defer:
            self._deferred = True
        else:
            self._deferred = False
            self.draw()
        self.last_frame_ms = (time.perf_counter() - started) * 1000

    def draw(self) -> None:
        self.window.fill(self.colours["bg"])
        visible: list[Scene] = []
        for scene in reversed(self.scenes):
            visible.append(scene)
            if not scene.overlay:
                break
        for scene in reversed(visible):
            scene.draw(self.window)
        self.manager.draw_ui(self.window)

    def run(self) -> None:
        """The real main loop, until a scene calls ``quit`` or the window is closed."""
        dt = 0.0
        while self.running and self.scenes:
            self.step(dt)
            pygame.display.flip()
            dt = self.clock.tick(60) / 1000.0
        pygame.quit()

    def render_png(self, path: str | Path) -> None:
        self.draw()
        pygame.image.save(self.window, str(path))


def run_game(match: Match | None = None, *, save_path: Path | None = None, size: tuple[int, int] = (1280, 720)) -> int:
    """Open the window: the setup screen, or straight into ``match`` (resumed from ``save_path``)."""
    from game.sessions.match import default_save_path

    app = App(size)
    app.save_path = save_path or default_save_path()
    if match is None:
        app.push(SetupScene(app))
    else:
        app.notice = resume_notice(app.save_path)
        app.start_match(match, app.save_path)
    app.run()
    return 0


def resume_notice(path: Path) -> str:
    """What a resumed game says about its file: it goes on saving into it."""
    return (f"Resumed from {path}. The game keeps saving into this file after every bid and round; "
            "Esc > Save as\u2026 continues in another file instead.")

