"""Issue 13: nothing lost by surprise, everything shown, keys; driven through the real widgets.

pygame_gui needs display.set_mode() first; typed text arrives as TEXTINPUT, a
click is MOUSEBUTTONDOWN + MOUSEBUTTONUP at the element's centre.
"""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import csv
import json
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pygame
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pygame_gui")

import game
from game.engine.rules import Bid
from game.sessions.match import Match, MatchSetup, Seat, save_in_progress
from game.ui import charts
from game.ui import scene as scene_module
from game.ui.app import App
from game.ui.bidding import BiddingScene, parse_bid_csv
from game.ui.confirm import ConfirmScene, PromptScene
from game.ui.handover import HandoverScene
from game.ui.history import HistoryScene
from game.ui.menu import MenuScene
from game.ui.positioning import PositioningScene
from game.ui.results import ResultsScene
from game.ui.round_result import RoundResultScene
from game.ui.setup import SetupScene

DT = 1 / 60
RIVALS = (Seat("zong", "aggressive"), Seat("ufone", "truthful"))


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("SPECTRUM_AUCTION_SAVE", str(tmp_path / "autosave.json"))
    pygame.display.init()
    pygame.display.set_mode((1280, 720))
    yield App((1280, 720))
    pygame.display.quit()


def frames(app: App, n: int = 1, events: Sequence[pygame.event.Event] = ()) -> None:
    app.step(DT, list(events))
    for _ in range(n - 1):
        app.step(DT, [])


def click(app: App, element: object) -> None:
    pos = element.rect.center  # type: ignore[attr-defined]
    frames(app, 1, [pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))])
    frames(app, 1, [pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)])
    frames(app, 2, [pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1)])


def key(app: App, k: int, text: str = "") -> None:
    events = [pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode=text, scancode=0)]
    if text:
        events.append(pygame.event.Event(pygame.TEXTINPUT, text=text))
    events.append(pygame.event.Event(pygame.KEYUP, key=k, mod=0, unicode=text, scancode=0))
    frames(app, 2, events)


def wait_for(app: App, kinds: type | tuple[type, ...], limit: int = 3000) -> None:
    for _ in range(limit):
        if isinstance(app.top, kinds):
            frames(app, 8)
            return
        app.step(DT, [])
    raise AssertionError(f"never reached {kinds}; top is {type(app.top).__name__}")


def bidding(app: App, match: Match | None = None) -> BiddingScene:
    app.start_match(match or Match(MatchSetup(seats=(Seat("jazz"), *RIVALS))))
    wait_for(app, BiddingScene)
    top = app.top
    assert isinstance(top, BiddingScene)
    return top


def set_lots(scene: BiddingScene, lots: dict[str, int]) -> None:
    scene.lot_text.update({b: str(n) for b, n in lots.items()})
    scene._write_entries()
    scene.recheck()


def drawn_texts(app: App) -> list[str]:
    scene_module.text_boxes = []
    try:
        assert app.top is not None
        if hasattr(app.top, "_cache"):
            app.top._cache = None
        app.top.draw(pygame.Surface(app.size))
        return [t for _, t in scene_module.text_boxes]
    finally:
        scene_module.text_boxes = None


# ------------------------------------------------------------------ penalty


def test_penalty_button_hidden_when_not_needed_and_esc_esc_does_not_bring_it_back(app: App) -> None:
    scene = bidding(app)
    set_lots(scene, {"2600": 5, "3500": 5})
    assert scene.penalty_button is not None and not scene.penalty_button.visible
    key(app, pygame.K_ESCAPE)
    assert isinstance(app.top, MenuScene)
    key(app, pygame.K_ESCAPE)
    assert app.top is scene
    assert not scene.penalty_button.visible


