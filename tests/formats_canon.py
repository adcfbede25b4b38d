"""Canonical documents of every file format, built once, for the format and fuzz tests."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from game.cli.main import main
from game.engine.rules import Bid
from game.scenario import SCENARIO_DIR
from game.sessions.match import Match, MatchSetup

SCENARIO_TEXT = (SCENARIO_DIR / "pakistan-2026.toml").read_text(encoding="utf-8")
PLAN: dict[str, Any] = {
    "bidders": {
        "jazz": [{"700": 1, "2600": 8, "3500": 10}, {"2600": {"lots": 6, "price_usd": 12_900_000}}],
        "zong": [{"2600": 7, "3500": 10}, {}, {"3500": 8}],
        "ufone": [{"2600": 6, "3500": 10, "accept_penalty": False}],
    },
    "notes": "canonical plan of the format tests",
}
SETTINGS: dict[str, Any] = {
    "scenario": "pakistan-2026", "scenario_sha256": "ab" * 32, "bidders": ["jazz", "zong", "ufone"],
    "strategies": ["truthful", "reducer"], "seed": 1, "agent_timeout_s": 2.0, "agent_modules": [["my_agent.py", ""]],
}


def run_cli(argv: Sequence[str]) -> tuple[int, str]:
    """(exit status, stderr) of the command line; an exception escaping main() fails the caller."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(argv))
    return code, err.getvalue()


@cache
def log_lines() -> tuple[str, ...]:
    """The round log of a short finished auction (truthful Jazz, Zong and Ufone, seed 1): header, rounds, outcome.

    Three bidders, since on the calibrated market truthful Jazz and Zong alone settle in round 1,
    and the format tests need at least two rounds (shuffled rounds, rounds after the end).
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.jsonl"
        bidders = "jazz=truthful,zong=truthful,ufone=truthful"
        code, err = run_cli(["auction", "--bidders", bidders, "--seed", "1", "--log", str(path), "--quiet"])
        assert code == 0, err
        lines = tuple(path.read_text(encoding="utf-8").splitlines())
        assert len(lines) >= 4, "the canonical log must have two or more rounds"
        return lines


def log_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in log_lines()]


@cache
def save_text() -> str:
    """A saved desktop game two rounds in and still open (Jazz human, scripted Zong and Ufone).

    Jazz's round-1 demand is large enough that the calibrated cautious rivals keep the clock
    going after Jazz drops out in round 2, so the save resumes at round 3.
    """
    match = Match(MatchSetup())
    for _ in range(2):
        for rival in match.rivals_to_bid():
            match.ask_rival(rival)
        for human in match.humans_to_bid():
            bids = {b: Bid(b, q) for b, q in {"2600": 10, "3500": 14}.items()} if match.round == 1 else {}
            match.submit(human, bids)
        match.close_round()
    assert not match.finished, "the canonical save must be of a game still being played"
    return json.dumps(match.to_json(), indent=1, sort_keys=True) + "\n"
