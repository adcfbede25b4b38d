"""Results screen: the band plan, revenue, each bidder's payment, value and utility, efficiency, payment plans.

Three tabs: "Band plan & revenue" (a bar per band to scale with real
frequencies, blocks in operator colours, unsold grey; revenue per band and in
total in USD and PKR), "Bidders" (lots, payment, private value, utility,
efficiency, success) and "Payment plan" (upfront or deferred with a chosen
share, yearly cash flow). Every figure comes from the engine's report
modules; engine modules still being written are optional, and a missing one
shows a "not available" note instead of failing. Never changes game state.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui

from game.economics.values import Valuation
from game.engine.allocation import AllocationOutcome
from game.engine.bandplan import band_plan
from game.records.report import Summary, summarise
from game.scenario import Scenario
from game.scenario.units import fmt_mhz, fmt_pkr, fmt_usd, to_pkr
from game.ui import background
from game.ui.charts import (
    ChartStyle,
    Colour,
    Column,
    Legend,
    PlanBar,
    PlanBlock,
    column_widths,
    draw_band_plan,
    draw_table,
    fmt_tick_mhz,
    parse_colour,
)
from game.ui.history import seat_view
from game.ui.scene import Scene, draw_text, draw_wrapped, fit_text, record_panel

if TYPE_CHECKING:
    from game.ui.stack import SceneStack

TABS = ("Band plan & revenue", "Bidders", "Payment plan")


def optional_module(name: str) -> ModuleType | None:
    """An engine module that may not exist yet in this checkout (a screen then says so)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# ------------------------------------------------------------------ band plan data


def plan_bars(scenario: Scenario, outcome: AllocationOutcome, assignment: Any = None) -> list[PlanBar]:
    """Bars for :func:`draw_band_plan` from :func:`game.engine.bandplan.band_plan`, real frequencies where known.

    Bands with existing holdings as ranges (1800, 2100) get two more bars:
    the holdings today (lots won in the auction included) and the contiguous
    layout a rationalisation plan would give. Should the band plan fail, a
    lots-only layout keeps the screen up.
    """
    try:
        plan = band_plan(scenario, outcome, assignment)
    except Exception:  # the results screen must show what it can
        return _bars_by_lots(scenario, outcome, assignment)
    bars: list[PlanBar] = []
    for band in scenario.bands:
        layout = plan.bands.get(band.id)
        if layout is None:
            continue
        blocks = tuple(
            PlanBlock(b.bidder, b.range.from_khz / 1000, b.range.to_khz / 1000, b.lots) for b in layout.blocks
        )
        lo = min(b.from_mhz for b in blocks)
        hi = max(b.to_mhz for b in blocks)
        note: str = band.duplex
        if band.duplex == "FDD" and layout.blocks and layout.blocks[0].uplink is not None:
            up_lo = min(b.uplink.from_khz for b in layout.blocks if b.uplink is not None) / 1000
            up_hi = max(b.uplink.to_khz for b in layout.blocks if b.uplink is not None) / 1000
            note = f"downlink; UL {fmt_tick_mhz(up_lo)}-{fmt_tick_mhz(up_hi)}"
        if layout.estimated:
            note += " (est.)"
        bars.append(PlanBar(f"{band.id} MHz", lo, hi, blocks, note=note, to_scale=layout.has_frequencies))
    for band_id, r in plan.rationalisation.items():
        won = {(b.range.from_khz, b.range.to_khz) for b in plan.bands[band_id].blocks if b.bidder is not None}
        for label, ranges in (("today", r.current), ("rationalised", r.contiguous)):
            if not ranges:
                continue
            held = tuple(
                PlanBlock(h.bidder, h.range.from_khz / 1000, h.range.to_khz / 1000,
                          existing=(h.range.from_khz, h.range.to_khz) not in won or label == "rationalised")
                for h in ranges
            )
            lo = min(h.from_mhz for h in held)
            hi = max(h.to_mhz for h in held)
            what = "held + won, DL" if label == "today" else "contiguous plan"
            bars.append(PlanBar(f"{band_id} {label}", lo, hi, held, note=what + (" (est.)" if r.estimated else "")))
    return bars


