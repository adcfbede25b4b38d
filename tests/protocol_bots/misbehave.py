"""A protocol bot that misbehaves in round 2 in the way its first argument names (tests of the failure labels).

Standard library only. Round 1: 10 lots of 2600 and 3500 MHz (over the obligation; excess demand, so a round 2). Round 2:
``flood`` prints 20 MB of junk lines then bids; ``sleep`` sleeps 30 s; ``exit`` exits with status 3;
``garbage`` answers a line that is not a protocol message; ``memory`` allocates 4 GiB; ``error`` sends an
error message; ``badbids`` sends bids with negative lots; ``late`` answers round 2 after the limit, then
behaves. ``sigkill`` is killed by SIGKILL (as by the out-of-memory killer); ``v2`` says hello in protocol version 2. Other rounds: maintain.
"""

import json
import sys
import time

MODE = sys.argv[1]


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


send({"type": "hello", "protocol": 2 if MODE == "v2" else 1})
for line in sys.stdin:
    message = json.loads(line)
    if message["type"] == "start":
        send({"type": "ready", "auction_id": message["auction_id"]})
    elif message["type"] == "round":
        r = message["round"]
        if r == 1:
            send({"type": "bids", "round": 1, "bids": {"2600": 10, "3500": 10}})
            continue
        if r == 2:
            if MODE == "flood":
                junk = "x" * 999 + "\n"
                for _ in range(20_000):
                    sys.stdout.write(junk)
                sys.stdout.flush()
            elif MODE == "sleep":
                time.sleep(30)
            elif MODE == "exit":
                sys.exit(3)
            elif MODE == "sigkill":  # as the kernel's out-of-memory killer would
                import os
                import signal

                os.kill(os.getpid(), signal.SIGKILL)
            elif MODE == "garbage":
                sys.stdout.write("hello, I am not JSON\n")
                sys.stdout.flush()
                continue
            elif MODE == "memory":
                blocks = [bytearray(1 << 30) for _ in range(4)]
            elif MODE == "error":
                send({"type": "error", "message": "my model is not loaded"})
                continue
            elif MODE == "badbids":
                send({"type": "bids", "round": 2, "bids": {"3500": -4}})
                continue
            elif MODE == "late":
                time.sleep(0.8)
        send({"type": "bids", "round": r, "bids": {}})
    elif message["type"] == "quit":
        break
