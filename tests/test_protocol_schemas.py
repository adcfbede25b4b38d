"""The JSON Schemas shipped in the package are the ones the message models give, and install with it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from game.protocol.messages import parse_engine_message
from game.protocol.schema_files import SCHEMA_DIR, main, schema_texts, stale

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_schemas_are_current() -> None:
    assert stale() == [], "run: python -m game.protocol.schema_files"
    assert main(["--check"]) == 0


def test_every_message_has_a_shipped_schema() -> None:
    names = {p.stem for p in SCHEMA_DIR.glob("*.json")}
    assert {"start", "round", "result", "end", "quit", "hello", "ready", "bids", "error"} <= names
    assert set(schema_texts()) == {f"{n}.json" for n in names}


def test_schemas_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "schemas/*.json" in config["tool"]["setuptools"]["package-data"]["game.protocol"]


def test_the_check_notices_a_changed_file(tmp_path: Path, monkeypatch: object) -> None:
    import game.protocol.schema_files as files

    for name, text in schema_texts().items():
        (tmp_path / name).write_text(text)
    (tmp_path / "bids.json").write_text("{}")
    setattr(files, "SCHEMA_DIR", tmp_path)  # noqa: B010
    try:
        assert stale() == ["bids.json"]
    finally:
        files.SCHEMA_DIR = SCHEMA_DIR


def test_the_quit_schema_accepts_quit() -> None:
    assert json.loads((SCHEMA_DIR / "quit.json").read_text())["properties"]["type"]["const"] == "quit"
    assert parse_engine_message('{"type":"quit"}').type == "quit"


def test_end_message_of_a_played_auction_matches_its_schema() -> None:
    import numpy as np

    from game.agents.registry import make_agent
    from game.economics.values import draw_valuations
    from game.engine.allocation import ClockAuction
    from game.protocol.messages import dumps, end_message
    from game.scenario import load_scenario
    from game.sessions.session import run_allocation

    scenario = load_scenario("pakistan-2026")
    bidders = ["jazz", "zong", "ufone"]
    values = draw_valuations(scenario, bidders, 2)
    agents = {b: make_agent("truthful", b, scenario, values[b], np.random.default_rng(0)) for b in bidders}
    run = run_allocation(ClockAuction(scenario, bidders, seed=2), agents)
    tenths = {b.id: b.lot_tenths for b in scenario.bands}
    for b in bidders:
        end = parse_engine_message(dumps(end_message(run.outcome, auction_id="a", bidder=b, lot_tenths=tenths, values=values[b])))
        assert end.type == "end"
        assert end.utility_usd == end.value_usd - end.payment_usd - end.forfeited_deposit_usd
