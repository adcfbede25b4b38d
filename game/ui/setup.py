"""The setup screen: scenario, who plays each seat, new entrant, seed, round timer, information policy, market.

Defaults: you play Jazz against scripted Zong and Ufone (the scenario's
default bidders, the first one human). Produces a
:class:`~game.sessions.match.MatchSetup`; the rules themselves stay in the engine.
Drawing never changes game state.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pygame
import pygame_gui

from game.formats.save import SAVE_FORMAT
from game.scenario import INFORMATION_POLICIES, Scenario, ScenarioError, load_scenario, shipped_scenarios
from game.scenario.units import fmt_mhz, fmt_usd
from game.scenario.value_params import default_market, market_names
from game.sessions.match import (
    DEFAULT_STRATEGY,
    HUMAN,
    Match,
    MatchSetup,
    SaveError,
    Seat,
    default_save_path,
    save_in_progress,
    strategy_names,
)
from game.ui.scene import Scene, draw_text, record_panel, wrap_text
from game.ui.stack import SceneStack

OFF = "Not taking part"
HUMAN_LABEL = "Human (you)"
PROGRAM_LABEL = "Program (command)"
"""A seat played by an external program that speaks the bidder protocol (docs/PROTOCOL.md), run sandboxed."""
EXEC_PREFIX = "exec:"
TIMERS: tuple[tuple[str, int | None], ...] = (("Off", None), ("1 min", 60), ("2 min", 120), ("3 min", 180), ("5 min", 300))

HOW_IT_WORKS = (
    "How the clock auction works: each round every band has a clock price per lot. You say how many lots you "
    "want in each band at that price. Where the bidders together want more lots than there are, the clock rises "
    "for the next round; where demand fits supply, the price stops. You may only bid for as many eligibility "
    "points as your activity earned, and never above the spectrum caps. When no band has excess demand, the "
    "auction ends and everyone pays the final price for the lots they hold."
)


def default_controllers(scenario: Scenario) -> dict[str, str]:
    """Human in the first default seat, the default strategy in the other default seats, others off."""
    out: dict[str, str] = {}
    first = True
    for b in scenario.bidders:
        if not b.participates_by_default:
            out[b.id] = OFF
        elif first:
            out[b.id] = HUMAN
            first = False
        else:
            out[b.id] = DEFAULT_STRATEGY
    return out


def _looks_like_save(path: Path) -> bool:
    """Whether ``path`` starts as one of our save files (the folder may hold other JSON): a peek, not a check."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return SAVE_FORMAT.encode() in head


