"""Layout tests: at 960x600, 1280x720 and 1920x1080 no two texts of a screen overlap, no text is clipped.

Measured, not compared as pixels: every text the drawing helpers blit is recorded with its
rectangle (``game.ui.scene.text_boxes``), and the pygame_gui widgets give theirs. A screen
passes when its texts lie inside the window, no two texts intersect, no text lies under a
visible widget, and every button's label fits its button. Frames are also saved as PNG to
$UI_PNG_DIR (default /tmp/ui_layout) for a human to look at.
"""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pygame
import pytest

pytest.importorskip("pygame_gui")
import pygame_gui

from game.engine.rules import Bid
from game.sessions.match import Match, MatchSetup, Seat
from game.ui import scene as scene_module
from game.ui.app import App
from game.ui.bidding import BiddingScene
from game.ui.handover import HandoverScene, WaitScene
from game.ui.history import HistoryScene
from game.ui.positioning import PositioningScene
from game.ui.results import ResultsScene
from game.ui.round_result import RoundResultScene
from game.ui.scene import Scene
from game.ui.setup import SetupScene

SIZES = ((960, 600), (1280, 720), (1920, 1080))
PNG_DIR = Path(os.environ.get("UI_PNG_DIR", "/tmp/ui_layout"))
DT = 1 / 60


def play(match: Match, rounds: int, first: dict[str, int] | None = None) -> Match:
    """Close ``rounds`` rounds: the humans bid ``first`` in round 1, then maintain."""
    for _ in range(rounds):
        if match.finished:
            break
        for rival in match.rivals_to_bid():
            match.ask_rival(rival)
        for human in match.humans_to_bid():
            bids = {b: Bid(b, n) for b, n in (first or {"2600": 6, "3500": 8}).items()} if match.round == 1 else {}
            match.submit(human, bids)
        match.close_round()
    return match


@pytest.fixture(scope="module")
def matches() -> dict[str, Match]:
    rivals = (Seat("zong", "aggressive"), Seat("ufone", "truthful"))
    finished = play(Match(MatchSetup(seats=(Seat("jazz"), *rivals), seed=3)), 500, {"2600": 8, "3500": 12, "700": 1})
    assert finished.finished
    return {"finished": finished}


