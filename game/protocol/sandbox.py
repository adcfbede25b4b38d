"""Start a user agent's program in a sandbox: its own process, limits, a fresh directory, nothing of ours.

STUB (the interface other modules rely on; the hardening lands separately):
:func:`launch` starts ``argv`` with stdin/stdout pipes for protocol messages,
stderr to a size-limited per-seat log, a fresh temporary working directory,
an environment stripped of the platform's paths, and resource limits. The
parent enforces wall-clock limits itself (see the session runner).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


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
    """RLIMIT_NPROC inside the sandbox (a fork bomb stops there)."""


@dataclass
class Sandboxed:
    """A started agent process and where its files are."""

    process: subprocess.Popen[bytes]
    workdir: Path
    stderr_log: Path | None
    mechanism: str
    """Which isolation is in force, e.g. 'bwrap', 'unshare+setuid', 'rlimits only' (printed loudly when weak)."""


def _stripped_env(workdir: Path) -> dict[str, str]:
    keep = {"LANG", "LC_ALL", "TZ"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({"HOME": str(workdir), "TMPDIR": str(workdir), "PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"})
    return env


def launch(argv: Sequence[str], *, limits: SandboxLimits, stderr_log: Path | None = None) -> Sandboxed:
    """Start ``argv`` sandboxed; its stdin/stdout are pipes for protocol lines."""
    workdir = Path(tempfile.mkdtemp(prefix="agent-"))

    def limit() -> None:
        os.setsid()
        mem = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))

    err = open(stderr_log, "wb") if stderr_log is not None else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=err,
        cwd=workdir,
        env=_stripped_env(workdir),
        preexec_fn=limit if sys.platform != "win32" else None,
        close_fds=True,
    )
    return Sandboxed(process, workdir, stderr_log, "rlimits only")
