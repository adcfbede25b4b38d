"""Play a tournament's auctions in local worker processes, safe against agents that hang.

Each worker is a process of its own (forkserver where the platform has it,
else spawn; never plain fork, which would copy the parent's threads and
locks). Before every agent call a worker writes (busy since, seat, round)
into shared memory; the parent stops a worker whose agent has been busy for
longer than the hard limit (an agent stuck where the per-round alarm cannot
reach, e.g. in C code), starts a fresh one, and plays that auction again
with the hung seat maintaining its demand from that round. A worker that
dies in an agent call is handled the same way. Results come back in any
order; the caller stores them by auction number. Tasks are drawn from an
iterator as workers need them, so a run of 10^12 auctions holds only a few
in memory. Never imports pygame.

Why not pebble or loky: pebble's per-task timeout runs from the start of a
task (an auction of slow but legal agents would be killed) and cannot say
which seat was busy, and loky can only kill every worker at once; the hung
seat and round are what the re-run needs, so each worker here reports them
through a small shared array.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
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
    # The server imports the engine once; each worker forked from it starts without re-importing. Not the
    # welfare module: a heavy solver it may import (scipy.optimize) is loaded only by a worker that uses it.
    ctx.set_forkserver_preload(["game.tournament.play", "game.agents.registry", "game.economics.values"])
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


class _Pending:
    """Tasks not yet sent: those sent back by a restart first, then the rest of the iterator."""

    def __init__(self, tasks: Iterable[AuctionTask]) -> None:
        self.again: deque[AuctionTask] = deque()
        self.rest: Iterator[AuctionTask] = iter(tasks)
        self.head: AuctionTask | None = next(self.rest, None)

    def __bool__(self) -> bool:
        return bool(self.again) or self.head is not None

    def popleft(self) -> AuctionTask:
        if self.again:
            return self.again.popleft()
        task, self.head = self.head, next(self.rest, None)
        assert task is not None
        return task

    def extendleft(self, tasks: Iterable[AuctionTask]) -> None:
        self.again.extendleft(tasks)


def run_local(
    setup: TournamentSetup,
    tasks: Iterable[AuctionTask],
    jobs: int,
    on_record: Callable[[AuctionRecord], None],
    *,
    hard_limit_s: float | None,
    count: int | None = None,
) -> None:
    """Play ``tasks`` in ``jobs`` worker processes, calling ``on_record`` in the parent as each finishes.

    ``tasks`` is drawn lazily; ``count`` (how many there are, when known) only keeps a short run from
    starting more workers than it has auctions.
    """
    pending = _Pending(tasks)
    if not pending:
        return
    ctx = mp_context()
    workers = [_Worker(ctx, setup) for _ in range(max(1, min(jobs, count if count is not None else jobs)))]
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


def _restart(ctx: BaseContext, setup: TournamentSetup, w: _Worker, pending: _Pending, why: str) -> _Worker:
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
