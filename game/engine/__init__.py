"""Layer 2: the auction's rules and stages.

``rules`` (bid checks at entry: supply, caps, activity, the round-1
obligation), ``allocation`` (the clock auction: a round's processing, posted
prices, the end), ``assignment`` (the positioning stage) and ``bandplan`` (who
holds which frequencies afterwards). Pure Python, deterministic from a seed;
never imports pygame.
"""
