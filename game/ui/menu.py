"""The Esc menu: resume, save, save as, quit (after a question). An overlay over the current screen.

Saving writes the completed rounds atomically (``Match.save``); it never
changes the auction. Drawing never changes game state.
"""

from __future__ import annotations

from pathlib import Path

import pygame
import pygame_gui

from game.sessions.match import default_save_path
from game.ui.scene import Scene, draw_modal_panel, draw_text, fit_path, wrap_text
from game.ui.stack import SceneStack


def save_target(name: str, folder: Path) -> Path:
    """Where "Save as" writes ``name``: a bare name goes into ``folder`` (the saves folder), '.json' added."""
    path = Path(name.strip()).expanduser()
    if path.suffix.lower() != ".json":
        path = path.with_name(path.name + ".json")
    return path if path.is_absolute() or len(path.parts) > 1 else folder / path


class MenuScene(Scene):
    """Resume (Esc or Enter), Save game, Save as..., Quit (asks first)."""

    overlay = True
    title = "Menu"

    def __init__(self, app: SceneStack) -> None:
        super().__init__(app)
        self.message = ""
        self.message_ok = True
        self.resume_button: pygame_gui.elements.UIButton | None = None
        self.save_button: pygame_gui.elements.UIButton | None = None
        self.save_as_button: pygame_gui.elements.UIButton | None = None
        self.quit_button: pygame_gui.elements.UIButton | None = None
        self.panel_rect = pygame.Rect(0, 0, 0, 0)

    def enter(self) -> None:
        root = self.make_root()
        w, h = self.app.size
        u = self.app.fonts.unit
        pw, ph = min(w - 2 * u, int(u * 30)), int(u * 23)
        self.panel_rect = pygame.Rect((w - pw) // 2, (h - ph) // 2, pw, ph)
        bw, bh = int(u * 18), int(u * 2.4)
        x = self.panel_rect.centerx - bw // 2
        y = self.panel_rect.y + int(u * 6.2)
        m = self.app.manager
        self.resume_button = pygame_gui.elements.UIButton(
            pygame.Rect(x, y, bw, bh), "Resume (Esc, Enter)", manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#resume", class_id="@primary"),
        )
        self.save_button = pygame_gui.elements.UIButton(
            pygame.Rect(x, y + int(bh * 1.3), bw, bh), "Save game (S)", manager=m, container=root
        )
        self.save_as_button = pygame_gui.elements.UIButton(
            pygame.Rect(x, y + int(bh * 2.6), bw, bh), "Save as\u2026 (A)", manager=m, container=root,
            tool_tip_text="Save under a new name; the game then goes on saving into that file",
        )
        if self.app.match is None:
            self.save_button.disable()  # type: ignore[no-untyped-call]
            self.save_as_button.disable()  # type: ignore[no-untyped-call]
        self.quit_button = pygame_gui.elements.UIButton(
            pygame.Rect(x, y + int(bh * 3.9), bw, bh), "Quit\u2026 (Q)", manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#quit", class_id="@danger"),
        )

    def save(self, path: Path | None = None) -> str | None:
        if self.app.match is None:
            return None
        try:
            where = self.app.save_game(path)
        except OSError as exc:
            self.message, self.message_ok = f"Could not save: {exc.strerror or exc}", False
            return self.message
        self.message, self.message_ok = f"Saved to {where}", True
        return None

    def save_as(self) -> None:
        if self.app.match is None:
            return
        folder = default_save_path().parent
        current = self.app.save_path or default_save_path()

        def ok(name: str) -> str | None:
            if not name.strip():
                return "Type a file name."
            target = save_target(name, folder)
            if target.exists() and target.resolve() != current.resolve():
                return f"{target} already exists: choose another name."
            return self.save(target)

        self.app.prompt(
            "Save as",
            f"File name (saved in {folder} unless you give a folder). The game then goes on saving into "
            "the new file after every bid and round; the old file keeps the game as it was.",
            f"game-round{self.app.match.round}", "Save (Enter)", ok,
        )

    def ask_quit(self) -> None:
        match = self.app.match
        where = self.app.save_path or default_save_path()
        text = (f"Bids already submitted and every closed round are saved in {where}; bids you are typing and "
                "have not submitted are lost.") if match is not None else "No game is in progress."
        self.app.confirm("Quit the game?", text, "Quit (Y)", self.app.quit, danger=True)

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.resume_button:
                self.app.pop()
            elif event.ui_element is self.save_button:
                self.save()
            elif event.ui_element is self.save_as_button:
                self.save_as()
            elif event.ui_element is self.quit_button:
                self.ask_quit()
            return True
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_ESCAPE, pygame.K_RETURN, pygame.K_KP_ENTER):
                self.app.pop()
            elif event.key == pygame.K_s:
                self.save()
            elif event.key == pygame.K_a:
                self.save_as()
            elif event.key == pygame.K_q:
                self.ask_quit()
            return True  # the screen below gets no keys while the menu is open
        return event.type == pygame.TEXTINPUT

    def draw(self, surface: pygame.Surface) -> None:
        c = self.app.colours
        f = self.app.fonts
        u = f.unit
        r = self.panel_rect
        draw_modal_panel(surface, c, r, c["accent"], shade=170)
        draw_text(surface, f.heading, "Menu", c["text"], (r.centerx, r.y + u), "midtop")
        if self.app.match is not None:
            where = fit_path(f.small, str(self.app.save_path or default_save_path()), r.w - 2 * u)
            y = r.y + int(u * 2.6)
            for line in ("Saving into", where, "after every bid and round."):
                draw_text(surface, f.small, line, c["muted"], (r.centerx, y), "midtop")
                y += f.small.get_linesize()
        if self.message:
            y = r.y + int(u * 18.4)
            for line in wrap_text(f.small, self.message, r.w - 2 * u)[:2]:
                draw_text(surface, f.small, line, c["ok"] if self.message_ok else c["bad"], (r.centerx, y), "midtop")
                y += f.small.get_linesize()
        draw_text(surface, f.small, "Esc/Enter resume \u00b7 S save \u00b7 A save as \u00b7 Q quit", c["muted"],
                  (r.centerx, r.bottom - u // 2), "midbottom")
