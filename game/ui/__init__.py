"""The desktop game: pygame-ce + pygame_gui screens over the engine's public API.

Only this package imports pygame. Screens read the per-bidder view
(:func:`game.records.view.build_view`) and the :class:`game.sessions.match.Match`; they never
decide an auction rule themselves.
"""
