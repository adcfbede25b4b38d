"""History screen: price path per band over rounds and aggregate demand against supply.

Shows only what the seat may see: everything comes from that seat's
:class:`~game.records.view.BidderView` (posted prices are public; aggregate demand
only under the "aggregate" information policy). Never changes game state.
"""

from __future__ import annotations

import contextlib
import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui

from game.records.view import BidderView, build_view
from game.scenario.units import fmt_usd
from game.sessions.match import default_save_path
from game.ui.charts import ChartStyle, Column, draw_demand_grid, draw_price_paths, draw_table
from game.ui.scene import Scene, draw_text, draw_wrapped, fit_text

if TYPE_CHECKING:
    from game.ui.stack import SceneStack


def seat_view(app: SceneStack, bidder: str | None) -> BidderView | None:
    """The view of ``bidder`` (or the match's first human seat) in the app's match, if any."""
    match: Any = app.match
    auction = getattr(match, "auction", None)
    if auction is None:
        return None
    if bidder is None:
        bidder = _first_human(match) or (auction.bidders[0] if auction.bidders else None)
    if bidder is None:
        return None
    return build_view(auction, bidder)


def _first_human(match: Any) -> str | None:
    for name in ("human_seats", "humans"):
        seats = getattr(match, name, None)
        if callable(seats):
            seats = seats()
        if seats:
            return str(next(iter(seats)))
    return None


BID_CSV_FIELDS = (
    "round", "band", "submitted_lots", "price_point_usd", "processed_lots", "processed_at_usd", "posted_price_usd",
)


