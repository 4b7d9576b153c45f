"""Period totals and the closure records that sign them (daily Z, month, fiscal year).

``Totals`` accumulates, record by record, what a period did: VAT-inclusive
total per rate, real and absolute totals, payments per means, counts, the
cash float and cash movements. The ledger keeps one ``Totals`` per level
(day, month, year); a closure record states the level's totals, and every
verifier recomputes them from the tickets themselves (elementary data),
never from the closure below.
"""

from fiscal_core import codes
from fiscal_core.fields import array, integer, pairs, text, uint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.cbor import CborValue
    from fiscal_core.events import JetBody
    from fiscal_core.sales import TicketBody

# Positions in the counts array of a closure (docs/SPEC.md, "Closure body").
COUNT_SALES = 0
COUNT_RETURNS = 1
COUNT_DUPLICATES = 2
COUNT_INVOICES = 3
COUNT_ABANDONED = 4
COUNT_VOIDED = 5
COUNT_FIELDS = 6


class Totals:
    """Running totals of one period level, from journal record ``from_seq`` on."""

    __slots__ = (
        "cash_float",
        "cash_moves",
        "counts",
        "from_seq",
        "payments",
        "total_absolute",
        "total_real",
        "vat",
    )

    def __init__(self, from_seq: int) -> None:
        self.from_seq = from_seq
        self.vat: dict[int, int] = {}
        self.total_real = 0
        self.total_absolute = 0
        self.payments: dict[int, int] = {}
        self.counts = [0] * COUNT_FIELDS
        self.cash_float = 0
        self.cash_moves = 0

    def add_event(self, body: "JetBody") -> None:
        if body.code == codes.JET_CASH_FLOAT:
            self.cash_float += body.amount
        elif body.code == codes.JET_CASH_MOVE:
            self.cash_moves += body.amount
        elif body.code == codes.JET_SALE_ABANDONED:
            self.counts[COUNT_ABANDONED] += 1
        elif body.code == codes.JET_LINE_VOIDED:
            self.counts[COUNT_VOIDED] += 1

    def count(self, index: int) -> None:
        self.counts[index] += 1

    def copy(self) -> "Totals":
        other = Totals(self.from_seq)
        other.vat = dict(self.vat)
        other.total_real = self.total_real
        other.total_absolute = self.total_absolute
        other.payments = dict(self.payments)
        other.counts = list(self.counts)
        other.cash_float = self.cash_float
        other.cash_moves = self.cash_moves
        return other


def add_ticket(levels: "tuple[Totals, Totals, Totals]", body: "TicketBody") -> None:
    """Add a ticket to each of ``levels`` (day, month, year): one pass, its sums read once.

    The body's sums are computed once when it is built; every ticket goes to
    the three levels, so its fields are read here once, not once per level.
    """
    vat = body.vat
    total = body.total
    absolute = body.absolute_total
    net_payments = body.net_payments
    index = COUNT_RETURNS if body.operation == codes.OP_RETURN else COUNT_SALES
    for totals in levels:
        by_rate = totals.vat
        for rate, amount in vat:
            by_rate[rate] = by_rate.get(rate, 0) + amount
        totals.total_real += total
        totals.total_absolute += absolute
        by_means = totals.payments
        for means, amount in net_payments:
            by_means[means] = by_means.get(means, 0) + amount
        totals.counts[index] += 1


class ClosureBody:
    """Body of a daily (GT_PERIOD), monthly (GT_MONTH) or fiscal-year (GT_YEAR) closure."""

    __slots__ = (
        "cash_float",
        "cash_moves",
        "counts",
        "from_seq",
        "gt_absolute",
        "gt_real",
        "label",
        "payments",
        "previous_gt_real",
        "total_absolute",
        "total_real",
        "vat",
    )

    def __init__(
        self,
        label: str,
        from_seq: int,
        vat: "list[tuple[int, int]]",
        total_real: int,
        total_absolute: int,
        previous_gt_real: int,
        gt_real: int,
        gt_absolute: int,
        payments: "list[tuple[int, int]]",
        counts: "list[int]",
        cash_float: int,
        cash_moves: int,
    ) -> None:
        self.label = label  # "2025-11-25" (day), "2025-11" (month), "FY2025-01" (year)
        self.from_seq = from_seq  # first journal record of the closed period
        self.vat = vat  # (rate, TTC) highest rate first
        self.total_real = total_real
        self.total_absolute = total_absolute
        self.previous_gt_real = previous_gt_real  # perpetual total at the previous closure
        self.gt_real = gt_real
        self.gt_absolute = gt_absolute
        self.payments = payments  # (means, net amount) by means
        self.counts = counts
        self.cash_float = cash_float
        self.cash_moves = cash_moves

    @classmethod
    def from_totals(
        cls, label: str, totals: Totals, previous_gt_real: int, gt_real: int, gt_absolute: int
    ) -> "ClosureBody":
        return cls(
            label=label,
            from_seq=totals.from_seq,
            vat=[(rate, totals.vat[rate]) for rate in sorted(totals.vat, reverse=True)],
            total_real=totals.total_real,
            total_absolute=totals.total_absolute,
            previous_gt_real=previous_gt_real,
            gt_real=gt_real,
            gt_absolute=gt_absolute,
            payments=[(means, totals.payments[means]) for means in sorted(totals.payments)],
            counts=list(totals.counts),
            cash_float=totals.cash_float,
            cash_moves=totals.cash_moves,
        )

    def to_array(self) -> "list[CborValue]":
        return [
            self.label,
            self.from_seq,
            [[rate, amount] for rate, amount in self.vat],
            self.total_real,
            self.total_absolute,
            self.previous_gt_real,
            self.gt_real,
            self.gt_absolute,
            [[means, amount] for means, amount in self.payments],
            list(self.counts),
            self.cash_float,
            self.cash_moves,
        ]

    @classmethod
    def from_array(cls, value: "CborValue") -> "ClosureBody":
        f = array(value, 12, "closure body")
        return cls(
            label=text(f[0]),
            from_seq=uint(f[1]),
            vat=pairs(f[2], "VAT totals"),
            total_real=integer(f[3]),
            total_absolute=uint(f[4]),
            previous_gt_real=integer(f[5]),
            gt_real=integer(f[6]),
            gt_absolute=uint(f[7]),
            payments=pairs(f[8], "payment totals"),
            counts=[uint(c) for c in array(f[9], COUNT_FIELDS, "counts")],
            cash_float=integer(f[10]),
            cash_moves=integer(f[11]),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClosureBody) and self.to_array() == other.to_array()
