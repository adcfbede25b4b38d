"""The Python worker: runs INSIDE the sandbox, imports a user's Agent module there, and plays it over the protocol.

``python -m game.protocol.worker --agent-module FILE --strategy NAME`` speaks
protocol v1 on stdin/stdout: it rebuilds, from each ``start``, the public
:class:`~game.scenario.Scenario` (this bidder's own profile only), the
bidder's own :class:`~game.economics.values.Valuation` and a generator seeded
from ``start.seed``, and from each ``round`` a real
:class:`~game.records.view.BidderView`, so an :class:`~game.agents.base.Agent`
written for the in-process interface runs unchanged. ``--list`` imports the
module and answers one ``hello`` listing its strategies (the engine's check
before a tournament starts); a module that cannot be imported answers an
``error`` and exits with status 2. The engine's process never imports user
code: only this one does. Anything the user's code prints goes to stderr (the
seat's log), never onto the protocol stream. Never imports pygame.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import inspect
import json
import numbers
import os
import sys
import traceback
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType, ModuleType
from typing import IO, Any

import numpy as np

from game.agents.base import Agent, RoundBids
from game.economics.values import Valuation
from game.engine.allocation import Unapplied
from game.engine.rules import RoundTerms, limits_for
from game.protocol.messages import PROTOCOL_VERSION, dumps
from game.records.view import BandFields, BidderView, LastRound, OwnStep
from game.scenario import (
    AssignmentRules,
    Band,
    BidderProfile,
    Caps,
    ClockRules,
    Obligation,
    PaymentTerms,
    Scenario,
)

EXIT_LOAD_ERROR = 2


class LoadError(Exception):
    """The user's module could not be used; the message says why."""


def _tenths(mhz: float) -> int:
    return round(float(mhz) * 10)


# ---------------------------------------------------------------- loading the user's module


def import_module(spec: str) -> ModuleType:
    """Import a .py file or an importable module name (in this process only: the sandboxed worker)."""
    try:
        if spec.endswith(".py") or os.path.sep in spec:
            if not os.path.isfile(spec):
                raise LoadError(f"no such file: {spec}")
            name = "agent_module_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(spec))
            mod_spec = importlib.util.spec_from_file_location(name, spec)
            if mod_spec is None or mod_spec.loader is None:
                raise LoadError(f"not a Python file: {spec}")
            module = importlib.util.module_from_spec(mod_spec)
            sys.modules[name] = module
            mod_spec.loader.exec_module(module)
            return module
        return importlib.import_module(spec)
    except LoadError:
        raise
    except SystemExit as exc:
        raise LoadError(f"called sys.exit({exc.code!r}) while being imported") from None
    except SyntaxError as exc:
        raise LoadError(f"SyntaxError: {exc.msg} (line {exc.lineno}: {(exc.text or '').strip()[:120]!r})") from None
    except BaseException as exc:  # the user's file: any error is theirs to fix, say which
        raise LoadError(f"cannot import: {type(exc).__name__}: {exc}") from None


def strategies_of(module: ModuleType) -> dict[str, type[Agent]]:
    """Every concrete Agent subclass defined in ``module`` with its own ``strategy`` name."""
    found: dict[str, type[Agent]] = {}
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if not issubclass(obj, Agent) or obj is Agent or obj.__module__ != module.__name__:
            continue
        if inspect.isabstract(obj) or "strategy" not in vars(obj):
            continue
        name = obj.strategy
        if not isinstance(name, str) or not name or any(c in name for c in ",=:") or name != name.strip():
            raise LoadError(f"{obj.__name__}.strategy must be a plain name (no ',', '=' or ':'), got {name!r}")
        found[name] = obj
    if not found:
        raise LoadError("defines no Agent subclass with a `strategy` name (see docs/AGENTS.md for the interface)")
    return found


# ---------------------------------------------------------------- messages -> the Agent interface


