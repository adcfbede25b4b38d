"""Train a bidding policy against scripted rivals with the cross-entropy method (numpy only).

The policy is :class:`game.rl.learned.LinearBidPolicy`: 8 weights scoring
each band's allowed lot counts from the observation. Training plays
``game.rl.AuctionEnv`` episodes: the learning seat is drawn from the
scenario's default seats (so one policy plays any seat), the other seats are
scripted rivals (``--rivals``, default ``truthful``). Each generation draws
``--population`` weight vectors from a Gaussian, scores each one by its mean
utility ($m) over the same batch of (seed, seat) auctions (common random
numbers), and refits the Gaussian to the best ``--elite``. Training stops
after ``--minutes`` of wall time (the generation in progress finishes).

At the end the mean policy plays held-out auctions through the ordinary
strategy code (``make_agent``, the same loop as ``run.py auction``) in each
seat, against the same rivals, next to ``truthful`` and ``random`` in the
same seats and seeds. The script prints the learning curve and the
comparison, saves the curve as a PNG and the policy as ``.npz`` (play it with
``learned`` after copying it to ``assets/policies/learned.npz``, or with
:func:`game.rl.learned.learned_strategy`).

    python examples/learn_bidder.py --minutes 5 --jobs 2 --out runs/learned
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from game.agents.base import Agent  # noqa: E402
from game.agents.registry import make_agent  # noqa: E402
from game.economics.values import draw_valuations  # noqa: E402
from game.engine.allocation import ClockAuction  # noqa: E402
from game.rl import AuctionEnv  # noqa: E402
from game.rl.learned import FEATURES, LinearBidPolicy, learned_strategy  # noqa: E402
from game.rl.single import rival_rng  # noqa: E402
from game.scenario import load_scenario  # noqa: E402
from game.sessions.session import run_allocation  # noqa: E402

_ENVS: dict[str, AuctionEnv] = {}
_SETUP: dict[str, str] = {}


def _init(scenario: str, rivals: str) -> None:
    _SETUP.update(scenario=scenario, rivals=rivals)


def _env(seat: str) -> AuctionEnv:
    env = _ENVS.get(seat)
    if env is None:
        env = _ENVS[seat] = AuctionEnv(_SETUP["scenario"], bidder=seat, rivals=_SETUP["rivals"])
    return env


def episode_utility(theta: np.ndarray, seed: int, seat: str) -> float:
    """The learning seat's utility ($m) in one auction with policy ``theta``."""
    env = _env(seat)
    policy = LinearBidPolicy(theta)
    obs, _ = env.reset(seed=seed)
    while True:
        obs, reward, done, _, _ = env.step(policy.act(env.encoder, obs["observation"], obs["action_mask"]))
        if done:
            return float(reward)


def score(job: tuple[np.ndarray, list[tuple[int, str]]]) -> float:
    theta, batch = job
    return float(np.mean([episode_utility(theta, seed, seat) for seed, seat in batch]))


def play_strategy(scenario_name: str, strategy: str, seat: str, seed: int, rivals: str) -> float:
    """Utility ($m) of ``strategy`` in ``seat`` of auction ``seed``, played as ``run.py auction`` plays it.

    ``strategy`` is a registered strategy spec, or ``policy:PATH`` for a policy file.
    """
    scenario = load_scenario(scenario_name)
    bidders = list(scenario.default_bidders)
    values = draw_valuations(scenario, bidders, seed)
    agents: dict[str, Agent] = {}
    for b in bidders:
        if b == seat and strategy.startswith("policy:"):
            agent: Agent = learned_strategy("trained", strategy[len("policy:"):])(b, values[b], rival_rng(seed, b), scenario)
        else:
            agent = make_agent(strategy if b == seat else rivals, b, scenario, values[b], rival_rng(seed, b))
        agents[b] = agent
    run = run_allocation(ClockAuction(scenario, bidders, seed=seed), agents)
    out = run.outcome
    utility = values[seat].value(out.lots[seat]) - out.payments[seat] - out.forfeited_deposits.get(seat, 0)
    return utility / 1e6


