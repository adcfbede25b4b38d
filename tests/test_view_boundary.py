"""What a seat sees comes from its view: the desktop game never reads the round log or engine internals for it.

The rule (game/records/view.py): what one bidder may see is built in one place,
``build_view``; the UI and the match read that view. These tests fail if a
screen or ``Match`` reads an auction's ``.history`` for a seat's own data, or
touches a private attribute of an engine object, and check that the view's own
processing steps are exactly the seat's own part of the round and nothing more.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from conftest import play_scripted
from hypothesis import given, settings
from hypothesis import strategies as st

import game
from game.engine.allocation import ClockAuction, ProcessingStep, RoundResult
from game.engine.assignment import AssignmentStage, BandAssignment, scripted_bidders
from game.engine.rules import Bid
from game.records.view import LastRound, OwnStep, build_view
from game.scenario import load_scenario
from game.sessions.match import Match, MatchSetup, Seat

ROOT = Path(game.__file__).parent
MATCH = ROOT / "sessions" / "match.py"
UI = sorted((ROOT / "ui").glob("*.py"))

HISTORY_ALLOWED_IN_MATCH = {"history", "closed_rounds", "to_json"}
"""Match functions that may read the round log: the public log itself, the round count, and the save file."""


def _functions(tree: ast.AST) -> dict[ast.AST, str]:
    """Every node -> the name of the innermost function around it ('' at module level)."""
    owner: dict[ast.AST, str] = {}

    def walk(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            here = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else name
            owner[child] = here
            walk(child, here)

    walk(tree, "")
    return owner


def history_reads(path: Path, allowed: set[str]) -> list[str]:
    """``x.history`` outside the allowed functions, as 'file:line in function'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owner = _functions(tree)
    return [
        f"{path.name}:{node.lineno} in {owner.get(node, '') or 'module'}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "history" and owner.get(node, "") not in allowed
    ]


