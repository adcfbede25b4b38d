"""The History, Results and Positioning screens build, draw and take input through their real widgets.

Each screen is rendered to /tmp/ui_png/ at 1280x720 and 1920x1080 (look at
them); the positioning screen is driven by synthetic mouse clicks.
"""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from pathlib import Path
from typing import Any

import pygame
import pytest

from game.economics.values import draw_valuations
from game.engine.allocation import ClockAuction
from game.engine.assignment import AssignmentStage
from game.engine.rules import Bid
from game.records.view import build_view
from game.scenario import Scenario, load_scenario
from game.ui.app import App
from game.ui.charts import ChartStyle, Legend, PlanBar, PlanBlock, draw_band_plan, draw_demand_grid, draw_price_paths
from game.ui.history import HistoryScene
from game.ui.positioning import PositioningScene
from game.ui.results import ResultsScene, plan_bars

PNG_DIR = Path("/tmp/ui_png")
SIZES = [(1280, 720), (1920, 1080)]


def played_auction() -> tuple[Scenario, ClockAuction]:
    """Two rounds: 2300, 2600 and 3500 over-demanded in round 1, cleared in round 2."""
    scenario = load_scenario("pakistan-2026")
    auction = ClockAuction(scenario, seed=3)
    round1 = {
        "jazz": {"700": 1, "2100": 2, "2600": 8, "3500": 10, "2300": 2},
        "zong": {"700": 1, "2600": 7, "3500": 10, "2300": 2, "1800": 1},
        "ufone": {"2600": 6, "3500": 10, "2100": 2, "2300": 2},
    }
    for bidder, bids in round1.items():
        auction.submit(bidder, {k: Bid(k, v) for k, v in bids.items()})
    auction.close_round()
    auction.submit("jazz", {"2600": Bid("2600", 6)})
    auction.submit("zong", {"2300": Bid("2300", 1)})
    auction.submit("ufone", {"3500": Bid("3500", 8)})
    auction.close_round()
    assert auction.finished
    return scenario, auction


@pytest.fixture(scope="module")
def played() -> tuple[Scenario, ClockAuction]:
    return played_auction()


def click(app: App, element: Any) -> None:
    """A left click on a widget, then a frame that delivers the UI event it posts."""
    pos = element.rect.center
    app.step(0.016, [
        pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)),
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1),
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1),
    ])
    app.step(0.016)


def save(app: App, name: str) -> None:
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    app.render_png(PNG_DIR / f"{name}_{app.size[0]}x{app.size[1]}.png")


@pytest.mark.parametrize("size", SIZES)
def test_history_screen_draws_the_seats_view(played: tuple[Scenario, ClockAuction], size: tuple[int, int]) -> None:
    _, auction = played
    app = App(size)
    scene = HistoryScene(app, build_view(auction, "jazz"))
    app.push(scene)
    app.step(0.016, [])
    save(app, "history")
    assert scene.view is not None and len(scene.view.price_history["2600"]) == 2
    click(app, scene.back_button)
    assert app.top is None


def test_history_under_excess_only_policy_hides_demand(played: tuple[Scenario, ClockAuction]) -> None:
    _, auction = played
    view = build_view(auction, "zong")
    hidden = type(view)(**{**view.__dict__, "demand_history": None, "information_policy": "excess-only"})
    app = App((1280, 720))
    app.push(HistoryScene(app, hidden))
    app.step(0.016, [])
    save(app, "history_excess_only")


@pytest.mark.parametrize("size", SIZES)
def test_results_screen_draws_every_tab(played: tuple[Scenario, ClockAuction], size: tuple[int, int]) -> None:
    scenario, auction = played
    outcome = auction.outcome()
    values = draw_valuations(scenario, auction.bidders, 1)
    app = App(size)
    scene = ResultsScene(app, scenario, outcome, valuations=values, seat="jazz")
    app.push(scene)
    app.step(0.016, [])
    save(app, "results_plan")
    scene.wait_for_efficiency(60)  # the optimum is solved beside the main loop
    for i, name in enumerate(["bidders", "payment"], start=1):
        click(app, scene.tab_buttons[i])
        assert scene.tab == i
        save(app, f"results_{name}")
    assert scene.efficiency is not None, scene.efficiency_note
    assert scene.schedule is not None, scene.schedule_error
    # A share below the directive's minimum is refused by the payments module and explained.
    scene.share_entry.set_text("")
    scene.share_entry.focus()
    app.step(0.016, [pygame.event.Event(pygame.TEXTINPUT, text="3"), pygame.event.Event(pygame.TEXTINPUT, text="0")])
    app.step(0.016)
    assert scene.share_text == "30"
    assert scene.schedule is None and scene.schedule_error


