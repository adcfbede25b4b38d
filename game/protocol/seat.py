"""The engine's side of one agent process: start it sandboxed, play auctions with it, record what went wrong.

A :class:`Seat` owns one running agent program and drives it through any
number of auctions in a row (``start``/``ready``, then ``round``/``bids``
with ``result`` between, then ``end``; ``quit`` when the seat closes), so a
tournament pays one process start per seat, not per auction. The seat owns
the clock: each answer has a wall-clock deadline; past it the bidder
maintains its demand, and after ``max_overruns`` overruns in one auction the
process is killed and the bidder maintains for the rest of that auction (a
fresh process is started for the next one). Every misbehaviour becomes an
:class:`~game.records.failures.AgentFailure` with one of the labels
``crash``, ``timeout``, ``invalid``, ``memory`` or ``error`` (``refused`` is
the engine's verdict on valid bids); nothing an agent does stops the run, and
nothing it writes reaches our terminal. Never imports pygame; never imports
user code.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import re
import signal
import subprocess
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from game.protocol.channel import Channel, ChannelClosed, ChannelTimeout, LineTooLong, StdioChannel
from game.protocol.messages import (
    PROTOCOL_VERSION,
    AgentError,
    Bids,
    Hello,
    ProtocolError,
    Ready,
    dumps,
    parse_agent_message,
    quote,
)
from game.protocol.sandbox import Sandboxed, SandboxError, SandboxLimits, launch
from game.records.failures import AgentFailure

STARTUP_SECONDS = 20.0
"""Time a new process has to answer its first ``start`` (interpreters take a while to load on a busy machine)."""
CLOSE_SECONDS = 1.0
"""Time a process has to exit after ``quit`` before it is killed."""
MAX_JUNK_LINES = 1000
"""Lines that are not protocol messages in one exchange before the process is stopped as a flood."""
MAX_JUNK_BYTES = 16_000_000
"""Bytes of such lines in one exchange before the process is stopped as a flood."""
STDERR_TAIL_BYTES = 4096

_MEMORY_SIGNS = re.compile(
    r"MemoryError|bad_alloc|out of memory|Cannot allocate memory|heap out of memory|allocation failed|ENOMEM",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Program:
    """An external bidder: a strategy name and the command that starts it (never run in our process)."""

    name: str
    argv: tuple[str, ...]
    kind: Literal["exec", "module"] = "exec"
    """'exec': any program given on the command line; 'module': our Python worker playing a user's Agent class."""
    source: str = ""
    """What the user gave (the command, or the module path), for messages."""
    readable: tuple[str, ...] = ()
    """Files and directories the program may read inside the sandbox (its own files; the game package for the worker)."""
    env: tuple[tuple[str, str], ...] = ()
    """Variables added to the sandbox's stripped environment (PYTHONPATH for the worker)."""


def memory_signs(text: str) -> bool:
    """Whether an agent's last words (stderr tail or error message) say it ran out of memory."""
    return bool(_MEMORY_SIGNS.search(text))


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


_LIVE: weakref.WeakSet[Seat] = weakref.WeakSet()


@atexit.register
def _kill_leftovers() -> None:
    """Agent processes still running when our process exits are stopped (a seat nobody closed)."""
    for seat in list(_LIVE):
        seat.kill()