def public_scenario(start: Mapping[str, Any]) -> Scenario:
    """The scenario's public facts from a ``start`` message, with this bidder's own profile only."""
    facts = start["scenario"]
    rules = facts["rules"]
    caps = facts["caps"]
    bands = tuple(
        Band(
            id=b["id"], name=b["name"], duplex=b["duplex"], lots=int(b["lots"]), lot_tenths=_tenths(b["lot_mhz"]),
            base_price_usd_per_mhz=0, reserve_usd=int(b["reserve_usd"]),
            eligibility_points=int(b["eligibility_points"]), low_band=bool(b["low_band"]), positioning=False,
        )
        for b in facts["bands"]
    )
    low_bands = tuple(caps["low_band_bands"])
    holdings = {k: _tenths(v) for k, v in start["holdings_mhz"].items()}
    on_sale = {b.id for b in bands}
    other = {k: k in low_bands for k in holdings if k not in on_sale}
    bidder = str(start["bidder"])
    profile = BidderProfile(
        id=bidder, name=bidder, incumbent=bool(start["incumbent"]), participates_by_default=True,
        holdings=MappingProxyType(holdings), estimated_holdings=(), source="protocol start message", colour="",
    )
    return Scenario(
        id=facts["id"], name=facts["name"], description="", source_path="", sha256="",
        bands=bands, other_bands=MappingProxyType(other),
        caps=Caps(
            overall=_tenths(caps["overall_mhz"]), overall_basis="", low_band=_tenths(caps["low_band_mhz"]),
            low_band_bands=low_bands, per_band=MappingProxyType({k: _tenths(v) for k, v in caps["band_mhz"].items()}),
        ),
        rules=ClockRules(
            increment_bp=round(float(rules["increment_percent"]) * 100), price_step_usd=int(rules["price_step_usd"]),
            activity_requirement_percent=int(rules["activity_requirement_percent"]),
            initial_eligibility=rules["initial_eligibility"], max_rounds=int(rules["max_rounds"]),
            information_policy=facts["information_policy"], deposit_usd=int(rules["deposit_usd"]),
            success_threshold_percent=50,
            obligation=Obligation(rules["obligation_applies_to"], MappingProxyType(dict(rules["obligation_min_lots"]))),
        ),
        assignment=AssignmentRules(0, 0, 0),
        payment=PaymentTerms(0, 0, 0, Decimal(0), Decimal(0), Decimal(0)),
        exchange_rate_pkr_per_usd=Decimal(0),
        bidders=(profile,),
        raw=MappingProxyType({}),
    )


def own_valuation(start: Mapping[str, Any]) -> Valuation:
    values = start["values"]
    return Valuation(
        str(start["bidder"]),
        MappingProxyType({k: tuple(int(x) for x in v) for k, v in values["band_values_usd"].items()}),
        int(values["budget_usd"]),
    )


def view_from_round(message: Mapping[str, Any], scenario: Scenario, bidder: str) -> BidderView:
    """A :class:`BidderView` with exactly what the ``round`` message says (the same object scripted agents read)."""
    band_facts = {b.id: b for b in scenario.bands}
    bands: tuple[BandFields, ...] = tuple(
        (
            b["id"], int(b["supply"]), band_facts[b["id"]].lot_tenths, band_facts[b["id"]].reserve_usd,
            band_facts[b["id"]].eligibility_points, int(b["start_price_usd"]), int(b["clock_price_usd"]),
            b["aggregate_demand"], b["excess_demand"],
        )
        for b in message["bands"]
    )
    last = message["last_round"]
    last_round = None
    if last is not None:
        last_round = LastRound(
            int(last["round"]),
            MappingProxyType(dict(last["submitted"])),
            MappingProxyType(dict(last["processed"])),
            tuple(
                Unapplied(bidder, u["band"], u["requested"], u["processed"], u["price_usd"], u["rule"], u["message"])
                for u in last["unapplied"]
            ),
            MappingProxyType(dict(last["posted_prices_usd"])),
            MappingProxyType(dict(last["price_changes_usd"])),
            tuple(
                OwnStep(t["band"], int(t["from_lots"]), int(t["to_lots"]), int(t["requested"]), int(t["price_usd"]))
                for t in last.get("steps") or ()
            ),
            MappingProxyType(dict(last.get("price_points_usd") or {})),
        )
    demand = message["demand_history"]
    limits = limits_for(scenario, bidder)
    processed = tuple(int(b["processed"]) for b in message["bands"])
    return BidderView(
        bidder,
        int(message["round"]),
        str(message["status"]),
        bool(message["excluded"]),
        str(message["information_policy"]),
        bands,
        message["eligibility"],
        int(message["activity"]),
        int(message["exposure_usd"]),
        MappingProxyType(dict(scenario.bidder(bidder).holdings)),
        MappingProxyType(dict(message["obligation"])),
        last_round,
        MappingProxyType({k: tuple(v) for k, v in message["price_history_usd"].items()}),
        MappingProxyType({k: tuple(v) for k, v in demand.items()}) if demand is not None else None,
        RoundTerms(
            int(message["round"]),
            tuple(int(b["start_price_usd"]) for b in message["bands"]),
            tuple(int(b["clock_price_usd"]) for b in message["bands"]),
            processed,
            message["eligibility"],
        ),
        limits,
    )


