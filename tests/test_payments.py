"""Payment plans: hand-computed cash flows, markup, NPV and the refusals of the directive's terms."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.economics.payments import (
    PaymentPlanError,
    PaymentSchedule,
    parse_percent,
    parse_plan,
    payment_schedule,
    schedule_json,
    schedule_text,
    schedules_json,
    schedules_text,
    winner_schedules,
)
from game.scenario import load_scenario

PAKISTAN = load_scenario("pakistan-2026")
TERMS = PAKISTAN.payment  # 1-year moratorium, >= 50% upfront, 5 instalments, KIBOR 10.85 + 3, discount 12
RATE = PAKISTAN.exchange_rate_pkr_per_usd  # Rs279.37 per USD


def usd_rows(s: PaymentSchedule) -> list[tuple[int, int, int, int, int]]:
    return [(r.year, r.principal_usd, r.markup_usd, r.total_usd, r.balance_after_usd) for r in s.rows]


def test_deferred_half_at_kibor_10_85_plus_3() -> None:
    # $100m, 50% at year 1 (the first anniversary, after the one-year moratorium): $50m, no markup.
    # The other $50m in five equal principal instalments of $10m at years 2..6. Markup 10.85% + 3% = 13.85% a
    # year on the balance outstanding over the year before each instalment:
    #   year 2: 13.85% x 50m = 6.925m   year 3: 13.85% x 40m = 5.54m   year 4: 13.85% x 30m = 4.155m
    #   year 5: 13.85% x 20m = 2.77m    year 6: 13.85% x 10m = 1.385m
    # Total markup = 13.85% x (50+40+30+20+10)m = 13.85% x 150m = 20.775m.
    s = payment_schedule(100_000_000, "deferred", TERMS, RATE, upfront_percent=Decimal(50))
    assert usd_rows(s) == [
        (1, 50_000_000, 0, 50_000_000, 50_000_000),
        (2, 10_000_000, 6_925_000, 16_925_000, 40_000_000),
        (3, 10_000_000, 5_540_000, 15_540_000, 30_000_000),
        (4, 10_000_000, 4_155_000, 14_155_000, 20_000_000),
        (5, 10_000_000, 2_770_000, 12_770_000, 10_000_000),
        (6, 10_000_000, 1_385_000, 11_385_000, 0),
    ]
    assert s.markup_percent == Decimal("13.85")
    assert s.total_markup_usd == 20_775_000
    assert s.total_paid_usd == 120_775_000
    # NPV at 12%, year 0 = licence issue:
    #   50m/1.12 = 44,642,857.14   16.925m/1.12^2 = 13,492,506.38   15.54m/1.12^3 = 11,061,065.05
    #   14.155m/1.12^4 = 8,995,758.40   12.77m/1.12^5 = 7,246,040.95   11.385m/1.12^6 = 5,767,995.31
    #   sum = 91,206,223.23 -> $91,206,223
    assert s.npv_usd == 91_206_223
    # PKR at 279.37: 50m -> Rs13,968,500,000; 6.925m -> Rs1,934,637,250; 10m -> Rs2,793,700,000;
    # markup 20.775m -> Rs5,803,911,750; NPV 91,206,223.23 x 279.37 = 25,480,282,584.71 -> Rs25,480,282,585.
    assert s.rows[0].total_pkr == 13_968_500_000
    assert s.rows[1].markup_pkr == 1_934_637_250
    assert s.rows[1].principal_pkr == 2_793_700_000
    assert s.total_markup_pkr == 5_803_911_750
    assert s.amount_pkr == 27_937_000_000
    assert s.total_paid_pkr == 27_937_000_000 + 5_803_911_750
    assert s.npv_pkr == 25_480_282_585


def test_upfront_pays_everything_at_the_first_anniversary() -> None:
    # $100m at year 1, no markup; NPV at 12% = 100m / 1.12 = 89,285,714.29 -> $89,285,714.
    s = payment_schedule(100_000_000, "upfront", TERMS, RATE)
    assert usd_rows(s) == [(1, 100_000_000, 0, 100_000_000, 0)]
    assert s.total_markup_usd == 0
    assert s.npv_usd == 89_285_714
    # 89,285,714.2857 x 279.37 = 24,943,750,000 exactly (100m x 279.37 / 1.12).
    assert s.npv_pkr == 24_943_750_000


def test_deferred_share_kibor_and_discount_rate_can_be_chosen() -> None:
    # $200m, 70% at year 1 = $140m; $60m left in five instalments of $12m. KIBOR 9 + 3 = 12%:
    #   markup years 2..6: 12% x 60m, 48m, 36m, 24m, 12m = 7.2m, 5.76m, 4.32m, 2.88m, 1.44m (total 21.6m).
    # Discount 0%: NPV = the total paid = 200m + 21.6m.
    s = payment_schedule(
        200_000_000,
        "deferred",
        TERMS,
        RATE,
        upfront_percent=Decimal(70),
        kibor_percent=Decimal(9),
        discount_rate_percent=Decimal(0),
    )
    assert [r.markup_usd for r in s.rows] == [0, 7_200_000, 5_760_000, 4_320_000, 2_880_000, 1_440_000]
    assert [r.principal_usd for r in s.rows] == [140_000_000] + [12_000_000] * 5
    assert s.total_markup_usd == 21_600_000
    assert s.npv_usd == s.total_paid_usd == 221_600_000


def test_deferred_defaults_to_the_minimum_share_and_scenario_rates() -> None:
    s = payment_schedule(10_000_000, "deferred", TERMS, RATE)
    assert s.upfront_percent == 50
    assert s.kibor_percent == Decimal("10.85")
    assert s.discount_rate_percent == Decimal(12)


def test_deferred_at_100_percent_is_upfront() -> None:
    deferred = payment_schedule(100_000_000, "deferred", TERMS, RATE, upfront_percent=Decimal(100))
    upfront = payment_schedule(100_000_000, "upfront", TERMS, RATE)
    assert deferred.rows == upfront.rows
    assert deferred.npv_usd == upfront.npv_usd


def test_rounding_keeps_rows_adding_up_to_the_price() -> None:
    # $100,000,001 at 50%: exact upfront 50,000,000.5 -> $50,000,001 (half up); instalments of exactly
    # 10,000,000.1 each. Running principal 60,000,000.6, 70,000,000.7, ... 100,000,001 rounds to
    # 60,000,001, 70,000,001, ..., 100,000,001, so each instalment row shows $10,000,000 and the rows add up
    # to the price exactly.
    s = payment_schedule(100_000_001, "deferred", TERMS, RATE)
    assert [r.principal_usd for r in s.rows] == [50_000_001] + [10_000_000] * 5
    assert [r.balance_after_usd for r in s.rows] == [50_000_000, 40_000_000, 30_000_000, 20_000_000, 10_000_000, 0]
    # Markup exact: 13.85% x (50,000,000.5 + 40,000,000.4 + 30,000,000.3 + 20,000,000.2 + 10,000,000.1)
    #             = 13.85% x 150,000,001.5 = 20,775,000.207750 -> $20,775,000.
    assert s.total_markup_usd == 20_775_000


def test_three_instalments_of_a_seventh() -> None:
    # Terms with 3 instalments and a 2-year moratorium; $7 at 50%: upfront 3.5 -> $4 at year 2; three
    # instalments of 7/6 at years 3, 4, 5: running totals 4.667, 5.833, 7 -> 5, 6, 7 -> rows $1, $1, $1.
    terms = dataclasses.replace(TERMS, instalments=3, moratorium_years=2)
    s = payment_schedule(7, "deferred", terms, RATE)
    assert [(r.year, r.principal_usd) for r in s.rows] == [(2, 4), (3, 1), (4, 1), (5, 1)]


@settings(max_examples=200, deadline=None)
@given(
    amount=st.integers(0, 10**10),
    share=st.decimals(50, 100, places=2),
    kibor=st.decimals(0, 30, places=2),
    discount=st.decimals(0, 30, places=2),
)
def test_rows_add_up_to_the_totals(amount: int, share: Decimal, kibor: Decimal, discount: Decimal) -> None:
    s = payment_schedule(amount, "deferred", TERMS, RATE, upfront_percent=share, kibor_percent=kibor,
                         discount_rate_percent=discount)
    assert sum(r.principal_usd for r in s.rows) == amount
    assert sum(r.markup_usd for r in s.rows) == s.total_markup_usd
    assert sum(r.total_usd for r in s.rows) == s.total_paid_usd
    assert sum(r.principal_pkr for r in s.rows) == s.amount_pkr
    assert sum(r.total_pkr for r in s.rows) == s.total_paid_pkr
    assert s.rows[-1].balance_after_usd == 0
    assert all(r.markup_usd >= 0 and r.principal_usd >= 0 for r in s.rows)
    # Markup at or above the discount rate cannot make deferral worth more than paying now.
    if kibor + TERMS.markup_spread_percent >= discount:
        upfront = payment_schedule(amount, "upfront", TERMS, RATE, discount_rate_percent=discount)
        assert s.npv_usd >= upfront.npv_usd - 1
    # Year 1 principal is the share of the price, to the dollar.
    assert abs(s.rows[0].principal_usd - Fraction(amount) * Fraction(share) / 100) <= Fraction(1, 2)


# ---------------------------------------------------------------- refusals


def test_share_below_the_minimum_is_refused() -> None:
    with pytest.raises(PaymentPlanError, match=r"upfront share 40% is below the minimum of 50%"):
        payment_schedule(100_000_000, "deferred", TERMS, RATE, upfront_percent=Decimal(40))


def test_share_above_100_is_refused() -> None:
    with pytest.raises(PaymentPlanError, match=r"upfront share 101% is above 100%"):
        payment_schedule(100_000_000, "deferred", TERMS, RATE, upfront_percent=Decimal(101))


def test_upfront_plan_with_a_share_is_refused() -> None:
    with pytest.raises(PaymentPlanError, match="needs the deferred plan"):
        payment_schedule(100_000_000, "upfront", TERMS, RATE, upfront_percent=Decimal(60))


def test_unknown_plan_is_refused_with_the_known_ones() -> None:
    with pytest.raises(PaymentPlanError, match=r"unknown payment plan 'monthly' \(plans: upfront, deferred\)"):
        payment_schedule(100_000_000, "monthly", TERMS, RATE)


def test_bad_amount_and_rates_are_refused() -> None:
    with pytest.raises(PaymentPlanError, match="non-negative whole number"):
        payment_schedule(-1, "upfront", TERMS, RATE)
    with pytest.raises(PaymentPlanError, match="KIBOR"):
        payment_schedule(1, "deferred", TERMS, RATE, kibor_percent=Decimal(-1))
    with pytest.raises(PaymentPlanError, match="discount rate"):
        payment_schedule(1, "deferred", TERMS, RATE, discount_rate_percent=Decimal(-100))
    with pytest.raises(PaymentPlanError, match="exchange rate"):
        payment_schedule(1, "deferred", TERMS, Decimal(0))


def test_plan_errors_are_value_errors() -> None:
    assert issubclass(PaymentPlanError, ValueError)


def test_parse_plan_and_percent() -> None:
    assert parse_plan("upfront") == ("upfront", None)
    assert parse_plan("deferred") == ("deferred", None)
    assert parse_plan("deferred:60") == ("deferred", Decimal(60))
    assert parse_percent("10.85", "--kibor") == Decimal("10.85")
    assert parse_percent("12%", "--discount-rate") == Decimal(12)
    with pytest.raises(PaymentPlanError, match="unknown payment plan 'instalments'"):
        parse_plan("instalments")
    with pytest.raises(PaymentPlanError, match="takes no share"):
        parse_plan("upfront:60")
    with pytest.raises(PaymentPlanError, match="--kibor: 'ten' is not a percentage"):
        parse_percent("ten", "--kibor")


# ---------------------------------------------------------------- output


def test_schedule_json_is_exact_and_serialisable() -> None:
    s = payment_schedule(100_000_000, "deferred", TERMS, RATE)
    data = schedule_json(s)
    text = json.dumps(data)
    assert json.loads(text) == data
    assert data["plan"] == "deferred"
    assert data["upfront_percent"] == "50"
    assert data["markup_percent"] == "13.85"
    assert data["exchange_rate_pkr_per_usd"] == "279.37"
    assert data["total_markup_usd"] == 20_775_000
    assert data["npv_usd"] == 91_206_223
    flows = data["cash_flow"]
    assert isinstance(flows, list)
    assert flows[1] == {
        "year": 2,
        "principal_usd": 10_000_000,
        "markup_usd": 6_925_000,
        "total_usd": 16_925_000,
        "balance_after_usd": 40_000_000,
        "principal_pkr": 2_793_700_000,
        "markup_pkr": 1_934_637_250,
        "total_pkr": 4_728_337_250,
        "balance_after_pkr": 11_174_800_000,
    }


def test_schedule_text_shows_each_year_and_the_npv() -> None:
    text = schedule_text(payment_schedule(100_000_000, "deferred", TERMS, RATE))
    assert "markup 13.85% a year" in text
    assert "$16.925m" in text
    assert "NPV at 12% $91.206m" in text
    # Terms on two lines (so they fit a 100-column terminal), column header, six years, total.
    assert len(text.splitlines()) == 3 + 6 + 1


def test_winner_schedules_cover_winners_only() -> None:
    schedules = winner_schedules(PAKISTAN, {"jazz": 300_000_000, "zong": 0}, "deferred", upfront_percent=Decimal(60))
    assert list(schedules) == ["jazz"]
    assert schedules["jazz"].rows[0].principal_usd == 180_000_000


def test_schedules_for_all_winners_as_json_and_text() -> None:
    schedules = winner_schedules(PAKISTAN, {"jazz": 300_000_000, "ufone": 100_000_000}, "upfront")
    data = schedules_json(schedules)
    assert set(data) == {"jazz", "ufone"}
    assert data["ufone"]["npv_usd"] == 89_285_714  # 100m / 1.12
    text = schedules_text(schedules)
    assert text.startswith("jazz: upfront: $300m")
    assert "ufone: upfront: $100m" in text
