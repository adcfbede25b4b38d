"""The desktop game's frame: window, pygame_gui manager, theme, fonts and the scene stack.

Public API (stable; screens are written against it):

- ``App(size=(1280, 720), *, match=None, resizable=True)``: opens the window
  (``pygame.display.set_mode``; under ``SDL_VIDEODRIVER=dummy`` in tests).
- ``app.size -> (w, h)``, ``app.window`` (the display surface),
  ``app.manager`` (``pygame_gui.UIManager``), ``app.fonts`` (:class:`Fonts`,
  re-sized with the window), ``app.colours`` (:data:`COLOURS`),
  ``app.match`` (the :class:`game.match.Match` being played, or None).
- Scene stack: ``app.push(scene)``, ``app.pop()``, ``app.replace(scene)``,
  ``app.top`` (the scene on top), ``app.scenes``.
- ``app.step(dt, events)``: one frame with an injected time step and event
  list (tests and benchmarks); ``app.run()``: the real loop until ``app.quit()``.
- ``app.render_png(path)``: save the current frame (screenshots).
- ``operator_colour(app, bidder_id)``: the scenario's colour for an operator.

Never decides an auction rule: screens read the engine's public API.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui

from game.ui.scene import Scene

if TYPE_CHECKING:
    from game.match import Match

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


def operator_colour(app: App, bidder_id: str) -> pygame.Color:
    """The operator's colour from the scenario (BidderProfile.colour), grey if unknown."""
    if app.match is not None:
        try:
            return pygame.Color(app.match.scenario.bidder(bidder_id).colour)
        except (KeyError, ValueError):
            pass
    return pygame.Color("#9aa4ae")


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

    # ---------------------------------------------------------- frames

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.quit()
            return
        if event.type == pygame.VIDEORESIZE:
            self.resize((event.w, event.h))
            return
        self.manager.process_events(event)
        if self.top is not None:
            self.top.handle_event(event)

    def step(self, dt: float, events: Sequence[pygame.event.Event] | None = None) -> None:
        """One frame: events, update(dt), draw. ``events=None`` reads the real event queue."""
        for event in pygame.event.get() if events is None else events:
            self.handle(event)
        # Scene changes during events may leave the stack empty (quit).
        if self.top is not None:
            self.top.update(dt)
        self.manager.update(dt)
        self.draw()

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
