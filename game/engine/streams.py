"""Independent random streams from one seed, through a one-way function.

Every random draw of an auction comes from a stream named by its purpose:
``values:<bidder>`` (private values), ``agent:<bidder>`` (the generator an
agent is handed), ``ties`` (the allocation stage's tie-breaks),
``assignment:<band>`` and ``positions:<band>:<bidder>`` (the assignment
stage). A stream's seed is SHA-256 over a version tag, the auction seed and
the purpose, cut to 128 bits. So whatever an agent is handed (its
generator, whose ``bit_generator.seed_seq.entropy`` it can read, or a seed
number given to an external program) reveals neither the auction seed nor
any other stream: getting back from one to the other means inverting
SHA-256. The same seed still gives the same streams, so ``--seed`` keeps
reproducing a run.

What this does not do: make a guessable seed secret. An agent that knows
its own values or generator and the public code can try seeds 0, 1, 2, ...
until one reproduces them; the one-way function only makes that as hard as
the seed space is large. Competitive runs need an unguessable seed (see
``docs/PROTOCOL.md#the-sandbox``). Pure Python + numpy; never imports pygame.
"""

from __future__ import annotations

import hashlib
import operator

import numpy as np

STREAMS_VERSION = b"spectrum-auction streams v1"


def _digest(seed: int, purpose: str) -> bytes:
    if isinstance(seed, bool):
        raise TypeError("a seed is an integer, got bool")
    number = operator.index(seed)  # numpy integers too; a float is refused
    return hashlib.sha256(b"\0".join([STREAMS_VERSION, str(number).encode("ascii"), purpose.encode("utf-8")])).digest()


def stream_seed(seed: int, purpose: str) -> int:
    """A 128-bit seed for the stream ``purpose`` of ``seed``; a one-way function of both.

    >>> stream_seed(1, "ties") == stream_seed(1, "ties") != stream_seed(1, "values:jazz")
    True
    >>> stream_seed(1, "ties") < 2**128
    True
    """
    return int.from_bytes(_digest(seed, purpose)[:16], "big")


def stream(seed: int, purpose: str) -> np.random.Generator:
    """A generator for the stream ``purpose`` of ``seed``; its seed material is :func:`stream_seed` alone."""
    # The generator of stream_seed(seed, purpose), handed to SeedSequence as its four 32-bit words, lowest first:
    # the words SeedSequence splits the number into itself, where a zero high word it leaves out is mixed in as a
    # zero all the same (its pool is padded with zeros). The same generator, 14,000 instructions cheaper (4 a reset).
    return np.random.default_rng(np.frombuffer(_digest(seed, purpose)[15::-1], dtype="<u4"))


def agent_seed(seed: int, bidder: str) -> int:
    """The seed handed to the agent of ``bidder`` (a generator from it, or the number itself for an external program)."""
    return stream_seed(seed, f"agent:{bidder}")


def agent_stream(seed: int, bidder: str) -> np.random.Generator:
    """The generator handed to the agent of ``bidder`` in an auction with ``seed``."""
    return np.random.default_rng(agent_seed(seed, bidder))
