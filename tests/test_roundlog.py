"""The round log: JSON Lines with sorted keys and integer money; replays to the same outcome."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import one_band, play

from game.engine.allocation import ClockAuction
from game.engine.rules import Bid
from game.records.roundlog import ReplayError, RoundLogWriter, read_log, replay
from game.scenario import Scenario


def write_log(auction: ClockAuction, path: Path, rounds: list[dict[str, dict[str, int | tuple[int, int]]]]) -> None:
    out = io.StringIO()
    writer = RoundLogWriter(out)
    writer.header(auction)
    for bids in rounds:
        writer.round(play(auction, bids))
        if auction.finished:
            writer.outcome(auction.outcome())
            break
    path.write_text(out.getvalue(), encoding="utf-8")


def pakistan_log(pakistan: Scenario, path: Path) -> ClockAuction:
    auction = ClockAuction(pakistan, ("jazz", "zong", "ufone"), seed=5)
    write_log(
        auction,
        path,
        [
            {"jazz": {"2600": 8, "3500": 12}, "zong": {"2600": 7, "3500": 10}, "ufone": {"2600": 6, "3500": 8}},
            {"jazz": {"2600": (5, 12_800_000)}, "zong": {"3500": 8}, "ufone": {"3500": (7, 6_600_000)}},
        ],
    )
    return auction


def test_log_records_header_rounds_and_outcome(pakistan: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    pakistan_log(pakistan, path)
    lines = path.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["type"] for r in records] == ["header", "round", "round", "outcome"]
    assert records[0]["seed"] == 5 and records[0]["bidders"] == ["jazz", "zong", "ufone"]
    assert records[0]["scenario"]["id"] == "pakistan-2026"
    second = records[2]
    assert second["bids"]["jazz"] == {"2600": {"lots": 5, "price_usd": 12_800_000}}
    assert second["bids"]["zong"] == {"3500": {"lots": 8}}
    assert {u["bidder"] for u in second["unapplied"]} == {"jazz", "zong"}
    assert all(u["message"] and u["rule"] for u in second["unapplied"])
    assert second["posted_prices"]["2600"] == 12_800_000
    # Sorted keys, no spaces: the same auction gives the same bytes.
    for line, record in zip(lines, records, strict=True):
        assert line == json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_replay_gives_the_same_outcome(pakistan: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    auction = pakistan_log(pakistan, path)
    again = replay(path)
    assert again.outcome() == auction.outcome()
    assert again.history == auction.history


def test_replay_detects_a_tampered_round(pakistan: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    pakistan_log(pakistan, path)
    records = list(read_log(path))
    records[2]["posted_prices"]["2600"] = 12_900_000
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    with pytest.raises(ReplayError, match="round 2 replays differently"):
        replay(path)


def test_replay_refuses_a_log_that_stops_early(pakistan: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    pakistan_log(pakistan, path)
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:2]))
    with pytest.raises(ReplayError, match="still open"):
        replay(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json\n", "log.jsonl:1: not JSON"),
        ('{"type": "round", "round": 1}\n', "the first line must be the header"),
        ('{"type": "header", "format": 99}\n', "log format 99"),
        ("[1, 2]\n", "not a round-log record"),
    ],
)
def test_replay_errors_name_the_file_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(text)
    with pytest.raises(ReplayError, match=message):
        replay(path)


def test_replay_of_a_round1_exclusion_without_a_submission(pakistan: Scenario, tmp_path: Path) -> None:
    # Zong submits nothing in round 1 and is excluded; the log must replay that (not refuse it).
    auction = ClockAuction(pakistan, ("jazz", "zong"), seed=2)
    path = tmp_path / "log.jsonl"
    write_log(auction, path, [{"jazz": {"2600": 5, "3500": 5}}])
    assert auction.outcome().excluded == ("zong",)
    assert replay(path).outcome() == auction.outcome()


def test_replay_of_an_accepted_penalty(pakistan: Scenario, tmp_path: Path) -> None:
    auction = ClockAuction(pakistan, ("jazz", "zong"), seed=2)
    out = io.StringIO()
    writer = RoundLogWriter(out)
    writer.header(auction)
    auction.submit("jazz", {"3500": Bid("3500", 3)}, accept_penalty=True)
    auction.submit("zong", {"2600": Bid("2600", 5), "3500": Bid("3500", 5)})
    writer.round(auction.close_round())
    writer.outcome(auction.outcome())
    path = tmp_path / "log.jsonl"
    path.write_text(out.getvalue())
    assert replay(path).outcome().forfeited_deposits == {"jazz": 15_000_000}


def test_replay_with_a_scenario_built_in_code(tmp_path: Path) -> None:
    scenario = one_band(10)
    auction = ClockAuction(scenario, seed=9)
    path = tmp_path / "log.jsonl"
    write_log(auction, path, [{"a": {"x": 6}, "b": {"x": 6}}, {}, {"a": {"x": (5, 1_080_000)}, "b": {"x": 5}}])
    assert auction.finished
    assert replay(path, scenario).outcome() == auction.outcome()
