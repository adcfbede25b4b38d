"""Issue 12: the calibrated market, named markets, exposure management, the cautious strategy.

The distribution targets of the calibrated market are checked by
``benchmarks/calibration.py`` (hundreds of auctions); the tests here pin the
rules each piece must keep.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from conftest import pakistan_tree
from hypothesis import given, settings
from hypothesis import strategies as st

from game.agents.base import Agent, RoundBids
from game.agents.cautious import CautiousAgent
from game.agents.common import ValueAgent
from game.agents.demand import BundleLimits, DemandSolver
from game.agents.registry import known_strategies, make_agent
from game.economics.values import Valuation, draw_valuations
from game.engine.allocation import ClockAuction
from game.records.view import BidderView
from game.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from game.scenario.value_params import (
    UnknownMarket,
    default_market,
    market_names,
    value_model,
    with_market,
)
from game.sessions.session import run_allocation

INCUMBENTS = ("jazz", "zong", "ufone")
VALUE_STRATEGIES = ("truthful", "reducer", "parker", "aggressive", "cautious")


def play(
    scenario: Scenario, strategies: dict[str, str], seed: int, record: list[tuple[str, BidderView, RoundBids]] | None = None
) -> tuple[ClockAuction, dict[str, Valuation]]:
    values = draw_valuations(scenario, list(strategies), seed)
    agents: dict[str, Agent] = {}
    for i, (bidder, strategy) in enumerate(strategies.items()):
        agent = make_agent(strategy, bidder, scenario, values[bidder], np.random.default_rng([seed, i]))
        agents[bidder] = Recorder(agent, record) if record is not None else agent
    auction = ClockAuction(scenario, list(strategies), seed=seed)
    run_allocation(auction, agents)
    return auction, values


class Recorder(Agent):
    def __init__(self, inner: Agent, record: list[tuple[str, BidderView, RoundBids]]) -> None:
        super().__init__(inner.bidder, inner.values, inner.rng, inner.scenario)
        self.inner, self.record = inner, record

    def bid(self, view: BidderView) -> RoundBids:
        answer = self.inner.bid(view)
        self.record.append((self.bidder, view, answer))
        return answer


# ---------------------------------------------------------------- named markets


def test_the_shipped_scenarios_offer_the_calibrated_cautious_and_competitive_markets() -> None:
    for name in ("pakistan-2026", "pakistan-2026-directive-literal"):
        scenario = load_scenario(name)
        assert default_market(scenario) == "calibrated"
        assert market_names(scenario) == ("calibrated", "cautious", "competitive")
        assert with_market(scenario, None) is scenario
        assert with_market(scenario, "calibrated") is scenario


def test_the_competitive_market_keeps_the_parameters_before_calibration(pakistan: Scenario) -> None:
    hot = value_model(with_market(pakistan, "competitive"))
    assert (hot.bands["3500"].usd_per_mhz, hot.bands["3500"].threshold_mhz, hot.bands["3500"].width_mhz) == (1_400_000, 80, 15)
    assert (hot.bands["2600"].usd_per_mhz, hot.bands["2600"].threshold_mhz) == (2_400_000, 60)
    assert (hot.bands["700"].usd_per_mhz, hot.bands["700"].decay_percent, hot.bands["700"].coverage_usd) == (2_500_000, 35, 35_000_000)
    assert [hot.profiles[b].budget_usd for b in INCUMBENTS] == [280_000_000, 220_000_000, 250_000_000]
    assert not hot.obligation_worth_reserve
    # Bands the market does not name keep the calibrated parameters, as do the rules and the file's identity.
    calibrated = value_model(pakistan)
    assert hot.bands["1800"] == calibrated.bands["1800"]
    hot_scenario = with_market(pakistan, "competitive")
    assert (hot_scenario.id, hot_scenario.sha256, hot_scenario.bands) == (pakistan.id, pakistan.sha256, pakistan.bands)
    assert default_market(hot_scenario) == "competitive"
    assert market_names(hot_scenario) == ("competitive",)


def test_markets_order_from_cautious_to_competitive(pakistan: Scenario) -> None:
    """Over the same seeds, the cautious market's values at reserve are below the calibrated, the competitive above."""

    def demand_at_reserve(scenario: Scenario) -> int:
        total = 0
        prices = [b.reserve_usd for b in scenario.bands]
        for seed in range(30):
            for bidder, v in draw_valuations(scenario, list(INCUMBENTS), seed).items():
                solver = DemandSolver(v, BundleLimits.for_bidder(scenario, bidder))
                bundle = solver.solve(prices, budget_usd=v.budget_usd)
                assert bundle is not None
                total += bundle[4] + bundle[5]
        return total

    cautious, calibrated, competitive = (demand_at_reserve(with_market(pakistan, m)) for m in ("cautious", "calibrated", "competitive"))
    assert cautious < calibrated < competitive


