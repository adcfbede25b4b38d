"""Layer 3: what the auction shows and writes.

``view`` builds what one bidder may see (the single source for the UI, the
scripted strategies, the protocol and the RL environments), ``roundlog``
writes and replays JSON Lines round logs, ``report`` summarises an outcome,
``failures`` records agent failures. Never imports pygame.
"""
