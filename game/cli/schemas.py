"""Export every file format's JSON Schema: ``python -m game.cli.schemas docs/schemas``.

The schemas are derived from the declared models (the scenario's in
:mod:`game.scenario.schema`, the others in :mod:`game.formats`, the
protocol's in :mod:`game.protocol.messages`), so other tools can validate
our files too. ``tests/test_formats_schemas.py`` checks that the committed
files equal what this command writes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from game.formats.meta import TournamentSettings
from game.formats.plan import PlanFile
from game.formats.roundlog import RECORD, Header, Outcome, RoundLine
from game.formats.save import SaveFile
from game.protocol.messages import json_schemas as protocol_schemas
from game.scenario.schema import ScenarioFile


def all_schemas() -> dict[str, dict[str, Any]]:
    """File name (without .json) -> JSON Schema, for every format."""
    roundlog_line = RECORD.json_schema()
    roundlog_line["title"] = "Spectrum-auction round log line (JSON Lines: header, round..., outcome)"
    schemas: dict[str, dict[str, Any]] = {
        "scenario": ScenarioFile.model_json_schema(),
        "plan": PlanFile.model_json_schema(),
        "roundlog-line": roundlog_line,
        "roundlog-header": Header.model_json_schema(),
        "roundlog-round": RoundLine.model_json_schema(),
        "roundlog-outcome": Outcome.model_json_schema(),
        "save": SaveFile.model_json_schema(),
        "tournament-settings": TournamentSettings.model_json_schema(),
    }
    for name, schema in protocol_schemas().items():
        schemas[f"protocol-{name}"] = schema
    return schemas


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export(directory: str | Path) -> list[Path]:
    """Write ``NAME.json`` for each schema into ``directory``; the paths written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = out / f"{name}.json"
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m game.cli.schemas DIRECTORY   (e.g. docs/schemas)", file=sys.stderr)
        return 2
    for path in export(args[0]):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
