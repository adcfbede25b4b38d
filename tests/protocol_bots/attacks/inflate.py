"""Attack (b): raise its own recorded values (the tournament must score the engine's copy)."""

from game.agents.common import ValueAgent


class Inflate(ValueAgent):
    strategy = "inflate"

    def bid(self, view):
        if view.round == 1:
            for band, curve in list(self.values.band_values.items()):
                boosted = tuple(v * 1000 for v in curve)
                try:
                    self.values.band_values[band] = boosted
                except TypeError:
                    object.__setattr__(self.values, "band_values", {**self.values.band_values, band: boosted})
        return super().bid(view)
