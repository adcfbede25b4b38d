"""Run an allocation stage with agents: views out, bids in, failures recorded.

The one loop that the CLI, the desktop game's scripted rivals and the
tournament runner share. An agent that raises, returns something that is not
bids, or makes a bid the rules refuse does not stop the auction: its bid is
refused with the message, it maintains its demand, and the failure is kept
for the report. Bidders listed as ``strict`` (bid plans) stop the run
instead. Never imports pygame.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from game.agents.base import Agent, RoundBids
from game.engine.allocation import AllocationOutcome, ClockAuction, RoundResult
from game.engine.rules import BidRefused
from game.records.failures import AgentFailure
from game.records.view import build_view


@dataclass(frozen=True)
class AllocationRun:
    auction: ClockAuction
    outcome: AllocationOutcome
    failures: tuple[AgentFailure, ...]


def ask_agent(
    auction: ClockAuction,
    bidder: str,
    agent: Agent,
    *,
    strict: bool = False,
    time_limit_s: float | None = None,
) -> AgentFailure | None:
    """Get one agent's bids for the open round and submit them; return the failure, if any."""
    view = build_view(auction, bidder)
    started = time.perf_counter() if time_limit_s is not None else 0.0
    try:
        answer = agent.bid(view)
    except Exception as exc:  # an agent's bug must not stop the auction
        if strict:
            raise
        return AgentFailure(auction.round, bidder, "error", f"{type(exc).__name__}: {exc}")
    if time_limit_s is not None and (elapsed := time.perf_counter() - started) > time_limit_s:
        return AgentFailure(
            auction.round, bidder, "timeout", f"took {elapsed:.3f} s, above the limit of {time_limit_s:g} s"
        )
    if not isinstance(answer, RoundBids):
        return AgentFailure(auction.round, bidder, "invalid", f"returned {type(answer).__name__}, not RoundBids")
    try:
        auction.submit(bidder, answer.bids, accept_penalty=answer.accept_penalty)
    except BidRefused as exc:
        if strict:
            raise
        return AgentFailure(auction.round, bidder, "refused", str(exc))
    except Exception as exc:  # garbage inside RoundBids (wrong types)
        if strict:
            raise
        return AgentFailure(auction.round, bidder, "invalid", f"{type(exc).__name__}: {exc}")
    return None


def run_allocation(
    auction: ClockAuction,
    agents: Mapping[str, Agent],
    *,
    strict: Collection[str] = (),
    time_limit_s: float | None = None,
    on_round: Callable[[RoundResult], None] | None = None,
) -> AllocationRun:
    """Play the allocation stage to its end with one agent per bidder."""
    missing = [b for b in auction.bidders if b not in agents]
    if missing:
        raise ValueError(f"no agent for bidder(s) {', '.join(missing)}")
    failures: list[AgentFailure] = []
    while not auction.finished:
        for bidder in auction.bidders:
            if auction.is_excluded(bidder):
                continue
            failure = ask_agent(
                auction, bidder, agents[bidder], strict=bidder in strict, time_limit_s=time_limit_s
            )
            if failure is not None:
                failures.append(failure)
        result = auction.close_round()
        if on_round is not None:
            on_round(result)
    return AllocationRun(auction, auction.outcome(), tuple(failures))