def test_results_band_plan_covers_every_band_once(played: tuple[Scenario, ClockAuction]) -> None:
    scenario, auction = played
    outcome = auction.outcome()
    bars = plan_bars(scenario, outcome)
    # One bar per band on sale, then the rationalisation bars (today, rationalised) of fragmented bands.
    assert [bar.title for bar in bars[: len(scenario.bands)]] == [f"{b.id} MHz" for b in scenario.bands]
    assert all(bar.to_scale for bar in bars)
    for bar, band in zip(bars, scenario.bands, strict=False):
        won = {b.bidder: b.lots for b in bar.blocks if b.bidder is not None}
        assert won == {b: lots[band.id] for b, lots in outcome.lots.items() if lots[band.id]}
        assert sum(b.lots for b in bar.blocks) == band.lots
        assert all(bar.lo_mhz <= b.from_mhz < b.to_mhz <= bar.hi_mhz for b in bar.blocks)


@pytest.mark.parametrize("size", SIZES)
def test_positioning_screen_submits_through_the_widgets(
    played: tuple[Scenario, ClockAuction], size: tuple[int, int]
) -> None:
    scenario, auction = played
    outcome = auction.outcome()
    stage = AssignmentStage(scenario, outcome, seed=1)
    app = App(size)
    finished: list[Any] = []
    scene = PositioningScene(app, stage, ["jazz"], on_finished=finished.append)
    assert PositioningScene.needed(stage, ["jazz"])
    app.push(scene)
    app.step(0.016, [])
    save(app, "positioning")
    band = stage.open_bands("jazz")[0]
    top = len(stage.view("jazz", band).positions) - 1
    click(app, scene.buttons[(band, top)])
    assert scene.choices[band] == top
    click(app, scene.submit_button)
    assert stage.round == 2 or stage.finished
    assert stage.view("jazz", band).standing_ask == top
    # Keep asking for the top position until the stage ends; the screen then hands the outcome over.
    for _ in range(200):
        if finished:
            break
        for (b, index), button in list(scene.buttons.items()):
            if index == len(stage.view("jazz", b).positions) - 1 and scene.choices.get(b) != index:
                click(app, button)
        click(app, scene.submit_button)
    assert finished, "the positioning stage did not finish"
    result = finished[0]
    for b, assignment in result.bands.items():
        assert set(assignment.positions) == {w for w, lots in outcome.lots.items() if lots[b]}


def test_positioning_screen_leads_to_results(played: tuple[Scenario, ClockAuction]) -> None:
    scenario, auction = played
    stage = AssignmentStage(scenario, auction.outcome(), seed=2)
    app = App((1280, 720))
    app.push(PositioningScene(app, stage, ["jazz"]))
    for _ in range(200):
        top = app.top
        if not isinstance(top, PositioningScene):
            break
        click(app, top.submit_button)
    assert isinstance(app.top, ResultsScene)
    assert app.top.assignment is not None
    app.step(0.016, [])
    save(app, "results_after_positioning")


def test_panels_draw_empty_and_odd_data() -> None:
    pygame.display.init()
    pygame.font.init()
    surface = pygame.Surface((400, 300))
    font = pygame.font.Font(None, 18)
    style = ChartStyle(font, font)
    draw_price_paths(surface, (0, 0, 400, 150), {"700": ()}, {"700": 1}, style)
    draw_demand_grid(surface, (0, 150, 400, 150), None, {"700": 3}, style)
    draw_demand_grid(surface, (0, 150, 400, 150), {"700": ()}, {"700": 3}, style)
    legend = Legend({"a": "A"}, {"a": (200, 0, 0)})
    draw_band_plan(surface, (0, 0, 400, 300), [], legend, style)
    draw_band_plan(
        surface, (0, 0, 40, 30), [PlanBar("x", 5.0, 5.0, (PlanBlock("a", 5.0, 5.0),))], legend, style
    )
