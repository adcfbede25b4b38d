"""Every file format has one declared schema; its JSON Schema export is committed and accepts our own files."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from formats_canon import PLAN, SETTINGS, log_records, save_text

from game.cli.schemas import all_schemas, export, main, render
from game.scenario import SCENARIO_DIR, shipped_scenarios

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def test_committed_schemas_equal_what_the_export_command_writes(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 0
    produced = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.json")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.json")}
    assert produced == committed, "run: python -m game.cli.schemas docs/schemas"


def test_export_covers_every_format() -> None:
    names = set(all_schemas())
    assert {"scenario", "plan", "roundlog-line", "save", "tournament-settings"} <= names
    assert {"protocol-engine-to-agent", "protocol-agent-to-engine"} <= names


def test_export_command_without_a_directory_is_a_usage_error() -> None:
    assert main([]) == 2


def _validator(name: str) -> object:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("scenario", shipped_scenarios())
def test_exported_scenario_schema_accepts_the_shipped_scenarios(scenario: str) -> None:
    tree = tomllib.loads((SCENARIO_DIR / f"{scenario}.toml").read_text(encoding="utf-8"))
    _validator("scenario").validate(tree)  # type: ignore[attr-defined]


def test_exported_schemas_accept_a_plan_a_log_a_save_and_settings() -> None:
    _validator("plan").validate(PLAN)  # type: ignore[attr-defined]
    line = _validator("roundlog-line")
    for record in log_records():
        line.validate(record)  # type: ignore[attr-defined]
    _validator("save").validate(json.loads(save_text()))  # type: ignore[attr-defined]
    _validator("tournament-settings").validate(SETTINGS)  # type: ignore[attr-defined]


def test_exported_schemas_refuse_what_the_loaders_refuse() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    bad_plan = {"bidders": {"jazz": [{"2600": 2.5}]}}
    assert not _validator("plan").is_valid(bad_plan)  # type: ignore[attr-defined]
    tree = tomllib.loads((SCENARIO_DIR / "pakistan-2026.toml").read_text(encoding="utf-8"))
    tree["rules"]["incremnt_percent"] = 5
    with pytest.raises(jsonschema.ValidationError):
        _validator("scenario").validate(tree)  # type: ignore[attr-defined]


def test_render_is_stable(tmp_path: Path) -> None:
    first = [p.read_text() for p in export(tmp_path / "a")]
    second = [p.read_text() for p in export(tmp_path / "b")]
    assert first == second
    assert render({"b": 1, "a": 2}) == '{\n  "a": 2,\n  "b": 1\n}\n'
