"""The bidding screen: one human seat enters its bids for one round.

A table of the bands (supply, start-of-round and clock prices, last round's
demand, the seat's processed demand, its new bid with steppers, typed entry
and an optional intra-round price point) and, beside it, eligibility, cap
headroom bars, exposure and the seat's private value of the bundle. The
engine's own checks (``ClockAuction.check``) run on every edit, so a refused
bid explains itself before it is submitted. Reads only the seat's
:class:`~game.records.view.BidderView` and the auction's public API; it never decides
a rule itself and drawing never changes game state.
"""

from __future__ import annotations

import re
import time
from decimal import Decimal
from pathlib import Path

import pygame
import pygame_gui

from game.engine.rules import Bid, BidRefused, Refusal
from game.scenario.units import fmt_mhz, fmt_usd, fmt_usd_exact
from game.sessions.match import default_save_path
from game.ui.scene import SeatScene, draw_text, fit_text, record_panel, wrap_text
from game.ui.stack import SceneStack, operator_colour

# Column layout of the band table: (key, header, share of the table width, alignment). The band
# cell also shows the band's eligibility points per lot, the supply cell the lot size and the clock
# cell the clock price per MHz, each on a second line, so the table fits a 960 px window.
COLUMNS: tuple[tuple[str, str, float, str], ...] = (
    ("band", "Band\npts/lot", 0.09, "left"),
    ("supply", "Supply\nlot MHz", 0.11, "right"),
    ("start", "Start\n$/lot", 0.105, "right"),
    ("clock", "Clock $/lot\nper MHz", 0.165, "right"),
    ("demand", "Demand\nlast round", 0.11, "right"),
    ("processed", "Held\nnow", 0.09, "right"),
    ("bid", "Your bid\n(lots)", 0.16, "center"),
    ("price", "Price point\n(optional)", 0.17, "center"),
)


def parse_bid_csv(text: str, band_ids: list[str]) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """A round's bids from CSV text: ``band,lots[,price_usd]`` per line, an optional header line.

    Returns the typed text per band (lots, price point) and one message per bad line; the bids
    then go through exactly the checks of typed bids. Bands the file leaves out maintain demand.
    """
    import csv
    import io

    out: dict[str, tuple[str, str]] = {}
    errors: list[str] = []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not cells or all(not c for c in cells) or cells[0].startswith("#"):
            continue
        if n == 1 and cells[0].lower() in ("band", "band_id", "band mhz"):
            continue
        where = f"line {n}"
        if len(cells) not in (2, 3):
            errors.append(f"{where}: expected band,lots[,price_usd], got {len(cells)} field(s): {','.join(cells)[:40]!r}")
            continue
        band = cells[0].removesuffix("MHz").strip()
        lots, price = cells[1], cells[2] if len(cells) == 3 else ""
        if band not in band_ids:
            errors.append(f"{where}: {cells[0][:20]!r} is not a band of this auction ({', '.join(band_ids)})")
            continue
        if band in out:
            errors.append(f"{where}: {band} MHz is listed twice")
            continue
        bad = False
        if parse_lots(lots) is None:
            errors.append(f"{where}: {band} MHz lots {lots[:20]!r} is not a whole number of lots")
            bad = True
        if not parse_price(price)[1]:
            errors.append(f"{where}: {band} MHz price point {price[:20]!r} is not an amount in US dollars")
            bad = True
        if not bad:
            out[band] = (lots, price)
    return out, errors


def parse_lots(text: str) -> int | None:
    text = text.strip()
    # ASCII digits only: str.isdigit() also accepts '²', which int() then refuses.
    return int(text) if text.isascii() and text.isdigit() else None


