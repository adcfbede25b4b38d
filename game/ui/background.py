"""Heavy computations for the screens, run in another process so the window never stalls.

A thread is not enough: a CPU-bound thread holds the GIL for its whole
switch interval each time the main loop gives it up, and pygame gives it up
hundreds of times a frame, so a frame of 5 ms of work took 100-200 ms while
the welfare optimum (scipy import, a MILP) ran beside it on a loaded machine.
A child process has its own interpreter: the main loop only waits for the
answer, from a worker thread (``call`` blocks until the answer comes).

The child is a plain ``python -c`` running :func:`serve`, fed pickled calls on
its stdin: unlike multiprocessing's spawn it never re-runs the game's main
script, and unlike fork it inherits no window, audio device or thread. It
runs at a lower priority and dies with the game (Linux: PR_SET_PDEATHSIG;
elsewhere it ends when its stdin closes).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar, cast

T = TypeVar("T")

_lock = threading.Lock()
_proc: subprocess.Popen[bytes] | None = None


def _start() -> subprocess.Popen[bytes]:
    root = str(Path(__file__).resolve().parent.parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.Popen(
        [sys.executable, "-c", "from game.ui.background import serve; serve()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=root,
    )


def _process() -> subprocess.Popen[bytes]:
    global _proc
    if _proc is None or _proc.poll() is not None:
        _proc = _start()
    return _proc


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in the background process; in this one if that process cannot be used.

    ``fn`` must be a module-level function and its arguments and result picklable. An exception
    raised by ``fn`` is raised here.
    """
    global _proc
    with _lock:
        for _ in range(2):  # a process that died is replaced once
            try:
                proc = _process()
                stdin, stdout = cast("IO[bytes]", proc.stdin), cast("IO[bytes]", proc.stdout)
                pickle.dump((fn, args, kwargs), stdin)
                stdin.flush()
                ok, value = pickle.load(stdout)
            except (OSError, EOFError, pickle.PickleError, AttributeError, TypeError):
                _proc = None
                continue
            if ok:
                return cast("T", value)
            raise value
    return fn(*args, **kwargs)


def call_named(module: str, name: str, *args: Any, **kwargs: Any) -> Any:
    """``module.name(*args, **kwargs)`` in the background process, imported there only.

    For modules whose import is itself heavy (the welfare optimum imports scipy: over a second
    with the GIL held), so this process never imports them at all.
    """
    return call(_named, module, name, *args, **kwargs)


def _named(module: str, name: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(importlib.import_module(module), name)(*args, **kwargs)


def warm_up() -> None:
    """Start the background process now, from this thread (the game calls it when a game starts)."""
    if not _lock.acquire(blocking=False):
        return  # a computation is under way: the process is up already, and the window must not wait
    try:
        with contextlib.suppress(OSError):
            _process()
    finally:
        _lock.release()


def shutdown() -> None:
    global _proc
    if _proc is not None:
        with contextlib.suppress(OSError):
            if _proc.stdin is not None:
                _proc.stdin.close()
            _proc.kill()
        _proc = None


atexit.register(shutdown)


def serve() -> None:
    """The child's loop: read a pickled ``(fn, args, kwargs)``, answer ``(ok, result or exception)``."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)  # on a busy machine the window's process gets the CPU first
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the game
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the answers
    while True:
        try:
            fn, args, kwargs = pickle.load(requests)
        except (EOFError, OSError):
            return
        try:
            answer: tuple[bool, Any] = (True, fn(*args, **kwargs))
        except Exception as exc:
            answer = (False, exc)
        try:
            pickle.dump(answer, answers)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            pickle.dump((False, RuntimeError(f"answer not picklable: {exc}")), answers)
        answers.flush()
