"""A tournament's stored settings against their declared schema (game/formats/meta.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from formats_canon import SETTINGS

from game.formats.meta import TournamentSettings, read_settings
from game.scenario.checked import CheckedError
from game.tournament.runner import TournamentConfig, prepare, settings
from game.tournament.storage import ResultStore, StorageError


def test_what_a_tournament_stores_is_what_the_schema_declares() -> None:
    # Fails when a setting is added to runner.settings() without a field in game/formats/meta.py.
    config = TournamentConfig(strategies=("truthful", "reducer"), auctions=2, out_dir="unused")
    TournamentSettings.model_validate(settings(config, prepare(config)))


def test_settings_read_back_and_every_problem_named() -> None:
    assert read_settings(json.dumps(SETTINGS), "meta") == SETTINGS
    bad = dict(SETTINGS, seed=-1, agent_timeout_s=float("inf"), colour="red")
    with pytest.raises(CheckedError) as info:
        read_settings(json.dumps(bad), "meta")
    text = str(info.value)
    assert "seed: must not be negative, found -1" in text
    assert "agent_timeout_s: must be a finite number, found inf" in text
    assert "colour: unknown key" in text


def test_damaged_stored_settings_are_a_storage_error_not_a_crash(tmp_path: Path) -> None:
    ResultStore(tmp_path, SETTINGS, ["jazz", "zong", "ufone"], ["2600"], resume=False).db.close()
    db = sqlite3.connect(tmp_path / "auctions.sqlite")
    db.execute("UPDATE meta SET value = ? WHERE key = 'settings'", ("[" * 5000 + "]" * 5000,))
    db.commit()
    db.close()
    with pytest.raises(StorageError, match="nested more than"):
        ResultStore(tmp_path, dict(SETTINGS, seed=2), ["jazz", "zong", "ufone"], ["2600"], resume=True)
