"""Payment plans of the directive: when a winner pays its price, with what markup, and what that is worth today.

AUCTION_RULES.md "Money after the auction". Conventions (year 0 = licence issue):

- Moratorium of ``m`` years (``money.moratorium_years``, 1 in Pakistan): no
  payment and no markup before year ``m``.
- ``upfront``: 100% of the price at year ``m`` (the first anniversary).
- ``deferred``: a share ``f`` (``min_upfront_percent`` <= f <= 100) at year
  ``m``; the rest in ``instalments`` equal principal instalments at years
  ``m+1 .. m+instalments``. Markup at KIBOR + spread a year accrues on the
  balance outstanding over the year before each instalment and is paid with
  it: the instalment at year ``m+j`` carries ``(KIBOR + spread) x`` the
  balance outstanding from year ``m+j-1`` to ``m+j``. The directive takes
  KIBOR on each payment date; the future rate being unknown, one KIBOR is
  used for every year.
- Net present value at a discount rate ``d`` a year: ``sum CF_t / (1+d)^t``.

Arithmetic is exact (``Fraction``) throughout; only the reported figures are
rounded, half up, to whole dollars and whole rupees (PKR = exact USD x the
scenario's rate). Rows are rounded *cumulatively* (each row is the rounded
running total less the previous rounded running total), so a row may differ
from its exact value by at most one unit, while the rows add up exactly to
the rounded totals and the principal rows to the price. Totals and NPV are
rounded once from their exact values; the total paid in PKR is the rounded
price plus the rounded markup, so that it is the sum of its rows. Never imports pygame; never reads
private values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal

from game.scenario import PaymentTerms, Scenario
from game.scenario.units import fmt_pkr, fmt_usd

Plan = Literal["upfront", "deferred"]
PLANS: tuple[Plan, ...] = ("upfront", "deferred")


class PaymentPlanError(ValueError):
    """A payment plan that the terms do not allow (unknown plan, share out of range, bad rate)."""


@dataclass(frozen=True)
class CashFlow:
    """One anniversary's payment, in whole dollars and whole rupees."""

    year: int
    principal_usd: int
    markup_usd: int
    total_usd: int
    balance_after_usd: int
    """Principal still owed after this payment."""
    principal_pkr: int
    markup_pkr: int
    total_pkr: int
    balance_after_pkr: int


@dataclass(frozen=True)
class PaymentSchedule:
    """A winner's payment plan: the yearly cash flow, total markup and net present value."""

    amount_usd: int
    amount_pkr: int
    plan: Plan
    upfront_percent: Decimal
    kibor_percent: Decimal
    markup_percent: Decimal
    """KIBOR + spread, a year."""
    discount_rate_percent: Decimal
    rate_pkr_per_usd: Decimal
    rows: tuple[CashFlow, ...]
    total_markup_usd: int
    total_markup_pkr: int
    total_paid_usd: int
    total_paid_pkr: int
    npv_usd: int
    """Present value at licence issue (year 0) of every payment, at the discount rate."""
    npv_pkr: int


def _round(x: Fraction) -> int:
    """Half up (away from zero at exactly one half), as ``game.scenario.units.to_pkr`` rounds."""
    if x < 0:
        return -_round(-x)
    return int(x + Fraction(1, 2))


def _cumulative_round(parts: Iterable[Fraction]) -> list[int]:
    """Whole units per part such that every running total is the rounded exact running total."""
    result: list[int] = []
    exact = Fraction(0)
    shown = 0
    for part in parts:
        exact += part
        now = _round(exact)
        result.append(now - shown)
        shown = now
    return result


def _fraction(value: Decimal) -> Fraction:
    return Fraction(value)


def _fmt_percent(value: Decimal) -> str:
    """'10.85', '50' (never '5E+1')."""
    return format(value.normalize(), "f")


