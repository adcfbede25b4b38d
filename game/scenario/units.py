"""Exact units: money in whole US dollars, spectrum in tenths of a MHz.

Caps such as 348.5 MHz and lots of 2x1.2 MHz must never drift, so MHz are
held as integers counting 0.1 MHz ("tenths"). Never imports pygame.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

Tenths = int
"""MHz times ten, both halves of paired spectrum counted."""

USD = int
"""Whole US dollars."""


def tenths_from_mhz(value: int | float | str | Decimal) -> Tenths:
    """Convert a MHz figure to tenths, refusing anything finer than 0.1 MHz.

    >>> tenths_from_mhz(348.5)
    3485
    >>> tenths_from_mhz("2.4")
    24
    """
    scaled = Decimal(str(value)) * 10
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} MHz is not a whole number of 0.1 MHz")
    return int(scaled)


def mhz(tenths: Tenths) -> Decimal:
    """Tenths back to an exact Decimal MHz."""
    return Decimal(tenths) / 10


def fmt_mhz(tenths: Tenths) -> str:
    """'348.5 MHz', '40 MHz'.

    >>> fmt_mhz(3485), fmt_mhz(400)
    ('348.5 MHz', '40 MHz')
    """
    whole, part = divmod(tenths, 10)
    if tenths < 0:
        return "-" + fmt_mhz(-tenths)
    return f"{whole} MHz" if part == 0 else f"{whole}.{part} MHz"


def fmt_usd(amount: USD) -> str:
    """Money as people in this market read it: '$32.5m', '$1.234bn', '$15,000'.

    >>> fmt_usd(32_500_000), fmt_usd(1_234_000_000), fmt_usd(15_000)
    ('$32.5m', '$1.234bn', '$15,000')
    """
    sign = "-" if amount < 0 else ""
    a = abs(amount)
    if a >= 1_000_000_000:
        text = f"{Decimal(a) / 1_000_000_000:.3f}".rstrip("0").rstrip(".")
        return f"{sign}${text}bn"
    if a >= 1_000_000:
        text = f"{Decimal(a) / 1_000_000:.3f}".rstrip("0").rstrip(".")
        return f"{sign}${text}m"
    return f"{sign}${a:,}"


def fmt_usd_exact(amount: USD) -> str:
    """'$32,500,000'."""
    return f"-${-amount:,}" if amount < 0 else f"${amount:,}"


def to_pkr(amount: USD, rate_pkr_per_usd: Decimal) -> int:
    """USD to whole rupees at the scenario's rate, half up.

    >>> to_pkr(1_000_000, Decimal("279.37"))
    279370000
    """
    return int((Decimal(amount) * rate_pkr_per_usd).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fmt_pkr(amount: int) -> str:
    """Rupees in the local style of the press: 'Rs250.7bn', 'Rs4.6m'."""
    sign = "-" if amount < 0 else ""
    a = abs(amount)
    if a >= 1_000_000_000:
        return f"{sign}Rs{Decimal(a) / 1_000_000_000:.1f}bn"
    if a >= 1_000_000:
        return f"{sign}Rs{Decimal(a) / 1_000_000:.1f}m"
    return f"{sign}Rs{a:,}"


def ceil_div(a: int, b: int) -> int:
    """Integer ceiling of a / b for b > 0."""
    return -(-a // b)
