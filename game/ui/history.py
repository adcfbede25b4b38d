"""History screen: price path per band over rounds and aggregate demand against supply.

Shows only what the seat may see: everything comes from that seat's
:class:`~game.records.view.BidderView` (posted prices are public; aggregate demand
only under the "aggregate" information policy). Never changes game state.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui

from game.records.view import BidderView, build_view
from game.ui.charts import ChartStyle, draw_demand_grid, draw_price_paths
from game.ui.scene import Scene

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


class HistoryScene(Scene):
    """Pushed over the bidding or results screen; Back or Esc pops it."""

    title = "History"

    def __init__(self, app: SceneStack, view: BidderView | None = None, *, bidder: str | None = None) -> None:
        super().__init__(app)
        self.view = view if view is not None else seat_view(app, bidder)
        self.back_button: Any = None

    def enter(self) -> None:
        root = self.make_root()
        w, _ = self.app.size
        unit = self.app.fonts.unit
        bw = max(120, unit * 6)
        self.back_button = pygame_gui.elements.UIButton(
            pygame.Rect(w - bw - unit, unit // 2, bw, int(unit * 1.8)),
            "Back",
            manager=self.app.manager,
            container=root,
            object_id="#history_back",
        )

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.back_button:
            self.app.pop()
            return True
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.app.pop()
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
        img = fonts.title.render(heading, True, colours["text"])
        surface.blit(img, (margin, unit // 2))
        top = unit // 2 + img.get_height() + unit // 2
        style = ChartStyle.from_palette(fonts.bold, fonts.small, colours)
        if view is None:
            msg = fonts.body.render("No auction to show yet", True, colours["muted"])
            surface.blit(msg, msg.get_rect(center=(w // 2, h // 2)))
            return
        avail = h - top - margin
        price_h = int(avail * 0.45)
        reserves = {b.id: b.reserve_usd for b in view.bands}
        draw_price_paths(surface, pygame.Rect(margin, top, w - 2 * margin, price_h), view.price_history, reserves, style)
        demand_top = top + price_h + unit // 2
        label = fonts.bold.render("Aggregate demand against supply (lots; dashed line: supply)", True, colours["text"])
        surface.blit(label, (margin, demand_top))
        grid_top = demand_top + label.get_height() + unit // 3
        supply = {b.id: b.supply for b in view.bands}
        draw_demand_grid(
            surface,
            pygame.Rect(margin, grid_top, w - 2 * margin, h - grid_top - margin),
            view.demand_history,
            supply,
            style,
            columns=3,
        )
