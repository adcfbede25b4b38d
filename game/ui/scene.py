"""The Scene base class: one screen of the desktop game.

Contract (stable; other screens are written against it):

- ``Scene(app)`` stores the :class:`~game.ui.stack.SceneStack`; it builds nothing yet.
- ``enter()`` builds the scene's pygame_gui widgets inside ``self.root``, an
  invisible :class:`pygame_gui.core.UIContainer` covering the whole window
  (``self.make_root()`` creates it; pass ``container=self.root`` to every
  widget). Called when the scene becomes the top of the stack and again after
  a window resize (``relayout`` = ``exit`` + ``enter``), so layout must be
  computed from ``self.app.size`` every time and any edited state must live
  on the scene object, not only in the widgets.
- ``exit()`` kills ``self.root`` (and so every widget in it).
- ``pause()`` / ``resume()``: another scene was pushed on top / popped off;
  the default hides / shows ``self.root``.
- ``handle_event(event) -> bool``: every pygame event, including pygame_gui's
  UI events, after the UI manager has seen it; return True when consumed.
- ``update(dt)``: advance timers, animations and background work (seconds).
- ``update_covered(dt)``: called instead while another scene is on top (the
  Esc menu, the history screen); a round timer keeps running there.
- ``draw(surface)``: custom drawing *under* the widgets (tables, charts,
  bars). Drawing never changes game state.

``overlay = True`` scenes (the Esc menu) are drawn over the scene below, which
keeps drawing but gets no events.

``SeatScene(app, bidder)`` is a screen for one seat's player (bidding, round
result): it holds ``self.match``, ``self.bidder`` and ``self.view``, the view
the engine builds for that bidder, and opens that seat's history. Seat
screens share their keys through ``enter_or_menu``: Enter goes on, Esc opens
the menu.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import pygame
import pygame_gui

if TYPE_CHECKING:
    from collections.abc import Callable

    from game.records.view import BidderView
    from game.sessions.match import Match
    from game.ui.stack import SceneStack


class Scene:
    """One screen. Subclasses override what they need; see the module docstring."""

    overlay: ClassVar[bool] = False
    title: ClassVar[str] = ""

    def __init__(self, app: SceneStack) -> None:
        self.app = app
        self.root: pygame_gui.core.UIContainer | None = None

    # ---------------------------------------------------------- life cycle

    def make_root(self) -> pygame_gui.core.UIContainer:
        """A panel covering the window that owns every widget of this scene."""
        if self.root is not None:
            self.root.kill()  # type: ignore[no-untyped-call]
        w, h = self.app.size
        self.root = pygame_gui.core.UIContainer(pygame.Rect(0, 0, w, h), manager=self.app.manager)
        return self.root

    def enter(self) -> None:
        self.make_root()

    def exit(self) -> None:
        if self.root is not None:
            self.root.kill()  # type: ignore[no-untyped-call]
            self.root = None

    def pause(self) -> None:
        if self.root is not None:
            self.root.hide()

    def resume(self) -> None:
        if self.root is not None:
            self.root.show()

    def relayout(self) -> None:
        """Rebuild the widgets for a new window size (state lives on the scene)."""
        self.exit()
        self.enter()

    # ---------------------------------------------------------- per frame

    def intercept(self, event: pygame.event.Event) -> bool:
        """Called before the widgets see ``event``; True keeps it from them and from ``handle_event`` (hot keys)."""
        return False

    def handle_event(self, event: pygame.event.Event) -> bool:
        return False

    def update(self, dt: float) -> None:
        pass

    def update_covered(self, dt: float) -> None:
        pass

    def draw(self, surface: pygame.Surface) -> None:
        pass

    def enter_or_menu(self, event: pygame.event.Event, proceed: Callable[[], object]) -> bool:
        """The seat screens' keys: Enter (either key) runs ``proceed``, Esc opens the game menu; True if consumed."""
        if event.type != pygame.KEYDOWN:
            return False
        if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            proceed()
            return True
        if event.key == pygame.K_ESCAPE:
            self.app.open_menu()
            return True
        return False


class SeatScene(Scene):
    """A screen for one seat's player: it shows only the view the engine builds for that bidder."""

    def __init__(self, app: SceneStack, bidder: str) -> None:
        super().__init__(app)
        assert app.match is not None
        self.match: Match = app.match
        self.bidder = bidder
        self.view: BidderView = self.match.view(bidder)

    def open_history(self) -> None:
        """Push the price (and, as the policy allows, demand) history as this seat may see it."""
        self.app.show_history(self.bidder)