def _bars_by_lots(scenario: Scenario, outcome: AllocationOutcome, assignment: Any) -> list[PlanBar]:
    bars = []
    positioned = getattr(assignment, "bands", {}) if assignment is not None else {}
    for band in scenario.bands:
        order: Sequence[str]
        if band.id in positioned:
            order = positioned[band.id].order
        else:
            order = [b for b in outcome.lots if outcome.lots[b].get(band.id, 0) > 0]
        blocks = []
        at = 0
        for bidder in order:
            n = outcome.lots[bidder].get(band.id, 0)
            if n:
                blocks.append(PlanBlock(bidder, at * band.lot_tenths / 10, (at + n) * band.lot_tenths / 10, n))
                at += n
        if at < band.lots:
            blocks.append(PlanBlock(None, at * band.lot_tenths / 10, band.offered_tenths / 10, band.lots - at))
        bars.append(
            PlanBar(f"{band.id} MHz", 0.0, band.offered_tenths / 10, tuple(blocks), note=band.duplex, to_scale=False)
        )
    return bars


# ------------------------------------------------------------------ the scene


class ResultsScene(Scene):
    """The end of the game. ``seat`` is the human the payment plan opens on."""

    title = "Results"

    def __init__(
        self,
        app: SceneStack,
        scenario: Scenario | None = None,
        outcome: AllocationOutcome | None = None,
        *,
        valuations: Mapping[str, Valuation] | None = None,
        assignment: Any = None,
        seat: str | None = None,
    ) -> None:
        super().__init__(app)
        match: Any = app.match
        if scenario is None or outcome is None:
            if match is None:
                raise ValueError("ResultsScene needs a scenario and an outcome, or an app with a finished match")
            scenario = match.scenario
            outcome = match.outcome()
        if valuations is None and match is not None:
            valuations = getattr(match, "values", None)
        if assignment is None and match is not None:
            assignment = getattr(match, "assignment_outcome", None)
        if seat is None and match is not None:
            humans = getattr(match, "human_seats", ())
            seat = humans[0] if humans else None
        assert scenario is not None and outcome is not None
        self.scenario = scenario
        self.outcome = outcome
        self.assignment = assignment
        self.valuations = dict(valuations or {})
        self.summary: Summary = summarise(scenario, outcome)
        self.bars = plan_bars(scenario, outcome, assignment)
        self.efficiency: Any = None
        self.efficiency_note = ""
        self._evaluate()
        self.tab = 0
        winners = [b.id for b in self.summary.bidders if b.payment_usd > 0] or [b.id for b in self.summary.bidders]
        self.plan_bidder = seat if seat in winners else winners[0]
        self.plan = "deferred"
        self.share_text = str(scenario.payment.min_upfront_percent)
        self.schedule: Any = None
        self.schedule_error = ""
        self._compute_schedule()
        self.tab_buttons: list[Any] = []
        self.history_button: Any = None
        self.quit_button: Any = None
        self.bidder_menu: Any = None
        self.plan_menu: Any = None
        self.share_entry: Any = None

    # ---------------------------------------------------------- numbers

    def positioning_usd(self, bidder: str) -> int:
        if self.assignment is None:
            return 0
        return int(getattr(self.assignment, "payments", {}).get(bidder, 0))

    def band_positioning_usd(self, band_id: str) -> int:
        if self.assignment is None or not hasattr(self.assignment, "band_revenue_usd"):
            return 0
        return int(self.assignment.band_revenue_usd(band_id))

    def total_payment_usd(self, bidder: str) -> int:
        return self.outcome.payments.get(bidder, 0) + self.positioning_usd(bidder)

    def value_usd(self, bidder: str) -> int | None:
        valuation = self.valuations.get(bidder)
        if valuation is None:
            return None
        lots = {b: n for b, n in self.outcome.lots[bidder].items() if n and b in valuation.band_values}
        return valuation.value(lots)

    def _evaluate(self) -> None:
        if not self.valuations or any(b not in self.valuations for b in self.outcome.lots):
            self.efficiency_note = "efficiency not available (private values unknown)"
            return
        # The exact optima take milliseconds, but HiGHS (scipy) is the fallback for an instance the band
        # solver cannot take: it runs beside the main loop, so opening the results never freezes the
        # window; the tab says so meanwhile.
        self.efficiency_note = "computing efficiency against the optimum..."
        assignment = getattr(self.assignment, "payments", None)

        def solve() -> None:
            # Found, not imported: importing it here (scipy) would hold the GIL for over a second.
            if importlib.util.find_spec("game.economics.welfare") is None:
                self.efficiency_note = "efficiency not available (game.economics.welfare is missing)"
                return
            try:
                # In another process: a thread here would hold the GIL and stall the window.
                self.efficiency = background.call_named(
                    "game.economics.welfare", "evaluate",
                    self.scenario, self.valuations, self.outcome, assignment_payments=assignment,
                )
                self.efficiency_note = ""
            except Exception as exc:  # show why instead of losing the whole screen
                self.efficiency_note = f"efficiency not available: {exc}"

        self._efficiency_thread = threading.Thread(target=solve, name="efficiency", daemon=True)
        self._efficiency_thread.start()

    def wait_for_efficiency(self, timeout_s: float | None = None) -> None:
        """Block until the efficiency figures are ready (tests, PNG renders)."""
        thread = getattr(self, "_efficiency_thread", None)
        if thread is not None:
            thread.join(timeout_s)

    def _compute_schedule(self) -> None:
        self.schedule = None
        self.schedule_error = ""
        payments = optional_module("game.economics.payments")
        if payments is None or not hasattr(payments, "payment_schedule"):
            self.schedule_error = "payment plans not available (game.economics.payments is missing)"
            return
        share: Decimal | None = None
        if self.plan == "deferred":
            try:
                share = Decimal(self.share_text.strip().rstrip("%"))
            except InvalidOperation:
                self.schedule_error = f"upfront share: {self.share_text!r} is not a number of percent"
                return
        amount = self.total_payment_usd(self.plan_bidder)
        try:
            self.schedule = payments.payment_schedule(
                amount, self.plan, self.scenario.payment, self.scenario.exchange_rate_pkr_per_usd, upfront_percent=share
            )
        except ValueError as exc:
            self.schedule_error = str(exc)

    # ---------------------------------------------------------- widgets

    def enter(self) -> None:
        root = self.make_root()
        m = self.app.manager
        w, _ = self.app.size
        unit = self.app.fonts.unit
        bh = int(unit * 1.8)
        x = unit
        y = unit * 3 + unit // 2
        self.tab_buttons = []
        for i, name in enumerate(TABS):
            bw = self.app.fonts.bold.size(name)[0] + unit * 2
            button: Any = pygame_gui.elements.UIButton(
                pygame.Rect(x, y, bw, bh), name, manager=m, container=root, object_id=f"#results_tab_{i}"
            )
            if i == self.tab:
                button.select()
            self.tab_buttons.append(button)
            x += bw + unit // 2
        qw = self.app.fonts.bold.size("History")[0] + unit * 2
        self.quit_button = pygame_gui.elements.UIButton(
            pygame.Rect(w - qw - unit, y, qw, bh), "Quit", manager=m, container=root, object_id="#results_quit"
        )
        self.history_button = pygame_gui.elements.UIButton(
            pygame.Rect(w - 2 * qw - unit - unit // 2, y, qw, bh),
            "History",
            manager=m,
            container=root,
            object_id="#results_history",
        )
        self.bidder_menu = self.plan_menu = self.share_entry = None
        if self.tab == 2:
            self._payment_widgets(root, y + bh + unit)

    def _payment_widgets(self, root: Any, y: int) -> None:
        m = self.app.manager
        unit = self.app.fonts.unit
        bh = int(unit * 1.8)
        names: list[str | tuple[str, str]] = [(self.scenario.bidder(b.id).name, b.id) for b in self.summary.bidders]
        current = next(n for n in names if n[1] == self.plan_bidder)
        x = unit
        lw = self.app.fonts.body.size("Payment plan")[0] + unit
        x += lw
        ww = max(self.app.fonts.bold.size(n[0])[0] for n in names) + unit * 3
        self.bidder_menu = pygame_gui.elements.UIDropDownMenu(
            names, current, pygame.Rect(x, y, ww, bh), manager=m, container=root, object_id="#plan_bidder"
        )
        x += ww + unit
        plans: list[str | tuple[str, str]] = [("deferred", "deferred"), ("upfront (100% at year 1)", "upfront")]
        pw = max(self.app.fonts.bold.size(n[0])[0] for n in plans) + unit * 3
        self.plan_menu = pygame_gui.elements.UIDropDownMenu(
            plans,
            next(p for p in plans if p[1] == self.plan),
            pygame.Rect(x, y, pw, bh),
            manager=m,
            container=root,
            object_id="#plan_kind",
        )
        x += pw + unit + self.app.fonts.body.size("upfront share %")[0] + unit // 2
        self.share_entry = pygame_gui.elements.UITextEntryLine(
            pygame.Rect(x, y, unit * 4, bh), manager=m, container=root, object_id="#plan_share"
        )
        self.share_entry.set_text(self.share_text)
        if self.plan != "deferred":
            self.share_entry.disable()
        self._plan_label_pos = (unit, y + bh // 2)
        self._share_label_pos = (x - unit // 2, y + bh // 2)

    def select_tab(self, index: int) -> None:
        self.tab = index
        self.relayout()

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            for i, button in enumerate(self.tab_buttons):
                if event.ui_element is button:
                    self.select_tab(i)
                    return True
            if event.ui_element is self.history_button:
                view = seat_view(self.app, self.plan_bidder)
                if view is not None:
                    self.app.show_history_view(view)
                return True
            if event.ui_element is self.quit_button:
                self.app.quit()
                return True
        if event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED:
            if event.ui_element is self.bidder_menu:
                self.plan_bidder = _option_id(event)
                self._compute_schedule()
                return True
            if event.ui_element is self.plan_menu:
                self.plan = _option_id(event)
                self._compute_schedule()
                self.relayout()
                return True
        if event.type == pygame_gui.UI_TEXT_ENTRY_CHANGED and event.ui_element is self.share_entry:
            self.share_text = self.share_entry.get_text()
            self._compute_schedule()
            return True
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_LEFT, pygame.K_RIGHT) and not _typing(self):
            self.select_tab((self.tab + (1 if event.key == pygame.K_RIGHT else -1)) % len(TABS))
            return True
        return False

    # ---------------------------------------------------------- drawing

    def _style(self) -> ChartStyle:
        return ChartStyle.from_palette(self.app.fonts.bold, self.app.fonts.small, self.app.colours)

    def _legend(self) -> Legend:
        ids = tuple(b.id for b in self.summary.bidders)
        return Legend(
            names={b: self.scenario.bidder(b).name for b in ids},
            colours={b: parse_colour(self.scenario.bidder(b).colour) for b in ids},
            order=ids,
        )

    def draw(self, surface: pygame.Surface) -> None:
        fonts = self.app.fonts
        c = self.app.colours
        w, h = self.app.size
        unit = fonts.unit
        s = self.summary
        title = draw_text(surface, fonts.title, fit_text(fonts.title, f"Results: {self.scenario.name}", w - 2 * unit),
                          c["text"], (unit, unit // 2))
        share = s.sold_tenths * 100 / max(1, self.scenario.offered_tenths)
        verdict = "a success" if s.success else "NOT a success"
        total_usd = s.revenue_usd + self._positioning_total()
        line = (
            f"Allocation stage {s.outcome.status} after {s.outcome.rounds} round(s).  "
            f"Revenue {fmt_usd(total_usd)} = {fmt_pkr(to_pkr(total_usd, self.scenario.exchange_rate_pkr_per_usd))}.  "
            f"Sold {fmt_mhz(s.sold_tenths)} of {fmt_mhz(self.scenario.offered_tenths)} ({share:.1f}%): {verdict}"
            f" (threshold {self.scenario.rules.success_threshold_percent}%)."
        )
        line_font = fonts.body if fonts.body.size(line)[0] <= w - 2 * unit else fonts.small
        draw_text(surface, line_font, fit_text(line_font, line, w - 2 * unit), c["ok"] if s.success else c["bad"],
                  (unit, unit // 2 + title.height + 4))
        top = unit * 3 + unit // 2 + int(unit * 1.8) + unit
        body = pygame.Rect(unit, top, w - 2 * unit, h - top - unit)
        if self.tab == 0:
            self._draw_plan_tab(surface, body)
        elif self.tab == 1:
            self._draw_bidders_tab(surface, body)
        else:
            self._draw_payment_tab(surface, body)

    def _positioning_total(self) -> int:
        return int(getattr(self.assignment, "revenue_usd", 0) or 0) if self.assignment is not None else 0

    def _draw_plan_tab(self, surface: pygame.Surface, body: pygame.Rect) -> None:
        style = self._style()
        revenue_columns, revenue_rows = self._revenue_table()
        # The revenue table gets the width its figures need; the band plan takes the rest.
        need = sum(column_widths(revenue_columns, revenue_rows, style.small_font, style.small_font, style)) + 40
        split = min(int(body.w * 0.58), body.w - need)
        draw_band_plan(surface, pygame.Rect(body.x, body.y, split - 8, body.h), self.bars, self._legend(), style)
        right = pygame.Rect(body.x + split + 8, body.y, body.w - split - 8, body.h)
        pygame.draw.rect(surface, style.panel, right, border_radius=4)
        record_panel(right)
        fonts = self.app.fonts
        head = draw_text(surface, fonts.bold, "Revenue per band", style.text, (right.x + 10, right.y + 10))
        columns, rows = revenue_columns, revenue_rows
        y = draw_table(
            surface,
            pygame.Rect(right.x + 4, right.y + 16 + head.height, right.w - 8, right.h),
            columns,
            rows,
            style,
            body_font=fonts.small,
            bold_rows=[len(rows) - 1],
        )
        self._draw_revenue_notes(surface, right, y)

    def _revenue_table(self) -> tuple[list[Column], list[list[str]]]:
        rate = self.scenario.exchange_rate_pkr_per_usd
        rows = []
        for b in self.summary.bands:
            extra = self.band_positioning_usd(b.id)
            revenue = b.revenue_usd + extra
            rows.append([
                f"{b.id} MHz",
                f"{b.sold_lots}/{b.supply_lots}",
                fmt_usd(b.price_usd),
                f"+{b.premium_percent}%",
                fmt_usd(extra) if extra else "\u2014",  # a dash, never a minus sign beside a figure
                fmt_usd(revenue),
                fmt_pkr(to_pkr(revenue, rate)),
            ])
        total = self.summary.revenue_usd + self._positioning_total()
        rows.append(
            ["Total", "", "", "", fmt_usd(self._positioning_total()), fmt_usd(total), fmt_pkr(to_pkr(total, rate))]
        )
        columns = [
            Column("band", "left", 1.4),
            Column("sold", "right", 0.8),
            Column("price/lot", "right", 1.2),
            Column("premium", "right", 1.0),
            Column("positions", "right", 1.1),
            Column("revenue", "right", 1.2),
            Column("PKR", "right", 1.2),
        ]
        if self.assignment is None:
            # No positioning stage: an all-dash column only crowds the figures.
            columns.pop(4)
            rows = [row[:4] + row[5:] for row in rows]
        return columns, rows

    def _draw_revenue_notes(self, surface: pygame.Surface, right: pygame.Rect, y: int) -> None:
        style = self._style()
        fonts = self.app.fonts
        rate = self.scenario.exchange_rate_pkr_per_usd
        notes = [f"At Rs{rate} per USD. Price per lot is the final posted price."]
        if self.assignment is None:
            notes.append("No positioning stage was run: positions are not priced.")
        if self.summary.forfeited_usd:
            notes.append(f"Forfeited deposits, not in revenue: {fmt_usd(self.summary.forfeited_usd)}.")
        unallocated = [b.id for b in self.summary.bands if not b.allocated]
        if unallocated:
            notes.append(f"Not allocated (excess demand at the halt): {', '.join(unallocated)} MHz.")
        if not all(bar.to_scale for bar in self.bars):
            notes.append("Band edges not available: bars count lots from the bottom of each band.")
        y += 10
        for n in notes:
            y = draw_wrapped(surface, fonts.small, n, style.muted, pygame.Rect(right.x + 10, y, right.w - 20, right.bottom - y))

    def _draw_bidders_tab(self, surface: pygame.Surface, body: pygame.Rect) -> None:
        style = self._style()
        fonts = self.app.fonts
        pygame.draw.rect(surface, style.panel, body, border_radius=4)
        record_panel(body)
        band_ids = self.scenario.band_ids
        columns = [Column("bidder", "left", 3.0)]
        columns += [Column(f"{b}", "right", 0.7) for b in band_ids]
        columns += [
            Column("won", "right", 1.2),
            Column("allocation", "right", 1.3),
            Column("positions", "right", 1.1),
            Column("pays", "right", 1.3),
            Column("value", "right", 1.3),
            Column("utility", "right", 1.3),
        ]
        rows = []
        swatches: list[Colour | None] = []
        for b in self.summary.bidders:
            value = self.value_usd(b.id)
            pays = self.total_payment_usd(b.id)
            name = self.scenario.bidder(b.id).name
            if fonts.body.size(name)[0] > body.w // 5 and name.endswith(")") and " (" in name:
                # A long bracket ("Azerbaijani consortium, hypothetical") would push the table past the panel
                # and clip the name mid-word; the short name plus the legend's colour identifies the seat.
                name = name.split(" (", 1)[0]
            name += " (excluded)" if b.excluded else ""
            rows.append(
                [name]
                + [str(b.lots.get(x, 0)) for x in band_ids]
                + [
                    fmt_mhz(b.won_tenths),
                    fmt_usd(b.payment_usd),
                    fmt_usd(self.positioning_usd(b.id)),
                    fmt_usd(pays),
                    fmt_usd(value) if value is not None else "n/a",
                    fmt_usd(value - pays - b.forfeited_deposit_usd) if value is not None else "n/a",
                ]
            )
            swatches.append(parse_colour(self.scenario.bidder(b.id).colour))
        head = draw_text(surface, fonts.bold, "Lots won per band, payments, private values and utility", style.text,
                         (body.x + 10, body.y + 10))
        y = draw_table(
            surface,
            pygame.Rect(body.x + 4, body.y + 16 + head.height, body.w - 8, body.h),
            columns,
            rows,
            style,
            body_font=fonts.body,
            swatches=swatches,
        )
        y += fonts.unit
        lines: list[tuple[str, Colour]] = []
        e = self.efficiency
        if e is not None:
            # Three measures (docs/METRICS.md): the headline counts an unsold lot as worth its reserve to the seller.
            m = e.measures
            surplus, liquid, gross = m["surplus_over_reserve"], m["liquid_welfare"], m["gross_value"]
            lines.append((
                f"Efficiency {float(surplus.ratio) * 100:.1f}%: surplus over reserve (value - reserve of the lots won) "
                f"{fmt_usd(surplus.numerator_usd)} against the best {fmt_usd(surplus.denominator_usd)} under the same "
                "supply and caps.",
                style.text,
            ))
            at_least = "" if liquid.denominator_exact else "at least "
            lines.append((
                f"Liquid welfare (values capped at budgets): {at_least}{float(liquid.ratio) * 100:.1f}%. "
                f"Gross value (reserves ignored): {float(gross.ratio) * 100:.1f}%, welfare {fmt_usd(e.welfare_usd)} "
                f"of {fmt_usd(e.optimal_welfare_usd)}.",
                style.muted,
            ))
        else:
            lines.append((self.efficiency_note.capitalize() + ".", style.muted))
        lines.append((
            "Utility = private value of the lots won - allocation payment - positioning prices - any forfeited deposit. "
            "Values are private: each seat saw only its own during the auction.",
            style.muted,
        ))
        s = self.summary
        lines.append((
            f"Success: {'yes' if s.success else 'no'} ({fmt_mhz(s.sold_tenths)} sold of "
            f"{fmt_mhz(self.scenario.offered_tenths)}; threshold {self.scenario.rules.success_threshold_percent}%).",
            parse_colour(self.app.colours["ok" if s.success else "bad"]),
        ))
        for b in s.bidders:
            if b.forfeited_deposit_usd:
                lines.append((
                    f"{self.scenario.bidder(b.id).name} forfeited its deposit of {fmt_usd(b.forfeited_deposit_usd)}.",
                    parse_colour(self.app.colours["warn"]),
                ))
        for text, colour in lines:
            y = draw_wrapped(surface, fonts.body, text, colour, pygame.Rect(body.x + 12, y, body.w - 24, body.bottom - y))
            y += 4

    def _draw_payment_tab(self, surface: pygame.Surface, body: pygame.Rect) -> None:
        style = self._style()
        fonts = self.app.fonts
        c = self.app.colours
        if hasattr(self, "_plan_label_pos"):
            draw_text(surface, fonts.body, "Payment plan", c["text"], self._plan_label_pos, "midleft")
            if self.plan == "deferred":
                draw_text(surface, fonts.body, "upfront share %", c["text"], self._share_label_pos, "midright")
        top = body.y + int(fonts.unit * 2.6)
        panel = pygame.Rect(body.x, top, body.w, body.bottom - top)
        pygame.draw.rect(surface, style.panel, panel, border_radius=4)
        record_panel(panel)
        amount = self.total_payment_usd(self.plan_bidder)
        terms = self.scenario.payment
        head = (
            f"{self.scenario.bidder(self.plan_bidder).name} pays {fmt_usd(amount)} "
            f"({fmt_pkr(to_pkr(amount, self.scenario.exchange_rate_pkr_per_usd))}). "
            f"{terms.moratorium_years}-year moratorium; deferred: at least {terms.min_upfront_percent}% at year 1, "
            f"the rest in {terms.instalments} instalments, markup KIBOR {terms.kibor_percent}% + "
            f"{terms.markup_spread_percent}%."
        )
        y = draw_wrapped(surface, fonts.body, head, style.text, pygame.Rect(panel.x + 10, panel.y + 10, panel.w - 20, 200))
        if self.schedule is None:
            draw_wrapped(
                surface, fonts.body, self.schedule_error, parse_colour(c["bad"]),
                pygame.Rect(panel.x + 10, y + 10, panel.w - 20, panel.bottom - y - 10),
            )
            return
        columns, rows = schedule_table(self.schedule)
        y = draw_table(
            surface,
            pygame.Rect(panel.x + 4, y + 10, panel.w - 8, panel.bottom - y - 10),
            columns,
            rows,
            style,
            body_font=fonts.mono,
            bold_font=fonts.mono_bold,
            bold_rows=[len(rows) - 1] if rows and rows[-1][0] == "total" else [],
        )
        for text in schedule_notes(self.schedule):
            y = draw_wrapped(surface, fonts.body, text, style.text, pygame.Rect(panel.x + 10, y + 6, panel.w - 20, 100))


def _option_id(event: Any) -> str:
    """The id of a drop-down option: pygame_gui gives (text, id) tuples or the text alone."""
    text = event.text
    if isinstance(text, tuple):
        return str(text[1])
    selected = getattr(event.ui_element, "selected_option", text)
    return str(selected[1] if isinstance(selected, tuple) else selected)


def _typing(scene: ResultsScene) -> bool:
    return scene.share_entry is not None and bool(scene.share_entry.is_focused)



# ------------------------------------------------------------------ payment schedule as a table


def _money(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name.endswith("_pkr"):
        # A cash-flow table needs more digits than the press style's 'Rs9.5bn'.
        return f"Rs{Decimal(int(value)) / 1_000_000:,.1f}m"
    if name.endswith("_usd") or name in {"principal", "markup", "total", "balance", "balance_after"}:
        return fmt_usd(int(value))
    if isinstance(value, Decimal):
        return f"{value}"
    return str(value)


def _header(name: str) -> str:
    return name.replace("_usd", " USD").replace("_pkr", " PKR").replace("_", " ")


def schedule_table(schedule: Any) -> tuple[list[Column], list[list[str]]]:
    """The yearly cash flow of a ``game.economics.payments`` schedule as table columns and rows.

    Columns follow the row dataclass's fields, so the table keeps up with
    the payments module instead of restating it.
    """
    rows_src = list(getattr(schedule, "rows", ()))
    if not rows_src:
        return [Column("year")], []
    first = rows_src[0]
    names = [f.name for f in dataclasses.fields(first)] if dataclasses.is_dataclass(first) else list(vars(first))
    columns = [Column(_header(n), "left" if i == 0 else "right", 0.6 if n == "year" else 1.0) for i, n in enumerate(names)]
    rows = [[_money(n, getattr(r, n)) for n in names] for r in rows_src]
    totals = ["total"]
    for n in names[1:]:
        if "balance" in n:
            totals.append("")
            continue
        values = [getattr(r, n) for r in rows_src]
        totals.append(_money(n, sum(values)) if all(isinstance(v, int) for v in values) else "")
    rows.append(totals)
    return columns, rows


def schedule_notes(schedule: Any) -> list[str]:
    """Totals a schedule reports besides its rows (markup, NPV), in words."""
    notes = []
    for name, label in (("total_markup_usd", "Total markup"), ("npv_usd", "Net present value")):
        value = getattr(schedule, name, None)
        if value is not None:
            notes.append(f"{label}: {fmt_usd(int(value))}")
    rate = getattr(schedule, "discount_rate_percent", None)
    if rate is not None and notes:
        notes[-1] += f" at a discount rate of {rate}% a year (year 0 = licence issue)"
    return notes
