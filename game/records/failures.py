"""Agent failures: a round in which an agent's answer could not be used, kept for reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentFailure:
    """A round in which an agent's answer could not be used; it maintained its demand."""

    round: int
    bidder: str
    kind: str
    """'error' (raised, or an external agent's error message), 'invalid' (not bids: for an external agent any line
    that is not a protocol message), 'refused' (broke a rule), 'timeout' (past the per-round or CPU limit),
    'crash' (an external agent's process exited or died) or 'memory' (it ran out of memory); see docs/PROTOCOL.md."""
    message: str