def test_an_unknown_market_is_refused_with_the_markets_on_offer(pakistan: Scenario) -> None:
    with pytest.raises(UnknownMarket, match="unknown market 'hot'; scenario pakistan-2026 offers: calibrated, cautious, competitive"):
        with_market(pakistan, "hot")


def test_a_bad_market_reports_every_problem_at_its_own_key_path() -> None:
    tree = pakistan_tree()
    tree["values"]["markets"] = {
        "calibrated": {},
        "Bad Name": {},
        "wild": {"noise_percent": -1, "colour": "red", "bands": {"9999": {}, "2600": {"usd_per_mhz": "a lot"}}},
    }
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(tree, source="markets.toml")
    text = str(caught.value)
    assert "values.markets.calibrated: 'calibrated' is the market [values] itself describes" in text
    assert "values.markets.Bad Name: a market's name must be short and lower-case" in text
    assert "values.markets.wild.colour: unknown key" in text
    # The schema's words for a negative number, as in every other file format's messages.
    assert "values.markets.wild.noise_percent: must not be negative, found -1" in text
    assert "values.markets.wild.bands.9999: unknown band" in text
    assert "values.markets.wild.bands.2600.usd_per_mhz: must be an integer" in text
    # Each problem once: the schema and the [values] reader both check markets, but only one of them tells.
    assert "has 6 problem(s)" in text
    paths = [line.split(": ")[0] for line in text.splitlines() if line.startswith("  - ")]
    assert len(paths) == len(set(paths)) == 6


def test_a_market_may_override_one_number_of_a_band() -> None:
    tree = pakistan_tree()
    tree["values"]["markets"] = {"rich": {"bands": {"3500": {"usd_per_mhz": 2_000_000}}, "profiles": {"zong": {"budget_usd": 1}}}}
    scenario = parse_scenario(tree, source="rich.toml")
    rich = value_model(with_market(scenario, "rich"))
    base = value_model(scenario)
    assert rich.bands["3500"].usd_per_mhz == 2_000_000
    assert rich.bands["3500"].threshold_mhz == base.bands["3500"].threshold_mhz
    assert rich.profiles["zong"].budget_usd == 1
    assert rich.profiles["zong"].market_share_percent == base.profiles["zong"].market_share_percent


# ---------------------------------------------------------------- calibrated values


def test_incumbents_value_their_round1_obligation_at_least_at_its_reserve_cost(pakistan: Scenario) -> None:
    cost = 5 * pakistan.band("2600").reserve_usd + 5 * pakistan.band("3500").reserve_usd
    for seed in range(60):
        for v in draw_valuations(pakistan, list(INCUMBENTS), seed).values():
            assert v.band_values["2600"][5] + v.band_values["3500"][5] >= cost
    hot = with_market(pakistan, "competitive")  # the option is off there: some draws value it below cost
    below = sum(
        v.band_values["2600"][5] + v.band_values["3500"][5] < cost
        for seed in range(60)
        for v in draw_valuations(hot, list(INCUMBENTS), seed).values()
    )
    assert below > 0


def test_calibrated_budgets_are_at_the_scale_the_operators_spent(pakistan: Scenario) -> None:
    """2026: Jazz paid $239m, Ufone $157m, Zong $111m (allocation stage); budgets sit a little above."""
    model = value_model(pakistan)
    spent = {"jazz": 239_375_000, "ufone": 156_750_000, "zong": 111_250_000}
    for bidder, paid in spent.items():
        assert paid < model.profiles[bidder].budget_usd < 1.5 * paid


