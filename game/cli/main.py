"""Command line: ``python run.py [COMMAND] ...``.

Commands: ``auction`` (headless auction from a bid plan and/or scripted
bidders), ``replay`` (re-run a round log), ``scenarios``; no command opens
the desktop game. User errors (bad files, refused plan bids, unknown names)
print one clear message and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np

from game.agents.base import Agent
from game.agents.plan import PlanAgent, PlanError, load_plan
from game.cli import tournament
from game.cli.common import EXIT_USER_ERROR, UserError, add_market_arg, check_output_path, seed_arg, write_json_atomic
from game.economics.payments import PaymentPlanError
from game.engine.allocation import ClockAuction
from game.engine.bandplan import run_positioning
from game.engine.rules import BidRefused
from game.engine.streams import agent_stream
from game.records.failures import AgentFailure
from game.records.report import summarise, summary_json, summary_text
from game.records.roundlog import ReplayError, RoundLogWriter, replay
from game.scenario import Scenario, ScenarioError, load_scenario, shipped_scenarios
from game.scenario.value_params import UnknownMarket, default_market, market_names, with_market
from game.sessions.session import run_allocation


def _add_auction_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "auction",
        help="run a headless auction with scripted bidders and/or a bid plan",
        description="Run the allocation stage headless and print the report.",
    )
    p.add_argument("--scenario", default="pakistan-2026", help="shipped scenario name or path to a .toml (default: %(default)s)")
    p.add_argument("--plan", help="bid plan JSON: {\"bidders\": {\"jazz\": [ROUND1, ...]}}")
    p.add_argument(
        "--bidders",
        metavar="BIDDER=STRATEGY,...",
        help="scripted bidders, e.g. jazz=truthful,zong=cautious,ufone=exec:\"node examples/bots/truthful.js\" "
        "(strategies: truthful, cautious, reducer, parker, aggressive, random, learned, plan:PATH, or exec:CMD: any "
        "program that speaks the bidder protocol, run sandboxed; see docs/PROTOCOL.md)",
    )
    p.add_argument("--seed", type=seed_arg, default=1, help="seed for tie-breaks, private values and agents (default: %(default)s)")
    add_market_arg(p)
    _add_report_args(p)
    p.add_argument("--log", metavar="LOG.jsonl", help="write the round log as JSON Lines")
    p.add_argument(
        "--agent-timeout", type=float, default=5.0, metavar="SECONDS",
        help="per-round wall-clock limit of an exec: program's answer (past it the seat maintains; default: %(default)s)",
    )
    tournament.add_limit_args(p)
    p.add_argument("--agent-logs", metavar="DIR", help="where exec: programs' stderr logs go (default: a temporary directory)")


def apply_market(scenario: Scenario, market: str | None) -> Scenario:
    """The scenario with ``--market`` applied; an unknown name is a :class:`UserError` naming the flag."""
    try:
        return with_market(scenario, market)
    except UnknownMarket:
        offered = ", ".join(market_names(scenario))
        raise UserError(f"--market: unknown market {market!r}; scenario {scenario.id} offers: {offered}") from None


def _add_report_args(p: argparse.ArgumentParser) -> None:
    """Flags of the report that both `auction` and `replay` print."""
    p.add_argument(
        "--payment-plan",
        default="upfront",
        metavar="PLAN",
        help="payment plan of every winner: upfront, deferred or deferred:SHARE (percent at year 1) (default: %(default)s)",
    )
    p.add_argument("--kibor", metavar="PERCENT", help="1-year KIBOR for the deferred plan's markup (default: the scenario's)")
    p.add_argument("--discount-rate", metavar="PERCENT", help="discount rate for net present values (default: the scenario's)")
    p.add_argument("--json", dest="json_out", metavar="OUT.json", help="write the result as JSON")
    p.add_argument("--quiet", action="store_true", help="do not print the report")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python run.py",
        description="Spectrum-auction game and agent tournament platform. With no command, opens the desktop game.",
    )
    parser.add_argument(
        "--resume", metavar="FILE", dest="resume_file", help="continue a saved game (e.g. ~/.local/share/spectrum-auction/autosave.json)"
    )
    sub = parser.add_subparsers(dest="command")
    _add_auction_parser(sub)
    r = sub.add_parser(
        "replay",
        help="re-run an auction from its round log, check it, and print the same report as `auction`",
    )
    r.add_argument("log", metavar="LOG.jsonl")
    _add_report_args(r)
    sub.add_parser("scenarios", help="list the shipped scenarios")
    sub.add_parser("demo", help="run a short headless demo auction")
    tournament.add_parser(sub)
    return parser


def split_specs(text: str) -> list[str]:
    """Split ``a=x,b=exec:"cmd --flag a,b"`` at the commas outside quotes (quotes are kept for :mod:`shlex`).

    >>> split_specs('jazz=exec:"node bot.js",zong=truthful')
    ['jazz=exec:"node bot.js"', 'zong=truthful']
    """
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for c in text:
        if quote is None and c == ",":
            parts.append("".join(current))
            current = []
            continue
        if quote is None and c in "'\"":
            quote = c
        elif c == quote:
            quote = None
        current.append(c)
    parts.append("".join(current))
    return parts


def parse_bidders(text: str, scenario: Scenario) -> dict[str, str]:
    """``jazz=truthful,zong=exec:"node bot.js"`` -> {bidder: strategy}; unknown names raise :class:`UserError`."""
    from game.agents.external import EXEC_PREFIX, ProgramError, parse_exec
    from game.agents.registry import LEARNED_PREFIX, PLAN_PREFIX, known_strategies
    from game.rl.learned import PolicyError, policy_at

    result: dict[str, str] = {}
    for part in (p.strip() for p in split_specs(text)):
        if not part:
            continue
        bidder, sep, strategy = part.partition("=")
        bidder, strategy = bidder.strip(), strategy.strip()
        if not sep or not bidder or not strategy:
            raise UserError(f"--bidders: {part!r} must be BIDDER=STRATEGY, e.g. jazz=truthful")
        if bidder not in scenario.bidder_ids:
            raise UserError(
                f"--bidders: unknown bidder {bidder!r}; scenario {scenario.id} has: {', '.join(scenario.bidder_ids)}"
            )
        if bidder in result:
            raise UserError(f"--bidders: {bidder} is named twice")
        if strategy.startswith(EXEC_PREFIX):
            try:
                parse_exec(strategy)
            except ProgramError as exc:
                raise UserError(f"--bidders: {bidder}: {exc}") from None
        elif strategy.startswith(LEARNED_PREFIX):
            try:
                policy_at(strategy[len(LEARNED_PREFIX):])
            except PolicyError as exc:
                raise UserError(f"--bidders: {bidder}={strategy}: {exc}") from None
        elif not strategy.startswith(PLAN_PREFIX) and strategy not in known_strategies():
            raise UserError(
                f"--bidders: unknown strategy {strategy!r} for {bidder}; known strategies: "
                f"{', '.join(known_strategies())}, plan:PATH, learned:POLICY.npz, or exec:CMD (a program that speaks the bidder protocol)"
            )
        if strategy.startswith(PLAN_PREFIX) and not strategy[len(PLAN_PREFIX):].strip():
            raise UserError(f"--bidders: {bidder}={strategy}: give the plan file after 'plan:', e.g. {bidder}=plan:PLAN.json")
        result[bidder] = strategy
    if not result:
        raise UserError("--bidders: name at least one bidder, e.g. jazz=truthful")
    return result


def agent_rng(seed: int, bidder: str) -> np.random.Generator:
    """Each agent's own generator: a one-way stream of the run's seed and the bidder's id (game.engine.streams)."""
    return agent_stream(seed, bidder)


