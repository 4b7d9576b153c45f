"""Fiscal records: the one shape every document takes on flash and in signatures.

A record is a header common to every document type plus a body specific to
its type. On flash it is the canonical CBOR array (docs/SPEC.md, "Record")::

    [version, doc_type, seq, number, time_utc, utc_offset_min,
     terminal_id, operator_id, body, signature]

``seq`` numbers every record of the terminal (all types together, from 1,
no gap): it fixes the journal order, so that swapping two records of
different chains is seen. ``number`` numbers the records of one document type
(from 1, no gap). The previous signature of the chain is not stored: it is
the signature of the record with the same type and ``number - 1``.
"""

from fiscal_core import codes
from fiscal_core.cbor import decode, encode
from fiscal_core.errors import FormatError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fiscal_core.cbor import CborValue

SIGNATURE_BYTES = 64


class Line:
    """One item line of a ticket: quantity x unit price (TTC, cents) at one VAT rate."""

    __slots__ = ("label", "quantity", "ref", "unit_price", "vat_rate")

    def __init__(self, ref: str, label: str, quantity: int, unit_price: int, vat_rate: int) -> None:
        self.ref = ref  # "P12" = PLU 12, "D3" = department 3
        self.label = label
        self.quantity = quantity
        self.unit_price = unit_price  # cents, VAT included
        self.vat_rate = vat_rate  # percent x 100: 2000 = 20 %

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price

    def to_array(self) -> "list[CborValue]":
        return [self.ref, self.label, self.quantity, self.unit_price, self.vat_rate]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Line) and self.to_array() == other.to_array()

    def __repr__(self) -> str:
        fields = (self.ref, self.label, self.quantity, self.unit_price, self.vat_rate)
        return f"Line{fields!r}"


class Payment:
    """One payment line of a ticket: means (codes.PAY_*) and amount in cents."""

    __slots__ = ("amount", "means")

    def __init__(self, means: int, amount: int) -> None:
        self.means = means
        self.amount = amount

    def to_array(self) -> "list[CborValue]":
        return [self.means, self.amount]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Payment) and self.to_array() == other.to_array()

    def __repr__(self) -> str:
        return f"Payment({self.means}, {self.amount})"


class TicketBody:
    """Body of a ticket: lines, payments, change given and perpetual totals after it."""

    __slots__ = ("change", "gt_absolute", "gt_real", "lines", "operation", "payments")

    def __init__(
        self,
        operation: str,
        lines: list[Line],
        payments: list[Payment],
        change: int,
        gt_real: int,
        gt_absolute: int,
    ) -> None:
        self.operation = operation
        self.lines = lines
        self.payments = payments
        self.change = change
        self.gt_real = gt_real  # perpetual grand total, real value, after this ticket
        self.gt_absolute = gt_absolute  # perpetual grand total, absolute value

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def absolute_total(self) -> int:
        return sum(abs(line.total) for line in self.lines)

    def to_array(self) -> "list[CborValue]":
        return [
            self.operation,
            [line.to_array() for line in self.lines],
            [payment.to_array() for payment in self.payments],
            self.change,
            self.gt_real,
            self.gt_absolute,
        ]

    @classmethod
    def from_array(cls, value: "CborValue") -> "TicketBody":
        items = _array(value, 6, "ticket body")
        lines = [
            Line(
                _text(f[0]), _text(f[1]), _int(f[2]), _int(f[3]), _uint(f[4])
            )  # ref, label, qty, unit price, VAT rate
            for f in (_array(item, 5, "line") for item in _array(items[1], -1, "lines"))
        ]
        payments = [
            Payment(_uint(f[0]), _int(f[1]))
            for f in (_array(item, 2, "payment") for item in _array(items[2], -1, "payments"))
        ]
        change, gt_real, gt_absolute = _uint(items[3]), _int(items[4]), _uint(items[5])
        return cls(_text(items[0]), lines, payments, change, gt_real, gt_absolute)


class JetBody:
    """Body of a JET line: event code (codes.JET_*) and free text."""

    __slots__ = ("code", "text")

    def __init__(self, code: int, text: str) -> None:
        self.code = code
        self.text = text

    def to_array(self) -> "list[CborValue]":
        return [self.code, self.text]

    @classmethod
    def from_array(cls, value: "CborValue") -> "JetBody":
        items = _array(value, 2, "JET body")
        return cls(_uint(items[0]), _text(items[1]))