def test_round1_truthful_demand_at_reserve_sits_near_supply_in_2600_and_3500(pakistan: Scenario) -> None:
    prices = [b.reserve_usd for b in pakistan.bands]
    demand = {"2600": [], "3500": []}  # type: dict[str, list[int]]
    for seed in range(60):
        for band_id in demand:
            demand[band_id].append(0)
        for bidder, v in draw_valuations(pakistan, list(INCUMBENTS), seed).items():
            agent = make_agent("truthful", bidder, pakistan, v, np.random.default_rng(0))
            assert isinstance(agent, ValueAgent)
            bundle = agent.solver.solve(prices, budget_usd=v.budget_usd, min_lots=[0, 0, 0, 0, 5, 5])
            assert bundle is not None
            demand["2600"][-1] += bundle[4]
            demand["3500"][-1] += bundle[5]
    assert 0.9 * 19 <= float(np.median(demand["2600"])) <= 1.5 * 19
    assert 0.6 * 28 <= float(np.median(demand["3500"])) <= 1.2 * 28


# ---------------------------------------------------------------- exposure management


@st.composite
def budget_cases(draw: st.DrawFn) -> tuple[DemandSolver, list[int], list[int], int]:
    n = draw(st.integers(1, 3))
    supply = [draw(st.integers(1, 4)) for _ in range(n)]
    curves = {}
    for k in range(n):
        steps = draw(st.lists(st.integers(0, 100), min_size=supply[k], max_size=supply[k]))
        curves[f"b{k}"] = tuple(itertools.accumulate([0, *steps]))
    limits = BundleLimits(
        band_ids=tuple(curves), lot_tenths=(10,) * n, points=(1,) * n, is_low=(False,) * n,
        max_lots=tuple(supply), overall_tenths=10_000, low_tenths=10_000,
    )
    prices = [draw(st.integers(0, 60)) for _ in range(n)]
    later = [p + draw(st.integers(0, 10)) for p in prices]
    budget = draw(st.integers(0, 300))
    return DemandSolver(Valuation("a", curves, budget), limits), prices, later, budget


@settings(max_examples=200, deadline=None)
@given(budget_cases())
def test_the_budget_can_apply_at_other_prices_than_the_utility(case: tuple[DemandSolver, list[int], list[int], int]) -> None:
    """Exposure management: the best bundle at ``prices`` whose cost at ``later`` prices fits the budget."""
    solver, prices, later, budget = case
    best: tuple[int, ...] | None = None
    best_u = 0
    for bundle in itertools.product(*(range(m + 1) for m in solver.limits.max_lots)):
        if solver.cost(bundle, later) <= budget and (best is None or solver.utility(bundle, prices) > best_u):
            best, best_u = bundle, solver.utility(bundle, prices)
    assert solver.solve(prices, budget_usd=budget, budget_prices=later) == best


def over_budget(scenario: Scenario, mixes: Sequence[dict[str, str]], seeds: range) -> list[str]:
    found = []
    for mix in mixes:
        for seed in seeds:
            auction, values = play(scenario, mix, seed)
            outcome = auction.outcome()
            for bidder, strategy in mix.items():
                if outcome.payments[bidder] > values[bidder].budget_usd:
                    found.append(f"{strategy} {bidder} seed {seed}: paid {outcome.payments[bidder]} > {values[bidder].budget_usd}")
    return found


@pytest.mark.parametrize("market", ["calibrated", "competitive"])
def test_no_value_based_strategy_ever_pays_above_its_budget(pakistan: Scenario, market: str) -> None:
    """Issue 12: 22% of truthful bidder-auctions paid above budget when decreases were blocked."""
    scenario = with_market(pakistan, market)
    mixes = [dict.fromkeys(INCUMBENTS, s) for s in VALUE_STRATEGIES]
    mixes += [dict(zip(INCUMBENTS, combo, strict=True)) for combo in itertools.permutations(VALUE_STRATEGIES, 3)][::6]
    assert over_budget(scenario, mixes, range(1, 31)) == []


