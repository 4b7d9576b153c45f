"""VAT breakdown of a ticket, from its lines, in integer cents.

Prices are VAT-inclusive (TTC). For each rate, the tax base is
``HT = TTC x 10000 / (10000 + rate)`` rounded half away from zero to the
cent, and the VAT is ``TTC - HT``, so that HT + VAT always equals TTC.
Rates are percent x 100 (``2000`` = 20 %, ``550`` = 5.5 %).
"""

from fiscal_core.records import Line


class VatLine:
    """Totals of one VAT rate: tax base (HT), tax and total (TTC), in cents."""

    __slots__ = ("base", "rate", "tax", "total")

    def __init__(self, rate: int, total: int) -> None:
        self.rate = rate
        self.total = total
        self.base = div_round_half_away(total * 10000, 10000 + rate)
        self.tax = total - self.base

    def __repr__(self) -> str:
        return f"VatLine(rate={self.rate}, base={self.base}, tax={self.tax}, total={self.total})"


def div_round_half_away(numerator: int, denominator: int) -> int:
    """Return numerator / denominator rounded half away from zero (denominator > 0)."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def breakdown(lines: list[Line]) -> list[VatLine]:
    """Return one VatLine per rate present in ``lines``, highest rate first."""
    totals: dict[int, int] = {}
    for line in lines:
        totals[line.vat_rate] = totals.get(line.vat_rate, 0) + line.total
    return [VatLine(rate, totals[rate]) for rate in sorted(totals, reverse=True)]


def breakdown_text(vat_lines: list[VatLine]) -> str:
    """Return the ``RATE:TOTAL|RATE:TOTAL`` field of the data to sign.

    RATE is written on 4 digits (``2000``, ``1000``, ``0550``), TOTAL is the
    VAT-inclusive total of that rate in cents; highest rate first.
    """
    return "|".join(f"{v.rate:04d}:{v.total}" for v in vat_lines)
