"""Layer 4: the bidder protocol (v1) and the sandbox that runs user agents.

``messages`` declares every message (pydantic models, exported as JSON
Schema by ``schema_files``) and builds the engine's messages from a bidder's
view; ``channel`` moves lines (stdio today; a socket is one more Channel);
``seat`` drives one sandboxed agent process through many auctions and labels
its failures; ``worker`` is our Python client, which plays a user's Agent
class inside the sandbox (the only place user code is imported); ``sandbox``
starts processes. See ``docs/PROTOCOL.md``.
"""
