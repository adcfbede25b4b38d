"""Fuzz every file format: each input is refused cleanly, or accepted with the canonical document's result.

Documents are mutated from the canonical ones (tests/formats_canon.py) in
three families:

- breaking: NaN/inf, numbers beyond every bound, 5,000-digit numbers, deep
  nesting, a table where a value belongs, binary garbage -- must be refused
  with our error type (never another exception);
- neutral: reordered keys, other spacing, comments, equivalent numbers --
  must be accepted with the same result as the canonical document;
- anything else (random values at random places, truncation): refused
  cleanly or accepted; no other exception may escape.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from formats_canon import PLAN, SCENARIO_TEXT, SETTINGS, log_lines, save_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.agents.plan import PlanError, load_plan, parse_plan
from game.formats.meta import read_settings
from game.records.roundlog import ReplayError, replay
from game.scenario import Scenario, ScenarioError, checked, load_scenario
from game.sessions.match import Match, SaveError

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW_FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_TMP = Path(tempfile.mkdtemp(prefix="formats-fuzz-"))
_names = itertools.count()

HUGE_MARK = "__HUGE_NUMBER__"
BREAKING_VALUES: list[Any] = [float("nan"), float("inf"), float("-inf"), 10**20, {"?": []}, HUGE_MARK]


def _fresh(suffix: str, data: str | bytes) -> Path:
    """A new file for each example (the scenario cache is keyed by path and mtime)."""
    path = _TMP / f"doc{next(_names)}{suffix}"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


# ---------------------------------------------------------------- mutating parsed JSON documents


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _paths(v, (*prefix, i))


def _replace(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(tree))
    node = copy
    for seg in path[:-1]:
        node = node[seg]
    node[path[-1]] = value
    return copy


def _deep(depth: int, inner: str) -> str:
    """A marker for a value nested ``depth`` lists deep (written at text level: json.dumps would recurse)."""
    return f"__DEEP_{depth}_{inner}__"


def _dumps(tree: Any, **kw: Any) -> str:
    text = json.dumps(tree, **kw).replace(f'"{HUGE_MARK}"', "9" * 5000)
    return re.sub(r'"__DEEP_(\d+)_(\w*)__"', lambda m: "[" * int(m[1]) + (m[2] or "{}") + "]" * int(m[1]), text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def breaking(draw: st.DrawFn, tree: Any, *, skip: Callable[[tuple[Any, ...]], bool] = lambda p: False) -> str:
    """A JSON text of the tree with one node replaced by a value no schema accepts, or nested too deep."""
    path = draw(st.sampled_from([p for p in _paths(tree) if p and not skip(p)]))
    if draw(st.booleans()):
        value = draw(st.sampled_from(BREAKING_VALUES))
    else:
        value = _deep(draw(st.integers(70, 3000)), draw(st.sampled_from(["0", "true", ""])))
    return _dumps(_replace(tree, path, value))


@st.composite
def neutral(draw: st.DrawFn, tree: Any) -> str:
    """The same document written differently: keys reordered, other spacing."""
    def shuffle(node: Any) -> Any:
        if isinstance(node, dict):
            keys = draw(st.permutations(list(node)))
            return {k: shuffle(node[k]) for k in keys}
        if isinstance(node, list):
            return [shuffle(v) for v in node]
        return node
    indent = draw(st.sampled_from([None, 0, 1, 4, "\t"]))
    return json.dumps(shuffle(tree), indent=indent) + draw(st.sampled_from(["", "\n", "  \n\n"]))


@st.composite
def anything(draw: st.DrawFn, tree: Any) -> bytes:
    """A random value at a random place, or a truncated document, or binary garbage."""
    kind = draw(st.sampled_from(["value", "truncate", "garbage"]))
    text = json.dumps(tree)
    if kind == "value":
        path = draw(st.sampled_from(list(_paths(tree))))
        return _dumps(_replace(tree, path, draw(json_values))).encode("utf-8")
    if kind == "truncate":
        return text.encode("utf-8")[: draw(st.integers(0, len(text) - 1))]
    return draw(st.binary(max_size=200))


def _refused(call: Callable[[], object], error: type[Exception]) -> str:
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert message and "Traceback" not in message
    assert len(message) < 20_000  # user input quoted short, never echoed whole
    return message


def _clean(call: Callable[[], object], error: type[Exception]) -> bool:
    """True if accepted, False if refused with our error; any other exception fails the test."""
    try:
        call()
    except error as exc:
        assert str(exc)
        return False
    return True


# ---------------------------------------------------------------- bid plans


def _plan(text: str | bytes, scenario: Scenario) -> Any:
    return load_plan(_fresh(".json", text), scenario)


@FUZZ
@given(data=st.data())
def test_plan_breaking_mutations_are_refused(pakistan: Scenario, data: st.DataObject) -> None:
    # "notes" takes any string or list of strings; its items are not the plan's bids.
    text = data.draw(breaking(PLAN, skip=lambda p: p[0] == "notes" and len(p) > 1))
    _refused(lambda: _plan(text, pakistan), PlanError)


@FUZZ
@given(data=st.data())
def test_plan_neutral_rewrites_give_the_same_bids(pakistan: Scenario, data: st.DataObject) -> None:
    assert _plan(data.draw(neutral(PLAN)), pakistan) == parse_plan(PLAN, pakistan)


@FUZZ
@given(data=st.data())
def test_plan_anything_is_refused_cleanly_or_accepted(pakistan: Scenario, data: st.DataObject) -> None:
    _clean(lambda: _plan(data.draw(anything(PLAN)), pakistan), PlanError)


# ---------------------------------------------------------------- scenario TOML (mutated as text: no TOML writer)

_ASSIGNMENT = re.compile(r"^([ \t]*[A-Za-z0-9_\"\.\- ]+?[ \t]*=[ \t]*)(.+)$", re.MULTILINE)
_LINES = [m.start() for m in _ASSIGNMENT.finditer(SCENARIO_TEXT)]
_canonical_scenario = load_scenario(str(_fresh(".toml", SCENARIO_TEXT)))


def _facts(s: Scenario) -> Scenario:
    return dataclasses.replace(s, sha256="", source_path="")


def _scenario(text: str | bytes) -> Scenario:
    return load_scenario(str(_fresh(".toml", text)))


def _replace_value(at: int, value: str) -> str:
    match = _ASSIGNMENT.match(SCENARIO_TEXT, at)
    assert match is not None
    return SCENARIO_TEXT[: match.start(2)] + value + SCENARIO_TEXT[match.end(2):]


TOML_BREAKING = ["nan", "inf", "-inf", "+inf", "1" + "0" * 20, "9" * 5000, "{ x = [] }"]


@FUZZ
@given(at=st.sampled_from(_LINES), value=st.sampled_from(TOML_BREAKING) | st.integers(70, 3000).map(lambda d: "[" * d + "]" * d))
def test_scenario_breaking_mutations_are_refused(at: int, value: str) -> None:
    _refused(lambda: _scenario(_replace_value(at, value)), ScenarioError)


_N_LINES = len(SCENARIO_TEXT.splitlines())


@FUZZ
@given(
    inserts=st.lists(st.tuples(st.integers(0, _N_LINES - 1), st.sampled_from(["", "# a [comment] = {x}", "   "])), max_size=8),
    trailing=st.sets(st.integers(0, _N_LINES - 1), max_size=8),
    floats=st.booleans(),
    underscores=st.booleans(),
)
def test_scenario_neutral_rewrites_give_the_same_scenario(
    inserts: list[tuple[int, str]], trailing: set[int], floats: bool, underscores: bool
) -> None:
    lines = SCENARIO_TEXT.splitlines()
    for i in trailing:
        lines[i] += " \t"
    if floats:  # 10 MHz as 10.0: the same number
        lines = [re.sub(r"^(\s*(?:lot|offered|overall|low_band)_mhz = )(\d+)(\s|$)", r"\1\2.0\3", x) for x in lines]
    if underscores:  # 15_000_000 as 15000000
        lines = [re.sub(r"(\d)_(\d)", r"\1\2", x) if re.match(r"^\s*\w+_usd = ", x) else x for x in lines]
    for i, extra in sorted(inserts, reverse=True):
        lines.insert(i, extra)
    assert _facts(_scenario("\n".join(lines) + "\n")) == _facts(_canonical_scenario)


@FUZZ
@given(data=st.data())
def test_scenario_anything_is_refused_cleanly_or_accepted(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["value", "truncate", "garbage", "line"]))
    if kind == "value":
        value = data.draw(st.sampled_from(['"x"', "true", "-1", "0", "1.5", "[]", "{}", '["700"]', "0.05", "1e300", '"5e3"']))
        text: str | bytes = _replace_value(data.draw(st.sampled_from(_LINES)), value)
    elif kind == "truncate":
        text = SCENARIO_TEXT[: data.draw(st.integers(0, len(SCENARIO_TEXT) - 1))]
    elif kind == "line":
        lines = SCENARIO_TEXT.splitlines()
        del lines[data.draw(st.integers(0, len(lines) - 1))]
        text = "\n".join(lines)
    else:
        text = data.draw(st.binary(max_size=300))
    _clean(lambda: _scenario(text), ScenarioError)


# ---------------------------------------------------------------- round logs (one mutated line)


def _log_records() -> list[Any]:
    return [json.loads(line) for line in log_lines()]


def _replay(lines: list[str] | bytes) -> Any:
    data = lines if isinstance(lines, bytes) else "\n".join(lines) + "\n"
    return replay(_fresh(".jsonl", data))


_canonical_outcome = None


def _outcome() -> Any:
    global _canonical_outcome
    if _canonical_outcome is None:
        _canonical_outcome = _replay(list(log_lines())).outcome()
    return _canonical_outcome


@SLOW_FUZZ
@given(data=st.data())
def test_log_breaking_mutations_are_refused(data: st.DataObject) -> None:
    records = _log_records()
    n = data.draw(st.integers(0, len(records) - 1))
    # A record's "message" and "rule" are free text; the type tag is checked by its own test below.
    text = data.draw(breaking(records[n], skip=lambda p: p == ("type",)))
    lines = list(log_lines())
    lines[n] = text
    _refused(lambda: _replay(lines), ReplayError)


@SLOW_FUZZ
@given(data=st.data())
def test_log_neutral_rewrites_give_the_same_outcome(data: st.DataObject) -> None:
    lines = [data.draw(neutral(r)).replace("\n", " ") for r in _log_records()]
    blank = data.draw(st.integers(0, len(lines)))
    lines.insert(blank, "   ")
    assert _replay(lines).outcome() == _outcome()


@SLOW_FUZZ
@given(data=st.data())
def test_log_anything_is_refused_cleanly_or_accepted(data: st.DataObject) -> None:
    records = _log_records()
    kind = data.draw(st.sampled_from(["line", "order", "garbage"]))
    if kind == "line":
        n = data.draw(st.integers(0, len(records) - 1))
        lines = list(log_lines())
        lines[n] = data.draw(anything(records[n])).decode("utf-8", "replace").replace("\n", " ")
        _clean(lambda: _replay(lines), ReplayError)
    elif kind == "order":
        order = data.draw(st.permutations(list(log_lines())))
        keep = data.draw(st.integers(0, len(order)))
        _clean(lambda: _replay(list(order[:keep])), ReplayError)
    else:
        _clean(lambda: _replay(data.draw(st.binary(max_size=300))), ReplayError)


# ---------------------------------------------------------------- save files


def _load_save(text: str | bytes) -> Match:
    return Match.load(_fresh(".json", text))


_canonical_save = json.loads(save_text())


def _history(match: Match) -> Any:
    return [(r.round, dict(r.posted_prices)) for r in match.history]


@SLOW_FUZZ
@given(data=st.data())
def test_save_breaking_mutations_are_refused(data: st.DataObject) -> None:
    _refused(lambda: _load_save(data.draw(breaking(_canonical_save))), SaveError)


@SLOW_FUZZ
@given(data=st.data())
def test_save_neutral_rewrites_resume_the_same_game(data: st.DataObject) -> None:
    expected = _history(_load_save(save_text()))
    assert _history(_load_save(data.draw(neutral(_canonical_save)))) == expected


@SLOW_FUZZ
@given(data=st.data())
def test_save_anything_is_refused_cleanly_or_accepted(data: st.DataObject) -> None:
    _clean(lambda: _load_save(data.draw(anything(_canonical_save))), SaveError)


# ---------------------------------------------------------------- tournament settings


@FUZZ
@given(data=st.data())
def test_settings_breaking_mutations_are_refused(data: st.DataObject) -> None:
    _refused(lambda: read_settings(data.draw(breaking(SETTINGS)), "meta"), checked.CheckedError)


@FUZZ
@given(data=st.data())
def test_settings_neutral_and_anything(data: st.DataObject) -> None:
    assert read_settings(data.draw(neutral(SETTINGS)), "meta") == SETTINGS
    text = data.draw(anything(SETTINGS)).decode("utf-8", "replace")
    _clean(lambda: read_settings(text, "meta"), checked.CheckedError)


# ---------------------------------------------------------------- command-line flags


class _AuctionStarted(Exception):
    """Raised in place of the auction: the flags were accepted up front."""


def _no_auction(*args: object, **kwargs: object) -> object:
    raise _AuctionStarted


flag_text = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["-1", "0", "150", "1e999", "nan", "inf", "10.85", "deferred:-5", "deferred:0", "deferred:150", "deferred:60", "upfront",
     "", " ", ".", "/", "/proc/version", "9" * 5000, str(2**64)]
)


@FUZZ
@given(
    flags=st.lists(
        st.tuples(st.sampled_from(["--kibor", "--discount-rate", "--payment-plan", "--seed", "--scenario", "--json", "--log"]), flag_text),
        max_size=3,
    )
)
def test_cli_flags_are_refused_cleanly_or_accepted(flags: list[tuple[str, str]]) -> None:
    import contextlib
    import io
    import os

    import game.cli.main as cli_main

    argv = ["auction", "--bidders", "jazz=truthful", "--quiet"]
    for flag, value in flags:
        argv += [flag, value]
    before = os.getcwd()
    original = cli_main.run_allocation
    cli_main.run_allocation = _no_auction  # type: ignore[assignment]
    err = io.StringIO()
    try:
        os.chdir(_TMP)
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = cli_main.main(argv)
        assert code == 2 and "error:" in err.getvalue()
    except SystemExit as exc:  # argparse: a bad --seed
        assert exc.code == 2
    except _AuctionStarted:
        pass
    finally:
        cli_main.run_allocation = original  # type: ignore[assignment]
        os.chdir(before)
    assert "Traceback" not in err.getvalue()
    assert len(err.getvalue()) < 2000
