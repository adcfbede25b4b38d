"""Agents: the exact truthful demand, each strategy's behaviour, the registry, failures that do not crash."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.agents import demand as demand_module
from game.agents.base import Agent, RoundBids
from game.agents.common import ValueAgent
from game.agents.demand import BundleLimits, DemandSolver, best_bundle
from game.agents.registry import UnknownStrategy, known_strategies, make_agent, register_strategy
from game.economics.values import Valuation, draw_valuations
from game.engine.allocation import AllocationOutcome, ClockAuction
from game.records.report import summarise, summary_text
from game.records.view import BidderView
from game.scenario import Scenario
from game.scenario.value_params import with_market
from game.sessions.session import AllocationRun, run_allocation

INCUMBENTS = ("jazz", "zong", "ufone")


@pytest.fixture
def contested(pakistan: Scenario) -> Scenario:
    """The competitive market: most of its auctions run several rounds, so the strategies' moves show.

    The calibrated default often closes in a round or two near reserve, as the
    2026 auction did, which leaves these mechanics little room.
    """
    return with_market(pakistan, "competitive")


# ---------------------------------------------------------------- exact demand


def brute_force(
    solver: DemandSolver, prices: Sequence[int], eligibility: int | None, budget: int | None, minimum: Sequence[int]
) -> tuple[int, ...] | None:
    """The best feasible bundle; among equals, the first in lexicographic order (fewest lots, band by band)."""
    best: tuple[int, ...] | None = None
    best_u = 0
    ranges = [range(lo, m + 1) for lo, m in zip(minimum, solver.limits.max_lots, strict=True)]
    for bundle in itertools.product(*ranges):  # lexicographic order
        if solver.feasible(bundle, prices, eligibility=eligibility, budget_usd=budget):
            u = solver.utility(bundle, prices)
            if best is None or u > best_u:
                best, best_u = bundle, u
    return best


@st.composite
def demand_cases(draw: st.DrawFn) -> tuple[DemandSolver, list[int], int | None, int | None, list[int]]:
    n = draw(st.integers(1, 4))
    supply = [draw(st.integers(1, 5)) for _ in range(n)]
    curves = {}
    for k in range(n):
        steps = draw(st.lists(st.integers(0, 100), min_size=supply[k], max_size=supply[k]))
        curves[f"b{k}"] = tuple(itertools.accumulate([0, *steps]))
    tenths = [draw(st.sampled_from([10, 24, 50])) for _ in range(n)]
    limits = BundleLimits(
        band_ids=tuple(curves),
        lot_tenths=tuple(tenths),
        points=tuple(draw(st.integers(1, 20)) for _ in range(n)),
        is_low=tuple(draw(st.booleans()) for _ in range(n)),
        max_lots=tuple(draw(st.integers(0, s)) for s in supply),
        overall_tenths=draw(st.integers(0, 400)),
        low_tenths=draw(st.integers(0, 200)),
    )
    prices = [draw(st.integers(0, 60)) for _ in range(n)]
    eligibility = draw(st.one_of(st.none(), st.integers(0, 80)))
    budget = draw(st.one_of(st.none(), st.integers(0, 300)))
    minimum = [draw(st.integers(0, 1)) if draw(st.booleans()) else 0 for _ in range(n)]
    return DemandSolver(Valuation("a", curves, budget or 0), limits), prices, eligibility, budget, minimum


@settings(max_examples=300, deadline=None)
@given(demand_cases(), st.booleans())
def test_truthful_demand_is_the_exact_maximiser_checked_by_brute_force(
    case: tuple[DemandSolver, list[int], int | None, int | None, list[int]], vectorised: bool
) -> None:
    """Both searches (plain and vectorised) find the optimum, and break ties towards the fewest lots band by band."""
    solver, prices, eligibility, budget, minimum = case
    expected = brute_force(solver, prices, eligibility, budget, minimum)
    saved = demand_module._PREFIX_PRODUCT
    demand_module._PREFIX_PRODUCT = 0 if vectorised else saved  # 0: every search that is needed runs vectorised
    try:
        # No minimums given at all (the common case, with its own shortcuts) when every minimum is 0.
        got = solver.solve(prices, eligibility=eligibility, budget_usd=budget, min_lots=minimum if any(minimum) else None)
    finally:
        demand_module._PREFIX_PRODUCT = saved
    if expected is None:
        assert got is None
        return
    assert got is not None
    assert solver.feasible(got, prices, eligibility=eligibility, budget_usd=budget)
    assert all(q >= lo for q, lo in zip(got, minimum, strict=True))
    assert solver.utility(got, prices) == solver.utility(expected, prices)
    assert got == expected


def test_best_bundle_on_pakistan_respects_caps_budget_and_obligation(pakistan: Scenario) -> None:
    values = draw_valuations(pakistan, INCUMBENTS, 4)
    prices = [b.reserve_usd for b in pakistan.bands]
    for bidder, v in values.items():
        limits = BundleLimits.for_bidder(pakistan, bidder)
        bundle = best_bundle(prices, v, limits, budget_usd=v.budget_usd, min_lots=[0, 0, 0, 0, 5, 5])
        assert bundle is not None
        assert sum(q * p for q, p in zip(bundle, prices, strict=True)) <= v.budget_usd
        assert bundle[4] >= 5 and bundle[5] >= 5
        assert bundle[4] <= 14 and bundle[5] <= 20  # 140 and 200 MHz caps
    # Ufone+Telenor's low-band holdings leave no room for a 700 MHz lot.
    ufone = BundleLimits.for_bidder(pakistan, "ufone")
    assert ufone.low_tenths < 100
    assert best_bundle(prices, values["ufone"], ufone)[0] == 0  # type: ignore[index]


# ---------------------------------------------------------------- running auctions


def play(
    scenario: Scenario, strategies: dict[str, str], seed: int, *, spy: list[tuple[str, BidderView, RoundBids]] | None = None
) -> tuple[AllocationRun, dict[str, Valuation]]:
    values = draw_valuations(scenario, list(strategies), seed)
    agents: dict[str, Agent] = {}
    for bidder, strategy in strategies.items():
        agent = make_agent(strategy, bidder, scenario, values[bidder], np.random.default_rng([seed, len(agents)]))
        agents[bidder] = Spy(agent, spy) if spy is not None else agent
    return run_allocation(ClockAuction(scenario, list(strategies), seed=seed), agents), values


class Spy(Agent):
    """Records what an agent saw and answered."""

    def __init__(self, inner: Agent, record: list[tuple[str, BidderView, RoundBids]]) -> None:
        super().__init__(inner.bidder, inner.values, inner.rng, inner.scenario)
        self.inner = inner
        self.record = record

    def bid(self, view: BidderView) -> RoundBids:
        answer = self.inner.bid(view)
        self.record.append((self.bidder, view, answer))
        return answer


def demand_after(view: BidderView, answer: RoundBids) -> list[int]:
    return [answer.bids[b.id].lots if b.id in answer.bids else b.processed for b in view.bands]


def utility(outcome: AllocationOutcome, values: dict[str, Valuation], bidder: str) -> int:
    return values[bidder].value(outcome.lots[bidder]) - outcome.payments[bidder]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_truthful_bids_its_exact_demand_and_meets_the_obligation(pakistan: Scenario, seed: int) -> None:
    record: list[tuple[str, BidderView, RoundBids]] = []
    run, _ = play(pakistan, dict.fromkeys(INCUMBENTS, "truthful"), seed, spy=record)
    assert run.failures == ()
    assert run.outcome.status == "ended" and not run.outcome.excluded
    values = draw_valuations(pakistan, INCUMBENTS, seed)
    agents = {b: make_agent("truthful", b, pakistan, v, np.random.default_rng(0)) for b, v in values.items()}
    for bidder, view, answer in record:
        agent = agents[bidder]
        assert isinstance(agent, ValueAgent)
        wanted, penalty = agent.truthful_bundle(view)
        assert demand_after(view, answer) == list(wanted)
        assert not penalty
        if view.round == 1:
            assert demand_after(view, answer)[4] >= 5 and demand_after(view, answer)[5] >= 5


def test_truthful_drops_lots_at_the_price_where_they_stop_being_worth_it(pakistan: Scenario) -> None:
    step = pakistan.rules.price_step_usd
    seen = 0
    for seed in range(1, 9):  # several auctions, so that some lots go inside a round whatever one seed draws
        record: list[tuple[str, BidderView, RoundBids]] = []
        play(pakistan, dict.fromkeys(INCUMBENTS, "truthful"), seed, spy=record)
        values = draw_valuations(pakistan, INCUMBENTS, seed)
        for bidder, view, answer in record:
            for bid in answer.bids.values():
                band = view.band(bid.band)
                if bid.lots >= band.processed:
                    assert bid.price_usd is None
                    continue
                curve = values[bidder].band_values[bid.band]
                worth = (curve[band.processed] - curve[bid.lots]) // (band.processed - bid.lots)
                assert bid.price_usd == min(band.clock_price, max(band.start_price, worth // step * step))
                seen += band.start_price < (bid.price_usd or 0) < band.clock_price
    assert seen > 0  # some lots went inside the round, not at its edges


def test_truthful_meets_the_obligation_even_when_its_budget_cannot(pakistan: Scenario) -> None:
    values = draw_valuations(pakistan, ["jazz"], 1)
    poor = Valuation("jazz", values["jazz"].band_values, budget_usd=1_000_000)
    agent = make_agent("truthful", "jazz", pakistan, poor, np.random.default_rng(0))
    run = run_allocation(ClockAuction(pakistan, ["jazz"], seed=1), {"jazz": agent})
    assert run.failures == ()
    assert "jazz" not in run.outcome.excluded
    assert run.outcome.lots["jazz"]["2600"] >= 0 and run.outcome.rounds >= 1


def strategy_demand_vs_truthful(
    scenario: Scenario, strategy: str, seeds: Sequence[int]
) -> list[tuple[list[int], list[int], BidderView]]:
    rows = []
    for seed in seeds:
        record: list[tuple[str, BidderView, RoundBids]] = []
        play(scenario, {"jazz": "truthful", "zong": strategy, "ufone": "truthful"}, seed, spy=record)
        values = draw_valuations(scenario, ["zong"], seed)["zong"]
        ref = make_agent("truthful", "zong", scenario, values, np.random.default_rng(0))
        assert isinstance(ref, ValueAgent)
        for bidder, view, answer in record:
            if bidder == "zong":
                rows.append((demand_after(view, answer), list(ref.truthful_bundle(view)[0]), view))
    return rows


SEEDS = range(1, 9)


def test_reducer_never_demands_more_than_truthful_and_ends_auctions_cheaper(contested: Scenario) -> None:
    pakistan = contested
    rows = strategy_demand_vs_truthful(pakistan, "reducer", SEEDS)
    assert all(all(d <= t for d, t in zip(demand, truth, strict=True)) for demand, truth, _ in rows)
    assert any(demand != truth for demand, truth, _ in rows)
    # Most auctions, even in this market, now close in a few rounds (truthful bidders manage their
    # exposure), which leaves little to reduce. A reduction changes the price path, so a later round can go
    # either way (measured over seeds 1-200 with the one-way seed streams: cheaper in 19, dearer in 3, revenue
    # -$2.4m and the reducer +$0.75m on average): the claim is about the distribution, not every auction.
    cheaper = dearer = gained = revenue_change = 0
    seeds = range(1, 201)
    for seed in seeds:
        base, values = play(pakistan, dict.fromkeys(INCUMBENTS, "truthful"), seed)
        red, _ = play(pakistan, {"jazz": "truthful", "zong": "reducer", "ufone": "truthful"}, seed)
        cheaper += red.outcome.revenue_usd < base.outcome.revenue_usd
        dearer += red.outcome.revenue_usd > base.outcome.revenue_usd
        revenue_change += red.outcome.revenue_usd - base.outcome.revenue_usd
        gained += utility(red.outcome, values, "zong") - utility(base.outcome, values, "zong")
    assert cheaper >= len(seeds) // 20
    assert cheaper >= 3 * dearer
    assert revenue_change < 0
    assert gained > 0


def test_aggressive_keeps_demand_at_or_above_truthful_and_raises_rivals_costs(pakistan: Scenario) -> None:
    rows = strategy_demand_vs_truthful(pakistan, "aggressive", SEEDS)
    assert all(all(d >= t for d, t in zip(demand, truth, strict=True)) for demand, truth, _ in rows)
    above = [(d, t, v) for d, t, v in rows if d != t]
    assert above
    for demand, truth, view in above:
        for k, band in enumerate(view.bands):
            if demand[k] > truth[k]:
                assert band.excess_demand  # only in contested bands
    # Rivals face higher prices per lot in the contested 5G bands.
    price_base = price_aggr = 0
    for seed in SEEDS:
        base, _ = play(pakistan, dict.fromkeys(INCUMBENTS, "truthful"), seed)
        aggr, _ = play(pakistan, {"jazz": "truthful", "zong": "aggressive", "ufone": "truthful"}, seed)
        price_base += sum(base.outcome.prices[b] for b in ("2600", "3500"))
        price_aggr += sum(aggr.outcome.prices[b] for b in ("2600", "3500"))
    assert price_aggr > price_base


def test_parker_parks_only_what_it_would_not_mind_winning_and_switches_late(contested: Scenario) -> None:
    parked = switched = 0
    for seed in SEEDS:
        record: list[tuple[str, BidderView, RoundBids]] = []
        play(contested, {"jazz": "truthful", "zong": "parker", "ufone": "truthful"}, seed, spy=record)
        values = draw_valuations(contested, ["zong"], seed)["zong"]
        ref = make_agent("truthful", "zong", contested, values, np.random.default_rng(0))
        assert isinstance(ref, ValueAgent)
        for bidder, view, answer in record:
            if bidder != "zong":
                continue
            demand, truth = demand_after(view, answer), list(ref.truthful_bundle(view)[0])
            extra = [k for k in range(len(demand)) if demand[k] > truth[k]]
            if extra:
                parked += 1
                assert view.round < 4
                for k in extra:
                    assert not view.bands[k].excess_demand
                # The auction may end now or a round later: the parked bundle must be worth what it costs then.
                later = ref.next_prices(view.terms.clock_prices)
                assert ref.solver.utility(demand, later) >= 0
                assert ref.solver.cost(demand, later) <= values.budget_usd
            if view.round >= 4:
                assert demand == truth
                switched += any(b.processed > t for b, t in zip(view.bands, truth, strict=True))
    assert parked > 0
    assert switched > 0


def test_parker_utility_is_not_negative_in_95_percent_of_auctions(pakistan: Scenario) -> None:
    """Issue 12: parker kept parked lots it valued below their price in 42% of auctions."""
    outcomes = []
    for seed in range(1, 121):
        run, values = play(pakistan, {"jazz": "parker", "zong": "parker", "ufone": "truthful"}, seed)
        outcomes += [utility(run.outcome, values, b) >= 0 for b in ("jazz", "zong")]
    assert sum(outcomes) >= 0.95 * len(outcomes)


@pytest.mark.parametrize("scenario_name", ["pakistan", "literal"])
def test_random_bids_are_always_legal_and_auctions_end(scenario_name: str, request: pytest.FixtureRequest) -> None:
    scenario: Scenario = request.getfixturevalue(scenario_name)
    for seed in range(6):
        run, _ = play(scenario, dict.fromkeys([*INCUMBENTS, "entrant"], "random"), seed)
        assert run.failures == ()
        assert run.outcome.status == "ended"


@pytest.mark.parametrize("strategy", ["truthful", "reducer", "parker", "aggressive", "random"])
def test_every_strategy_bids_legally_against_every_other(pakistan: Scenario, strategy: str) -> None:
    others = [s for s in known_strategies() if s != strategy]
    bidders = {"jazz": strategy, "zong": others[0], "ufone": others[1], "entrant": others[2]}
    for seed in (1, 2):
        run, _ = play(pakistan, bidders, seed)
        assert run.failures == ()


# ---------------------------------------------------------------- registry and failures


def test_registry_knows_the_strategies_and_lists_them_when_asked_for_an_unknown_one(pakistan: Scenario) -> None:
    assert {"truthful", "reducer", "parker", "aggressive", "random"} <= set(known_strategies())
    with pytest.raises(UnknownStrategy) as info:
        make_agent("sniper", "jazz", pakistan, None, np.random.default_rng(0))
    assert "sniper" in str(info.value)
    for name in ("truthful", "reducer", "parker", "aggressive", "random", "plan:PATH"):
        assert name in str(info.value)


def test_value_strategies_need_values_and_random_does_not(pakistan: Scenario) -> None:
    with pytest.raises(ValueError, match="needs jazz's values"):
        make_agent("truthful", "jazz", pakistan, None, np.random.default_rng(0))
    assert make_agent("random", "jazz", pakistan, None, np.random.default_rng(0)).scenario is pakistan


class Crasher(Agent):
    """Raises in round 2, returns garbage in round 3, an illegal bid in round 4."""

    strategy = "test-crasher"

    def bid(self, view: BidderView) -> RoundBids:
        if view.round == 1:
            return RoundBids({"2600": _bid("2600", 5), "3500": _bid("3500", 5)})
        if view.round == 2:
            raise RuntimeError("bug in round 2")
        if view.round == 3:
            return "bids"  # type: ignore[return-value]
        return RoundBids({"3500": _bid("3500", 99)})


def _bid(band: str, lots: int) -> object:
    from game.engine.rules import Bid

    return Bid(band, lots)


def test_registered_strategy_and_a_crashing_agent_do_not_stop_the_auction(contested: Scenario) -> None:
    pakistan = contested  # an auction of several rounds, so every failure the crasher makes happens
    register_strategy(Crasher)
    assert "test-crasher" in known_strategies()
    values = draw_valuations(pakistan, INCUMBENTS, 5)
    agents = {
        "jazz": make_agent("test-crasher", "jazz", pakistan, values["jazz"], np.random.default_rng(0)),
        "zong": make_agent("truthful", "zong", pakistan, values["zong"], np.random.default_rng(0)),
        "ufone": make_agent("truthful", "ufone", pakistan, values["ufone"], np.random.default_rng(0)),
    }
    run = run_allocation(ClockAuction(pakistan, list(agents), seed=5), agents)
    kinds = {f.kind for f in run.failures if f.bidder == "jazz"}
    assert {"error", "invalid", "refused"} <= kinds
    assert run.outcome.status == "ended"
    text = summary_text(summarise(pakistan, run.outcome), failures=run.failures)
    assert "Agent failures" in text and "bug in round 2" in text


def test_register_strategy_refuses_names_the_cli_cannot_parse() -> None:
    class Bad(Crasher):
        strategy = "a=b"

    with pytest.raises(ValueError, match="plain name"):
        register_strategy(Bad)
