"""Golden outputs: the JSON reports and round logs of fixed scenarios, strategy mixes and seeds stay byte-identical.

A change that is meant to change results regenerates them with
``python tests/golden/regenerate.py`` in the same commit and says why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(GOLDEN))

from cases import cases  # noqa: E402

from game.cli.main import main  # noqa: E402


@pytest.mark.parametrize(("name", "args"), cases(), ids=[name for name, _ in cases()])
def test_golden_outputs_unchanged(name: str, args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOLDEN.parent.parent)
    json_path, log_path = tmp_path / "out.json", tmp_path / "log.jsonl"
    assert main([*args, "--json", str(json_path), "--log", str(log_path)]) == 0
    for produced, kept in ((json_path, GOLDEN / "outputs" / f"{name}.json"), (log_path, GOLDEN / "outputs" / f"{name}.jsonl")):
        assert produced.read_bytes() == kept.read_bytes(), (
            f"{kept.name} changed; if the change is meant, regenerate with `python tests/golden/regenerate.py` and say why"
        )