def cmd_auction(args: argparse.Namespace) -> int:
    from game.agents.external import begin_external, close_external, failures_of, finish_external
    from game.agents.registry import make_agent
    from game.economics.values import draw_valuations

    if not args.scenario.strip():
        raise UserError("--scenario: give a shipped scenario name or the path of a .toml file")
    scenario = apply_market(load_scenario(args.scenario), args.market)
    _check_money_terms(args, scenario)  # refuse a bad payment plan or rate before running the auction
    check_output_path(args.json_out, "--json")
    check_output_path(args.log, "--log")
    strategies: dict[str, str] = {}
    plan = load_plan(args.plan, scenario) if args.plan else {}
    for bidder in plan:
        strategies[bidder] = "plan"
    scripted = parse_bidders(args.bidders, scenario) if args.bidders else {}
    problems = tournament.limit_problems(args)
    if not args.agent_timeout > 0:
        problems.append(f"--agent-timeout: a positive number of seconds, got {args.agent_timeout}")
    if problems:
        raise UserError("; ".join(problems))
    limits = tournament.limits_from_args(args, args.agent_timeout)
    log_dir = Path(args.agent_logs) if args.agent_logs else None
    both = [b for b in scripted if b in plan]
    if both:
        raise UserError(f"{', '.join(both)} named both in --plan and --bidders; give each bidder one agent")
    strategies.update(scripted)
    if not strategies:
        raise UserError("name the bidders: give --plan PLAN.json and/or --bidders jazz=truthful,zong=reducer,...")
    bidders = [b for b in scenario.bidder_ids if b in strategies]
    valuations = draw_valuations(scenario, bidders, args.seed)
    agents: dict[str, Agent] = {}
    strict: set[str] = set()
    for bidder in bidders:
        if bidder in plan:
            agents[bidder] = PlanAgent(bidder, valuations[bidder], agent_rng(args.seed, bidder), plan[bidder])
            strict.add(bidder)
        else:
            agents[bidder] = make_agent(
                strategies[bidder], bidder, scenario, valuations[bidder], agent_rng(args.seed, bidder),
                limits=limits, log_dir=log_dir,
            )
    auction = ClockAuction(scenario, bidders, seed=args.seed)
    log_file = open(args.log, "w", encoding="utf-8") if args.log is not None else None  # noqa: SIM115
    try:
        writer = RoundLogWriter(log_file) if log_file else None
        if writer:
            writer.header(auction)
        begin_external(agents, auction)  # programs (exec:CMD) get `start`; each runs sandboxed
        run = run_allocation(auction, agents, strict=strict, on_round=writer.round if writer else None)
        finish_external(agents, auction)
        if writer:
            writer.outcome(run.outcome)
    finally:
        close_external(agents.values())
        if log_file:
            log_file.close()
    failures = sorted([*run.failures, *failures_of(agents)], key=lambda f: f.round)
    return _report(args, auction, strategies, failures)


