"""A tournament's settings as its result store keeps them (``meta`` table of ``auctions.sqlite``), declared.

What decides a tournament's results: a resumed run must match them
exactly. ``game.tournament.runner.settings`` writes them; reading them back
(to say what differs) goes through :func:`read_settings`. To add a setting,
add its field here. Never imports pygame.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from game.scenario import checked
from game.scenario.schema import MAX_SEED, Ident

MAX_SETTINGS_BYTES = 1_000_000

Name = Annotated[str, Field(max_length=4096)]


class TournamentSettings(BaseModel):
    """``{"scenario", "scenario_sha256", "market", "bidders", "strategies", "seed", "agent_timeout_s", "agent_modules"}``.

    Optional keys are written only when set (``agent_programs``, ``schedule`` other than rotation,
    ``baseline``), so a directory written before they existed still resumes; ``market`` is absent
    only from such older directories.
    """

    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, title="Spectrum-auction tournament settings (JSON)"
    )

    scenario: Name
    scenario_sha256: Annotated[str, Field(max_length=64)]
    market: Annotated[Ident, Field(description="the scenario's market the private values come from")] | None = None
    bidders: Annotated[list[Ident], Field(min_length=1, max_length=64)]
    strategies: Annotated[list[Name], Field(min_length=1, max_length=1000)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    agent_timeout_s: Annotated[float, Field(gt=0, le=1e6)] | None
    agent_modules: list[Annotated[list[Name], Field(min_length=2, max_length=2, description="[module or path, sha256]")]]
    agent_programs: (
        Annotated[
            list[Annotated[list[Name], Field(min_length=2, max_length=2, description="[strategy name, command]")]],
            Field(max_length=1000),
        ]
        | None
    ) = None
    schedule: Literal["rotation", "profiles"] = "rotation"
    baseline: Annotated[Name, Field(min_length=1, description="strategy of the paired deviation runs")] | None = None


def read_settings(text: str, source: str) -> dict[str, Any]:
    """Stored settings, bounded, parsed and checked; :class:`checked.CheckedError` lists every problem."""
    if len(text) > MAX_SETTINGS_BYTES:
        raise checked.CheckedError(source, [f"longer than {MAX_SETTINGS_BYTES:,} characters"], what="tournament settings")
    tree, problems = checked.parse_text(text, toml=False)
    if not problems:
        _model, problems = checked.validate(TournamentSettings, tree, table="an object")
    if problems or not isinstance(tree, dict):
        raise checked.CheckedError(source, problems or ["must be an object"], what="tournament settings")
    return tree
