"""The stdio transport: lines come out whole however the bytes are chunked; deadlines and closed ends are reported."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.protocol.channel import ChannelClosed, ChannelTimeout, LineTooLong, StdioChannel


def _pipes(max_line: int = 1000) -> tuple[StdioChannel, int, int]:
    """A channel whose 'process' is us: we write into its stdout pipe and read its stdin pipe."""
    out_r, out_w = os.pipe()
    in_r, in_w = os.pipe()
    channel = StdioChannel(os.fdopen(in_w, "wb"), os.fdopen(out_r, "rb"), max_line=max_line)
    return channel, out_w, in_r


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=300).map(lambda b: b.replace(b"\n", b"")), max_size=12),
    cuts=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=20),
)
def test_lines_come_out_whole_whatever_the_chunking(lines: list[bytes], cuts: list[int]) -> None:
    channel, writer, reader = _pipes()
    data = b"".join(line + b"\n" for line in lines)
    i = k = 0
    while i < len(data):
        step = cuts[k % len(cuts)]
        os.write(writer, data[i : i + step])
        i += step
        k += 1
    os.close(writer)
    deadline = time.monotonic() + 5
    assert [channel.receive(deadline) for _ in lines] == lines
    with pytest.raises(ChannelClosed):
        channel.receive(deadline)
    channel.close()
    os.close(reader)


def test_silence_is_a_timeout_at_the_deadline() -> None:
    channel, writer, reader = _pipes()
    started = time.monotonic()
    with pytest.raises(ChannelTimeout):
        channel.receive(started + 0.2)
    assert 0.15 < time.monotonic() - started < 2
    os.write(writer, b"late\n")  # what comes after the deadline is the next line read
    assert channel.receive(time.monotonic() + 1) == b"late"
    channel.close()
    os.close(writer)
    os.close(reader)


def test_an_overlong_line_is_reported_once_and_skipped() -> None:
    channel, writer, reader = _pipes(max_line=10)
    os.write(writer, b"x" * 25 + b"\nok\n")
    deadline = time.monotonic() + 1
    with pytest.raises(LineTooLong):
        channel.receive(deadline)
    assert channel.receive(deadline) == b"ok"
    channel.close()
    os.close(writer)
    os.close(reader)


def test_writing_to_a_closed_reader_is_closed() -> None:
    channel, writer, reader = _pipes()
    os.close(reader)
    with pytest.raises(ChannelClosed):
        channel.send("hello\n", time.monotonic() + 1)
    channel.close()
    os.close(writer)


def test_a_reader_that_never_reads_makes_a_write_time_out() -> None:
    channel, writer, reader = _pipes()
    with pytest.raises(ChannelTimeout):
        channel.send("x" * (1 << 20) + "\n", time.monotonic() + 0.2)  # more than a pipe holds
    channel.close()
    os.close(writer)
    os.close(reader)


def test_a_socket_carries_the_same_messages_to_a_bot() -> None:
    """A TCP-style transport is one more Channel: the example bot plays a round over a socket, messages unchanged."""
    import json
    import socket
    import subprocess
    import sys
    from pathlib import Path

    from game.economics.values import draw_valuations
    from game.engine.allocation import ClockAuction
    from game.protocol.channel import SocketChannel
    from game.protocol.messages import dumps, parse_agent_message, round_message, start_message
    from game.records.view import build_view
    from game.scenario import load_scenario

    scenario = load_scenario("pakistan-2026")
    bidders = ["jazz", "zong", "ufone"]
    values = draw_valuations(scenario, bidders, 4)
    auction = ClockAuction(scenario, bidders, seed=4)
    ours, theirs = socket.socketpair()
    bot = Path(__file__).resolve().parent.parent / "examples" / "bots" / "truthful.py"
    process = subprocess.Popen([sys.executable, str(bot)], stdin=theirs, stdout=theirs)
    theirs.close()
    channel = SocketChannel(ours)
    try:
        deadline = time.monotonic() + 20
        channel.send(dumps(start_message(scenario, auction_id="a1", bidder="jazz", bidders=bidders,
                                         values=values["jazz"])) + "\n", deadline)
        assert parse_agent_message(channel.receive(deadline)).type == "hello"
        assert parse_agent_message(channel.receive(deadline)).type == "ready"
        channel.send(dumps(round_message(build_view(auction, "jazz"), auction_id="a1")) + "\n", deadline)
        bids = parse_agent_message(channel.receive(deadline))
        assert bids.type == "bids" and bids.round == 1
        assert json.loads(dumps({"type": "quit"}))["type"] == "quit"
        channel.send(dumps({"type": "quit"}) + "\n", deadline)
        assert process.wait(timeout=10) == 0
        with pytest.raises(ChannelClosed):
            channel.receive(time.monotonic() + 5)
    finally:
        channel.close()
        if process.poll() is None:
            process.kill()
