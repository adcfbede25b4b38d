"""Transports of the bidder protocol: one message line out, one line in, each with a deadline.

A :class:`Channel` moves newline-delimited lines and knows nothing of their
meaning, so a new transport (a TCP socket for a seat on another machine)
is one more subclass and changes no message. :class:`StdioChannel` talks to
a local process over its stdin/stdout pipes, :class:`SocketChannel` over a
connected socket, both without ever blocking past a deadline: a silent, stuck or flooding agent costs the engine at most the time
it was given. Never imports pygame.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import time
from abc import ABC, abstractmethod
from typing import IO

from game.protocol.messages import MAX_LINE_BYTES


class ChannelError(Exception):
    """The other side cannot be talked to as asked."""


class ChannelClosed(ChannelError):
    """The other side closed its end (the process exited, or the connection dropped)."""


class ChannelTimeout(ChannelError):
    """No complete line (or no room to write one) before the deadline."""


class LineTooLong(ChannelError):
    """A line longer than :data:`MAX_LINE_BYTES`; the rest of it is skipped."""


class Channel(ABC):
    """A two-way line transport. Deadlines are :func:`time.monotonic` instants."""

    received_bytes: int = 0
    """Bytes read so far (a flood shows here)."""

    @abstractmethod
    def send(self, lines: str, deadline: float) -> None:
        """Write one or more complete lines (each ending in a newline)."""

    @abstractmethod
    def receive(self, deadline: float) -> bytes:
        """The next line, without its newline."""

    @abstractmethod
    def close(self) -> None:
        """Close our ends; the other side sees end of input."""


class FdChannel(Channel):
    """Lines over a pair of file descriptors (pipes or a socket), non-blocking, every wait bounded by a deadline."""

    def __init__(self, write_fd: int, read_fd: int, *, max_line: int = MAX_LINE_BYTES) -> None:
        self._in = write_fd
        self._out = read_fd
        os.set_blocking(self._in, False)
        os.set_blocking(self._out, False)
        self._buffer = bytearray()
        self._skipping = False
        self._eof = False
        self.max_line = max_line
        self.received_bytes = 0

    def send(self, lines: str, deadline: float) -> None:
        data = memoryview(lines.encode("utf-8"))
        while data:
            try:
                written = os.write(self._in, data)
            except BlockingIOError:
                self._wait(self._in, select.POLLOUT, deadline)
                continue
            except (BrokenPipeError, ConnectionResetError):
                raise ChannelClosed("the agent closed its input") from None
            except OSError as exc:
                if exc.errno in (errno.EPIPE, errno.EBADF):
                    raise ChannelClosed("the agent closed its input") from None
                raise
            data = data[written:]

    def receive(self, deadline: float) -> bytes:
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                line = bytes(self._buffer[:newline])
                del self._buffer[: newline + 1]
                if self._skipping:  # the tail of a line already reported as too long
                    self._skipping = False
                    continue
                if len(line) > self.max_line:
                    raise LineTooLong(f"a line of {len(line)} bytes, longer than {self.max_line}")
                return line
            if len(self._buffer) > self.max_line:
                size = len(self._buffer)
                self._buffer.clear()
                if not self._skipping:
                    self._skipping = True
                    raise LineTooLong(f"a line of more than {size} bytes, longer than {self.max_line}")
            if self._eof:
                raise ChannelClosed("the agent closed its output")
            self._wait(self._out, select.POLLIN, deadline)
            try:
                chunk = os.read(self._out, 1 << 16)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self._eof = True
                continue
            self.received_bytes += len(chunk)
            self._buffer += chunk

    @staticmethod
    def _wait(fd: int, event: int, deadline: float) -> None:
        poller = select.poll()
        poller.register(fd, event)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelTimeout("no answer in time")
            if poller.poll(min(left, 3600.0) * 1000):
                return

    def close(self) -> None:
        for fd in {self._in, self._out}:
            with contextlib.suppress(OSError):
                os.close(fd)


class StdioChannel(FdChannel):
    """Lines over a child process's stdin (our writes) and stdout (our reads)."""

    def __init__(self, stdin: IO[bytes], stdout: IO[bytes], *, max_line: int = MAX_LINE_BYTES) -> None:
        super().__init__(stdin.fileno(), stdout.fileno(), max_line=max_line)
        self._files = (stdin, stdout)

    def close(self) -> None:
        for f in self._files:
            with contextlib.suppress(OSError):
                f.close()


class SocketChannel(FdChannel):
    """Lines over a connected stream socket (a seat on another machine): the same framing, deadlines and errors."""

    def __init__(self, sock: socket.socket, *, max_line: int = MAX_LINE_BYTES) -> None:
        super().__init__(sock.fileno(), sock.fileno(), max_line=max_line)
        self._socket = sock

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.close()
