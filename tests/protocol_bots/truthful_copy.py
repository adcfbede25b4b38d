"""The built-in truthful strategy under another name, to play through the sandboxed worker (adapter fidelity)."""

from game.agents.truthful import TruthfulAgent


class TruthfulCopy(TruthfulAgent):
    strategy = "truthful-copy"