# A price as bidders write it: optional '$', digits with optional thousands commas (groups of three,
# so a decimal comma like '12,9m' is refused rather than read as 129m), optional decimals and an
# optional k / m / mn / bn suffix. No signs or exponents: '1e400' or 'inf' is not a price.
_PRICE = re.compile(r"\$?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d*)?(?P<unit>k|m|mn|bn)?")
_SCALE = {None: 1, "k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000}


def parse_price(text: str) -> tuple[int | None, bool]:
    """A typed price point: '' (the clock price), '$34,125,000', '34125000' or '34.125m'. Returns (price, ok)."""
    t = text.strip().lower().replace(" ", "")
    if t in ("", "clock"):
        return None, True
    found = _PRICE.fullmatch(t)
    if found is None:
        return None, False
    value = Decimal(found["num"].replace(",", "") + (found["dec"] or "")) * _SCALE[found["unit"]]
    if value != value.to_integral_value():
        return None, False
    return int(value), True


def per_mhz(price: int, lot_tenths: int, duplex: str) -> int:
    """Price per MHz (per 2x1 MHz paired for FDD, the unit of the base price)."""
    unit = 20 if duplex == "FDD" else 10
    return price * unit // lot_tenths


def lot_label(lot_tenths: int, duplex: str) -> str:
    if duplex == "FDD":
        return "2x" + fmt_mhz(lot_tenths // 2)
    return fmt_mhz(lot_tenths)


class BiddingScene(SeatScene):
    """Bids of ``bidder`` for the open round. Enter submits, Tab moves between bid fields, Esc opens the menu."""

    title = "Bidding"

    def __init__(self, app: SceneStack, bidder: str) -> None:
        super().__init__(app, bidder)
        self.band_ids = [b.id for b in self.view.bands]
        submitted = self.match.auction.submitted(bidder)
        # Start from an earlier submission of this round (after Esc > resume), else from processed demand.
        self.lot_text: dict[str, str] = {b.id: str(b.processed) for b in self.view.bands}
        self.price_text: dict[str, str] = {b.id: "" for b in self.view.bands}
        if submitted:
            for band_id, bid in submitted[0].items():
                self.lot_text[band_id] = str(bid.lots)
                if bid.price_usd is not None:
                    self.price_text[band_id] = fmt_usd_exact(bid.price_usd)
        self.accept_penalty = bool(submitted and submitted[1])
        self.time_left: float | None = (
            float(self.match.setup.round_timer_s) if self.match.setup.round_timer_s else None
        )
        # What expiry does, worked out once for the round (round 1 differs: see Match.time_out).
        self.timeout_rule = self.match.timeout_rule(bidder) if self.time_left is not None else ""
        self.input_errors: list[str] = []
        self.upload_errors: list[str] = []
        self.refusals: list[Refusal] = []
        # A game-wide note (a resumed file) shows here once; notes about a seat were shown on its round result.
        self.notice = app.notice
        app.notice = ""
        self.upload_button: pygame_gui.elements.UIButton | None = None
        self.penalty_label = "Accept the penalty\u2026"
        self.lot_entries: dict[str, pygame_gui.elements.UITextEntryLine] = {}
        self.price_entries: dict[str, pygame_gui.elements.UITextEntryLine] = {}
        self.steppers: dict[pygame_gui.core.UIElement, tuple[str, int]] = {}
        self.submit_button: pygame_gui.elements.UIButton | None = None
        self.penalty_button: pygame_gui.elements.UIButton | None = None
        self.reset_button: pygame_gui.elements.UIButton | None = None
        self.history_button: pygame_gui.elements.UIButton | None = None
        self.menu_button: pygame_gui.elements.UIButton | None = None
        self.rows_pending: list[int] = []
        self._cache: pygame.Surface | None = None
        self._cache_key: tuple[object, ...] | None = None
        self.recheck()

    # ---------------------------------------------------------- state

    def bundle(self) -> dict[str, int]:
        """Lots per band as edited; a band whose entry does not parse counts as processed demand."""
        out = {}
        for b in self.view.bands:
            lots = parse_lots(self.lot_text[b.id])
            out[b.id] = b.processed if lots is None else lots
        return out

    def bids(self) -> dict[str, Bid]:
        bundle = self.bundle()
        bids = {}
        for band_id, lots in bundle.items():
            price, ok = parse_price(self.price_text[band_id])
            bids[band_id] = Bid(band_id, lots, price if ok else None)
        return bids

    def recheck(self) -> None:
        """Run the engine's checks on the edited bids (and note typing mistakes the engine never sees)."""
        errors = []
        for b in self.view.bands:
            if parse_lots(self.lot_text[b.id]) is None:
                errors.append(f"{b.id} MHz: {self.lot_text[b.id]!r} is not a whole number of lots")
            if not parse_price(self.price_text[b.id])[1]:
                errors.append(
                    f"{b.id} MHz: price point {self.price_text[b.id]!r} is not an amount in US dollars "
                    "(type e.g. 34125000 or 34.125m, or leave empty for the clock price)"
                )
        self.input_errors = errors
        if not self.obligation_missed:
            # Acceptance was for a bid that missed the obligation; a bid that meets it needs none,
            # and an old acceptance must never ride along on a later short bid unasked.
            self.accept_penalty = False
        self.refusals = self.match.check(self.bidder, self.bids(), accept_penalty=self.accept_penalty)
        if self.can_submit:
            self.notice = ""  # an old "not submitted" note no longer applies
        self._sync_widgets()

    def last_round_lines(self) -> list[str]:
        """'Last round: 3500 MHz reduced 12 -> 10 lots, processed at $7.05m.' for each of the seat's own changes."""
        last = self.view.last_round  # the seat's own steps only, as its view shows them
        if last is None or not last.steps:
            return []
        parts = []
        for s in last.steps:
            what = "reduced" if s.to_lots < s.from_lots else "increased"
            parts.append(f"{s.band} MHz {what} {s.from_lots}\u2192{s.to_lots} lots at {fmt_usd(s.price_usd)}")
        return [f"Last round (round {last.round}) your changes were processed: " + "; ".join(parts) + "."]

    def next_eligibility(self) -> int:
        """Eligibility next round if this bid is processed as bid (the engine's rule: points / requirement, never up)."""
        limits = self.match.auction.limits(self.bidder)
        points = limits.bundle_points([self.bundle()[b] for b in self.band_ids])
        earned = points * 100 // self.match.scenario.rules.activity_requirement_percent
        return earned if self.view.eligibility is None else min(self.view.eligibility, earned)

    @property
    def obligation_missed(self) -> bool:
        """Whether the bundle misses the round-1 obligation (whatever the penalty toggle says)."""
        if not self.view.obligation:
            return False
        bundle = self.bundle()
        return any(bundle[b] < need for b, need in self.view.obligation.items())

    @property
    def can_submit(self) -> bool:
        return not self.input_errors and not self.refusals

    def submit(self) -> bool:
        """Submit the edited bids; on refusal (or a typing mistake) stay and show why."""
        self._read_entries()
        self.recheck()
        if not self.can_submit:
            self.notice = "Not submitted: fix the problems listed under Checks first."
            return False
        try:
            self.match.submit(self.bidder, self.bids(), accept_penalty=self.accept_penalty and self.obligation_missed)
        except BidRefused as exc:
            self.refusals = list(exc.refusals)
            self.notice = "Not submitted: the auction refused these bids."
            return False
        self.app.continue_game()
        return True

    def reset(self) -> None:
        for b in self.view.bands:
            self.lot_text[b.id] = str(b.processed)
            self.price_text[b.id] = ""
        self.accept_penalty = False
        self.upload_errors = []
        self._write_entries()
        self.recheck()

    def load_csv(self, path_text: str) -> str | None:
        """Load this round's bids from a CSV file (``band,lots[,price_usd]``); returns a message if nothing loaded.

        Lines that parse fill the bid fields; the engine's checks then run on them exactly as on
        typed bids, and each bad line is listed under Checks.
        """
        path = Path(path_text.strip()).expanduser()
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            return f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}"
        loaded, errors = parse_bid_csv(text, self.band_ids)
        if not loaded and errors:
            return f"{path}: nothing loaded. " + "; ".join(errors[:4]) + (" ..." if len(errors) > 4 else "")
        for b in self.view.bands:
            lots, price = loaded.get(b.id, (str(b.processed), ""))
            self.lot_text[b.id] = lots
            self.price_text[b.id] = price
        self.upload_errors = [f"{path.name} {e}" for e in errors]
        self.notice = f"Loaded bids for {len(loaded)} band(s) from {path}; check them, then submit."
        self._write_entries()
        self.recheck()
        return None

    def ask_penalty(self) -> None:
        """The penalty button: a dialog that states the consequence; nothing changes unless confirmed."""
        if self.accept_penalty:
            self.accept_penalty = False  # withdrawing an acceptance needs no question
            self.recheck()
            return
        if not self.obligation_missed:
            return
        deposit = fmt_usd(self.match.scenario.rules.deposit_usd)
        short = ", ".join(f"at least {n} lots in {b} MHz" for b, n in self.view.obligation.items())

        def accept() -> None:
            self.accept_penalty = True
            self.recheck()

        self.app.confirm(
            "Accept the penalty and leave the auction?",
            f"This round-1 bid misses the incumbents' obligation ({short}).\n"
            f"If you submit it with the penalty: the bid counts as zero, the {deposit} deposit is forfeited, "
            f"and {self.bidder_name} is excluded from the rest of the auction. This cannot be undone.\n"
            "To stay in, cancel and bid at least the obligation.",
            "Accept the penalty (Y)", accept,
        )

    def step_lots(self, band_id: str, delta: int) -> None:
        supply = self.view.band(band_id).supply
        current = parse_lots(self.lot_text[band_id])
        base = self.view.band(band_id).processed if current is None else current
        self.lot_text[band_id] = str(max(0, min(supply, base + delta)))
        entry = self.lot_entries.get(band_id)
        if entry is not None:
            entry.set_text(self.lot_text[band_id])
        self.recheck()

    # ---------------------------------------------------------- layout

    def _geometry(self) -> dict[str, int]:
        w, h = self.app.size
        u = self.app.fonts.unit
        pad = max(12, u)
        table_w = int((w - 3 * pad) * 0.68)
        top = pad + int(u * 3.6)
        head_h = int(u * 2.6)
        row_h = int(u * 2.3)
        return {
            "w": w, "h": h, "u": u, "pad": pad, "table_x": pad, "table_w": table_w, "top": top,
            "head_h": head_h, "row_h": row_h, "rows_y": top + head_h, "side_x": 2 * pad + table_w,
            "side_w": w - 3 * pad - table_w, "bottom_h": int(u * 2.4),
        }

    def _column_rects(self) -> dict[str, tuple[int, int]]:
        g = self._geometry()
        x = g["table_x"]
        out = {}
        for key, _, share, _ in COLUMNS:
            cw = int(g["table_w"] * share)
            out[key] = (x, cw)
            x += cw
        return out

    def enter(self) -> None:
        root = self.make_root()
        m = self.app.manager
        g = self._geometry()
        u = g["u"]
        self.lot_entries.clear()
        self.price_entries.clear()
        self.steppers.clear()
        self._cache_key = None
        # pygame_gui takes ~10 ms per row of widgets: build the rows over the next frames
        # (see update) so that no frame stalls, even when the screen opens after a round closes.
        self.rows_pending = list(range(len(self.view.bands)))
        bh = g["bottom_h"]
        by = g["h"] - g["pad"] - bh
        gap = g["pad"] // 2
        font = self.app.fonts.bold  # buttons are themed bold

        def width(label: str) -> int:
            return font.size(label)[0] + int(u * 2)

        # Left to right: menu, history, reset, load; right to left: submit, penalty. Widths from the
        # labels, so nothing is cut and nothing overlaps at 960 px; a narrow window gets short labels.
        left = ["Menu (Esc)", "History (H)", "Reset to processed", "Load CSV\u2026"]
        right = ["Submit bids (Enter)", "Accept the penalty\u2026"]
        if sum(map(width, left + right)) + gap * 6 + 2 * g["pad"] > g["w"]:
            left = ["Menu", "History (H)", "Reset", "Load CSV\u2026"]
            right = ["Submit (Enter)", "Accept penalty\u2026"]
        x = g["pad"]
        made = []
        for label in left:
            made.append(pygame_gui.elements.UIButton(pygame.Rect(x, by, width(label), bh), label, manager=m, container=root))
            x += width(label) + gap
        self.menu_button, self.history_button, self.reset_button, self.upload_button = made
        self.reset_button.set_tooltip("Set every bid back to the lots you hold now (maintain demand)")
        self.upload_button.set_tooltip("Load this round's bids from a CSV file: band,lots[,price_usd] per line")
        sw = width(right[0])
        self.submit_button = pygame_gui.elements.UIButton(
            pygame.Rect(g["w"] - g["pad"] - sw, by, sw, bh), right[0], manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#submit", class_id="@primary"),
        )
        pw = max(width(right[1]), width("Withdraw penalty"))
        self.penalty_button = pygame_gui.elements.UIButton(
            pygame.Rect(g["w"] - g["pad"] - sw - gap - pw, by, pw, bh), "", manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#accept_penalty", class_id="@danger"),
        )
        self.penalty_label = right[1]
        self._sync_widgets()

    def build_row(self, i: int) -> None:
        """The stepper buttons and entries of band row ``i``."""
        assert self.root is not None
        root = self.root
        m = self.app.manager
        g = self._geometry()
        cols = self._column_rects()
        u = g["u"]
        eh = int(u * 1.7)
        b = self.view.bands[i]
        y = g["rows_y"] + i * g["row_h"] + (g["row_h"] - eh) // 2

        bx, bw = cols["bid"]
        sw = eh
        ew = max(40, bw - 2 * sw - 8)
        minus = pygame_gui.elements.UIButton(
            pygame.Rect(bx + 2, y, sw, eh), "\u2212", manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id=f"#minus_{b.id}", class_id="@stepper"),
            tool_tip_text=f"One lot fewer in {b.id} MHz",
        )
        entry = pygame_gui.elements.UITextEntryLine(
            pygame.Rect(bx + 4 + sw, y, ew, eh), manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id=f"#lots_{b.id}"),
        )
        entry.set_text(self.lot_text[b.id])
        plus = pygame_gui.elements.UIButton(
            pygame.Rect(bx + 6 + sw + ew, y, sw, eh), "+", manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id=f"#plus_{b.id}", class_id="@stepper"),
            tool_tip_text=f"One lot more in {b.id} MHz",
        )
        px, pw = cols["price"]
        price = pygame_gui.elements.UITextEntryLine(
            pygame.Rect(px + 4, y, pw - 8, eh), manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id=f"#price_{b.id}"),
            placeholder_text="clock",
        )
        price.set_text(self.price_text[b.id])
        self.lot_entries[b.id] = entry
        self.price_entries[b.id] = price
        self.steppers[minus] = (b.id, -1)
        self.steppers[plus] = (b.id, +1)

    def build_pending_rows(self, budget_s: float = 0.008) -> None:
        started = time.perf_counter()
        while self.rows_pending:
            self.build_row(self.rows_pending.pop(0))
            if time.perf_counter() - started > budget_s:
                break

    def _sync_widgets(self) -> None:
        if self.submit_button is not None:
            if self.can_submit:
                self.submit_button.enable()  # type: ignore[no-untyped-call]
            else:
                self.submit_button.disable()  # type: ignore[no-untyped-call]
        if self.penalty_button is not None:
            # Shown only while the bid misses the obligation; pause/resume (Esc, Esc) re-syncs it.
            if self.obligation_missed:
                self.penalty_button.set_text("Withdraw penalty" if self.accept_penalty else self.penalty_label)
                self.penalty_button.show()  # type: ignore[no-untyped-call]
            else:
                self.penalty_button.hide()  # type: ignore[no-untyped-call]

    def resume(self) -> None:
        # Showing the root shows every child, the hidden penalty button too: hide what must stay hidden.
        super().resume()
        self._sync_widgets()

    def _read_entries(self) -> None:
        for band_id, entry in self.lot_entries.items():
            self.lot_text[band_id] = entry.get_text()
        for band_id, entry in self.price_entries.items():
            self.price_text[band_id] = entry.get_text()

    def _write_entries(self) -> None:
        for band_id, entry in self.lot_entries.items():
            entry.set_text(self.lot_text[band_id])
        for band_id, entry in self.price_entries.items():
            entry.set_text(self.price_text[band_id])

    def focus_order(self) -> list[pygame_gui.elements.UITextEntryLine]:
        """Tab order: each band's lots, then each band's price point."""
        lots = [self.lot_entries[b] for b in self.band_ids if b in self.lot_entries]
        return lots + [self.price_entries[b] for b in self.band_ids if b in self.price_entries]

    def focus(self, entry: pygame_gui.elements.UITextEntryLine) -> None:
        self.app.manager.set_focus_set(entry)

    # ---------------------------------------------------------- events

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_TEXT_ENTRY_CHANGED:
            self._read_entries()
            self.recheck()
            return True
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            el = event.ui_element
            if el in self.steppers:
                band_id, delta = self.steppers[el]
                self._read_entries()
                self.step_lots(band_id, delta)
            elif el is self.submit_button:
                self.submit()
            elif el is self.reset_button:
                self.reset()
            elif el is self.penalty_button:
                self.ask_penalty()
            elif el is self.upload_button:
                self.app.prompt(
                    "Load bids from a CSV file",
                    "One line per band: band,lots[,price_usd] (a header line 'band,lots,price_usd' is allowed). "
                    "Bands the file leaves out maintain your demand. The loaded bids are checked like typed ones "
                    "and are not submitted until you press Submit.",
                    str(default_save_path().parent / f"{self.bidder}-round{self.view.round}.csv"),
                    "Load (Enter)", self.load_csv,
                )
            elif el is self.history_button:
                self.open_history()
            elif el is self.menu_button:
                self.app.open_menu()
            return True
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_TAB:
                order = self.focus_order()
                if not order:
                    return True
                focused = [i for i, e in enumerate(order) if e.is_focused]
                i = focused[0] if focused else -1
                step = -1 if event.mod & pygame.KMOD_SHIFT else 1
                self.focus(order[(i + step) % len(order)])
                return True
            if self.enter_or_menu(event, self.submit):
                return True
            typing = any(e.is_focused for e in self.focus_order())
            if event.key in (pygame.K_UP, pygame.K_DOWN) and typing:
                for band_id, e in self.lot_entries.items():
                    if e.is_focused:
                        self._read_entries()
                        self.step_lots(band_id, 1 if event.key == pygame.K_UP else -1)
                return True
        return False

    def intercept(self, event: pygame.event.Event) -> bool:
        """Before the widgets see it: H opens the history even while a bid field has focus.

        No bid field accepts the letter h (lots are digits; prices take k, m, bn), so the key
        is never text here; its TEXTINPUT twin is swallowed too.
        """
        if event.type == pygame.KEYDOWN and event.key == pygame.K_h and not event.mod & (pygame.KMOD_CTRL | pygame.KMOD_ALT):
            self.app.manager.set_focus_set(None)
            self.open_history()
            return True
        return event.type == pygame.TEXTINPUT and event.text in ("h", "H")

    def update(self, dt: float) -> None:
        if self.rows_pending:
            self.build_pending_rows()
        self._run_timer(dt)

    def update_covered(self, dt: float) -> None:
        # Opening the menu or the history must not stop the round clock (in hotseat it would be a free pause).
        self._run_timer(dt)

    def _run_timer(self, dt: float) -> None:
        if self.time_left is None or self not in self.app.scenes:
            return
        self.time_left -= dt
        if self.time_left <= 0:
            self.time_left = 0
            while self.app.top is not self and self.app.top is not None:
                self.app.pop()  # close the menu, a dialog or the history opened over this screen
            # Time is up. What that does is the match's rule (never an exclusion): maintained demand,
            # or in round 1 the obligation minimum, or the round stays open for this seat.
            message = self.match.time_out(self.bidder)
            if self.bidder in self.match.humans_to_bid():
                self.time_left = None  # the round waits for this seat: no clock any more
                self.notice = message
                self.timeout_rule = ""
                return
            self.app.notices[self.bidder] = message  # shown on this seat's own next screen only
            self.app.continue_game()

    WARN_S = 30
    """Seconds before expiry from which the screen warns in colour what expiry will do."""

    @property
    def bidder_name(self) -> str:
        return self.match.scenario.bidder(self.bidder).name

    # ---------------------------------------------------------- drawing

    def draw(self, surface: pygame.Surface) -> None:
        """Blit the screen from a cache, redrawn only when what it shows changes (frame time)."""
        secs = None if self.time_left is None else int(self.time_left + 0.999)
        key = (
            self.app.size, id(self.app.fonts), tuple(self.lot_text.values()), tuple(self.price_text.values()),
            self.accept_penalty, self.notice, secs, tuple(r.message for r in self.refusals), tuple(self.input_errors),
            tuple(self.upload_errors), self.timeout_rule,
        )
        if self._cache is None or key != self._cache_key or self._cache.get_size() != surface.get_size():
            self._cache = pygame.Surface(surface.get_size())
            self._cache.fill(self.app.colours["bg"])
            self._draw_all(self._cache)
            self._cache_key = key
        surface.blit(self._cache, (0, 0))

    def _draw_all(self, surface: pygame.Surface) -> None:
        g = self._geometry()
        c = self.app.colours
        f = self.app.fonts
        u = g["u"]
        pad = g["pad"]
        v = self.view
        scenario = self.match.scenario
        colour = operator_colour(self.app, self.bidder)

        # Header: who, which round, the timer.
        pygame.draw.rect(surface, colour, pygame.Rect(pad, pad, max(4, u // 3), int(u * 1.9)))
        draw_text(surface, f.title, f"Round {v.round}  \u00b7  {self.bidder_name}", c["text"], (pad + u, pad - 2))
        draw_text(
            surface, f.small,
            f"{scenario.name}  \u00b7  information: {v.information_policy}  \u00b7  clock +"
            f"{scenario.rules.increment_bp / 100:g}% a round where demand exceeds supply",
            c["muted"], (pad + u, pad + int(u * 2.0)),
        )
        if self.time_left is not None:
            secs = int(self.time_left + 0.999)
            warn = secs <= self.WARN_S
            tcol = c["bad"] if secs <= 10 else (c["warn"] if warn else c["text"])
            clock = draw_text(surface, f.title, f"{secs // 60}:{secs % 60:02d}", tcol, (g["w"] - pad, pad - 2), "topright")
            # The rule is always on screen beside the clock; in the last seconds it turns into a warning.
            rule = (f"{secs} s left! " if warn else "") + self.timeout_rule
            rule_x = max(pad + u + f.title.size(f"Round {v.round}  \u00b7  {self.bidder_name}")[0] + u, g["w"] // 2)
            lines = wrap_text(f.small, rule, clock.x - u - rule_x)[:2]
            for i, line in enumerate(lines):
                draw_text(surface, f.small, line, c["warn"] if warn else c["muted"],
                          (clock.x - u, pad + i * f.small.get_linesize()), "topright")

        self._draw_table(surface, g)
        self._draw_side(surface, g)
        self._draw_checks(surface, g)

    def _draw_table(self, surface: pygame.Surface, g: dict[str, int]) -> None:
        c = self.app.colours
        f = self.app.fonts
        u = g["u"]
        cols = self._column_rects()
        top, head_h, row_h = g["top"], g["head_h"], g["row_h"]
        table = pygame.Rect(g["table_x"], top, g["table_w"], head_h + row_h * len(self.view.bands))
        pygame.draw.rect(surface, c["panel"], table)
        record_panel(table)
        pygame.draw.rect(surface, c["line"], table, 1)
        inset = max(4, u // 3)
        for key, header, _, align in COLUMNS:
            x, cw = cols[key]
            anchor_x = x + inset if align == "left" else (x + cw - inset if align == "right" else x + cw // 2)
            anchor = {"left": "topleft", "right": "topright", "center": "midtop"}[align]
            for j, part in enumerate(header.split("\n")):
                text = fit_text(f.small, part, cw - 2 * inset)
                draw_text(surface, f.small, text, c["muted"], (anchor_x, top + int(u * 0.3) + j * f.small.get_linesize()), anchor)
        pygame.draw.line(surface, c["line"], (table.x, top + head_h - 1), (table.right - 1, top + head_h - 1))
        bundle = self.bundle()
        scenario = self.match.scenario
        for i, b in enumerate(self.view.bands):
            band = scenario.band(b.id)
            y = g["rows_y"] + i * row_h
            if i % 2:
                pygame.draw.rect(surface, c["panel_alt"], pygame.Rect(table.x + 1, y, table.w - 2, row_h))
            mid = y + row_h // 2
            changed = bundle[b.id] != b.processed

            def cell(
                key: str, text: str, colour: pygame.Color, font: pygame.font.Font | None = None,
                sub: str = "", sub_colour: pygame.Color | None = None, y: int = y, mid: int = mid,
            ) -> None:
                """A cell's text, cut to its column; ``sub`` is a small second line under it."""
                x, cw = cols[key]
                align = next(a for k, _, _, a in COLUMNS if k == key)
                fnt = font or f.mono
                ax = x + inset if align == "left" else x + cw - inset
                anchor = "midleft" if align == "left" else "midright"
                if not sub:
                    draw_text(surface, fnt, fit_text(fnt, text, cw - 2 * inset), colour, (ax, mid), anchor)
                    return
                h1, h2 = fnt.get_linesize(), f.small.get_linesize()
                y0 = y + (row_h - h1 - h2) // 2
                draw_text(surface, fnt, fit_text(fnt, text, cw - 2 * inset), colour, (ax, y0 + h1 // 2), anchor)
                draw_text(surface, f.small, fit_text(f.small, sub, cw - 2 * inset), sub_colour or c["muted"],
                          (ax, y0 + h1 + h2 // 2), anchor)

            cell("band", f"{b.id}", c["text"], f.bold, sub=f"{b.eligibility_points:,} pts")
            cell("supply", f"{b.supply} lots", c["text"], sub=lot_label(b.lot_tenths, band.duplex).replace(" MHz", ""))
            cell("start", fmt_usd(b.start_price), c["text"])
            rose = b.clock_price > b.start_price
            cell("clock", fmt_usd(b.clock_price), c["warn"] if rose else c["text"],
                 sub=f"{fmt_usd(per_mhz(b.clock_price, b.lot_tenths, band.duplex))}"
                 + ("/2x1MHz" if band.duplex == "FDD" else "/MHz"))
            if b.excess_demand is None:
                cell("demand", "\u2014", c["muted"])
            elif b.aggregate_demand is not None:
                cell("demand", f"{b.aggregate_demand}/{b.supply}", c["bad"] if b.excess_demand else c["ok"])
            else:
                cell("demand", "excess" if b.excess_demand else "fits", c["bad"] if b.excess_demand else c["ok"],
                     sub="" if b.excess_demand else "supply")
            need = self.view.obligation.get(b.id)
            if need:
                short = bundle[b.id] < need
                cell("processed", str(b.processed), c["text"], sub=f"min {need}", sub_colour=c["warn"] if short else c["muted"])
            else:
                cell("processed", str(b.processed), c["text"])
            if changed:
                bx, _ = cols["bid"]
                pygame.draw.rect(surface, c["accent"], pygame.Rect(bx - 3, y + 4, 3, row_h - 8))

    def _bar(self, surface: pygame.Surface, rect: pygame.Rect, used: float, total: float, colour: pygame.Color) -> None:
        c = self.app.colours
        pygame.draw.rect(surface, c["panel_alt"], rect)
        if total > 0:
            frac = max(0.0, min(1.0, used / total))
            pygame.draw.rect(surface, colour, pygame.Rect(rect.x, rect.y, int(rect.w * frac), rect.h))
        pygame.draw.rect(surface, c["line"], rect, 1)

    def _draw_side(self, surface: pygame.Surface, g: dict[str, int]) -> None:
        c = self.app.colours
        f = self.app.fonts
        u = g["u"]
        x, w = g["side_x"], g["side_w"]
        y = g["top"]
        panel = pygame.Rect(x, y, w, g["h"] - g["pad"] * 2 - g["bottom_h"] - y)
        pygame.draw.rect(surface, c["panel"], panel)
        record_panel(panel)
        pygame.draw.rect(surface, c["line"], panel, 1)
        ix, iw = x + u, w - 2 * u
        y += int(u * 0.6)
        bundle = self.bundle()
        order = [bundle[b] for b in self.band_ids]
        limits = self.match.auction.limits(self.bidder)

        def section(title: str) -> None:
            nonlocal y
            draw_text(surface, f.bold, title, c["text"], (ix, y))
            y += int(u * 1.4)

        def bar_row(label: str, used: int, total: int, text: str, over: bool) -> None:
            nonlocal y
            draw_text(surface, f.small, label, c["muted"], (ix, y))
            draw_text(surface, f.small, text, c["bad"] if over else c["text"], (ix + iw, y), "topright")
            y += f.small.get_linesize() + 2
            self._bar(surface, pygame.Rect(ix, y, iw, max(6, u // 2)), used, total, c["bad"] if over else c["accent"])
            y += max(6, u // 2) + int(u * 0.55)

        section("Eligibility")
        points = limits.bundle_points(order)
        if self.view.eligibility is None:
            bar_row("points bid (no limit in round 1)", 0, 1, f"{points:,} points", False)
        else:
            el = self.view.eligibility
            bar_row("points bid / available", points, el, f"{points:,} / {el:,}", points > el)
        nxt = self.next_eligibility()
        cut = self.view.eligibility is None or nxt < self.view.eligibility
        draw_text(surface, f.small, "next round, if processed as bid", c["muted"], (ix, y))
        draw_text(surface, f.small, f"{nxt:,}", c["warn"] if cut and self.view.eligibility is not None else c["text"],
                  (ix + iw, y), "topright")
        y += f.small.get_linesize() + 2
        if self.view.eligibility is not None and nxt < self.view.eligibility:
            warning = (f"This bid cuts your eligibility for good: from {self.view.eligibility:,} to {nxt:,} points. "
                       "A reduction can never be bid back up.")
            for line in wrap_text(f.small, warning, iw)[:3]:
                draw_text(surface, f.small, line, c["warn"], (ix, y))
                y += f.small.get_linesize()
        elif self.view.eligibility is None:
            for line in wrap_text(f.small, "Round 1 sets it: later rounds can never bid more points than this.", iw)[:2]:
                draw_text(surface, f.small, line, c["muted"], (ix, y))
                y += f.small.get_linesize()
        y += int(u * 0.4)

        section("Caps: MHz held + bid / cap")
        usage = limits.usage(order)
        bar_row("overall", usage.overall, usage.overall_cap,
                f"{fmt_mhz(usage.overall)} of {fmt_mhz(usage.overall_cap)}", usage.overall > usage.overall_cap)
        bar_row("low band", usage.low_band, usage.low_band_cap,
                f"{fmt_mhz(usage.low_band)} of {fmt_mhz(usage.low_band_cap)}", usage.low_band > usage.low_band_cap)
        for band_id, cap in usage.per_band_cap.items():
            held = usage.per_band[band_id]
            bar_row(f"{band_id} MHz", held, cap, f"{fmt_mhz(held)} of {fmt_mhz(cap)}", held > cap)

        section("Money")
        exposure = sum(bundle[b.id] * b.clock_price for b in self.view.bands)
        value = self.match.value_of(self.bidder, bundle)
        rows: list[tuple[str, str, pygame.Color]] = [("Exposure at clock prices", fmt_usd(exposure), c["text"])]
        rows.append(("Deposit paid (lost only by the penalty)", fmt_usd(self.match.scenario.rules.deposit_usd), c["muted"]))
        if value is not None:
            rows.append(("Your private value of this bundle", fmt_usd(value), c["text"]))
            surplus = value - exposure
            rows.append(("Value minus exposure", fmt_usd(surplus), c["ok"] if surplus >= 0 else c["bad"]))
            valuation = self.match.values.get(self.bidder)
            if valuation is not None:
                over = exposure > valuation.budget_usd
                # The budget is the seat's own limit, not an auction rule: say so when exposure passes it,
                # since no check under the table will.
                label = "Budget (yours, exceeded)" if over else "Budget (yours, not a rule)"
                rows.append((label, fmt_usd(valuation.budget_usd), c["bad"] if over else c["muted"]))
        for label, text, colour in rows:
            if y + f.mono_bold.get_linesize() > panel.bottom - 2:
                break  # a short window: the panel keeps its border rather than spill over the buttons
            value_w = f.mono_bold.size(text)[0]
            draw_text(surface, f.small, fit_text(f.small, label, iw - value_w - u // 2), c["muted"], (ix, y))
            draw_text(surface, f.mono_bold, text, colour, (ix + iw, y + f.small.get_linesize() // 2), "midright")
            y += int(u * 1.35)

    def _draw_checks(self, surface: pygame.Surface, g: dict[str, int]) -> None:
        c = self.app.colours
        f = self.app.fonts
        u = g["u"]
        y = g["rows_y"] + g["row_h"] * len(self.view.bands) + int(u * 0.7)
        box = pygame.Rect(g["table_x"], y, g["table_w"], g["h"] - 2 * g["pad"] - g["bottom_h"] - y)
        if box.h < u * 2:
            return
        pygame.draw.rect(surface, c["panel"], box)
        record_panel(box)
        pygame.draw.rect(surface, c["line"], box, 1)
        x, w = box.x + u, box.w - 2 * u
        ty = box.y + int(u * 0.4)
        messages = [(m, c["bad"]) for m in self.upload_errors + self.input_errors] + [(r.message, c["bad"]) for r in self.refusals]
        if self.accept_penalty and self.obligation_missed:
            deposit = fmt_usd(self.match.scenario.rules.deposit_usd)
            messages.insert(0, (
                f"Penalty accepted: this round-1 bid counts as zero, the {deposit} deposit is forfeited and "
                f"{self.bidder_name} is excluded from the auction.", c["warn"],
            ))
        if not messages:
            n_changes = sum(1 for b in self.view.bands if self.bundle()[b.id] != b.processed)
            what = f"{n_changes} change(s) from your processed demand" if n_changes else "maintains your demand"
            for line in wrap_text(f.bold, f"\u2713 The auction would accept these bids ({what}).", w):
                draw_text(surface, f.bold, line, c["ok"], (x, ty))
                ty += f.bold.get_linesize()
            ty += int(u * 0.3)
        else:
            title = "Checks: the auction would refuse these bids" if self.refusals or self.input_errors else "Checks"
            draw_text(surface, f.bold, title, c["bad"] if self.refusals or self.input_errors else c["warn"], (x, ty))
            ty += int(u * 1.4)
            for text, colour in messages:
                for line in wrap_text(f.small, "\u2022 " + text, w):
                    if ty + f.small.get_linesize() > box.bottom - 2:
                        break
                    draw_text(surface, f.small, line, colour, (x, ty))
                    ty += f.small.get_linesize()
        # Last round's changes and the price point each was processed at (reductions set posted prices).
        for line in self.last_round_lines():
            for part in wrap_text(f.small, line, w):
                if ty + f.small.get_linesize() > box.bottom - 2:
                    break
                draw_text(surface, f.small, part, c["muted"], (x, ty))
                ty += f.small.get_linesize()
        if self.notice and ty + f.small.get_linesize() <= box.bottom - 2:
            draw_text(surface, f.small, self.notice, c["warn"], (x, ty + 2))
