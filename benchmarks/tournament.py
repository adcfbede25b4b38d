"""Tournament throughput end to end: the command a researcher types, wall clock, start-up included.

    python benchmarks/tournament.py [--auctions 1000] [--repeat 3] [--modes on,skipped]

Runs ``python run.py tournament --strategies truthful,reducer,random
--auctions N --jobs 2 --no-plots`` in a fresh process ``--repeat`` times per
mode and prints the median rate with its range, and the CPU time of the
parent process (workers excluded: they are the forkserver's children):

- ``on``: as shipped, the welfare optimum of every auction included. The
  target (>= 100 auctions/s for 1000 auctions on 2 cores) is for this mode.
- ``skipped``: the welfare optimum replaced by a stub (empty allocation) and
  scipy.optimize by an empty module, through a ``sitecustomize`` on
  PYTHONPATH that every process of the run (parent, forkserver, workers)
  loads. It shows what the rest costs: the auctions, workers, IPC, storage.

Also prints, in this process, one auction's CPU time with and without the
optimum. Other load on the machine lowers every wall-clock figure; the load
average is printed. Exits 1 if the ``on`` mode is below the target or two
runs of a mode wrote different auctions.csv.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATE = 100.0
STRATEGIES = "truthful,reducer,random"

STUB = '''
"""Benchmark only: no welfare optimum, no scipy.optimize (see benchmarks/tournament.py)."""
import importlib.abc
import importlib.util
import sys
import types

_fake = types.ModuleType("scipy.optimize")
_fake.Bounds = _fake.LinearConstraint = _fake.milp = None
sys.modules["scipy.optimize"] = _fake


class _Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "game.economics.welfare":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)

            def no_optimum(scenario, valuations):
                lots = {b: {band.id: 0 for band in scenario.bands} for b in valuations}
                return module.WelfareOptimum(lots=lots, welfare_usd=0)

            module.optimal_allocation = no_optimum

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _Hook())
'''


def run_once(auctions: int, out: Path, env: dict[str, str]) -> tuple[float, float, bytes]:
    """Wall seconds and the parent's CPU seconds of one tournament command, and its CSV."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "run.py", "tournament", "--strategies", STRATEGIES, "--auctions", str(auctions), "--jobs", "2",
         "--no-plots", "--quiet", "--out", str(out)],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, (out / "auctions.csv").read_bytes()


def in_process_ms(n: int, skip: bool) -> float:
    """Median CPU milliseconds of one auction in this process (optimum included unless ``skip``)."""
    code = (
        "import sys, time, statistics; sys.path.insert(0, '.')\n"
        "from game.tournament.runner import TournamentConfig, prepare, task_for\n"
        "from game.tournament.play import AuctionPlayer\n"
        f"cfg = TournamentConfig(strategies=tuple('{STRATEGIES}'.split(',')), auctions={n}, out_dir='', plots=False)\n"
        "prep = prepare(cfg); p = AuctionPlayer(prep.setup, prep.scenario); p.play(task_for(cfg, prep, 1))\n"
        "times = []\n"
        f"for i in range(2, {n} + 2):\n"
        "    t = time.process_time(); p.play(task_for(cfg, prep, i)); times.append(time.process_time() - t)\n"
        "print(statistics.median(times) * 1000)\n"
    )
    env = dict(os.environ)
    if skip:
        env["PYTHONPATH"] = os.pathsep.join([env["_BENCH_STUB"], str(ROOT)])
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--auctions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default="on,skipped", help="comma-separated: on, skipped")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in ("on", "skipped") for m in modes):
        print(f"error: --modes {args.modes!r}: choose from on, skipped", file=sys.stderr)
        return 2

    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        stub_dir = Path(tmp) / "stub"
        stub_dir.mkdir()
        (stub_dir / "sitecustomize.py").write_text(STUB, encoding="utf-8")
        os.environ["_BENCH_STUB"] = str(stub_dir)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"python run.py tournament --strategies {STRATEGIES} --auctions {args.auctions} --jobs 2 --no-plots "
              f"(x{args.repeat} per mode); cores: {os.cpu_count()}; load average at start: {load:.1f}")
        for mode in modes:
            env = dict(os.environ)
            if mode == "skipped":
                env["PYTHONPATH"] = os.pathsep.join([str(stub_dir), str(ROOT)])
            per_auction = in_process_ms(20 if mode == "on" else 200, skip=mode == "skipped")
            walls, cpus, csvs = [], [], set()
            for k in range(max(1, args.repeat)):
                wall, cpu, data = run_once(args.auctions, Path(tmp) / f"{mode}{k}", env)
                walls.append(wall)
                cpus.append(cpu)
                csvs.add(data)
            rates = sorted(args.auctions / w for w in walls)
            median = statistics.median(rates)
            print(f"welfare optimum {mode:<7}: {median:7.1f} auctions/s end to end (range {rates[0]:.1f}..{rates[-1]:.1f}); "
                  f"wall {statistics.median(walls):.2f} s; parent CPU {statistics.median(cpus):.2f} s; "
                  f"one auction in-process {per_auction:.1f} ms CPU")
            if len(csvs) != 1:
                print(f"FAIL: runs with the welfare optimum {mode} wrote different auctions.csv", file=sys.stderr)
                failed = True
            if mode == "on" and median < TARGET_RATE:
                print(f"FAIL: {median:.1f} auctions/s with the welfare optimum on is below the target of {TARGET_RATE:.0f}",
                      file=sys.stderr)
                failed = True
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average at the end: {load:.1f} (other load lowers every wall-clock figure)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
