"""The golden cases: fixed scenarios, strategy mixes and seeds whose outputs are kept under ``tests/golden/``.

Each case is the ``run.py auction`` command line that makes its ``--json``
report and ``--log`` round log. ``python tests/golden/regenerate.py`` writes
the files; ``tests/test_golden.py`` runs the same commands and compares bytes.
"""

from __future__ import annotations

SCENARIOS = ("pakistan-2026", "pakistan-2026-directive-literal")
MIXES = (
    "jazz=truthful,zong=truthful,ufone=truthful",
    "jazz=truthful,zong=reducer,ufone=random",
    "jazz=parker,zong=aggressive,ufone=truthful",
    "jazz=reducer,zong=reducer,ufone=parker",
    "jazz=random,zong=random,ufone=random",
    "jazz=truthful,zong=reducer,ufone=parker,entrant=aggressive",
)
SEEDS = (1, 7, 2026)


def cases() -> list[tuple[str, list[str]]]:
    """(name, CLI arguments without --json/--log) for every golden case."""
    out = []
    for scenario in SCENARIOS:
        for m, mix in enumerate(MIXES):
            for seed in SEEDS:
                name = f"{scenario}-mix{m}-seed{seed}"
                out.append((name, ["auction", "--scenario", scenario, "--bidders", mix, "--seed", str(seed), "--quiet"]))
    return out
