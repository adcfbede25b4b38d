"""Play a tournament's auctions in local worker processes, safe against agents that hang.

Each worker is a process of its own (forkserver where the platform has it,
else spawn; never plain fork, which would copy the parent's threads and
locks). Before every agent call a worker writes (busy since, seat, round)
into shared memory; the parent stops a worker whose agent has been busy for
longer than the hard limit (an agent stuck where the per-round alarm cannot
reach, e.g. in C code), starts a fresh one, and plays that auction again
with the hung seat maintaining its demand from that round. A worker that
dies in an agent call is handled the same way. Results come back in any
order; the caller stores them by auction number. Never imports pygame.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from game.tournament.play import AgentModuleError, AuctionPlayer, AuctionRecord, AuctionTask, TournamentSetup

QUEUED_PER_WORKER = 2


class TournamentError(Exception):
    """A tournament that cannot go on: bad setup, or a failure that is not an agent's."""


def mp_context() -> BaseContext:
    methods = mp.get_all_start_methods()
    if "forkserver" not in methods:
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    # The server imports the engine once; each worker forked from it starts without re-importing.
    ctx.set_forkserver_preload(["game.tournament.play", "game.agents.registry", "game.economics.welfare", "game.economics.values"])
    return ctx


def _worker_main(conn: Connection, beat: Any, setup: TournamentSetup) -> None:
    # The parent decides what Ctrl-C means; a worker keeps going until told to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        player = AuctionPlayer(setup)
    except Exception as exc:
        conn.send(("setup-error", f"{type(exc).__name__}: {exc}" if not isinstance(exc, AgentModuleError) else str(exc)))
        return

    def on_beat(seat: int, round_: int, busy: int) -> None:
        beat[0] = 0.0
        beat[1] = float(seat)
        beat[2] = float(round_)
        if busy:
            beat[0] = time.monotonic()

    conn.send(("ready", None))
    try:
        while True:
            task = conn.recv()
            if task is None:
                return
            try:
                record = player.play(task, on_beat)
            except Exception:
                conn.send(("error", (task.index, traceback.format_exc())))
            else:
                conn.send(("record", record))
            beat[0] = 0.0
    finally:
        player.close()  # quit the agent processes this worker started


class _Worker:
    def __init__(self, ctx: BaseContext, setup: TournamentSetup) -> None:
        self.conn, child = ctx.Pipe()
        self.beat = ctx.RawArray("d", 3)
        self.process: BaseProcess = ctx.Process(  # type: ignore[attr-defined]
            target=_worker_main, args=(child, self.beat, setup), daemon=True
        )
        self.process.start()
        child.close()
        self.tasks: deque[AuctionTask] = deque()
        """Sent and not yet answered, oldest (the one playing) first."""
        self.ready = False

    def busy_since(self) -> tuple[float, int, int]:
        return self.beat[0], int(self.beat[1]), int(self.beat[2])

    def stop(self, *, kill: bool = False) -> None:
        if not kill and self.process.is_alive():
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=2)
        self.conn.close()


def run_local(
    setup: TournamentSetup,
    tasks: Sequence[AuctionTask],
    jobs: int,
    on_record: Callable[[AuctionRecord], None],
    *,
    hard_limit_s: float | None,
) -> None:
    """Play ``tasks`` in ``jobs`` worker processes, calling ``on_record`` in the parent as each finishes."""
    if not tasks:
        return
    ctx = mp_context()
    pending: deque[AuctionTask] = deque(tasks)
    workers = [_Worker(ctx, setup) for _ in range(max(1, min(jobs, len(tasks))))]
    try:
        while pending or any(w.tasks for w in workers):
            for w in workers:
                # Two tasks in hand, so a worker never waits for a busy parent between auctions.
                while w.ready and len(w.tasks) < QUEUED_PER_WORKER and pending:
                    w.tasks.append(pending.popleft())
                    w.conn.send(w.tasks[-1])
            for conn in wait([w.conn for w in workers], timeout=0.2):
                w = next(x for x in workers if x.conn is conn)
                try:
                    kind, payload = w.conn.recv()
                except (EOFError, OSError):
                    if not w.ready:
                        raise TournamentError("a worker process could not start (see the messages above)") from None
                    workers[workers.index(w)] = _restart(ctx, setup, w, pending, "died")
                    continue
                if kind == "ready":
                    w.ready = True
                elif kind == "record":
                    w.tasks.popleft()
                    on_record(payload)
                elif kind == "setup-error":
                    raise TournamentError(payload)
                else:
                    index, trace = payload
                    raise TournamentError(f"auction {index} failed outside the agents (a bug):\n{trace}")
            if hard_limit_s is not None:
                now = time.monotonic()
                for i, w in enumerate(workers):
                    since, _, _ = w.busy_since()
                    if w.tasks and since > 0 and now - since > hard_limit_s:
                        workers[i] = _restart(ctx, setup, w, pending, "hung")
    finally:
        for w in workers:
            w.stop(kill=True) if w.tasks else w.stop()


def _restart(ctx: BaseContext, setup: TournamentSetup, w: _Worker, pending: deque[AuctionTask], why: str) -> _Worker:
    """Replace a worker that hung or died; its auction goes back to the queue with the culprit benched."""
    since, seat, round_ = w.busy_since()
    w.stop(kill=True)
    if w.tasks:
        task = w.tasks[0]
        if since <= 0 or seat in task.bench:
            raise TournamentError(
                f"auction {task.index}: a worker process {why} outside an agent call; the tournament cannot go on"
            )
        queued = [replace(task, bench={**task.bench, seat: round_}), *list(w.tasks)[1:]]
        pending.extendleft(reversed(queued))
    return _Worker(ctx, setup)
