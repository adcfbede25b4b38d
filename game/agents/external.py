"""External bidders: any program that speaks the bidder protocol, seated like a scripted agent.

``exec:CMD`` (split like a shell command line) is a program; ``--agent-module``
classes run in our sandboxed Python worker (:mod:`game.protocol.worker`).
:class:`ExternalAgent` is the engine-side adapter: it turns each view into a
``round`` message and the program's ``bids`` into :class:`RoundBids`, sends
``start`` (:meth:`ExternalAgent.begin`), ``result`` and ``end``
(:meth:`ExternalAgent.finish`), and keeps the program's failures. It never
imports the user's code and hands the program nothing but protocol messages.
Never imports pygame.
"""

from __future__ import annotations

import math
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import game
from game.agents.base import Agent, RoundBids
from game.economics.values import Valuation
from game.engine.rules import Bid
from game.protocol.messages import end_message, result_message, round_message, start_message
from game.protocol.sandbox import SandboxLimits
from game.protocol.seat import Program, Seat
from game.records.failures import AgentFailure
from game.records.view import build_view
from game.scenario import Scenario

if TYPE_CHECKING:
    from game.engine.allocation import ClockAuction

EXEC_PREFIX = "exec:"


class ProgramError(ValueError):
    """An ``exec:`` command or agent module that cannot be used; the message says why."""


def game_root() -> Path:
    """The directory that holds the ``game`` package (the worker's only import path)."""
    return Path(game.__file__).resolve().parent.parent


def parse_exec(spec: str, name: str | None = None) -> Program:
    """``exec:CMD`` (or a bare CMD) as a :class:`Program`; the command is split with :mod:`shlex`, never a shell."""
    command = spec[len(EXEC_PREFIX):] if spec.startswith(EXEC_PREFIX) else spec
    try:
        argv = tuple(shlex.split(command))
        if len(argv) == 1 and command.strip()[:1] in "'\"" and " " in argv[0]:
            argv = tuple(shlex.split(argv[0]))  # exec:"node bot.js": the quoted string is the whole command
    except ValueError as exc:
        raise ProgramError(f"command {command!r}: {exc}") from None
    if not argv:
        raise ProgramError(f"{spec!r}: give the program's command after 'exec:', e.g. exec:\"node examples/bots/truthful.js\"")
    # Relative paths in the command are ours (the program starts in a fresh empty directory), and the program
    # itself is found on our PATH now: the sandbox's PATH is not ours.
    found = shutil.which(argv[0]) if "/" not in argv[0] else (argv[0] if Path(argv[0]).is_file() else None)
    if found is None:
        raise ProgramError(f"command {command!r}: program {argv[0]!r} not found" + (" on PATH" if "/" not in argv[0] else ""))
    resolved = (str(Path(found).absolute()), *(
        str(Path(a).resolve()) if not a.startswith("-") and Path(a).exists() else a for a in argv[1:]
    ))
    # The program may read what its command names (its script, data files), and nothing else of ours.
    readable = tuple(a for a in resolved[1:] if a.startswith("/") and Path(a).exists())
    return Program(name or spec, resolved, "exec", command, readable=readable)


def worker_argv(module: str, strategy: str | None = None, *, list_only: bool = False) -> tuple[str, ...]:
    """The command that runs an Agent class from ``module`` in our Python worker (inside the sandbox).

    The worker gets the game package's root on PYTHONPATH and nothing else of ours; user site-packages are off.
    """
    spec = str(Path(module).resolve()) if Path(module).is_file() else module
    tail = ("--list",) if list_only else ("--strategy", strategy or "")
    return (sys.executable, "-s", "-m", "game.protocol.worker", "--agent-module", spec, *tail)


def _worker_program(name: str, module: str, argv: tuple[str, ...]) -> Program:
    """Our Python worker for ``module``: it may read the game package and the module file, with the game's root as
    its only import path."""
    readable = [str(game_root() / "game")]
    if Path(module).is_file():
        readable.append(str(Path(module).resolve()))
    return Program(name, argv, "module", module, readable=tuple(readable), env=(("PYTHONPATH", str(game_root())),))


def module_programs(module: str, limits: SandboxLimits | None = None) -> list[Program]:
    """The strategies an agent module defines, found by running it in a sandboxed worker (never imported here).

    Raises :class:`ProgramError` with the worker's reason if the module cannot be loaded.
    """
    import time

    from game.protocol.messages import Hello, ProtocolError, parse_agent_message
    from game.protocol.seat import STARTUP_SECONDS

    if (module.endswith(".py") or os.path.sep in module) and not Path(module).is_file():
        raise ProgramError(f"agent module {module}: no such file")
    probe_limits = limits or SandboxLimits()
    with tempfile.TemporaryDirectory(prefix="agent-probe-") as tmp:
        seat = Seat(_worker_program("probe", module, worker_argv(module, list_only=True)), probe_limits,
                    Path(tmp) / "stderr.log")
        seat._launch()
        assert seat.channel is not None
        try:
            line = seat.channel.receive(time.monotonic() + max(STARTUP_SECONDS, 60.0))
            message = parse_agent_message(line)
        except ProtocolError as exc:
            raise ProgramError(f"agent module {module}: the worker answered something unexpected: {exc}") from None
        except Exception:
            tail = seat._stderr_tail().strip().splitlines()
            raise ProgramError(
                f"agent module {module}: could not be loaded (the worker said nothing{': ' + tail[-1] if tail else ''})"
            ) from None
        finally:
            seat.kill()
    if not isinstance(message, Hello):
        text = getattr(message, "message", "")
        raise ProgramError(f"agent module {module}: {text}")
    names = message.strategies or []
    return [_worker_program(n, module, worker_argv(module, n)) for n in names]


