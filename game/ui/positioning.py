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
    position_label,
    scripted_bidders,
)
from game.engine.bandplan import band_plan
from game.scenario.band_plan import FreqRange, frequencies, khz_per_tenth
from game.scenario.units import fmt_mhz, fmt_usd
from game.ui.charts import ChartStyle, Column, draw_table, parse_colour
from game.ui.scene import Scene, draw_text, draw_wrapped, fit_text, record_panel, wrap_text

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
        submitted: set[str] | None = None,
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
        self.done: set[str] = set(submitted or ())
        """Human seats that have submitted this round (a resumed save may already hold some)."""
        self.settled: list[str] = []
        self.results_pending: AssignmentOutcome | None = None
        self.last_seat: str | None = humans[0] if humans else None
        """What happened when each band settled, as MHz ranges (newest last)."""
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
        open_before = set(self.stage.open_bands())
        records = self.stage.close_round()
        match: Any = self.app.match
        if match is not None and hasattr(match, "position_round_closed"):
            match.position_round_closed(save=False)  # the round's human asks join the record; saved once, below
        for band in sorted(open_before - set(self.stage.open_bands()), key=self.stage.scenario.band_ids.index):
            self.settled.append(self.settle_text(band, records[0].round if records else self.stage.round))
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
        # The results open next frame: this one already closed the stage's last rounds.
        self.results_pending = outcome

    def update(self, dt: float) -> None:
        outcome, self.results_pending = self.results_pending, None
        if outcome is not None:
            self.app.show_final_results(self.stage.scenario, self.stage.allocation, assignment=outcome, seat=self.last_seat)

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
        self.last_seat = seat
        match: Any = self.app.match
        if match is not None and hasattr(match, "note_position_asks"):
            match.note_position_asks(seat, dict(self.choices))  # autosaved at once
        self._advance()
        if match is not None and hasattr(match, "autosave"):
            match.autosave()  # once for every round this submit closed
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
        sw = fonts.bold.size("Submit asks (Enter)")[0] + unit * 3
        self.submit_button = pygame_gui.elements.UIButton(
            pygame.Rect(w - sw - unit, h - unit - bh, sw, bh),
            "Submit asks (Enter)",
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
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.app.open_menu()  # save (the asks submitted so far are in the save) or quit
            return True
        return False

    # ---------------------------------------------------------- MHz ranges

    def settle_text(self, band_id: str, round_no: int) -> str:
        """'2600 MHz settled in round 3: Jazz 2500-2580 MHz (bottom, $0.1m), ...' from the band plan."""
        # The settled band's result; the stage hands out the whole outcome only at its end.
        result = self.stage.settled(band_id)
        if result is None:
            return f"{band_id} MHz settled in round {round_no}."
        plan = band_plan(self.stage.scenario, self.stage.allocation, AssignmentOutcome({band_id: result}, {}))
        parts = []
        for block in plan.bands[band_id].blocks:
            if block.bidder is None:
                parts.append(f"unsold {block.range}")
                continue
            name = self.stage.scenario.bidder(block.bidder).name.split(" ")[0]
            label = position_label(result.positions[block.bidder], len(result.order))
            price = result.prices.get(block.bidder, 0)
            how = "free position" if block.bidder in result.free_filled else fmt_usd(price)
            parts.append(f"{name} {block.range} ({label}, {how})")
        verb = "settled" if result.status == "ended" else "stopped at the round limit"
        return f"{band_id} MHz {verb} in round {result.rounds}: " + "; ".join(parts) + "."

    def range_if_mine(self, view: PositionView, position: int) -> str:
        """The MHz range the seat's block would span in ``position``.

        Built from public facts only (the winners' lot counts, never their asks): the block starts
        above whichever ``position`` other winners sit below it, so where their sizes differ the
        screen lists each possible range.
        """
        from itertools import combinations

        band = self.stage.scenario.band(view.band)
        freq = frequencies(self.stage.scenario).get(view.band)
        per_lot = band.lot_tenths * khz_per_tenth(band.duplex)
        bottom = freq.offered.from_khz if freq is not None else 0
        others = [n for b, n in view.winner_lots.items() if b != view.bidder]
        starts = sorted({sum(c) for c in combinations(others, position)})
        ranges = [FreqRange(bottom + f * per_lot, bottom + (f + view.own_lots) * per_lot) for f in starts]
        if freq is None:
            return " or ".join(f"lots {f + 1}-{f + view.own_lots}" for f in starts)
        if len(ranges) == 1:
            return str(ranges[0])
        return " or ".join(str(r).replace(" MHz", "") for r in ranges[:3]) + " MHz"

    # ---------------------------------------------------------- drawing

    def draw(self, surface: pygame.Surface) -> None:
        fonts = self.app.fonts
        c = self.app.colours
        unit = fonts.unit
        w, h = self.app.size
        style = ChartStyle.from_palette(fonts.bold, fonts.small, c)
        if self.seat is None:
            draw_text(surface, fonts.title, "Positioning finished", c["text"], (w // 2, h // 2), "center")
            return
        name = self.stage.scenario.bidder(self.seat).name
        title = draw_text(surface, fonts.title, f"Positioning, round {self.stage.round}: {name}", c["text"], (unit, unit // 2))
        pygame.draw.rect(
            surface, parse_colour(self.stage.scenario.bidder(self.seat).colour),
            pygame.Rect(unit, title.bottom + 2, title.w, 3),
        )
        rules = self.stage.rules
        intro = (
            f"Ask for one position in each band, or none. A position asked for by more than one winner rises "
            f"by {fmt_usd(rules.price_step_usd)} next round; you may switch into only one other position per round. "
            "The stage ends when no position is over-demanded; winners without a position get a free one at no price. "
            "Position prices come on top of what you pay for the lots. Esc: menu (save, quit)."
        )
        draw_wrapped(surface, fonts.small, intro, c["muted"], pygame.Rect(unit, unit * 3, w - 2 * unit, unit * 3))
        views = self.stage.views(self.seat)
        for band, rect in self._rows:
            view = views.get(band)
            if view is not None:
                self._draw_band(surface, rect, view, style)
        # Under the bands: last round's note, what happened in bands that settled, refusals.
        y = h - unit * 4
        notes = ([self.last_round_note] if self.last_round_note else []) + self.settled[-2:]
        area_w = w - 3 * unit - (self.submit_button.rect.w if self.submit_button is not None else 0)
        lines: list[tuple[str, pygame.Color]] = []
        for note in notes:
            lines += [(line, c["muted"]) for line in wrap_text(fonts.small, note, area_w)]
        for msg in self.messages:
            lines += [(line, c["bad"]) for line in wrap_text(fonts.small, msg, area_w)]
        ls = fonts.small.get_linesize()
        y = h - unit // 2 - ls * min(len(lines), 4)
        for text, colour in lines[-4:]:
            draw_text(surface, fonts.small, text, colour, (unit, y))
            y += ls

    def _draw_band(self, surface: pygame.Surface, rect: pygame.Rect, view: PositionView, style: ChartStyle) -> None:
        fonts = self.app.fonts
        c = self.app.colours
        unit = fonts.unit
        pygame.draw.rect(surface, style.panel, rect, border_radius=4)
        record_panel(rect)
        band = self.stage.scenario.band(view.band)
        others = ", ".join(
            f"{self.stage.scenario.bidder(b).name.split(' ')[0]} {n}" for b, n in view.winner_lots.items() if b != view.bidder
        )
        head = (
            f"{band.name}: you won {view.own_lots} lot(s), {fmt_mhz(view.own_lots * band.lot_tenths)}. "
            f"Other winners (lots): {others}."
            + (f" Unsold at the top: {view.unsold_lots} lot(s)." if view.unsold_lots else "")
        )
        draw_text(surface, fonts.bold, fit_text(fonts.bold, head, rect.w - 20), c["text"], (rect.x + 10, rect.y + 8))
        rows = []
        colours: list[Any] = []
        for p in view.positions:
            mine = "your standing ask" if view.standing_ask == p.index else ""
            rows.append([p.label, self.range_if_mine(view, p.index), fmt_usd(p.price_usd), str(p.asked_last_round), mine])
            colours.append(c["warn"] if p.asked_last_round > 1 else None)
        choice = self.choices.get(view.band)
        rows.append(["none", "", "\u2014", "", "your standing ask" if view.standing_ask is None and view.round > 1 else ""])
        colours.append(None)
        button_w = self.buttons[(view.band, NONE)].rect.w if (view.band, NONE) in self.buttons else unit * 8
        table = pygame.Rect(rect.x + 4, rect.y + unit * 2, rect.w - button_w - unit * 2, rect.h - unit * 2)
        draw_table(
            surface,
            table,
            [Column("position", "left", 0.8), Column("your block there (MHz)", "left", 2.2),
             Column("price this round", "right", 1.0), Column("asking last round", "right", 1.0),
             Column("", "left", 1.2)],
            rows,
            style,
            body_font=fonts.body,
            row_colours=[parse_colour(x) if x is not None else None for x in colours],
        )
        label = "none" if choice is None else view.positions[choice].label
        price = "" if choice is None else f" at {fmt_usd(view.positions[choice].price_usd)}"
        draw_text(surface, fonts.body, f"Your ask this round: {label}{price}", c["accent"],
                  (rect.right - 10, rect.bottom - 6), "bottomright")
