"""Checked reading of user files: bounded size and nesting, parsed, validated against a declared schema.

Every file format of the game (scenario TOML, bid plans, round logs, save
files, tournament settings) is read through here, so that bad input is
refused the same way: the file named, each problem with its key path, the
offending value quoted short, and every problem at once -- never a
traceback. The bounds are checked *before* the parser runs: Python's JSON
and TOML parsers recurse once per level, and ``int()`` refuses more than
4,300 digits, so a deeply nested or very long document would otherwise crash
them. Layer 1 (imports nothing else of the game); never imports pygame.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import numpy as np
from pydantic import BaseModel, ValidationError

MAX_FILE_BYTES = 20_000_000
"""Largest file any reader accepts (a 500-round log of six bidders is a few MB)."""
MAX_DEPTH = 64
"""Deepest nesting of arrays and tables/objects; our formats use at most 8."""
MAX_DIGITS = 100
"""Longest run of digits in a number; our largest figures (US dollars, seeds) have at most 20."""
QUOTE_CHARS = 60
"""User input quoted in a message is cut to this many characters."""
MAX_SHOWN = 50
"""Problems a message lists before it sums up the rest (a file can hold a million bad entries)."""

M = TypeVar("M", bound=BaseModel)


def problem_list(problems: Sequence[str], limit: int = MAX_SHOWN) -> str:
    """The problems as message lines ("  - ..."), at most ``limit`` of them and a count of the rest."""
    lines = [f"  - {p}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"  ... and {len(problems) - limit} more")
    return "\n".join(lines)


class CheckedError(ValueError):
    """A file that cannot be used: ``source`` names it, ``problems`` lists every reason as "key.path: problem"."""

    def __init__(self, source: str, problems: Sequence[str], *, what: str = "file") -> None:
        self.source = source
        self.problems = list(problems)
        self.what = what
        super().__init__(f"{what} {source} has {len(self.problems)} problem(s):\n{problem_list(self.problems)}")


def quote(value: Any, limit: int = QUOTE_CHARS) -> str:
    """A value from user input for a message: its repr, cut to a readable length.

    >>> quote("B" * 1000)
    "'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'... (1000 characters)"
    >>> quote(-65), quote(True)
    ('-65', 'true')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else repr(value[:limit]) + f"... ({len(value)} characters)"
    if isinstance(value, int) and abs(value) >= 10**limit:
        return f"a number of {len(str(abs(value)))} digits"
    if isinstance(value, dict | list):
        text = ""
        if len(value) <= 8:  # a big one is summed up without writing it out first
            try:
                text = json.dumps(value, allow_nan=True, ensure_ascii=False)
            except (ValueError, TypeError, RecursionError):
                text = ""
        if text and len(text) <= limit:
            return text
        if isinstance(value, dict):
            return "a table" if not value else f"a table of {len(value)} key(s)"
        return "an empty list" if not value else f"a list of {len(value)} item(s)"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def key_text(key: Any) -> str:
    """A key of user input inside a key path, cut short (a 2 MB key must not echo whole)."""
    text = str(key)
    return text if len(text) <= 40 else text[:40] + f"...({len(text)} characters)"


# ---------------------------------------------------------------- reading and bounding


def read_bytes(path: str | Path, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; :class:`OSError` as Python raises it, :class:`ValueError` if larger than ``limit``."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit:,} bytes")
    return data


_JSON_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_TOML_SKIPPED = re.compile(
    r'"""(?:[^\\]|\\.)*?(?:"""|$)|\'\'\'.*?(?:\'\'\'|$)|"(?:[^"\\\n]|\\.)*"?|\'[^\'\n]*\'?|#[^\n]*',
    re.DOTALL,
)
_LONG_DIGITS = re.compile(r"[0-9](?:_?[0-9]){" + str(MAX_DIGITS) + ",}")


def bound_problems(text: str, *, toml: bool, max_depth: int = MAX_DEPTH) -> list[str]:
    """Problems that would crash the parser, found by a cheap scan outside strings (and comments).

    Counts the nesting of brackets and braces, and the length of digit runs;
    a too-deep or too-long document is refused before it is parsed.
    """
    bare = (_TOML_SKIPPED if toml else _JSON_STRINGS).sub('""', text)
    problems: list[str] = []
    if _deepest(bare) > max_depth:
        inner = "tables" if toml else "objects"
        problems.append(f"nested more than {max_depth} levels deep (lists and {inner} inside each other)")
    long = _LONG_DIGITS.search(bare)
    if long is not None:
        line = bare.count("\n", 0, long.start()) + 1
        digits = len(long.group().replace("_", ""))
        problems.append(f"line {line}: a number of {digits} digits is out of range (at most {MAX_DIGITS})")
    return problems


