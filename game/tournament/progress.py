"""A one-line progress bar on stderr: auctions done, auctions per second, time left.

Drawn only on a terminal (or when forced), at most a few times a second, so
it never gets in the way of piped output or tests. Never imports pygame.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def fmt_duration(seconds: float) -> str:
    """
    >>> fmt_duration(75), fmt_duration(3725), fmt_duration(9)
    ('1m15s', '1h02m', '9s')
    """
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


class Progress:
    def __init__(self, total: int, done: int = 0, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.total = total
        self.done = done
        self.start_done = done
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.perf_counter()
        self._drawn = 0.0

    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self._drawn >= 0.2 or self.done >= self.total:
            self._drawn = now
            self.draw()

    def line(self) -> str:
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        rate = self.rate()
        left = (self.total - self.done) / rate if rate > 0 else None
        eta = fmt_duration(left) if left is not None else "?"
        return f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}  {rate:.1f} auctions/s  {eta} left"

    def draw(self) -> None:
        if self.enabled:
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.draw()
            self.stream.write("\n")
            self.stream.flush()