def test_exposure_management_is_what_keeps_bidders_within_budget(pakistan: Scenario) -> None:
    """The documented option ``manage_exposure = False`` lets decreases be blocked above the budget again."""

    class Unmanaged(ValueAgent):
        strategy = "test-unmanaged"
        manage_exposure = False

    hot = with_market(pakistan, "competitive")
    over = 0
    for seed in range(1, 61):
        values = draw_valuations(hot, list(INCUMBENTS), seed)
        agents: dict[str, Agent] = {b: Unmanaged(b, values[b], np.random.default_rng(seed), hot) for b in INCUMBENTS}
        outcome = run_allocation(ClockAuction(hot, list(INCUMBENTS), seed=seed), agents).outcome
        over += sum(outcome.payments[b] > values[b].budget_usd for b in INCUMBENTS)
    assert over > 0


# ---------------------------------------------------------------- the cautious strategy


def test_cautious_is_registered_and_is_the_desktop_default() -> None:
    from game.sessions.match import DEFAULT_STRATEGY, MatchSetup

    assert "cautious" in known_strategies()
    assert DEFAULT_STRATEGY == "cautious"
    assert [s.controller for s in MatchSetup().seats[1:]] == ["cautious", "cautious"]


def cautious_rounds(scenario: Scenario, seeds: range) -> list[tuple[str, BidderView, RoundBids, CautiousAgent, int]]:
    rows = []
    for seed in seeds:
        record: list[tuple[str, BidderView, RoundBids]] = []
        play(scenario, dict.fromkeys(INCUMBENTS, "cautious"), seed, record)
        values = draw_valuations(scenario, list(INCUMBENTS), seed)
        refs = {b: make_agent("cautious", b, scenario, values[b], np.random.default_rng(0)) for b in INCUMBENTS}
        for bidder, view, answer in record:
            ref = refs[bidder]
            assert isinstance(ref, CautiousAgent)
            rows.append((bidder, view, answer, ref, seed))
    return rows


def demand_after(view: BidderView, answer: RoundBids) -> list[int]:
    return [answer.bids[b.id].lots if b.id in answer.bids else b.processed for b in view.bands]


