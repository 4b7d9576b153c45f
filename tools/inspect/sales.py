"""Sales of the common shape, read by the workers straight from their CBOR values.

Theory of operation. Nearly every record of a journal is a sale, and a
worker that sums a clean range up (``condense``) needs of a sale only its
place in its chain, its two data to sign, its perpetual totals and what it
adds to the closure figures. Building its ``Record`` (the record, its body,
a ``Line`` per line, a ``Payment`` per payment, then an ``Entry``) cost
more than all of that together. So a worker reads a frame whose record has
the exact common shape of a sale as a ``Sale`` (``read_sale``), from the
values ``cbor2`` decoded:

- a TICKET of the current format version, every field of the exact type
  and range that ``decode`` requires, its encoding canonical (checked as
  ``decode`` checks it);
- on which ``rules`` find nothing: a sale (operation 1) naming no ticket
  and giving no reason, time and UTC offset within their bounds, 1 to
  MAX_LINES lines each of a positive quantity, a price not negative, a VAT
  rate the data to sign can write and texts of at most MAX_TEXT
  characters, payments of known means and positive amounts, the change
  within the cash, payments − change = total, a 64-byte GT_TICKET
  signature.

Anything else, however slightly off, takes the full path (``entry_of``),
which says what is wrong. A sale's data to sign and its figures are written
by the functions that write a ``Record``'s (``tosign.ticket_texts``,
``totals.add_figures``). A ``Sale`` that the worker sends (an edge of its
range, a record some ordered check looks at, every record of a range that
is not clean) is decoded again by the full path first (``Sale.entry``), so
that the verifier's process only ever sees entries. The tests compare both
paths on generated tickets, valid or not (tests/inspect/test_inspect_sales.py).
"""

from __future__ import annotations

from tools.inspect.archive_content import stored_record_digest
from tools.inspect.bodies import INT_LIMIT, ticket_fields
from tools.inspect.chains import Entry
from tools.inspect.decode import (
    DecodeError,
    Header,
    decode_record,
    is_canonical,
    loads_value,
    read_header,
)
from tools.inspect.frames import BadFrame, Frame
from tools.inspect.model import (
    DOC_TICKET,
    FORMAT_VERSION,
    MAX_LINES,
    MAX_TEXT,
    MAX_TIME_UTC,
    MAX_UTC_OFFSET,
    MAX_VAT_RATE,
    OPERATION_SALE,
    PAY_CASH,
    PAYMENT_MEANS,
    SIGNATURE_BYTES,
    TICKET_FIELDS,
    Pairs,
    TicketBody,
    unsigned_bytes,
)
from tools.inspect.tosign import ticket_texts
from tools.inspect.totals import Totals, add_figures

SALE_CODE = 1  # the operation of a sale in a ticket body (docs/SPEC.md §4)
# A canonical record of the current version starts with its array head, the
# version and its type: for a TICKET, these three bytes (a cheap first sieve)
TICKET_START = bytes((0x8A, FORMAT_VERSION, DOC_TICKET))


class Sale:
    """A sale of the common shape (see the module docstring), as its worker read it.

    ``value``: the record as decoded by ``cbor2``; ``header``: as an
    ``Entry``'s; ``total``: of its lines; ``vat``: (rate, TTC) highest rate
    first; ``lines``: (rate, amount) of each line and ``paid``: (means,
    amount) of each payment, in the ticket's order; ``row_digest``: as an
    ``Entry``'s.
    """

    __slots__ = ("frame", "header", "lines", "paid", "row_digest", "total", "value", "vat")

    def __init__(
        self,
        frame: Frame,
        value: list[object],
        total: int,
        lines: list[tuple[int, int]],
        paid: list[tuple[int, int]],
    ) -> None:
        body: list[object] = value[8]  # type: ignore[assignment]
        self.frame = frame
        self.value = value
        self.header = Header(value[2], DOC_TICKET, value[3], value[9], body[8])  # type: ignore[arg-type]
        self.total = total
        self.lines = lines
        self.paid = paid
        per_rate: dict[int, int] = {}
        for rate, amount in lines:
            per_rate[rate] = per_rate.get(rate, 0) + amount
        self.vat: Pairs = tuple(sorted(per_rate.items(), reverse=True))  # rates are unique
        self.row_digest: bytes | None = None

    @property
    def terminal_id(self) -> str:
        return self.value[6]  # type: ignore[return-value]

    @property
    def grand_totals(self) -> tuple[int, int]:
        """The perpetual totals (real, absolute) the sale states."""
        body: list[int] = self.value[8]  # type: ignore[assignment]
        return body[4], body[5]

    @property
    def local_seconds(self) -> int:
        return self.value[4] + self.value[5] * 60  # type: ignore[operator]

    def to_sign(
        self, previous_signature: bytes | None, previous_gt: bytes | None, gt: bool
    ) -> tuple[bytes, bytes | None]:
        """Return what ``tosign.ticket_to_sign`` returns for the sale's record."""
        value = self.value
        return ticket_texts(
            self.vat,
            self.total,
            value[4],  # type: ignore[arg-type]
            value[3],  # type: ignore[arg-type]
            OPERATION_SALE,
            unsigned_bytes(self.frame.record),
            self.grand_totals[0],
            previous_signature,
            previous_gt,
            gt,
        )

    def digest(self, signed: bytes) -> bytes:
        """Return the ``row_digest`` of the sale's record, ``signed`` its data to sign."""
        return stored_record_digest(self.frame.record, self.value[9], signed)  # type: ignore[arg-type]

    def add_to(self, totals: Totals) -> None:
        """Add the sale to the closure figures ``totals``, as ``totals.add_ticket`` does."""
        body: list[int] = self.value[8]  # type: ignore[assignment]
        add_figures((totals,), self.lines, self.total, self.total, self.paid, body[3], False)

    def entry(self) -> Entry:
        """Return the sale's entry, decoded by the full path."""
        e = entry_of(self.frame)
        e.row_digest = self.row_digest
        return e


