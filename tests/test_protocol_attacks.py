"""The agent boundary holds: each attack of issue 15, as an --agent-module, fails; each fails on the old code.

Before the protocol, an --agent-module was imported into the tournament's
parent process and its agents ran inside the engine's worker processes, so
each attack below succeeded (measured: rivals' values read through gc and
frames, 434-452 MHz won against the 348.5 MHz overall cap, rivals' caps set
to zero, the result store patched). Now every class runs in a sandboxed
worker process that receives protocol messages only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from game.cli.main import main
from game.economics.values import draw_valuations
from game.protocol.sandbox import SandboxLimits, launch
from game.scenario import load_scenario
from game.tournament.schedule import auction_seed
from tests.protocol_helpers import BOTS, failures, seats, tournament

ATTACKS = BOTS / "attacks"
SCENARIO = load_scenario("pakistan-2026")
BIDDERS = list(SCENARIO.default_bidders)


def _lots(text: str) -> dict[str, int]:
    return {b: int(n) for b, n in (p.split(":") for p in text.split(";") if p)}


def test_a_no_rival_values_through_gc_or_stack_frames(tmp_path: Path) -> None:
    tournament(tmp_path, ("snoop", "truthful"), modules=(str(ATTACKS / "snoop.py"),))
    reports = [f for f in failures(tmp_path) if f[1] == "snoop" and "rival valuations seen" in f[4]]
    assert reports, "the agent ran and reported what it saw"
    assert all("rival valuations seen: []" in f[4] for f in reports), reports


def test_b_the_tournament_scores_the_engines_copy_of_the_values(tmp_path: Path) -> None:
    tournament(tmp_path, ("inflate", "truthful"), modules=(str(ATTACKS / "inflate.py"),), auctions=2)
    for auction, bidder, _, lots, _, value, _ in seats(tmp_path):
        values = draw_valuations(SCENARIO, BIDDERS, auction_seed(1, auction))
        assert value == values[bidder].value(_lots(lots))


def test_c_lifting_its_own_caps_through_its_view_changes_nothing(tmp_path: Path) -> None:
    tournament(tmp_path, ("liftcaps", "truthful"), modules=(str(ATTACKS / "lift_caps.py"),))
    cap = SCENARIO.caps.overall
    for _, bidder, _, _, won, _, _ in seats(tmp_path):
        assert SCENARIO.bidder(bidder).total_holdings + won <= cap
    assert any(f[1] == "liftcaps" and f[3] == "refused" and "overall cap" in f[4] for f in failures(tmp_path))


def test_d_rivals_caps_cannot_be_set_to_zero(tmp_path: Path) -> None:
    tournament(tmp_path, ("zerorivals", "truthful"), modules=(str(ATTACKS / "zero_rivals.py"),))
    honest = [s for s in seats(tmp_path) if s[2] == "truthful"]
    assert honest and all(s[4] > 0 for s in honest)
    assert not [f for f in failures(tmp_path) if f[1] == "truthful"]


def test_e_patching_the_store_at_import_reaches_nothing_of_ours(tmp_path: Path) -> None:
    import game.tournament.storage as storage

    add, row = storage.ResultStore.add, storage.csv_row
    tournament(tmp_path, ("patcher", "truthful"), modules=(str(ATTACKS / "patch_store.py"),))
    assert (storage.ResultStore.add, storage.csv_row) == (add, row)
    assert "SPECTRUM_ATTACK_IMPORTED_HERE" not in os.environ
    assert not [m for m in list(sys.modules.values()) if "patch_store" in str(getattr(m, "__file__", ""))]
    for _, _, _, _, _, value, utility in seats(tmp_path):
        assert utility != 10**12 and utility <= value
    text = (tmp_path / "auctions.csv").read_text()
    assert str(10**12) not in text


def _isolating_sandbox() -> bool:
    sandboxed = launch(["/bin/true"], limits=SandboxLimits())
    sandboxed.process.wait()
    return sandboxed.mechanism != "rlimits only"


def test_f_rewriting_the_results_during_bid_leaves_them_intact(tmp_path: Path) -> None:
    """In-process discovery (gc) must find nothing; /proc discovery is stopped by the OS sandbox (docs/PROTOCOL.md#the-sandbox)."""
    if not _isolating_sandbox():
        pytest.skip("the sandbox in force is 'rlimits only': files and /proc are the OS sandbox's part (docs/PROTOCOL.md#the-sandbox)")
    tournament(tmp_path, ("rewritedb", "truthful"), modules=(str(ATTACKS / "rewrite_db.py"),), auctions=2)
    for _, _, _, _, _, value, utility in seats(tmp_path):
        assert utility != 10**12 and utility <= value
    assert "-1" not in {line.split(",")[4] for line in (tmp_path / "auctions.csv").read_text().splitlines()[1:]}


def test_the_parent_never_imports_an_agent_module(tmp_path: Path) -> None:
    before = set(sys.modules)
    tournament(tmp_path, ("rewritedb", "truthful"), modules=(str(ATTACKS / "rewrite_db.py"),))
    new = [m for m in set(sys.modules) - before if "rewrite_db" in m or "agent_module" in m]
    assert not new


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("def bid(self view):\n    pass\n", "SyntaxError"),
        ("import sys\nsys.exit(3)\n", "called sys.exit(3) while being imported"),
        ("class NotAnAgent:\n    strategy = 'x'\n", "defines no Agent subclass"),
        ("raise ImportError('no module named secret_sauce')\n", "ImportError: no module named secret_sauce"),
    ],
)
def test_a_module_that_cannot_load_is_refused_before_the_tournament_with_exit_2(
    tmp_path: Path, source: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    module = tmp_path / "bad_agent.py"
    module.write_text(source)
    out = tmp_path / "out"
    code = main(["tournament", "--agent-module", str(module), "--strategies", "truthful,reducer",
                 "--auctions", "1", "--out", str(out), "--no-plots"])
    err = capsys.readouterr().err
    assert code == 2
    assert str(module) in err and says in err, err
    assert "Traceback" not in err
    assert not (out / "auctions.sqlite").exists()
