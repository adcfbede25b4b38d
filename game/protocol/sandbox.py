"""Start a user agent's program in a sandbox: its own process, limits, a fresh directory, nothing of ours.

:func:`launch` starts ``argv`` with stdin/stdout pipes for protocol messages.
On Linux the program runs through :mod:`game.protocol.jail`: its own PID,
mount, network, IPC, UTS and cgroup namespaces (a user namespace too when
the platform is not root), a new root holding read-only binds of ``/usr``,
the interpreter and the paths the caller lists, a private size-limited tmpfs
at ``/tmp`` as its working directory, a uid of its own when the platform runs
as root, no new privileges, Landlock where the kernel has it, and resource
limits (address space, CPU time, processes). It cannot see the platform's
processes or files, or reach any network. Where the namespaces cannot be
made (another OS, a kernel or container without them) it falls back to what
is possible and says so loudly, once per run, and in :attr:`Sandboxed.mechanism`.
See "The sandbox" in ``docs/PROTOCOL.md``.

Stderr goes to a per-seat log through a pump thread that keeps at most
``stderr_bytes`` and drops the rest. The parent enforces wall-clock limits
itself (the session runner); :meth:`Sandboxed.kill` ends the process and
everything it started, :meth:`Sandboxed.close` also removes its directory.
Never imports pygame, never imports the agent's code.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

JAIL = Path(__file__).with_name("jail.py")
SANDBOX_UID_BASE = 1_500_000_000
"""Uids handed to sandboxes when the platform is root: ``SANDBOX_UID_BASE`` + a random 24-bit number, no passwd entry."""
SETUP_TIMEOUT_S = 20.0
_TRY_NAMESPACES = True
"""False only in tests of the fallback (it must be loud)."""

_warned: set[str] = set()
_warn_lock = threading.Lock()


class SandboxError(Exception):
    """The sandbox could not be built (and isolation was required), or the program could not be started."""


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one agent process; each is settable from the command line."""

    memory_mb: int = 1024
    """Address space (RLIMIT_AS)."""
    cpu_seconds: int = 600
    """CPU time over the process's life (RLIMIT_CPU)."""
    round_seconds: float = 5.0
    """Wall-clock time to answer one message, enforced by the parent."""
    max_overruns: int = 3
    """Overruns after which the process is killed and the seat maintains for the rest of the auction."""
    stderr_bytes: int = 1_000_000
    """Size limit of the seat's stderr log; the rest is dropped."""
    processes: int = 64
    """RLIMIT_NPROC inside the sandbox (a fork bomb stops there); threads count too."""
    disk_mb: int = 64
    """Size of the private tmpfs that is the agent's working directory (namespace mode)."""


def _pump(source: IO[bytes], log: Path | None, limit: int) -> None:
    """Copy ``source`` to ``log`` up to ``limit`` bytes, then read and drop the rest so the agent never blocks."""
    kept = 0
    sink = open(log, "wb") if log is not None else None  # noqa: SIM115 - closed below, after the pipe ends
    try:
        while True:
            chunk = os.read(source.fileno(), 65536)
            if not chunk:
                break
            if sink is not None and kept < limit:
                part = chunk[: limit - kept]
                sink.write(part)
                kept += len(part)
                if kept >= limit:
                    sink.write(f"\n[sandbox: stderr cut at {limit} bytes; the rest was dropped]\n".encode())
                sink.flush()
    except (OSError, ValueError):
        pass
    finally:
        if sink is not None:
            sink.close()
        source.close()


