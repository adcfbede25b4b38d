"""Rewrite the golden files: ``python tests/golden/regenerate.py``.

Run it only when a change is *meant* to change auction results (say so in the
commit message); the golden test exists to catch every other change.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from cases import cases  # noqa: E402


def main() -> int:
    out = HERE / "outputs"
    out.mkdir(exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    for name, args in cases():
        cmd = [sys.executable, str(ROOT / "run.py"), *args, "--json", str(out / f"{name}.json"), "--log", str(out / f"{name}.jsonl")]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{name}: exit {done.returncode}\n{done.stderr}", file=sys.stderr)
            return 1
    print(f"wrote {len(cases())} cases to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
