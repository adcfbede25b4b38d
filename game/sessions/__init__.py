"""Layer 4: playing an auction with agents.

``session`` is the loop (views out, bids in, failures recorded) shared by the
CLI, the desktop game and tournaments; ``match`` is a desktop game's seats,
rounds and save files.
"""
