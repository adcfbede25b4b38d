"""The round log: every submitted bid, what was applied (and why not), the posted prices.

JSON Lines, one object a line: a ``header`` (scenario, seed, bidders), one
``round`` record per round, and an ``outcome``. Keys are sorted and numbers
are integers, so the same auction gives the same bytes. :func:`replay`
re-runs an auction from its log and checks every round against it.
Never imports pygame.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from game.engine.allocation import AllocationOutcome, ClockAuction, RoundResult
from game.engine.rules import Bid
from game.scenario import Scenario, load_scenario
from game.scenario.value_params import UnknownMarket, default_market, with_market

FORMAT = 1


class ReplayError(ValueError):
    """A log that cannot be replayed, or whose replay differs from what it recorded."""


def dumps(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def header_record(auction: ClockAuction) -> dict[str, Any]:
    s = auction.scenario
    return {
        "type": "header",
        "format": FORMAT,
        # The market decides the private values that a replay's report draws again.
        "scenario": {"id": s.id, "source": s.source_path, "sha256": s.sha256, "market": default_market(s)},
        "seed": auction.seed,
        "bidders": list(auction.bidders),
    }


def bid_record(bid: Bid) -> dict[str, Any]:
    record: dict[str, Any] = {"lots": bid.lots}
    if bid.price_usd is not None:
        record["price_usd"] = bid.price_usd
    return record


def round_record(result: RoundResult) -> dict[str, Any]:
    return {
        "type": "round",
        "round": result.round,
        "start_prices": dict(result.start_prices),
        "clock_prices": dict(result.clock_prices),
        "bids": {b: {band: bid_record(bid) for band, bid in bids.items()} for b, bids in result.bids.items()},
        "accepted_penalty": list(result.accepted_penalty),
        "steps": [
            {
                "bidder": s.bidder, "band": s.band, "from": s.from_lots, "to": s.to_lots,
                "requested": s.requested, "price_usd": s.price_usd,
            }
            for s in result.steps
        ],
        "unapplied": [
            {
                "bidder": u.bidder, "band": u.band, "requested": u.requested, "processed": u.processed,
                "price_usd": u.price_usd, "rule": u.rule, "message": u.message,
            }
            for u in result.unapplied
        ],
        "processed": {b: dict(lots) for b, lots in result.processed.items()},
        "aggregate_demand": dict(result.aggregate_demand),
        "posted_prices": dict(result.posted_prices),
        "eligibility": dict(result.eligibility),
        "excluded": list(result.newly_excluded),
    }


def outcome_record(outcome: AllocationOutcome) -> dict[str, Any]:
    return {
        "type": "outcome",
        "status": outcome.status,
        "rounds": outcome.rounds,
        "prices": dict(outcome.prices),
        "allocated": dict(outcome.allocated),
        "lots": {b: dict(won) for b, won in outcome.lots.items()},
        "payments": dict(outcome.payments),
        "excluded": list(outcome.excluded),
        "forfeited_deposits": dict(outcome.forfeited_deposits),
    }


class RoundLogWriter:
    """Writes the log as the auction runs, one flushed line a round."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def header(self, auction: ClockAuction) -> None:
        self._write(header_record(auction))

    def round(self, result: RoundResult) -> None:
        self._write(round_record(result))

    def outcome(self, outcome: AllocationOutcome) -> None:
        self._write(outcome_record(outcome))

    def _write(self, record: Mapping[str, Any]) -> None:
        self.stream.write(dumps(record) + "\n")
        self.stream.flush()


def read_log(path: str | Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        number = 0
        while True:
            try:
                line = f.readline()
            except UnicodeDecodeError:
                # A binary file is the user's mistake: a message, not a traceback.
                raise ReplayError(f"{path}:{number + 1}: not UTF-8 text (a round log is JSON Lines)") from None
            if not line:
                return
            number += 1
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ReplayError(f"{path}:{number}: not JSON: {exc}") from None
            if not isinstance(record, dict) or "type" not in record:
                raise ReplayError(f"{path}:{number}: not a round-log record")
            yield record


def replay(path: str | Path, scenario: Scenario | None = None) -> ClockAuction:
    """Re-run the auction a log records, checking each round and the outcome against it."""
    records = list(read_log(path))
    if not records or records[0]["type"] != "header":
        raise ReplayError(f"{path}: the first line must be the header record")
    header = records[0]
    if header.get("format") != FORMAT:
        raise ReplayError(f"{path}: log format {header.get('format')!r}, this version reads {FORMAT}")
    if scenario is None:
        info = header["scenario"]
        try:
            scenario = load_scenario(info["id"])
        except ValueError:
            scenario = load_scenario(info["source"])
        if info.get("sha256") and scenario.sha256 != info["sha256"]:
            raise ReplayError(f"{path}: scenario {info['id']} has changed since this log was written")
        try:
            scenario = with_market(scenario, info.get("market"))
        except UnknownMarket as exc:
            raise ReplayError(f"{path}: {exc}") from None
    auction = ClockAuction(scenario, header["bidders"], seed=int(header["seed"]))
    for record in records[1:]:
        if record["type"] == "round":
            if record["round"] != auction.round:
                raise ReplayError(f"{path}: expected round {auction.round}, log has {record['round']}")
            penalty = set(record.get("accepted_penalty", []))
            for bidder, bids in record["bids"].items():
                # No bids and no penalty is how the log records a bidder that submitted
                # nothing; submitting {} instead would be refused in round 1 (obligation).
                if not bids and bidder not in penalty:
                    continue
                auction.submit(
                    bidder,
                    {band: Bid(band, b["lots"], b.get("price_usd")) for band, b in bids.items()},
                    accept_penalty=bidder in penalty,
                )
            again = round_record(auction.close_round())
            if dumps(again) != dumps(record):
                raise ReplayError(f"{path}: round {record['round']} replays differently from the log")
        elif record["type"] == "outcome" and dumps(outcome_record(auction.outcome())) != dumps(record):
            raise ReplayError(f"{path}: the outcome replays differently from the log")
    if not auction.finished:
        raise ReplayError(
            f"{path}: the log stops after round {len(auction.history)} with the auction still open "
            f"(was the run stopped by an error?)"
        )
    return auction