_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1
_CHUNK = 1 << 20


def _deepest(text: str) -> int:
    """Deepest bracket nesting of ``text`` (strings already taken out), in chunks: a running sum of +1/-1."""
    data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    depth = deepest = 0
    for start in range(0, len(data), _CHUNK):
        running = np.cumsum(_OPEN[data[start : start + _CHUNK]], dtype=np.int64) + depth
        if len(running):
            deepest = max(deepest, int(running.max()))
            depth = int(running[-1])
    return deepest


def tree_depth_exceeds(tree: Any, max_depth: int = MAX_DEPTH) -> bool:
    """Whether a parsed tree nests deeper than ``max_depth`` (iterative: never recurses itself).

    TOML's dotted keys (``a.b.c.d = 1``) nest tables without any bracket, so
    the bracket scan alone cannot bound them.
    """
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def _refuse_constant(name: str) -> float:
    # NaN, Infinity and -Infinity are not JSON; Python's parser accepts them unless told not to.
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def parse_json(text: str) -> Any:
    """JSON, after :func:`bound_problems`; ``NaN``/``Infinity`` parse to floats that the schemas refuse."""
    return json.loads(text, parse_constant=_refuse_constant)


def parse_text(text: str, *, toml: bool, max_depth: int = MAX_DEPTH) -> tuple[Any, list[str]]:
    """(tree, problems): problems are bounds or syntax, each a whole sentence; tree is None if any."""
    problems = bound_problems(text, toml=toml, max_depth=max_depth)
    if problems:
        return None, problems
    kind = "TOML" if toml else "JSON"
    try:
        tree = tomllib.loads(text) if toml else parse_json(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        return None, [f"not valid {kind}: {exc}"]
    except (RecursionError, ValueError) as exc:
        # The scans above should have caught these; never let them escape as a traceback.
        return None, [f"not valid {kind}: {str(exc)[:200]}"]
    if tree_depth_exceeds(tree, max_depth):
        return None, [f"nested more than {max_depth} levels deep"]
    return tree, []


class ReadError(ValueError):
    """A file that could not be read or parsed; ``problems`` says why, ``missing`` if it does not exist."""

    def __init__(self, problems: list[str], *, missing: bool = False) -> None:
        self.problems = problems
        self.missing = missing
        super().__init__("; ".join(problems))


def read_tree(path: str | Path, *, toml: bool, kind: str, limit: int = MAX_FILE_BYTES) -> Any:
    """A file read with a size bound, decoded, bounded in depth and digits, and parsed; or :class:`ReadError`.

    ``kind`` names the file in a message ("a plan is JSON").
    """
    return read_document(path, toml=toml, kind=kind, limit=limit)[0]


def read_document(path: str | Path, *, toml: bool, kind: str, limit: int = MAX_FILE_BYTES) -> tuple[Any, bytes]:
    """(parsed tree, the bytes it was parsed from): :func:`read_tree` for callers that fingerprint the file."""
    try:
        data = read_bytes(path, limit=limit)
    except FileNotFoundError:
        raise ReadError(["file not found"], missing=True) from None
    except IsADirectoryError:
        raise ReadError(["is a directory, not a file"]) from None
    except OSError as exc:
        raise ReadError([f"cannot read: {exc.strerror}"]) from None
    except ValueError as exc:
        raise ReadError([str(exc)]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReadError([f"not a UTF-8 text file (a {kind} is {'TOML' if toml else 'JSON'})"]) from None
    tree, problems = parse_text(text, toml=toml)
    if problems:
        raise ReadError(problems)
    return tree, data


# ---------------------------------------------------------------- numbers no schema may see


def number_problems(tree: Any) -> list[tuple[tuple[Any, ...], str]]:
    """(location, problem) for each NaN or infinite number anywhere in a parsed tree (iterative)."""
    found: list[tuple[tuple[Any, ...], str]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(tree, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            found.append((loc, f"must be a finite number, found {node!r}"))
        elif isinstance(node, dict):
            stack.extend((v, (*loc, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*loc, i)) for i, v in enumerate(node))
    found.sort(key=lambda item: [str(x) for x in item[0]])
    return found


# ---------------------------------------------------------------- pydantic errors in our words


def has_part(node: Any, seg: Any) -> bool:
    """Whether ``node[seg]`` is part of the document (a key of a table, an index of a list)."""
    if isinstance(node, dict):
        return seg in node
    return isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node)


def render_path(tree: Any, loc: Iterable[Any], *, missing_last: bool = False) -> str:
    """A pydantic error location as our key path: ``bands[2600].lots``, ``bidders.jazz[0].2600``.

    A list item that is a table with a string ``id`` is named by its id (as
    the scenario's ``[[bands]]`` are). Parts of ``loc`` that are not keys of
    the document (pydantic's names for union members) are left out.
    """
    parts: list[str] = []
    node = tree
    items = list(loc)
    for n, seg in enumerate(items):
        if isinstance(node, dict) and seg in node:
            parts.append(("." if parts else "") + key_text(seg))
            node = node[seg]
        elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            item = node[seg]
            ident = item.get("id") if isinstance(item, dict) else None
            parts.append(f"[{key_text(ident)}]" if isinstance(ident, str) and ident else f"[{seg}]")
            node = item
        elif missing_last and n == len(items) - 1:
            parts.append(("." if parts else "") + key_text(seg))
        # else: a union member's name, not part of the document
    return "".join(parts)


_SIMPLE = {
    "missing": "missing",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "none_required": "must be null",
}


def _known_keys(model: type[BaseModel] | None, tree: Any, loc: Sequence[Any]) -> list[str]:
    """Field names (aliases) of the model that validates the table at ``loc`` -- for "unknown key" messages."""
    current: Any = model
    node = tree
    for seg in loc:
        if not has_part(node, seg):
            continue  # a union member's name
        node = node[seg]
        current = _unwrap(current, node, seg)
    current = _unwrap_container(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(f.alias or name for name, f in current.model_fields.items())
    return []


def _unwrap_container(tp: Any) -> Any:
    """The model, list or dict type inside ``Annotated[...]`` and unions (a model first)."""
    if isinstance(tp, type) or get_origin(tp) in (list, dict):
        return tp
    args = [a for a in get_args(tp) if a is not type(None)]
    inner = [_unwrap_container(a) for a in args if not isinstance(a, str | int | float) and (get_args(a) or isinstance(a, type))]
    models = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
    if models:
        return models[0]
    containers = [a for a in inner if get_origin(a) in (list, dict)]
    return containers[0] if containers else None


def _unwrap(tp: Any, node: Any, seg: Any) -> Any:
    tp = _unwrap_container(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, f in tp.model_fields.items():
            if seg in (name, f.alias):
                return f.annotation
        try:
            extra = get_type_hints(tp).get("__pydantic_extra__")
        except (NameError, TypeError):
            return None
        return get_args(extra)[1] if get_origin(extra) is dict else None
    origin = get_origin(tp)
    if origin is list:
        return get_args(tp)[0]
    if origin is dict:
        return get_args(tp)[1]
    if origin is Union or (origin is not None and str(origin) == "types.UnionType"):
        return None
    return None


def error_message(error: Mapping[str, Any], *, table: str = "a table", known: Sequence[str] = ()) -> str:
    """One pydantic error in our words, with the value quoted short."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return f"unknown key (known keys: {', '.join(known)})" if known else "unknown key"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        text = f"must be {table}"
    elif kind in _SIMPLE:
        text = _SIMPLE[kind]
    elif kind == "greater_than" and ctx.get("gt") == 0:
        text = "must be positive"
    elif kind == "greater_than_equal" and ctx.get("ge") == 0:
        text = "must not be negative"
    elif kind == "greater_than_equal":
        text = f"must be at least {ctx.get('ge')}"
    elif kind == "greater_than":
        text = f"must be more than {ctx.get('gt')}"
    elif kind == "less_than_equal":
        text = f"must be at most {ctx.get('le')}"
    elif kind == "less_than":
        text = f"must be below {ctx.get('lt')}"
    elif kind == "literal_error":
        # pydantic says "'a', 'b' or 'c'"; we list the choices as the rest of our messages do.
        text = "must be one of " + str(ctx.get("expected", "")).replace("' or '", "', '").replace("'", "")
    elif kind in ("too_short", "string_too_short"):
        text = "must not be empty" if ctx.get("min_length") == 1 else f"must have at least {ctx.get('min_length')} item(s)"
    elif kind in ("too_long", "string_too_long"):
        text = f"must have at most {ctx.get('max_length')} {'characters' if kind == 'string_too_long' else 'item(s)'}"
    elif kind == "string_pattern_mismatch":
        text = f"must match {ctx.get('pattern')}"
    elif kind == "union_tag_invalid":
        return f"unknown {ctx.get('discriminator', 'type')} {quote(ctx.get('tag'))} (known: {ctx.get('expected_tags')})"
    elif kind == "union_tag_not_found":
        return f"missing {ctx.get('discriminator', 'type')}"
    elif kind.startswith("unknown_"):
        # A key naming something the file does not declare (game/scenario/schema.py): the key path shows it already.
        return str(error.get("msg", kind))
    elif kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error", error.get("msg", "")))
    else:
        text = str(error.get("msg", kind))
    if isinstance(value, dict) and not value and kind in ("dict_type", "model_type"):
        return text
    return f"{text}, found {quote(value)}"


def related(path: str, others: Iterable[str]) -> bool:
    """Whether a problem at ``path`` is one already reported at one of ``others``.

    The same path, a path inside a reported one, or a list that holds a
    reported item (``holdings.jazz[0]`` for ``holdings.jazz[0][1]``) -- not a
    table that holds one: its other keys are still worth a word.
    """
    for other in others:
        if path == other or (other == "" and path) or path.startswith(other + ".") or path.startswith(other + "["):
            return True
        if other.startswith(path) and re.fullmatch(r"(\[[^\]]*\])+", other[len(path):]):
            return True
    return False


def schema_problems(
    model: type[BaseModel], tree: Any, exc: ValidationError, *, table: str = "a table", skip: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """(key path, problem) for each error of a validation, in document order, union alternatives merged."""
    skipped = set(skip)
    merged: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        path = render_path(tree, loc, missing_last=error["type"] == "missing")
        if related(path, skipped):
            continue
        known: list[str] = []
        if error["type"] == "extra_forbidden":
            known = _known_keys(model, tree, loc[:-1])
        message = error_message(error, table=table, known=known)
        messages = merged.setdefault(path, [])
        if message not in messages:
            messages.append(message)
    result: list[tuple[str, str]] = []
    for path, messages in merged.items():
        if len(messages) > 1:
            found = [m.partition(", found ")[2] for m in messages]
            if len(set(found)) == 1 and found[0]:
                heads = [m.partition(", found ")[0].removeprefix("must be ") for m in messages]
                messages = ["must be " + " or ".join(heads) + ", found " + found[0]]
        result.extend((path, m) for m in messages)
    return result


def validate(
    model: type[M], tree: Any, *, table: str = "a table", context: Mapping[str, Any] | None = None
) -> tuple[M | None, list[str]]:
    """(model or None, problems as "key.path: problem"): NaN/inf anywhere first, then the schema."""
    problems: list[str] = []
    skip: list[str] = []
    for loc, message in number_problems(tree):
        path = render_path(tree, loc)
        skip.append(path)
        problems.append(f"{path}: {message}" if path else message)
    try:
        result = model.model_validate(tree, context=dict(context) if context else None)
    except ValidationError as exc:
        for path, message in schema_problems(model, tree, exc, table=table, skip=skip):
            problems.append(f"{path}: {message}" if path else message)
        return None, problems
    return (None if problems else result), problems


def load(
    path: str | Path,
    model: type[M],
    *,
    toml: bool,
    what: str,
    limit: int = MAX_FILE_BYTES,
    context: Mapping[str, Any] | None = None,
) -> tuple[M, Any]:
    """Read, bound, parse and validate one file: (model, parsed tree), or :class:`CheckedError` naming ``what``."""
    try:
        tree = read_tree(path, toml=toml, kind=what, limit=limit)
    except ReadError as exc:
        raise CheckedError(str(path), exc.problems, what=what) from None
    result, problems = validate(model, tree, table="a table" if toml else "an object", context=context)
    if result is None:
        raise CheckedError(str(path), problems, what=what)
    return result, tree