def _money_options(args: argparse.Namespace) -> tuple[str, Decimal | None, Decimal | None, Decimal | None]:
    from game.economics.payments import parse_percent
    from game.economics.payments import parse_plan as parse_payment_plan

    # A percentage is a few characters; a longer one is refused before it is parsed or echoed whole.
    for flag, text in (("--payment-plan", args.payment_plan), ("--kibor", args.kibor), ("--discount-rate", args.discount_rate)):
        if text is not None and len(text) > 40:
            raise UserError(f"{flag}: {text[:40]!r}... ({len(text)} characters) is not a payment plan or percentage")
    plan_name, upfront_percent = parse_payment_plan(args.payment_plan)
    kibor = parse_percent(args.kibor, "--kibor") if args.kibor is not None else None
    discount = parse_percent(args.discount_rate, "--discount-rate") if args.discount_rate is not None else None
    # Rates above 100% a year are typing slips (1085 for 10.85), not Pakistani money markets.
    for flag, text, rate in (("--kibor", args.kibor, kibor), ("--discount-rate", args.discount_rate, discount)):
        if rate is not None and rate > 100:
            raise UserError(f"{flag}: {text}% a year is not plausible; give a percentage such as 10.85")
        if rate is not None and rate < 0:
            raise UserError(f"{flag}: {text}% a year is negative; give a percentage such as 10.85")
    return plan_name, upfront_percent, kibor, discount


def _check_money_terms(args: argparse.Namespace, scenario: Scenario) -> None:
    """The payment flags against the scenario's terms (minimum upfront share), before anything runs.

    A trial schedule of $1m under the same flags raises the error the report would raise at the end.
    """
    from game.economics.payments import winner_schedules

    plan_name, upfront_percent, kibor, discount = _money_options(args)
    try:
        winner_schedules(
            scenario, {scenario.bidder_ids[0]: 1_000_000}, plan_name,
            upfront_percent=upfront_percent, kibor_percent=kibor, discount_rate_percent=discount,
        )
    except PaymentPlanError as exc:
        raise UserError(f"--payment-plan {args.payment_plan}: {exc}") from None


