"""Speed of the learning environment: rounds (steps of all seats at once) per second of CPU time.

Plays ``AuctionParallelEnv`` on the Pakistan scenario with its 3 default
seats, every seat taking uniformly random actions among those its mask
allows. Reported per repeat: steps/s counting only the CPU time inside
``env.step`` (the figure the target is on), and the same including
``env.reset`` (values drawn, encoders refilled, first observations). Action
sampling is the benchmark's, not the environment's, and is not timed.
Prints the median and the range over the repeats; exits 1 when the median
step rate misses the target.

    python benchmarks/rl.py [--steps 3000] [--repeats 5] [--target 3000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from game.rl import AuctionParallelEnv


def run(env: AuctionParallelEnv, steps: int, seed: int) -> tuple[float, float, int]:
    """(CPU seconds in step, CPU seconds in reset, episodes) for ``steps`` steps."""
    rng = np.random.default_rng(seed)
    legal: dict[int, np.ndarray] = {}  # masks are shared read-only arrays: their legal indices, by identity

    def sample(mask: tuple[np.ndarray, ...]) -> np.ndarray:
        choice = []
        for m in mask:
            idx = legal.get(id(m))
            if idx is None:
                idx = legal[id(m)] = np.flatnonzero(m)
            choice.append(int(idx[int(rng.integers(len(idx)))]) if len(idx) else 0)
        return np.array(choice, dtype=np.int64)

    clock = time.process_time
    in_step = in_reset = 0.0
    done = episodes = 0
    while done < steps:
        started = clock()
        obs, _ = env.reset(seed=seed * 1_000_003 + episodes)
        in_reset += clock() - started
        episodes += 1
        while env.agents and done < steps:
            actions = {a: sample(obs[a]["action_mask"]) for a in env.agents}
            started = clock()
            obs, _, _, _, _ = env.step(actions)
            in_step += clock() - started
            done += 1
        # Masks kept by id must stay alive: the env's mask cache holds them.
    return in_step, in_reset, episodes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--target", type=float, default=3000.0, help="steps/s (CPU time in step) the median must reach")
    args = parser.parse_args()
    env = AuctionParallelEnv("pakistan-2026")
    run(env, 200, 999)  # warm up: imports, caches
    step_rates: list[float] = []
    overall: list[float] = []
    for r in range(args.repeats):
        in_step, in_reset, episodes = run(env, args.steps, r)
        step_rates.append(args.steps / in_step)
        overall.append(args.steps / (in_step + in_reset))
        print(
            f"repeat {r + 1}: {args.steps} steps in {episodes} auctions: {args.steps / in_step:,.0f} steps/s in step; "
            f"{args.steps / (in_step + in_reset):,.0f} steps/s with resets ({in_reset / episodes * 1e6:,.0f} us per reset)"
        )
    median = statistics.median(step_rates)
    print(
        f"pakistan-2026, 3 seats, random masked actions: median {median:,.0f} steps/s in step "
        f"(range {min(step_rates):,.0f}-{max(step_rates):,.0f}); with resets median {statistics.median(overall):,.0f} "
        f"(range {min(overall):,.0f}-{max(overall):,.0f}); target {args.target:,.0f} steps/s on one core"
    )
    if median < args.target:
        print(f"MISSED: median {median:,.0f} < {args.target:,.0f} steps/s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