_BODY_TYPES: dict[int, type[TicketBody] | type[JetBody]] = {
    codes.DOC_TICKET: TicketBody,
    codes.DOC_JET: JetBody,
}


class Record:
    """A signed fiscal record (see the module docstring for its layout)."""

    __slots__ = (
        "body",
        "doc_type",
        "number",
        "operator_id",
        "seq",
        "signature",
        "terminal_id",
        "time_utc",
        "utc_offset",
        "version",
    )

    def __init__(
        self,
        doc_type: int,
        seq: int,
        number: int,
        time_utc: int,
        utc_offset: int,
        terminal_id: str,
        operator_id: int,
        body: "TicketBody | JetBody",
        signature: bytes = b"",
        version: int = codes.FORMAT_VERSION,
    ) -> None:
        self.version = version
        self.doc_type = doc_type
        self.seq = seq
        self.number = number
        self.time_utc = time_utc
        self.utc_offset = utc_offset
        self.terminal_id = terminal_id
        self.operator_id = operator_id
        self.body = body
        self.signature = signature

    def unsigned_array(self) -> "list[CborValue]":
        """Return the record's array without its signature (what the digest covers)."""
        return [
            self.version,
            self.doc_type,
            self.seq,
            self.number,
            self.time_utc,
            self.utc_offset,
            self.terminal_id,
            self.operator_id,
            self.body.to_array(),
        ]

    def unsigned_bytes(self) -> bytes:
        return encode(self.unsigned_array())

    def encode(self) -> bytes:
        """Return the record as stored on flash (canonical CBOR, signature last)."""
        return encode([*self.unsigned_array(), self.signature])

    @classmethod
    def decode(cls, data: bytes) -> "Record":
        """Return the record encoded in ``data``; raise FormatError if it is not one."""
        items = decode(data)
        seq = items[2] if len(items) > 2 and isinstance(items[2], int) else 0
        doc_type = items[1] if len(items) > 1 and isinstance(items[1], int) else 0
        try:
            return cls._from_items(items)
        except FormatError as exc:
            raise FormatError(seq, doc_type, exc.message) from None

    @classmethod
    def _from_items(cls, items: "list[CborValue]") -> "Record":
        if len(items) != 10:
            raise FormatError(0, 0, f"a record has 10 fields, found {len(items)}")
        version = _uint(items[0])
        if version != codes.FORMAT_VERSION:
            raise FormatError(0, 0, f"unknown format version {version}")
        doc_type = _uint(items[1])
        body_type = _BODY_TYPES.get(doc_type)
        if body_type is None:
            raise FormatError(0, doc_type, f"unknown document type {doc_type}")
        signature = items[9]
        if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
            raise FormatError(0, doc_type, "signature is not 64 bytes")
        return cls(
            doc_type=doc_type,
            seq=_uint(items[2]),
            number=_uint(items[3]),
            time_utc=_uint(items[4]),
            utc_offset=_int(items[5]),
            terminal_id=_text(items[6]),
            operator_id=_uint(items[7]),
            body=body_type.from_array(items[8]),
            signature=signature,
            version=version,
        )

    def __repr__(self) -> str:
        name = codes.DOC_NAMES.get(self.doc_type, str(self.doc_type))
        return f"<Record seq={self.seq} {name} no={self.number}>"


def _array(value: "CborValue", length: int, what: str) -> "list[CborValue]":
    if not isinstance(value, list):
        raise FormatError(0, 0, f"{what} is not an array")
    if length >= 0 and len(value) != length:
        raise FormatError(0, 0, f"{what} has {len(value)} fields, expected {length}")
    return value


def _int(value: "CborValue") -> int:
    if not isinstance(value, int):
        raise FormatError(0, 0, "expected an integer")
    return value


def _uint(value: "CborValue") -> int:
    number = _int(value)
    if number < 0:
        raise FormatError(0, 0, "expected an unsigned integer")
    return number


def _text(value: "CborValue") -> str:
    if not isinstance(value, str):
        raise FormatError(0, 0, "expected a text string")
    return value
