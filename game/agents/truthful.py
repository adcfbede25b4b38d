"""The ``truthful`` strategy: straightforward bidding on the bidder's own values.

Never imports pygame; reads only its view, its valuation and the scenario's public facts.
"""

from __future__ import annotations

from game.agents.common import ValueAgent


class TruthfulAgent(ValueAgent):
    """Straightforward bidding.

    Each round it demands the bundle that maximises value minus price at the
    clock prices, within supply, caps, eligibility and its budget (exactly,
    see :mod:`game.agents.demand`). A decrease names the price point at which
    the dropped lots stop being worth it (their average marginal value), so
    the lot goes at the right price inside the round. An incumbent meets the
    round-1 obligation even if its budget cannot pay for it (see
    :meth:`~game.agents.common.ValueAgent.truthful_bundle`).
    """

    strategy = "truthful"
