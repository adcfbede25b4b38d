"""Instructions per environment step, counted by valgrind: a speed figure that a noisy host cannot move.

``benchmarks/rl.py`` measures CPU time, which on a shared machine swings by a
third between runs of the same code. To tell whether a change made
``AuctionParallelEnv.step`` cheaper, this script counts the machine
instructions instead (valgrind's callgrind tool), which are the same on
every run:

1. it records a workload once: ``--steps`` steps of random masked actions
   (as ``benchmarks/rl.py`` plays them) on the Pakistan scenario, 3 seats;
2. under callgrind, it replays the workload twice from the same start, once
   with the steps and once with only the resets;
3. the difference, divided by the steps, is the instructions per step.

Give several source trees to compare them on the same workload (each is put
first on ``sys.path``; the workload must play the same auctions under each,
which holds for changes that keep results byte-identical)::

    python benchmarks/rl_instructions.py [--steps 1000] [--resets] [TREE ...]   # default: this checkout

Needs ``valgrind`` on the PATH; takes about a minute per tree (trees run two
at a time). ``PYTHONHASHSEED`` is fixed so that string hashing, and with it
every dict probe, is the same on every run.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
WARM_EPISODES = 20
"""Episodes replayed (uncounted difference: both runs replay them) before the counted part: imports and caches."""


def record(root: Path, steps: int, seed: int, out: Path) -> int:
    """Play ``steps`` steps of random masked actions; save [(auction seed, [actions per step])]; the episode count."""
    sys.path.insert(0, str(root))
    import numpy as np

    from game.rl import AuctionParallelEnv

    env = AuctionParallelEnv("pakistan-2026")
    rng = np.random.default_rng(seed)
    episodes: list[tuple[int, list[dict[str, list[int]]]]] = []
    done = 0
    while done < steps:
        auction_seed = seed * 1_000_003 + len(episodes)
        obs, _ = env.reset(seed=auction_seed)
        actions: list[dict[str, list[int]]] = []
        while env.agents and done < steps:
            step = {
                agent: [int(rng.choice(np.flatnonzero(m))) if m.any() else 0 for m in obs[agent]["action_mask"]]
                for agent in env.agents
            }
            actions.append(step)
            obs, *_ = env.step({agent: np.array(a, dtype=np.int64) for agent, a in step.items()})
            done += 1
        episodes.append((auction_seed, actions))
    out.write_bytes(pickle.dumps(episodes))
    return len(episodes)


def replay(root: Path, workload: Path, mode: str) -> None:
    """The counted program after the warm-up: every episode's reset and steps ("steps"), its reset only ("resets"),
    or nothing ("none")."""
    sys.path.insert(0, str(root))
    import numpy as np

    from game.rl import AuctionParallelEnv

    episodes = pickle.loads(workload.read_bytes())
    env = AuctionParallelEnv("pakistan-2026")
    prepared = [(s, [{a: np.array(x, dtype=np.int64) for a, x in step.items()} for step in acts]) for s, acts in episodes]
    for auction_seed, actions in prepared[:WARM_EPISODES]:
        env.reset(seed=auction_seed)
        for step in actions:
            env.step(step)
    if mode == "none":
        return
    for auction_seed, actions in prepared:
        env.reset(seed=auction_seed)
        if mode == "steps":
            for step in actions:
                env.step(step)


def instructions(root: Path, workload: Path, mode: str) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--replay", str(root), str(workload), mode,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed on {root}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_step(root: Path, workload: Path, steps: int, episodes: int, resets: bool) -> tuple[float, float | None]:
    """(instructions a step, instructions a reset or None when not asked)."""
    with_resets = instructions(root, workload, "resets")
    step = (instructions(root, workload, "steps") - with_resets) / steps
    return step, (with_resets - instructions(root, workload, "none")) / episodes if resets else None


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--replay":
        replay(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", type=Path, help="source trees to compare (default: this checkout)")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--resets", action="store_true", help="also count the instructions of a reset (a third run)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    trees = [t.resolve() for t in args.trees] or [HERE.parent]
    with tempfile.TemporaryDirectory() as tmp:
        workload = Path(tmp) / "workload.pickle"
        # Recorded in a child process with the first tree, so that this process imports no tree of its own.
        recorded = subprocess.run(
            [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); import rl_instructions as r; "
             f"print(r.record(__import__('pathlib').Path({str(trees[0])!r}), {args.steps}, {args.seed}, "
             f"__import__('pathlib').Path({str(workload)!r})))"],
            check=True, stdout=subprocess.PIPE, text=True,
        )
        episodes = int(recorded.stdout.split()[-1])
        with ThreadPoolExecutor(max_workers=2) as pool:
            counts = list(pool.map(lambda t: per_step(t, workload, args.steps, episodes, args.resets), trees))
    first, first_reset = counts[0]
    for tree, (count, reset) in zip(trees, counts, strict=True):
        line = f"{tree}: {count:,.0f} instructions a step ({count / first:.3f} of the first)"
        if reset is not None and first_reset:
            line += f"; {reset:,.0f} a reset ({reset / first_reset:.3f})"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