@dataclass
class Sandboxed:
    """A started agent process and where its files are."""

    process: subprocess.Popen[bytes]
    workdir: Path
    stderr_log: Path | None
    mechanism: str
    """Which isolation is in force, e.g. 'namespaces (pid, mount, net, ...), pivot_root, uid ..., landlock v7 (...), rlimits'."""
    isolated: bool = False
    """True when the program runs in its own namespaces (cannot see our files or processes, no network)."""
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    _pump: threading.Thread | None = None

    def kill(self) -> None:
        """End the program and everything it started (its whole PID namespace), now. Safe to call twice."""
        proc = self.process
        if proc.poll() is None:
            # Process 1 of the namespace first: the kernel then kills every process in it.
            for child in _children(proc.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(child, signal.SIGKILL)
            if sys.platform != "win32":
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)

    def close(self) -> None:
        """Kill if still running, close the pipes, finish the stderr log, remove the working directory."""
        self.kill()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        if self._pump is not None:
            self._pump.join(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def stderr_tail(self, max_bytes: int = 2000) -> str:
        """The end of the stderr log (after the process ended, the whole tail), for a failure's message."""
        if self._pump is not None and self.process.poll() is not None:
            self._pump.join(timeout=2)
        if self.stderr_log is None or not self.stderr_log.exists():
            return ""
        with open(self.stderr_log, "rb") as f:
            f.seek(max(0, self.stderr_log.stat().st_size - max_bytes))
            return f.read().decode("utf-8", "replace")

    def exit_cause(self) -> str | None:
        """Why the program ended: ``memory``, ``cpu``, ``killed``, ``signal N``, ``exit N``; None while it runs.

        ``memory`` when its stderr says it could not allocate (Python's MemoryError, C's
        "Cannot allocate memory", Node's "heap out of memory", C++'s bad_alloc): the
        address-space limit makes allocations fail rather than the kernel kill the process.
        """
        code = self.process.poll()
        if code is None:
            return None
        tail = self.stderr_tail(4000)
        if code != 0 and any(s in tail for s in _MEMORY_SIGNS):
            return "memory"
        if code < 0:
            sig = -code
            if sig == signal.SIGXCPU or (sig == signal.SIGKILL and "CPU time limit" in tail):
                return "cpu"
            if sig == signal.SIGKILL:
                return "killed"
            return f"signal {sig}"
        return f"exit {code}"


_MEMORY_SIGNS = ("MemoryError", "Cannot allocate memory", "out of memory", "std::bad_alloc", "memory allocation of")


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _stripped_env(extra: Mapping[str, str] | None) -> dict[str, str]:
    """A minimal environment: nothing inherited but the locale and time zone, plus what the caller passes."""
    keep = {"LANG", "LC_ALL", "TZ"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.setdefault("LANG", "C.UTF-8")
    env.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"})
    # One BLAS/OpenMP thread: on a many-core machine numpy's default pool alone would pass the process limit.
    env.update(dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1"))
    if extra:
        env.update(extra)
    return env


def _interpreter_paths() -> list[str]:
    """What this Python needs to run: its prefix (stdlib, site-packages) wherever it is installed."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    return sorted(p for p in paths if p)


def _readable_by_others(path: str) -> bool:
    mode = os.stat(path).st_mode
    need = 0o005 if os.path.isdir(path) else 0o004
    return mode & need == need


def _resolve(program: str, env: Mapping[str, str]) -> str | None:
    if os.sep in program:
        return os.path.abspath(program)
    return shutil.which(program, path=env.get("PATH"))


def warn_once(message: str) -> None:
    """Print a sandbox warning to stderr the first time it is seen in this process."""
    with _warn_lock:
        if message in _warned:
            return
        _warned.add(message)
    print(f"WARNING: agent sandbox: {message}", file=sys.stderr, flush=True)


def launch(
    argv: Sequence[str],
    *,
    limits: SandboxLimits,
    stderr_log: Path | None = None,
    readable: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
    require_isolation: bool = False,
) -> Sandboxed:
    """Start ``argv`` sandboxed; its stdin/stdout are pipes for protocol lines.

    ``readable``: extra files or directories the program may read (read-only, at
    the same absolute path inside), e.g. the agent's module file or the game
    package directory ``<root>/game`` for the Python worker (then pass
    ``env={"PYTHONPATH": "<root>"}``). This Python's installation, ``/usr`` and
    ``argv[0]`` are always readable; nothing else of the machine is visible.
    They must be readable by others (mode o+r, directories o+x): the program
    runs as a uid of its own. ``env``: variables added to the stripped
    environment (``PATH``, ``LANG``, ``HOME`` and ``TMPDIR`` = its working
    directory, ``PYTHONDONTWRITEBYTECODE``, one BLAS/OpenMP thread). ``require_isolation``: raise
    :class:`SandboxError` instead of falling back when namespaces cannot be made.

    Returns once the sandbox is built and the program is executing. Raises
    :class:`SandboxError` when the program cannot be started (not found, or
    the sandbox failed); the message says why.
    """
    if not argv:
        raise SandboxError("no program to run")
    environment = _stripped_env(env)
    workdir = Path(tempfile.mkdtemp(prefix="agent-"))
    if sys.platform.startswith("linux"):
        return _launch_jail(argv, limits, stderr_log, readable, environment, workdir, require_isolation)
    if require_isolation:
        shutil.rmtree(workdir, ignore_errors=True)
        raise SandboxError(f"isolation required but {sys.platform} has no namespaces")
    return _launch_plain(argv, limits, stderr_log, environment, workdir)


def _start_pump(process: subprocess.Popen[bytes], stderr_log: Path | None, limits: SandboxLimits) -> threading.Thread:
    assert process.stderr is not None
    pump = threading.Thread(target=_pump, args=(process.stderr, stderr_log, limits.stderr_bytes), daemon=True, name="agent-stderr")
    process.stderr = None  # the pump owns it; communicate() and wait() must not read it too
    pump.start()
    return pump


def _launch_jail(
    argv: Sequence[str],
    limits: SandboxLimits,
    stderr_log: Path | None,
    readable: Sequence[Path],
    environment: dict[str, str],
    workdir: Path,
    require_isolation: bool,
) -> Sandboxed:
    program = _resolve(argv[0], environment)
    read = [str(Path(p).resolve()) for p in readable] + _interpreter_paths()
    if program is not None:
        read.append(os.path.realpath(program))
    problems = [f"{p}: not found" for p in read if not os.path.exists(p)]
    if os.geteuid() == 0:  # the agent reads them as a uid of its own
        problems += [
            f"{p}: mode {os.stat(p).st_mode & 0o777:04o} is not readable by others (chmod o+r{'x' if os.path.isdir(p) else ''})"
            for p in read
            if os.path.exists(p) and not _readable_by_others(p)
        ]
    if problems:
        shutil.rmtree(workdir, ignore_errors=True)
        raise SandboxError(f"the agent could not read what it needs: {'; '.join(problems)}")
    status_r, status_w = os.pipe()
    spec = {
        "argv": list(argv),
        "env": environment,
        "readable": read,
        "workdir": str(workdir),
        "memory_mb": limits.memory_mb,
        "cpu_seconds": limits.cpu_seconds,
        "processes": limits.processes,
        "disk_mb": limits.disk_mb,
        "uid": SANDBOX_UID_BASE + secrets.randbelow(1 << 24),
        "status_fd": status_w,
        "parent_pid": os.getpid(),
        "require_isolation": require_isolation,
        "try_namespaces": _TRY_NAMESPACES,
    }
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-B", str(JAIL), json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd="/",
            env={"PATH": environment["PATH"], "LANG": environment["LANG"]},
            pass_fds=(status_w,),
            start_new_session=True,
        )
    finally:
        os.close(status_w)
    pump = _start_pump(process, stderr_log, limits)
    try:
        report = _read_status(status_r)
    finally:
        os.close(status_r)
    box = Sandboxed(process, workdir, stderr_log, str(report.get("mechanism", "none")), bool(report.get("isolated")), limits, pump)
    if not report.get("ok"):
        box.close()
        raise SandboxError(str(report.get("error") or f"the sandbox did not start (exit {process.returncode}): {box.stderr_tail(500)}"))
    if not box.isolated:
        warn_once(
            f"{report.get('warning')}; agents run with {box.mechanism} only, without namespaces"
            " (docs/PROTOCOL.md#the-sandbox says what that leaves open)"
        )
    return box


def _read_status(fd: int) -> dict[str, object]:
    """The last JSON line the jail wrote before the status pipe closed (at exec)."""
    data = b""
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return {"ok": False, "error": f"the sandbox did not start within {SETUP_TIMEOUT_S:.0f} s"}
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        return {"ok": False}
    merged: dict[str, object] = {}
    for line in lines:
        merged.update(json.loads(line))
    return merged


def _launch_plain(
    argv: Sequence[str], limits: SandboxLimits, stderr_log: Path | None, environment: dict[str, str], workdir: Path
) -> Sandboxed:
    """Not Linux: a process of its own with what limits the OS offers. No file, process or network isolation."""
    environment.setdefault("HOME", str(workdir))
    environment.setdefault("TMPDIR", str(workdir))
    preexec = None
    mechanism = "separate process only"
    if sys.platform != "win32":
        import resource

        def preexec() -> None:
            mem = limits.memory_mb * 1024 * 1024
            for which, value in ((resource.RLIMIT_AS, mem), (resource.RLIMIT_CPU, limits.cpu_seconds)):
                with contextlib.suppress(ValueError, OSError):
                    resource.setrlimit(which, (value, value))

        mechanism = "rlimits only"
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env=environment,
            preexec_fn=preexec,
            start_new_session=sys.platform != "win32",
            close_fds=True,
        )
    except OSError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        raise SandboxError(f"cannot execute {argv[0]!r}: {exc.strerror}") from exc
    warn_once(f"{sys.platform} has no namespaces; agents run with {mechanism}: they may read your files and see your processes")
    return Sandboxed(process, workdir, stderr_log, mechanism, False, limits, _start_pump(process, stderr_log, limits))
