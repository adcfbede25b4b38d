"""Headless tournaments: many auctions, strategies ranked, results a researcher can use.

``schedule`` (seat rotation and per-auction seeds), ``play`` (one auction in
a worker), ``pool`` (local worker processes, safe against hung agents),
``ray_backend`` (the same on a Ray cluster; Ray is imported only there),
``storage`` (SQLite as it runs, CSV from it), ``leaderboard`` (pooled
means), ``paired`` (the paired deviation analysis), ``egta`` (the empirical
game and its replicator equilibrium), ``plots`` and ``runner`` (puts them
together; progress is drawn by tqdm). The command line is
``game.cli.tournament``. Never imports pygame.
"""

from game.tournament.pool import TournamentError
from game.tournament.runner import TournamentConfig, TournamentResult, play_one, run_tournament

__all__ = ["TournamentConfig", "TournamentError", "TournamentResult", "play_one", "run_tournament"]
