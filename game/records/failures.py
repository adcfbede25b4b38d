"""Agent failures: a round in which an agent's answer could not be used, kept for reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentFailure:
    """A round in which an agent's answer could not be used; it maintained its demand."""

    round: int
    bidder: str
    kind: str
    """'error' (raised), 'invalid' (not bids), 'refused' (broke a rule) or 'timeout'."""
    message: str
