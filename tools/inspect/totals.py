"""Closure figures recomputed from elementary records, and compared (docs/SPEC.md §4).

One ``Totals`` per closure kind accumulates, from the record after the
previous closure of that kind, what the closure must state: VAT-inclusive
total per rate, real and absolute totals of the tickets (never FORMATION),
net payments per means (change taken off cash), the counts (sales, returns,
duplicates, invoices, JET 320, JET 323), cash floats (JET 171) and cash
movements (JET 170). A month or a year is recomputed from the tickets
directly, like a day; ``Totals.of_closure`` and ``add`` then let the
verifier cross-check that a month is the sum of its days and a year the sum
of its months.

Lists compare as the writer builds them: every rate (means) that appeared
in the period is listed, even when its net total is zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tools.inspect.formats import euros, rate_text
from tools.inspect.model import (
    COUNT_ABANDONED,
    COUNT_NAMES,
    COUNT_RETURNS,
    COUNT_SALES,
    COUNT_VOIDED,
    JET_CASH_FLOAT,
    JET_CASH_MOVE,
    JET_LINE_VOIDED,
    JET_SALE_ABANDONED,
    PAY_CASH,
    PAYMENT_MEANS,
    ClosureBody,
    JetBody,
    TicketBody,
)


@dataclass(slots=True)
class Totals:
    """What a closure must state, accumulated from record ``from_seq`` on.

    ``reliable`` is False once a record of the range could not be trusted
    (altered, unreadable or missing): the figures are then not compared.
    """

    from_seq: int
    reliable: bool = True
    vat: dict[int, int] = field(default_factory=dict)
    total_real: int = 0
    total_absolute: int = 0
    payments: dict[int, int] = field(default_factory=dict)
    counts: list[int] = field(default_factory=lambda: [0] * len(COUNT_NAMES))
    cash_float: int = 0
    cash_moves: int = 0

    def add_jet(self, body: JetBody) -> None:
        if body.code == JET_CASH_FLOAT:
            self.cash_float += body.amount
        elif body.code == JET_CASH_MOVE:
            self.cash_moves += body.amount
        elif body.code == JET_SALE_ABANDONED:
            self.counts[COUNT_ABANDONED] += 1
        elif body.code == JET_LINE_VOIDED:
            self.counts[COUNT_VOIDED] += 1

    def add(self, other: Totals) -> None:
        """Add the figures of ``other`` (a closure below) to these."""
        for rate, amount in other.vat.items():
            self.vat[rate] = self.vat.get(rate, 0) + amount
        for means, amount in other.payments.items():
            self.payments[means] = self.payments.get(means, 0) + amount
        self.total_real += other.total_real
        self.total_absolute += other.total_absolute
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.cash_float += other.cash_float
        self.cash_moves += other.cash_moves

    @classmethod
    def of_closure(cls, body: ClosureBody) -> Totals:
        """Return the figures a closure states (for sums of closures)."""
        return cls(
            from_seq=body.from_seq,
            vat=dict(body.vat),
            total_real=body.total_real,
            total_absolute=body.total_absolute,
            payments=dict(body.payments),
            counts=list(body.counts),
            cash_float=body.cash_float,
            cash_moves=body.cash_moves,
        )


def differences(stated: ClosureBody, expected: Totals) -> list[str]:
    """Return, in French, every figure of ``stated`` that differs from ``expected``."""
    found = _pairs("TVA à ", dict(stated.vat), expected.vat, rate_text)
    amounts = (
        ("total réel", stated.total_real, expected.total_real),
        ("total absolu", stated.total_absolute, expected.total_absolute),
    )
    found += [f"{what} {euros(a)} au lieu de {euros(b)}" for what, a, b in amounts if a != b]
    found += _pairs("paiements ", dict(stated.payments), expected.payments, _means)
    found += [
        f"{name} {a} au lieu de {b}"
        for name, a, b in zip(COUNT_NAMES, stated.counts, expected.counts, strict=True)
        if a != b
    ]
    cash = (
        ("fonds de caisse", stated.cash_float, expected.cash_float),
        ("mouvements d'espèces", stated.cash_moves, expected.cash_moves),
    )
    found += [f"{what} {euros(a)} au lieu de {euros(b)}" for what, a, b in cash if a != b]
    return found


def _means(means: int) -> str:
    return PAYMENT_MEANS.get(means, f"moyen {means}")


def _pairs(
    prefix: str, stated: dict[int, int], expected: dict[int, int], name: Callable[[int], str]
) -> list[str]:
    found = []
    for key in sorted(stated.keys() | expected.keys(), reverse=prefix.startswith("TVA")):
        a, b = stated.get(key), expected.get(key)
        if a == b:
            continue
        said = "absent" if a is None else euros(a)
        due = "absent" if b is None else euros(b)
        found.append(f"{prefix}{name(key)} : {said} au lieu de {due}")
    return found


def add_ticket(levels: Iterable[Totals], body: TicketBody) -> None:
    """Add a ticket to each of ``levels`` (day, month, year), its sums worked out once."""
    vat = [(line.vat_rate, line.quantity * line.unit_price) for line in body.lines]
    paid = [(payment.means, payment.amount) for payment in body.payments]
    add_figures(levels, vat, body.total, body.absolute_total, paid, body.change, body.is_return)


def add_figures(
    levels: Iterable[Totals],
    vat: list[tuple[int, int]],
    total: int,
    absolute: int,
    paid: list[tuple[int, int]],
    change: int,
    is_return: bool,
) -> None:
    """Add a ticket's figures to each of ``levels``: ``vat`` its (rate, amount) of each line,
    ``paid`` its (means, amount) of each payment (what ``add_ticket`` and the workers' sales,
    ``sales``, both add).

    Rates and means are added in the ticket's order, change last (taken
    off cash), as the writer lists them.
    """
    if change:
        paid = [*paid, (PAY_CASH, -change)]
    count = COUNT_RETURNS if is_return else COUNT_SALES
    for level in levels:
        for rate, amount in vat:
            level.vat[rate] = level.vat.get(rate, 0) + amount
        level.total_real += total
        level.total_absolute += absolute
        for means, amount in paid:
            level.payments[means] = level.payments.get(means, 0) + amount
        level.counts[count] += 1
