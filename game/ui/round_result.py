"""The round-result screen: how one seat's bids of the last round were processed, and the new prices.

For each band: what the seat asked for, what was applied (fully, partly or
not at all, with the engine's reason), the posted price and its change, and
next round's clock. Everything comes from the seat's
:class:`~game.records.view.BidderView` (``last_round``); nothing here decides a rule.
"""

from __future__ import annotations

import pygame
import pygame_gui

from game.scenario.units import fmt_usd
from game.ui.scene import SeatScene, draw_text, wrap_text
from game.ui.stack import SceneStack, operator_colour


class RoundResultScene(SeatScene):
    """Last round as ``bidder`` may see it; Enter continues to the bidding screen."""

    title = "Round result"

    def __init__(self, app: SceneStack, bidder: str) -> None:
        super().__init__(app, bidder)
        self.button: pygame_gui.elements.UIButton | None = None
        self.history_button: pygame_gui.elements.UIButton | None = None

    def enter(self) -> None:
        root = self.make_root()
        w, h = self.app.size
        u = self.app.fonts.unit
        pad = max(12, u)
        bw, bh = int(u * 14), int(u * 2.4)
        self.button = pygame_gui.elements.UIButton(
            pygame.Rect(w - pad - bw, h - pad - bh, bw, bh), f"Bid in round {self.match.round} (Enter)",
            manager=self.app.manager, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#continue", class_id="@primary"),
        )
        self.history_button = pygame_gui.elements.UIButton(
            pygame.Rect(pad, h - pad - bh, int(u * 7.5), bh), "History (H)", manager=self.app.manager, container=root
        )

    def proceed(self) -> None:
        self.app.show_bidding(self.bidder)

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.button:
                self.proceed()
            elif event.ui_element is self.history_button:
                self.open_history()
            return True
        if event.type == pygame.KEYDOWN and event.key == pygame.K_h:
            self.open_history()
            return True
        return self.enter_or_menu(event, self.proceed)

    def draw(self, surface: pygame.Surface) -> None:
        c = self.app.colours
        f = self.app.fonts
        u = f.unit
        w, h = self.app.size
        pad = max(12, u)
        v = self.view
        last = v.last_round
        name = self.match.scenario.bidder(self.bidder).name
        pygame.draw.rect(surface, operator_colour(self.app, self.bidder), pygame.Rect(pad, pad, max(4, u // 3), int(u * 1.9)))
        title = f"Round {last.round} result  \u00b7  {name}" if last else f"Round 1  \u00b7  {name}"
        draw_text(surface, f.title, title, c["text"], (pad + u, pad - 2))
        if self.app.notice:
            draw_text(surface, f.small, self.app.notice, c["warn"], (pad + u, pad + int(u * 2.0)))
        if last is None:
            return
        # Table: band | you asked | applied | status | posted price | change | next clock
        cols = [
            ("Band", 0.09, "left"), ("You bid", 0.10, "right"), ("Processed", 0.11, "right"),
            ("Outcome", 0.17, "left"), ("Demand", 0.11, "right"), ("Posted $/lot", 0.15, "right"),
            ("Rise this round", 0.13, "right"), ("Next clock", 0.14, "right"),
        ]
        top = pad + int(u * 3.6)
        tw = w - 2 * pad
        row_h = int(u * 2.0)
        head_h = int(u * 1.8)
        table = pygame.Rect(pad, top, tw, head_h + row_h * len(v.bands))
        pygame.draw.rect(surface, c["panel"], table)
        pygame.draw.rect(surface, c["line"], table, 1)
        xs = []
        x = pad
        for label, share, align in cols:
            cw = int(tw * share)
            xs.append((x, cw, align))
            anchor_x = x + 8 if align == "left" else x + cw - 8
            draw_text(surface, f.small, label, c["muted"], (anchor_x, top + head_h // 2), "midleft" if align == "left" else "midright")
            x += cw
        unapplied = {u_.band: u_ for u_ in last.unapplied}
        for i, b in enumerate(v.bands):
            y = top + head_h + i * row_h
            if i % 2:
                pygame.draw.rect(surface, c["panel_alt"], pygame.Rect(table.x + 1, y, table.w - 2, row_h))
            mid = y + row_h // 2
            asked = last.submitted[b.id]
            got = last.processed[b.id]
            change = last.price_changes[b.id]
            if b.id in unapplied:
                status, scol = f"only {got} of {asked} applied", c["bad"]
            else:
                status, scol = "as bid", c["ok"]
            demand = f"{b.aggregate_demand}/{b.supply}" if b.aggregate_demand is not None else (
                "excess" if b.excess_demand else "no excess")
            cells = [
                (b.id + " MHz", c["text"], f.bold), (str(asked), c["text"], f.mono), (str(got), c["text"], f.mono_bold),
                (status, scol, f.body), (demand, c["bad"] if b.excess_demand else c["ok"], f.mono),
                (fmt_usd(last.posted_prices[b.id]), c["text"], f.mono),
                (("+" if change > 0 else "") + fmt_usd(change) if change else "\u2014", c["warn"] if change else c["muted"], f.mono),
                (fmt_usd(b.clock_price), c["text"], f.mono),
            ]
            for (x, cw, align), (text, colour, font) in zip(xs, cells, strict=True):
                if align == "left":
                    draw_text(surface, font, text, colour, (x + 8, mid), "midleft")
                else:
                    draw_text(surface, font, text, colour, (x + cw - 8, mid), "midright")
        y = table.bottom + u
        box = pygame.Rect(pad, y, tw, h - pad * 2 - int(u * 2.4) - y)
        pygame.draw.rect(surface, c["panel"], box)
        pygame.draw.rect(surface, c["line"], box, 1)
        ty = box.y + int(u * 0.4)
        if last.unapplied:
            draw_text(surface, f.bold, "Why not everything was applied", c["bad"], (box.x + u, ty))
            ty += int(u * 1.4)
            for un in last.unapplied:
                for line in wrap_text(f.small, "\u2022 " + un.message, box.w - 2 * u):
                    if ty + f.small.get_linesize() > box.bottom:
                        break
                    draw_text(surface, f.small, line, c["text"], (box.x + u, ty))
                    ty += f.small.get_linesize()
        else:
            draw_text(surface, f.bold, "All of your bids were applied in full.", c["ok"], (box.x + u, ty))
            ty += int(u * 1.4)
        ty += int(u * 0.5)
        lines = [
            f"Eligibility now {v.eligibility:,} points; your processed demand uses {v.activity:,}."
            if v.eligibility is not None else "Eligibility unlimited.",
            f"Exposure at posted prices: {fmt_usd(v.exposure_usd)}.",
            "Clocks rise only in bands with excess demand; a band whose demand meets supply stays at its posted price.",
        ]
        if v.excluded:
            lines.insert(0, f"{name} is excluded from the auction.")
        for line in lines:
            if ty + f.small.get_linesize() > box.bottom:
                break
            draw_text(surface, f.small, line, c["muted"], (box.x + u, ty))
            ty += f.small.get_linesize() + 2

