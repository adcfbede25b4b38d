"""The empirical game of a tournament: each strategy's payoff against each mix of the others, and its equilibrium.

Seats are treated alike (the schedule rotates strategies through them), so
the game is symmetric: the payoff of strategy ``s`` against opponents ``M``
(a multiset of ``seats - 1`` strategies) is the mean utility of every
seat-play of ``s`` whose rivals played ``M``, from the tournament's auctions
and its paired runs. This is Walsh et al.'s heuristic payoff table (2002)
of empirical game-theoretic analysis.

The equilibrium is found by the replicator dynamics of a population that
plays mixture ``x``: ``dx_s/dt = x_s (f_s(x) - x.f(x))``, where ``f_s(x)``
is ``s``'s expected payoff when each rival draws its strategy from ``x``
(multinomial over the opponent mixes). Integrated with Runge-Kutta (4th
order) from the uniform mixture, payoffs scaled to a unit range. A rest
point is reported as the equilibrium; where the dynamics cycle (rock-paper-
scissors) the time average over the second half of the run, which
converges to the interior equilibrium in such games. ``regret`` says how
far a mixture is from Nash: the most any strategy earns above the
mixture's own payoff against it (0 at an equilibrium).

Why not alpha-rank: the only maintained implementation is in OpenSpiel, a
large C++ build for one function; replicator dynamics are a few lines of
numpy. The dynamics need every opponent mix of every strategy; a
tournament's rotation schedule plays only mixes of distinct strategies, so
``--schedule profiles`` plays every mix. Never imports pygame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations_with_replacement

import numpy as np

Mix = tuple[str, ...]
"""The opponents' strategies, sorted."""


@dataclass(frozen=True)
class Payoff:
    plays: int
    mean_usd: float


@dataclass(frozen=True)
class Equilibrium:
    mixture: Mapping[str, float]
    converged: bool
    """A rest point; False: the dynamics cycle and ``mixture`` is their time average."""
    regret_usd: float
    steps: int


@dataclass(frozen=True)
class EmpiricalGame:
    strategies: tuple[str, ...]
    seats: int
    payoffs: Mapping[tuple[str, Mix], Payoff]
    missing: tuple[tuple[str, Mix], ...] = ()
    equilibrium: Equilibrium | None = None
    mixes: tuple[Mix, ...] = field(default=())


def opponent_mixes(strategies: Sequence[str], seats: int) -> list[Mix]:
    """Every multiset of ``seats - 1`` rivals' strategies, in a fixed order.

    >>> opponent_mixes(["a", "b"], 3)
    [('a', 'a'), ('a', 'b'), ('b', 'b')]
    """
    return [tuple(m) for m in combinations_with_replacement(sorted(strategies), seats - 1)]


def payoff_table(plays: Iterable[tuple[str, Mix, float]]) -> dict[tuple[str, Mix], Payoff]:
    """Mean payoff per (strategy, sorted opponents) from (strategy, opponents, utility) seat-plays."""
    sums: dict[tuple[str, Mix], list[float]] = {}
    for strategy, rivals, utility in plays:
        sums.setdefault((strategy, tuple(sorted(rivals))), []).append(float(utility))
    return {key: Payoff(len(v), math.fsum(v) / len(v)) for key, v in sorted(sums.items())}


class _Game:
    """f(x) for a symmetric game given by payoff[s][mix]: matrix algebra over the opponent mixes."""

    def __init__(self, strategies: Sequence[str], mixes: Sequence[Mix], payoff: np.ndarray) -> None:
        index = {s: k for k, s in enumerate(strategies)}
        self.counts = np.zeros((len(mixes), len(strategies)))
        for r, mix in enumerate(mixes):
            for s in mix:
                self.counts[r, index[s]] += 1
        rivals = self.counts.sum(axis=1)
        # multinomial coefficients (n-1)! / prod(c_k!)
        self.coef = np.array(
            [math.factorial(int(n)) / math.prod(math.factorial(int(c)) for c in row) for n, row in zip(rivals, self.counts, strict=True)]
        )
        self.payoff = payoff

    def fitness(self, x: np.ndarray) -> np.ndarray:
        probs = self.coef * np.prod(np.power(x[None, :], self.counts), axis=1)
        return np.asarray(self.payoff @ probs)

    def velocity(self, x: np.ndarray) -> np.ndarray:
        f = self.fitness(x)
        return np.asarray(x * (f - x @ f))


