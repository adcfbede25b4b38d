"""What the command-line front ends share: the user-error type, exit status 2, checked output paths."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from game.scenario.schema import MAX_SEED

EXIT_USER_ERROR = 2


class UserError(Exception):
    """A mistake in what the user asked for; printed without a traceback."""


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write JSON so that a crash never leaves a half-written file."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror}") from None


def seed_arg(text: str) -> int:
    """argparse type of ``--seed``: a whole number from 0 (numpy refuses negative seeds) to :data:`MAX_SEED`."""
    try:
        value = int(text) if len(text) <= 40 else -1
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text[:40]!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_SEED}, got {text[:40]!r}")
    return value


def check_output_path(path: str | None, flag: str) -> None:
    """Refuse an output file that cannot be written, before any work is done rather than after."""
    if path is None:
        return
    if not path.strip():
        raise UserError(f"{flag}: give a file name")
    if "\x00" in path:
        raise UserError(f"{flag} {path[:60]!r}: not a file name (it holds a NUL character)")
    shown = path if len(path) <= 80 else f"{path[:80]!r}... ({len(path)} characters)"
    try:
        _check_writable(path, flag, shown)
    except OSError as exc:
        raise UserError(f"{flag} {shown}: {exc.strerror or exc}") from None


def _check_writable(path: str, flag: str, shown: str) -> None:
    target = Path(path)
    if target.is_dir():
        raise UserError(f"{flag} {shown}: is a directory; give a file name")
    parent = target.parent
    if not parent.is_dir():
        where = str(parent) if len(str(parent)) <= 80 else str(parent)[:80] + "..."
        raise UserError(f"{flag} {shown}: directory {where} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UserError(f"{flag} {shown}: not writable")
    # os.access says yes to root everywhere; a file actually made beside the target says whether it can be written.
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", dir=parent)
        os.close(fd)
        os.unlink(probe)
        if target.exists():
            with open(target, "ab"):
                pass
    except OSError as exc:
        raise UserError(f"{flag} {shown}: cannot be written ({exc.strerror})") from None


def add_market_arg(p: argparse.ArgumentParser) -> None:
    """``--market NAME``: which of the scenario's markets (private values and budgets) the bidders draw from."""
    p.add_argument(
        "--market",
        metavar="NAME",
        help="the scenario's market the private values come from: calibrated (the default; like the 2026 auction), "
        "cautious, or competitive (the hot market of before the calibration, for training); see docs/VALUES.md",
    )