def _plain(value: Any) -> Any:
    """Whole numbers as ints (numpy's too); anything else as given, for the engine to refuse."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return value


def bids_message(round_number: int, answer: RoundBids) -> dict[str, Any]:
    bids: dict[str, Any] = {}
    for band, bid in answer.bids.items():
        lots = _plain(getattr(bid, "lots", bid))
        price = _plain(getattr(bid, "price_usd", None))
        bids[str(band)] = lots if price is None else {"lots": lots, "price_usd": price}
    return {"type": "bids", "round": round_number, "bids": bids, "accept_penalty": bool(answer.accept_penalty)}


# ---------------------------------------------------------------- the loop


class Worker:
    """Plays one strategy class auction after auction."""

    def __init__(self, cls: type[Agent], out: IO[bytes]) -> None:
        self.cls = cls
        self.out = out
        self.agent: Agent | None = None
        self.scenario: Scenario | None = None
        self.bidder = ""

    def send(self, message: Mapping[str, Any]) -> None:
        try:
            line = dumps(message)
        except (TypeError, ValueError) as exc:  # an answer json cannot carry (e.g. NaN): say so instead
            line = dumps({"type": "error", "message": f"answer cannot be sent: {type(exc).__name__}: {exc}"})
        self.out.write(line.encode("utf-8") + b"\n")
        self.out.flush()

    def error(self, exc: BaseException) -> None:
        summary = traceback.format_exception_only(type(exc), exc)[-1].strip()
        print(traceback.format_exc(), file=sys.stderr, flush=True)
        self.send({"type": "error", "message": summary[:5000]})

    def on_start(self, message: Mapping[str, Any]) -> None:
        self.agent = None
        self.bidder = str(message["bidder"])
        self.scenario = public_scenario(message)
        seed = message.get("seed")
        rng = np.random.default_rng(seed if seed is not None else None)
        try:
            agent = self.cls(self.bidder, own_valuation(message), rng)
            agent.scenario = self.scenario
        except Exception as exc:
            self.error(exc)
            return
        self.agent = agent
        self.send({"type": "ready", "auction_id": message["auction_id"]})

    def on_round(self, message: Mapping[str, Any]) -> None:
        round_number = int(message["round"])
        if self.agent is None or self.scenario is None:
            self.send({"type": "bids", "round": round_number, "bids": {}})
            return
        try:
            view = view_from_round(message, self.scenario, self.bidder)
            answer = self.agent.bid(view)
            if not isinstance(answer, RoundBids):
                # Passed on as the answer it is, so the engine refuses it as `invalid` bids.
                print(f"bid() returned {type(answer).__name__}, not RoundBids", file=sys.stderr, flush=True)
                self.send({"type": "bids", "round": round_number,
                           "bids": f"bid() returned {type(answer).__name__}, not RoundBids: {answer!r:.200}"})
                return
            reply = bids_message(round_number, answer)
        except MemoryError as exc:
            self.error(exc)
            return
        except Exception as exc:
            self.error(exc)
            return
        self.send(reply)

    def run(self, lines: IO[bytes]) -> int:
        self.send({"type": "hello", "protocol": PROTOCOL_VERSION, "name": self.cls.strategy})
        for raw in lines:
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "round":
                self.on_round(message)
            elif kind == "start":
                self.on_start(message)
            elif kind == "end":
                self.agent = None
            elif kind == "quit":
                return 0
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m game.protocol.worker", description=__doc__)
    parser.add_argument("--agent-module", required=True, help="a .py file or an importable module name")
    parser.add_argument("--strategy", help="the strategy (Agent class's `strategy` name) to play")
    parser.add_argument("--list", action="store_true", help="answer one hello listing the module's strategies, then exit")
    args = parser.parse_args(argv)
    # The protocol gets its own descriptor; fd 1 (and print) go to stderr, so user output never mixes in.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def fail(text: str) -> int:
        out.write(dumps({"type": "error", "message": text}).encode("utf-8") + b"\n")
        out.flush()
        print(f"error: agent module {args.agent_module}: {text}", file=sys.stderr)
        return EXIT_LOAD_ERROR

    try:
        found = strategies_of(import_module(args.agent_module))
    except LoadError as exc:
        return fail(str(exc))
    if args.list:
        out.write(dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "strategies": sorted(found)}).encode() + b"\n")
        out.flush()
        return 0
    if args.strategy not in found:
        return fail(f"has no strategy {args.strategy!r} (it has: {', '.join(sorted(found))})")
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        return Worker(found[args.strategy], out).run(sys.stdin.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
