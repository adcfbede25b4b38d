"""Tournament plots as PNG files (matplotlib, Agg backend: no display needed).

``utility_by_strategy.png``, ``revenue.png``, ``efficiency.png`` and
``price_paths.png`` (posted prices of a sample auction, as a multiple of
each band's reserve). Reads results only; never imports pygame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from game.tournament.leaderboard import Standing


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
