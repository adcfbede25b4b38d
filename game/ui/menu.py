"""The Esc menu: resume, save, quit. An overlay over the current screen.

Saving writes the completed rounds atomically (``Match.save``); it never
changes the auction. Drawing never changes game state.
"""

from __future__ import annotations

import pygame
import pygame_gui

from game.ui.scene import Scene, draw_text
from game.ui.stack import SceneStack


class MenuScene(Scene):
    """Resume (Esc), Save game, Quit (the game is autosaved after every round)."""

    overlay = True
    title = "Menu"

    def __init__(self, app: SceneStack) -> None:
        super().__init__(app)
        self.message = ""
        self.resume_button: pygame_gui.elements.UIButton | None = None
        self.save_button: pygame_gui.elements.UIButton | None = None
        self.quit_button: pygame_gui.elements.UIButton | None = None
        self.panel_rect = pygame.Rect(0, 0, 0, 0)

    def enter(self) -> None:
        root = self.make_root()
        w, h = self.app.size
        u = self.app.fonts.unit
        pw, ph = int(u * 20), int(u * 14.5)
        self.panel_rect = pygame.Rect((w - pw) // 2, (h - ph) // 2, pw, ph)
        bw, bh = pw - 4 * u, int(u * 2.4)
        x = self.panel_rect.x + 2 * u
        y = self.panel_rect.y + int(u * 3.5)
        m = self.app.manager
        self.resume_button = pygame_gui.elements.UIButton(
            pygame.Rect(x, y, bw, bh), "Resume (Esc)", manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#resume", class_id="@primary"),
        )
        self.save_button = pygame_gui.elements.UIButton(
            pygame.Rect(x, y + int(bh * 1.35), bw, bh), "Save game (S)", manager=m, container=root
        )
        if self.app.match is None:
            self.save_button.disable()  # type: ignore[no-untyped-call]
        self.quit_button = pygame_gui.elements.UIButton(
            pygame.Rect(x, y + int(bh * 2.7), bw, bh), "Quit (Q)", manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#quit", class_id="@danger"),
        )

    def save(self) -> None:
        if self.app.match is None:
            return
        try:
            path = self.app.save_game()
        except OSError as exc:
            self.message = f"Could not save: {exc.strerror or exc}"
            return
        self.message = f"Saved {len(self.app.match.history)} round(s) to {path}"

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.resume_button:
                self.app.pop()
            elif event.ui_element is self.save_button:
                self.save()
            elif event.ui_element is self.quit_button:
                self.app.quit()
            return True
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                self.app.pop()
            elif event.key == pygame.K_s:
                self.save()
            elif event.key == pygame.K_q:
                self.app.quit()
            return True  # the screen below gets no keys while the menu is open
        return False

    def draw(self, surface: pygame.Surface) -> None:
        c = self.app.colours
        f = self.app.fonts
        u = f.unit
        shade = pygame.Surface(self.app.size, pygame.SRCALPHA)
        shade.fill((0, 0, 0, 170))
        surface.blit(shade, (0, 0))
        r = self.panel_rect
        pygame.draw.rect(surface, c["panel_alt"], r, border_radius=6)
        pygame.draw.rect(surface, c["accent"], r, 2, border_radius=6)
        draw_text(surface, f.heading, "Menu", c["text"], (r.centerx, r.y + u), "midtop")
        match = self.app.match
        sub = "autosaved after every round" if match is not None else ""
        draw_text(surface, f.small, sub, c["muted"], (r.centerx, r.y + int(u * 2.3)), "midtop")
        if self.message:
            draw_text(surface, f.small, self.message, c["ok"], (r.centerx, r.bottom + u // 2), "midtop")
        draw_text(surface, f.small, "Esc resume · S save · Q quit", c["muted"], (r.centerx, r.bottom - u), "midbottom")