def _report(
    args: argparse.Namespace, auction: ClockAuction, strategies: Mapping[str, str], failures: Sequence[AgentFailure]
) -> int:
    """After the allocation stage: efficiency, payment plans, the assignment stage; print and write --json.

    Private values come from the seed, so a replayed log reports the same figures as the run that wrote it.
    """
    from game.economics.payments import schedule_json, schedule_text, winner_schedules
    from game.economics.values import draw_valuations
    from game.economics.welfare import efficiency_json, efficiency_text, evaluate

    scenario = auction.scenario
    outcome = auction.outcome()
    plan_name, upfront_percent, kibor, discount = _money_options(args)
    valuations = draw_valuations(scenario, list(auction.bidders), auction.seed)
    summary = summarise(scenario, outcome)
    positioning = run_positioning(scenario, outcome, auction.seed)  # assignment stage + band plan (game.engine.bandplan)
    positions = positioning.assignment.payments
    efficiency = evaluate(scenario, valuations, outcome, assignment_payments=positions)
    # The licence fee a winner finances is its lots' price plus its positioning price.
    fees = {b: paid + positions.get(b, 0) for b, paid in outcome.payments.items()}
    schedules = winner_schedules(
        scenario, fees, plan_name,
        upfront_percent=upfront_percent, kibor_percent=kibor, discount_rate_percent=discount,
    )
    if not args.quiet:
        print(summary_text(summary, failures=failures))
        print()
        print(efficiency_text(efficiency))
        for bidder, schedule in schedules.items():
            print()
            print(f"Payment plan, {scenario.bidder(bidder).name}:\n  " + schedule_text(schedule))
        print()
        print(positioning.text())
    if args.json_out is not None:
        document = summary_json(summary, seed=auction.seed, failures=failures)
        document["market"] = default_market(scenario)
        figures = efficiency_json(efficiency)
        per_bidder = figures.pop("bidders")
        assert isinstance(per_bidder, dict)
        document.update(figures)
        for bidder, entry in document["bidders"].items():
            entry.update(per_bidder[bidder])
            entry["strategy"] = strategies[bidder]
            entry["payment_plan"] = schedule_json(schedules[bidder]) if bidder in schedules else None
        positioning.add_to_json(document)  # assignment, band_plan, rationalisation; positioning prices in revenue
        write_json_atomic(args.json_out, document)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    _money_options(args)
    check_output_path(args.json_out, "--json")
    auction = replay(args.log)
    _check_money_terms(args, auction.scenario)
    if not args.quiet:
        print(f"Replayed {args.log}: {len(auction.history)} round(s), identical to the log.\n")
    # The log keeps bids, not who made them: strategies show as "replayed".
    return _report(args, auction, {b: "replayed" for b in auction.bidders}, ())


def cmd_scenarios() -> int:
    for name in shipped_scenarios():
        s = load_scenario(name)
        print(f"{name:<36} {s.name}")
    return 0


DEMO_PLAN = {
    "bidders": {
        "jazz": [{"700": 1, "2600": 8, "3500": 10}, {"2600": {"lots": 6, "price_usd": 12_900_000}}],
        "zong": [{"2600": 7, "3500": 10}, {}, {"3500": 8}],
        "ufone": [{"2300": 2, "2600": 6, "3500": 10}, {"2600": 5}],
    }
}


def cmd_demo() -> int:
    print("Headless demo: Jazz, Zong and Ufone follow a short bid plan (see game/cli/main.py DEMO_PLAN).\n")
    from game.agents.plan import parse_plan

    scenario = load_scenario("pakistan-2026")
    plan = parse_plan(DEMO_PLAN, scenario, source="demo")
    agents: dict[str, Agent] = {b: PlanAgent(b, None, np.random.default_rng(1), r) for b, r in plan.items()}
    auction = ClockAuction(scenario, list(plan), seed=1)
    run = run_allocation(auction, agents, strict=set(plan))
    print(summary_text(summarise(scenario, run.outcome), failures=run.failures))
    return 0


def cmd_game(resume: str | None) -> int:
    """Open the desktop game (pygame is imported only here, and only if installed)."""
    import importlib.util

    if importlib.util.find_spec("pygame") is None or importlib.util.find_spec("pygame_gui") is None:
        print(
            "error: the desktop game needs pygame-ce and pygame_gui; install them with: "
            "python -m pip install -e '.[ui]'",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    from game.sessions.match import Match, SaveError

    match = None
    save_path = None
    if resume is not None:
        try:
            match = Match.load(resume)
        except SaveError as exc:
            raise UserError(str(exc)) from None
        save_path = Path(resume)
    from game.ui.app import run_game

    return run_game(match, save_path=save_path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.resume_file is not None and args.command is not None:
            raise UserError(
                f"--resume continues a saved desktop game; it cannot be combined with the {args.command!r} command"
            )
        if args.command == "auction":
            return cmd_auction(args)
        if args.command == "replay":
            return cmd_replay(args)
        if args.command == "scenarios":
            return cmd_scenarios()
        if args.command == "tournament":
            return tournament.run(args)
        if args.command is None:
            return cmd_game(args.resume_file)
        if args.command == "demo":
            return cmd_demo()
    except BidRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except (ScenarioError, PlanError, ReplayError, UserError, PaymentPlanError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # The reader went away (`... | head`): not an error of ours; silence the flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        name = str(exc.filename or "")
        print(f"error: {name if len(name) <= 80 else name[:80] + '...'}: {exc.strerror}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    parser.error(f"unknown command {args.command}")
    return EXIT_USER_ERROR