def test_accepting_the_penalty_needs_a_confirmation_that_states_the_forfeit(app: App) -> None:
    scene = bidding(app)
    set_lots(scene, {"2600": 0, "3500": 0})
    assert scene.penalty_button is not None and scene.penalty_button.visible
    click(app, scene.penalty_button)
    dialog = app.top
    assert isinstance(dialog, ConfirmScene)
    assert "$15m deposit is forfeited" in dialog.message and "excluded" in dialog.message
    assert not scene.accept_penalty  # one click arms nothing
    key(app, pygame.K_RETURN)  # Enter never confirms a forfeit
    assert app.top is dialog and not scene.accept_penalty
    key(app, pygame.K_ESCAPE)
    assert app.top is scene and not scene.accept_penalty
    click(app, scene.penalty_button)
    assert isinstance(app.top, ConfirmScene)
    click(app, app.top.confirm_button)
    assert app.top is scene and scene.accept_penalty
    # Raising the bid to meet the obligation drops the acceptance and hides the button again.
    set_lots(scene, {"2600": 5, "3500": 5})
    assert not scene.accept_penalty and not scene.penalty_button.visible


def test_save_records_accept_penalty_only_on_a_bid_that_misses_the_obligation(tmp_path: Path) -> None:
    match = Match(MatchSetup(seats=(Seat("jazz"), *RIVALS)))
    match.autosave_path = tmp_path / "s.json"
    match.submit("jazz", {"2600": Bid("2600", 5), "3500": Bid("3500", 5)}, accept_penalty=True)
    saved = json.loads((tmp_path / "s.json").read_text())
    assert saved["pending"]["accept_penalty"] == []
    for rival in match.rivals_to_bid():
        match.ask_rival(rival)
    match.close_round()
    saved = json.loads((tmp_path / "s.json").read_text())
    assert saved["rounds"][0]["accept_penalty"] == []
    assert not match.auction.is_excluded("jazz")


def test_an_excluded_player_is_told_plainly(app: App) -> None:
    scene = bidding(app)
    set_lots(scene, {"2600": 0, "3500": 0})
    scene.accept_penalty = True
    scene.recheck()
    assert scene.submit()
    wait_for(app, RoundResultScene)
    assert app.top.view.excluded  # type: ignore[union-attr]
    text = " ".join(drawn_texts(app))
    assert "out of the auction" in text and "forfeited" in text
    key(app, pygame.K_RETURN)
    assert app.match is not None and "jazz" in app.match.told_excluded


# ------------------------------------------------------------------ timer and hot-seat


def test_timer_warns_before_expiry_and_says_what_expiry_does(app: App) -> None:
    scene = bidding(app, Match(MatchSetup(seats=(Seat("jazz"), *RIVALS), round_timer_s=60)))
    scene.time_left = 25
    text = " ".join(drawn_texts(app))
    assert "25 s left!" in text and "obligation minimum" in text


def test_hotseat_handover_never_tells_the_next_player_a_rivals_time_ran_out(app: App) -> None:
    match = Match(MatchSetup(seats=(Seat("jazz"), Seat("zong"), Seat("ufone", "truthful")), round_timer_s=60))
    app.start_match(match)
    wait_for(app, HandoverScene)
    key(app, pygame.K_RETURN)
    wait_for(app, BiddingScene)
    for _ in range(int(61 / (DT * 10))):
        app.step(DT * 10, [])
        if isinstance(app.top, HandoverScene):
            break
    handover = app.top
    assert isinstance(handover, HandoverScene) and handover.bidder == "zong"
    assert "time ran out" not in " ".join(drawn_texts(app)).lower()
    assert "jazz" in app.notices  # kept for Jazz's own next screen