def payment_schedule(
    amount_usd: int,
    plan: str,
    terms: PaymentTerms,
    rate_pkr_per_usd: Decimal,
    *,
    upfront_percent: Decimal | None = None,
    kibor_percent: Decimal | None = None,
    discount_rate_percent: Decimal | None = None,
) -> PaymentSchedule:
    """The cash flow of paying ``amount_usd`` under ``plan`` ("upfront" or "deferred").

    ``upfront_percent`` is the deferred plan's share at the first payment
    (default: the minimum the terms allow); KIBOR and the discount rate default
    to the terms. Raises :class:`PaymentPlanError` naming what is wrong.
    """
    if plan not in PLANS:
        raise PaymentPlanError(f"unknown payment plan {plan!r} (plans: {', '.join(PLANS)})")
    if isinstance(amount_usd, bool) or not isinstance(amount_usd, int) or amount_usd < 0:
        raise PaymentPlanError(f"amount must be a non-negative whole number of US dollars, got {amount_usd!r}")
    if rate_pkr_per_usd <= 0:
        raise PaymentPlanError(f"exchange rate must be positive, got {rate_pkr_per_usd} PKR per USD")
    minimum = Decimal(terms.min_upfront_percent)
    if plan == "upfront":
        if upfront_percent is not None and upfront_percent != 100:
            raise PaymentPlanError(
                f"the upfront plan pays 100% at year {terms.moratorium_years}; an upfront share of "
                f"{_fmt_percent(upfront_percent)}% needs the deferred plan"
            )
        share = Decimal(100)
    else:
        share = minimum if upfront_percent is None else upfront_percent
        if not share.is_finite():
            raise PaymentPlanError(f"upfront share {share} is not a percentage")
        if share < minimum:
            raise PaymentPlanError(
                f"upfront share {share}% is below the minimum of {minimum}% at year {terms.moratorium_years} "
                f"that the payment terms allow"
            )
        if share > 100:
            raise PaymentPlanError(f"upfront share {_fmt_percent(share)}% is above 100%")
    kibor = terms.kibor_percent if kibor_percent is None else kibor_percent
    if not kibor.is_finite() or kibor < 0:
        raise PaymentPlanError(f"KIBOR must be a non-negative percentage, got {kibor}")
    discount = terms.discount_rate_percent if discount_rate_percent is None else discount_rate_percent
    if not discount.is_finite() or discount <= -100:
        raise PaymentPlanError(f"discount rate must be above -100%, got {discount}")
    markup_percent = kibor + terms.markup_spread_percent

    # Exact cash flows: (year, principal, markup).
    first_year = terms.moratorium_years
    upfront = Fraction(amount_usd) * _fraction(share) / 100
    flows: list[tuple[int, Fraction, Fraction]] = [(first_year, upfront, Fraction(0))]
    rest = Fraction(amount_usd) - upfront
    if rest > 0:
        instalment = rest / terms.instalments
        rate = _fraction(markup_percent) / 100
        balance = rest
        for j in range(1, terms.instalments + 1):
            flows.append((first_year + j, instalment, rate * balance))
            balance -= instalment

    fx = _fraction(rate_pkr_per_usd)
    principal_usd = _cumulative_round(p for _, p, _ in flows)
    markup_usd = _cumulative_round(m for _, _, m in flows)
    principal_pkr = _cumulative_round(p * fx for _, p, _ in flows)
    markup_pkr = _cumulative_round(m * fx for _, _, m in flows)
    amount_pkr = _round(amount_usd * fx)
    rows: list[CashFlow] = []
    paid_usd = paid_pkr = 0
    for i, (year, _, _) in enumerate(flows):
        paid_usd += principal_usd[i]
        paid_pkr += principal_pkr[i]
        rows.append(
            CashFlow(
                year=year,
                principal_usd=principal_usd[i],
                markup_usd=markup_usd[i],
                total_usd=principal_usd[i] + markup_usd[i],
                balance_after_usd=amount_usd - paid_usd,
                principal_pkr=principal_pkr[i],
                markup_pkr=markup_pkr[i],
                total_pkr=principal_pkr[i] + markup_pkr[i],
                balance_after_pkr=amount_pkr - paid_pkr,
            )
        )
    exact_markup = sum((m for _, _, m in flows), Fraction(0))
    factor = 1 + _fraction(discount) / 100
    npv = sum(((p + m) / factor**year for year, p, m in flows), Fraction(0))
    return PaymentSchedule(
        amount_usd=amount_usd,
        amount_pkr=amount_pkr,
        plan=plan,
        upfront_percent=share,
        kibor_percent=kibor,
        markup_percent=markup_percent,
        discount_rate_percent=discount,
        rate_pkr_per_usd=rate_pkr_per_usd,
        rows=tuple(rows),
        total_markup_usd=_round(exact_markup),
        total_markup_pkr=_round(exact_markup * fx),
        total_paid_usd=_round(amount_usd + exact_markup),
        total_paid_pkr=amount_pkr + _round(exact_markup * fx),
        npv_usd=_round(npv),
        npv_pkr=_round(npv * fx),
    )


def parse_percent(text: str, what: str) -> Decimal:
    """A percentage from a command line or file ('10.85', '60'); PaymentPlanError naming ``what`` if not."""
    try:
        value = Decimal(text.strip().removesuffix("%"))
    except (InvalidOperation, AttributeError):
        raise PaymentPlanError(f"{what}: {text!r} is not a percentage (e.g. 10.85)") from None
    if not value.is_finite():
        raise PaymentPlanError(f"{what}: {text!r} is not a percentage (e.g. 10.85)")
    return value


