"""Match: setup, rivals, save (atomic) and resume by replay, damaged saves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from game.engine.rules import Bid
from game.sessions.match import Match, MatchSetup, SaveError, Seat, default_save_path


def play_rounds(match: Match, n: int, jazz_round1: dict[str, int]) -> None:
    for _ in range(n):
        if match.finished:
            return
        for rival in match.rivals_to_bid():
            match.ask_rival(rival)
        for human in match.humans_to_bid():
            bids = {b: Bid(b, q) for b, q in jazz_round1.items()} if match.round == 1 else {}
            match.submit(human, bids)
        assert match.ready_to_close()
        match.close_round()


def test_default_setup_is_jazz_against_scripted_zong_and_ufone() -> None:
    match = Match(MatchSetup())
    assert match.human_seats == ("jazz",)
    assert set(match.agents) == {"zong", "ufone"}
    assert set(match.values) == {"jazz", "zong", "ufone"}


def test_resume_continues_exactly_where_it_was(tmp_path: Path) -> None:
    save = tmp_path / "game.json"
    live = Match(MatchSetup(seed=7))
    live.autosave_path = save
    play_rounds(live, 3, {"2600": 6, "3500": 8})
    assert save.exists()  # autosaved after every round
    resumed = Match.load(save)
    assert resumed.round == live.round
    assert [r.posted_prices for r in resumed.history] == [r.posted_prices for r in live.history]
    # Both play on identically: the rivals' random streams were replayed too.
    play_rounds(live, 60, {})
    play_rounds(resumed, 60, {})
    assert live.finished and resumed.finished
    assert resumed.outcome() == live.outcome()
    assert json.dumps(resumed.to_json(), sort_keys=True) == json.dumps(live.to_json(), sort_keys=True)


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    match = Match(MatchSetup())
    play_rounds(match, 1, {"2600": 5, "3500": 5})
    target = tmp_path / "sub" / "save.json"
    match.save(target)
    match.save(target)
    assert [p.name for p in target.parent.iterdir()] == ["save.json"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{\"format\": \"spectrum-auction-save\", \"vers", "damaged"),
        ("[1, 2]", "not a spectrum-auction save"),
        (json.dumps({"format": "spectrum-auction-save", "version": 99}), "version"),
        (json.dumps({"format": "spectrum-auction-save", "version": 1, "setup": {"scenario": "nope",
                     "seats": [{"bidder": "jazz", "controller": "human"}], "seed": 1}, "rounds": []}), "scenario"),
        (json.dumps({"format": "spectrum-auction-save", "version": 1, "setup": {"scenario": "pakistan-2026",
                     "seats": [{"bidder": "jazz", "controller": "human"}], "seed": "x"}, "rounds": []}), "seed"),
    ],
)
def test_damaged_save_gives_a_clear_message(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SaveError, match=expected):
        Match.load(path)


def test_tampered_bids_are_refused_on_resume(tmp_path: Path) -> None:
    match = Match(MatchSetup())
    play_rounds(match, 2, {"2600": 6, "3500": 8})
    data = match.to_json()
    data["rounds"][0]["bids"]["jazz"]["3500"]["lots"] = 999
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SaveError, match="refused by the rules"):
        Match.load(path)


def test_missing_save_and_cli_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from game.cli.main import main

    with pytest.raises(SaveError, match="does not exist"):
        Match.load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", encoding="utf-8")
    assert main(["--resume", str(bad)]) == 2
    assert "damaged" in capsys.readouterr().err


def test_timer_maintains_demand_without_a_bid_after_round_1() -> None:
    match = Match(MatchSetup(seats=(Seat("jazz"), Seat("zong", "truthful"), Seat("ufone", "truthful")), round_timer_s=30))
    play_rounds(match, 1, {"2600": 6, "3500": 8})
    assert match.round == 2
    assert "maintained" in match.time_out("jazz")
    assert match.humans_to_bid() == []
    assert not match.auction.has_submitted("jazz")


def test_timer_in_round_1_enters_the_obligation_minimum_and_never_excludes() -> None:
    match = Match(MatchSetup(seats=(Seat("jazz"), Seat("zong", "truthful")), round_timer_s=30))
    message = match.time_out("jazz")
    assert "obligation minimum" in message
    submitted = match.auction.submitted("jazz")
    assert submitted is not None and submitted[1] is False
    assert {b: bid.lots for b, bid in submitted[0].items()} == {"2600": 5, "3500": 5}
    match.ask_rival("zong")
    result = match.close_round()
    assert "jazz" not in result.newly_excluded and not match.auction.is_excluded("jazz")


def test_timer_in_round_1_without_an_obligation_bids_nothing_and_forfeits_nothing() -> None:
    match = Match(MatchSetup(seats=(Seat("entrant"), Seat("zong", "truthful"))))
    assert match.view("entrant").obligation == {}
    assert "maintained" in match.time_out("entrant")
    match.ask_rival("zong")
    result = match.close_round()
    assert "entrant" not in result.newly_excluded


def test_save_path_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPECTRUM_AUCTION_SAVE", str(tmp_path / "x.json"))
    assert default_save_path() == tmp_path / "x.json"


def test_timer_in_round_1_keeps_the_round_open_when_even_the_minimum_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from game.engine.rules import Refusal

    match = Match(MatchSetup(seats=(Seat("jazz"), Seat("zong", "truthful")), round_timer_s=30))
    monkeypatch.setattr(match.auction, "check", lambda *a, **k: [Refusal("cap", "2600", "over a cap")])
    assert "stays open" in match.timeout_rule("jazz")
    assert "stays open" in match.time_out("jazz")
    assert match.humans_to_bid() == ["jazz"]  # the seat must still act; nothing was submitted for it
    assert not match.auction.has_submitted("jazz")
