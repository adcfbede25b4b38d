"""Screens between turns: the hot-seat hand-over, the wait for rivals, and the end placeholder.

The hand-over screen shows nothing private: only whose turn it is, so the
previous player's values and bids stay hidden when several humans share one
machine. Drawing never changes game state.
"""

from __future__ import annotations

import pygame
import pygame_gui

from game.scenario.units import fmt_usd
from game.ui.scene import Scene, draw_text, wrap_text
from game.ui.stack import SceneStack, operator_colour


class HandoverScene(Scene):
    """'Pass the computer to <operator>': hides the previous seat's screen until the next player is ready."""

    title = "Hand-over"

    def __init__(self, app: SceneStack, bidder: str) -> None:
        super().__init__(app)
        self.bidder = bidder
        self.button: pygame_gui.elements.UIButton | None = None

    def enter(self) -> None:
        root = self.make_root()
        w, h = self.app.size
        u = self.app.fonts.unit
        bw, bh = int(u * 16), int(u * 2.6)
        self.button = pygame_gui.elements.UIButton(
            pygame.Rect((w - bw) // 2, h // 2 + int(u * 6), bw, bh), "I am ready (Enter)", manager=self.app.manager,
            container=root, object_id=pygame_gui.core.ObjectID(object_id="#ready", class_id="@primary"),
        )

    def proceed(self) -> None:
        """The seat's player is at the computer: its own screens follow (round result, bidding)."""
        self.app.handed_to = self.bidder
        self.app.continue_game()

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.button:
            self.proceed()
            return True
        return self.enter_or_menu(event, self.proceed)

    def draw(self, surface: pygame.Surface) -> None:
        match = self.app.match
        assert match is not None
        w, h = self.app.size
        c = self.app.colours
        f = self.app.fonts
        u = f.unit
        name = match.scenario.bidder(self.bidder).name
        colour = operator_colour(self.app, self.bidder)
        pygame.draw.rect(surface, colour, pygame.Rect(w // 2 - u * 8, h // 2 - u * 6, u * 16, max(4, u // 3)))
        stage = f"ROUND {match.round}" if not match.finished else "THE ALLOCATION STAGE HAS ENDED"
        draw_text(surface, f.small, stage, c["muted"], (w // 2, h // 2 - u * 5), "midtop")
        draw_text(surface, f.title, f"Pass the computer to {name}", c["text"], (w // 2, h // 2 - u * 3), "midtop")
        draw_text(
            surface, f.body, "The previous player's values and bids are hidden. Only this seat's player should look.",
            c["muted"], (w // 2, h // 2), "midtop",
        )
        # Only notes about the game itself (a resumed file): what happened to another seat (its timer,
        # its bids) is that seat's business and is shown on its own screens only.
        if self.app.notice:
            for i, line in enumerate(wrap_text(f.small, self.app.notice, w - 4 * u)[:3]):
                draw_text(surface, f.small, line, c["warn"], (w // 2, h // 2 + u * 2 + i * f.small.get_linesize()), "midtop")


class WaitScene(Scene):
    """Every human has bid; the rivals finish in the background, then the round closes."""

    title = "Waiting"

    def __init__(self, app: SceneStack) -> None:
        super().__init__(app)
        self.elapsed = 0.0

    def update(self, dt: float) -> None:
        self.elapsed += dt
        self.app.close_round_when_ready()

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.app.open_menu()
            return True
        return False

    def draw(self, surface: pygame.Surface) -> None:
        match = self.app.match
        w, h = self.app.size
        c = self.app.colours
        f = self.app.fonts
        u = f.unit
        round_no = match.round if match is not None else 0
        draw_text(surface, f.heading, f"Round {round_no}: waiting for the other bidders\u2026", c["text"],
                  (w // 2, h // 2 - u), "midbottom")
        if match is not None and match.human_seats:
            out = [match.scenario.bidder(b).name for b in match.human_seats if match.auction.is_excluded(b)]
            if len(out) == len(match.human_seats):
                # Otherwise a player excluded in round 1 (penalty accepted) watches dots with no reason given.
                draw_text(surface, f.body, f"{' and '.join(out)} left the auction (excluded); the scripted bidders "
                          "play on to the end, then the results show.", c["warn"], (w // 2, h // 2 + u * 2), "midtop")
        if self.app.notice:
            draw_text(surface, f.small, self.app.notice, c["warn"], (w // 2, h // 2 + u * 4), "midtop")
        dots = int(self.elapsed * 4) % 8
        for i in range(8):
            col = c["accent"] if i == dots else c["line"]
            pygame.draw.circle(surface, col, (w // 2 - 7 * u // 2 + i * u, h // 2 + u), max(3, u // 4))


class FinishedScene(Scene):
    """Placeholder results when the results screen is not available: the engine's summary as text."""

    title = "Results"

    def __init__(self, app: SceneStack) -> None:
        super().__init__(app)
        self.quit_button: pygame_gui.elements.UIButton | None = None

    def enter(self) -> None:
        root = self.make_root()
        w, h = self.app.size
        u = self.app.fonts.unit
        self.quit_button = pygame_gui.elements.UIButton(
            pygame.Rect(w - u * 9, h - u * 3.5, u * 8, int(u * 2.4)), "Quit", manager=self.app.manager, container=root
        )

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.quit_button:
            self.app.quit()
            return True
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.app.open_menu()
            return True
        return False

    def draw(self, surface: pygame.Surface) -> None:
        match = self.app.match
        assert match is not None
        c = self.app.colours
        f = self.app.fonts
        u = f.unit
        summary = match.summary()
        o = summary.outcome
        y = u
        draw_text(surface, f.title, f"Allocation stage {o.status} after {o.rounds} rounds", c["text"], (u, y))
        y += int(u * 2.6)
        draw_text(surface, f.body, f"Revenue {fmt_usd(summary.revenue_usd)}", c["text"], (u, y))
        y += int(u * 2)
        for b in summary.bidders:
            lots = ", ".join(f"{k}: {v}" for k, v in b.lots.items() if v) or "nothing"
            draw_text(surface, f.body, f"{b.name}: {lots}; pays {fmt_usd(b.payment_usd)}",
                      operator_colour(self.app, b.id), (u, y))
            y += int(u * 1.5)