def read_sale(frame: Frame) -> Sale | None:
    """Return the frame's record as a ``Sale`` if it has the common shape, else None."""
    raw = frame.record
    if raw[:3] != TICKET_START:
        return None
    try:
        value = loads_value(raw)
    except DecodeError:
        return None
    if type(value) is not list or len(value) != 10:
        return None
    version, doc_type, seq, number, time_utc, offset, terminal, operator, body, signature = value
    if not (
        type(version) is int
        and type(doc_type) is int
        and type(seq) is int
        and type(number) is int
        and type(time_utc) is int
        and type(offset) is int
        and type(terminal) is str
        and type(operator) is int
        and type(body) is list
        and type(signature) is bytes
        and version == FORMAT_VERSION
        and doc_type == DOC_TICKET
        and 0 <= seq < INT_LIMIT
        and 0 <= number < INT_LIMIT
        and 0 <= time_utc <= MAX_TIME_UTC
        and -MAX_UTC_OFFSET <= offset <= MAX_UTC_OFFSET
        and 0 <= operator < INT_LIMIT
        and len(signature) == SIGNATURE_BYTES
        and len(body) == TICKET_FIELDS
    ):
        return None
    fields = ticket_fields(body)
    if fields is None:
        return None
    operation, lines, payments, change, _, _, ref, reason, gt_signature = fields
    if not (
        operation == SALE_CODE
        and 1 <= len(lines) <= MAX_LINES
        and ref == 0
        and reason == ""
        and len(gt_signature) == SIGNATURE_BYTES
    ):
        return None
    total = 0
    amounts: list[tuple[int, int]] = []
    for line in lines:
        if type(line) is not list or len(line) != 5:
            return None
        code, label, quantity, price, rate = line
        if not (
            type(code) is str
            and type(label) is str
            and type(quantity) is int
            and type(price) is int
            and type(rate) is int
            and 0 < quantity < INT_LIMIT
            and 0 <= price < INT_LIMIT
            and 0 <= rate <= MAX_VAT_RATE
            and len(code) <= MAX_TEXT
            and len(label) <= MAX_TEXT
        ):
            return None
        amount = quantity * price
        total += amount
        amounts.append((rate, amount))
    paid: list[tuple[int, int]] = []
    given = cash = 0
    for payment in payments:
        if type(payment) is not list or len(payment) != 2:
            return None
        means, received = payment
        if not (
            type(means) is int
            and type(received) is int
            and means in PAYMENT_MEANS
            and 0 < received < INT_LIMIT
        ):
            return None
        given += received
        if means == PAY_CASH:
            cash += received
        paid.append((means, received))
    if given - change != total or change > cash or not is_canonical(value, raw):
        return None
    return Sale(frame, value, total, amounts, paid)


def entry_of(item: Frame | BadFrame) -> Entry:
    """Return the entry of a frame, its record decoded by the full path (``decode``)."""
    if isinstance(item, BadFrame):
        return Entry(item.segment, item.offset, None, read_header(item.record), [item.problem])
    try:
        record = decode_record(item.record)
    except DecodeError as exc:
        header = exc.header or Header(None, None, None, None)
        return Entry(item.segment, item.offset, None, header, [f"illisible : {exc.problem}"])
    body = record.body
    gt_signature = body.gt_signature if isinstance(body, TicketBody) else None
    header = Header(record.seq, record.doc_type, record.number, record.signature, gt_signature)
    return Entry(item.segment, item.offset, record, header)
