"""Shared helpers of the protocol tests: run a small tournament in a temporary directory and read its records."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from game.protocol.sandbox import SandboxLimits
from game.tournament.runner import TournamentConfig, TournamentResult, run_tournament

BOTS = Path(__file__).resolve().parent / "protocol_bots"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def tournament(
    out: Path,
    strategies: tuple[str, ...],
    *,
    auctions: int = 1,
    jobs: int = 1,
    modules: tuple[str, ...] = (),
    programs: tuple[tuple[str, str], ...] = (),
    timeout: float = 5.0,
    limits: SandboxLimits | None = None,
    seed: int = 1,
) -> TournamentResult:
    extra: dict[str, object] = {}
    if programs:
        extra["agent_programs"] = programs
    if limits is not None:
        extra["limits"] = limits
    return run_tournament(
        TournamentConfig(
            strategies=strategies, auctions=auctions, out_dir=str(out), seed=seed, jobs=jobs,
            agent_timeout_s=timeout, agent_modules=modules, plots=False, **extra,  # type: ignore[arg-type]
        )
    )


def failures(out: Path) -> list[tuple[str, str, int, str, str]]:
    """(bidder, strategy, round, kind, message) of every recorded failure."""
    with sqlite3.connect(out / "auctions.sqlite") as db:
        return list(db.execute("SELECT bidder, strategy, round, kind, message FROM failures ORDER BY auction, round"))


def seats(out: Path) -> list[tuple[int, str, str, str, int, int, int]]:
    """(auction, bidder, strategy, lots, won_tenths, value_usd, utility_usd) of every seat."""
    with sqlite3.connect(out / "auctions.sqlite") as db:
        return list(db.execute(
            "SELECT auction, bidder, strategy, lots, won_tenths, value_usd, utility_usd FROM seats ORDER BY auction, seat"
        ))


def python_bot(name: str, *args: str) -> str:
    return " ".join([sys.executable, str(BOTS / name), *args])