class SetupScene(Scene):
    """Choose the game; Start (Enter) begins it, Resume continues the autosave."""

    title = "Setup"

    def __init__(self, app: SceneStack, scenario_name: str = "pakistan-2026") -> None:
        super().__init__(app)
        self.scenario_names = shipped_scenarios()
        self.scenario_name = scenario_name if scenario_name in self.scenario_names else self.scenario_names[0]
        self.scenario = load_scenario(self.scenario_name)
        self.controllers = default_controllers(self.scenario)
        self.seed_text = "1"
        self.timer_label = TIMERS[0][0]
        self.policy_label = self._policy_default_label()
        self.market_label = default_market(self.scenario)
        self.error = ""
        self.strategies = strategy_names()
        self.seat_menus: dict[pygame_gui.core.UIElement, str] = {}
        self.command_entries: dict[pygame_gui.core.UIElement, str] = {}
        self.commands: dict[str, str] = {}
        """Per seat played by a program, its command as typed."""
        self.scenario_menu: pygame_gui.elements.UIDropDownMenu | None = None
        self.timer_menu: pygame_gui.elements.UIDropDownMenu | None = None
        self.policy_menu: pygame_gui.elements.UIDropDownMenu | None = None
        self.market_menu: pygame_gui.elements.UIDropDownMenu | None = None
        self.seed_entry: pygame_gui.elements.UITextEntryLine | None = None
        self.start_button: pygame_gui.elements.UIButton | None = None
        self.resume_button: pygame_gui.elements.UIButton | None = None
        self.resume_menu: pygame_gui.elements.UIDropDownMenu | None = None
        self.resume_choice = ""
        self.quit_button: pygame_gui.elements.UIButton | None = None
        self.rows_y: dict[str, int] = {}

    def _policy_default_label(self) -> str:
        return f"Scenario default ({self.scenario.rules.information_policy})"

    # ---------------------------------------------------------- the choice

    def build_setup(self) -> MatchSetup:
        """The :class:`MatchSetup` chosen on screen; ValueError names a bad field."""
        for b, c in self.controllers.items():
            if c == PROGRAM_LABEL and not self.commands.get(b, "").strip():
                raise ValueError(f"{b}: type the program's command, e.g. node examples/bots/truthful.js")
        seats = tuple(
            Seat(b, EXEC_PREFIX + self.commands[b].strip() if c == PROGRAM_LABEL else c)
            for b, c in self.controllers.items() if c != OFF
        )
        if not seats:
            raise ValueError("at least one seat must take part")
        seed_text = self.seed_text.strip()
        if not seed_text.isdigit():
            raise ValueError(f"seed must be a whole number, got {self.seed_text!r}")
        timer = dict(TIMERS).get(self.timer_label)
        policy = self.policy_label if self.policy_label in INFORMATION_POLICIES else None
        market = None if self.market_label == default_market(self.scenario) else self.market_label
        return MatchSetup(self.scenario_name, seats, int(seed_text), timer, policy, market)

    def start(self) -> None:
        """Start the chosen game; if its save file holds a game in progress, ask first (the old one is kept aside)."""
        if self.seed_entry is not None:
            self.seed_text = self.seed_entry.get_text()
        try:
            setup = self.build_setup()
            match = Match(setup, self.scenario)
        except (ValueError, KeyError) as exc:
            self.error = str(exc)
            return
        target = self.app.save_path or default_save_path()
        if target.exists() and save_in_progress(target):
            kept = target.with_name(target.stem + "-previous" + target.suffix)

            def replace() -> None:
                try:
                    shutil.copy2(target, kept)
                except OSError as exc:
                    self.error = f"could not keep the old game as {kept}: {exc.strerror or exc}"
                    return
                self.app.start_match(match, target)

            self.app.confirm(
                "Replace the game in progress?",
                f"{target} holds a game that has not finished. A new game saves into the same file.\n"
                f"If you go on, the old game is kept as {kept.name} (replacing any older copy there).\n"
                "To play it instead, cancel and press Resume.",
                "Start new game (Y)", replace, cancel_label="Keep playing it (Esc)",
            )
            return
        self.app.start_match(match, target)

    def saves(self) -> list[Path]:
        """Save files to resume: the autosave first, then the other saves in its folder, newest first."""
        auto = self.app.save_path or default_save_path()
        folder = auto.parent
        others = sorted(
            (p for p in folder.glob("*.json") if p != auto and _looks_like_save(p)) if folder.is_dir() else [],
            key=lambda p: -p.stat().st_mtime,
        )
        return ([auto] if auto.exists() else []) + others

    def resume_saved(self) -> None:
        """Continue the save chosen beside the Resume button (not ``resume``: that is the scene's un-pause hook)."""
        saves = self.saves()
        path = next((p for p in saves if p.name == self.resume_choice), saves[0] if saves else None)
        if path is None:
            self.error = "no saved game to resume"
            return
        try:
            match = Match.load(path)
        except SaveError as exc:
            self.error = str(exc)
            return
        self.app.notice = (f"Resumed from {path}. The game keeps saving into this file after every bid and round; "
                           "Esc > Save as\u2026 continues in another file instead.")
        self.app.start_match(match, path)

    def set_scenario(self, name: str) -> None:
        try:
            scenario = load_scenario(name)
        except ScenarioError as exc:
            self.error = str(exc)
            return
        self.scenario_name, self.scenario = name, scenario
        self.controllers = default_controllers(scenario)
        self.policy_label = self._policy_default_label()
        self.market_label = default_market(scenario)
        self.relayout()

    # ---------------------------------------------------------- layout

    def enter(self) -> None:
        root = self.make_root()
        m = self.app.manager
        w, h = self.app.size
        u = self.app.fonts.unit
        pad = max(12, u)
        left_w = int((w - 3 * pad) * 0.6)
        eh = int(u * 1.9)
        label_w = int(u * 11)
        x = pad + label_w
        y = pad + int(u * 4.2)
        cw = min(int(u * 22), left_w - label_w)
        self.scenario_menu = pygame_gui.elements.UIDropDownMenu(
            list[str | tuple[str, str]](self.scenario_names), self.scenario_name, pygame.Rect(x, y, cw, eh), manager=m, container=root
        )
        y += int(u * 3.2)
        options: list[str | tuple[str, str]] = [HUMAN_LABEL, *self.strategies, PROGRAM_LABEL]
        self.seat_menus.clear()
        self.command_entries.clear()
        self.rows_y.clear()
        for b in self.scenario.bidders:
            choice = self.controllers[b.id]
            shown = HUMAN_LABEL if choice == HUMAN else choice
            opts: list[str | tuple[str, str]] = options if b.participates_by_default else [OFF, *options]
            if choice == OFF:
                opts = [OFF, *options]
            menu = pygame_gui.elements.UIDropDownMenu(
                opts, shown, pygame.Rect(x, y, int(u * 12), eh),
                manager=m, container=root,
            )
            self.seat_menus[menu] = b.id
            if choice == PROGRAM_LABEL:  # the command, typed beside the seat's menu
                entry = pygame_gui.elements.UITextEntryLine(
                    pygame.Rect(x + int(u * 12.5), y, max(int(u * 8), left_w - label_w - int(u * 12.5)), eh),
                    manager=m, container=root, placeholder_text="e.g. node examples/bots/truthful.js",
                )
                entry.set_text(self.commands.get(b.id, ""))
                self.command_entries[entry] = b.id
            self.rows_y[b.id] = y
            y += int(u * 2.4)
        y += int(u * 0.8)
        self.rows_y["_seed"] = y
        self.seed_entry = pygame_gui.elements.UITextEntryLine(
            pygame.Rect(x, y, int(u * 8), eh), manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#seed"),
        )
        self.seed_entry.set_text(self.seed_text)
        y += int(u * 2.4)
        self.rows_y["_timer"] = y
        self.timer_menu = pygame_gui.elements.UIDropDownMenu(
            list[str | tuple[str, str]]([t for t, _ in TIMERS]), self.timer_label, pygame.Rect(x, y, int(u * 8), eh),
            manager=m, container=root,
        )
        y += int(u * 2.4)
        self.rows_y["_policy"] = y
        self.policy_menu = pygame_gui.elements.UIDropDownMenu(
            [self._policy_default_label(), *INFORMATION_POLICIES], self.policy_label,
            pygame.Rect(x, y, int(u * 16), eh), manager=m, container=root,
        )
        y += int(u * 2.4)
        self.rows_y["_market"] = y
        self.market_menu = pygame_gui.elements.UIDropDownMenu(
            list[str | tuple[str, str]](market_names(self.scenario)), self.market_label,
            pygame.Rect(x, y, int(u * 16), eh), manager=m, container=root,
        )
        bh = int(u * 2.6)
        by = h - pad - bh
        sw = int(u * 12)
        self.start_button = pygame_gui.elements.UIButton(
            pygame.Rect(w - pad - sw, by, sw, bh), "Start auction (Enter)", manager=m, container=root,
            object_id=pygame_gui.core.ObjectID(object_id="#start", class_id="@primary"),
        )
        saves = self.saves()
        self.resume_button = pygame_gui.elements.UIButton(
            pygame.Rect(w - 2 * pad - 2 * sw, by, sw, bh), "Resume", manager=m, container=root,
            tool_tip_text="Continue the saved game chosen beside",
        )
        names = [p.name for p in saves] or ["no saved game"]
        if self.resume_choice not in names:
            self.resume_choice = names[0]
        mw = int(u * 14)
        self.resume_menu = pygame_gui.elements.UIDropDownMenu(
            list[str | tuple[str, str]](names), self.resume_choice,
            pygame.Rect(w - 3 * pad - 2 * sw - mw, by + (bh - eh) // 2, mw, eh), manager=m, container=root,
            expand_on_option_click=True,
        )
        if not saves:
            self.resume_button.disable()  # type: ignore[no-untyped-call]
            self.resume_menu.disable()  # type: ignore[no-untyped-call]
        self.quit_button = pygame_gui.elements.UIButton(
            pygame.Rect(pad, by, int(u * 7), bh), "Quit", manager=m, container=root
        )

    # ---------------------------------------------------------- events

    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED:
            el, text = event.ui_element, event.text
            if el is self.scenario_menu and text != self.scenario_name:
                self.set_scenario(text)
            elif el in self.seat_menus:
                bidder = self.seat_menus[el]
                was = self.controllers[bidder]
                self.controllers[bidder] = HUMAN if text == HUMAN_LABEL else text
                if PROGRAM_LABEL in (text, was):
                    self.relayout()  # show (or drop) the command entry
            elif el is self.timer_menu:
                self.timer_label = text
            elif el is self.policy_menu:
                self.policy_label = text
            elif el is self.market_menu:
                self.market_label = text
            elif el is self.resume_menu:
                self.resume_choice = text
            self.error = ""
            return True
        if event.type == pygame_gui.UI_TEXT_ENTRY_CHANGED and event.ui_element is self.seed_entry:
            self.seed_text = event.text
            # Checked as typed: a bad seed says so at once, and the message goes once it is fixed.
            seed_ok = self.seed_text.strip().isdigit()
            if seed_ok and self.error.startswith("seed"):
                self.error = ""
            elif not seed_ok:
                self.error = f"seed must be a whole number, got {self.seed_text!r}"
            return True
        if event.type == pygame_gui.UI_TEXT_ENTRY_CHANGED and event.ui_element in self.command_entries:
            self.commands[self.command_entries[event.ui_element]] = event.text
            return True
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.start_button:
                self.start()
            elif event.ui_element is self.resume_button:
                self.resume_saved()
            elif event.ui_element is self.quit_button:
                self.app.quit()
            return True
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.start()
                return True
            if event.key == pygame.K_ESCAPE:
                self.app.quit()
                return True
        return False

    # ---------------------------------------------------------- drawing

    def draw(self, surface: pygame.Surface) -> None:
        c = self.app.colours
        f = self.app.fonts
        w, h = self.app.size
        u = f.unit
        pad = max(12, u)
        left_w = int((w - 3 * pad) * 0.6)
        s = self.scenario
        draw_text(surface, f.title, "Spectrum auction", c["text"], (pad, pad - 2))
        draw_text(surface, f.small, "A multi-band clock auction as the regulator runs it. Set up the game.",
                  c["muted"], (pad, pad + int(u * 2.0)))
        y0 = pad + int(u * 4.2)
        mid = int(u * 0.95)
        draw_text(surface, f.body, "Scenario", c["muted"], (pad, y0 + mid), "midleft")
        draw_text(surface, f.bold, "Seats", c["text"], (pad, y0 + int(u * 2.4)))
        label_x = int(u * 11)
        for b in s.bidders:
            y = self.rows_y.get(b.id)
            if y is None:
                continue
            try:
                col = pygame.Color(b.colour)
            except ValueError:
                col = c["muted"]
            pygame.draw.rect(surface, col, pygame.Rect(pad, y + 3, max(4, u // 3), int(u * 1.9) - 6))
            label, detail = b.name, ""
            if f.body.size(label)[0] > u * 9.8 and label.endswith(")") and " (" in label:
                # "Ufone + Telenor (PTML)" does not fit: the bracket moves to the muted line rather than
                # being cut to "Ufone + Telenor (PT…", so every seat stays identifiable.
                label, detail = label[:-1].split(" (", 1)
                detail += " \u00b7 "
            while f.body.size(label)[0] > u * 9.8 and len(label) > 4:
                label = label[:-2].rstrip() + "\u2026"
            draw_text(surface, f.body, label, c["text"], (pad + u, y + mid), "midleft")
            tag = "incumbent" if b.incumbent else "new entrant"
            tag_x = pad + label_x + int(u * 12.5)
            # Wrapped to the left column: a long description must not run under the scenario panel.
            lines = wrap_text(f.small, f"{detail}{tag} \u00b7 holds {fmt_mhz(b.total_holdings)}", pad + left_w - tag_x)[:2]
            ls = f.small.get_linesize()
            for i, line in enumerate(lines):
                draw_text(surface, f.small, line, c["muted"], (tag_x, y + mid + (2 * i - len(lines) + 1) * ls // 2), "midleft")
        for key, label in (("_seed", "Seed"), ("_timer", "Round timer"), ("_policy", "Information"), ("_market", "Market")):
            y = self.rows_y.get(key)
            if y is not None:
                draw_text(surface, f.body, label, c["muted"], (pad, y + mid), "midleft")
        y = self.rows_y.get("_market", y0) + int(u * 2.4)
        need = " and ".join(f"{n} lots of {b} MHz" for b, n in s.rules.obligation.min_lots.items())
        hints = [
            "Information: 'aggregate' shows each band's total demand after a round; 'excess-only' only whether it exceeded supply.",
            "Market: the rivals' values and budgets. 'calibrated' plays like the 2026 auction (near reserve, a few rounds); "
            "'cautious' is cooler, 'competitive' the hot market of before the calibration.",
            "Round timer: a timer never excludes anyone. When it runs out your demand is maintained"
            + (f"; in round 1 an incumbent gets the obligation minimum ({need}) entered instead" if need else "")
            + ". Several human seats play hot-seat on this computer.",
        ]
        for hint in hints:
            for line in wrap_text(f.small, hint, left_w):
                draw_text(surface, f.small, line, c["muted"], (pad, y))
                y += f.small.get_linesize()
        if self.error:
            y += u // 2
            for line in wrap_text(f.body, self.error, left_w):
                draw_text(surface, f.body, line, c["bad"], (pad, y))
                y += f.body.get_linesize()

        # Right: the scenario at a glance, and how the auction works.
        x = 2 * pad + left_w
        rw = w - x - pad
        box = pygame.Rect(x, y0, rw, h - y0 - 2 * pad - int(u * 2.6))
        pygame.draw.rect(surface, c["panel"], box)
        record_panel(box)
        pygame.draw.rect(surface, c["line"], box, 1)
        ix, iw = x + u, rw - 2 * u
        ty = box.y + int(u * 0.5)
        for line in wrap_text(f.bold, s.name, iw):
            draw_text(surface, f.bold, line, c["text"], (ix, ty))
            ty += f.bold.get_linesize()
        ty += int(u * 0.3)
        draw_text(surface, f.small, "band", c["muted"], (ix, ty))
        draw_text(surface, f.small, "lots", c["muted"], (ix + int(iw * 0.42), ty), "topright")
        draw_text(surface, f.small, "MHz", c["muted"], (ix + int(iw * 0.68), ty), "topright")
        draw_text(surface, f.small, "reserve/lot", c["muted"], (ix + iw, ty), "topright")
        ty += f.small.get_linesize() + 2
        for band in s.bands:
            draw_text(surface, f.mono, f"{band.id}", c["text"], (ix, ty))
            draw_text(surface, f.mono, f"{band.lots}", c["text"], (ix + int(iw * 0.42), ty), "topright")
            draw_text(surface, f.mono, fmt_mhz(band.offered_tenths).replace(" MHz", ""), c["text"],
                      (ix + int(iw * 0.68), ty), "topright")
            draw_text(surface, f.mono, fmt_usd(band.reserve_usd), c["text"], (ix + iw, ty), "topright")
            ty += f.mono.get_linesize()
        ty += int(u * 0.3)
        draw_text(surface, f.small, f"Reserve total {fmt_usd(s.reserve_total_usd)} \u00b7 offered {fmt_mhz(s.offered_tenths)}",
                  c["muted"], (ix, ty))
        ty += int(u * 1.6)
        for line in wrap_text(f.small, HOW_IT_WORKS, iw):
            if ty + f.small.get_linesize() > box.bottom - 4:
                break
            draw_text(surface, f.small, line, c["text"], (ix, ty))
            ty += f.small.get_linesize()
