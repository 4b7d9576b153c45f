"""The inspector's own view of fiscal records: plain typed values (docs/SPEC.md §2, §4).

Nothing here is shared with the terminal's code: these classes are built
by ``tools.inspect.decode`` from the bytes of the flash, following the
specification, so that a misreading on either side shows up as a failed
signature rather than being silently shared.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT_VERSION = 1
IDENTITY_MAGIC = "nf525-fiscal-terminal"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64

DOC_TICKET = 1
DOC_JET = 8
DOC_NAMES = {DOC_TICKET: "TICKET", DOC_JET: "JET"}

OPERATION_SALE = "VENTE"
PAY_CASH = 1
PAY_CARD = 2
PAYMENT_MEANS = {PAY_CASH: "ESPECES", PAY_CARD: "CARTE BANCAIRE"}


def doc_name(doc_type: int | None) -> str:
    """Return the name of a document type ("TICKET", "JET", "type 5", "?")."""
    if doc_type is None:
        return "?"
    return DOC_NAMES.get(doc_type, f"type {doc_type}")


@dataclass(frozen=True, slots=True)
class Identity:
    """The terminal identity file: format version, terminal id, Ed25519 public key."""

    version: int
    terminal_id: str
    public_key: bytes


@dataclass(frozen=True, slots=True)
class Line:
    """One ticket line; amounts in cents, VAT included, rate in percent x 100."""

    ref: str
    label: str
    quantity: int
    unit_price: int
    vat_rate: int

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment of a ticket: means code and amount in cents."""

    means: int
    amount: int


@dataclass(frozen=True, slots=True)
class TicketBody:
    """Body of a TICKET (doc_type 1)."""

    operation: str
    lines: tuple[Line, ...]
    payments: tuple[Payment, ...]
    change: int
    gt_real: int
    gt_absolute: int

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def absolute_total(self) -> int:
        return sum(abs(line.total) for line in self.lines)

    @property
    def paid(self) -> int:
        return sum(payment.amount for payment in self.payments)


@dataclass(frozen=True, slots=True)
class JetBody:
    """Body of a JET line (doc_type 8): event code and free text."""

    code: int
    text: str


@dataclass(frozen=True, slots=True)
class OtherBody:
    """Body of a document type this inspector does not know: kept as decoded."""

    items: tuple[object, ...]


Body = TicketBody | JetBody | OtherBody


@dataclass(frozen=True, slots=True)
class Record:
    """A decoded record; ``raw`` is its exact canonical bytes as stored."""

    version: int
    doc_type: int
    seq: int
    number: int
    time_utc: int
    utc_offset: int
    terminal_id: str
    operator_id: int
    body: Body
    signature: bytes
    raw: bytes

    @property
    def unsigned_bytes(self) -> bytes:
        """Return the canonical CBOR of the first 9 fields (what DIGEST covers).

        The stored record is canonical: a 10-array head (0x8A), the 9 fields,
        then the signature as a 64-byte string (0x58 0x40 + 64 bytes). The
        9-array is the same bytes under a 9-array head (0x89): no re-encoding,
        so the digest covers exactly the bytes on the flash.
        """
        return b"\x89" + self.raw[1 : -(SIGNATURE_BYTES + 2)]


def euros(cents: int) -> str:
    """Return an amount in cents written the French way: ``-1 234,56 €``."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units:,}".replace(",", " ") + f",{rest:02d} €"
