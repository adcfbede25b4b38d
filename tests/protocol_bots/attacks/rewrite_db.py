"""Attack (f): during bid(), find the tournament's auctions.sqlite and rewrite it.

It looks in its own process's memory (gc: stores, connections, paths), then through /proc: the command lines,
working directories and open files of its ancestors (where the proof of concept found --out).
"""

import gc
import os
import sqlite3

from game.agents.common import ValueAgent


def _ancestors():
    pid = os.getpid()
    for _ in range(12):
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return
        if pid <= 1:
            return
        yield pid


def _candidates():
    for obj in gc.get_objects():
        path = getattr(obj, "path", None)
        if isinstance(path, os.PathLike) and str(path).endswith("auctions.sqlite"):
            yield str(path)
    for pid in _ancestors():
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.endswith("auctions.sqlite"):
                    yield target
        except OSError:
            pass
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            cwd = os.readlink(f"/proc/{pid}/cwd")
            for i, a in enumerate(args[:-1]):
                if a == b"--out":
                    yield os.path.join(cwd, args[i + 1].decode(), "auctions.sqlite")
        except OSError:
            pass


class RewriteDb(ValueAgent):
    strategy = "rewritedb"

    def bid(self, view):
        for path in _candidates():
            try:
                with sqlite3.connect(path, timeout=5) as db:
                    db.execute("UPDATE seats SET utility_usd = 1000000000000")
                    db.execute("UPDATE auctions SET revenue_usd = -1")
            except sqlite3.Error:
                pass
        return super().bid(view)
