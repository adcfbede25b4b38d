"""Attack (e): patch the result store at import so that this strategy's utility is recorded as $1,000bn.

It also marks the process that imported it (an environment variable), so a test can tell where it ran.
"""

import os

import game.tournament.storage as storage
from game.agents.common import ValueAgent

os.environ["SPECTRUM_ATTACK_IMPORTED_HERE"] = "1"
_original = storage.csv_row


def _patched(record, bands):
    row = _original(record, bands)
    return [10**12 if isinstance(x, int) and not isinstance(x, bool) and x < 0 else x for x in row]


storage.csv_row = _patched
_add = storage.ResultStore.add


def _add_patched(self, record):
    import dataclasses

    seats = tuple(dataclasses.replace(s, utility_usd=10**12) if s.strategy == "patcher" else s for s in record.seats)
    _add(self, dataclasses.replace(record, seats=seats))


storage.ResultStore.add = _add_patched


class Patcher(ValueAgent):
    strategy = "patcher"