def test_hotseat_bids_survive_kill_9(tmp_path: Path) -> None:
    """A submitted bid is in the save the moment it is accepted: SIGKILL right after, resume, nothing to retype."""
    save = tmp_path / "hot.json"
    script = f"""
import os, signal
from game.engine.rules import Bid
from game.sessions.match import Match, MatchSetup, Seat
m = Match(MatchSetup(seats=(Seat("jazz"), Seat("zong"), Seat("ufone", "truthful"))))
m.autosave_path = {str(save)!r}
for r in m.rivals_to_bid():
    m.ask_rival(r)
m.submit("jazz", {{"2600": Bid("2600", 6), "3500": Bid("3500", 9), "700": Bid("700", 1)}})
m.submit("zong", {{"2600": Bid("2600", 7), "3500": Bid("3500", 10)}})
m.close_round()
m.submit("jazz", {{"3500": Bid("3500", 8)}})
os.kill(os.getpid(), signal.SIGKILL)
"""
    env = dict(os.environ, PYTHONPATH=str(Path(game.__file__).parent.parent))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-500:]
    resumed = Match.load(save)
    assert resumed.round == 2
    submitted = resumed.auction.submitted("jazz")
    assert submitted is not None and {b: x.lots for b, x in submitted[0].items()} == {"3500": 8}
    assert resumed.humans_to_bid() == ["zong"]  # the same point: Zong's turn, Jazz has nothing to retype


def test_pending_bids_of_an_old_save_without_the_key_still_load(tmp_path: Path) -> None:
    match = Match(MatchSetup(seats=(Seat("jazz"), *RIVALS)))
    match.submit("jazz", {"2600": Bid("2600", 5), "3500": Bid("3500", 5)})
    doc = match.to_json()
    doc.pop("pending")
    (tmp_path / "old.json").write_text(json.dumps(doc))
    assert Match.load(tmp_path / "old.json").round == 1


# ------------------------------------------------------------------ saves


def test_save_as_writes_a_named_file_and_the_game_then_saves_there(app: App, tmp_path: Path) -> None:
    bidding(app)
    key(app, pygame.K_ESCAPE)
    menu = app.top
    assert isinstance(menu, MenuScene)
    click(app, menu.save_as_button)
    prompt = app.top
    assert isinstance(prompt, PromptScene)
    assert prompt.entry is not None
    prompt.entry.set_text("")
    frames(app, 1, [pygame.event.Event(pygame.TEXTINPUT, text=c) for c in "my-game"])
    key(app, pygame.K_RETURN)
    target = tmp_path / "my-game.json"
    assert target.exists() and app.save_path == target
    assert app.match is not None and app.match.autosave_path == target
    assert "Saving into" in " ".join(drawn_texts(app)) and str(target) in " ".join(drawn_texts(app))


def test_starting_a_new_game_asks_before_replacing_a_game_in_progress(app: App, tmp_path: Path) -> None:
    old = Match(MatchSetup(seats=(Seat("jazz"), *RIVALS), seed=5))
    path = tmp_path / "autosave.json"
    old.save(path)
    before = path.read_text()
    assert save_in_progress(path)
    app.push(SetupScene(app))
    frames(app, 2)
    setup = app.top
    assert isinstance(setup, SetupScene)
    key(app, pygame.K_RETURN)
    assert isinstance(app.top, ConfirmScene)
    key(app, pygame.K_ESCAPE)  # keep it
    assert app.top is setup and path.read_text() == before and app.match is None
    key(app, pygame.K_RETURN)
    key(app, pygame.K_y)
    assert app.match is not None and app.match.setup.seed == 1
    assert (tmp_path / "autosave-previous.json").read_text() == before


def test_resuming_says_the_game_keeps_saving_into_that_file(app: App, tmp_path: Path) -> None:
    Match(MatchSetup(seats=(Seat("jazz"), *RIVALS))).save(tmp_path / "autosave.json")
    app.push(SetupScene(app))
    frames(app, 2)
    click(app, app.top.resume_button)  # type: ignore[union-attr]
    wait_for(app, BiddingScene)
    assert "keeps saving into this file" in app.top.notice  # type: ignore[union-attr]


