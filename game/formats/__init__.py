"""Layer 3: each file format's declared schema (pydantic models) and its checked reader.

One module per format: ``plan`` (bid plans), ``roundlog`` (round-log
records), ``save`` (the desktop game's save file), ``meta`` (a tournament's
settings). The scenario's schema sits at the bottom, in
:mod:`game.scenario.schema`, and the protocol's messages in
:mod:`game.protocol.messages`; ``python -m game.cli.schemas docs/schemas``
exports them all as JSON Schema. Reading goes through
:mod:`game.scenario.checked` (bounded size and depth, every problem at
once). Imports only ``game.scenario`` and ``game.engine``; never pygame.
"""