def default_log_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"spectrum-auction-agent-logs-{os.getuid() if hasattr(os, 'getuid') else 0}"


class ExternalAgent(Agent):
    """A seat played by an external program over the protocol (engine side).

    Call :meth:`begin` before the first round and :meth:`finish` after the
    last (or :meth:`close` to drop the process). ``failures`` holds this
    auction's failures: crash, timeout, invalid, memory, error (an ``error``
    message from the program). Bids the rules refuse are recorded by the
    caller, like any agent's.
    """

    strategy = "external"

    def __init__(
        self,
        bidder: str,
        values: Valuation | None,
        rng: np.random.Generator,
        scenario: Scenario | None = None,
        *,
        seat: Seat,
        owns_seat: bool = True,
    ) -> None:
        super().__init__(bidder, values, rng, scenario)
        self.seat = seat
        self.owns_seat = owns_seat
        # The program's own seed, drawn from this seat's generator: it reveals nothing about the auction's seed.
        self.seed = int(rng.integers(0, 2**62))
        self.auction_id = ""
        self.begun = False
        self._pending: list[dict[str, Any]] = []

    @property
    def failures(self) -> list[AgentFailure]:
        return self.seat.failures

    def begin(self, auction_id: str, bidders: Sequence[str]) -> None:
        """Send ``start`` (starting the program if it is not running) and wait until it is ready."""
        if self.scenario is None:
            raise RuntimeError("an external agent needs the scenario; build it with make_agent")
        limits = self.seat.limits
        self.auction_id = auction_id
        message = start_message(
            self.scenario, auction_id=auction_id, bidder=self.bidder, bidders=list(bidders), values=self.values,
            round_seconds=limits.round_seconds if math.isfinite(limits.round_seconds) else None,
            cpu_seconds=float(limits.cpu_seconds), memory_mb=limits.memory_mb, seed=self.seed,
        )
        self.seat.start_auction(message)
        self.begun = True

    def begin_auction(self, auction: ClockAuction, auction_id: str = "auction") -> None:
        """:meth:`begin` for ``auction``; the id is a label that says nothing about the auction's seed."""
        self.begin(auction_id, auction.bidders)

    def bid(self, view: Any) -> RoundBids:
        if not self.begun:
            raise RuntimeError("external agent asked to bid before begin(): call begin_external first")
        before: list[dict[str, Any]] = []
        if view.last_round is not None:
            before.append(result_message(view, auction_id=self.auction_id))
        answer = self.seat.ask(round_message(view, auction_id=self.auction_id), before)
        if answer is None:
            return RoundBids()
        bids: dict[str, Bid] = {}
        for band, b in answer.bids.items():
            bids[band] = Bid(band, b) if isinstance(b, int) else Bid(band, b.lots, b.price_usd)
        return RoundBids(bids, answer.accept_penalty)

    def finish(self, auction: ClockAuction) -> None:
        """Send the last round's ``result`` and the ``end`` message; close the program if this agent owns it."""
        view = build_view(auction, self.bidder)
        before = [result_message(view, auction_id=self.auction_id)] if view.last_round is not None else []
        lot_tenths = {b.id: b.lot_tenths for b in auction.scenario.bands}
        end = end_message(
            auction.outcome(), auction_id=self.auction_id, bidder=self.bidder, lot_tenths=lot_tenths, values=self.values
        )
        self.seat.end_auction(end, before)
        if self.owns_seat:
            self.seat.close()

    def close(self) -> None:
        self.seat.close()


def external_agents(agents: Mapping[str, Agent]) -> list[ExternalAgent]:
    return [a for a in agents.values() if isinstance(a, ExternalAgent)]


def begin_external(agents: Mapping[str, Agent], auction: ClockAuction, auction_id: str = "auction") -> None:
    """Send ``start`` to every external agent of an auction (each starts its program if needed)."""
    for agent in external_agents(agents):
        agent.begin_auction(auction, auction_id)


def finish_external(agents: Mapping[str, Agent], auction: ClockAuction) -> None:
    for agent in external_agents(agents):
        agent.finish(auction)


def close_external(agents: Iterable[Agent]) -> None:
    for agent in agents:
        if isinstance(agent, ExternalAgent):
            agent.close()


def failures_of(agents: Mapping[str, Agent]) -> list[AgentFailure]:
    return [f for a in external_agents(agents) for f in a.failures]


def log_path(log_dir: Path, bidder: str, name: str) -> Path:
    """A per-seat stderr log file name (the strategy name made file-safe)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60]
    return log_dir / f"{bidder}-{safe}-{os.getpid()}.log"