@dataclass(eq=False)
class Seat:
    """One agent process, reused auction after auction; restarted when it died or was killed."""

    program: Program
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    stderr_log: Path | None = None
    sandboxed: Sandboxed | None = None
    channel: Channel | None = None
    bidder: str = ""
    auction_id: str = ""
    round: int = 0
    overruns: int = 0
    sitting_out: bool = False
    """True once this auction's process was killed or died: the bidder maintains until the end."""
    failures: list[AgentFailure] = field(default_factory=list)
    """This auction's failures (cleared by :meth:`start_auction`)."""
    hello: Hello | None = None
    _killed_by_us: bool = False
    launches: int = 0

    # ------------------------------------------------------------ process

    @property
    def mechanism(self) -> str:
        return self.sandboxed.mechanism if self.sandboxed is not None else ""

    @property
    def alive(self) -> bool:
        return self.sandboxed is not None and self.sandboxed.process.poll() is None

    def __post_init__(self) -> None:
        self._log_base = self.stderr_log

    def _launch(self) -> None:
        if self._log_base is not None:
            # Each process of the seat gets its own log, so a restart keeps the last words of the one that died.
            base = self._log_base
            self.stderr_log = base if not self.launches else base.with_name(f"{base.stem}.{self.launches + 1}{base.suffix}")
            self.stderr_log.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.sandboxed = launch(
                self.program.argv,
                limits=self.limits,
                stderr_log=self.stderr_log,
                readable=[Path(p) for p in self.program.readable],
                env=dict(self.program.env),
            )
        except SandboxError as exc:
            raise OSError(str(exc)) from None
        process = self.sandboxed.process
        assert process.stdin is not None and process.stdout is not None
        self.channel = StdioChannel(process.stdin, process.stdout)
        self.hello = None
        self._killed_by_us = False
        self.launches += 1
        _LIVE.add(self)

    def kill(self) -> None:
        """Stop the process at once (its whole process group)."""
        if self.sandboxed is None:
            return
        if self.sandboxed.process.poll() is None:
            self._killed_by_us = True
            self.sandboxed.kill()  # the whole sandbox: every process the program started
        self._reap()

    def _reap(self) -> None:
        if self.sandboxed is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.sandboxed.process.wait(timeout=2)
        if self.channel is not None:
            self.channel.close()
        self.channel = None

    def close(self) -> None:
        """Say ``quit``, give the process a moment to exit, then make sure it has."""
        if self.sandboxed is None:
            return
        if self.channel is not None and self.alive:
            with contextlib.suppress(ChannelClosed, ChannelTimeout):
                self.channel.send(dumps({"type": "quit"}) + "\n", time.monotonic() + CLOSE_SECONDS)
            self.channel.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.sandboxed.process.wait(timeout=CLOSE_SECONDS)
        self.kill()
        self.sandboxed.close()  # also removes its working directory
        self.sandboxed = None

    # ------------------------------------------------------------ failures

    def _fail(self, kind: str, message: str) -> None:
        self.failures.append(AgentFailure(self.round, self.bidder, kind, message))

    def _stderr_tail(self) -> str:
        if self.stderr_log is None:
            return ""
        try:
            with open(self.stderr_log, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - STDERR_TAIL_BYTES))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _died(self) -> None:
        """The process closed its pipes or exited: record why, as precisely as its exit and stderr allow."""
        process = self.sandboxed.process if self.sandboxed is not None else None
        code: int | None = None
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = process.wait(timeout=2)
        # SIGKILL that we did not send: the kernel's out-of-memory killer (a memory cgroup) is the usual sender.
        oom_kill = code == -signal.SIGKILL and not self._killed_by_us
        self.kill()
        tail = self._stderr_tail()
        last = next((ln.strip() for ln in reversed(tail.splitlines()) if ln.strip()), "")
        said = f"; its stderr ends: {quote(last, 200)}" if last else ""
        log = f" (log: {self.stderr_log})" if self.stderr_log is not None else ""
        if code is None:
            how = "closed its output and did not exit"
        elif code < 0:
            how = f"was killed by {_signal_name(-code)}"
        else:
            how = f"exited with status {code}"
        rest = "; the bidder maintains its demand for the rest of the auction"
        if memory_signs(tail) or oom_kill:
            why = "ran out of memory" if not oom_kill or memory_signs(tail) else "was most likely out of memory"
            self._fail("memory", f"{why} (limit {self.limits.memory_mb} MB) and {how}{said}{log}{rest}")
        elif code is not None and code < 0 and -code == getattr(signal, "SIGXCPU", -1):
            self._fail("timeout", f"used up its CPU time limit of {self.limits.cpu_seconds} s and {how}{log}{rest}")
        else:
            self._fail("crash", f"{how}{said}{log}{rest}")
        self.sitting_out = True

    # ------------------------------------------------------------ talking

    def _send(self, lines: str, deadline: float) -> bool:
        assert self.channel is not None
        try:
            self.channel.send(lines, deadline)
        except ChannelClosed:
            self._died()
            return False
        except ChannelTimeout:
            self._overrun("did not read its input in time")
            return False
        return True

    def _overrun(self, what: str) -> None:
        self.overruns += 1
        limit = self.limits.max_overruns
        if self.overruns >= limit:
            self.kill()
            self.sitting_out = True
            self._fail(
                "timeout",
                f"{what} (limit {self._round_limit_text()}); overrun {self.overruns} of {limit} in this auction: "
                "the process was stopped and the bidder maintains its demand for the rest of the auction",
            )
        else:
            self._fail(
                "timeout",
                f"{what} (limit {self._round_limit_text()}); the bidder maintains its demand this round "
                f"(overrun {self.overruns} of {limit} allowed in an auction)",
            )

    def _round_limit_text(self) -> str:
        return f"{self.limits.round_seconds:g} s a round" if math.isfinite(self.limits.round_seconds) else "none"

    def _await(self, want: str, deadline: float, check: Mapping[str, Any]) -> Bids | Ready | AgentError | None:
        """Read lines until the awaited message (``bids`` for this round, or ``ready`` for this auction).

        Lines that are not protocol messages are one ``invalid`` failure per exchange (counted) and are skipped;
        a flood stops the process. Returns None when the process died, overran or flooded (already recorded).
        """
        assert self.channel is not None
        junk = 0
        junk_bytes = 0
        first = ""
        start_bytes = self.channel.received_bytes

        def report_junk() -> None:
            if junk:
                self._fail(
                    "invalid",
                    f"{junk} line(s) on stdout that are not protocol messages were ignored; the first: {first}",
                )

        while True:
            try:
                line = self.channel.receive(deadline)
            except ChannelTimeout:
                report_junk()
                self._overrun(f"no {want} message in time")
                return None
            except ChannelClosed:
                report_junk()
                self._died()
                return None
            except LineTooLong as exc:
                junk += 1
                first = first or str(exc)
                continue
            try:
                message = parse_agent_message(line)
            except ProtocolError as exc:
                if want == "bids" and _claims_type(line, "bids", self.round):
                    report_junk()
                    self._fail("invalid", f"bids that are not valid protocol bids, so it maintains this round: {exc}")
                    return None
                junk += 1
                junk_bytes = self.channel.received_bytes - start_bytes
                first = first or str(exc)
                if junk > MAX_JUNK_LINES or junk_bytes > MAX_JUNK_BYTES:
                    report_junk()
                    self.kill()
                    self.sitting_out = True
                    self._fail(
                        "invalid",
                        f"flooded stdout ({junk} lines, {junk_bytes} bytes that are not protocol messages in one "
                        "exchange): the process was stopped and the bidder maintains its demand for the rest of the auction",
                    )
                    return None
                continue
            if isinstance(message, Hello):
                if message.protocol != PROTOCOL_VERSION:
                    report_junk()
                    self.kill()
                    self.sitting_out = True
                    self._fail(
                        "invalid",
                        f"speaks protocol version {message.protocol}; this engine speaks version {PROTOCOL_VERSION}",
                    )
                    return None
                self.hello = message
                continue
            if isinstance(message, AgentError):
                report_junk()
                return message
            if want == "bids" and isinstance(message, Bids) and message.round == check.get("round"):
                report_junk()
                return message
            if want == "ready" and isinstance(message, Ready) and message.auction_id == check.get("auction_id"):
                report_junk()
                return message
            # A late answer to an earlier round (of this auction, or the last one's): skipped.
            if isinstance(message, Bids) and (want == "ready" or message.round < int(check.get("round", 0))):
                continue
            junk += 1
            first = first or f"unexpected {message.type} message while waiting for {want}: {quote(line)}"

    def _record_error(self, error: AgentError, when: str) -> None:
        text = error.message or "(no message)"
        kind = "memory" if memory_signs(text) else "error"
        self._fail(kind, f"reported an error {when}: {quote(text, 300)}")

    # ------------------------------------------------------------ an auction

    def start_auction(self, start: Mapping[str, Any]) -> None:
        """Send ``start`` (launching the process if none runs) and wait for ``ready``."""
        self.failures = []
        self.bidder = str(start["bidder"])
        self.auction_id = str(start["auction_id"])
        self.round = 0
        self.overruns = 0
        self.sitting_out = False
        fresh = not self.alive
        if fresh:
            if self.sandboxed is not None:
                self.kill()
            try:
                self._launch()
            except OSError as exc:
                self._fail("crash", f"could not be started: {exc.strerror or exc}: {' '.join(self.program.argv)}")
                self.sitting_out = True
                return
        wait = STARTUP_SECONDS if fresh else self.limits.round_seconds
        deadline = time.monotonic() + (max(wait, self.limits.round_seconds) if math.isfinite(wait) else 3600.0)
        if not self._send(dumps(start) + "\n", deadline):
            self.sitting_out = True
            return
        answer = self._await("ready", deadline, {"auction_id": self.auction_id})
        if answer is None:
            self.sitting_out = True
            if self.alive:  # it overran on the start: not to be trusted with this auction's rounds
                self.kill()
        elif isinstance(answer, AgentError):
            self._record_error(answer, "instead of getting ready; it sits out this auction and maintains")
            self.sitting_out = True

    def ask(self, round_message: Mapping[str, Any], before: Sequence[Mapping[str, Any]] = ()) -> Bids | None:
        """Send ``before`` (e.g. last round's ``result``) and the ``round``; the bids, or None to maintain."""
        self.round = int(round_message["round"])
        if self.sitting_out or self.channel is None:
            return None
        deadline = time.monotonic() + (self.limits.round_seconds if math.isfinite(self.limits.round_seconds) else 1e9)
        lines = "".join(dumps(m) + "\n" for m in (*before, round_message))
        if not self._send(lines, deadline):
            return None
        answer = self._await("bids", deadline, {"round": self.round})
        if isinstance(answer, AgentError):
            self._record_error(answer, "instead of bidding; it maintains this round")
            return None
        return answer if isinstance(answer, Bids) else None

    def tell(self, messages: Sequence[Mapping[str, Any]]) -> None:
        """Send messages that need no answer (``result``, ``end``); a dead process is recorded once."""
        if self.sitting_out or self.channel is None or not messages:
            return
        deadline = time.monotonic() + (self.limits.round_seconds if math.isfinite(self.limits.round_seconds) else 60.0)
        self._send("".join(dumps(m) + "\n" for m in messages), deadline)

    def end_auction(self, end: Mapping[str, Any], before: Sequence[Mapping[str, Any]] = ()) -> None:
        """Send the last ``result`` and ``end``; a process killed in this auction is not restarted until the next."""
        self.tell([*before, end])


def _claims_type(line: bytes, kind: str, round_number: int) -> bool:
    """Whether a line that failed validation was meant as this round's ``kind`` message (its answer, if broken)."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("type") == kind and data.get("round", round_number) == round_number
