"""Bodies of sale documents: item lines, payments, tickets (sale, return, training).

A return is not an edit: it is a new ticket, operation ``RETOUR``, with
negative quantities and refunds, naming the original ticket and a reason
(6.3.3.3-4). A training ticket has the same body in its own chain, with
perpetual totals at zero and no grand-total signature: it counts nowhere.
"""

from fiscal_core import codes
from fiscal_core.errors import FormatError
from fiscal_core.fields import array, blob, integer, text, uint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.cbor import CborValue


class Line:
    """One item line: quantity x unit price (TTC, cents) at one VAT rate."""

    __slots__ = ("label", "quantity", "ref", "unit_price", "vat_rate")

    def __init__(self, ref: str, label: str, quantity: int, unit_price: int, vat_rate: int) -> None:
        self.ref = ref  # "P12" = PLU 12, "D3" = department 3
        self.label = label
        self.quantity = quantity  # negative on a return
        self.unit_price = unit_price  # cents, VAT included
        self.vat_rate = vat_rate  # percent x 100: 2000 = 20 %

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price

    def to_array(self) -> "list[CborValue]":
        return [self.ref, self.label, self.quantity, self.unit_price, self.vat_rate]

    @classmethod
    def from_array(cls, value: "CborValue") -> "Line":
        f = array(value, 5, "line")
        return cls(text(f[0]), text(f[1]), integer(f[2]), integer(f[3]), uint(f[4]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Line) and self.to_array() == other.to_array()

    def __repr__(self) -> str:
        fields = (self.ref, self.label, self.quantity, self.unit_price, self.vat_rate)
        return f"Line{fields!r}"


class Payment:
    """One payment line: means (codes.PAY_*) and amount in cents (negative = refund)."""

    __slots__ = ("amount", "means")

    def __init__(self, means: int, amount: int) -> None:
        self.means = means
        self.amount = amount

    def to_array(self) -> "list[CborValue]":
        return [self.means, self.amount]

    @classmethod
    def from_array(cls, value: "CborValue") -> "Payment":
        f = array(value, 2, "payment")
        return cls(uint(f[0]), integer(f[1]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Payment) and self.to_array() == other.to_array()

    def __repr__(self) -> str:
        return f"Payment({self.means}, {self.amount})"


class NoteBody:
    """A note before payment: the lines of the open sale and how many persons share it."""

    __slots__ = ("lines", "persons")

    def __init__(self, lines: "list[Line]", persons: int) -> None:
        self.lines = lines
        self.persons = persons  # 1 = not split

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    def to_array(self) -> "list[CborValue]":
        return [[line.to_array() for line in self.lines], self.persons]

    @classmethod
    def from_array(cls, value: "CborValue") -> "NoteBody":
        f = array(value, 2, "note body")
        return cls([Line.from_array(item) for item in array(f[0], -1, "lines")], uint(f[1]))


class TicketBody:
    """Body of a ticket or training ticket (docs/SPEC.md, "TICKET body").

    Its lines, payments and change are fixed once it is built: the sums
    that sealing, the data to sign and the three period-total levels use
    (``total``, ``absolute_total``, ``vat``, ``net_payments``) are computed
    then, once, rather than from the lines at each use.
    """

    __slots__ = (
        "absolute_total",
        "change",
        "gt_absolute",
        "gt_real",
        "gt_signature",
        "lines",
        "net_payments",
        "operation",
        "payments",
        "reason",
        "ref_number",
        "total",
        "vat",
    )

    def __init__(
        self,
        operation: str,
        lines: "list[Line]",
        payments: "list[Payment]",
        change: int,
        gt_real: int,
        gt_absolute: int,
        ref_number: int = 0,
        reason: str = "",
        gt_signature: bytes = b"",
    ) -> None:
        self.operation = operation  # codes.OP_SALE or codes.OP_RETURN
        self.lines = lines
        self.payments = payments
        self.change = change
        self.gt_real = gt_real  # perpetual grand total, real value, after this ticket
        self.gt_absolute = gt_absolute  # perpetual grand total, absolute value
        self.ref_number = ref_number  # the ticket a return refers to, 0 otherwise
        self.reason = reason  # reason code of a return, "" otherwise
        self.gt_signature = gt_signature  # signature in the grand-total-ticket chain
        total = absolute = 0
        by_rate: dict[int, int] = {}
        for line in lines:
            amount = line.quantity * line.unit_price
            total += amount
            absolute += abs(amount)
            by_rate[line.vat_rate] = by_rate.get(line.vat_rate, 0) + amount
        self.total = total
        self.absolute_total = absolute
        # (rate, TTC) highest rate first, as in the data to sign and on closures.
        self.vat = [(rate, by_rate[rate]) for rate in sorted(by_rate, reverse=True)]
        # What the payments leave in each means, in order: the change goes back out of cash.
        self.net_payments = [(payment.means, payment.amount) for payment in payments]
        if change:
            self.net_payments.append((codes.PAY_CASH, -change))

    @property
    def is_return(self) -> bool:
        return self.operation == codes.OP_RETURN

    def to_array(self) -> "list[CborValue]":
        return [
            codes.OPERATION_CODES[self.operation],
            # Line.to_array and Payment.to_array written out: every sale encodes them.
            [[li.ref, li.label, li.quantity, li.unit_price, li.vat_rate] for li in self.lines],
            [[payment.means, payment.amount] for payment in self.payments],
            self.change,
            self.gt_real,
            self.gt_absolute,
            self.ref_number,
            self.reason,
            self.gt_signature,
        ]

    @classmethod
    def from_array(cls, value: "CborValue") -> "TicketBody":
        f = array(value, 9, "ticket body")
        operation = codes.OPERATION_BY_CODE.get(uint(f[0]))
        if operation is None:
            raise FormatError(0, 0, f"unknown operation code {f[0]!r}")
        return cls(
            operation=operation,
            lines=[Line.from_array(item) for item in array(f[1], -1, "lines")],
            payments=[Payment.from_array(item) for item in array(f[2], -1, "payments")],
            change=uint(f[3]),
            gt_real=integer(f[4]),
            gt_absolute=uint(f[5]),
            ref_number=uint(f[6]),
            reason=text(f[7]),
            gt_signature=blob(f[8]),
        )