def private_reads(path: Path, own: set[str]) -> list[str]:
    """``x._name`` where x is not one of ``own`` (self, cls, ...), and getattr/hasattr/setattr(x, "_name")."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in own)
        ):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and node.args[1].value.startswith("_")
            and not node.args[1].value.startswith("__")
            and not (isinstance(node.args[0], ast.Name) and node.args[0].id in own)
        ):
            found.append(f"{path.name}:{node.lineno} {node.func.id}(..., {node.args[1].value!r})")
    return found


def test_the_screens_never_read_an_auctions_history() -> None:
    assert UI, "no UI modules found"
    assert [r for path in UI for r in history_reads(path, set())] == []


def test_match_reads_the_round_log_only_for_the_log_itself_and_the_save() -> None:
    assert history_reads(MATCH, HISTORY_ALLOWED_IN_MATCH) == []


def test_the_screens_and_match_touch_no_private_attribute_of_engine_objects() -> None:
    found = [r for path in UI for r in private_reads(path, {"self", "cls"})]
    # Inside Match.load, ``match`` is the Match being built: its own private helpers, not the engine's.
    found += private_reads(MATCH, {"self", "cls", "match"})
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "def f(m):\n    return m.history[-1]\n",
        "def f(m, b):\n    return m.auction.history[b]\n",
        "def f(stage):\n    return stage._bands\n",
        "def f(stage):\n    return getattr(stage, '_bands', {})\n",
    ],
)
def test_the_checks_catch_what_they_forbid(tmp_path: Path, source: str) -> None:
    path = tmp_path / "screen.py"
    path.write_text(source)
    assert history_reads(path, set()) or private_reads(path, {"self", "cls"})


# ------------------------------------------------------------------ the view's own steps


def _played(seed: int, rounds: int, strategies: list[str]) -> ClockAuction:
    return play_scripted(load_scenario("pakistan-2026"), ["jazz", "zong", "ufone"], strategies, seed, rounds)[0]


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10**6),
    rounds=st.integers(min_value=1, max_value=6),
    strategies=st.lists(st.sampled_from(["truthful", "reducer", "random", "aggressive"]), min_size=3, max_size=3),
)
def test_the_views_steps_and_price_points_are_the_seats_own_part_of_last_round(
    seed: int, rounds: int, strategies: list[str]
) -> None:
    auction = _played(seed, rounds, strategies)
    last: RoundResult = auction.history[-1]
    for bidder in auction.bidders:
        mine = build_view(auction, bidder).last_round
        assert mine is not None and mine.round == last.round
        own = [s for s in last.steps if s.bidder == bidder]
        assert [(s.band, s.from_lots, s.to_lots, s.requested, s.price_usd) for s in mine.steps] == [
            (s.band, s.from_lots, s.to_lots, s.requested, s.price_usd) for s in own
        ]
        bids = last.bids.get(bidder, {})
        assert dict(mine.price_points) == {k: b.price_usd or last.clock_prices[k] for k, b in bids.items()}
        # Immutable records that name no bidder and lead nowhere: no engine step, no round result.
        assert type(mine.steps) is tuple and all(type(s) is OwnStep for s in mine.steps)
        assert not any(isinstance(s, ProcessingStep) for s in mine.steps)
        with pytest.raises(TypeError):
            mine.price_points["700"] = 1  # type: ignore[index]


def test_a_view_before_round_1_closes_has_no_steps_and_an_old_built_last_round_defaults_to_none() -> None:
    scenario = load_scenario("pakistan-2026")
    auction = ClockAuction(scenario, seed=1)
    assert build_view(auction, "jazz").last_round is None
    bare = LastRound(1, {}, {}, (), {}, {})  # as a protocol worker built it before the fields existed
    assert bare.steps == () and dict(bare.price_points) == {}


def test_a_match_keeps_each_seats_rounds_as_its_view_showed_them() -> None:
    match = Match(MatchSetup(seats=(Seat("jazz"), Seat("zong", "truthful"), Seat("ufone", "truthful")), seed=2))
    for _ in range(3):
        for rival in match.rivals_to_bid():
            match.ask_rival(rival)
        match.submit("jazz", {"2600": Bid("2600", 8), "3500": Bid("3500", 12)} if match.round == 1 else {})
        match.close_round()
        if match.finished:
            break
    for bidder in match.setup.bidders:
        kept = match.own_rounds(bidder)
        assert [r.round for r in kept] == list(range(1, match.closed_rounds + 1))
        assert kept[-1] == match.view(bidder).last_round
        assert match.own_steps(bidder) == kept[-1].steps
    assert match.own_steps("jazz", 99) == ()


# ------------------------------------------------------------------ the assignment stage's settled bands


def test_a_settled_bands_result_is_public_and_read_only() -> None:
    scenario = load_scenario("pakistan-2026")
    match = Match(MatchSetup(seats=(Seat("jazz", "truthful"), Seat("zong", "truthful"), Seat("ufone", "truthful")), seed=3))
    while not match.finished:
        for rival in match.rivals_to_bid():
            match.ask_rival(rival)
        match.close_round()
    outcome = match.outcome()
    stage = AssignmentStage(scenario, outcome, 3)
    assert stage.bands_to_position(), "this game needs a band to position"
    rivals = scripted_bidders(scenario, outcome, 3)
    seen: dict[str, BandAssignment] = {}
    while not stage.finished:
        for band in stage.bands_to_position():
            assert (stage.settled(band) is None) == (band in stage.open_bands())
        for bidder, agent in rivals.items():
            for band, view in stage.views(bidder).items():
                stage.submit(bidder, band, agent.ask(view))
        stage.close_round()
        for band in stage.bands_to_position():
            result = stage.settled(band)
            if result is not None:
                seen.setdefault(band, result)
    final = stage.outcome()
    for band, result in seen.items():
        assert result == final.bands[band]  # settled once, never changed after
        with pytest.raises(TypeError):
            result.prices["jazz"] = 0  # type: ignore[index]
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.rounds = 0  # type: ignore[misc]
    with pytest.raises(KeyError):
        stage.settled("no such band")


def test_own_steps_are_processing_steps_without_the_bidder() -> None:
    """Views build an OwnStep from ``step[1:]``, a ProcessingStep without its bidder: the fields must line up, name for name."""
    from game.engine.allocation import ProcessingStep
    from game.records.view import OwnStep

    assert ProcessingStep._fields[0] == "bidder"
    assert ProcessingStep._fields[1:] == OwnStep._fields
