"""Every misbehaviour of an external agent is recorded with its label, and the tournament goes on.

Each case seats tests/protocol_bots/misbehave.py (standard library only) as an
``--agent-cmd`` program against the built-in truthful strategy; the bot
misbehaves in round 2. On the code before the protocol existed there was no
``--agent-cmd`` at all, and an in-process agent that exits was labelled
"timeout", printed to our terminal, and had no memory limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from game.protocol.sandbox import SandboxLimits
from tests.protocol_helpers import failures, python_bot, seats, tournament


def _run(
    tmp_path: Path, mode: str, *, timeout: float = 3.0, overruns: int = 3, auctions: int = 1
) -> list[tuple[str, str, int, str, str]]:
    result = tournament(
        tmp_path, ("bad", "truthful"), programs=(("bad", python_bot("misbehave.py", mode)),), timeout=timeout,
        limits=SandboxLimits(max_overruns=overruns), auctions=auctions,
    )
    assert result.done == auctions  # the run went on to the end
    rows = seats(tmp_path)
    assert [r[2] for r in rows][:3] == ["bad", "truthful", "bad"]
    assert rows[1][4] > 0  # the honest seat won spectrum: the auction was played out
    return [f for f in failures(tmp_path) if f[1] == "bad"]


def kinds(found: list[tuple[str, str, int, str, str]]) -> set[tuple[int, str]]:
    return {(f[2], f[3]) for f in found}


def test_an_agent_that_exits_is_a_crash_not_a_timeout(tmp_path: Path) -> None:
    found = _run(tmp_path, "exit")
    assert kinds(found) == {(2, "crash")}
    assert all("exited with status 3" in f[4] for f in found)


def test_garbage_on_stdout_is_invalid_and_the_bidder_maintains(tmp_path: Path) -> None:
    found = _run(tmp_path, "garbage", timeout=0.5)
    assert (2, "invalid") in kinds(found)
    assert any("hello, I am not JSON" in f[4] for f in found)
    assert {k for _, k in kinds(found)} <= {"invalid", "timeout"}  # no answer came after the garbage


def test_bids_that_break_the_schema_are_invalid_at_once(tmp_path: Path) -> None:
    found = _run(tmp_path, "badbids")
    assert kinds(found) == {(2, "invalid")}
    assert "greater than or equal to 0" in found[0][4]


def test_a_stdout_flood_is_invalid_stopped_and_never_echoed(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    found = _run(tmp_path, "flood")
    assert (2, "invalid") in kinds(found)
    assert any("flooded stdout" in f[4] for f in found)
    out, err = capfd.readouterr()
    assert "xxxxxxxxxx" not in out and "xxxxxxxxxx" not in err


def test_sleeping_past_the_limit_is_a_timeout_then_the_process_is_stopped(tmp_path: Path) -> None:
    found = _run(tmp_path, "sleep", timeout=0.5, overruns=1)
    assert kinds(found) == {(2, "timeout")}
    assert all("the process was stopped" in f[4] for f in found)


def test_a_late_answer_is_a_timeout_and_the_next_round_is_played(tmp_path: Path) -> None:
    found = _run(tmp_path, "late", timeout=0.5, overruns=3)
    assert kinds(found) == {(2, "timeout")}
    assert all("overrun 1 of 3" in f[4] for f in found)


def test_allocating_past_the_memory_limit_is_memory(tmp_path: Path) -> None:
    found = _run(tmp_path, "memory")
    assert kinds(found) == {(2, "memory")}
    assert "MemoryError" in found[0][4]


def test_an_error_message_is_recorded_as_the_agent_said_it(tmp_path: Path) -> None:
    found = _run(tmp_path, "error")
    assert kinds(found) == {(2, "error")}
    assert "my model is not loaded" in found[0][4]


def test_after_a_crash_the_next_auction_gets_a_fresh_process_and_each_keeps_its_log(tmp_path: Path) -> None:
    found = _run(tmp_path, "exit", auctions=3)
    # Auctions 1 and 3 seat the bot twice, auction 2 once: every seat crashed in round 2 of its own auction.
    assert [f[3] for f in found] == ["crash"] * 5
    logs = sorted(p.name for p in (tmp_path / "agent-logs").iterdir())
    assert len(logs) == 5, logs  # one stderr log per process started


def test_a_program_of_another_protocol_version_is_stopped_as_invalid(tmp_path: Path) -> None:
    found = _run(tmp_path, "v2")
    assert (0, "invalid") in kinds(found)
    assert kinds(found) <= {(0, "invalid"), (1, "refused")}  # sitting out, it misses the round-1 obligation
    assert "protocol version 2" in found[0][4]


def test_a_sigkill_we_did_not_send_counts_as_memory(tmp_path: Path) -> None:
    """A memory cgroup's out-of-memory killer leaves no message, only SIGKILL; we never kill without recording why.

    Played as the kernel would: from outside the sandbox (a PID namespace's first process ignores a SIGKILL it sends
    itself), the test kills the agent's process while the seat waits for its bids.
    """
    import os
    import signal
    import threading

    from game.agents.external import parse_exec
    from game.engine.allocation import ClockAuction
    from game.engine.rules import Bid
    from game.protocol.messages import round_message, start_message
    from game.protocol.sandbox import _children
    from game.protocol.seat import Seat
    from game.records.view import build_view
    from game.scenario import load_scenario

    scenario = load_scenario("pakistan-2026")
    bidders = ["jazz", "zong", "ufone"]
    seat = Seat(parse_exec(python_bot("misbehave.py", "sleep")), SandboxLimits(round_seconds=20.0), tmp_path / "log")
    try:
        seat.start_auction(start_message(scenario, auction_id="a", bidder="jazz", bidders=bidders, values=None))
        auction = ClockAuction(scenario, bidders, seed=1)
        assert seat.ask(round_message(build_view(auction, "jazz"), auction_id="a")) is not None  # round 1 answered
        for b in bidders:
            auction.submit(b, [Bid("2600", 8), Bid("3500", 12)])  # excess demand: a round 2
        auction.close_round()
        assert auction.round == 2
        assert seat.sandboxed is not None
        waiter = seat.sandboxed.process.pid
        agent = (_children(waiter) or [waiter])[0]

        def oom_killer() -> None:
            import time

            time.sleep(0.5)  # the bot is now asleep in round 2
            os.kill(agent, signal.SIGKILL)

        threading.Thread(target=oom_killer).start()
        assert seat.ask(round_message(build_view(auction, "jazz"), auction_id="a")) is None
        found = [(f.round, f.kind, f.message) for f in seat.failures]
    finally:
        seat.close()
    assert [(r, k) for r, k, _ in found] == [(2, "memory")], found
    assert "SIGKILL" in found[0][2] and "most likely out of memory" in found[0][2]
