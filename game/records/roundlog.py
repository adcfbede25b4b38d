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
from game.formats.roundlog import MAX_LINE_BYTES, MAX_LOG_BYTES, RECORD_TYPES, Header, Outcome, RoundLine
from game.scenario import Scenario, checked, load_scenario
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
    """The log's records as parsed JSON objects, each line bounded and parsed safely (not yet checked)."""
    for _number, record in _lines(path):
        yield record


def _lines(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = checked.read_bytes(path, limit=MAX_LOG_BYTES)
    except OSError as exc:
        raise ReplayError(f"{path}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise ReplayError(f"{path}: {exc}") from None
    for number, raw in enumerate(data.splitlines(), start=1):
        if len(raw) > MAX_LINE_BYTES:
            raise ReplayError(f"{path}:{number}: a line of {len(raw):,} bytes is longer than {MAX_LINE_BYTES:,}")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            # A binary file is the user's mistake: a message, not a traceback.
            raise ReplayError(f"{path}:{number}: not UTF-8 text (a round log is JSON Lines)") from None
        if not line.strip():
            continue
        record, problems = checked.parse_text(line, toml=False)
        if problems:
            raise ReplayError(f"{path}:{number}: not JSON: {'; '.join(problems)}")
        if not isinstance(record, dict) or "type" not in record:
            raise ReplayError(f"{path}:{number}: not a round-log record (an object with a \"type\"): {checked.quote(line)}")
        yield number, record


Checked = tuple[int, Header | RoundLine | Outcome, dict[str, Any]]
"""(line number, the record as its schema reads it, the record as parsed)."""


def _checked_records(path: str | Path) -> list[Checked]:
    """Every line checked against its record's schema; :class:`ReplayError` lists every problem found."""
    records: list[Checked] = []
    problems: list[str] = []
    for number, raw in _lines(path):
        first = number == 1 or (not records and not problems)
        kind = raw["type"]
        model = RECORD_TYPES.get(kind) if isinstance(kind, str) else None
        if model is None:
            known = ", ".join(RECORD_TYPES)
            problems.append(f"line {number}: type: unknown record type {checked.quote(kind)} (known: {known})")
            continue
        if first and model is not Header:
            raise ReplayError(f"{path}:{number}: the first line must be the header record, found a {kind} record")
        if first and raw.get("format") != FORMAT:
            raise ReplayError(f"{path}: log format {checked.quote(raw.get('format'))}, this version reads {FORMAT}")
        record, found = checked.validate(model, raw, table="an object")
        problems.extend(f"line {number} ({kind}): {p}" for p in found)
        if record is not None:
            records.append((number, record, raw))
    if problems:
        raise ReplayError(f"round log {path} has {len(problems)} problem(s):\n{checked.problem_list(problems)}")
    return records


def _check_order(path: str | Path, records: list[Checked]) -> None:
    """Header first, rounds 1, 2, ... in order, the outcome last and once."""
    if not records or not isinstance(records[0][1], Header):
        raise ReplayError(f"{path}: the first line must be the header record")
    expected = 1
    for i, (number, record, _raw) in enumerate(records[1:], start=1):
        if isinstance(record, Header):
            raise ReplayError(f"{path}:{number}: a second header record")
        if isinstance(record, RoundLine):
            if record.round != expected:
                raise ReplayError(f"{path}:{number}: expected round {expected}, log has {record.round}")
            expected += 1
        elif i != len(records) - 1:
            raise ReplayError(f"{path}:{number}: the outcome record must be the last line")


def _check_names(path: str | Path, header: Header, scenario: Scenario, records: list[Checked], at: int = 1) -> None:
    """Bidders and bands the scenario knows; bids only from the header's bidders (the header is on line ``at``)."""
    problems: list[str] = []
    unknown = [b for b in header.bidders if b not in scenario.bidder_ids]
    if unknown:
        problems.append(
            f"line {at}: bidders: unknown bidder(s) {', '.join(checked.key_text(b) for b in unknown)} "
            f"(scenario {scenario.id} has: {', '.join(scenario.bidder_ids)})"
        )
    if len(set(header.bidders)) != len(header.bidders):
        problems.append(f"line {at}: bidders: a bidder is named twice")
    for number, record, _raw in records:
        if not isinstance(record, RoundLine):
            continue
        for bidder, bids in record.bids.items():
            if bidder not in header.bidders:
                problems.append(f"line {number}: bids.{checked.key_text(bidder)}: not a bidder of the header")
            for band in bids:
                if band not in scenario.band_ids:
                    problems.append(f"line {number}: bids.{bidder}.{checked.key_text(band)}: unknown band")
        for bidder in record.accepted_penalty:
            if bidder not in header.bidders:
                problems.append(f"line {number}: accepted_penalty: {checked.quote(bidder)} is not a bidder of the header")
    if problems:
        raise ReplayError(f"round log {path} has {len(problems)} problem(s):\n{checked.problem_list(problems)}")


def replay(path: str | Path, scenario: Scenario | None = None, *, require_outcome: bool = True) -> ClockAuction:
    """Re-run the auction a log records, checking each round and the outcome against it.

    Every line is checked against its record's schema (:mod:`game.formats.roundlog`)
    and the order of the lines before anything runs; :class:`ReplayError` says what is wrong.
    ``require_outcome=False`` accepts a log whose outcome line is still to be written.
    """
    records = _checked_records(path)
    _check_order(path, records)
    header = records[0][1]
    if not isinstance(header, Header):  # _check_order made sure; this tells the type checker
        raise ReplayError(f"{path}: the first line must be the header record")
    if scenario is None:
        info = header.scenario
        try:
            scenario = load_scenario(info.id)
        except ValueError:
            scenario = load_scenario(info.source)
        if info.sha256 and scenario.sha256 != info.sha256:
            raise ReplayError(f"{path}: scenario {info.id} has changed since this log was written")
        try:
            scenario = with_market(scenario, info.market)
        except UnknownMarket as exc:
            raise ReplayError(f"{path}: {exc}") from None
    _check_names(path, header, scenario, records[1:], at=records[0][0])
    auction = ClockAuction(scenario, header.bidders, seed=header.seed)
    outcome_seen = False
    for number, record, raw in records[1:]:
        if isinstance(record, RoundLine):
            if auction.finished:
                raise ReplayError(f"{path}:{number}: the auction ended after round {len(auction.history)}, but the log goes on")
            penalty = set(record.accepted_penalty)
            for bidder, bids in record.bids.items():
                # No bids and no penalty is how the log records a bidder that submitted
                # nothing; submitting {} instead would be refused in round 1 (obligation).
                if not bids and bidder not in penalty:
                    continue
                try:
                    auction.submit(
                        bidder,
                        {band: Bid(band, b.lots, b.price_usd) for band, b in bids.items()},
                        accept_penalty=bidder in penalty,
                    )
                except ValueError as exc:
                    raise ReplayError(f"{path}:{number}: the bids of {bidder} are refused by the rules: {exc}") from None
            again = round_record(auction.close_round())
            if dumps(again) != dumps(raw):
                raise ReplayError(f"{path}: round {record.round} replays differently from the log")
        else:
            outcome_seen = True
            if not auction.finished:
                raise ReplayError(
                    f"{path}:{number}: the outcome comes after round {len(auction.history)}, "
                    "but the auction is still open then"
                )
            if dumps(outcome_record(auction.outcome())) != dumps(raw):
                raise ReplayError(f"{path}: the outcome replays differently from the log")
    if not auction.finished:
        raise ReplayError(
            f"{path}: the log stops after round {len(auction.history)} with the auction still open "
            f"(was the run stopped by an error?)"
        )
    if require_outcome and not outcome_seen:
        raise ReplayError(f"{path}: the log has no outcome line after round {len(auction.history)}")
    return auction