def test_the_resume_list_holds_only_saved_games(app: App, tmp_path: Path) -> None:
    """The save folder may hold other JSON (a --json report, a tournament's meta): only games are offered."""
    Match(MatchSetup(seats=(Seat("jazz"), *RIVALS))).save(tmp_path / "autosave.json")
    Match(MatchSetup(seats=(Seat("jazz"), *RIVALS), seed=2)).save(tmp_path / "named.json")
    (tmp_path / "report.json").write_text(json.dumps({"status": "ended", "rounds": 2}))
    app.save_path = tmp_path / "autosave.json"
    setup = SetupScene(app)
    assert [p.name for p in setup.saves()] == ["autosave.json", "named.json"]


# ------------------------------------------------------------------ keys


def test_h_with_a_focused_bid_field_opens_the_history_and_types_nothing(app: App) -> None:
    scene = bidding(app)
    click(app, scene.lot_entries["2600"])
    assert scene.lot_entries["2600"].is_focused
    key(app, pygame.K_h, "h")
    assert isinstance(app.top, HistoryScene)
    assert scene.lot_text["2600"] == "0" and scene.lot_entries["2600"].get_text() == "0"


def test_enter_resumes_from_the_menu_and_q_asks_before_quitting(app: App) -> None:
    scene = bidding(app)
    key(app, pygame.K_ESCAPE)
    assert isinstance(app.top, MenuScene)
    key(app, pygame.K_RETURN)
    assert app.top is scene
    key(app, pygame.K_ESCAPE)
    key(app, pygame.K_q)
    assert isinstance(app.top, ConfirmScene) and app.running
    key(app, pygame.K_ESCAPE)
    assert isinstance(app.top, MenuScene) and app.running
    key(app, pygame.K_q)
    key(app, pygame.K_y)
    assert not app.running


def test_the_setup_seed_error_clears_once_the_seed_is_fixed(app: App) -> None:
    app.push(SetupScene(app))
    frames(app, 2)
    setup = app.top
    assert isinstance(setup, SetupScene) and setup.seed_entry is not None
    click(app, setup.seed_entry)
    frames(app, 1, [pygame.event.Event(pygame.TEXTINPUT, text="x")])
    key(app, pygame.K_RETURN)
    assert "seed" in setup.error
    key(app, pygame.K_BACKSPACE)
    assert setup.error == ""


# ------------------------------------------------------------------ everything shown


def test_bidding_screen_shows_points_per_lot_deposit_and_next_eligibility_with_a_cut_warning(app: App) -> None:
    match = Match(MatchSetup(seats=(Seat("jazz"), *RIVALS)))
    for rival in match.rivals_to_bid():
        match.ask_rival(rival)
    match.submit("jazz", {"2600": Bid("2600", 6), "3500": Bid("3500", 8)})
    match.close_round()
    app.start_match(match)
    wait_for(app, RoundResultScene)
    key(app, pygame.K_RETURN)
    wait_for(app, BiddingScene)
    scene = app.top
    assert isinstance(scene, BiddingScene)
    set_lots(scene, {"3500": 2})
    assert scene.next_eligibility() == 6 * 125 + 2 * 65
    text = " ".join(drawn_texts(app))
    assert "325 pts" in text and "65 pts" in text  # eligibility points per lot of 700 and 3500 MHz
    assert "$15m" in text  # the deposit
    assert "cuts your eligibility for good" in text


def test_round_result_shows_the_price_point_each_reduction_was_processed_at(app: App) -> None:
    match = Match(MatchSetup(seats=(Seat("jazz"), *RIVALS)))
    for _ in range(2):
        for rival in match.rivals_to_bid():
            match.ask_rival(rival)
        bids = {"2600": Bid("2600", 8), "3500": Bid("3500", 12)} if match.round == 1 else {}
        match.submit("jazz", bids)
        match.close_round()
    for rival in match.rivals_to_bid():
        match.ask_rival(rival)
    view = match.view("jazz")
    band = view.band("3500")
    price = (band.start_price + band.clock_price) // 2 // 1000 * 1000
    match.submit("jazz", {"3500": Bid("3500", 10, price)})
    match.close_round()
    steps = [s for s in match.own_steps("jazz") if s.band == "3500"]
    assert steps and steps[0].price_usd == price
    app.match = match
    app.push(RoundResultScene(app, "jazz"))
    from game.scenario.units import fmt_usd

    assert fmt_usd(price) in drawn_texts(app)


