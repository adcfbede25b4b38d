"""The round-result screen: how one seat's bids of the last round were processed, and the new prices.

For each band: what the seat asked for, what was applied (fully, partly or
not at all, with the engine's reason), the posted price and its change, and
next round's clock. Everything comes from the seat's
:class:`~game.records.view.BidderView` (``last_round``); nothing here decides a rule.
"""

from __future__ import annotations

import pygame
import pygame_gui

from game.scenario.units import fmt_mhz, fmt_usd
from game.ui.scene import SeatScene, draw_text, fit_text, record_panel, wrap_text
from game.ui.stack import SceneStack, operator_colour


class RoundResultScene(SeatScene):
    """Last round as ``bidder`` may see it; Enter continues (to the bidding screen, or on after the last round).

    When the allocation stage has ended it says so and sums up what the seat won; when the
    seat has just been excluded it says that plainly, with the consequence.
    """

    title = "Round result"

    def __init__(self, app: SceneStack, bidder: str) -> None:
        super().__init__(app, bidder)
        self.button: pygame_gui.elements.UIButton | None = None
        self.history_button: pygame_gui.elements.UIButton | None = None
        # This seat's own note (its timer ran out), then any game-wide note; shown once.
        self.notes = [n for n in (app.notices.pop(bidder, ""), app.notice) if n]
        app.notice = ""

    def enter(self) -> None:
        root = self.make_root()
        w, h = self.app.size
        u = self.app.fonts.unit
        pad = max(12, u)
        bw, bh = int(u * 16), int(u * 2.4)
        if self.view.excluded or self.match.finished:
            label = "Continue (Enter)"
        else:
            label = f"Bid in round {self.match.round} (Enter)"
        self.button = pygame_gui.elements.UIButton(
            pygame.Rect(w - pad - bw, h - pad - bh, bw, bh), label,
            manager=self.app.manager, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#continue", class_id="@primary"),
        )
        self.history_button = pygame_gui.elements.UIButton(
            pygame.Rect(pad, h - pad - bh, int(u * 9), bh), "History (H)", manager=self.app.manager, container=root
        )

    def proceed(self) -> None:
        if self.view.excluded:
            self.match.told_excluded.add(self.bidder)
        self.app.continue_game()

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

    def summary_lines(self) -> list[tuple[str, str]]:
        """(text, colour key) lines under the table: exclusion, the end of the stage, eligibility, exposure."""
        v = self.view
        name = self.match.scenario.bidder(self.bidder).name
        deposit = fmt_usd(self.match.scenario.rules.deposit_usd)
        lines: list[tuple[str, str]] = []
        if v.excluded:
            lines.append((f"{name} is out of the auction. Its round-1 bid missed the incumbents' obligation and the "
                          f"penalty was accepted: the bid counted as zero, the {deposit} deposit is forfeited and "
                          "it bids no more. The auction goes on without it; the results show at the end.", "bad"))
            return lines
        if self.match.finished:
            outcome = self.match.outcome()
            won = outcome.lots[self.bidder]
            parts = []
            for band in self.match.scenario.bands:
                n = won.get(band.id, 0)
                if n:
                    parts.append(f"{band.id} MHz: {n} lot(s), {fmt_mhz(n * band.lot_tenths)} at "
                                 f"{fmt_usd(outcome.prices[band.id])}/lot")
            status = "ended" if outcome.status == "ended" else "stopped at the round limit (halted)"
            if parts:
                lines.append((f"The allocation stage has {status} after {outcome.rounds} round(s): you won "
                              + "; ".join(parts) + f". You pay {fmt_usd(outcome.payments[self.bidder])} in all.", "ok"))
            else:
                lines.append((f"The allocation stage has {status} after {outcome.rounds} round(s): you won no spectrum "
                              "and pay nothing.", "warn"))
            positioned = [b for b in self.match.scenario.bands if b.positioning and won.get(b.id, 0)
                          and sum(1 for lots in outcome.lots.values() if lots.get(b.id, 0)) > 1]
            if positioned:
                lines.append(("Next: the positioning stage decides where in " + ", ".join(f"{b.id} MHz" for b in positioned)
                              + " your block lies (bottom, middle, top).", "text"))
            else:
                lines.append(("Next: the results (band plan, revenue, payment plans).", "text"))
        if v.eligibility is not None:
            lines.append((f"Eligibility now {v.eligibility:,} points; your processed demand uses {v.activity:,}.", "muted"))
        lines.append((f"Exposure at posted prices: {fmt_usd(v.exposure_usd)}.", "muted"))
        if not self.match.finished:
            lines.append(("Clocks rise only in bands with excess demand; a band whose demand meets supply stays at its "
                          "posted price.", "muted"))
        return lines

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
        if last is not None and self.match.finished and not v.excluded:
            title = f"Final round {last.round}  \u00b7  {name}"
        draw_text(surface, f.title, fit_text(f.title, title, w - 2 * pad - u), c["text"], (pad + u, pad - 2))
        ny = pad + int(u * 2.0)
        for note in self.notes[:2]:
            draw_text(surface, f.small, fit_text(f.small, note, w - 2 * pad - u), c["warn"], (pad + u, ny))
            ny += f.small.get_linesize()
        if last is None:
            return
        # Table: band | you bid | at price | processed | processed at | outcome | demand | posted | rise | next clock
        cols = [
            ("Band", 0.08, "left"), ("You bid", 0.075, "right"), ("Bid price", 0.105, "right"),
            ("Processed", 0.09, "right"), ("Processed at", 0.115, "right"), ("Outcome", 0.135, "left"),
            ("Demand", 0.085, "right"), ("Posted $/lot", 0.11, "right"), ("Rise", 0.095, "right"),
            ("Next clock", 0.11, "right"),
        ]
        top = max(pad + int(u * 3.6), ny + u // 2)
        tw = w - 2 * pad
        row_h = int(u * 2.0)
        head_h = int(u * 1.8)
        table = pygame.Rect(pad, top, tw, head_h + row_h * len(v.bands))
        pygame.draw.rect(surface, c["panel"], table)
        record_panel(table)
        pygame.draw.rect(surface, c["line"], table, 1)
        inset = max(4, u // 3)
        xs = []
        x = pad
        for label, share, align in cols:
            cw = int(tw * share)
            xs.append((x, cw, align))
            anchor_x = x + inset if align == "left" else x + cw - inset
            draw_text(surface, f.small, fit_text(f.small, label, cw - 2 * inset), c["muted"], (anchor_x, top + head_h // 2),
                      "midleft" if align == "left" else "midright")
            x += cw
        unapplied = {u_.band: u_ for u_ in last.unapplied}
        steps = {s.band: s for s in last.steps}
        for i, b in enumerate(v.bands):
            y = top + head_h + i * row_h
            if i % 2:
                pygame.draw.rect(surface, c["panel_alt"], pygame.Rect(table.x + 1, y, table.w - 2, row_h))
            mid = y + row_h // 2
            asked = last.submitted[b.id]
            got = last.processed[b.id]
            change = last.price_changes[b.id]
            point = last.price_points.get(b.id)
            bid_price = "\u2014" if point is None else fmt_usd(point)
            step = steps.get(b.id)
            if b.id in unapplied:
                status, scol = f"{got} of {asked} applied", c["bad"]
            elif step is not None:
                status, scol = ("reduced" if step.to_lots < step.from_lots else "increased"), c["ok"]
            else:
                status, scol = "maintained", c["ok"]
            demand = f"{b.aggregate_demand}/{b.supply}" if b.aggregate_demand is not None else (
                "excess" if b.excess_demand else "fits")
            cells = [
                (b.id, c["text"], f.bold), (str(asked), c["text"], f.mono), (bid_price, c["muted"], f.mono),
                (str(got), c["text"], f.mono_bold),
                (fmt_usd(step.price_usd) if step is not None else "\u2014", c["text"] if step else c["muted"], f.mono),
                (status, scol, f.small), (demand, c["bad"] if b.excess_demand else c["ok"], f.mono),
                (fmt_usd(last.posted_prices[b.id]), c["text"], f.mono),
                (("+" if change > 0 else "") + fmt_usd(change) if change else "\u2014", c["warn"] if change else c["muted"], f.mono),
                (fmt_usd(b.clock_price) if not self.match.finished else "\u2014", c["text"], f.mono),
            ]
            for (x, cw, align), (text, colour, font) in zip(xs, cells, strict=True):
                text = fit_text(font, text, cw - 2 * inset)
                if align == "left":
                    draw_text(surface, font, text, colour, (x + inset, mid), "midleft")
                else:
                    draw_text(surface, font, text, colour, (x + cw - inset, mid), "midright")
        y = table.bottom + u
        box = pygame.Rect(pad, y, tw, h - pad * 2 - int(u * 2.4) - y)
        pygame.draw.rect(surface, c["panel"], box)
        record_panel(box)
        pygame.draw.rect(surface, c["line"], box, 1)
        ty = box.y + int(u * 0.4)
        ls = f.small.get_linesize()

        def para(text: str, colour: pygame.Color, font: pygame.font.Font = f.small) -> None:
            nonlocal ty
            for line in wrap_text(font, text, box.w - 2 * u):
                if ty + font.get_linesize() > box.bottom - 2:
                    return
                draw_text(surface, font, line, colour, (box.x + u, ty))
                ty += font.get_linesize()

        if last.unapplied:
            para("Why not everything was applied", c["bad"], f.bold)
            for un in last.unapplied:
                para("\u2022 " + un.message, c["text"])
        elif not v.excluded:
            para("All of your bids were applied in full." + (
                " \"Processed at\" is the price point at which each change was applied." if steps else ""), c["ok"], f.bold)
        ty += ls // 2
        for text, key in self.summary_lines():
            para(text, c[key], f.bold if key in ("bad", "ok") else f.small)
            ty += 2