# ---------------------------------------------------------------- drawing helpers shared by screens

_text_cache: dict[tuple[int, str, tuple[int, int, int, int]], pygame.Surface] = {}

text_boxes: list[tuple[pygame.Rect, str]] | None = None
"""When a list (layout tests set one), every text the drawing helpers blit is recorded here
with its rectangle in window coordinates, so tests can measure overlaps and clipping
instead of comparing pixels."""


panel_boxes: list[pygame.Rect] | None = None
"""Likewise the panels (tables, side panels, dialogs) texts are drawn in: a text that starts inside
a panel must end inside it."""


def record_panel(rect: pygame.Rect) -> None:
    """Note a drawn panel's rectangle for the layout tests (no-op unless :data:`panel_boxes` is a list)."""
    if panel_boxes is not None:
        panel_boxes.append(pygame.Rect(rect))


def draw_modal_panel(
    surface: pygame.Surface, colours: dict[str, pygame.Color], rect: pygame.Rect, border: pygame.Color, shade: int = 180
) -> None:
    """Darken the screen below a dialog and draw the dialog's panel with a coloured border (menu, confirmations)."""
    veil = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
    veil.fill((0, 0, 0, shade))
    surface.blit(veil, (0, 0))
    pygame.draw.rect(surface, colours["panel_alt"], rect, border_radius=6)
    record_panel(rect)
    pygame.draw.rect(surface, border, rect, 2, border_radius=6)


def record_text(rect: pygame.Rect, text: str) -> None:
    """Note a blitted text's rectangle for the layout tests (no-op unless :data:`text_boxes` is a list)."""
    if text_boxes is not None and text.strip():
        text_boxes.append((pygame.Rect(rect), text))


def render_text(font: pygame.font.Font, text: str, colour: pygame.Color | tuple[int, int, int]) -> pygame.Surface:
    """Rendered text, cached: tables redraw the same strings every frame."""
    c = pygame.Color(colour)
    key = (id(font), text, (c.r, c.g, c.b, c.a))
    surf = _text_cache.get(key)
    if surf is None:
        if len(_text_cache) > 4000:
            _text_cache.clear()
        surf = font.render(text, True, c)
        _text_cache[key] = surf
    return surf


def draw_text(
    surface: pygame.Surface,
    font: pygame.font.Font,
    text: str,
    colour: pygame.Color | tuple[int, int, int],
    pos: tuple[int, int],
    anchor: str = "topleft",
) -> pygame.Rect:
    """Blit ``text`` with ``pos`` at the rect's ``anchor`` (e.g. 'midright' for numeric columns)."""
    surf = render_text(font, text, colour)
    rect = surf.get_rect(**{anchor: pos})
    surface.blit(surf, rect)
    record_text(rect, text)
    return rect


def fit_text(font: pygame.font.Font, text: str, width: int) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels (a cell never spills into the next)."""
    if font.size(text)[0] <= width:
        return text
    while text and font.size(text + "\u2026")[0] > width:
        text = text[:-1]
    return text.rstrip() + "\u2026" if text else ""


def fit_path(font: pygame.font.Font, path: str, width: int) -> str:
    """A file path shortened from the left ('\u2026/spectrum-auction/autosave.json') to fit ``width`` pixels."""
    if font.size(path)[0] <= width:
        return path
    parts = path.split("/")
    while len(parts) > 1 and font.size("\u2026/" + "/".join(parts))[0] > width:
        parts.pop(0)
    return fit_text(font, "\u2026/" + "/".join(parts), width)


def wrap_text(font: pygame.font.Font, text: str, width: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if font.size(trial)[0] <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def wrap_paragraphs(font: pygame.font.Font, text: str, width: int) -> list[str]:
    """:func:`wrap_text` for each paragraph of ``text`` (split at newlines); an empty paragraph stays a blank line."""
    out: list[str] = []
    for para in text.split("\n"):
        out.extend(wrap_text(font, para, width) or [""])
    return out


def draw_wrapped(
    surface: pygame.Surface, font: pygame.font.Font, text: str, colour: Any, rect: pygame.Rect
) -> int:
    """Draw ``text`` word-wrapped to ``rect``'s width from its top; returns the y below the last line."""
    y = rect.y
    for line in wrap_text(font, text, rect.w):
        draw_text(surface, font, line, colour, (rect.x, y))
        y += font.get_linesize()
    return y
