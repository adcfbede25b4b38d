"""A confirmation dialog over the current screen: a question, its consequence, and two buttons.

Used wherever one click would lose something (a deposit, a saved game, the
session): the text states the consequence, the safe choice is the default
(Esc or the cancel button), and the risky choice needs its own button or its
own key (never Enter, so a player hammering Enter to go on never confirms a
forfeit). Drawing never changes game state.
"""

from __future__ import annotations

from collections.abc import Callable

import pygame
import pygame_gui

from game.ui.scene import Scene, draw_modal_panel, draw_text, wrap_paragraphs, wrap_text
from game.ui.stack import SceneStack


class ConfirmScene(Scene):
    """``title`` and ``message``; ``confirm_label`` runs ``on_confirm`` (key ``confirm_key``), Esc/cancel pops."""

    overlay = True
    title = "Confirm"

    def __init__(
        self,
        app: SceneStack,
        title: str,
        message: str,
        confirm_label: str,
        on_confirm: Callable[[], object],
        *,
        cancel_label: str = "Cancel (Esc)",
        on_cancel: Callable[[], object] | None = None,
        danger: bool = True,
        confirm_key: int = pygame.K_y,
    ) -> None:
        super().__init__(app)
        self.heading = title
        self.message = message
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label
        self.on_confirm = on_confirm
        self.on_cancel = on_cancel
        self.danger = danger
        self.confirm_key = confirm_key
        self.confirm_button: pygame_gui.elements.UIButton | None = None
        self.cancel_button: pygame_gui.elements.UIButton | None = None
        self.panel_rect = pygame.Rect(0, 0, 0, 0)

    def _lines(self, width: int) -> list[str]:
        return wrap_paragraphs(self.app.fonts.body, self.message, width)

    def enter(self) -> None:
        root = self.make_root()
        w, h = self.app.size
        u = self.app.fonts.unit
        pw = min(w - 2 * u, int(u * 34))
        lines = self._lines(pw - 2 * u)
        bh = int(u * 2.4)
        ph = int(u * 3.2) + len(lines) * self.app.fonts.body.get_linesize() + int(u * 1.2) + bh + u
        self.panel_rect = pygame.Rect((w - pw) // 2, max(u, (h - ph) // 2), pw, ph)
        bw = (pw - 3 * u) // 2
        by = self.panel_rect.bottom - u - bh
        m = self.app.manager
        self.cancel_button = pygame_gui.elements.UIButton(
            pygame.Rect(self.panel_rect.x + u, by, bw, bh), self.cancel_label, manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#confirm_cancel"),
        )
        self.confirm_button = pygame_gui.elements.UIButton(
            pygame.Rect(self.panel_rect.right - u - bw, by, bw, bh), self.confirm_label, manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#confirm_ok", class_id="@danger" if self.danger else "@primary"),
        )

    def confirm(self) -> None:
        self.app.pop()
        self.on_confirm()

    def cancel(self) -> None:
        self.app.pop()
        if self.on_cancel is not None:
            self.on_cancel()

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.confirm_button:
                self.confirm()
            elif event.ui_element is self.cancel_button:
                self.cancel()
            return True
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE or event.key == pygame.K_n:
                self.cancel()
            elif event.key == self.confirm_key:
                self.confirm()
            return True  # nothing below gets keys while the question is open
        return event.type == pygame.TEXTINPUT

    def draw(self, surface: pygame.Surface) -> None:
        c = self.app.colours
        f = self.app.fonts
        u = f.unit
        r = self.panel_rect
        draw_modal_panel(surface, c, r, c["bad"] if self.danger else c["accent"])
        draw_text(surface, f.heading, self.heading, c["text"], (r.x + u, r.y + u // 2))
        y = r.y + int(u * 2.6)
        for line in self._lines(r.w - 2 * u):
            draw_text(surface, f.body, line, c["text"], (r.x + u, y))
            y += f.body.get_linesize()


class PromptScene(Scene):
    """Ask for one line of text (a file name): ``on_ok(text)`` returns an error to show, or None when done."""

    overlay = True
    title = "Prompt"

    def __init__(
        self,
        app: SceneStack,
        title: str,
        message: str,
        initial: str,
        ok_label: str,
        on_ok: Callable[[str], str | None],
    ) -> None:
        super().__init__(app)
        self.heading = title
        self.message = message
        self.text = initial
        self.ok_label = ok_label
        self.on_ok = on_ok
        self.error = ""
        self.entry: pygame_gui.elements.UITextEntryLine | None = None
        self.ok_button: pygame_gui.elements.UIButton | None = None
        self.cancel_button: pygame_gui.elements.UIButton | None = None
        self.panel_rect = pygame.Rect(0, 0, 0, 0)

    def _lines(self, width: int) -> list[str]:
        return wrap_paragraphs(self.app.fonts.small, self.message, width)

    def enter(self) -> None:
        root = self.make_root()
        w, h = self.app.size
        u = self.app.fonts.unit
        f = self.app.fonts
        pw = min(w - 2 * u, int(u * 40))
        n = len(self._lines(pw - 2 * u))
        bh = int(u * 2.4)
        eh = int(u * 1.9)
        ph = int(u * 2.8) + n * f.small.get_linesize() + u // 2 + eh + 3 * f.small.get_linesize() + bh + u
        self.panel_rect = pygame.Rect((w - pw) // 2, max(u, (h - ph) // 2), pw, ph)
        m = self.app.manager
        ey = self.panel_rect.y + int(u * 2.8) + n * f.small.get_linesize() + u // 2
        self.entry = pygame_gui.elements.UITextEntryLine(
            pygame.Rect(self.panel_rect.x + u, ey, pw - 2 * u, eh), manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#prompt_entry"),
        )
        self.entry.set_text(self.text)
        m.set_focus_set(self.entry)
        bw = (pw - 3 * u) // 2
        by = self.panel_rect.bottom - u - bh
        self.cancel_button = pygame_gui.elements.UIButton(
            pygame.Rect(self.panel_rect.x + u, by, bw, bh), "Cancel (Esc)", manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#prompt_cancel"),
        )
        self.ok_button = pygame_gui.elements.UIButton(
            pygame.Rect(self.panel_rect.right - u - bw, by, bw, bh), self.ok_label, manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#prompt_ok", class_id="@primary"),
        )

    def ok(self) -> None:
        if self.entry is not None:
            self.text = self.entry.get_text()
        error = self.on_ok(self.text)
        if error:
            self.error = error
            return
        if self in self.app.scenes:
            self.app.scenes.remove(self)
            self.exit()
            if self.app.top is not None:
                self.app.top.resume()

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.ok_button:
                self.ok()
            elif event.ui_element is self.cancel_button:
                self.app.pop()
            return True
        if event.type == pygame_gui.UI_TEXT_ENTRY_CHANGED:
            self.error = ""
            return True
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                self.app.pop()
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.ok()
            return True
        return False

    def draw(self, surface: pygame.Surface) -> None:
        c = self.app.colours
        f = self.app.fonts
        u = f.unit
        r = self.panel_rect
        draw_modal_panel(surface, c, r, c["accent"])
        draw_text(surface, f.heading, self.heading, c["text"], (r.x + u, r.y + u // 2))
        y = r.y + int(u * 2.8)
        for line in self._lines(r.w - 2 * u):
            draw_text(surface, f.small, line, c["muted"], (r.x + u, y))
            y += f.small.get_linesize()
        if self.error and self.entry is not None:
            y = self.entry.rect.bottom + 4
            for line in wrap_text(f.small, self.error, r.w - 2 * u)[:3]:
                draw_text(surface, f.small, line, c["bad"], (r.x + u, y))
                y += f.small.get_linesize()
