"""Layer 4: the bidder protocol (v1) and the sandbox that runs user agents.

``messages`` declares every message (pydantic models, exported as JSON
Schema) and builds the engine's messages from a bidder's view; the rest runs
programs that speak it. See ``docs/PROTOCOL.md``.
"""