def replicator(
    strategies: Sequence[str],
    payoff: Mapping[tuple[str, Mix], float],
    seats: int,
    *,
    start: Sequence[float] | None = None,
    dt: float = 0.05,
    steps: int = 20_000,
    tolerance: float = 1e-10,
) -> Equilibrium:
    """Replicator dynamics of the symmetric game ``payoff[(s, rivals)]`` (every mix needed) from ``start``.

    >>> pd = {("C", ("C",)): 3, ("C", ("D",)): 0, ("D", ("C",)): 5, ("D", ("D",)): 1}
    >>> eq = replicator(["C", "D"], pd, 2)
    >>> round(eq.mixture["D"], 3), eq.converged
    (1.0, True)
    """
    names = list(strategies)
    mixes = opponent_mixes(names, seats)
    table = np.array([[float(payoff[(s, m)]) for m in mixes] for s in names])
    span = float(table.max() - table.min()) or 1.0
    game = _Game(names, mixes, (table - table.min()) / span)
    x = np.full(len(names), 1 / len(names)) if start is None else np.asarray(start, dtype=float) / math.fsum(start)
    total = np.zeros_like(x)
    counted = 0
    converged = False
    step = 0
    for step in range(1, steps + 1):
        k1 = game.velocity(x)
        if float(np.abs(k1).max()) < tolerance:
            converged = True
            break
        k2 = game.velocity(x + dt / 2 * k1)
        k3 = game.velocity(x + dt / 2 * k2)
        k4 = game.velocity(x + dt * k3)
        x = np.clip(x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4), 0.0, None)
        x = x / x.sum()
        if step > steps // 2:
            total += x
            counted += 1
    mixture = x if converged or counted == 0 else total / counted
    f = game.fitness(mixture)
    regret = float(f.max() - mixture @ f) * span
    return Equilibrium(
        mixture={s: float(p) for s, p in zip(names, mixture, strict=True)}, converged=converged,
        regret_usd=regret, steps=step,
    )


def empirical_game(strategies: Sequence[str], seats: int, plays: Iterable[tuple[str, Mix, float]]) -> EmpiricalGame:
    """The payoff table from seat-plays and, when every strategy met every mix, its replicator equilibrium."""
    names = tuple(sorted(strategies))
    table = payoff_table(plays)
    mixes = tuple(opponent_mixes(names, seats))
    missing = tuple((s, m) for s in names for m in mixes if (s, m) not in table)
    equilibrium = None
    if not missing and seats > 1:
        equilibrium = replicator(names, {k: p.mean_usd for k, p in table.items()}, seats)
    return EmpiricalGame(names, seats, table, missing, equilibrium, mixes)


GAME_NAME = "empirical_game.csv"


def mix_label(mix: Mix) -> str:
    """
    >>> mix_label(("a", "a", "b"))
    '2 a + b'
    """
    parts = []
    for s in dict.fromkeys(mix):
        n = mix.count(s)
        parts.append(f"{n} {s}" if n > 1 else s)
    return " + ".join(parts)


def game_csv_rows(game: EmpiricalGame) -> list[list[object]]:
    """(strategy, opponents, plays, mean_utility_usd, equilibrium_probability) rows; the probability on the first
    row of each strategy only would be confusing, so it repeats per row (blank without an equilibrium)."""
    rows: list[list[object]] = []
    for s in game.strategies:
        prob = "" if game.equilibrium is None else f"{game.equilibrium.mixture[s]:.6f}"
        for m in game.mixes:
            p = game.payoffs.get((s, m))
            rows.append([s, "+".join(m), p.plays if p else 0, "" if p is None else f"{p.mean_usd:.0f}", prob])
    return rows


def game_text(game: EmpiricalGame, width: int = 100) -> str:
    """The payoff table (a row per rival mix, a column per strategy; one line per cell where that is wider than
    ``width``) and the equilibrium."""
    from game.scenario.units import fmt_usd

    def cell(s: str, m: Mix) -> str:
        p = game.payoffs.get((s, m))
        return "-" if p is None else fmt_usd(round(p.mean_usd))

    first = max([len(mix_label(m)) for m in game.mixes] + [len("rivals")])
    col = max([len(s) for s in game.strategies] + [10])
    plays = [p.plays for p in game.payoffs.values()]
    lines = [
        "Empirical game: mean utility of each strategy against each mix of rival strategies",
        f"(seat-plays per cell: {min(plays, default=0)}..{max(plays, default=0)})",
    ]
    if first + len(game.strategies) * (col + 2) <= width:
        lines.append(f"{'rivals':<{first}}" + "".join(f"  {s:>{col}}" for s in game.strategies))
        for m in game.mixes:
            lines.append(f"{mix_label(m):<{first}}" + "".join(f"  {cell(s, m):>{col}}" for s in game.strategies))
    else:
        name = max(len(s) for s in game.strategies)
        for s in game.strategies:
            for m in game.mixes:
                lines.append(f"{s:<{name}}  vs {mix_label(m):<{first}}  {cell(s, m):>10}")
    eq = game.equilibrium
    if eq is not None:
        mix = ", ".join(f"{s} {p:.1%}" for s, p in sorted(eq.mixture.items(), key=lambda kv: (-kv[1], kv[0])) if p >= 0.0005)
        how = "a rest point of the replicator dynamics" if eq.converged else "time average of cycling replicator dynamics"
        lines.append(f"Equilibrium mixture ({how}):")
        lines.append(f"  {mix}; regret {fmt_usd(round(eq.regret_usd))}")
    elif game.missing:
        lines.append(
            f"No equilibrium: {len(game.missing)} strategy/rival mix(es) never played (e.g. {game.missing[0][0]}"
        )
        lines.append(f"against {mix_label(game.missing[0][1])}); --schedule profiles plays every mix")
    return "\n".join(lines)
