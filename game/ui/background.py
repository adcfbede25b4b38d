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
import ctypes
import multiprocessing
import os
import signal
import sys
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
    """In the child: a lower priority, and (Linux) die with the game, whatever kills it (even SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            if os.getppid() == 1:  # the game died before prctl took effect
                os._exit(0)


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in the background process; in this one if that process cannot be used.

    ``fn`` must be a module-level function and its arguments and result picklable.
    """
    for _ in range(2):  # a pool whose process died (its starting thread ended) is replaced once
        try:
            future = _executor().submit(fn, *args, **kwargs)
            return future.result()
        except BrokenProcessPool:
            _forget_pool()
        except (RuntimeError, OSError):
            break
    return fn(*args, **kwargs)


def _forget_pool() -> None:
    global _pool
    with _lock:
        _pool = None


def warm_up() -> None:
    """Start the background process now (before the first frame): starting it later, from a worker
    thread, holds the GIL for tens of milliseconds in the middle of the game."""
    with contextlib.suppress(BrokenProcessPool, RuntimeError, OSError):
        _executor().submit(os.getpid)


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None


atexit.register(shutdown)