def parse_plan(text: str) -> tuple[Plan, Decimal | None]:
    """'upfront', 'deferred' or 'deferred:60' (share at the first payment, in percent)."""
    name, sep, share = text.strip().partition(":")
    if sep and not share.strip():
        raise PaymentPlanError(f"payment plan {text!r}: give the share after the colon, e.g. deferred:60")
    for plan in PLANS:
        if name == plan:
            if share and plan == "upfront":
                raise PaymentPlanError(f"payment plan {text!r}: the upfront plan takes no share (it pays 100%)")
            return plan, parse_percent(share, f"payment plan {text!r}") if share else None
    raise PaymentPlanError(f"unknown payment plan {text!r} (plans: upfront, deferred, deferred:SHARE e.g. deferred:60)")


def winner_schedules(
    scenario: Scenario,
    payments: Mapping[str, int],
    plan: str,
    *,
    upfront_percent: Decimal | None = None,
    kibor_percent: Decimal | None = None,
    discount_rate_percent: Decimal | None = None,
) -> dict[str, PaymentSchedule]:
    """One schedule per winner (payment > 0), under the scenario's terms and exchange rate."""
    return {
        bidder: payment_schedule(
            amount,
            plan,
            scenario.payment,
            scenario.exchange_rate_pkr_per_usd,
            upfront_percent=upfront_percent,
            kibor_percent=kibor_percent,
            discount_rate_percent=discount_rate_percent,
        )
        for bidder, amount in payments.items()
        if amount > 0
    }


def schedule_json(s: PaymentSchedule) -> dict[str, object]:
    """JSON-ready: money as integers; percentages and the exchange rate as exact decimal strings."""
    return {
        "plan": s.plan,
        "amount_usd": s.amount_usd,
        "amount_pkr": s.amount_pkr,
        "upfront_percent": _fmt_percent(s.upfront_percent),
        "kibor_percent": _fmt_percent(s.kibor_percent),
        "markup_percent": _fmt_percent(s.markup_percent),
        "discount_rate_percent": _fmt_percent(s.discount_rate_percent),
        "exchange_rate_pkr_per_usd": str(s.rate_pkr_per_usd),
        "cash_flow": [
            {
                "year": r.year,
                "principal_usd": r.principal_usd,
                "markup_usd": r.markup_usd,
                "total_usd": r.total_usd,
                "balance_after_usd": r.balance_after_usd,
                "principal_pkr": r.principal_pkr,
                "markup_pkr": r.markup_pkr,
                "total_pkr": r.total_pkr,
                "balance_after_pkr": r.balance_after_pkr,
            }
            for r in s.rows
        ],
        "total_markup_usd": s.total_markup_usd,
        "total_markup_pkr": s.total_markup_pkr,
        "total_paid_usd": s.total_paid_usd,
        "total_paid_pkr": s.total_paid_pkr,
        "npv_usd": s.npv_usd,
        "npv_pkr": s.npv_pkr,
    }


def schedules_json(schedules: Mapping[str, PaymentSchedule]) -> dict[str, dict[str, object]]:
    """Per winner, as :func:`schedule_json`."""
    return {bidder: schedule_json(s) for bidder, s in schedules.items()}


def schedules_text(schedules: Mapping[str, PaymentSchedule]) -> str:
    """Per winner, as :func:`schedule_text`, each headed by the bidder id."""
    return "\n\n".join(f"{bidder}: {schedule_text(s)}" for bidder, s in schedules.items())


def schedule_text(s: PaymentSchedule) -> str:
    """A plain-text table of the cash flow with totals and NPV."""
    if s.plan == "upfront":
        head = f"upfront: {fmt_usd(s.amount_usd)} ({fmt_pkr(s.amount_pkr)}) paid in full at year {s.rows[0].year}"
    else:
        head = (
            f"deferred: {_fmt_percent(s.upfront_percent)}% of {fmt_usd(s.amount_usd)} ({fmt_pkr(s.amount_pkr)}) "
            f"at year {s.rows[0].year},\n  the rest in {len(s.rows) - 1} instalments with markup "
            f"{_fmt_percent(s.markup_percent)}% a year (KIBOR {_fmt_percent(s.kibor_percent)}% + spread)"
        )
    lines = [head, f"  {'year':>4}  {'principal':>10}  {'markup':>10}  {'total':>10}  {'total PKR':>11}  {'owed after':>10}"]
    for r in s.rows:
        lines.append(
            f"  {r.year:>4}  {fmt_usd(r.principal_usd):>10}  {fmt_usd(r.markup_usd):>10}  {fmt_usd(r.total_usd):>10}  "
            f"{fmt_pkr(r.total_pkr):>11}  {fmt_usd(r.balance_after_usd):>10}"
        )
    lines.append(
        f"  total paid {fmt_usd(s.total_paid_usd)} ({fmt_pkr(s.total_paid_pkr)}), markup {fmt_usd(s.total_markup_usd)} "
        f"({fmt_pkr(s.total_markup_pkr)}); NPV at {_fmt_percent(s.discount_rate_percent)}% "
        f"{fmt_usd(s.npv_usd)} ({fmt_pkr(s.npv_pkr)})"
    )
    return "\n".join(lines)