def _evaluate(job: tuple[str, str, str, int, str]) -> float:
    return play_strategy(*job)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="pakistan-2026")
    parser.add_argument("--rivals", default="truthful", help="strategy spec of every other seat")
    parser.add_argument("--minutes", type=float, default=5.0, help="wall time for training")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--population", type=int, default=16)
    parser.add_argument("--elite", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=4, help="auctions per seat in each generation's batch")
    parser.add_argument("--eval-seeds", type=int, default=60, help="held-out auctions per seat for the final comparison")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/learned"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    seats = list(load_scenario(args.scenario).default_bidders)
    rng = np.random.default_rng(args.seed)
    dim = len(FEATURES)
    mean, std = np.zeros(dim), np.ones(dim)
    curve: list[dict[str, float]] = []
    episodes = 0
    started = time.monotonic()
    pool = ProcessPoolExecutor(args.jobs, initializer=_init, initargs=(args.scenario, args.rivals))
    _init(args.scenario, args.rivals)
    print(f"CEM on {dim} weights; learning seat drawn from {', '.join(seats)}; rivals {args.rivals}; {args.minutes:g} min")
    generation = 0
    while time.monotonic() - started < args.minutes * 60:
        generation += 1
        # Training seeds are >= 1_000_000; the held-out evaluation uses 0..eval_seeds-1.
        batch = [(1_000_000 + int(rng.integers(0, 10**9)), seat) for seat in seats for _ in range(args.seeds)]
        thetas = [mean, *(mean + std * rng.standard_normal(dim) for _ in range(args.population))]
        scores = list(pool.map(score, [(t, batch) for t in thetas], chunksize=max(1, len(thetas) // (4 * args.jobs))))
        episodes += len(thetas) * len(batch)
        order = np.argsort(scores[1:])[::-1][: args.elite]
        elite = np.array([thetas[1 + i] for i in order])
        mean = elite.mean(axis=0)
        std = np.maximum(elite.std(axis=0), 0.05 * max(0.0, 1 - generation / 60)) + 0.02
        point = {
            "generation": generation,
            "episodes": episodes,
            "minutes": (time.monotonic() - started) / 60,
            "mean_policy": scores[0],
            "population": float(np.mean(scores[1:])),
            "elite": float(np.mean([scores[1 + i] for i in order])),
        }
        curve.append(point)
        print(
            f"gen {generation:3d}  {point['minutes']:5.2f} min  {episodes:6d} episodes  "
            f"mean policy {point['mean_policy']:8.1f}  population {point['population']:8.1f}  elite {point['elite']:8.1f} ($m)",
            flush=True,
        )
    policy = LinearBidPolicy(mean)
    policy_path = args.out / "policy.npz"
    policy.save(policy_path)

    # Held-out comparison through the ordinary strategy code, same seats and seeds for every strategy.
    results: dict[str, dict[str, float]] = {}
    for name, strategy in (("learned", f"policy:{policy_path}"), ("truthful", "truthful"), ("random", "random")):
        jobs = [(args.scenario, strategy, seat, seed, args.rivals) for seat in seats for seed in range(args.eval_seeds)]
        utilities = list(pool.map(_evaluate, jobs, chunksize=8))
        per_seat = {seat: statistics.fmean(utilities[i * args.eval_seeds:(i + 1) * args.eval_seeds]) for i, seat in enumerate(seats)}
        results[name] = {"mean": statistics.fmean(utilities), **per_seat}
    pool.shutdown()
    print(f"\nheld-out auctions: seeds 0..{args.eval_seeds - 1} x seats {', '.join(seats)}, rivals {args.rivals}; mean utility $m")
    print(f"{'strategy':10s} {'all seats':>10s} " + " ".join(f"{s:>9s}" for s in seats))
    for name, row in results.items():
        print(f"{name:10s} {row['mean']:10.1f} " + " ".join(f"{row[s]:9.1f}" for s in seats))
    print(f"weights: {np.array2string(mean, precision=3)}")
    (args.out / "result.json").write_text(
        json.dumps(
            {"curve": curve, "evaluation": results, "theta": mean.tolist(), "args": {k: str(v) for k, v in vars(args).items()}}, indent=1
        )
    )
    _plot(curve, results, args.out / "learning_curve.png", args.rivals)
    print(f"saved {policy_path}, {args.out / 'learning_curve.png'}, {args.out / 'result.json'}")
    return 0


def _plot(curve: list[dict[str, float]], results: dict[str, dict[str, float]], path: Path, rivals: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    x = [p["episodes"] for p in curve]
    ax.plot(x, [p["mean_policy"] for p in curve], label="mean policy (training batch)")
    ax.plot(x, [p["population"] for p in curve], alpha=0.5, label="population average")
    for name, style in (("truthful", "--"), ("random", ":")):
        ax.axhline(results[name]["mean"], linestyle=style, color="grey", label=f"{name} (held-out)")
    ax.axhline(results["learned"]["mean"], linestyle="-.", color="black", label="learned (held-out)")
    ax.set_xlabel("training auctions played")
    ax.set_ylabel("mean utility ($m)")
    ax.set_title(f"CEM, linear bid policy vs {rivals} rivals")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
