"""game.engine.streams.stream seeds SeedSequence with the 32-bit words of stream_seed: the same generator as the number."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from game.engine import streams


@given(seed=st.integers(min_value=-(2**70), max_value=2**70), purpose=st.text(max_size=20))
def test_stream_is_the_generator_of_its_stream_seed(seed: int, purpose: str) -> None:
    expected = np.random.default_rng(streams.stream_seed(seed, purpose))
    assert streams.stream(seed, purpose).bit_generator.state == expected.bit_generator.state


@given(number=st.integers(min_value=0, max_value=2**128 - 1), zeros=st.integers(min_value=0, max_value=3))
def test_zero_high_words_seed_as_the_number_does(number: int, zeros: int) -> None:
    # A number with zero high words: SeedSequence(int) leaves them out, the four words keep them.
    number >>= 32 * zeros
    words = np.frombuffer(number.to_bytes(16, "little"), dtype="<u4")
    assert np.random.default_rng(words).bit_generator.state == np.random.default_rng(number).bit_generator.state
