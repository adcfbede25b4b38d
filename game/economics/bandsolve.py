"""The exact welfare optimum by band: a programme per band, prices on the caps that span bands.

Values add up across bands, so without caps the best allocation is found band
by band: a dynamic programme over bidders with the lots handed out so far as
its state. Supply couples bidders only within a band. What couples the bands
is a bidder's cap that counts several of them: the overall cap, and the
low-band cap when two low bands are on sale (a cap on one band only limits
that band's quantities). Those *couplings* are handled exactly in two steps.

1. **Prices (a bound).** For prices ``lam[j] >= 0`` on the couplings (whole
   dollars per tenth of a MHz), charge each bidder ``lam[j] * weight`` per
   lot and add back ``lam[j] * capacity``. The band programmes then give
   ``UB(lam)``, at least the welfare of *every* allocation that keeps the
   couplings (it pays at most what is added back). A cutting-plane search
   per price makes ``UB`` small; any prices give a valid bound.
2. **A programme over bands (exact).** The state is the usage of every
   coupling so far; in each band the coupled bidders choose their lots
   together, the other bidders take the best of what is left. A choice that
   falls ``rc`` short of its band's best priced welfare lowers the bound of
   everything built on it by ``rc``, so a partial allocation whose
   shortfalls add up to more than ``limit`` is worth at most
   ``UB - limit - 1`` and is dropped; of two partial allocations with the
   same usage only the better is kept (the same problem remains for both);
   a state over a capacity is infeasible and dropped. The best allocation
   that survives the last band is the best of all allocations within
   ``limit``; once it is worth at least ``UB - limit - 1`` nothing left out
   can beat it by a dollar, else ``limit`` widens (x4) and the search repeats.

Only whole numbers, so the answer is optimal to the dollar. The number of
steps (a partial allocation extended by one band's choice) is capped: past it
:class:`SearchLimit` is raised and the caller uses
the reference solver. The module imports only the standard library, so a
tournament worker loads it at no cost. Never imports pygame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

NEG = -(1 << 80)
"""Below any welfare: marks a quantity that is not allowed."""
_FLOOR = NEG // 2
_PASSES = 6
"""Rounds of price searches at most (a round that moves no price ends them)."""


@dataclass(frozen=True)
class Coupling:
    """A cap that spans bands: ``sum_k weights[k] * lots[bidder][k] <= capacity``."""

    bidder: int
    weights: tuple[int, ...]
    capacity: int


@dataclass(frozen=True)
class Problem:
    """``values[bidder][band][n]``: worth of n lots, n = 0..most (``NEG`` = not allowed; n = 0 is worth 0)."""

    supply: tuple[int, ...]
    values: tuple[tuple[tuple[int, ...], ...], ...]
    couplings: tuple[Coupling, ...]


@dataclass(frozen=True)
class Solution:
    welfare: int
    lots: tuple[tuple[int, ...], ...]
    """lots[bidder][band]."""
    steps: int
    """Steps of the bounded programme (0: the prices alone proved the answer optimal)."""


class SearchLimit(RuntimeError):
    """The bounded programme needed more steps than allowed; the caller falls back to the reference solver."""


def solve(problem: Problem, *, step_limit: int = 200_000) -> Solution:
    """The allocation of largest welfare, exactly; raises :class:`SearchLimit` past ``step_limit`` steps."""
    if any(len(row) != len(problem.supply) for row in problem.values):
        raise ValueError("every bidder needs values for every band")
    if any(c.capacity < 0 for c in problem.couplings):
        raise ValueError("a coupling's capacity is negative: winning nothing would break it")
    return _Search(problem).run(step_limit)


class _Search:
    def __init__(self, problem: Problem) -> None:
        self.p = problem
        self.n_bidders = len(problem.values)
        self.n_bands = len(problem.supply)
        self.coupled = sorted({c.bidder for c in problem.couplings})
        coupled = set(self.coupled)
        self.free = [i for i in range(self.n_bidders) if i not in coupled]
        # Bidders without a coupling are never priced: their part of each band's programme is computed once.
        self.prefix = [self._free_prefix(k) for k in range(self.n_bands)]
        self.best = 0
        self.best_lots: tuple[tuple[int, ...], ...] = tuple((0,) * self.n_bands for _ in range(self.n_bidders))
        self._chains: list[dict[tuple[tuple[int, int], ...], tuple[list[int], list[int]]]] = [{} for _ in range(self.n_bands)]
        self._table_cache: dict[int, tuple[list[list[int]], list[list[tuple[int, int, int]]], list[list[int]]]] = {}

    # ------------------------------------------------------------ band programmes

    def _free_prefix(self, k: int) -> tuple[list[int], list[list[int]]]:
        """Best welfare of the uncoupled bidders in band k with at most s lots, and each one's choice per s."""
        supply = self.p.supply[k]
        f = [0] * (supply + 1)
        choices: list[list[int]] = []
        for i in self.free:
            f, arg = _step(f, self.p.values[i][k], 0, supply)
            choices.append(arg)
        return f, choices

    def _price_table(self, lam: Sequence[int]) -> list[list[int]]:
        """Price per lot of each bidder in each band: the sum over its couplings of price x weight."""
        price = [[0] * self.n_bands for _ in range(self.n_bidders)]
        for x, c in zip(lam, self.p.couplings, strict=True):
            if x:
                row = price[c.bidder]
                for k, w in enumerate(c.weights):
                    row[k] += x * w
        return price

    def _chain(self, k: int, members: tuple[tuple[int, int], ...]) -> tuple[list[int], list[int]]:
        """Band k's programme after the coupled bidders ``members`` ((bidder, price per lot), in order).

        Memoised on the members and their prices: a price search changes one
        bidder's price at a time, so the programme up to that bidder is reused.
        """
        memo = self._chains[k]
        found = memo.get(members)
        if found is None:
            f = self._chain(k, members[:-1])[0] if len(members) > 1 else self.prefix[k][0]
            i, price = members[-1]
            found = memo[members] = _step(f, self.p.values[i][k], price, self.p.supply[k])
        return found

    def _others(self, k: int, price: list[list[int]], skip: int) -> list[int]:
        """Band k's programme over every bidder but ``skip``: best priced welfare with at most s lots."""
        members = tuple((i, price[i][k]) for i in self.coupled if i != skip)
        return self._chain(k, members)[0] if members else self.prefix[k][0]

    def relax(self, lam: Sequence[int]) -> tuple[int, list[list[int]]]:
        """``UB(lam)`` and the priced optimum it comes from (lots[bidder][band])."""
        price = self._price_table(lam)
        total = sum(x * c.capacity for x, c in zip(lam, self.p.couplings, strict=True))
        lots = [[0] * self.n_bands for _ in range(self.n_bidders)]
        for k in range(self.n_bands):
            supply = self.p.supply[k]
            members = tuple((i, price[i][k]) for i in self.coupled)
            args = [self._chain(k, members[: r + 1])[1] for r in range(len(members))]
            total += (self._chain(k, members)[0] if members else self.prefix[k][0])[supply]
            s = supply
            for idx in range(len(self.coupled) - 1, -1, -1):
                n = args[idx][s]
                lots[self.coupled[idx]][k] = n
                s -= n
            self._fill_free(k, s, lots)
        return total, lots

    def _fill_free(self, k: int, left: int, lots: list[list[int]]) -> None:
        """The uncoupled bidders' lots of band k when ``left`` lots are theirs to share."""
        free_args = self.prefix[k][1]
        for idx in range(len(self.free) - 1, -1, -1):
            n = free_args[idx][left]
            lots[self.free[idx]][k] = n
            left -= n

    # ------------------------------------------------------------ checks and incumbents

    def welfare(self, lots: Sequence[Sequence[int]]) -> int:
        return sum(self.p.values[i][k][n] for i, row in enumerate(lots) for k, n in enumerate(row) if n)

    def excess(self, lots: Sequence[Sequence[int]]) -> list[int]:
        """Per coupling, how far the allocation is over its capacity (<= 0: kept)."""
        return [sum(w * n for w, n in zip(c.weights, lots[c.bidder], strict=True)) - c.capacity for c in self.p.couplings]

    def offer(self, lots: list[list[int]]) -> None:
        """Take ``lots`` as the best allocation so far if it keeps supply and every coupling and is worth more."""
        if any(sum(lots[i][k] for i in range(self.n_bidders)) > s for k, s in enumerate(self.p.supply)):
            return
        if all(e <= 0 for e in self.excess(lots)):
            w = self.welfare(lots)
            if w > self.best:
                self.best = w
                self.best_lots = tuple(tuple(row) for row in lots)

    def repair(self, lots: list[list[int]]) -> None:
        """A feasible allocation near a priced optimum, for a good first incumbent: drop the cheapest lots per MHz."""
        lots = [row[:] for row in lots]
        values = self.p.values
        for j, c in enumerate(self.p.couplings):
            i = c.bidder
            while self.excess(lots)[j] > 0:
                pick: tuple[int, int, int, int] | None = None  # (loss, freed, band, new quantity): least loss per MHz
                for k, w in enumerate(c.weights):
                    n = lots[i][k]
                    if w and n:
                        m = n - 1
                        while m and values[i][k][m] <= _FLOOR:
                            m -= 1
                        loss = values[i][k][n] - values[i][k][m]
                        freed = w * (n - m)
                        if pick is None or loss * pick[1] < pick[0] * freed:
                            pick = (loss, freed, k, m)
                if pick is None:
                    return
                lots[i][pick[2]] = pick[3]
        self.offer(lots)

    # ------------------------------------------------------------ prices

    def prices(self) -> list[int]:
        """Prices on the couplings that make ``UB`` small: a line search on one price at a time, two passes.

        A price is searched again only if another price moved since its last
        search (else the answer would be the same), and a cap kept at price 0
        is not searched at all (the search would return 0 at once).
        """
        lam = [0] * len(self.p.couplings)
        searched_at: dict[int, tuple[int, ...]] = {}
        for _ in range(_PASSES):
            moved = False
            excess = self.excess(self.relax(lam)[1])
            for j in range(len(lam)):
                if excess[j] <= 0 and lam[j] == 0:
                    continue
                others = tuple(x for jj, x in enumerate(lam) if jj != j)
                if searched_at.get(j) == others:
                    continue
                x = self._line_search(lam, j)
                searched_at[j] = others
                moved = moved or x != lam[j]
                lam[j] = x
            if not moved:
                break
        return lam

    def _line_search(self, lam: list[int], j: int) -> int:
        """The price of coupling j that makes ``UB`` least with the other prices fixed (to the whole dollar).

        With the other bidders' band programmes fixed, ``UB(x)`` is the upper
        envelope of one line ``a - x * d`` per answer of the bidder (``d``: its
        usage over the capacity), convex in x; the lowest point lies where the
        best falling line crosses the best rising one (cutting planes in 1-D).
        """
        c = self.p.couplings[j]
        i = c.bidder
        price = self._price_table(lam)
        others = [self._others(k, price, i) for k in range(self.n_bands)]
        base = [price[i][k] - lam[j] * w for k, w in enumerate(c.weights)]
        constant = sum(x * cc.capacity for jj, (x, cc) in enumerate(zip(lam, self.p.couplings, strict=True)) if jj != j)
        options = [
            [(n, v - base[k] * n, w * n) for n, v in enumerate(self.p.values[i][k]) if v > _FLOOR and n <= self.p.supply[k]]
            for k, w in enumerate(c.weights)
        ]
        supply = self.p.supply

        def evaluate(x: int) -> tuple[int, int]:
            total = constant + x * c.capacity
            used = 0
            for k in range(self.n_bands):
                g = others[k]
                s = supply[k]
                best = NEG
                take = 0
                for n, v, wn in options[k]:
                    value = v - x * wn + g[s - n]
                    if value > best:
                        best = value
                        take = wn
                total += best
                used += take
            return total, used - c.capacity

        ub, d = evaluate(lam[j])
        if d <= 0 and lam[j] == 0:
            return 0
        best = (ub, lam[j])
        left: tuple[int, int, int] | None = None  # (price, a, d) with d > 0: the bound falls as the price rises
        right: tuple[int, int, int] | None = None  # d <= 0: the bound rises with the price

        def record(x: int, u: int, d: int) -> None:
            nonlocal left, right, best
            if d > 0:
                if left is None or x >= left[0]:
                    left = (x, u + x * d, d)
            elif right is None or x <= right[0]:
                right = (x, u + x * d, d)
            if u < best[0]:
                best = (u, x)

        record(lam[j], ub, d)
        if right is None:
            x = self._high_price(i, c, base)
            record(x, *evaluate(x))
        if left is None:
            record(0, *evaluate(0))
        for _ in range(60):
            if left is None or right is None or right[0] - left[0] <= 1:
                break
            xl, al, dl = left
            xr, ar, dr = right
            x = min(max((al - ar) // (dl - dr), xl + 1), xr - 1)
            u, d = evaluate(x)
            record(x, u, d)
            if u == max(al - x * dl, ar - x * dr):
                # No answer lies above the two lines at x: their crossing is the lowest point.
                if x + 1 < xr:
                    record(x + 1, *evaluate(x + 1))
                break
        return best[1]

    def _high_price(self, i: int, c: Coupling, base: list[int]) -> int:
        """A price at which the bidder takes nothing in the bands the coupling counts (usage 0 <= capacity)."""
        top = 0
        for k, w in enumerate(c.weights):
            if w:
                for n, v in enumerate(self.p.values[i][k]):
                    if n and v > _FLOOR:
                        top = max(top, (v - base[k] * n) // (w * n) + 1)
        return top

    # ------------------------------------------------------------ the bounded programme

    def run(self, step_limit: int) -> Solution:
        lam = self.prices()
        ub, lots = self.relax(lam)
        self.offer(lots)
        self.repair(lots)
        price = self._price_table(lam)
        limit = max(1, ub // 256)
        steps = 0
        while True:
            gap = ub - self.best - 1
            if gap < 0:
                return Solution(self.best, self.best_lots, steps)
            limit = min(limit, gap)
            steps += self._programme(price, limit, step_limit - steps)
            # Every allocation left out falls short of the bound by more than ``limit``.
            if limit >= gap or self.best >= ub - limit - 1:
                return Solution(self.best, self.best_lots, steps)
            limit *= 4

    def _choices(self, k: int, price: list[list[int]], limit: int) -> list[tuple[int, tuple[int, ...], int, int]]:
        """Band k's choices for the coupled bidders that fall at most ``limit`` short of its best priced welfare.

        A choice is (shortfall, lots per coupled bidder, lots left to the
        uncoupled bidders, true welfare of the band), sorted by shortfall.
        Depth first over the coupled bidders; a branch is followed only if its
        best completion (the band's programme run from the back) stays within
        ``limit``, so only choices that are kept are ever built.
        """
        supply = self.p.supply[k]
        f0 = self.prefix[k][0]
        options, back = self._tables(k, price)
        t = len(options)
        top = back[0][supply]
        found: list[tuple[int, tuple[int, ...], int, int]] = []
        chosen: list[int] = []

        def walk(r: int, left: int, priced: int, true: int) -> None:
            if r == t:
                found.append((top - priced - f0[left], tuple(chosen), left, true + f0[left]))
                return
            rest = back[r + 1]
            for n, pc, v in options[r]:
                if n > left:
                    break
                if top - (priced + pc + rest[left - n]) <= limit:
                    chosen.append(n)
                    walk(r + 1, left - n, priced + pc, true + v)
                    chosen.pop()

        walk(0, supply, 0, 0)
        found.sort()
        return found

    def _reach(self) -> list[list[int]]:
        """Per band k and coupling j, the usages the bands after k can still add, as a bit set (bit r: usage r)."""
        couplings = self.p.couplings
        reach = [[1] * len(couplings) for _ in range(self.n_bands)]
        for j, c in enumerate(couplings):
            mask = (1 << (c.capacity + 1)) - 1
            bits = 1
            for k in range(self.n_bands - 1, -1, -1):
                reach[k][j] = bits
                w = c.weights[k]
                if w:
                    row = self.p.values[c.bidder][k]
                    grown = bits
                    for n, v in enumerate(row):
                        if n and v > _FLOOR and w * n <= c.capacity:
                            grown |= bits << (w * n)
                    bits = grown & mask
        return reach

    def _tables(self, k: int, price: list[list[int]]) -> tuple[list[list[tuple[int, int, int]]], list[list[int]]]:
        """Band k's options per coupled bidder (n, priced value, value) and its programme run from the back."""
        cached = self._table_cache.get(k)
        if cached is not None and cached[0] is price:
            return cached[1], cached[2]
        supply = self.p.supply[k]
        options = []
        for i in self.coupled:
            values = self.p.values[i][k]
            pr = price[i][k]
            options.append([(n, v - pr * n, v) for n, v in enumerate(values) if v > _FLOOR and n <= supply])
        t = len(options)
        back: list[list[int]] = [self.prefix[k][0]] * (t + 1)
        for r in range(t - 1, -1, -1):
            back[r] = _step(back[r + 1], (), 0, supply, options[r])[0]
        self._table_cache[k] = (price, options, back)
        return options, back

    def _programme(self, price: list[list[int]], limit: int, room: int) -> int:
        """The best allocation whose shortfalls add up to at most ``limit``, offered as incumbent; steps taken.

        A state's key per coupling is not the usage itself but the usage as
        the rest of the programme can tell it: with headroom ``h = C - usage``,
        what matters is the largest usage ``r <= h`` the later bands can still
        add (``reach``), so the key is ``C - r``. Two partial allocations with
        the same keys face the same remaining problem, which merges many more
        states than equal usage would (after the last band of 2.4 MHz lots,
        Pakistan's headroom only matters in whole 10 MHz lots).
        """
        couplings = self.p.couplings
        choices = [self._choices(k, price, limit) for k in range(self.n_bands)]
        reach = self._reach()
        index_of = {i: idx for idx, i in enumerate(self.coupled)}
        owners = [index_of[c.bidder] for c in couplings]
        capacity = [c.capacity for c in couplings]
        n_couplings = len(couplings)
        Entry = tuple[int, int, tuple[int, ...], int]  # (shortfall so far, true welfare, previous key, choice)
        layers: list[dict[tuple[int, ...], Entry]] = []
        states: dict[tuple[int, ...], Entry] = {(0,) * n_couplings: (0, 0, (), -1)}
        work = sum(len(c) for c in choices)
        for k in range(self.n_bands):
            deltas = [tuple(c.weights[k] * lots[o] for c, o in zip(couplings, owners, strict=True)) for _, lots, _, _ in choices[k]]
            canon: list[dict[int, int]] = [{} for _ in range(n_couplings)]
            after = reach[k]
            nxt: dict[tuple[int, ...], Entry] = {}
            for key, (spent, value, _, _) in states.items():
                if work > room:
                    raise SearchLimit(f"the bounded programme needed more than {room} steps")
                for idx, (rc, _, _, true) in enumerate(choices[k]):
                    if spent + rc > limit:
                        break
                    work += 1
                    new: list[int] = []
                    for j in range(n_couplings):
                        used = key[j] + deltas[idx][j]
                        cap = capacity[j]
                        if used > cap:
                            break
                        memo = canon[j]
                        keyed = memo.get(used)
                        if keyed is None:
                            headroom = cap - used
                            keyed = memo[used] = cap - ((after[j] & ((2 << headroom) - 1)).bit_length() - 1)
                        new.append(keyed)
                    else:
                        nk = tuple(new)
                        old = nxt.get(nk)
                        if old is None or value + true > old[1]:
                            nxt[nk] = (spent + rc, value + true, key, idx)
            layers.append(nxt)
            states = nxt
        if states:
            key = max(states, key=lambda u: states[u][1])
            lots = [[0] * self.n_bands for _ in range(self.n_bidders)]
            for k in range(self.n_bands - 1, -1, -1):
                _, _, previous, idx = layers[k][key]
                _, chosen, left, _ = choices[k][idx]
                for o, i in enumerate(self.coupled):
                    lots[i][k] = chosen[o]
                self._fill_free(k, left, lots)
                key = previous
            self.offer(lots)
        return work


def _step(
    f: list[int], values: Sequence[int], price: int, supply: int, options: Sequence[tuple[int, int, int]] | None = None
) -> tuple[list[int], list[int]]:
    """One bidder added to a band's programme: ``g[s] = max_n f[s - n] + values[n] - price * n``, and the best n.

    ``f[s]`` is the best welfare with at most s lots (non-decreasing in s, as
    n = 0 is always allowed); ``options`` may give (n, priced value, _) directly.
    """
    if options is None:
        options = [(n, v - price * n, v) for n, v in enumerate(values) if v > _FLOOR and n <= supply]
    g = [NEG] * (supply + 1)
    arg = [0] * (supply + 1)
    for s in range(supply + 1):
        best = NEG
        pick = 0
        for n, v, _ in options:
            if n > s:
                break
            total = f[s - n] + v
            if total > best:
                best = total
                pick = n
        g[s] = best
        arg[s] = pick
    return g, arg
