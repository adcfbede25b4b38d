"""Round logs against their declared schema: every line checked, in order, before and while replaying."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from formats_canon import log_records, run_cli

from game.records.roundlog import ReplayError, replay

Records = list[dict[str, Any]]


def _write(path: Path, records: Records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _header(change: Callable[[dict[str, Any]], object]) -> Callable[[Records], Records]:
    def apply(records: Records) -> Records:
        change(records[0])
        return records
    return apply


def _round(change: Callable[[dict[str, Any]], object]) -> Callable[[Records], Records]:
    def apply(records: Records) -> Records:
        change(records[1])
        return records
    return apply


def _first_bid(r: dict[str, Any]) -> dict[str, Any]:
    bids = r["bids"]["jazz"]
    return bids[next(iter(bids))]  # type: ignore[no-any-return]


CASES: list[tuple[str, Callable[[Records], Records], str]] = [
    ("header without scenario", _header(lambda h: h.pop("scenario")), "line 1 (header): scenario: missing"),
    ("header without bidders", _header(lambda h: h.pop("bidders")), "line 1 (header): bidders: missing"),
    ("bidders as a string", _header(lambda h: h.update(bidders="jazz")), "bidders: must be a list, found 'jazz'"),
    ("unknown bidder", _header(lambda h: h.update(bidders=["jazz", "nobody"])), "unknown bidder(s) nobody"),
    ("seed abc", _header(lambda h: h.update(seed="abc")), "seed: must be an integer, found 'abc'"),
    ("seed -1", _header(lambda h: h.update(seed=-1)), "seed: must not be negative, found -1"),
    ("huge seed", _header(lambda h: h.update(seed=10**30)), "seed: must be at most"),
    ("round without round", _round(lambda r: r.pop("round")), "line 2 (round): round: missing"),
    ("round without bids", _round(lambda r: r.pop("bids")), "line 2 (round): bids: missing"),
    ("bids as a list", _round(lambda r: r.update(bids=[])), "bids: must be an object, found []"),
    ("bid without lots", _round(lambda r: _first_bid(r).pop("lots")), "lots: missing"),
    ("bid of inf lots", _round(lambda r: _first_bid(r).update(lots=float("inf"))), "must be a finite number, found inf"),
    ("bid of an unknown band", _round(lambda r: r["bids"]["jazz"].update({"2500": {"lots": 1}})), "bids.jazz.2500: unknown band"),
    ("outcome before the rounds", lambda rs: [rs[0], rs[-1], *rs[1:-1]], "the outcome record must be the last line"),
    ("shuffled rounds", lambda rs: [rs[0], rs[2], rs[1], *rs[3:]], "expected round 1, log has 2"),
    ("unknown record type", lambda rs: [*rs[:2], {"type": "weird"}, *rs[2:]], "unknown record type 'weird'"),
    ("no outcome", lambda rs: rs[:-1], "has no outcome line"),
    ("two headers", lambda rs: [rs[0], *rs], "a second header record"),
    ("rounds after the end", lambda rs: [*rs[:-1], {**rs[-2], "round": len(rs) - 1}, rs[-1]], "the log goes on"),
]


def _refusal(path: Path) -> str:
    with pytest.raises(ReplayError) as info:
        replay(path)
    return str(info.value)


def test_the_canonical_log_replays() -> None:
    assert len(log_records()) >= 4  # header, two or more rounds, outcome


@pytest.mark.parametrize(("name", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_logs_are_refused_with_a_message(
    tmp_path: Path, name: str, change: Callable[[Records], Records], expected: str
) -> None:
    path = _write(tmp_path / "log.jsonl", change(copy.deepcopy(log_records())))
    with pytest.raises(ReplayError) as info:
        replay(path)
    assert expected in str(info.value), name
    code, err = run_cli(["replay", str(path), "--quiet"])
    assert code == 2 and "Traceback" not in err and "log.jsonl" in err


def test_every_line_problem_at_once(tmp_path: Path) -> None:
    records = copy.deepcopy(log_records())
    records[0]["seed"] = "abc"
    records[1]["bids"] = []
    records[2]["round"] = None
    path = _write(tmp_path / "log.jsonl", records)
    message = _refusal(path)
    assert "has 3 problem(s)" in message
    assert "line 1 (header): seed" in message and "line 2 (round): bids" in message and "line 3 (round): round" in message


def test_deep_and_huge_lines_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text("[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert "nested more than" in _refusal(path)
    records = copy.deepcopy(log_records())
    text = json.dumps(records[0]).replace('"seed": 1', '"seed": ' + "9" * 5000)
    path.write_text(text + "\n", encoding="utf-8")
    assert "5000 digits" in _refusal(path)
