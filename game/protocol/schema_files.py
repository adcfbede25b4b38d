"""The shipped JSON Schemas of protocol v1: ``game/protocol/schemas/*.json``, generated from the message models.

``python -m game.protocol.schema_files`` writes them; ``--check`` exits 1 if
any file differs from the models (the test suite runs the check). Never
imports pygame.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from game.protocol.messages import json_schemas

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def schema_texts() -> dict[str, str]:
    """File name -> text of every schema, as the generator writes it."""
    return {f"{name}.json": json.dumps(schema, indent=2, sort_keys=True) + "\n" for name, schema in json_schemas().items()}


def stale() -> list[str]:
    """Schema files that are missing, differ from the models, or are left over."""
    wanted = schema_texts()
    problems = [
        name for name, text in wanted.items()
        if not (SCHEMA_DIR / name).is_file() or (SCHEMA_DIR / name).read_text(encoding="utf-8") != text
    ]
    if SCHEMA_DIR.is_dir():
        problems += [p.name for p in SCHEMA_DIR.glob("*.json") if p.name not in wanted]
    return sorted(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m game.protocol.schema_files", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the shipped schemas are not current")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        if problems:
            print(f"stale protocol schemas: {', '.join(problems)}; run: python -m game.protocol.schema_files",
                  file=sys.stderr)
            return 1
        return 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for old in SCHEMA_DIR.glob("*.json"):
        old.unlink()
    for name, text in schema_texts().items():
        (SCHEMA_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(schema_texts())} schemas to {SCHEMA_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
