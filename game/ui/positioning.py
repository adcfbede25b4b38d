"""Positioning screen: a human winner asks for a position in each band being positioned.

For every open band where the seat won lots: the positions (bottom, middle,
top, ...) with this round's price and how many winners asked for each last
round (aggregate counts, never who), the seat's own ask, and a button per
position plus "No position". The seat picks one ask per band (one switch per
round); "Submit asks" hands them to :class:`game.engine.assignment.AssignmentStage`,
which checks them; scripted winners then ask and the round closes. The rules
live in the stage: this screen only shows its views and forwards asks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui

from game.engine.assignment import (
    AssignmentOutcome,
    AssignmentStage,
    PositionBidder,
    PositionRefused,
    PositionView,
    scripted_bidders,
)
from game.scenario.units import fmt_usd
from game.ui.charts import ChartStyle, Column, draw_table, parse_colour
from game.ui.scene import Scene, draw_wrapped

if TYPE_CHECKING:
    from game.ui.stack import SceneStack

NONE = -1
"""Button key for "no position"."""


class PositioningScene(Scene):
    """Runs the assignment stage with human seats; ``on_finished`` gets the outcome.

    Without ``on_finished`` the scene replaces itself with the results screen.
    """

    title = "Positioning"

    def __init__(
        self,
        app: SceneStack,
        stage: AssignmentStage,
        humans: Sequence[str],
        rivals: Mapping[str, PositionBidder] | None = None,
        *,
        on_finished: Callable[[AssignmentOutcome], None] | None = None,
    ) -> None:
        super().__init__(app)
        self.stage = stage
        self.humans = [h for h in humans if h in stage.allocation.lots]
        scripted = scripted_bidders(stage.scenario, stage.allocation, stage.seed)
        self.rivals: dict[str, PositionBidder] = {b: a for b, a in scripted.items() if b not in self.humans}
        self.rivals.update({b: a for b, a in (rivals or {}).items() if b not in self.humans})
        self.on_finished = on_finished
        self.choices: dict[str, int | None] = {}
        self.messages: list[str] = []
        self.last_round_note = ""
        self.buttons: dict[tuple[str, int], Any] = {}
        self.submit_button: Any = None
        self.seat: str | None = None
        self._rows: list[tuple[str, pygame.Rect]] = []
        self.done: set[str] = set()
        """Human seats that have submitted this round."""
        self._advance()

    @classmethod
    def for_match(cls, app: SceneStack, seed: int | None = None) -> PositioningScene:
        """The positioning stage of the app's finished match; human seats ask through this screen."""
        match: Any = app.match
        if match is None:
            raise ValueError("no match to position")
        stage = AssignmentStage(match.scenario, match.outcome(), match.setup.seed if seed is None else seed)
        return cls(app, stage, list(match.human_seats))

    @staticmethod
    def needed(stage: AssignmentStage, humans: Sequence[str]) -> bool:
        """Whether any human seat has a band to position (else skip straight to the results)."""
        return any(stage.open_bands(h) for h in humans)

    # ---------------------------------------------------------- flow

    def _advance(self) -> None:
        """Next human seat with an open band this round, or play the rivals and close the round."""
        while not self.stage.finished:
            waiting = [h for h in self.humans if self.stage.open_bands(h) and h not in self.done]
            if waiting:
                # Fresh choices for every seat and round: only bands still open may be asked in.
                self.seat = waiting[0]
                self.choices = {band: v.own_ask for band, v in self.stage.views(self.seat).items()}
                return
            self._close_round()
        self.seat = None

    def _close_round(self) -> None:
        for bidder, agent in self.rivals.items():
            for band, view in self.stage.views(bidder).items():
                try:
                    self.stage.submit(bidder, band, agent.ask(view))
                except Exception:  # a scripted bidder's bug keeps its standing ask
                    continue
        records = self.stage.close_round()
        over = [f"{r.band} MHz" for r in records if r.over_demanded]
        self.last_round_note = (
            f"Round {records[0].round if records else '?'} closed: "
            + (f"prices rose on over-demanded positions in {', '.join(over)}." if over else "no position over-demanded.")
        )
        self.done = set()
        if self.stage.finished:
            self._finish()

    def _finish(self) -> None:
        outcome = self.stage.outcome()
        if self.on_finished is not None:
            self.on_finished(outcome)
            return
        match: Any = self.app.match
        if match is not None:
            match.assignment_outcome = outcome
        self.app.show_final_results(self.stage.scenario, self.stage.allocation, assignment=outcome, seat=self.seat)

    def choose(self, band: str, position: int | None) -> None:
        self.choices[band] = position
        self.messages = []
        self.relayout()

    def submit(self) -> None:
        """Hand the seat's asks to the stage; refusals are shown and nothing moves on."""
        seat = self.seat
        if seat is None:
            return
        self.messages = []
        for band, position in self.choices.items():
            try:
                self.stage.submit(seat, band, position)
            except PositionRefused as exc:
                self.messages.append(str(exc))
        if self.messages:
            self.relayout()
            return
        self.done.add(seat)
        self._advance()
        if not self.stage.finished or self.on_finished is not None:
            self.relayout()

    # ---------------------------------------------------------- widgets

    def enter(self) -> None:
        root = self.make_root()
        self.buttons = {}
        self._rows = []
        if self.seat is None:
            return
        m = self.app.manager
        fonts = self.app.fonts
        unit = fonts.unit
        w, h = self.app.size
        views = self.stage.views(self.seat)
        y = unit * 6
        bh = int(unit * 1.7)
        bw = fonts.bold.size("No position")[0] + unit * 2
        panel_h = int((h - y - unit * 5) / max(1, len(views)))
        for band, view in views.items():
            self._rows.append((band, pygame.Rect(unit, y, w - 2 * unit, panel_h - unit // 2)))
            by = y + unit * 2 + fonts.small.get_linesize() + 8  # the table's first row
            line_h = fonts.body.get_linesize() + 6
            for info in view.positions:
                chosen = self.choices.get(band) == info.index
                button: Any = pygame_gui.elements.UIButton(
                    pygame.Rect(w - unit * 2 - bw, by + info.index * line_h - 3, bw, line_h - 2),
                    "Asking" if chosen else "Ask",
                    manager=m,
                    container=root,
                    object_id=f"#ask_{band}_{info.index}",
                )
                if chosen:
                    button.select()
                self.buttons[(band, info.index)] = button
            none_y = by + len(view.positions) * line_h - 3
            chosen = self.choices.get(band) is None
            button = pygame_gui.elements.UIButton(
                pygame.Rect(w - unit * 2 - bw, none_y, bw, line_h - 2),
                "No position",
                manager=m,
                container=root,
                object_id=f"#ask_{band}_none",
            )
            if chosen:
                button.select()
            self.buttons[(band, NONE)] = button
            y += panel_h
        sw = fonts.bold.size("Submit asks")[0] + unit * 3
        self.submit_button = pygame_gui.elements.UIButton(
            pygame.Rect(w - sw - unit, h - unit - bh, sw, bh),
            "Submit asks",
            manager=m,
            container=root,
            object_id="@primary",
        )

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.submit_button:
                self.submit()
                return True
            for (band, index), button in self.buttons.items():
                if event.ui_element is button:
                    self.choose(band, None if index == NONE else index)
                    return True
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            self.submit()
            return True
        return False

    # ---------------------------------------------------------- drawing

    def draw(self, surface: pygame.Surface) -> None:
        fonts = self.app.fonts
        c = self.app.colours
        unit = fonts.unit
        w, h = self.app.size
        style = ChartStyle.from_palette(fonts.bold, fonts.small, c)
        if self.seat is None:
            img = fonts.title.render("Positioning finished", True, c["text"])
            surface.blit(img, img.get_rect(center=(w // 2, h // 2)))
            return
        name = self.stage.scenario.bidder(self.seat).name
        title = fonts.title.render(f"Positioning, round {self.stage.round}: {name}", True, c["text"])
        surface.blit(title, (unit, unit // 2))
        pygame.draw.rect(
            surface, parse_colour(self.stage.scenario.bidder(self.seat).colour),
            pygame.Rect(unit, unit // 2 + title.get_height() + 2, title.get_width(), 3),
        )
        rules = self.stage.rules
        intro = (
            f"Ask for one position in each band, or none. A position asked for by more than one winner rises "
            f"by {fmt_usd(rules.price_step_usd)} next round; you may switch into only one other position per round. "
            "The stage ends when no position is over-demanded; winners without a position get a free one at no price. "
            "Position prices come on top of what you pay for the lots."
        )
        draw_wrapped(surface, fonts.small, intro, c["muted"], pygame.Rect(unit, unit * 3, w - 2 * unit, unit * 3))
        views = self.stage.views(self.seat)
        for band, rect in self._rows:
            view = views.get(band)
            if view is not None:
                self._draw_band(surface, rect, view, style)
        y = h - unit * 4
        if self.last_round_note:
            img = fonts.small.render(self.last_round_note, True, c["muted"])
            surface.blit(img, (unit, y))
        for msg in self.messages:
            area = pygame.Rect(unit, y + fonts.small.get_linesize(), w - 2 * unit - 200, unit * 3)
            y = draw_wrapped(surface, fonts.body, msg, c["bad"], area)

    def _draw_band(self, surface: pygame.Surface, rect: pygame.Rect, view: PositionView, style: ChartStyle) -> None:
        fonts = self.app.fonts
        c = self.app.colours
        unit = fonts.unit
        pygame.draw.rect(surface, style.panel, rect, border_radius=4)
        band = self.stage.scenario.band(view.band)
        others = ", ".join(
            f"{self.stage.scenario.bidder(b).name.split(' ')[0]} {n}" for b, n in view.winner_lots.items() if b != view.bidder
        )
        head = (
            f"{band.name}: you won {view.own_lots} lot(s), {view.own_lots * band.lot_tenths // 10} MHz. "
            f"Other winners (lots): {others}."
            + (f" Unsold at the top: {view.unsold_lots} lot(s)." if view.unsold_lots else "")
        )
        img = fonts.bold.render(head, True, c["text"])
        surface.blit(img, (rect.x + 10, rect.y + 8))
        rows = []
        colours: list[Any] = []
        for p in view.positions:
            mine = "your standing ask" if view.standing_ask == p.index else ""
            rows.append([p.label, fmt_usd(p.price_usd), str(p.asked_last_round), mine])
            colours.append(c["warn"] if p.asked_last_round > 1 else None)
        choice = self.choices.get(view.band)
        rows.append(["none", "-", "", "your standing ask" if view.standing_ask is None and view.round > 1 else ""])
        colours.append(None)
        table = pygame.Rect(rect.x + 4, rect.y + unit * 2, rect.w - unit * 10, rect.h - unit * 2)
        draw_table(
            surface,
            table,
            [Column("position", "left", 1.2), Column("price this round", "right", 1.2),
             Column("winners asking last round", "right", 1.6), Column("", "left", 1.6)],
            rows,
            style,
            body_font=fonts.body,
            row_colours=[parse_colour(x) if x is not None else None for x in colours],
        )
        label = "none" if choice is None else view.positions[choice].label
        price = "" if choice is None else f" at {fmt_usd(view.positions[choice].price_usd)}"
        img = fonts.body.render(f"Your ask this round: {label}{price}", True, c["accent"])
        surface.blit(img, img.get_rect(bottomright=(rect.right - 10, rect.bottom - 6)))