def new_match(**kw: Any) -> Match:
    return Match(MatchSetup(seats=(Seat("jazz"), Seat("zong", "aggressive"), Seat("ufone", "truthful")), **kw))


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def app(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("SPECTRUM_AUCTION_SAVE", str(tmp_path / "autosave.json"))
    pygame.display.init()
    pygame.display.set_mode(request.param)
    yield App(request.param)
    pygame.display.quit()


def settle(app: App, n: int = 12) -> None:
    for _ in range(n):
        app.step(DT, [])


def widgets(scene: Scene) -> list[Any]:
    """The visible pygame_gui elements of ``scene``."""
    if scene.root is None:
        return []
    return [el for el in scene.root.elements if el.visible]


def measure(app: App, name: str) -> list[str]:
    """Draw the top scene alone, record its texts, and list every overlap or clipping."""
    top = app.top
    assert top is not None
    for cached in ("_cache", "_cache_key"):
        if hasattr(top, cached):
            setattr(top, cached, None)
    app.draw()
    pygame.image.save(app.window, str(PNG_DIR / f"{name}_{app.size[0]}x{app.size[1]}.png"))
    scene_module.text_boxes = []
    scene_module.panel_boxes = []
    try:
        surface = pygame.Surface(app.size)
        if hasattr(top, "_cache"):
            top._cache = None
        top.draw(surface)
        boxes = list(scene_module.text_boxes)
        panels = list(scene_module.panel_boxes)
    finally:
        scene_module.text_boxes = None
        scene_module.panel_boxes = None
    window = pygame.Rect((0, 0), app.size)
    problems = []
    for rect, text in boxes:
        if not window.contains(rect):
            problems.append(f"{name}: {text!r} {rect} is clipped by the window {window.size}")
    for rect, text in boxes:
        # A text that starts inside a panel ends inside it (the innermost panel holding its top-left).
        holders = [p for p in panels if p.collidepoint(rect.topleft)]
        if holders:
            inner = min(holders, key=lambda p: p.w * p.h)
            if not inner.inflate(2, 2).contains(rect):
                problems.append(f"{name}: {text!r} {rect} runs out of its panel {inner}")
    for i, (a, ta) in enumerate(boxes):
        for b, tb in boxes[i + 1:]:
            # A rendered line may be a pixel taller than the line step (ascent rounding): not an overlap.
            both = a.clip(b)
            if both.w > 1 and both.h > 1:
                problems.append(f"{name}: {ta!r} {a} overlaps {tb!r} {b}")
    visible = widgets(top)
    for el in visible:
        r = pygame.Rect(el.rect)
        if not window.contains(r):
            problems.append(f"{name}: widget {el.most_specific_combined_id} {r} is outside the window")
        for rect, text in boxes:
            if r.colliderect(rect):
                problems.append(f"{name}: {text!r} {rect} lies under widget {el.most_specific_combined_id} {r}")
        if isinstance(el, pygame_gui.elements.UIButton) and el.text and el.font.size(el.text)[0] > r.w - 6:
            problems.append(f"{name}: button label {el.text!r} does not fit its button {r.size}")
    for i, a in enumerate(visible):
        for b in visible[i + 1:]:
            if pygame.Rect(a.rect).colliderect(b.rect) and not (a.rect.contains(b.rect) or b.rect.contains(a.rect)):
                problems.append(f"{name}: widgets {a.most_specific_combined_id} and {b.most_specific_combined_id} overlap")
    return problems


def screens(matches: dict[str, Match]) -> dict[str, Callable[[App], None]]:
    def setup(app: App) -> None:
        app.push(SetupScene(app))

    def bidding_round1(app: App) -> None:
        match = new_match(round_timer_s=60)
        app.start_match(match)
        settle(app)
        top = app.top
        assert isinstance(top, BiddingScene)
        top.lot_text["2600"] = "3"  # misses the obligation: the penalty button and a refusal show
        top._write_entries()
        top.recheck()
        top.time_left = 20  # the expiry warning

    def bidding_excess_only(app: App) -> None:
        # Seed 5: an auction that is still open in round 4 (in the calibrated market most close in a round or two).
        match = play(new_match(information_policy="excess-only", seed=5), 3)
        app.start_match(match)
        app.results_seen.add(("jazz", 3))
        app.continue_game()
        settle(app)
        top = app.top
        assert isinstance(top, BiddingScene)
        top.lot_text["3500"] = "2"  # an eligibility cut: the warning shows
        top._write_entries()
        top.recheck()

    def round_result(app: App) -> None:
        match = play(new_match(), 2)
        app.start_match(match)
        settle(app)
        assert isinstance(app.top, RoundResultScene)

    def final_result(app: App) -> None:
        app.start_match(Match.load(save(matches["finished"], app)))
        settle(app)
        assert isinstance(app.top, RoundResultScene)

    def positioning(app: App) -> None:
        app.start_match(Match.load(save(matches["finished"], app)))
        settle(app)
        app.top.proceed()  # type: ignore[union-attr]
        settle(app)
        assert isinstance(app.top, PositioningScene)

    def results(tab: int) -> Callable[[App], None]:
        def build(app: App) -> None:
            match = matches["finished"]
            app.match = match
            scene = ResultsScene(app)
            scene.wait_for_efficiency(30)
            app.push(scene)
            scene.tab = tab
            scene.relayout()
            settle(app)

        return build

    def history(bids: bool) -> Callable[[App], None]:
        def build(app: App) -> None:
            app.match = play(new_match(), 6)
            app.push(HistoryScene(app, bidder="jazz"))
            if bids:
                app.top.toggle_bids()  # type: ignore[union-attr]
            settle(app)

        return build

    def menu(app: App) -> None:
        app.start_match(new_match())
        settle(app)
        app.open_menu()
        settle(app)

    def penalty_dialog(app: App) -> None:
        app.start_match(new_match())
        settle(app)
        top = app.top
        assert isinstance(top, BiddingScene)
        top.lot_text["2600"] = "0"
        top._write_entries()
        top.recheck()
        top.ask_penalty()
        settle(app)

    def save_as(app: App) -> None:
        menu(app)
        app.top.save_as()  # type: ignore[union-attr]
        settle(app)

    def handover(app: App) -> None:
        app.notice = "Resumed from /home/someone/.local/share/spectrum-auction/autosave.json. The game keeps saving into it."
        app.start_match(Match(MatchSetup(seats=(Seat("jazz"), Seat("zong"), Seat("ufone", "truthful")))))
        settle(app)
        assert isinstance(app.top, HandoverScene)

    def wait(app: App) -> None:
        app.match = new_match()
        app.push(WaitScene(app))

    return {
        "setup": setup, "bidding_round1": bidding_round1, "bidding_excess_only": bidding_excess_only,
        "round_result": round_result, "final_result": final_result, "positioning": positioning,
        "results_plan": results(0), "results_bidders": results(1), "results_payment": results(2),
        "history_prices": history(False), "history_bids": history(True), "menu": menu,
        "penalty_dialog": penalty_dialog, "save_as": save_as, "handover": handover, "wait": wait,
    }


def save(match: Match, app: App) -> Path:
    path = Path(os.environ["SPECTRUM_AUCTION_SAVE"])
    match.save(path)
    return path


SCREENS = (
    "setup", "bidding_round1", "bidding_excess_only", "round_result", "final_result", "positioning",
    "results_plan", "results_bidders", "results_payment", "history_prices", "history_bids", "menu",
    "penalty_dialog", "save_as", "handover", "wait",
)


@pytest.mark.parametrize("screen", SCREENS)
def test_no_text_overlaps_or_is_clipped(app: App, matches: dict[str, Match], screen: str) -> None:
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    screens(matches)[screen](app)
    settle(app, 4)
    problems = measure(app, screen)
    assert not problems, "\n".join(problems[:30])


def test_the_measure_catches_an_overlap(app: App) -> None:
    """The check itself: two texts drawn on top of each other are reported."""

    class Clash(Scene):
        def draw(self, surface: pygame.Surface) -> None:
            f = self.app.fonts
            scene_module.draw_text(surface, f.body, "18003 lots", (255, 255, 255), (100, 100))
            scene_module.draw_text(surface, f.body, "2x1.2", (255, 255, 255), (130, 100))
            scene_module.draw_text(surface, f.body, "clipped at the edge", (255, 255, 255), (self.app.size[0] - 20, 10))
            scene_module.record_panel(pygame.Rect(300, 300, 60, 40))
            scene_module.draw_text(surface, f.body, "runs out of its panel", (255, 255, 255), (305, 305))

    PNG_DIR.mkdir(parents=True, exist_ok=True)
    app.push(Clash(app))
    problems = measure(app, "clash")
    assert any("overlaps" in p for p in problems)
    assert any("clipped" in p for p in problems)
    assert any("runs out of its panel" in p for p in problems)
