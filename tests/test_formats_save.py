"""The desktop game's save file against its declared schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from formats_canon import run_cli, save_text

from game.formats.save import SaveFile
from game.sessions.match import Match, SaveError


def _refused(tmp_path: Path, text: str) -> str:
    path = tmp_path / "save.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SaveError) as info:
        Match.load(path)
    assert "save.json" in str(info.value)
    return str(info.value)


def test_what_the_game_saves_is_what_the_schema_declares(tmp_path: Path) -> None:
    SaveFile.model_validate(json.loads(save_text()))
    path = tmp_path / "save.json"
    path.write_text(save_text(), encoding="utf-8")
    assert Match.load(path).round == 3


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["setup"].update(seed="x"), "setup.seed: must be an integer, found 'x'"),
        (lambda d: d["setup"].update(seed=10**30), "setup.seed: must be at most"),
        (lambda d: d["setup"].update(round_timer_s=0), "setup.round_timer_s: must be positive"),
        (lambda d: d["setup"].update(colour="red"), "setup.colour: unknown key"),
        (lambda d: d["rounds"][0]["bids"]["jazz"]["2600"].update(lots=-1), "rounds[0].bids.jazz.2600.lots: must not be negative"),
        (lambda d: d["rounds"][0]["bids"]["jazz"]["2600"].update(lots=float("nan")), "must be a finite number, found nan"),
        (lambda d: d["rounds"][0].update(accept_penalty="jazz"), "rounds[0].accept_penalty: must be a list"),
        (lambda d: d.update(rounds={}), "rounds: must be a list"),
        # The optional keys of hot-seat saves and the positioning stage are declared too.
        (
            lambda d: d.update(pending={"round": 3, "bids": {"jazz": {"2600": {"lots": -1}}}}),
            "pending.bids.jazz.2600.lots: must not be negative",
        ),
        (lambda d: d.update(pending={"round": 0}), "pending.round: must be at least 1"),
        (lambda d: d.update(pending={"round": 3, "colour": 1}), "pending.colour: unknown key"),
        (lambda d: d.update(pending={"round": 3, "timed_out": "jazz"}), "pending.timed_out: must be a list"),
        (lambda d: d.update(positioning={"rounds": [{"jazz": {"2600": -1}}]}), "positioning.rounds[0].jazz.2600: must not be negative"),
        (lambda d: d.update(positioning={"pending": {"jazz": {"2600": "top"}}}), "positioning.pending.jazz.2600: must be an integer"),
        (lambda d: d.update(told_excluded="jazz"), "told_excluded: must be a list"),
        (lambda d: d["setup"].update(market=7), "setup.market: must be a string"),
    ],
)
def test_bad_saves_name_the_key_path_and_value(tmp_path: Path, change: object, expected: str) -> None:
    data = json.loads(save_text())
    change(data)  # type: ignore[operator]
    assert expected in _refused(tmp_path, json.dumps(data))


def test_deep_or_huge_saves_are_refused_not_a_crash(tmp_path: Path) -> None:
    assert "nested more than" in _refused(tmp_path, "[" * 5000 + "]" * 5000)
    assert "5000 digits" in _refused(tmp_path, save_text().replace('"seed": 1', '"seed": ' + "9" * 5000))


def test_deep_resume_through_the_cli_exits_2(tmp_path: Path) -> None:
    pytest.importorskip("pygame")
    path = tmp_path / "deep.json"
    path.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    code, err = run_cli(["--resume", str(path)])
    assert code == 2 and "Traceback" not in err and "deep.json" in err
