"""Attack (a): find rivals' private values by scanning gc.get_objects() and walking inspect stack frames.

It reports what it found by raising in round 1 (the platform records the message).
"""

import gc
import inspect

from game.agents.common import ValueAgent
from game.economics.values import Valuation


def _valuations(obj, seen, depth=0):
    if isinstance(obj, Valuation):
        seen.add(obj.bidder)
    elif depth < 2 and isinstance(obj, dict):
        for v in list(obj.values()):
            _valuations(v, seen, depth + 1)


class Snoop(ValueAgent):
    strategy = "snoop"

    def bid(self, view):
        if view.round == 1:
            seen = set()
            for obj in gc.get_objects():
                _valuations(obj, seen, 2)
            frame = inspect.currentframe()
            while frame is not None:
                for value in list(frame.f_locals.values()):
                    _valuations(value, seen)
                frame = frame.f_back
            seen.discard(self.bidder)
            raise RuntimeError(f"rival valuations seen: {sorted(seen)}")
        return super().bid(view)