def reduced_at_a_price_point() -> tuple[Match, int]:
    """A game where Jazz's last change (3500 MHz, 12 -> 10 lots) was processed at a price point between P and C."""
    match = Match(MatchSetup(seats=(Seat("jazz"), *RIVALS)))
    for _ in range(2):
        for rival in match.rivals_to_bid():
            match.ask_rival(rival)
        match.submit("jazz", {"2600": Bid("2600", 8), "3500": Bid("3500", 12)} if match.round == 1 else {})
        match.close_round()
    for rival in match.rivals_to_bid():
        match.ask_rival(rival)
    band = match.view("jazz").band("3500")
    price = (band.start_price + band.clock_price) // 2 // 1000 * 1000
    match.submit("jazz", {"3500": Bid("3500", 10, price)})
    match.close_round()
    return match, price


def test_the_screens_show_the_price_points_from_the_seats_view_not_the_round_log(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from game.scenario.units import fmt_usd

    match, price = reduced_at_a_price_point()
    last = match.view("jazz").last_round
    assert last is not None
    assert [(s.band, s.from_lots, s.to_lots, s.price_usd) for s in last.steps] == [("3500", 12, 10, price)]
    assert last.price_points == {"3500": price}
    # The screens read the view only: the match's round log is out of reach while they build and draw.
    monkeypatch.setattr(Match, "history", property(lambda self: pytest.fail("a screen read Match.history")))
    app.match = match
    app.push(RoundResultScene(app, "jazz"))
    texts = drawn_texts(app)
    assert texts.count(fmt_usd(price)) >= 2  # "Bid price" and "Processed at" of the 3500 MHz row
    assert "reduced" in texts
    app.push(BiddingScene(app, "jazz"))
    bidding_scene = app.top
    assert isinstance(bidding_scene, BiddingScene)
    line = f"Last round (round {last.round}) your changes were processed: 3500 MHz reduced 12\u219210 lots at {fmt_usd(price)}."
    assert bidding_scene.last_round_lines() == [line]
    assert any(fmt_usd(price) in t for t in drawn_texts(app))


def test_the_own_bid_table_is_kept_from_each_rounds_view_and_survives_save_and_resume(tmp_path: Path) -> None:
    match, price = reduced_at_a_price_point()
    rows = match.bid_history("jazz")
    last = {r["band"]: r for r in rows if r["round"] == match.closed_rounds}
    assert last["3500"]["submitted_lots"] == 10 and last["3500"]["price_point_usd"] == price
    assert last["3500"]["processed_at_usd"] == price and last["2600"]["submitted_lots"] is None
    # Same rows as the round log gives for the seat's own bids, round by round.
    for r in match.history:
        own = {s.band: s for s in r.steps if s.bidder == "jazz"}
        for row in (x for x in rows if x["round"] == r.round):
            bid = r.bids.get("jazz", {}).get(row["band"])
            assert row["submitted_lots"] == (None if bid is None else bid.lots)
            assert row["price_point_usd"] == (None if bid is None else bid.price_usd or r.clock_prices[row["band"]])
            assert row["processed_lots"] == r.processed["jazz"][row["band"]]
            step = own.get(row["band"])
            assert row["processed_at_usd"] == (None if step is None else step.price_usd)
            assert row["posted_price_usd"] == r.posted_prices[row["band"]]
    path = tmp_path / "save.json"
    match.save(path)
    assert Match.load(path).bid_history("jazz") == rows
    assert match.own_steps("jazz", 1) == match.own_rounds("jazz")[0].steps


def test_the_final_round_result_and_what_was_won_show_before_positioning(app: App) -> None:
    match = Match(MatchSetup(seats=(Seat("jazz"), *RIVALS), seed=3))
    while not match.finished:
        for rival in match.rivals_to_bid():
            match.ask_rival(rival)
        match.submit("jazz", {"2600": Bid("2600", 8), "3500": Bid("3500", 12)} if match.round == 1 else {})
        if match.ready_to_close():
            match.close_round()
    app.start_match(match)
    frames(app, 2)
    assert isinstance(app.top, RoundResultScene)
    text = " ".join(drawn_texts(app))
    assert "The allocation stage has ended" in text and "you won" in text
    key(app, pygame.K_RETURN)
    wait_for(app, PositioningScene)


def test_positioning_shows_mhz_ranges_is_saved_and_resumes_where_it_was(app: App, tmp_path: Path) -> None:
    match = Match(MatchSetup(seats=(Seat("jazz"), *RIVALS), seed=3))
    while not match.finished:
        for rival in match.rivals_to_bid():
            match.ask_rival(rival)
        match.submit("jazz", {"2600": Bid("2600", 8), "3500": Bid("3500", 12)} if match.round == 1 else {})
        match.close_round()
    path = tmp_path / "autosave.json"
    app.start_match(match, path)
    key(app, pygame.K_RETURN)
    wait_for(app, PositioningScene)
    scene = app.top
    assert isinstance(scene, PositioningScene)
    assert "2500-2580 MHz" in drawn_texts(app)  # Jazz's 8 lots of 2600 MHz at the bottom
    # Ask for the bottom everywhere (contested or not), submit one round.
    for band in list(scene.choices):
        scene.choose(band, 0)
    scene.submit()
    frames(app, 2)
    saved = json.loads(path.read_text())
    assert saved["positioning"]["rounds"] or saved["positioning"]["pending"]
    # Esc opens the menu (save, quit) in positioning too.
    if isinstance(app.top, PositioningScene):
        key(app, pygame.K_ESCAPE)
        assert isinstance(app.top, MenuScene)
        stage_round = scene.stage.round
        resumed = Match.load(path)
        assert resumed.assignment_stage().round == stage_round
    else:
        assert isinstance(app.top, ResultsScene)
        assert any("settled" in s for s in scene.settled)


def test_bid_history_table_and_csv_export(app: App, tmp_path: Path) -> None:
    scene = bidding(app)
    set_lots(scene, {"2600": 6, "3500": 8})
    assert scene.submit()
    wait_for(app, RoundResultScene)
    key(app, pygame.K_h)
    history = app.top
    assert isinstance(history, HistoryScene)
    key(app, pygame.K_b)
    assert history.show_bids
    key(app, pygame.K_e)
    out = tmp_path / "jazz-bids.csv"
    rows = list(csv.DictReader(out.open()))
    by_band = {r["band"]: r for r in rows if r["round"] == "1"}
    assert by_band["2600"]["submitted_lots"] == "6" and by_band["2600"]["processed_lots"] == "6"
    assert by_band["700"]["submitted_lots"] in ("0", "")


def test_bid_csv_upload_is_checked_like_typed_bids(app: App, tmp_path: Path) -> None:
    bands = ["700", "1800", "2100", "2300", "2600", "3500"]
    loaded, errors = parse_bid_csv("band,lots,price_usd\n2600,6\n3500,x\n9999,1\n2600,7\n700,1,abc\n", bands)
    assert loaded == {"2600": ("6", "")}
    assert any(e.startswith("line 3:") and "whole number" in e for e in errors)
    assert any(e.startswith("line 4:") and "not a band" in e for e in errors)
    assert any(e.startswith("line 5:") and "twice" in e for e in errors)
    assert any(e.startswith("line 6:") and "price point" in e for e in errors)
    scene = bidding(app)
    good = tmp_path / "bids.csv"
    good.write_text("band,lots\n2600,6\n3500,40\n")
    assert scene.load_csv(str(good)) is None
    assert scene.lot_text["2600"] == "6" and scene.lot_text["3500"] == "40"
    assert any(r.band == "3500" for r in scene.refusals)  # 40 lots > supply: the engine's own check refuses it
    assert not match_submitted(app)
    bad = tmp_path / "bad.csv"
    bad.write_text("nonsense\n")
    assert "nothing loaded" in (scene.load_csv(str(bad)) or "")


def match_submitted(app: App) -> bool:
    assert app.match is not None
    return app.match.auction.has_submitted("jazz")


def test_price_chart_draws_exact_values_without_per_band_offsets(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    lines: list[list[tuple[float, float]]] = []
    real = pygame.draw.lines

    def spy(surface: pygame.Surface, colour: object, closed: bool, points: list[tuple[float, float]], width: int = 1) -> object:
        lines.append(list(points))
        return real(surface, colour, closed, points, width)  # type: ignore[arg-type]

    monkeypatch.setattr(charts.pygame.draw, "lines", spy)
    style = charts.ChartStyle.from_palette(app.fonts.bold, app.fonts.small, app.colours)
    history = {b: (100, 100, 100) for b in ("a", "b", "c", "d")}
    charts.draw_price_paths(pygame.Surface((800, 400)), pygame.Rect(0, 0, 800, 400), history, dict.fromkeys(history, 100), style)
    assert len(lines) == 4
    assert all(line == lines[0] for line in lines)  # four 0% bands: the same exact points, told apart by width and markers
    assert len({charts.line_width(i, 4) for i in range(4)}) == 4


# ------------------------------------------------------------------ properties

BANDS = ["700", "1800", "2100", "2300", "2600", "3500"]


@given(st.dictionaries(st.sampled_from(BANDS), st.integers(0, 99)), st.booleans())
def test_a_bid_csv_reads_back_exactly_what_was_written(lots: dict[str, int], header: bool) -> None:
    text = ("band,lots,price_usd\n" if header else "") + "".join(f"{b},{n}\n" for b, n in lots.items())
    loaded, errors = parse_bid_csv(text, BANDS)
    assert errors == []
    assert {b: int(x) for b, (x, _) in loaded.items()} == lots


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60), st.integers(20, 400))
def test_fit_text_always_fits(app: App, text: str, width: int) -> None:
    out = scene_module.fit_text(app.fonts.body, text, width)
    assert app.fonts.body.size(out)[0] <= width or out == ""


