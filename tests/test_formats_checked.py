"""The shared checked reader: bounds before parsing, NaN/inf refused, errors worded with key path and short value."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from game.scenario import checked


class _Inner(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    lots: int
    price_usd: int | None = None


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    items: list[_Inner]
    rate: float = 1.0


def test_quote_cuts_long_input_and_says_how_long() -> None:
    text = checked.quote("B" * 2_000_000)
    assert len(text) < 120 and "2000000 characters" in text
    assert checked.quote("short") == "'short'"
    assert checked.quote(10**200) == "a number of 201 digits"
    assert checked.key_text("k" * 5000).endswith("(5000 characters)")


@pytest.mark.parametrize("toml", [False, True])
def test_nesting_beyond_the_bound_is_found_before_parsing(toml: bool) -> None:
    deep = "[" * 5000 + "]" * 5000
    text = ("a = " + deep) if toml else deep
    tree, problems = checked.parse_text(text, toml=toml)
    assert tree is None and "nested more than 64 levels deep" in problems[0]


def test_brackets_inside_strings_and_comments_do_not_count() -> None:
    json_text = '{"name": "' + "[" * 500 + '"}'
    assert checked.parse_text(json_text, toml=False) == ({"name": "[" * 500}, [])
    toml_text = 'name = "' + "{" * 500 + '"  # ' + "[" * 500 + "\nother = '" + "[" * 300 + "'\n"
    tree, problems = checked.parse_text(toml_text, toml=True)
    assert problems == [] and tree == {"name": "{" * 500, "other": "[" * 300}


def test_toml_dotted_keys_nested_deeply_are_refused_after_parsing() -> None:
    tree, problems = checked.parse_text("a" + ".a" * 200 + " = 1\n", toml=True)
    assert tree is None and "nested more than" in problems[0]


@pytest.mark.parametrize("toml", [False, True])
def test_a_number_of_5000_digits_is_refused_not_a_crash(toml: bool) -> None:
    text = ("a = " if toml else '{"a": ') + "9" * 5000 + ("" if toml else "}")
    tree, problems = checked.parse_text(text, toml=toml)
    assert tree is None and "5000 digits is out of range" in problems[0] and "line 1" in problems[0]


def test_long_digit_runs_inside_strings_are_fine() -> None:
    assert checked.parse_text('{"id": "' + "1" * 500 + '"}', toml=False)[1] == []


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_are_refused_with_their_path(constant: str) -> None:
    tree, problems = checked.parse_text('{"items": [], "rate": ' + constant + "}", toml=False)
    assert problems == []
    model, problems = checked.validate(_Doc, tree)
    assert model is None and problems == [f"rate: must be a finite number, found {tree['rate']!r}"]
    assert not math.isfinite(tree["rate"])


def test_every_problem_at_once_with_path_value_and_known_keys() -> None:
    doc = {"items": [{"lots": "two"}, {"lots": 1, "colour": "x"}, {"price_usd": 5}], "extra": 1}
    model, problems = checked.validate(_Doc, doc, table="an object")
    assert model is None
    assert problems == [
        "items[0].lots: must be an integer, found 'two'",
        "items[1].colour: unknown key (known keys: lots, price_usd)",
        "items[2].lots: missing",
        "extra: unknown key (known keys: items, rate)",
    ]


def test_list_items_with_an_id_are_named_by_it() -> None:
    tree = {"bands": [{"id": "2600", "lots": 1}]}
    assert checked.render_path(tree, ("bands", 0, "lots")) == "bands[2600].lots"
    assert checked.render_path(tree, ("bands", 0, "missing_key"), missing_last=True) == "bands[2600].missing_key"


def test_load_names_the_file_and_refuses_big_binary_or_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(checked.CheckedError, match=r"not a UTF-8 text file|not UTF-8"):
        checked.load(path, _Doc, toml=False, what="doc")
    path.write_text('{"items": []}' + " " * 100)
    with pytest.raises(checked.CheckedError, match="larger than 50 bytes"):
        checked.load(path, _Doc, toml=False, what="doc", limit=50)
    with pytest.raises(checked.CheckedError, match="file not found"):
        checked.load(tmp_path / "none.json", _Doc, toml=False, what="doc")
    with pytest.raises(checked.CheckedError, match="is a directory"):
        checked.load(tmp_path, _Doc, toml=False, what="doc")
    path.write_text('{"items": [{"lots": 3}]}')
    model, tree = checked.load(path, _Doc, toml=False, what="doc")
    assert model.items[0].lots == 3 and tree == {"items": [{"lots": 3}]}
