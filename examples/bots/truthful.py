#!/usr/bin/env python3
"""A truthful-ish bidder that speaks the bidder protocol v1: standard library only, no ``import game``.

Run it as a seat: ``python run.py auction --bidders jazz=exec:"python3 examples/bots/truthful.py",zong=truthful``
or in a tournament: ``--agent-cmd botpy="python3 examples/bots/truthful.py"``.

Each round it demands, band by band, every lot whose marginal value (from
its own values in ``start``) is above the band's clock price, within the
cap headroom, its eligibility and its budget, greedily by surplus per point;
in round 1 it meets the obligation (at least N lots where one applies). It
reads only the messages: see docs/PROTOCOL.md.
"""

import json
import sys


def send(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


class Bot:
    def __init__(self, start):
        self.start = start
        self.values = start["values"]["band_values_usd"]
        self.budget = start["values"]["budget_usd"]
        facts = start["scenario"]
        self.bands = {b["id"]: b for b in facts["bands"]}
        self.low_bands = set(facts["caps"]["low_band_bands"])

    def demand(self, message):
        """The bundle to demand at this round's clock prices."""
        bands = {b["id"]: b for b in message["bands"]}
        headroom = dict(message["cap_headroom_mhz"])
        eligibility = message["eligibility"]
        points_left = eligibility if eligibility is not None else float("inf")
        budget_left = self.budget
        bundle = {band_id: 0 for band_id in bands}
        obligation = message.get("obligation") or {}

        def room(band_id, lots):
            mhz = self.bands[band_id]["lot_mhz"] * lots
            if mhz > headroom.get("overall", float("inf")) + 1e-9:
                return False
            if band_id in self.low_bands and mhz > headroom.get("low band", float("inf")) + 1e-9:
                return False
            return mhz <= headroom.get(band_id, float("inf")) + 1e-9

        def take(band_id, lots):
            nonlocal points_left, budget_left
            mhz = self.bands[band_id]["lot_mhz"] * lots
            headroom["overall"] = headroom.get("overall", float("inf")) - mhz
            if band_id in self.low_bands:
                headroom["low band"] = headroom.get("low band", float("inf")) - mhz
            if band_id in headroom:
                headroom[band_id] -= mhz
            points_left -= self.bands[band_id]["eligibility_points"] * lots
            budget_left -= bands[band_id]["clock_price_usd"] * lots
            bundle[band_id] += lots

        # Headroom is measured from the processed demand: count it back in, we choose the whole bundle afresh.
        for band_id, b in bands.items():
            held = b["processed"]
            mhz = self.bands[band_id]["lot_mhz"] * held
            headroom["overall"] = headroom.get("overall", float("inf")) + mhz
            if band_id in self.low_bands:
                headroom["low band"] = headroom.get("low band", float("inf")) + mhz
            if band_id in headroom:
                headroom[band_id] += mhz
        if eligibility is not None:
            points_left = eligibility
        # Obligation first (a rule: an incumbent must demand it in round 1).
        for band_id, lots in obligation.items():
            if band_id in bands and room(band_id, lots):
                take(band_id, lots)
        # Then the best lot by surplus per eligibility point, one lot at a time.
        while True:
            best = None
            for band_id, b in bands.items():
                n = bundle[band_id]
                if n >= b["supply"]:
                    continue
                curve = self.values.get(band_id, [])
                if n + 1 >= len(curve):
                    continue
                surplus = curve[n + 1] - curve[n] - b["clock_price_usd"]
                points = self.bands[band_id]["eligibility_points"]
                if surplus <= 0 or points > points_left or b["clock_price_usd"] > budget_left or not room(band_id, 1):
                    continue
                score = surplus / max(points, 1)
                if best is None or score > best[0]:
                    best = (score, band_id)
            if best is None:
                return bundle
            take(best[1], 1)

    def bids(self, message):
        if message["excluded"] or message["status"] != "open":
            return {}
        bundle = self.demand(message)
        bids = {}
        for b in message["bands"]:
            want = bundle[b["id"]]
            if want != b["processed"]:
                bids[b["id"]] = want
        return bids


def main():
    send({"type": "hello", "protocol": 1, "name": "truthful.py"})
    bot = None
    for line in sys.stdin:
        message = json.loads(line)
        kind = message["type"]
        if kind == "start":
            bot = Bot(message)
            send({"type": "ready", "auction_id": message["auction_id"]})
        elif kind == "round":
            bids = bot.bids(message) if bot is not None else {}
            send({"type": "bids", "round": message["round"], "bids": bids})
        elif kind == "end":
            bot = None
        elif kind == "quit":
            return


if __name__ == "__main__":
    main()
