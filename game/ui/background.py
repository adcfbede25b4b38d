"""Heavy computations for the screens, run in another process so the window never stalls.

A thread is not enough: a CPU-bound thread holds the GIL for its whole
switch interval each time the main loop gives it up, and pygame gives it up
hundreds of times a frame, so a frame of 5 ms of work took 100-200 ms while
the welfare optimum (scipy import, a MILP) ran beside it on a loaded machine.
A child process has its own interpreter: the main loop only waits for the
answer. Used from a worker thread (``call`` blocks until the answer comes).
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # spawn, not fork: the child must not inherit the window, the audio device or the threads.
            # Niced: on a busy machine the window's process gets the CPU first, the answer merely comes later.
            _pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
            )
        return _pool


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in the background process; in this one if that process cannot be used.

    ``fn`` must be a module-level function and its arguments and result picklable.
    """
    global _pool
    try:
        future = _executor().submit(fn, *args, **kwargs)
    except (BrokenProcessPool, RuntimeError, OSError):
        return fn(*args, **kwargs)
    try:
        return future.result()
    except BrokenProcessPool:
        with _lock:
            _pool = None
        return fn(*args, **kwargs)


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None


atexit.register(shutdown)
