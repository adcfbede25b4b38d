"""Who sits where in each auction of a tournament, and each auction's seed.

The schedule is a fixed cycle of seatings (one strategy per operator seat),
built so that over every whole cycle each strategy plays each seat equally
often:

- strategies >= seats: every combination of ``seats`` distinct strategies
  (in the order given), each played in all its cyclic rotations (a Latin
  square per combination), so a strategy plays each seat C(m-1, n-1) times
  per cycle of C(m, n) x n auctions;
- strategies < seats: a cyclic Latin square, seat j of auction t gets
  strategy (j + t) mod m, so some strategies sit twice in one auction.

Auction ``i`` (counting from 1) uses seating ``(i - 1) mod cycle``. Its seed
is derived from the tournament seed alone (``SeedSequence(seed,
spawn_key=(i,))``), so any auction can be re-run on its own. Pure Python +
numpy; never imports pygame.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations, combinations_with_replacement

import numpy as np

Seating = tuple[str, ...]
"""The strategy in each seat, in the order of the seats (bidders)."""


def seatings(strategies: Sequence[str], seats: int) -> list[Seating]:
    """One whole cycle of the rotation schedule.

    >>> seatings(["a", "b", "c"], 3)
    [('a', 'b', 'c'), ('b', 'c', 'a'), ('c', 'a', 'b')]
    >>> len(seatings(["a", "b", "c", "d", "e"], 3))
    30
    >>> seatings(["a", "b"], 3)
    [('a', 'b', 'a'), ('b', 'a', 'b')]
    """
    if seats < 1:
        raise ValueError("a tournament needs at least one seat")
    if not strategies:
        raise ValueError("a tournament needs at least one strategy")
    if len(set(strategies)) != len(strategies):
        raise ValueError(f"strategies must be distinct, got {list(strategies)}")
    m = len(strategies)
    if m < seats:
        return [tuple(strategies[(j + t) % m] for j in range(seats)) for t in range(m)]
    cycle: list[Seating] = []
    for combo in combinations(strategies, seats):
        for r in range(seats):
            cycle.append(combo[r:] + combo[:r])
    return cycle


def profile_seatings(strategies: Sequence[str], seats: int) -> list[Seating]:
    """``--schedule profiles``: every multiset of strategies (repeats allowed), each in all its cyclic rotations.

    Every strategy meets every mix of rivals, which the empirical game needs;
    each profile's rotations put each of its strategies in each seat alike.

    >>> profile_seatings(["a", "b"], 2)
    [('a', 'a'), ('a', 'a'), ('a', 'b'), ('b', 'a'), ('b', 'b'), ('b', 'b')]
    """
    if seats < 1:
        raise ValueError("a tournament needs at least one seat")
    if not strategies:
        raise ValueError("a tournament needs at least one strategy")
    if len(set(strategies)) != len(strategies):
        raise ValueError(f"strategies must be distinct, got {list(strategies)}")
    return [combo[r:] + combo[:r] for combo in combinations_with_replacement(tuple(strategies), seats) for r in range(seats)]


def seating_for(cycle: Sequence[Seating], auction: int) -> Seating:
    """The seating of auction number ``auction`` (from 1)."""
    return cycle[(auction - 1) % len(cycle)]


def auction_seed(tournament_seed: int, auction: int) -> int:
    """A 63-bit seed for auction number ``auction``, derived from the tournament seed only.

    >>> auction_seed(1, 1) == auction_seed(1, 1) != auction_seed(1, 2)
    True
    """
    if tournament_seed < 0:
        raise ValueError(f"the seed must be a non-negative integer, got {tournament_seed}")
    words = np.random.SeedSequence(tournament_seed, spawn_key=(auction,)).generate_state(2, np.uint32)
    return (int(words[0]) << 31) ^ int(words[1])
