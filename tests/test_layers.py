"""The game's layers import one way, and no import circle exists.

Reads every module's imports with :mod:`ast` (imports under ``TYPE_CHECKING``
aside, since they never run), including those inside functions, and checks
them against the layer table below, which is also the map a newcomer reads in
``game/__init__.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GAME = Path(__file__).resolve().parent.parent / "game"

# Layer of each top-level part of the package: a module may import its own layer and lower ones.
LAYERS: dict[str, int] = {
    "scenario": 1,  # scenario data, its schema, units
    "engine": 2,  # rules, the allocation and assignment stages, the band plan
    "records": 3,  # what a bidder may see (view), round logs, reports
    "economics": 3,  # values, welfare, payments
    "formats": 3,  # file formats: schemas and checked readers
    "agents": 4,
    "protocol": 4,
    "sessions": 4,
    "tournament": 4,
    "rl": 4,
    "cli": 5,
    "ui": 5,
}


def module_name(path: Path) -> str:
    rel = path.relative_to(GAME.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skipped.update(id(n) for n in ast.walk(child))
    return skipped


def imports_of(path: Path) -> set[str]:
    """Modules of the game that ``path`` imports at run time (anywhere in the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("game"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if not base.startswith("game"):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if _exists(candidate) else base)
    return {m for m in found if m != "game"}


def _exists(module: str) -> bool:
    rel = Path(*module.split("."))
    return (GAME.parent / rel).with_suffix(".py").exists() or (GAME.parent / rel / "__init__.py").exists()


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in GAME.rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) < 2:
        return 0  # game/__init__.py: the map, imports nothing
    assert parts[1] in LAYERS, f"{module}: put it in a layer (add its folder to LAYERS and to game/__init__.py)"
    return LAYERS[parts[1]]


def test_every_module_belongs_to_a_layer() -> None:
    for module in graph():
        layer_of(module)


def test_no_lower_layer_imports_a_higher_one() -> None:
    wrong = [
        f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
        for module, targets in graph().items()
        for target in sorted(targets)
        if layer_of(target) > layer_of(module)
    ]
    assert not wrong, "\n".join(wrong)


def find_circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return circles


def test_no_import_circles() -> None:
    assert find_circles(graph()) == []


def test_the_checker_sees_a_circle_and_an_upward_import() -> None:
    assert find_circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("game.engine.rules") < layer_of("game.sessions.match")


@pytest.mark.parametrize("module", ["game.scenario", "game.engine", "game.records", "game.economics"])
def test_engine_layers_never_import_pygame(module: str) -> None:
    package = GAME / module.split(".")[1]
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import pygame" not in text, path
