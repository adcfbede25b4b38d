"""Play a tournament's auctions on a Ray cluster (``--backend ray``).

Ray is an optional extra (``pip install -e ".[distributed]"``) and is
imported only here, only when this backend is chosen. ``ray.init(address=...)``
joins a running cluster; with no address Ray starts a local one. Auctions go
out in small chunks; each Ray worker builds its :class:`AuctionPlayer` once
per tournament and keeps it. The per-round alarm stops slow agents as in
local workers; unlike the local pool, an agent stuck in C code (beyond the
alarm's reach) is not killed here. Never imports pygame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from game.tournament.play import AuctionPlayer, AuctionRecord, AuctionTask, TournamentSetup
from game.tournament.pool import TournamentError

_players: dict[TournamentSetup, AuctionPlayer] = {}


def play_chunk(setup: TournamentSetup, tasks: Sequence[AuctionTask]) -> list[AuctionRecord]:
    """Runs inside a Ray worker: play a few auctions with a cached player."""
    player = _players.get(setup)
    if player is None:
        player = _players[setup] = AuctionPlayer(setup)
    return [player.play(task) for task in tasks]


def run_ray(
    setup: TournamentSetup,
    tasks: Iterable[AuctionTask],
    jobs: int,
    on_record: Callable[[AuctionRecord], None],
    *,
    address: str | None = None,
    chunk: int = 4,
) -> None:
    """Play ``tasks`` on Ray with up to ``jobs`` chunks in flight per CPU-slot, calling ``on_record`` as each ends.

    ``tasks`` is drawn lazily, a chunk at a time."""
    try:
        import ray
    except ImportError:
        raise TournamentError(
            "--backend ray needs Ray, which is not installed: pip install -e \".[distributed]\" (or pip install ray)"
        ) from None
    source = iter(tasks)
    first = list(islice(source, chunk))
    if not first:
        return
    started_here = False
    if not ray.is_initialized():
        try:
            ray.init(address=address, include_dashboard=False, logging_level=logging.ERROR) if address else ray.init(
                num_cpus=jobs, include_dashboard=False, logging_level=logging.ERROR
            )
        except Exception as exc:
            raise TournamentError(f"cannot start or join the Ray cluster ({address or 'local'}): {exc}") from None
        started_here = True
    remote = ray.remote(max_retries=0)(play_chunk)
    try:
        in_flight: dict[Any, list[AuctionTask]] = {}
        limit = max(1, jobs) * 2
        part = first
        while part or in_flight:
            while part and len(in_flight) < limit:
                in_flight[remote.remote(setup, part)] = part
                part = list(islice(source, chunk))
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in ready:
                done = in_flight.pop(ref)
                try:
                    records = ray.get(ref)
                except Exception as exc:
                    raise TournamentError(f"auctions {done[0].index}..{done[-1].index} failed on Ray: {exc}") from None
                for record in records:
                    on_record(record)
    except KeyboardInterrupt:
        for ref in in_flight:
            ray.cancel(ref, force=True)
        raise
    finally:
        if started_here:
            ray.shutdown()