def write_bid_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """The seat's own bid history as CSV (one line per round and band), written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=BID_CSV_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in BID_CSV_FIELDS})
    os.replace(tmp, path)


class HistoryScene(Scene):
    """Pushed over the bidding or results screen; Back or Esc pops it. B shows the seat's own bids; E exports them."""

    title = "History"

    def __init__(self, app: SceneStack, view: BidderView | None = None, *, bidder: str | None = None) -> None:
        super().__init__(app)
        self.view = view if view is not None else seat_view(app, bidder)
        self.back_button: Any = None
        self.bids_button: Any = None
        self.export_button: Any = None
        self.show_bids = False
        self.message = ""

    def bid_rows(self) -> list[dict[str, Any]]:
        match: Any = self.app.match
        if self.view is None or match is None or not hasattr(match, "bid_history"):
            return []
        return list(match.bid_history(self.view.bidder))

    def enter(self) -> None:
        root = self.make_root()
        w, _ = self.app.size
        unit = self.app.fonts.unit
        bw = max(120, self.app.fonts.body.size("Back (Esc)")[0] + int(unit * 1.6))
        bh = int(unit * 1.8)
        self.back_button = pygame_gui.elements.UIButton(
            pygame.Rect(w - bw - unit, unit // 2, bw, bh),
            "Back (Esc)",
            manager=self.app.manager,
            container=root,
            object_id="#history_back",
        )
        has_bids = bool(self.bid_rows())
        font = self.app.fonts.body

        def width(label: str) -> int:
            return font.size(label)[0] + int(unit * 1.6)

        toggle = "Prices (B)" if self.show_bids else "Your bids (B)"
        tw = max(width("Prices (B)"), width("Your bids (B)"))
        x = w - bw - unit - unit // 2 - tw
        self.bids_button = pygame_gui.elements.UIButton(
            pygame.Rect(x, unit // 2, tw, bh), toggle, manager=self.app.manager, container=root, object_id="#history_bids",
        )
        ew = width("Export CSV (E)")
        self.export_button = pygame_gui.elements.UIButton(
            pygame.Rect(x - unit // 2 - ew, unit // 2, ew, bh),
            "Export CSV (E)", manager=self.app.manager, container=root, object_id="#history_export",
        )
        if not has_bids:
            self.bids_button.disable()
            self.export_button.disable()

    def toggle_bids(self) -> None:
        if self.bid_rows():
            self.show_bids = not self.show_bids
            self.relayout()

    def export(self) -> Path | None:
        rows = self.bid_rows()
        if not rows or self.view is None:
            return None
        path = default_save_path().parent / f"{self.view.bidder}-bids.csv"
        try:
            write_bid_csv(rows, path)
        except OSError as exc:
            self.message = f"Could not export: {exc.strerror or exc}"
            return None
        self.message = f"Exported {len(rows)} lines to {path}"
        return path

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.back_button:
                self.app.pop()
            elif event.ui_element is self.bids_button:
                self.toggle_bids()
            elif event.ui_element is self.export_button:
                self.export()
            return True
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                self.app.pop()
            elif event.key == pygame.K_b:
                self.toggle_bids()
            elif event.key == pygame.K_e:
                self.export()
            return True
        return False

    def draw(self, surface: pygame.Surface) -> None:
        fonts = self.app.fonts
        colours = self.app.colours
        w, h = self.app.size
        unit = fonts.unit
        margin = unit
        view = self.view
        heading = "History"
        if view is not None:
            closed = len(next(iter(view.price_history.values()), ()))
            name = view.bidder
            match: Any = self.app.match
            if match is not None:
                with contextlib.suppress(KeyError):
                    name = match.scenario.bidder(view.bidder).name  # the operator's name, as on every other screen
            heading = f"History: {closed} round(s) closed, as {name} sees it"
        buttons_x = self.export_button.rect.x if self.export_button is not None else w
        img = draw_text(surface, fonts.title, fit_text(fonts.title, heading, buttons_x - 2 * margin), colours["text"],
                        (margin, unit // 2))
        top = unit // 2 + max(img.height, int(unit * 1.8)) + unit // 2
        style = ChartStyle.from_palette(fonts.bold, fonts.small, colours)
        if view is None:
            draw_text(surface, fonts.body, "No auction to show yet", colours["muted"], (w // 2, h // 2), "center")
            return
        if self.show_bids:
            self._draw_bids(surface, pygame.Rect(margin, top, w - 2 * margin, h - top - margin), style)
            return
        avail = h - top - margin
        price_h = int(avail * 0.45)
        reserves = {b.id: b.reserve_usd for b in view.bands}
        draw_price_paths(surface, pygame.Rect(margin, top, w - 2 * margin, price_h), view.price_history, reserves, style)
        demand_top = top + price_h + unit // 2
        label = draw_text(surface, fonts.bold, "Aggregate demand against supply (lots; dashed line: supply)",
                          colours["text"], (margin, demand_top))
        grid_top = demand_top + label.height + unit // 3
        supply = {b.id: b.supply for b in view.bands}
        draw_demand_grid(
            surface,
            pygame.Rect(margin, grid_top, w - 2 * margin, h - grid_top - margin),
            view.demand_history,
            supply,
            style,
            columns=3,
        )

    def _draw_bids(self, surface: pygame.Surface, rect: pygame.Rect, style: ChartStyle) -> None:
        """Round by round: per band what was bid and, where different, what was processed and at which price point."""
        fonts = self.app.fonts
        c = self.app.colours
        rows = self.bid_rows()
        bands = list(dict.fromkeys(r["band"] for r in rows))
        by_round: dict[int, dict[str, dict[str, Any]]] = {}
        for r in rows:
            by_round.setdefault(r["round"], {})[r["band"]] = r
        y = rect.y
        explain = ("Each cell: lots you bid (=n where you submitted no bid for the band: n lots maintained); "
                   "\u2192 lots processed where different; @ the price point a change was processed at. "
                   f"Export: {default_save_path().parent}/<seat>-bids.csv")
        y = draw_wrapped(surface, fonts.small, explain, c["muted"], pygame.Rect(rect.x, y, rect.w, rect.h))
        if self.message:
            y = draw_wrapped(surface, fonts.small, self.message, c["ok"], pygame.Rect(rect.x, y, rect.w, rect.h))
        y += fonts.small.get_linesize() // 2
        table_rows = []
        for rnd in sorted(by_round):
            cells = [str(rnd)]
            for band in bands:
                r = by_round[rnd][band]
                sub, proc, at = r["submitted_lots"], r["processed_lots"], r["processed_at_usd"]
                text = f"={proc}" if sub is None else str(sub)
                if sub is not None and proc != sub:
                    text += f"\u2192{proc}"
                if at is not None:
                    text += f" @{fmt_usd(at)}"
                cells.append(text)
            table_rows.append(cells)
        line_h = fonts.body.get_linesize() + 6
        fit = max(1, (rect.bottom - y - fonts.small.get_linesize() - 8) // line_h)
        shown = table_rows[-fit:]
        draw_table(
            surface, pygame.Rect(rect.x, y, rect.w, rect.bottom - y),
            [Column("round", "right", 0.5), *[Column(f"{b} MHz", "right", 1.0) for b in bands]],
            shown, style, body_font=fonts.body,
        )