@settings(max_examples=15, deadline=None)
@given(st.integers(5, 19), st.integers(5, 28), st.integers(0, 3), st.booleans())
def test_a_hotseat_bid_survives_save_and_resume(lots_2600: int, lots_3500: int, lots_700: int, second: bool) -> None:
    import tempfile

    match = Match(MatchSetup(seats=(Seat("jazz"), Seat("zong"), Seat("ufone", "truthful"))))
    with tempfile.TemporaryDirectory() as tmp:
        match.autosave_path = Path(tmp) / "s.json"
        bids = {"2600": Bid("2600", lots_2600), "3500": Bid("3500", lots_3500), "700": Bid("700", lots_700)}
        if match.check("jazz", bids):
            return  # a bid the rules refuse is never accepted, so never saved
        match.submit("jazz", bids)
        if second:
            match.submit("zong", {"2600": Bid("2600", 5), "3500": Bid("3500", 5)})
        resumed = Match.load(match.autosave_path)
    assert resumed.auction.submitted("jazz") == match.auction.submitted("jazz")
    assert resumed.humans_to_bid() == match.humans_to_bid()


def test_heavy_work_runs_in_another_process_and_its_errors_come_back() -> None:
    from game.ui import background

    assert background.call(os.getpid) != os.getpid()  # not a thread of this process: no GIL to fight over
    with pytest.raises(ValueError, match="invalid literal"):
        background.call(int, "x")
    background.shutdown()
    assert background.call(os.getpid) != os.getpid()  # a process that went away is started again
