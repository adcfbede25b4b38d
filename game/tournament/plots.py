"""Tournament plots as PNG files (matplotlib, Agg backend: no display needed).

``utility_by_strategy.png``, ``revenue.png``, ``efficiency.png`` and
``price_paths.png`` (posted prices of a sample auction, as a multiple of
each band's reserve); ``deviations.png`` (paired gains, revenue and efficiency changes with their intervals,
with ``--baseline``) and ``empirical_game.png`` (the payoff table as a heat
map and the equilibrium mixture). matplotlib is imported only here. Reads
results only; never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from game.tournament.egta import EmpiricalGame, mix_label
from game.tournament.leaderboard import Standing
from game.tournament.paired import Deviation


def write_plots(
    out_dir: Path,
    table: Sequence[Standing],
    utilities: Mapping[str, Sequence[float]],
    revenues: Sequence[float],
    efficiencies: Sequence[float],
    sample_auction: int | None,
    sample_paths: Mapping[str, Sequence[int]],
    reserves: Mapping[str, int],
) -> list[Path]:
    """Write the four PNGs into ``out_dir`` and return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[Path] = []

    def save(fig: object, name: str) -> None:
        path = out_dir / name
        fig.savefig(path, dpi=100)  # type: ignore[attr-defined]
        plt.close(fig)  # type: ignore[arg-type]
        written.append(path)

    order = [s.strategy for s in table]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    data = [[u / 1e6 for u in utilities[s]] for s in order]
    if data:
        ax.boxplot(data, showmeans=True)
        ax.set_xticks(range(1, len(order) + 1), order)
        for i, s in enumerate(table, 1):
            if s.ci_low_usd is not None and s.ci_high_usd is not None:
                ax.errorbar(
                    i + 0.25, s.mean_utility_usd / 1e6,
                    yerr=[[(s.mean_utility_usd - s.ci_low_usd) / 1e6], [(s.ci_high_usd - s.mean_utility_usd) / 1e6]],
                    fmt="o", color="tab:red", capsize=4,
                )
    ax.set_ylabel("utility per seat ($m)")
    ax.set_title("Utility per strategy (box: spread; red: mean with 95% CI)")
    fig.tight_layout()
    save(fig, "utility_by_strategy.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist([r / 1e6 for r in revenues], bins=30, color="tab:blue")
    ax.set_xlabel("revenue ($m)")
    ax.set_ylabel("auctions")
    ax.set_title("Revenue per auction")
    fig.tight_layout()
    save(fig, "revenue.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist([e * 100 for e in efficiencies], bins=30, color="tab:green")
    ax.set_xlabel("efficiency (% of optimal welfare)")
    ax.set_ylabel("auctions")
    ax.set_title("Efficiency per auction")
    fig.tight_layout()
    save(fig, "efficiency.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    for band, path in sample_paths.items():
        reserve = reserves.get(band) or 1
        ax.plot(range(1, len(path) + 1), [p / reserve for p in path], marker=".", label=f"{band} MHz")
    ax.set_xlabel("round")
    ax.set_ylabel("posted price / reserve")
    ax.set_title(f"Price paths of auction {sample_auction}" if sample_auction is not None else "Price paths")
    if sample_paths:
        ax.legend()
    fig.tight_layout()
    save(fig, "price_paths.png")
    return written


def write_analysis_plots(out_dir: Path, table: Sequence[Deviation], game: EmpiricalGame) -> list[Path]:
    """``deviations.png`` (when there are deviations) and ``empirical_game.png``; return their paths."""
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[Path] = []
    rows = [d for d in table if not math.isnan(d.gain_usd)]
    if rows:
        fig, axes = plt.subplots(1, 3, figsize=(14, 0.45 * len(rows) + 1.8), sharey=True)
        labels = [f"{d.strategy} @ {d.bidder}" for d in rows]
        ys = list(range(len(rows)))[::-1]
        for ax, (mean, lo, hi, scale, title) in zip(axes, [
            ("gain_usd", "gain_low_usd", "gain_high_usd", 1e6, "seat's utility gain ($m)"),
            ("revenue_change_usd", "revenue_low_usd", "revenue_high_usd", 1e6, "revenue change ($m)"),
            ("efficiency_change", "efficiency_low", "efficiency_high", 0.01, "efficiency change (points)"),
        ], strict=True):
            for y, d in zip(ys, rows, strict=True):
                m, low, high = getattr(d, mean) / scale, getattr(d, lo), getattr(d, hi)
                err = [[0.0], [0.0]] if low is None or high is None else [[m - low / scale], [high / scale - m]]
                ax.errorbar(m, y, xerr=err, fmt="o", color="tab:red" if d.seat is None else "tab:blue", capsize=3)
            ax.axvline(0, color="grey", lw=0.8)
            ax.set_xlabel(title)
        axes[0].set_yticks(ys, labels)
        fig.suptitle(f"Paired deviation from {rows[0].baseline} (95% CI; red: all seats)")
        fig.tight_layout()
        path = out_dir / "deviations.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)

    if game.payoffs and game.mixes:
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 0.5 * len(game.strategies) + 2.5), width_ratios=(3, 1))
        cells = [[game.payoffs[(s, m)].mean_usd / 1e6 if (s, m) in game.payoffs else math.nan for m in game.mixes]
                 for s in game.strategies]
        image = ax.imshow(cells, aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(game.mixes)), [mix_label(m) for m in game.mixes], rotation=30, ha="right")
        ax.set_yticks(range(len(game.strategies)), game.strategies)
        ax.set_title("mean utility ($m) against the rivals' mix")
        fig.colorbar(image, ax=ax)
        if game.equilibrium is not None:
            probs = [game.equilibrium.mixture[s] for s in game.strategies]
            bx.barh(range(len(probs)), probs, color="tab:green")
            bx.set_yticks(range(len(probs)), game.strategies)
            bx.invert_yaxis()
            bx.set_xlim(0, 1)
            bx.set_title("equilibrium mixture")
        else:
            bx.text(0.5, 0.5, "no equilibrium:\nsome mixes never played", ha="center", va="center")
            bx.set_axis_off()
        fig.tight_layout()
        path = out_dir / "empirical_game.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written