def test_cautious_demands_at_most_its_share_of_supply_in_round_1_and_never_more_than_truthful(pakistan: Scenario) -> None:
    seen_cut = 0
    for _, view, answer, ref, _ in cautious_rounds(pakistan, range(1, 21)):
        demand = demand_after(view, answer)
        truthful = ref.truthful_bundle(view)[0]
        assert all(d <= t for d, t in zip(demand, truthful, strict=True))
        if view.round == 1:
            assert demand[4] >= 5 and demand[5] >= 5  # the obligation
            for k, band in enumerate(view.bands):
                share = -(-band.supply * 120 // 300)  # 3 expected bidders, 20% slack
                assert demand[k] <= max(share, view.obligation.get(band.id, 0))
            seen_cut += demand != list(truthful)
    assert seen_cut > 0


def test_cautious_cuts_in_proportion_where_demand_exceeded_supply(pakistan: Scenario) -> None:
    cuts = 0
    for _, view, answer, _ref, _ in cautious_rounds(pakistan, range(1, 41)):
        if view.round == 1:
            continue
        demand = demand_after(view, answer)
        for k, band in enumerate(view.bands):
            assert band.aggregate_demand is not None
            if band.excess_demand:
                assert demand[k] <= band.processed * band.supply // band.aggregate_demand
                cuts += demand[k] < band.processed
            else:
                assert demand[k] <= band.processed + max(0, band.supply - band.aggregate_demand)
    assert cuts > 0


def test_cautious_under_excess_only_cuts_one_lot_a_round_and_never_adds(pakistan: Scenario) -> None:
    import dataclasses

    blind = dataclasses.replace(pakistan, rules=dataclasses.replace(pakistan.rules, information_policy="excess-only"))
    for _, view, answer, _, _ in cautious_rounds(blind, range(1, 21)):
        if view.round == 1:
            continue
        for k, band in enumerate(view.bands):
            demand = demand_after(view, answer)[k]
            assert demand <= band.processed
            if band.excess_demand and band.processed:
                assert demand <= band.processed - 1


def test_cautious_auctions_close_fast_near_reserve(pakistan: Scenario) -> None:
    """Like 2026: a handful of rounds, prices at most one increment above reserve, 1800/2100 MHz unsold."""
    rounds, unsold_1800_2100 = [], 0
    for seed in range(1, 41):
        auction, _ = play(pakistan, dict.fromkeys(INCUMBENTS, "cautious"), seed)
        outcome = auction.outcome()
        rounds.append(outcome.rounds)
        for band in pakistan.bands:
            if outcome.sold_lots(band.id):
                assert outcome.prices[band.id] <= band.reserve_usd * 1.05 + pakistan.rules.price_step_usd
        unsold_1800_2100 += outcome.sold_lots("1800") == 0 and outcome.sold_lots("2100") == 0
    assert max(rounds) <= 4 and float(np.median(rounds)) <= 2
    assert unsold_1800_2100 >= 0.6 * 40


# ---------------------------------------------------------------- --market in the front ends


def test_auction_market_flag_reaches_the_values_the_report_and_the_replay(tmp_path: Path) -> None:
    import json

    from game.cli.main import main

    args = ["auction", "--bidders", "jazz=truthful,zong=truthful,ufone=truthful", "--seed", "5", "--quiet"]
    for market in ("calibrated", "competitive"):
        out, log, again = tmp_path / f"{market}.json", tmp_path / f"{market}.jsonl", tmp_path / f"{market}-replay.json"
        assert main([*args, "--market", market, "--json", str(out), "--log", str(log)]) == 0
        report = json.loads(out.read_text())
        assert report["market"] == market
        values = draw_valuations(with_market(load_scenario("pakistan-2026"), market), list(INCUMBENTS), 5)
        assert report["bidders"]["jazz"]["value_usd"] == values["jazz"].value(report["bidders"]["jazz"]["lots"])
        assert json.loads(log.read_text().splitlines()[0])["scenario"]["market"] == market
        # The replay draws the same market's values again, so it reports the same welfare.
        assert main(["replay", str(log), "--json", str(again), "--quiet"]) == 0
        replayed = json.loads(again.read_text())
        assert (replayed["market"], replayed["welfare_usd"]) == (market, report["welfare_usd"])


def test_an_unknown_market_on_the_command_line_exits_2_naming_flag_and_markets(capsys: pytest.CaptureFixture[str]) -> None:
    from game.cli.main import main

    assert main(["auction", "--bidders", "jazz=truthful", "--market", "hot", "--quiet"]) == 2
    assert main(["tournament", "--strategies", "truthful", "--auctions", "1", "--market", "hot", "--only-auction", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("--market: unknown market 'hot'; scenario pakistan-2026 offers: calibrated, cautious, competitive") == 2
    assert "Traceback" not in err


def test_a_tournament_plays_the_market_it_is_given_and_a_resume_must_match_it(tmp_path: Path) -> None:
    from game.tournament.runner import TournamentConfig, play_one, prepare, run_tournament, settings

    config = TournamentConfig(strategies=("truthful",), auctions=2, out_dir=str(tmp_path / "t"), plots=False, market="competitive")
    prep = prepare(config)
    assert default_market(prep.scenario) == "competitive" and prep.setup.market == "competitive"
    assert settings(config, prep)["market"] == "competitive"
    hot = play_one(config, 1)
    calm = play_one(TournamentConfig(strategies=("truthful",), auctions=2, out_dir="", plots=False), 1)
    assert [s.value_usd for s in hot.seats] != [s.value_usd for s in calm.seats]
    run_tournament(config)
    import dataclasses

    from game.tournament.storage import StorageError

    with pytest.raises(StorageError, match="market: 'competitive' there, 'calibrated' now"):
        run_tournament(dataclasses.replace(config, market=None, resume=True))


def test_a_saved_game_keeps_its_market() -> None:
    from game.sessions.match import Match, MatchSetup, SaveError

    setup = MatchSetup(market="competitive")
    assert MatchSetup.from_json(setup.to_json()) == setup
    assert "market" not in MatchSetup().to_json()  # a default-market game saves as before
    match = Match(setup)
    assert default_market(match.scenario) == "competitive"
    assert match.values == draw_valuations(with_market(load_scenario("pakistan-2026"), "competitive"), list(INCUMBENTS), 1)
    with pytest.raises(SaveError, match="market"):
        MatchSetup.from_json({**setup.to_json(), "market": 3})
    with pytest.raises(UnknownMarket):
        Match(MatchSetup(market="hot"))
